/* Driver of the direct layer convolution (contract in conv.h).
 *
 * Three paths, each a cc_parallel_for over work items fixed by the problem
 * (never by the thread count), each item writing its own output block:
 *
 * - general: the input is copied once per call, each row zero-padded along
 *   W and, for stride s > 1 along W, split into its s phases, so that every
 *   tap of a run of consecutive outputs is one contiguous vector load.  The
 *   weights are packed [group][channel block][kd][kh][kw][c][MR] (MR lanes
 *   zero-filled past the group's channels).  Items are (n, group, channel
 *   block, output row): consecutive items share the packed weights of a
 *   block while the rows they read slide by one.  Along D and H, rows of
 *   taps outside the input are skipped; along W the column tiles whose
 *   windows reach into the padding run with per-tap lane masks on the FMAs.
 * - depthwise (one input channel per group): the same copy, tiles of one
 *   output channel and up to DW_NR vectors; items (n, channel, row).
 * - pointwise (1x1x1, stride 1, no padding): out[n, group] = W x[n, group]
 *   on the flattened (D*H*W) planes, read in place; the last tile of a
 *   plane, which would read past it, reads a zero-filled copy of its
 *   columns (per-worker scratch).  Items (n, group, column tile, channel
 *   block): consecutive items reuse the same input panel.
 *
 * The scalar reference runs per output plane where no SIMD variant does.
 */
#include <stdlib.h>
#include <string.h>

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
    /* Laid-out input (general, depthwise): rows of R = s * L elements. */
    void *xp;
    cc_index_t L, R;
    cc_index_t *kw_off;        /* [KW] */
    /* Column tiles (identical for every output row). */
    cc_index_t ntiles, nr;
    cc_index_t *tcol, *tnvec;  /* [ntiles] */
    uint32_t *masks;           /* [ntiles][KW][nr] */
    unsigned char *tmasked;    /* [ntiles] */
    /* Packed weights and bias (general, pointwise). */
    void *wp, *bp;
    /* Pointwise: columns per plane, per-worker tail scratch. */
    cc_index_t P;
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
    /* Input planes [begin, end) of (N * C_in) into the general path's copy,   \
     * laid out [n][d][h][c][R]: the rows one output row reads, every channel  \
     * of a tap row, follow each other. */                                      \
    static void copy_planes_##sfx(void *vctx, cc_index_t begin, cc_index_t end, int worker) \
    {                                                                                   \
        const conv_ctx *c = (const conv_ctx *)vctx;                                     \
        const cc_index_t C = c->p->c_in, DH = c->p->in[0] * c->p->in[1];                \
        (void)worker;                                                                   \
        for (cc_index_t pl = begin; pl < end; ++pl) {                                   \
            const cc_index_t n = pl / C, ch = pl % C;                                   \
            pad_rows_##sfx((T *)c->xp + (n * DH * C + ch) * c->R, C * c->R,             \
                           (const T *)c->x + pl * DH * c->p->in[2], DH, c);             \
        }                                                                               \
    }                                                                                   \
    static void pack_##sfx(conv_ctx *c)                                                 \
    {                                                                                   \
        const cc_conv_problem *p = c->p;                                                \
        const cc_index_t MR = c->k->mr, taps = p->kernel[0] * p->kernel[1] * p->kernel[2]; \
        const T *w = (const T *)c->w, *b = (const T *)c->bias;                          \
        T *wp = (T *)c->wp, *bp = (T *)c->bp;                                           \
        for (cc_index_t g = 0; g < p->groups; ++g)                                      \
            for (cc_index_t blk = 0; blk < c->blocks; ++blk) {                          \
                const cc_index_t gb = g * c->blocks + blk;                              \
                for (cc_index_t m = 0; m < MR; ++m) {                                   \
                    const cc_index_t oc = blk * MR + m, o = g * c->cog + oc;            \
                    if (bp)                                                             \
                        bp[gb * MR + m] = oc < c->cog ? b[o] : (T)0;                    \
                    for (cc_index_t ci = 0; ci < c->cig; ++ci)                          \
                        for (cc_index_t t = 0; t < taps; ++t)                           \
                            wp[((gb * taps + t) * c->cig + ci) * MR + m] =              \
                                oc < c->cog ? w[(o * c->cig + ci) * taps + t] : (T)0;   \
                }                                                                       \
            }                                                                           \
    }                                                                                   \
    static void ref_##sfx(void *vctx, cc_index_t begin, cc_index_t end, int worker)     \
    {                                                                                   \
        const conv_ctx *c = (const conv_ctx *)vctx;                                     \
        (void)worker;                                                                   \
        cc_conv_##sfx##__ref(c->p, (const T *)c->x, (const T *)c->w, (const T *)c->bias, \
                             (T *)c->out, begin, end);                                  \
    }                                                                                   \
    /* The columns [col, col + ncols) of cig planes of P, zero-filled to width. */      \
    static void panel_copy_##sfx(T *dst, const T *src, cc_index_t cig, cc_index_t P,     \
                                cc_index_t ncols, cc_index_t width)                     \
    {                                                                                   \
        for (cc_index_t ci = 0; ci < cig; ++ci) {                                       \
            memcpy(dst + ci * width, src + ci * P, (size_t)ncols * sizeof(T));          \
            memset(dst + ci * width + ncols, 0, (size_t)(width - ncols) * sizeof(T));   \
        }                                                                               \
    }

