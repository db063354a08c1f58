# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Direct N-D correlation: the compiled entry point of the direct family."""
cimport numpy as cnp
from _corr_problem cimport MAX_NDIM, fill_corr_problem
from cc_cpu cimport cc_isa
from cc_direct cimport (CC_DT_COUNT, CC_ENOMEM, CC_OK, cc_corr_problem,
                        cc_corr_row_select, cc_correlate, cc_dtype, cc_index_t)

cnp.import_array()

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
    cdef cc_index_t dims[5 * MAX_NDIM]
    cdef cc_corr_problem p
    cdef int status

    if not 0 <= dtype_code < CC_DT_COUNT:
        raise ValueError(f"dtype_code must be in [0, {CC_DT_COUNT}), got {dtype_code}")
    fill_corr_problem(&p, x, w, out, offset, dims)
    cdef const void *xp = cnp.PyArray_DATA(x)
    cdef const void *wp = cnp.PyArray_DATA(w)
    cdef void *op = cnp.PyArray_DATA(out)
    with nogil:
        status = cc_correlate(<cc_dtype>dtype_code, &p, xp, wp, op, <cc_isa>isa, num_threads)
    if status == CC_ENOMEM:
        raise MemoryError("convcore: out of memory in the direct correlation")
    if status != CC_OK:
        raise ValueError("convcore: invalid direct correlation problem")
