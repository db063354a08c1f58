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
 *
 * Overlap-add also runs its block work here: cutting inputs into the
 * zero-padded blocks the transforms take, and adding the inverse
 * transforms' overlapping block tails while cropping to the window.
 */
#ifndef CC_FFT_H
#define CC_FFT_H

#include "cc_common.h"
#include "cc_cpu.h"
#include "cc_dispatch.h"
#include "cc_dtype.h"
#include "cc_parallel.h"

/* Element types: the spectral product runs CC_DT_C64 and CC_DT_C128 of
 * cc_dtype.h; overlap-add adds real lanes of CC_DT_F32, CC_DT_F64 and
 * CC_DT_LD (complex data: two lanes per element). */
#define CC_SPEC_DTYPE_SET (CC_DT_BIT(CC_DT_C64) | CC_DT_BIT(CC_DT_C128))
#define CC_OA_DTYPE_SET (CC_DT_BIT(CC_DT_F32) | CC_DT_BIT(CC_DT_F64) | CC_DT_BIT(CC_DT_LD))
typedef enum { CC_SPEC_MUL = 0, CC_SPEC_MAC = 1, CC_SPEC_OP_COUNT } cc_spec_op;

/* "mul", "mac": the names of the ops, in code order (NULL out of range). */
CC_INLINE const char *cc_spec_op_name(int op)
{
    static const char *const names[CC_SPEC_OP_COUNT] = {"mul", "mac"};
    return op >= 0 && op < CC_SPEC_OP_COUNT ? names[op] : NULL;
}

/* Micro-kernel contract, T the real element type (float or double); a, b
 * and out hold n interleaved complex values (2n reals).  out may be a or b
 * (in place); no other overlap.  mul writes out without reading it. */
#define CC_SPEC_SIGNATURE(T) \
    (cc_index_t n, const T *a, const T *b, T *out)

/* X-macro list of every micro-kernel: (isa, dtype, op, real type, name). */
#define CC_SPEC_VARIANTS_REF(X)                                               \
    X(CC_ISA_SCALAR, CC_DT_C64,  CC_SPEC_MUL, float,  cc_specmul_c64__ref)   \
    X(CC_ISA_SCALAR, CC_DT_C64,  CC_SPEC_MAC, float,  cc_specmac_c64__ref)   \
    X(CC_ISA_SCALAR, CC_DT_C128, CC_SPEC_MUL, double, cc_specmul_c128__ref)  \
    X(CC_ISA_SCALAR, CC_DT_C128, CC_SPEC_MAC, double, cc_specmac_c128__ref)

#define CC_SPEC_VARIANTS_SIMD(X)                                              \
    X(CC_ISA_AVX2,   CC_DT_C64,  CC_SPEC_MUL, float,  cc_specmul_c64__avx2)    \
    X(CC_ISA_AVX2,   CC_DT_C64,  CC_SPEC_MAC, float,  cc_specmac_c64__avx2)    \
    X(CC_ISA_AVX2,   CC_DT_C128, CC_SPEC_MUL, double, cc_specmul_c128__avx2)   \
    X(CC_ISA_AVX2,   CC_DT_C128, CC_SPEC_MAC, double, cc_specmac_c128__avx2)   \
    X(CC_ISA_AVX512, CC_DT_C64,  CC_SPEC_MUL, float,  cc_specmul_c64__avx512)  \
    X(CC_ISA_AVX512, CC_DT_C64,  CC_SPEC_MAC, float,  cc_specmac_c64__avx512)  \
    X(CC_ISA_AVX512, CC_DT_C128, CC_SPEC_MUL, double, cc_specmul_c128__avx512) \
    X(CC_ISA_AVX512, CC_DT_C128, CC_SPEC_MAC, double, cc_specmac_c128__avx512)

#define CC_DECLARE_SPEC(isa, dt, op, T, name) void name CC_SPEC_SIGNATURE(T);
CC_SPEC_VARIANTS_REF(CC_DECLARE_SPEC)
#if CC_HAVE_X86_KERNELS
CC_SPEC_VARIANTS_SIMD(CC_DECLARE_SPEC)
#endif
#undef CC_DECLARE_SPEC

/* Config: the kernel for (dt, op) at the highest level <= isa (and <= the
 * CPU's) that has one; *chosen (if not NULL) gets that level.  NULL only
 * for a (dt, op) outside the lists. */
cc_fnptr cc_spec_select(cc_dtype dt, cc_spec_op op, cc_isa isa, cc_isa *chosen);

