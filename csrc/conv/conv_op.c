/* Driver of the direct layer convolution (contract in conv.h).
 *
 * Three paths, each a cc_parallel_for over work items fixed by the problem
 * (never by the thread count), each item writing its own output block:
 *
 * - general: the main tile (OCB * lanes output channels x up to UR output
 *   positions, input broadcast from the caller's array, no copy).  The
 *   weights are packed [group][channel block][kd][kh][kw][c][MR] (MR = OCB *
 *   lanes, zero-filled past the group's channels).  Items are (n, group,
 *   channel block, output row): consecutive items share the packed weights
 *   of a block while the rows they read slide by one.  Along D and H, rows
 *   of taps outside the input are skipped; along W the tiles at the row's
 *   edges skip, per position, the taps outside (t->act).
 * - pointwise (1x1x1, stride 1, no padding): the same tile on the flattened
 *   (D*H*W) planes; items (n, group, run of tiles) run every channel block
 *   on their run, so each input element comes from memory once.
 * - depthwise (one input channel per group): W-vectors read from the
 *   input plane in place (stride 1 along W; the edge vectors' lanes outside
 *   are masked, loads included) or, for a stride along W, from a
 *   zero-padded, phase-split copy in the worker's scratch (small: it stays
 *   in cache); one kernel call per output plane, tiles of up to DW_NR
 *   vectors of columns; items (n, input channel).
 *
 * The scalar reference runs per output plane where no SIMD variant does.
 */
#include <stdlib.h>
#include <string.h>

#include "cc_scratch.h"
#include "conv.h"

/* Below this many multiply-adds a call stays on the calling thread: waking
 * a helper costs more than the work. */
#define CC_CONV_PARALLEL_MIN_MACS 65536.0

enum { PATH_REF, PATH_GENERAL, PATH_DEPTHWISE, PATH_POINTWISE };

typedef struct {
    const cc_conv_problem *p;
    const cc_conv_kernels *k;
    const void *x, *w, *bias;
    void *out;
    size_t esz;
    int path, threads;
    cc_index_t cig, cog, blocks, rows, out_plane;
    /* Tiles along W (identical for every output row): general and
     * pointwise in positions, depthwise in vectors of columns. */
    cc_index_t ntiles, nr;
    cc_index_t *tcol, *tlen;   /* [ntiles]: first position, positions or vectors */
    uint32_t *masks;           /* general: [ntiles][KW] position bits;
                                  depthwise: [ntiles][KW][nr] lane bits */
    unsigned char *tmasked;    /* [ntiles] */
    /* Depthwise: the padded copy's rows of R = s * L elements. */
    cc_index_t L, R;
    cc_index_t *kw_off;        /* [KW] */
    cc_conv_dwrow *dwrows;     /* [rows]: the taps of each output row */
    int dw_in_place;           /* stride 1 along W: the plane itself, no copy */
    /* Packed weights and bias (general, pointwise). */
    void *wp, *bp;
    /* Pointwise: columns per plane, tiles per item. */
    cc_index_t P, run;
    void *scratch;
} conv_ctx;

/* The taps [k0, k0 + count) of an axis that land inside [0, n) for the
 * output o, and the input index of the first. */
static cc_index_t tap_range(cc_index_t o, cc_index_t s, cc_index_t d, cc_index_t pad,
                            cc_index_t K, cc_index_t n, cc_index_t *k0, cc_index_t *i0)
{
    const cc_index_t base = o * s - pad;
    cc_index_t lo = base >= 0 ? 0 : (-base + d - 1) / d;
    cc_index_t hi = base > n - 1 ? -1 : CC_MIN(K - 1, (n - 1 - base) / d);
    *k0 = lo;
    *i0 = base + lo * d;
    return hi >= lo ? hi - lo + 1 : 0;
}

/* ---- typed helpers ---------------------------------------------------- */