CC_CONV_TYPED(float, f32)
CC_CONV_TYPED(double, f64)
#undef CC_CONV_TYPED

/* ---- items -------------------------------------------------------------- */

/* The tap rows of output row `row`: t->nkd, nkh, the strides and kw table
 * for a copy whose channel, plane and row strides are xc, xplane, xrow;
 * *x_row the offset of the first tap row, *w_row the first tap's index. */
static void row_geometry(const conv_ctx *c, cc_index_t row, cc_index_t xc, cc_index_t xplane,
                         cc_index_t xrow, cc_conv_tile *t, cc_index_t *x_row, cc_index_t *w_row)
{
    const cc_conv_problem *p = c->p;
    const cc_index_t od = row / p->out[1], oh = row % p->out[1];
    cc_index_t kd0, id0, kh0, ih0;
    t->nkd = tap_range(od, p->stride[0], p->dilation[0], p->pad[0], p->kernel[0], p->in[0],
                       &kd0, &id0);
    t->nkh = tap_range(oh, p->stride[1], p->dilation[1], p->pad[1], p->kernel[1], p->in[1],
                       &kh0, &ih0);
    if (t->nkd == 0 || t->nkh == 0) {
        t->nkd = t->nkh = 0;
        kd0 = kh0 = id0 = ih0 = 0;
    }
    t->nkw = p->kernel[2];
    t->x_c = xc;
    t->x_d = p->dilation[0] * xplane;
    t->x_h = p->dilation[1] * xrow;
    t->kw_off = c->kw_off;
    *x_row = id0 * xplane + ih0 * xrow;
    *w_row = kd0 * p->kernel[1] * p->kernel[2] + kh0 * p->kernel[2];
}

/* The column tiles of one output row. */
static void row_tiles(const conv_ctx *c, cc_conv_tile *t, const char *xb, char *yb,
                      void (*tile)(const cc_conv_tile *))
{
    const size_t e = c->esz;
    const cc_index_t KW = c->p->kernel[2];
    for (cc_index_t ti = 0; ti < c->ntiles; ++ti) {
        const cc_index_t col = c->tcol[ti];
        t->x = xb + (size_t)col * e;
        t->out = yb + (size_t)col * e;
        t->nvec = c->tnvec[ti];
        t->ncols = CC_MIN(t->nvec * c->k->lanes, c->p->out[2] - col);
        t->mask = c->tmasked[ti] ? c->masks + ti * KW * c->nr : NULL;
        tile(t);
    }
}

