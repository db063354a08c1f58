from cc_common cimport cc_index_t
from cc_cpu cimport cc_isa
from cc_dtype cimport cc_dtype

cdef extern from "fft/fft.h" nogil:
    enum:
        CC_SPEC_DTYPE_SET
        CC_OA_DTYPE_SET
    ctypedef enum cc_spec_op:
        CC_SPEC_MUL
        CC_SPEC_MAC
        CC_SPEC_OP_COUNT
    const char *cc_spec_op_name(int op)
    ctypedef void (*cc_fnptr)()
    cc_fnptr cc_spec_select(cc_dtype dt, cc_spec_op op, cc_isa isa, cc_isa *chosen)
    int cc_spectral(cc_dtype dt, cc_spec_op op, cc_index_t nrows, cc_index_t n,
                    const void *a, const cc_index_t *a_off,
                    const void *b, const cc_index_t *b_off,
                    void *out, cc_isa isa, int num_threads)
    void cc_split_product_f32(int phases, cc_index_t kn, float *za, const float *zb,
                              const float *tw, int num_threads)
    void cc_split_product_f64(int phases, cc_index_t kn, double *za, const double *zb,
                              const double *tw, int num_threads)
    cc_index_t cc_oa_parallel_min()
    int cc_oa_fill(int m, const cc_index_t *nx, const cc_index_t *xstride,
                   const cc_index_t *steps, const cc_index_t *step, const cc_index_t *n,
                   cc_index_t inner_bytes, const void *x, void *ws, int num_threads)
    int cc_oa_add(cc_dtype dt, cc_index_t outer, cc_index_t steps, cc_index_t n,
                  cc_index_t step, cc_index_t inner, const void *y, cc_index_t start,
                  cc_index_t length, void *out, int num_threads)