#define CC_CONV_TYPED(T, sfx)                                                           \
    /* nrows input rows of W (src, stride W) as zero-padded, phase-split rows   \
     * of R = s * L (dst, stride dst_stride): column u of the padded row is at  \
     * phase u % s, index u / s. */                                              \
    static void pad_rows_##sfx(T *dst, cc_index_t dst_stride, const T *src,            \
                               cc_index_t nrows, const conv_ctx *c)                    \
    {                                                                                   \
        const cc_index_t W = c->p->in[2], s = c->p->stride[2], pad = c->p->pad[2];      \
        const cc_index_t L = c->L;                                                      \
        if (s == 1) { /* the common case: pad, copy, pad */                            \
            const cc_index_t left = CC_MIN(pad, L), mid = CC_MAX(CC_MIN(W, L - left), 0); \
            for (cc_index_t r = 0; r < nrows; ++r, src += W, dst += dst_stride) {       \
                memset(dst, 0, (size_t)left * sizeof(T));                               \
                memcpy(dst + left, src, (size_t)mid * sizeof(T));                       \
                memset(dst + left + mid, 0, (size_t)(L - left - mid) * sizeof(T));      \
            }                                                                           \
            return;                                                                     \
        }                                                                               \
        for (cc_index_t r = 0; r < nrows; ++r, src += W, dst += dst_stride)             \
            for (cc_index_t ph = 0; ph < s; ++ph) {                                     \
                T *d = dst + ph * L;                                                    \
                for (cc_index_t j = 0; j < L; ++j) {                                    \
                    const cc_index_t col = j * s + ph - pad;                            \
                    d[j] = col >= 0 && col < W ? src[col] : (T)0;                       \
                }                                                                       \
            }                                                                           \
    }                                                                                   \
    /* Weights of the channel blocks [begin, end) (of groups * blocks) packed  \
     * [kd][kh][kw][c][MR], zero past the group's channels, and their bias. */ \
    static void pack_##sfx(void *vctx, cc_index_t begin, cc_index_t end, int worker)     \
    {                                                                                   \
        const conv_ctx *c = (const conv_ctx *)vctx;                                     \
        const cc_conv_problem *p = c->p;                                                \
        const cc_index_t MR = c->k->mr, taps = p->kernel[0] * p->kernel[1] * p->kernel[2]; \
        const T *w = (const T *)c->w, *b = (const T *)c->bias;                          \
        T *wp = (T *)c->wp, *bp = (T *)c->bp;                                           \
        (void)worker;                                                                   \
        for (cc_index_t gb = begin; gb < end; ++gb) {                                   \
            const cc_index_t g = gb / c->blocks, blk = gb % c->blocks;                  \
            T *dst = wp + gb * taps * c->cig * MR;                                      \
            for (cc_index_t m = 0; m < MR; ++m) {                                       \
                const cc_index_t oc = blk * MR + m, o = g * c->cog + oc;                \
                if (bp)                                                                 \
                    bp[gb * MR + m] = oc < c->cog ? b[o] : (T)0;                        \
                for (cc_index_t ci = 0; ci < c->cig; ++ci)                              \
                    for (cc_index_t t = 0; t < taps; ++t)                               \
                        dst[(t * c->cig + ci) * MR + m] =                               \
                            oc < c->cog ? w[(o * c->cig + ci) * taps + t] : (T)0;       \
            }                                                                           \
        }                                                                               \
    }                                                                                   \
    static void ref_##sfx(void *vctx, cc_index_t begin, cc_index_t end, int worker)     \
    {                                                                                   \
        const conv_ctx *c = (const conv_ctx *)vctx;                                     \
        (void)worker;                                                                   \
        cc_conv_##sfx##__ref(c->p, (const T *)c->x, (const T *)c->w, (const T *)c->bias, \
                             (T *)c->out, begin, end);                                  \
    }

CC_CONV_TYPED(float, f32)
CC_CONV_TYPED(double, f64)
#undef CC_CONV_TYPED

