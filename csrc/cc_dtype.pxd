# The element types of every family (csrc/cc_dtype.h), and the table the
# Python side maps NumPy dtypes with, built from the C list.

cdef extern from "cc_dtype.h" nogil:
    ctypedef enum cc_dtype:
        CC_DT_B
        CC_DT_U8
        CC_DT_U16
        CC_DT_U32
        CC_DT_U64
        CC_DT_F32
        CC_DT_F64
        CC_DT_LD
        CC_DT_C64
        CC_DT_C128
        CC_DT_CLD
        CC_DT_COUNT
    ctypedef struct cc_dtype_info:
        const char *name
        char kind
        size_t itemsize
    const cc_dtype_info *cc_dtype_get(int dt)
    bint cc_dtype_in(int dt, unsigned dtype_set)


cdef inline tuple dtype_table(unsigned dtype_set):
    """((code, name, NumPy type string), ...) for the codes of dtype_set (a
    family's CC_*_DTYPE_SET), in code order: name is the code's suffix in
    cc_dtype.h ("f32"), the type string its NumPy kind and size ("f4";
    np.dtype takes it)."""
    cdef int code
    cdef const cc_dtype_info *info
    rows = []
    for code in range(<int>CC_DT_COUNT):
        if cc_dtype_in(code, dtype_set):
            info = cc_dtype_get(code)
            rows.append((code, info.name.decode(), f"{chr(info.kind)}{info.itemsize}"))
    return tuple(rows)
