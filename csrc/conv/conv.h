/* Layer convolution, direct method: the contract every variant meets.
 *
 * Every rank runs as 3-D (convcore/nn/_conv_spec.py): x (N, C_in, D, H, W),
 * w (C_out, C_in / groups, KD, KH, KW), out (N, C_out, OD, OH, OW), all
 * C-contiguous;
 *   out[n, o, p] = bias[o] + sum over c in o's group and taps t inside the
 *                  input of x[n, c, p * stride + t * dilation - pad] * w[o, c', t].
 *
 * Taps that fall in the implicit zero padding are skipped, never multiplied
 * by a zero: a NaN or inf weight reaches only the outputs whose window puts
 * that tap on the input (as torch's oneDNN direct path for float32), and a
 * NaN or inf in x reaches exactly the outputs whose window holds it.  Every
 * variant keeps this rule, the reference by bounds checks, the SIMD ones by
 * skipping whole rows and planes and by lane masks on the FMAs of the edge
 * columns.
 *
 * Micro-kernel: one tile of MR output channels x nvec vectors of output
 * columns (lanes each) of one output row, summing over `channels` input
 * channels and the taps of the tile's rows.  The input it reads is laid out
 * by the driver so that tap kw of output column j (counted from the tile's
 * first) is at x[kw_off[kw] + j] of every kd/kh row: a copy of each input
 * row, zero-padded and, for stride s > 1 along W, split into its s phases
 * (columns r, r + s, ...), or the input itself for pointwise convolutions.
 * Loads may read zeros past the row's valid columns; those lanes are masked
 * or never stored.
 */
#ifndef CC_CONV_H
#define CC_CONV_H

#include <stdint.h>

#include "cc_common.h"
#include "cc_cpu.h"
#include "cc_dispatch.h"
#include "cc_dtype.h"
#include "cc_parallel.h"

#define CC_CONV_DTYPE_SET (CC_DT_BIT(CC_DT_F32) | CC_DT_BIT(CC_DT_F64))

typedef struct {
    cc_index_t n, c_in, c_out, groups;
    cc_index_t in[3], out[3], kernel[3], stride[3], dilation[3], pad[3];  /* D, H, W */
} cc_conv_problem;

/* One tile (all strides in elements). */
typedef struct {
    const void *x;            /* IN: input of the first channel at the first
                                 kd/kh row, at the tile's first column */
    cc_index_t channels;      /* input channels summed (>= 1) */
    cc_index_t x_c, x_d, x_h; /* strides: channel, kd row, kh row */
    cc_index_t nkd, nkh, nkw; /* taps: kd and kh rows (>= 0), kw columns */
    const cc_index_t *kw_off; /* IN [nkw]: offset of tap kw */
    const void *w;            /* IN: packed weights of the first channel and
                                 tap row, mr_lanes (MR, or 1 for the
                                 depthwise tile) contiguous per channel and tap */
    cc_index_t w_c, w_d, w_h, w_w; /* weight strides: channel, kd, kh, kw */
    const uint32_t *mask;     /* IN: NULL (every tap inside for the stored
                                 lanes) or [nkw][nvec] lane bits: tap kw of
                                 the lane's column lies inside the input */
    const void *bias;         /* IN: mr_lanes values, or NULL (zero) */
    void *out;                /* OUT: first channel, first column */
    cc_index_t out_c;         /* output channel stride */
    cc_index_t mr;            /* output channels stored (<= mr_lanes) */
    cc_index_t nvec;          /* vectors (1 .. NR, or DW_NR for depthwise) */
    cc_index_t ncols;         /* columns stored (<= nvec * lanes) */
} cc_conv_tile;

#define CC_CONV_TILE_SIGNATURE (const cc_conv_tile *t)

/* Reference: the outputs planes [begin, end) (plane = n * C_out + o), plain
 * loops in the order c, kd, kh, kw, taps outside skipped. */
#define CC_CONV_REF_SIGNATURE(T) \
    (const cc_conv_problem *p, const T *x, const T *w, const T *bias, T *out, \
     cc_index_t begin, cc_index_t end)

/* X-macro list of the SIMD variants:
 *   (isa, dtype code, C type, suffix, lanes, MR, NR, DW_NR)
 * naming cc_conv_tile_<sfx> (MR channels x up to NR vectors) and
 * cc_conv_dwtile_<sfx> (1 channel x up to DW_NR vectors, one input channel). */
#if CC_HAVE_X86_KERNELS
#define CC_CONV_SIMD_VARIANTS(X) \
    X(CC_ISA_AVX2,   CC_DT_F32, float,  f32__avx2,    8, 4, 3, 4) \
    X(CC_ISA_AVX2,   CC_DT_F64, double, f64__avx2,    4, 4, 3, 4) \
    X(CC_ISA_AVX512, CC_DT_F32, float,  f32__avx512, 16, 8, 3, 4) \
    X(CC_ISA_AVX512, CC_DT_F64, double, f64__avx512,  8, 8, 3, 4)
#else
#define CC_CONV_SIMD_VARIANTS(X)
#endif

#define CC_CONV_DECLARE(isa, dt, T, sfx, lanes, mr, nr, dwnr) \
    void cc_conv_tile_##sfx CC_CONV_TILE_SIGNATURE;            \
    void cc_conv_dwtile_##sfx CC_CONV_TILE_SIGNATURE;
CC_CONV_SIMD_VARIANTS(CC_CONV_DECLARE)
#undef CC_CONV_DECLARE
void cc_conv_f32__ref CC_CONV_REF_SIGNATURE(float);
void cc_conv_f64__ref CC_CONV_REF_SIGNATURE(double);

/* Config: the kernels of one dtype at the highest level <= isa (and <= the
 * CPU's); tile/dwtile NULL for the reference. */
typedef struct {
    cc_isa isa;
    cc_dtype dt;
    cc_fnptr ref;             /* CC_CONV_REF_SIGNATURE */
    void (*tile) CC_CONV_TILE_SIGNATURE;
    void (*dwtile) CC_CONV_TILE_SIGNATURE;
    int lanes, mr, nr, dw_nr;
} cc_conv_kernels;
const cc_conv_kernels *cc_conv_select(cc_dtype dt, cc_isa isa);
/* The variants compiled in: fills up to max (isa, dtype code) pairs and
 * returns their count. */
int cc_conv_variants(int *isa, int *dt, int max);

/* Operator: out (OUT) = the convolution of x and w plus bias (NULL: none).
 * isa caps the kernel level; num_threads >= 1.  Results do not depend on
 * num_threads.  Returns CC_OK, CC_EINVAL (inconsistent problem) or
 * CC_ENOMEM (scratch: the zero-padded input copy, packed weights). */
int cc_conv_direct(cc_dtype dt, const cc_conv_problem *p, const void *x, const void *w,
                   const void *bias, void *out, cc_isa isa, int num_threads);

#endif
