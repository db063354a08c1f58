/* FFT family: the work around scipy.fft's transforms (contract).
 *
 * The transforms themselves are scipy.fft's (pocketfft); what runs here is
 * the spectral product between them, on interleaved complex arrays:
 *
 *   mul:  out[i]  = a[i] * b[i]
 *   mac:  out[i] += a[i] * b[i]     (multi-channel layer ops reuse it)
 *
 * Every variant computes each product as (ar*br - ai*bi, ai*br + ar*bi) with
 * one rounding per multiply and per add, in that order, and never fuses a
 * multiply into an add: every ISA gives the reference's bits, so a result
 * never depends on the CPU it ran on.
 */
#ifndef CC_FFT_H
#define CC_FFT_H

#include "cc_common.h"
#include "cc_cpu.h"

typedef enum { CC_FFT_C64 = 0, CC_FFT_C128 = 1, CC_FFT_DT_COUNT } cc_fft_dtype;
typedef enum { CC_SPEC_MUL = 0, CC_SPEC_MAC = 1, CC_SPEC_OP_COUNT } cc_spec_op;

/* Micro-kernel contract, T the real element type (float or double); a, b
 * and out hold n interleaved complex values (2n reals).  out may be a or b
 * (in place); no other overlap.  mul writes out without reading it. */
#define CC_SPEC_SIGNATURE(T) \
    (cc_index_t n, const T *a, const T *b, T *out)

/* X-macro list of every micro-kernel: (isa, dtype, op, real type, name). */
#define CC_SPEC_VARIANTS_REF(X)                                               \
    X(CC_ISA_SCALAR, CC_FFT_C64,  CC_SPEC_MUL, float,  cc_specmul_c64__ref)   \
    X(CC_ISA_SCALAR, CC_FFT_C64,  CC_SPEC_MAC, float,  cc_specmac_c64__ref)   \
    X(CC_ISA_SCALAR, CC_FFT_C128, CC_SPEC_MUL, double, cc_specmul_c128__ref)  \
    X(CC_ISA_SCALAR, CC_FFT_C128, CC_SPEC_MAC, double, cc_specmac_c128__ref)

#define CC_SPEC_VARIANTS_SIMD(X)                                              \
    X(CC_ISA_AVX2,   CC_FFT_C64,  CC_SPEC_MUL, float,  cc_specmul_c64__avx2)    \
    X(CC_ISA_AVX2,   CC_FFT_C64,  CC_SPEC_MAC, float,  cc_specmac_c64__avx2)    \
    X(CC_ISA_AVX2,   CC_FFT_C128, CC_SPEC_MUL, double, cc_specmul_c128__avx2)   \
    X(CC_ISA_AVX2,   CC_FFT_C128, CC_SPEC_MAC, double, cc_specmac_c128__avx2)   \
    X(CC_ISA_AVX512, CC_FFT_C64,  CC_SPEC_MUL, float,  cc_specmul_c64__avx512)  \
    X(CC_ISA_AVX512, CC_FFT_C64,  CC_SPEC_MAC, float,  cc_specmac_c64__avx512)  \
    X(CC_ISA_AVX512, CC_FFT_C128, CC_SPEC_MUL, double, cc_specmul_c128__avx512) \
    X(CC_ISA_AVX512, CC_FFT_C128, CC_SPEC_MAC, double, cc_specmac_c128__avx512)

#define CC_DECLARE_SPEC(isa, dt, op, T, name) void name CC_SPEC_SIGNATURE(T);
CC_SPEC_VARIANTS_REF(CC_DECLARE_SPEC)
#if CC_HAVE_X86_KERNELS
CC_SPEC_VARIANTS_SIMD(CC_DECLARE_SPEC)
#endif
#undef CC_DECLARE_SPEC

typedef void (*cc_spec_fnptr)(void);  /* cast back before calling */

/* Config: the kernel for (dt, op) at the highest level <= isa (and <= the
 * CPU's) that has one; *chosen (if not NULL) gets that level.  Never NULL. */
cc_spec_fnptr cc_spec_select(cc_fft_dtype dt, cc_spec_op op, cc_isa isa, cc_isa *chosen);

/* The operator: nrows rows of n complex values.  Row r of a starts at
 * a + 2*a_off[r] reals (a_off NULL: r*n complex values), likewise b; out
 * is contiguous, row r at out + 2*r*n.  Rows of a or b may repeat
 * (broadcasting); out rows never overlap each other, and out may be a or b
 * only when that operand's offsets are NULL.  OpenMP over fixed blocks of
 * the rows x columns space on up to num_threads threads (one thread below a
 * work threshold).  Returns CC_OK or CC_EINVAL. */
int cc_spectral(cc_fft_dtype dt, cc_spec_op op, cc_index_t nrows, cc_index_t n,
                const void *a, const cc_index_t *a_off,
                const void *b, const cc_index_t *b_off,
                void *out, cc_isa isa, int num_threads);

/* Two real transforms by one complex transform (real_pair.c), for n >= 1:
 *   pack:     z[i] = a[i] + i*s*b[i] for i < n (zero past na, nb); returns
 *             s, a power of two bringing b's largest magnitude to a's;
 *   product:  given Z, the transform of z, the first n/2 + 1 entries of z
 *             become A[k]*B[k] (A, B the transforms of a, b), in place.
 * z holds n interleaved complex values; serial (memory-bound). */
double cc_pack_pair_f32(cc_index_t n, const float *a, cc_index_t na,
                        const float *b, cc_index_t nb, float *z);
double cc_pack_pair_f64(cc_index_t n, const double *a, cc_index_t na,
                        const double *b, cc_index_t nb, double *z);
void cc_pair_product_f32(cc_index_t n, float *z, double s);
void cc_pair_product_f64(cc_index_t n, double *z, double s);

#endif
