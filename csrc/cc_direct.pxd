from cc_cpu cimport cc_isa

cdef extern from "direct/direct.h" nogil:
    ctypedef Py_ssize_t cc_index_t
    ctypedef enum cc_dtype:
        CC_DT_COUNT
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
    enum:
        CC_OK
        CC_ENOMEM
        CC_EINVAL
