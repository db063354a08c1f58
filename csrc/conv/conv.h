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
 * skipping whole rows and planes and, along W, by per-position tap bits
 * (main kernel) or lane masks on the FMAs (depthwise) at the row's edges.
 *
 * Main micro-kernel (cc_conv_tile_<sfx>): OCB blocks of `lanes` output
 * channels (one vector each) x up to UR output positions of one output row,
 * one accumulator vector per (block, position), summing over `channels`
 * input channels and the taps of the tile's rows.  Per channel and tap it
 * loads OCB weight vectors (packed [kd][kh][kw][c][OCB * lanes]) and, per
 * position, broadcasts one input element read straight from the caller's
 * input (no copy: stride and dilation along W are indexing): OCB FMAs per
 * load, no shuffles.  Positions whose tap lies outside the input skip it
 * (per-tap position bits on the tiles at the row's edges).
 *
 * Depthwise kernel (cc_conv_dwplane_<sfx>): one output plane, per row
 * tiles of up to DW_NR vectors of output columns (one call per plane: the
 * row and tile loops cost as much as the few taps), reading a zero-padded
 * (and, for stride
 * s > 1 along W, phase-split) copy of the input plane: tap kw of output
 * column j (counted from the tile's first) is at x[kw_off[kw] + j] of every
 * kd/kh row.  Loads may read zeros past the row's valid columns; those
 * lanes are masked or never stored.
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

/* One tile of the main kernel (all strides in elements). */
typedef struct {
    const void *x;            /* IN: input of the first channel at the first
                                 kd/kh row, column 0 of that row */
    cc_index_t col0;          /* column of tap 0 of the first position (< 0
                                 on a left-edge tile) */
    cc_index_t xs, xk;        /* column step per position (stride) and per
                                 kw tap (dilation) */
    cc_index_t channels;      /* input channels summed (>= 1) */
    cc_index_t x_c, x_d, x_h; /* strides: channel, kd row, kh row */
    cc_index_t nkd, nkh, nkw; /* taps: kd and kh rows (>= 0), kw columns */
    const void *w;            /* IN: packed weights of the first channel and
                                 tap row, OCB * lanes per channel and tap */
    cc_index_t w_c, w_d, w_h, w_w; /* weight strides: channel, kd, kh, kw */
    const uint32_t *act;      /* IN: NULL (every tap inside) or [nkw] bits:
                                 bit p says tap kw of position p is inside */
    const void *bias;         /* IN: OCB * lanes values, or NULL (zero) */
    void *out;                /* OUT: first channel, first position */
    cc_index_t out_c;         /* output channel stride (positions: 1) */
    cc_index_t mr;            /* output channels stored (<= OCB * lanes) */
    cc_index_t npos;          /* positions (1 .. UR) */
} cc_conv_tile;

/* The taps of one output row of a depthwise plane. */
typedef struct {
    cc_index_t x_off;         /* offset of the first kd/kh tap row in the copy */
    cc_index_t w_off;         /* index of the first tap in the channel's weights */
    cc_index_t nkd, nkh;      /* kd and kh tap rows inside (>= 0) */
} cc_conv_dwrow;

/* One output plane of the depthwise kernel (all strides in elements): every
 * output row, each cut into the same tiles of up to DW_NR vectors. */
typedef struct {
    const void *x;            /* IN: the padded copy of the input plane */
    const cc_conv_dwrow *rows; /* IN [nrows] */
    cc_index_t nrows;
    cc_index_t x_d, x_h;      /* copy strides: kd row, kh row */
    cc_index_t nkw;           /* kw taps */
    const cc_index_t *kw_off; /* IN [nkw]: offset of tap kw */
    const void *w;            /* IN: the channel's weights, [kd][kh][kw] */
    cc_index_t w_d, w_h;      /* weight strides: kd, kh */
    const void *bias;         /* IN: one value, or NULL (zero) */
    void *out;                /* OUT: the output plane */
    cc_index_t ow;            /* output row length (columns stored) */
    cc_index_t ntiles, nr;    /* tiles per row; nr = DW_NR */
    const cc_index_t *tcol, *tlen; /* IN [ntiles]: first column, vectors */
    const uint32_t *masks;    /* IN: tile ti's [nkw][tlen] lane bits at
                                 ti * nkw * nr: tap kw of the lane's column
                                 lies inside the input (or the column is
                                 past the row) */
    const unsigned char *tmasked; /* IN [ntiles]: 0 no lane outside, 1 only
                                 in the tile's first and last vectors, 2 in
                                 others too */
} cc_conv_dwplane;

#define CC_CONV_TILE_SIGNATURE (const cc_conv_tile *t)
#define CC_CONV_DWPLANE_SIGNATURE (const cc_conv_dwplane *t)

/* Reference: the outputs planes [begin, end) (plane = n * C_out + o), plain
 * loops in the order c, kd, kh, kw, taps outside skipped. */
#define CC_CONV_REF_SIGNATURE(T) \
    (const cc_conv_problem *p, const T *x, const T *w, const T *bias, T *out, \
     cc_index_t begin, cc_index_t end)

/* X-macro list of the SIMD variants:
 *   (isa, dtype code, C type, suffix, lanes, OCB, UR, DW_NR)
 * naming cc_conv_tile_<sfx> (OCB * lanes channels x up to UR positions:
 * OCB * UR accumulators, OCB weight vectors and a broadcast fill the
 * register file) and cc_conv_dwplane_<sfx> (one depthwise output plane
 * in tiles of up to DW_NR vectors). */
#if CC_HAVE_X86_KERNELS
#define CC_CONV_SIMD_VARIANTS(X) \
    X(CC_ISA_AVX2,   CC_DT_F32, float,  f32__avx2,    8, 2,  6, 4) \
    X(CC_ISA_AVX2,   CC_DT_F64, double, f64__avx2,    4, 2,  6, 4) \
    X(CC_ISA_AVX512, CC_DT_F32, float,  f32__avx512, 16, 2, 12, 4) \
    X(CC_ISA_AVX512, CC_DT_F64, double, f64__avx512,  8, 2, 12, 4)
#else
#define CC_CONV_SIMD_VARIANTS(X)
#endif

#define CC_CONV_DECLARE(isa, dt, T, sfx, lanes, ocb, ur, dwnr) \
    void cc_conv_tile_##sfx CC_CONV_TILE_SIGNATURE;             \
    void cc_conv_dwplane_##sfx CC_CONV_DWPLANE_SIGNATURE;
CC_CONV_SIMD_VARIANTS(CC_CONV_DECLARE)
#undef CC_CONV_DECLARE
void cc_conv_f32__ref CC_CONV_REF_SIGNATURE(float);
void cc_conv_f64__ref CC_CONV_REF_SIGNATURE(double);

/* Config: the kernels of one dtype at the highest level <= isa (and <= the
 * CPU's); tile/dwplane NULL for the reference. */
typedef struct {
    cc_isa isa;
    cc_dtype dt;
    cc_fnptr ref;             /* CC_CONV_REF_SIGNATURE */
    void (*tile) CC_CONV_TILE_SIGNATURE;
    void (*dwplane) CC_CONV_DWPLANE_SIGNATURE;
    int lanes, mr, ur, dw_nr; /* mr = OCB * lanes channels per tile */
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

/* Whether a problem is consistent: every extent, stride and dilation >= 1,
 * pads >= 0, channels divisible by groups (forward and weight gradient). */
CC_INLINE int cc_conv_problem_valid(const cc_conv_problem *p)
{
    if (p->n < 1 || p->c_in < 1 || p->c_out < 1 || p->groups < 1 || p->c_in % p->groups ||
        p->c_out % p->groups)
        return 0;
    for (int a = 0; a < 3; ++a)
        if (p->in[a] < 1 || p->out[a] < 1 || p->kernel[a] < 1 || p->stride[a] < 1 ||
            p->dilation[a] < 1 || p->pad[a] < 0)
            return 0;
    return 1;
}

/* ==== Weight gradient (dweight) ========================================== *
 *
 * Same problem struct and layouts, with dy (N, C_out, OD, OH, OW) and dw
 * (C_out, C_in / groups, KD, KH, KW), all C-contiguous:
 *   dw[o, c', t] = sum over n and output positions p of
 *                  dy[n, o, p] * x[n, g * C_in / groups + c', p * stride + t * dilation - pad]
 * (g the group of o).  Taps in the implicit zero padding contribute nothing:
 * every variant skips them (the reference by bounds checks, the SIMD ones
 * by running each tap over the box of output positions whose tap lies
 * inside the input), so a NaN or inf in dy reaches only the dw entries
 * whose tap meets the input at its position, as in the forward pass.
 *
 * Main micro-kernel (cc_conv_dwtile_<sfx>): an implicit GEMM tile, M = OCB
 * vectors of output channels (MR = OCB * lanes), N = up to NR columns of
 * dw sharing one tap (nr consecutive input channels of the group), K = a
 * run of output positions: nrows rows of npos positions.  Per position it
 * loads the OCB vectors of dy, packed position-major ([p][MR], zero past
 * the group's channels), and for each column broadcasts one input element
 * read straight from the caller's x (column j at x + j * x_c, position q
 * of row r at r * x_row + q * xs): OCB FMAs per broadcast, OCB x NR
 * accumulators in registers over the whole run, added to acc at the end.
 * Its pack kernel (cc_conv_dwpack_<sfx>) lays dy out position-major
 * (register transposes where the ISA file gives CC_TRANSPOSE).
 *
 * Depthwise kernel (cc_conv_dwdot_<sfx>): one input channel per group and
 * few output channels per group leave the channel vector mostly empty, so
 * this one vectorises along the positions instead: the dot product of nrows
 * rows of npos dy values (contiguous) with the input elements under one tap
 * (x + r * x_row + q * xs).
 */

/* One tile of the main dweight kernel (all strides in elements). */
typedef struct {
    const void *dy;        /* IN: packed dy, first row, first position */
    cc_index_t dy_row;        /* row stride of the packed dy (positions * MR) */
    const void *x;            /* IN: column 0's input element under the tap
                                 at the first position of the first row */
    cc_index_t x_c;           /* column (input channel) stride */
    cc_index_t x_row, xs;     /* row stride; step per position (stride W) */
    cc_index_t nrows, npos;   /* >= 1 each */
    cc_index_t nr;            /* columns (1 .. NR) */
    void *acc;                /* IN/OUT: [NR][MR] sums, the run added to them */
} cc_conv_dwtile;

/* One dot product of the depthwise kernel (strides in elements). */
typedef struct {
    const void *dy;           /* IN: first row's first position */
    cc_index_t dy_row;        /* row stride of dy (positions: 1) */
    const void *x;            /* IN: the element under the tap at the first
                                 position of the first row */
    cc_index_t x_row, xs;     /* row stride; step per position */
    cc_index_t nrows, npos;   /* >= 1 each */
} cc_conv_dwdot;

#define CC_CONV_DWTILE_SIGNATURE (const cc_conv_dwtile *t)
/* Packs dy for the main kernel: dst[q][MR] = the mr channels (src, channel
 * stride src_c) at positions q < npos, zero past mr. */
#define CC_CONV_DWPACK_SIGNATURE(T) \
    (const T *src, cc_index_t src_c, cc_index_t mr, cc_index_t npos, T *dst)
/* Returns the dot product as the element type (float or double). */
#define CC_CONV_DWDOT_SIGNATURE(T) (const cc_conv_dwdot *t, T *sum)

/* Reference: the dw rows (output channels) [begin, end), plain loops, each
 * entry summed over n, od, oh, ow in that order, taps outside skipped. */
#define CC_CONV_DWEIGHT_REF_SIGNATURE(T) \
    (const cc_conv_problem *p, const T *x, const T *dy, T *dw, cc_index_t begin, cc_index_t end)

/* X-macro list of the SIMD dweight variants:
 *   (isa, dtype code, C type, suffix, lanes, OCB, NR)
 * naming cc_conv_dwtile_<sfx> (OCB * NR accumulators, OCB dy vectors and
 * a broadcast fill the register file) and cc_conv_dwdot_<sfx>. */
#if CC_HAVE_X86_KERNELS
#define CC_CONV_DWEIGHT_SIMD_VARIANTS(X) \
    X(CC_ISA_AVX2,   CC_DT_F32, float,  f32__avx2,    8, 2,  6) \
    X(CC_ISA_AVX2,   CC_DT_F64, double, f64__avx2,    4, 2,  6) \
    X(CC_ISA_AVX512, CC_DT_F32, float,  f32__avx512, 16, 2, 12) \
    X(CC_ISA_AVX512, CC_DT_F64, double, f64__avx512,  8, 2, 12)
#else
#define CC_CONV_DWEIGHT_SIMD_VARIANTS(X)
#endif

#define CC_CONV_DWEIGHT_DECLARE(isa, dt, T, sfx, lanes, ocb, nr) \
    void cc_conv_dwtile_##sfx CC_CONV_DWTILE_SIGNATURE;           \
    void cc_conv_dwpack_##sfx CC_CONV_DWPACK_SIGNATURE(T);        \
    void cc_conv_dwdot_##sfx CC_CONV_DWDOT_SIGNATURE(T);
CC_CONV_DWEIGHT_SIMD_VARIANTS(CC_CONV_DWEIGHT_DECLARE)
#undef CC_CONV_DWEIGHT_DECLARE
void cc_conv_dweight_f32__ref CC_CONV_DWEIGHT_REF_SIGNATURE(float);
void cc_conv_dweight_f64__ref CC_CONV_DWEIGHT_REF_SIGNATURE(double);

/* Config: the dweight kernels of one dtype at the highest level <= isa
 * (and <= the CPU's); tile/dot NULL for the reference. */
typedef struct {
    cc_isa isa;
    cc_dtype dt;
    cc_fnptr ref;             /* CC_CONV_DWEIGHT_REF_SIGNATURE */
    void (*tile) CC_CONV_DWTILE_SIGNATURE;
    cc_fnptr pack;            /* CC_CONV_DWPACK_SIGNATURE of the dtype */
    cc_fnptr dot;             /* CC_CONV_DWDOT_SIGNATURE of the dtype */
    int lanes, mr, nr;        /* mr = OCB * lanes channels, nr columns */
} cc_conv_dweight_kernels;
const cc_conv_dweight_kernels *cc_conv_dweight_select(cc_dtype dt, cc_isa isa);
int cc_conv_dweight_variants(int *isa, int *dt, int max);

/* Operator: dw (OUT, written whole) = the weight gradient of the
 * convolution of x given dy.  isa caps the kernel level; num_threads >= 1.
 * Results do not depend on num_threads.  Returns CC_OK, CC_EINVAL
 * (inconsistent problem) or CC_ENOMEM (scratch: the packed dy, the items'
 * sums). */
int cc_conv_dweight(cc_dtype dt, const cc_conv_problem *p, const void *x, const void *dy,
                    void *dw, cc_isa isa, int num_threads);

#endif