static void general_items(void *vctx, cc_index_t begin, cc_index_t end, int worker)
{
    const conv_ctx *c = (const conv_ctx *)vctx;
    const cc_conv_problem *p = c->p;
    const cc_index_t MR = c->k->mr, taps = p->kernel[0] * p->kernel[1] * p->kernel[2];
    const cc_index_t KW = p->kernel[2], C = p->c_in, H = p->in[1];
    const size_t e = c->esz;
    (void)worker;
    for (cc_index_t item = begin; item < end; ++item) {
        const cc_index_t row = item % c->rows;
        const cc_index_t gb = item / c->rows % (p->groups * c->blocks);
        const cc_index_t n = item / c->rows / (p->groups * c->blocks);
        const cc_index_t g = gb / c->blocks, blk = gb % c->blocks;
        cc_conv_tile t;
        cc_index_t x_row, w_row;
        /* The copy is [n][d][h][c][R]. */
        row_geometry(c, row, c->R, H * C * c->R, C * c->R, &t, &x_row, &w_row);
        t.channels = c->cig;
        t.w_c = MR;
        t.w_w = c->cig * MR;
        t.w_h = KW * t.w_w;
        t.w_d = p->kernel[1] * t.w_h;
        t.w = (const char *)c->wp + (size_t)((gb * taps + w_row) * c->cig * MR) * e;
        t.bias = c->bp ? (const char *)c->bp + (size_t)(gb * MR) * e : NULL;
        t.out_c = c->out_plane;
        t.mr = CC_MIN(MR, c->cog - blk * MR);
        const cc_index_t o0 = g * c->cog + blk * MR;
        const char *xb = (const char *)c->xp +
                         (size_t)(n * p->in[0] * H * C * c->R + g * c->cig * c->R + x_row) * e;
        char *yb = (char *)c->out + (size_t)((n * p->c_out + o0) * c->out_plane + row * p->out[2]) * e;
        row_tiles(c, &t, xb, yb, c->k->tile);
    }
}

/* Items: input planes (n, input channel).  The plane is laid out in the
 * worker's scratch (small: it stays in cache), then every output channel of
 * its group runs on it. */
static void depthwise_items(void *vctx, cc_index_t begin, cc_index_t end, int worker)
{
    const conv_ctx *c = (const conv_ctx *)vctx;
    const cc_conv_problem *p = c->p;
    const cc_index_t taps = p->kernel[0] * p->kernel[1] * p->kernel[2], KW = p->kernel[2];
    const cc_index_t DH = p->in[0] * p->in[1];
    const size_t e = c->esz;
    char *xs = (char *)c->scratch + (size_t)worker * (size_t)(DH * c->R) * e;
    for (cc_index_t item = begin; item < end; ++item) {
        const cc_index_t n = item / p->c_in, ci = item % p->c_in;
        const char *src = (const char *)c->x + (size_t)(item * DH * p->in[2]) * e;
        if (e == sizeof(float))
            pad_rows_f32((float *)xs, c->R, (const float *)src, DH, c);
        else
            pad_rows_f64((double *)xs, c->R, (const double *)src, DH, c);
        for (cc_index_t j = 0; j < c->cog; ++j) {
            const cc_index_t o = ci * c->cog + j;
            for (cc_index_t row = 0; row < c->rows; ++row) {
                cc_conv_tile t;
                cc_index_t x_row, w_row;
                row_geometry(c, row, 0, p->in[1] * c->R, c->R, &t, &x_row, &w_row);
                t.channels = 1;
                t.w_c = taps;
                t.w_w = 1;
                t.w_d = p->kernel[1] * KW;
                t.w_h = KW;
                t.w = (const char *)c->w + (size_t)(o * taps + w_row) * e;
                t.bias = c->bias ? (const char *)c->bias + (size_t)o * e : NULL;
                t.out_c = c->out_plane;
                t.mr = 1;
                char *yb = (char *)c->out +
                           (size_t)((n * p->c_out + o) * c->out_plane + row * p->out[2]) * e;
                row_tiles(c, &t, xs + (size_t)x_row * e, yb, c->k->dwtile);
            }
        }
    }
}

/* Items: (n, group, column tile).  The tile's columns of every input
 * channel of the group are copied into the worker's scratch as one
 * contiguous panel (zero-filled past the plane), which every channel block
 * then reads from cache. */
