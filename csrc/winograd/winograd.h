/* Layer convolution, Winograd's minimal filtering method: the contract
 * every variant meets.
 *
 * Problems are the direct method's (conv/conv.h, cc_conv_problem) with a
 * 3-tap kernel along W, 1 or 3 taps along H, one tap and one plane along D,
 * stride 1 and dilation 1.  Each axis with 3 taps is cut into output tiles
 * of m (2, 4 or 6) samples, computed from alpha = m + 2 input samples by
 * F(m, 3) (Lavin and Gray, 2016; the transforms in winograd_tables.h):
 *   out tile = A^T [ sum over c of (G g G^T)[o, c] * (B^T d B)[c] ] A + bias
 * An axis with one tap has m = alpha = 1 and no transform.  With P =
 * alpha_h * alpha_w points per tile, the channel sum is P matrix products
 * of (C_out/groups x C_in/groups) transformed filters by (C_in/groups x
 * tiles) transformed input tiles.
 *
 * Every term meets the padding: zeros of the implicit zero padding enter
 * the transforms like input samples, so an inf or NaN weight reaches every
 * output of the tiles whose channel it multiplies, as with im2col.
 *
 * Vectors run along tiles: a block of TB = NB * lanes tiles (consecutive in
 * (n, tile row, tile column) order) is one set of NB vectors per point.
 *
 * Kernels of a variant (one per role; the driver owns blocking, scratch and
 * threads):
 * - input (cc_wino_input_<sfx>): the transformed input of `channels`
 *   channels of one tile block, gathered from the block's region of the
 *   zero-padded input (copied by the driver):
 *   V[p][c][TB].
 * - gemm (cc_wino_gemm_<sfx>): M[r][TB] = sum over c of U[r][c] * V[c][TB]
 *   for kr <= KB rows (output channels) of one point.
 * - filter (cc_wino_filter_<sfx>): G g G^T of one output channel's filters,
 *   vectors along the input channels: U[p][c].
 * - output (cc_wino_output_<sfx>): one output channel of one tile block,
 *   A^T M A plus bias, stored where the tiles lie (the cells past the
 *   output's edge dropped).
 */
#ifndef CC_WINOGRAD_H
#define CC_WINOGRAD_H

#include <stdint.h>

#include "cc_common.h"
#include "cc_cpu.h"
#include "cc_dispatch.h"
#include "cc_dtype.h"
#include "conv/conv.h"

#define CC_WINO_DTYPE_SET (CC_DT_BIT(CC_DT_F32) | CC_DT_BIT(CC_DT_F64))
/* Output tile per 3-tap axis: 2, 4 or 6 (alpha up to 8). */
#define CC_WINO_MAX_ALPHA 8

/* Input transform of one tile block (strides in elements). */
typedef struct {
    const void *x;            /* IN: padded input copy, first channel, at the
                                 block's first image */
    cc_index_t x_c;           /* channel stride of the copy */
    cc_index_t row;           /* row stride of the copy */
    cc_index_t channels;
    const int32_t *offs;      /* IN [TB]: each tile's patch origin off x */
    int mh, mw;               /* output tile per axis (mh 1: no H transform) */
    void *v;                  /* OUT: V[p][c][TB] */
    cc_index_t v_p;           /* point stride of V (channels * TB) */
} cc_wino_input;

/* One point's product for up to KB output channels. */
typedef struct {
    const void *u;            /* IN: [kr][channels] transformed filters */
    cc_index_t u_k;           /* row stride of u */
    const void *v;            /* IN: [channels][TB] transformed input */
    cc_index_t channels;
    void *m;                  /* OUT: [kr][TB], row stride TB */
    int kr;                   /* rows, 1 .. KB */
} cc_wino_gemm;

/* Filter transform of one output channel's filters. */
typedef struct {
    const void *w;            /* IN: [channels][kh][3], the channel's weights */
    cc_index_t channels;
    int mh, mw;               /* output tile per axis (mh 1: kh is 1) */
    void *u;                  /* OUT: U[p][channels], point stride u_p */
    cc_index_t u_p;
} cc_wino_filter;

