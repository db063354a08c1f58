from cc_cpu cimport cc_isa

cdef extern from "fft/fft.h" nogil:
    ctypedef Py_ssize_t cc_index_t
    ctypedef enum cc_fft_dtype:
        CC_FFT_C64
        CC_FFT_C128
        CC_FFT_DT_COUNT
    ctypedef enum cc_spec_op:
        CC_SPEC_MUL
        CC_SPEC_MAC
        CC_SPEC_OP_COUNT
    ctypedef void (*cc_spec_fnptr)()
    cc_spec_fnptr cc_spec_select(cc_fft_dtype dt, cc_spec_op op, cc_isa isa, cc_isa *chosen)
    int cc_spectral(cc_fft_dtype dt, cc_spec_op op, cc_index_t nrows, cc_index_t n,
                    const void *a, const cc_index_t *a_off,
                    const void *b, const cc_index_t *b_off,
                    void *out, cc_isa isa, int num_threads)
    double cc_pack_pair_f32(cc_index_t n, const float *a, cc_index_t na,
                            const float *b, cc_index_t nb, float *z)
    double cc_pack_pair_f64(cc_index_t n, const double *a, cc_index_t na,
                            const double *b, cc_index_t nb, double *z)
    void cc_pair_product_f32(cc_index_t n, float *z, double s)
    void cc_pair_product_f64(cc_index_t n, double *z, double s)
    enum:
        CC_OK
        CC_EINVAL