static void pointwise_items(void *vctx, cc_index_t begin, cc_index_t end, int worker)
{
    const conv_ctx *c = (const conv_ctx *)vctx;
    const cc_conv_problem *p = c->p;
    const cc_index_t MR = c->k->mr, V = c->k->lanes, width = c->nr * V;
    const size_t e = c->esz;
    static const cc_index_t zero_off[1] = {0};
    char *panel = (char *)c->scratch + (size_t)worker * (size_t)(c->cig * width) * e;
    for (cc_index_t item = begin; item < end; ++item) {
        const cc_index_t ti = item % c->ntiles, ng = item / c->ntiles;
        const cc_index_t g = ng % p->groups, n = ng / p->groups;
        const cc_index_t col = c->tcol[ti];
        cc_conv_tile t;
        t.channels = c->cig;
        t.nkd = t.nkh = t.nkw = 1;
        t.x_d = t.x_h = 0;
        t.kw_off = zero_off;
        t.w_c = MR;
        t.w_d = t.w_h = t.w_w = 0;
        t.mask = NULL;
        t.nvec = c->tnvec[ti];
        t.ncols = CC_MIN(t.nvec * V, c->P - col);
        t.out_c = c->P;
        t.x = panel;
        t.x_c = t.nvec * V;
        const char *src = (const char *)c->x + (size_t)((n * p->c_in + g * c->cig) * c->P + col) * e;
        if (e == sizeof(float))
            panel_copy_f32((float *)panel, (const float *)src, c->cig, c->P, t.ncols, t.x_c);
        else
            panel_copy_f64((double *)panel, (const double *)src, c->cig, c->P, t.ncols, t.x_c);
        for (cc_index_t blk = 0; blk < c->blocks; ++blk) {
            const cc_index_t o0 = g * c->cog + blk * MR;
            t.w = (const char *)c->wp + (size_t)((g * c->blocks + blk) * c->cig * MR) * e;
            t.bias = c->bp ? (const char *)c->bp + (size_t)((g * c->blocks + blk) * MR) * e : NULL;
            t.mr = CC_MIN(MR, c->cog - blk * MR);
            t.out = (char *)c->out + (size_t)((n * p->c_out + o0) * c->P + col) * e;
            c->k->tile(&t);
        }
    }
}

/* ---- setup -------------------------------------------------------------- */

static int valid(const cc_conv_problem *p)
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

/* Column tiles of `cols` outputs: ceil(cols / lanes) vectors cut into the
 * fewest tiles of at most nr vectors, as even as possible. */
static int make_tiles(conv_ctx *c, cc_index_t cols, cc_index_t nr)
{
    const cc_index_t V = c->k->lanes, nv = (cols + V - 1) / V;
    c->nr = nr;
    c->ntiles = (nv + nr - 1) / nr;
    c->tcol = malloc((size_t)c->ntiles * 2 * sizeof(cc_index_t));
    if (!c->tcol)
        return CC_ENOMEM;
    c->tnvec = c->tcol + c->ntiles;
    const cc_index_t base = nv / c->ntiles, extra = nv % c->ntiles;
    cc_index_t col = 0;
    for (cc_index_t i = 0; i < c->ntiles; ++i) {
        c->tcol[i] = col;
        c->tnvec[i] = base + (i < extra);
        col += c->tnvec[i] * V;
    }
    return CC_OK;
}

/* Lane masks of the column tiles (general, depthwise): tile ti owns
 * masks[ti * KW * nr ..], [kw][tnvec[ti]] words; bit i of
 * word [kw][v] says tap kw of column tcol + v * lanes + i lies inside
 * the input (columns past the output: set, never stored). */
static int make_masks(conv_ctx *c)
{
    const cc_conv_problem *p = c->p;
    const cc_index_t KW = p->kernel[2], V = c->k->lanes, nr = c->nr;
    const cc_index_t s = p->stride[2], d = p->dilation[2], pad = p->pad[2], W = p->in[2];
    c->masks = calloc((size_t)(c->ntiles * KW * nr), sizeof(uint32_t));
    c->tmasked = calloc((size_t)c->ntiles, 1);
    if (!c->masks || !c->tmasked)
        return CC_ENOMEM;
    for (cc_index_t ti = 0; ti < c->ntiles; ++ti)
        for (cc_index_t kw = 0; kw < KW; ++kw)
            for (cc_index_t v = 0; v < c->tnvec[ti]; ++v) {
                uint32_t bits = 0;
                for (cc_index_t i = 0; i < V; ++i) {
                    const cc_index_t col = c->tcol[ti] + v * V + i;
                    const cc_index_t u = col * s + kw * d - pad;
                    if (col >= p->out[2] || (u >= 0 && u < W))
                        bits |= 1u << i;
                    else
                        c->tmasked[ti] = 1;
                }
                c->masks[ti * KW * nr + kw * c->tnvec[ti] + v] = bits;
            }
    return CC_OK;
}