/* ---- items -------------------------------------------------------------- */

/* The tap rows of output row `row` for an input whose plane and row
 * strides are xplane, xrow: nkd, nkh, the kd/kh strides, *x_row the offset
 * of the first tap row and *w_row the first tap's index. */
static void row_taps(const conv_ctx *c, cc_index_t row, cc_index_t xplane, cc_index_t xrow,
                     cc_index_t *nkd, cc_index_t *nkh, cc_index_t *x_d, cc_index_t *x_h,
                     cc_index_t *x_row, cc_index_t *w_row)
{
    const cc_conv_problem *p = c->p;
    const cc_index_t od = row / p->out[1], oh = row % p->out[1];
    cc_index_t kd0, id0, kh0, ih0;
    *nkd = tap_range(od, p->stride[0], p->dilation[0], p->pad[0], p->kernel[0], p->in[0],
                     &kd0, &id0);
    *nkh = tap_range(oh, p->stride[1], p->dilation[1], p->pad[1], p->kernel[1], p->in[1],
                     &kh0, &ih0);
    if (*nkd == 0 || *nkh == 0) {
        *nkd = *nkh = 0;
        kd0 = kh0 = id0 = ih0 = 0;
    }
    *x_d = p->dilation[0] * xplane;
    *x_h = p->dilation[1] * xrow;
    *x_row = id0 * xplane + ih0 * xrow;
    *w_row = kd0 * p->kernel[1] * p->kernel[2] + kh0 * p->kernel[2];
}

/* The main tile's fields shared by every tile of a (group, channel block)
 * over a plane of DHW input elements; x, col0, out, npos, act and the tap
 * rows are set per tile. */
static void tile_common(const conv_ctx *c, cc_index_t gb, cc_conv_tile *t)
{
    const cc_conv_problem *p = c->p;
    const cc_index_t MR = c->k->mr, taps = p->kernel[0] * p->kernel[1] * p->kernel[2];
    const size_t e = c->esz;
    t->xs = p->stride[2];
    t->xk = p->dilation[2];
    t->channels = c->cig;
    t->x_c = p->in[0] * p->in[1] * p->in[2];
    t->nkw = p->kernel[2];
    t->w_c = MR;
    t->w_w = c->cig * MR;
    t->w_h = p->kernel[2] * t->w_w;
    t->w_d = p->kernel[1] * t->w_h;
    t->w = (const char *)c->wp + (size_t)(gb * taps * c->cig * MR) * e;
    t->bias = c->bp ? (const char *)c->bp + (size_t)(gb * MR) * e : NULL;
    t->out_c = c->out_plane;
    t->mr = CC_MIN(MR, c->cog - gb % c->blocks * MR);
}

/* Items (n, group, channel block, output row): every tile of the row. */
static void general_items(void *vctx, cc_index_t begin, cc_index_t end, int worker)
{
    const conv_ctx *c = (const conv_ctx *)vctx;
    const cc_conv_problem *p = c->p;
    const cc_index_t MR = c->k->mr, KW = p->kernel[2], H = p->in[1], W = p->in[2];
    const cc_index_t DHW = p->in[0] * H * W;
    const size_t e = c->esz;
    (void)worker;
    for (cc_index_t item = begin; item < end; ++item) {
        const cc_index_t row = item % c->rows;
        const cc_index_t gb = item / c->rows % (p->groups * c->blocks);
        const cc_index_t n = item / c->rows / (p->groups * c->blocks);
        const cc_index_t g = gb / c->blocks, blk = gb % c->blocks;
        cc_conv_tile t;
        cc_index_t x_row, w_row;
        tile_common(c, gb, &t);
        row_taps(c, row, H * W, W, &t.nkd, &t.nkh, &t.x_d, &t.x_h, &x_row, &w_row);
        t.w = (const char *)t.w + (size_t)(w_row * c->cig * MR) * e;
        t.x = (const char *)c->x + (size_t)((n * p->c_in + g * c->cig) * DHW + x_row) * e;
        char *yb = (char *)c->out +
                   (size_t)((n * p->c_out + g * c->cog + blk * MR) * c->out_plane +
                            row * p->out[2]) * e;
        for (cc_index_t ti = 0; ti < c->ntiles; ++ti) {
            const cc_index_t pos = c->tcol[ti];
            t.col0 = pos * p->stride[2] - p->pad[2];
            t.npos = c->tlen[ti];
            t.act = c->tmasked[ti] ? c->masks + ti * KW : NULL;
            t.out = yb + (size_t)pos * e;
            c->k->tile(&t);
        }
    }
}