/* Output transform of one output channel of a tile block. */
typedef struct {
    const void *m;            /* IN: M of point 0 for this channel, [TB] */
    cc_index_t m_p;           /* point stride of M */
    int mh, mw;
    const void *bias;         /* IN: one value, or NULL (zero) */
    void *out;                /* OUT: the channel's plane in the block's
                                 first image */
    cc_index_t ow;            /* output row stride */
    const cc_index_t *offs;   /* IN [TB]: each tile's first output off out */
    const unsigned char *rows, *cols; /* IN [TB]: the tile's cells inside
                                 the output (0 for lanes past the block) */
} cc_wino_output;

#define CC_WINO_INPUT_SIGNATURE (const cc_wino_input *t)
#define CC_WINO_GEMM_SIGNATURE (const cc_wino_gemm *t)
#define CC_WINO_OUTPUT_SIGNATURE (const cc_wino_output *t)
#define CC_WINO_FILTER_SIGNATURE (const cc_wino_filter *t)

/* X-macro list of the variants: (isa, dtype code, C type, suffix, lanes,
 * NB, KB): TB = NB * lanes tiles per block, KB output channels per gemm
 * call (KB * NB accumulators, NB input vectors and a broadcast fill the
 * register file).  The reference kernels (plain C, winograd_ref.c) run the
 * same algorithm where no SIMD variant does. */
#if CC_HAVE_X86_KERNELS
#define CC_WINO_SIMD_VARIANTS(X) \
    X(CC_ISA_AVX2,   CC_DT_F32, float,  f32__avx2,    8, 2,  6) \
    X(CC_ISA_AVX2,   CC_DT_F64, double, f64__avx2,    4, 2,  6) \
    X(CC_ISA_AVX512, CC_DT_F32, float,  f32__avx512, 16, 2, 12) \
    X(CC_ISA_AVX512, CC_DT_F64, double, f64__avx512,  8, 2, 12)
#else
#define CC_WINO_SIMD_VARIANTS(X)
#endif
#define CC_WINO_REF_VARIANTS(X) \
    X(CC_ISA_SCALAR, CC_DT_F32, float,  f32__ref, 4, 1, 4) \
    X(CC_ISA_SCALAR, CC_DT_F64, double, f64__ref, 4, 1, 4)

#define CC_WINO_DECLARE(isa, dt, T, sfx, lanes, nb, kb) \
    void cc_wino_input_##sfx CC_WINO_INPUT_SIGNATURE;    \
    void cc_wino_gemm_##sfx CC_WINO_GEMM_SIGNATURE;      \
    void cc_wino_output_##sfx CC_WINO_OUTPUT_SIGNATURE;  \
    void cc_wino_filter_##sfx CC_WINO_FILTER_SIGNATURE;
CC_WINO_SIMD_VARIANTS(CC_WINO_DECLARE)
CC_WINO_REF_VARIANTS(CC_WINO_DECLARE)
#undef CC_WINO_DECLARE

typedef struct {
    cc_isa isa;
    cc_dtype dt;
    void (*input) CC_WINO_INPUT_SIGNATURE;
    void (*gemm) CC_WINO_GEMM_SIGNATURE;
    void (*output) CC_WINO_OUTPUT_SIGNATURE;
    void (*filter) CC_WINO_FILTER_SIGNATURE;
    int lanes, nb, kb;
} cc_wino_kernels;
/* The kernels of one dtype at the highest level <= isa (and <= the CPU's). */
const cc_wino_kernels *cc_wino_select(cc_dtype dt, cc_isa isa);
int cc_wino_variants(int *isa, int *dt, int max);

/* Operator: out (OUT) = the convolution of x and w plus bias (NULL: none),
 * tiles of m[0] x m[1] outputs along H and W (m[0] 1 when the kernel has
 * one tap along H).  Results do not depend on num_threads.  Returns CC_OK,
 * CC_EINVAL (a problem Winograd's method does not cover, or a tile block
 * whose region of the padded input has 2**31 elements or more) or
 * CC_ENOMEM (scratch: the transformed filters and, per worker, a tile
 * block's region and transformed tiles). */
int cc_conv_winograd(cc_dtype dt, const cc_conv_problem *p, const int m[2], const void *x,
                     const void *w, const void *bias, void *out, cc_isa isa, int num_threads);

#endif