/* The row geometry of the padded copy: L, R and the kw offsets. */
static int row_layout(conv_ctx *c)
{
    const cc_conv_problem *p = c->p;
    const cc_index_t KW = p->kernel[2], s = p->stride[2], d = p->dilation[2];
    cc_index_t nv = 0;
    for (cc_index_t i = 0; i < c->ntiles; ++i)
        nv += c->tnvec[i];
    c->L = nv * c->k->lanes + (KW - 1) * d / s;
    c->R = s * c->L;
    c->kw_off = malloc((size_t)KW * sizeof(cc_index_t));
    if (!c->kw_off)
        return CC_ENOMEM;
    for (cc_index_t kw = 0; kw < KW; ++kw)
        c->kw_off[kw] = (kw * d) % s * c->L + (kw * d) / s;
    return CC_OK;
}

static int pack_weights(conv_ctx *c)
{
    const cc_conv_problem *p = c->p;
    const cc_index_t MR = c->k->mr, taps = p->kernel[0] * p->kernel[1] * p->kernel[2];
    c->wp = malloc((size_t)(p->groups * c->blocks * c->cig * taps * MR) * c->esz);
    if (!c->wp)
        return CC_ENOMEM;
    if (c->bias) {
        c->bp = malloc((size_t)(p->groups * c->blocks * MR) * c->esz);
        if (!c->bp)
            return CC_ENOMEM;
    }
    if (c->esz == sizeof(float))
        pack_f32(c);
    else
        pack_f64(c);
    return CC_OK;
}

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
        if ((status = make_tiles(c, c->P, c->k->nr)) || (status = pack_weights(c)))
            return status;
        c->scratch = malloc((size_t)(c->threads * c->cig * c->nr * c->k->lanes) * c->esz);
        if (!c->scratch)
            return CC_ENOMEM;
        cc_parallel_for(p->n * p->groups * c->ntiles, CC_PARALLEL_AUTO_CHUNK, c->threads,
                        pointwise_items, c);
        return CC_OK;
    }
    const cc_index_t nr = c->path == PATH_DEPTHWISE ? c->k->dw_nr : c->k->nr;
    if ((status = make_tiles(c, p->out[2], nr)) || (status = make_masks(c)) ||
        (status = row_layout(c)))
        return status;
    const cc_index_t DH = p->in[0] * p->in[1];
    if (c->path == PATH_DEPTHWISE) {
        c->scratch = malloc((size_t)(c->threads * DH * c->R) * c->esz);
        if (!c->scratch)
            return CC_ENOMEM;
        cc_parallel_for(p->n * p->c_in, 1, c->threads, depthwise_items, c);
        return CC_OK;
    }
    c->xp = malloc((size_t)(p->n * p->c_in * DH * c->R) * c->esz);
    if (!c->xp || (status = pack_weights(c)))
        return c->xp ? status : CC_ENOMEM;
    cc_parallel_for(p->n * p->c_in, CC_PARALLEL_AUTO_CHUNK, c->threads,
                    c->esz == sizeof(float) ? copy_planes_f32 : copy_planes_f64, c);
    cc_parallel_for(p->n * p->groups * c->blocks * c->rows, CC_PARALLEL_AUTO_CHUNK,
                    c->threads, general_items, c);
    return CC_OK;
}

int cc_conv_direct(cc_dtype dt, const cc_conv_problem *p, const void *x, const void *w,
                   const void *bias, void *out, cc_isa isa, int num_threads)
{
    if (!cc_dtype_in((int)dt, CC_CONV_DTYPE_SET) || !valid(p) || num_threads < 1)
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
    free(c.xp);
    free(c.kw_off);
    free(c.tcol);
    free(c.masks);
    free(c.tmasked);
    free(c.wp);
    free(c.bp);
    free(c.scratch);
    return status;
}
