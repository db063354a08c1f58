from cc_common cimport cc_index_t
from cc_cpu cimport cc_isa
from cc_dtype cimport cc_dtype
from libc.stdint cimport int64_t

cdef extern from "pool/pool.h" nogil:
    enum:
        CC_POOL_DTYPE_SET
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
    ctypedef struct cc_pool_kernels:
        cc_isa isa
    const cc_pool_kernels *cc_pool_select(cc_dtype dt, cc_isa isa)
    int cc_maxpool_nd(cc_dtype dt, const cc_pool_problem *p, const void *x,
                      void *out, int64_t *idx, cc_isa isa, int num_threads)
    int cc_avgpool_nd(cc_dtype dt, const cc_pool_problem *p, const void *x,
                      void *out, cc_isa isa, int num_threads)
    int cc_maxpool_nd_bwd(cc_dtype dt, const cc_pool_problem *p,
                          const void *x, const void *grad_out, void *grad_in,
                          cc_isa isa, int num_threads)
    int cc_avgpool_nd_bwd(cc_dtype dt, const cc_pool_problem *p,
                          const void *grad_out, void *grad_in, int num_threads)
    int cc_maxunpool(cc_dtype dt, cc_index_t planes, cc_index_t in_plane,
                     cc_index_t out_plane, const void *x, const int64_t *idx,
                     void *out, int num_threads, int64_t *bad)