/* The operator: nrows rows of n complex values.  Row r of a starts at
 * a + 2*a_off[r] reals (a_off NULL: r*n complex values), likewise b; out
 * is contiguous, row r at out + 2*r*n.  Rows of a or b may repeat
 * (broadcasting); out rows never overlap each other, and out may be a or b
 * only when that operand's offsets are NULL.  Fixed blocks of
 * the rows x columns space, on up to num_threads threads (one thread below a
 * work threshold).  Returns CC_OK or CC_EINVAL. */
int cc_spectral(cc_dtype dt, cc_spec_op op, cc_index_t nrows, cc_index_t n,
                const void *a, const cc_index_t *a_off,
                const void *b, const cc_index_t *b_off,
                void *out, cc_isa isa, int num_threads);

/* Convolution of two lines by transforms of their polyphase components
 * (split_line.c): a line of n = phases*m points (phases 1, 2 or 4; m >= 1)
 * has `phases` components, component r its entries j*phases + r.  za and
 * zb hold the transforms of the two inputs' components over m points
 * (unnormalised), `phases` rows of kn interleaved complex values: kn = m
 * for complex lines, kn = m/2 + 1 (the half spectra) for real ones.  Row r
 * of za becomes D_r, the spectrum of component r of the inverse of A*B
 * divided by phases (A, B the lines' transforms over n points), so that
 * the inverse transforms of the rows over m points give the circular
 * convolution at positions j*phases + r.  tw holds the twiddles
 * tw[r-1][k] = exp(-2*pi*i*r*k/n), 1 <= r < phases, k < kn (unused when
 * phases == 1).  Up to num_threads threads on long lines. */
void cc_split_product_f32(int phases, cc_index_t kn, float *za, const float *zb,
                          const float *tw, int num_threads);
void cc_split_product_f64(int phases, cc_index_t kn, double *za, const double *zb,
                          const double *tw, int num_threads);

/* Overlap-add block work around the block transforms (oa_blocks.c).
 *
 * An axis of length steps * n holds ``steps`` blocks of ``n``; block s
 * starts at sample s*step of the unblocked axis, so its last tail = n - step
 * positions overlap the next block.  Arrays are C-contiguous unless said
 * otherwise.  Each output element is written exactly once (outputs may be
 * uninitialised), from fixed work items: results never depend on the thread
 * count.  Calls with fewer than cc_oa_parallel_min() output bytes run on
 * the calling thread.  Both return CC_OK or CC_EINVAL. */
cc_index_t cc_oa_parallel_min(void);

/* Block the leading m axes of x at once, in one pass:
 *
 *   ws[s_0, j_0, ..., s_{m-1}, j_{m-1}, :] = x[s_0*step_0 + j_0, ..., :]
 *
 * when j_a < step_a and s_a*step_a + j_a < nx_a on every axis a, else 0,
 * for s_a < steps_a, j_a < n_a (steps_a = 1, step_a = nx_a = n_a: axis a
 * copied as it is; steps_a = 1, step_a = nx_a: zero-padded to n_a).  A byte
 * copy, so one entry for every dtype.  x: IN, axis a of nx[a] positions
 * xstride[a] bytes apart (any sign), each position inner_bytes contiguous
 * bytes, and xstride[m-1] == inner_bytes (rows of the last axis
 * contiguous; free when nx[m-1] <= 1).  ws: OUT, (steps_0, n_0, ...,
 * steps_{m-1}, n_{m-1}, inner_bytes); no overlap with x.  Requires
 * 1 <= m <= CC_MAX_NDIM, step_a >= 1 and (steps_a - 1) * step_a <= nx_a
 * (no block starts past the end). */
int cc_oa_fill(int m, const cc_index_t *nx, const cc_index_t *xstride,
               const cc_index_t *steps, const cc_index_t *step, const cc_index_t *n,
               cc_index_t inner_bytes, const void *x, void *ws, int num_threads);

/* Overlap-add and crop an axis: for p < length, with q = start + p,
 * s = q / step and j = q % step,
 *
 *   out[o, p, i] = y[o, s, j, i] + y[o, s-1, j+step, i]   (s >= 1, j < tail)
 *
 * where the first term is absent for s == steps (that block holds only the
 * tail of block steps-1: 0 + tail, as an add into zeros gives) and the
 * second for s == 0 or j >= tail; neither: 0.  One add per element, head
 * first.  y: IN, (outer, steps, n, inner lanes); out: OUT, (outer, length,
 * inner lanes); no overlap.  N-D: one axis at a time, from the last.
 * Requires 1 <= step <= n, tail = n - step <= step and
 * start + length <= (steps + 1) * step. */
int cc_oa_add(cc_dtype dt, cc_index_t outer, cc_index_t steps, cc_index_t n,
              cc_index_t step, cc_index_t inner, const void *y, cc_index_t start,
              cc_index_t length, void *out, int num_threads);

#endif
