# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Direct N-D correlation: the compiled entry point of the direct family."""
cimport numpy as cnp
from cc_cpu cimport cc_isa
from cc_direct cimport (CC_DT_COUNT, CC_ENOMEM, CC_OK, cc_corr_problem,
                        cc_corr_row_select, cc_correlate, cc_dtype, cc_index_t)

cnp.import_array()

cdef enum:
    MAX_NDIM = 64  # NumPy's own limit

#: Element-type codes of the C kernels, in the order of cc_dtype.
DTYPE_CODES = ("b", "u8", "u16", "u32", "u64", "f32", "f64", "ld", "c64", "c128", "cld")


def row_kernel_isa(int dtype_code, int isa):
    """The ISA level of the row kernel that runs for dtype_code at level isa."""
    cdef cc_isa chosen
    if not 0 <= dtype_code < CC_DT_COUNT:
        raise ValueError(f"dtype_code must be in [0, {CC_DT_COUNT}), got {dtype_code}")
    cc_corr_row_select(<cc_dtype>dtype_code, <cc_isa>isa, &chosen)
    return <int>chosen


def correlate(cnp.ndarray x, cnp.ndarray w, cnp.ndarray out, offset,
              int dtype_code, int isa, int num_threads):
    """out[o] = sum_t x[o + offset + t] * w[t], x zero outside its shape.

    x: IN, any strides that are multiples of its itemsize, last stride one
    element (or a last axis of length <= 1).  w: IN, C-contiguous.
    out: OUT, C-contiguous, written whole.  All three share the element type
    dtype_code (an index into DTYPE_CODES; signed integers use the unsigned
    code of their width).
    """
    cdef int nd = x.ndim, d
    cdef Py_ssize_t itemsize = x.itemsize
    cdef cc_index_t x_shape[MAX_NDIM]
    cdef cc_index_t x_strides[MAX_NDIM]
    cdef cc_index_t w_shape[MAX_NDIM]
    cdef cc_index_t out_shape[MAX_NDIM]
    cdef cc_index_t off[MAX_NDIM]
    cdef cc_corr_problem p
    cdef int status

    if not 0 <= dtype_code < CC_DT_COUNT:
        raise ValueError(f"dtype_code must be in [0, {CC_DT_COUNT}), got {dtype_code}")
    if nd < 1 or nd > MAX_NDIM or w.ndim != nd or out.ndim != nd or len(offset) != nd:
        raise ValueError("x, w, out and offset must share one rank >= 1")
    if w.itemsize != itemsize or out.itemsize != itemsize:
        raise ValueError("x, w and out must share one element size")
    if not (cnp.PyArray_IS_C_CONTIGUOUS(w) and cnp.PyArray_IS_C_CONTIGUOUS(out)):
        raise ValueError("w and out must be C-contiguous")
    if not cnp.PyArray_ISWRITEABLE(out):
        raise ValueError("out must be writeable")
    for d in range(nd):
        if x.strides[d] % itemsize:
            raise ValueError("x strides must be multiples of its itemsize")
        x_shape[d] = x.shape[d]
        x_strides[d] = x.strides[d] // itemsize
        w_shape[d] = w.shape[d]
        out_shape[d] = out.shape[d]
        off[d] = offset[d]
    if x_shape[nd - 1] <= 1 or x.size == 0:
        x_strides[nd - 1] = 1  # never stepped along
    if x_strides[nd - 1] != 1:
        raise ValueError("x must be contiguous along its last axis")

    p.ndim = nd
    p.x_shape = x_shape
    p.x_strides = x_strides
    p.w_shape = w_shape
    p.out_shape = out_shape
    p.offset = off
    cdef const void *xp = cnp.PyArray_DATA(x)
    cdef const void *wp = cnp.PyArray_DATA(w)
    cdef void *op = cnp.PyArray_DATA(out)
    with nogil:
        status = cc_correlate(<cc_dtype>dtype_code, &p, xp, wp, op, <cc_isa>isa, num_threads)
    if status == CC_ENOMEM:
        raise MemoryError("convcore: out of memory in the direct correlation")
    if status != CC_OK:
        raise ValueError("convcore: invalid direct correlation problem")