/* Items (n, group, run of c->run tiles of the flattened plane): every
 * channel block on the run, whose input (cig x run x UR elements) stays in
 * cache between the blocks. */
static void pointwise_items(void *vctx, cc_index_t begin, cc_index_t end, int worker)
{
    const conv_ctx *c = (const conv_ctx *)vctx;
    const cc_conv_problem *p = c->p;
    const cc_index_t MR = c->k->mr, runs = (c->ntiles + c->run - 1) / c->run;
    const size_t e = c->esz;
    (void)worker;
    for (cc_index_t item = begin; item < end; ++item) {
        const cc_index_t r = item % runs, ng = item / runs;
        const cc_index_t g = ng % p->groups, n = ng / p->groups;
        const cc_index_t t0 = r * c->run, t1 = CC_MIN(t0 + c->run, c->ntiles);
        for (cc_index_t blk = 0; blk < c->blocks; ++blk) {
            cc_conv_tile t;
            tile_common(c, g * c->blocks + blk, &t);
            t.nkd = t.nkh = 1;
            t.x_d = t.x_h = 0;
            t.act = NULL;
            t.x = (const char *)c->x + (size_t)((n * p->c_in + g * c->cig) * c->P) * e;
            char *yb = (char *)c->out + (size_t)((n * p->c_out + g * c->cog + blk * MR) * c->P) * e;
            for (cc_index_t ti = t0; ti < t1; ++ti) {
                t.col0 = c->tcol[ti];
                t.npos = c->tlen[ti];
                t.out = yb + (size_t)c->tcol[ti] * e;
                c->k->tile(&t);
            }
        }
    }
}

/* Items: input planes (n, input channel).  The plane is laid out in the
 * worker's scratch (small: it stays in cache), then every output channel of
 * its group runs on it, one kernel call per output plane. */
static void depthwise_items(void *vctx, cc_index_t begin, cc_index_t end, int worker)
{
    const conv_ctx *c = (const conv_ctx *)vctx;
    const cc_conv_problem *p = c->p;
    const cc_index_t taps = p->kernel[0] * p->kernel[1] * p->kernel[2], KW = p->kernel[2];
    const cc_index_t DH = p->in[0] * p->in[1];
    const size_t e = c->esz;
    char *xs = c->scratch ? (char *)c->scratch + (size_t)worker * (size_t)(DH * c->R) * e : NULL;
    cc_conv_dwplane t;
    t.x = xs;
    t.rows = c->dwrows;
    t.nrows = c->rows;
    t.x_d = p->dilation[0] * p->in[1] * c->R;
    t.x_h = p->dilation[1] * c->R;
    t.nkw = KW;
    t.kw_off = c->kw_off;
    t.w_h = KW;
    t.w_d = p->kernel[1] * KW;
    t.ow = p->out[2];
    t.ntiles = c->ntiles;
    t.nr = c->nr;
    t.tcol = c->tcol;
    t.tlen = c->tlen;
    t.masks = c->masks;
    t.tmasked = c->tmasked;
    for (cc_index_t item = begin; item < end; ++item) {
        const cc_index_t n = item / p->c_in, ci = item % p->c_in;
        const char *src = (const char *)c->x + (size_t)(item * DH * p->in[2]) * e;
        if (c->dw_in_place)
            t.x = src;
        else if (e == sizeof(float))
            pad_rows_f32((float *)xs, c->R, (const float *)src, DH, c);
        else
            pad_rows_f64((double *)xs, c->R, (const double *)src, DH, c);
        for (cc_index_t j = 0; j < c->cog; ++j) {
            const cc_index_t o = ci * c->cog + j;
            t.w = (const char *)c->w + (size_t)(o * taps) * e;
            t.bias = c->bias ? (const char *)c->bias + (size_t)o * e : NULL;
            t.out = (char *)c->out + (size_t)((n * p->c_out + o) * c->out_plane) * e;
            c->k->dwplane(&t);
        }
    }
}

