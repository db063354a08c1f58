# The direct layer convolution's C entry points (csrc/conv/conv.h): the
# forward pass and the weight gradient; Winograd's method
# (csrc/winograd/winograd.h).
from cc_common cimport cc_index_t
from cc_cpu cimport cc_isa
from cc_dtype cimport cc_dtype

cdef extern from "conv/conv.h" nogil:
    enum:
        CC_CONV_DTYPE_SET
    ctypedef struct cc_conv_problem:
        cc_index_t n, c_in, c_out, groups
        cc_index_t inp "in"[3]
        cc_index_t out[3]
        cc_index_t kernel[3]
        cc_index_t stride[3]
        cc_index_t dilation[3]
        cc_index_t pad[3]
    ctypedef struct cc_conv_kernels:
        cc_isa isa
    const cc_conv_kernels *cc_conv_select(cc_dtype dt, cc_isa isa)
    int cc_conv_variants(int *isa, int *dt, int max)
    int cc_conv_direct(cc_dtype dt, const cc_conv_problem *p, const void *x, const void *w,
                       const void *bias, void *out, cc_isa isa, int num_threads)
    ctypedef struct cc_conv_dweight_kernels:
        cc_isa isa
    const cc_conv_dweight_kernels *cc_conv_dweight_select(cc_dtype dt, cc_isa isa)
    int cc_conv_dweight_variants(int *isa, int *dt, int max)
    int cc_conv_dweight(cc_dtype dt, const cc_conv_problem *p, const void *x, const void *dy,
                        void *dw, cc_isa isa, int num_threads)

cdef extern from "winograd/winograd.h" nogil:
    enum:
        CC_WINO_DTYPE_SET
    ctypedef struct cc_wino_kernels:
        cc_isa isa
    const cc_wino_kernels *cc_wino_select(cc_dtype dt, cc_isa isa)
    int cc_wino_variants(int *isa, int *dt, int max)
    int cc_conv_winograd(cc_dtype dt, const cc_conv_problem *p, const int m[2], const void *x,
                         const void *w, const void *bias, void *out, cc_isa isa,
                         int num_threads)
