from cc_common cimport cc_index_t
from cc_cpu cimport cc_isa
from cc_dtype cimport cc_dtype

cdef extern from "direct/direct.h" nogil:
    enum:
        CC_DIRECT_DTYPE_SET
    ctypedef struct cc_corr_problem:
        int ndim
        const cc_index_t *x_shape
        const cc_index_t *x_strides
        const cc_index_t *w_shape
        const cc_index_t *out_shape
        const cc_index_t *offset
    int cc_correlate(cc_dtype dt, const cc_corr_problem *p, const void *x,
                     const void *w, void *out, cc_isa isa, int num_threads)
    ctypedef void (*cc_fnptr)()
    cc_fnptr cc_corr_row_select(cc_dtype dt, cc_isa isa, cc_isa *chosen)