/* ---- setup -------------------------------------------------------------- */

/* `units` positions cut into the fewest tiles of at most nr, as even as
 * possible. */
static int make_tiles(conv_ctx *c, cc_index_t units, cc_index_t nr)
{
    c->nr = nr;
    c->ntiles = (units + nr - 1) / nr;
    c->tcol = malloc((size_t)c->ntiles * 2 * sizeof(cc_index_t));
    if (!c->tcol)
        return CC_ENOMEM;
    c->tlen = c->tcol + c->ntiles;
    const cc_index_t base = units / c->ntiles, extra = units % c->ntiles;
    cc_index_t at = 0;
    for (cc_index_t i = 0; i < c->ntiles; ++i) {
        c->tcol[i] = at;
        c->tlen[i] = base + (i < extra);
        at += c->tlen[i];
    }
    return CC_OK;
}

/* Whether tap kw of output column col along W lies inside the input. */
static int tap_inside(const cc_conv_problem *p, cc_index_t col, cc_index_t kw)
{
    const cc_index_t u = col * p->stride[2] + kw * p->dilation[2] - p->pad[2];
    return u >= 0 && u < p->in[2];
}

/* General: tile ti's [KW] words at masks + ti * KW, bit q for position
 * tcol + q; tmasked where some tap of some position lies outside. */
static int make_position_bits(conv_ctx *c)
{
    const cc_conv_problem *p = c->p;
    const cc_index_t KW = p->kernel[2];
    c->masks = calloc((size_t)(c->ntiles * KW), sizeof(uint32_t));
    c->tmasked = calloc((size_t)c->ntiles, 1);
    if (!c->masks || !c->tmasked)
        return CC_ENOMEM;
    for (cc_index_t ti = 0; ti < c->ntiles; ++ti)
        for (cc_index_t kw = 0; kw < KW; ++kw)
            for (cc_index_t q = 0; q < c->tlen[ti]; ++q) {
                if (tap_inside(p, c->tcol[ti] + q, kw))
                    c->masks[ti * KW + kw] |= 1u << q;
                else
                    c->tmasked[ti] = 1;
            }
    return CC_OK;
}

/* Depthwise tiles: the ceil(OW / lanes) vectors of a row cut into the
 * fewest tiles of at most nr vectors, as even as possible.  Tile ti owns
 * masks[ti * KW * nr ..], [kw][tlen[ti]] words: bit i of word [kw][v] says
 * tap kw of column tcol + v * lanes + i lies inside the input (columns past
 * the output: set on the padded copy, never stored; clear in place, where
 * they may lie past the array); tmasked[ti] 1 where only the tile's first
 * and last vectors miss lanes (the row's edges: only those take masked
 * loads and FMAs), 2 where others do too. */
