"""The correlation problem both entry points (_direct, _im2col) hand to C:
a cc_corr_problem filled from arrays, with the checks the drivers rely on."""
cimport numpy as cnp
from cc_common cimport CC_MAX_NDIM, cc_index_t
from cc_direct cimport cc_corr_problem


cdef inline int fill_corr_problem(cc_corr_problem *p, cnp.ndarray x, cnp.ndarray w,
                                  cnp.ndarray out, offset, cc_index_t *buf) except -1:
    """Fill p from the arrays (buf: 5 * CC_MAX_NDIM indices it points into)."""
    cdef int nd = x.ndim, d
    cdef Py_ssize_t itemsize = x.itemsize
    if nd < 1 or nd > CC_MAX_NDIM or w.ndim != nd or out.ndim != nd or len(offset) != nd:
        raise ValueError("x, w, out and offset must share one rank >= 1")
    if w.itemsize != itemsize or out.itemsize != itemsize:
        raise ValueError("x, w and out must share one element size")
    if not (cnp.PyArray_IS_C_CONTIGUOUS(w) and cnp.PyArray_IS_C_CONTIGUOUS(out)):
        raise ValueError("w and out must be C-contiguous")
    if not cnp.PyArray_ISWRITEABLE(out):
        raise ValueError("out must be writeable")
    cdef cc_index_t *x_shape = buf
    cdef cc_index_t *x_strides = buf + CC_MAX_NDIM
    cdef cc_index_t *w_shape = buf + 2 * CC_MAX_NDIM
    cdef cc_index_t *out_shape = buf + 3 * CC_MAX_NDIM
    cdef cc_index_t *off = buf + 4 * CC_MAX_NDIM
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
    return 0
