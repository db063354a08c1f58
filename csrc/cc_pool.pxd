from cc_cpu cimport cc_isa
from libc.stdint cimport int64_t

cdef extern from "pool/pool.h" nogil:
    ctypedef Py_ssize_t cc_index_t
    ctypedef enum cc_pool_dtype:
        CC_POOL_F32
        CC_POOL_F64
    ctypedef struct cc_pool_axis:
        cc_index_t inp "in"
        cc_index_t out
        cc_index_t kernel, stride, dilation
        cc_index_t lo, hi
        const cc_index_t *first
        const cc_index_t *count
        const cc_index_t *fac
    ctypedef struct cc_pool_problem:
        cc_index_t planes
        cc_pool_axis ax[3]
        cc_index_t divisor
    ctypedef void (*cc_pool_fnptr)()
    ctypedef struct cc_pool_kernels:
        cc_isa isa
    const cc_pool_kernels *cc_pool_select(cc_pool_dtype dt, cc_isa isa)
    int cc_maxpool_nd(cc_pool_dtype dt, const cc_pool_problem *p, const void *x,
                      void *out, int64_t *idx, cc_isa isa, int num_threads)
    int cc_avgpool_nd(cc_pool_dtype dt, const cc_pool_problem *p, const void *x,
                      void *out, cc_isa isa, int num_threads)
    int cc_maxpool_nd_bwd(cc_pool_dtype dt, const cc_pool_problem *p,
                          const void *x, const void *grad_out, void *grad_in,
                          cc_isa isa, int num_threads)
    int cc_avgpool_nd_bwd(cc_pool_dtype dt, const cc_pool_problem *p,
                          const void *grad_out, void *grad_in, int num_threads)
    int cc_maxunpool(cc_pool_dtype dt, cc_index_t planes, cc_index_t in_plane,
                     cc_index_t out_plane, const void *x, const int64_t *idx,
                     void *out, int num_threads, int64_t *bad)
    enum:
        CC_OK
        CC_ENOMEM
        CC_EINVAL