static int make_dw_tiles(conv_ctx *c)
{
    const cc_conv_problem *p = c->p;
    const cc_index_t KW = p->kernel[2], V = c->k->lanes, nr = c->k->dw_nr;
    const cc_index_t nv = (p->out[2] + V - 1) / V;
    const uint32_t all = V == 32 ? 0xffffffffu : (1u << V) - 1u;
    c->nr = nr;
    c->ntiles = (nv + nr - 1) / nr;
    c->tcol = malloc((size_t)c->ntiles * 2 * sizeof(cc_index_t));
    c->masks = calloc((size_t)(c->ntiles * KW * nr), sizeof(uint32_t));
    c->tmasked = calloc((size_t)c->ntiles, 1);
    if (!c->tcol || !c->masks || !c->tmasked)
        return CC_ENOMEM;
    c->tlen = c->tcol + c->ntiles;
    const cc_index_t base = nv / c->ntiles, extra = nv % c->ntiles;
    for (cc_index_t ti = 0, v0 = 0; ti < c->ntiles; v0 += c->tlen[ti++]) {
        c->tcol[ti] = v0 * V;
        c->tlen[ti] = base + (ti < extra);
        for (cc_index_t kw = 0; kw < KW; ++kw)
            for (cc_index_t v = 0; v < c->tlen[ti]; ++v) {
                uint32_t bits = 0;
                for (cc_index_t i = 0; i < V; ++i) {
                    const cc_index_t col = (v0 + v) * V + i;
                    if (col >= p->out[2] ? !c->dw_in_place : tap_inside(p, col, kw))
                        bits |= 1u << i;
                }
                c->masks[ti * KW * nr + kw * c->tlen[ti] + v] = bits;
                if (bits != all) {
                    const int edge = v == 0 || v == c->tlen[ti] - 1;
                    c->tmasked[ti] = (unsigned char)CC_MAX(c->tmasked[ti], edge ? 1 : 2);
                }
            }
    }
    return CC_OK;
}

/* The row geometry of the depthwise input (the padded copy, or the plane
 * itself with rows of L = W): L, R, the kw offsets and the taps of every
 * output row. */
static int row_layout(conv_ctx *c)
{
    const cc_conv_problem *p = c->p;
    const cc_index_t KW = p->kernel[2], s = p->stride[2], d = p->dilation[2];
    cc_index_t nv = 0;
    for (cc_index_t i = 0; i < c->ntiles; ++i)
        nv += c->tlen[i];
    c->L = c->dw_in_place ? p->in[2] : nv * c->k->lanes + (KW - 1) * d / s;
    c->R = s * c->L;
    c->kw_off = malloc((size_t)KW * sizeof(cc_index_t));
    c->dwrows = malloc((size_t)c->rows * sizeof(cc_conv_dwrow));
    if (!c->kw_off || !c->dwrows)
        return CC_ENOMEM;
    for (cc_index_t kw = 0; kw < KW; ++kw)
        c->kw_off[kw] = c->dw_in_place ? kw * d - p->pad[2] : (kw * d) % s * c->L + (kw * d) / s;
    for (cc_index_t row = 0; row < c->rows; ++row) {
        cc_conv_dwrow *r = &c->dwrows[row];
        cc_index_t x_d, x_h;
        row_taps(c, row, p->in[1] * c->R, c->R, &r->nkd, &r->nkh, &x_d, &x_h, &r->x_off,
                 &r->w_off);
    }
    return CC_OK;
}

static int pack_weights(conv_ctx *c)
{
    const cc_conv_problem *p = c->p;
    const cc_index_t MR = c->k->mr, taps = p->kernel[0] * p->kernel[1] * p->kernel[2];
    c->wp = cc_scratch_acquire((size_t)(p->groups * c->blocks * c->cig * taps * MR) * c->esz);
    if (!c->wp)
        return CC_ENOMEM;
    if (c->bias) {
        c->bp = malloc((size_t)(p->groups * c->blocks * MR) * c->esz);
        if (!c->bp)
            return CC_ENOMEM;
    }
    cc_parallel_for(p->groups * c->blocks, 1, c->threads,
                    c->esz == sizeof(float) ? pack_f32 : pack_f64, c);
    return CC_OK;
}

/* Tiles per pointwise item: about 96 positions, the run's input then fits
 * in L2 with room for a block's weights. */
#define CC_CONV_POINTWISE_RUN 96

static int run(conv_ctx *c)
{
    const cc_conv_problem *p = c->p;
    int status;
    if (c->path == PATH_REF) {
        cc_parallel_for(p->n * p->c_out, 1, c->threads,
                        c->esz == sizeof(float) ? ref_f32 : ref_f64, c);
        return CC_OK;
    }
    if (c->path == PATH_POINTWISE) {
        c->P = p->in[0] * p->in[1] * p->in[2];
        if ((status = make_tiles(c, c->P, c->k->ur)) || (status = pack_weights(c)))
            return status;
        c->run = CC_MAX(CC_CONV_POINTWISE_RUN / c->k->ur, 1);
        cc_parallel_for(p->n * p->groups * ((c->ntiles + c->run - 1) / c->run), 1, c->threads,
                        pointwise_items, c);
        return CC_OK;
    }
    if (c->path == PATH_GENERAL) {
        if ((status = make_tiles(c, p->out[2], c->k->ur)) ||
            (status = make_position_bits(c)) || (status = pack_weights(c)))
            return status;
        cc_parallel_for(p->n * p->groups * c->blocks * c->rows, CC_PARALLEL_AUTO_CHUNK,
                        c->threads, general_items, c);
        return CC_OK;
    }
    c->dw_in_place = p->stride[2] == 1;
    if ((status = make_dw_tiles(c)) || (status = row_layout(c)))
        return status;
    if (!c->dw_in_place) {
        c->scratch = malloc((size_t)(c->threads * p->in[0] * p->in[1] * c->R) * c->esz);
        if (!c->scratch)
            return CC_ENOMEM;
    }
    cc_parallel_for(p->n * p->c_in, 1, c->threads, depthwise_items, c);
    return CC_OK;
}

int cc_conv_direct(cc_dtype dt, const cc_conv_problem *p, const void *x, const void *w,
                   const void *bias, void *out, cc_isa isa, int num_threads)
{
    if (!cc_dtype_in((int)dt, CC_CONV_DTYPE_SET) || !cc_conv_problem_valid(p) || num_threads < 1)
        return CC_EINVAL;
    const cc_conv_kernels *k = cc_conv_select(dt, isa);
    if (!k)
        return CC_EINVAL;
    conv_ctx c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.k = k;
    c.x = x;
    c.w = w;
    c.bias = bias;
    c.out = out;
    c.esz = dt == CC_DT_F32 ? sizeof(float) : sizeof(double);
    c.cig = p->c_in / p->groups;
    c.cog = p->c_out / p->groups;
    c.blocks = (c.cog + k->mr - 1) / k->mr;
    c.rows = p->out[0] * p->out[1];
    c.out_plane = c.rows * p->out[2];
    const double macs = (double)p->n * (double)p->c_out * (double)c.out_plane * (double)c.cig *
                        (double)(p->kernel[0] * p->kernel[1] * p->kernel[2]);
    c.threads = macs < CC_CONV_PARALLEL_MIN_MACS ? 1 : num_threads;
    const int pointwise = p->kernel[0] == 1 && p->kernel[1] == 1 && p->kernel[2] == 1 &&
                          p->stride[0] == 1 && p->stride[1] == 1 && p->stride[2] == 1 &&
                          p->pad[0] == 0 && p->pad[1] == 0 && p->pad[2] == 0 &&
                          p->out[0] == p->in[0] && p->out[1] == p->in[1] && p->out[2] == p->in[2];
    if (!k->tile)
        c.path = PATH_REF;
    else if (c.cig == 1)
        c.path = PATH_DEPTHWISE;
    else if (pointwise)
        c.path = PATH_POINTWISE;
    else
        c.path = PATH_GENERAL;
    const int status = run(&c);
    free(c.kw_off);
    free(c.dwrows);
    free(c.tcol);
    free(c.masks);
    free(c.tmasked);
    cc_scratch_release(c.wp);
    free(c.bp);
    free(c.scratch);
    return status;
}
