/* Driver of Winograd's method (contract in winograd.h).
 *
 * Two passes, each a cc_parallel_for over items fixed by the problem:
 *   1. the transformed filters U[g][p][k][c], per output channel, in the
 *      element type;
 *   2. per (group, tile block): the block's region of the zero-padded input
 *      (every input channel of the group) copied to the worker's scratch,
 *      where the tiles' gathers stay in cache and never leave it; the input
 *      transform (V[p][c][TB]); per point, the products for every block of
 *      KB output channels (M[p][k][TB]: V's point stays in cache while U
 *      streams once per block); the output transform of every output
 *      channel.
 * Each item writes its own outputs the same way whichever thread runs it,
 * so results do not depend on the thread count.
 *
 * Tile blocks: where a tile row holds TB tiles or more, blocks stay within
 * one tile row (their region is ah rows of TB tiles); else TB consecutive
 * tiles in (image, tile row, tile column) order, whose region is the whole
 * padded width of the few rows they touch.
 */
#include <stdint.h>
#include <string.h>

#include "cc_parallel.h"
#include "cc_scratch.h"
#include "winograd.h"

/* Below this many multiply-adds of the direct algorithm a call stays on
 * the calling thread. */
#define CC_WINO_PARALLEL_MIN_MACS 65536.0

typedef struct {
    const cc_conv_problem *p;
    const cc_wino_kernels *k;
    const void *x, *w, *bias;
    void *out;
    size_t esz;
    int threads;
    int mh, mw, ah, aw, P;
    cc_index_t cig, cog, kblocks, TB;
    cc_index_t th, tw, tiles_img, tiles, Wp;
    cc_index_t nblocks, row_blocks;  /* row_blocks 0: blocks span tile rows */
    cc_index_t region;               /* elements of a block's region, bound */
    void *u;                         /* transformed filters */
    char *work;                      /* per worker: V, M, region, lanes, slots */
    size_t work_bytes;
} wino_ctx;

/* One image's part of a tile block's region. */
typedef struct {
    cc_index_t n, r0, r1, j0, j1;    /* image, tile rows and columns held */
    cc_index_t row0;                 /* its first row in the region */
} wino_slot;

/* ---- pass 1: the transformed filters ------------------------------------ */

/* The filters of the output channels [begin, end) of every group. */
static void filters(void *vctx, cc_index_t begin, cc_index_t end, int worker)
{
    const wino_ctx *c = (const wino_ctx *)vctx;
    const cc_index_t taps = c->p->kernel[1] * 3;
    (void)worker;
    for (cc_index_t o = begin; o < end; ++o) {
        const cc_index_t g = o / c->cog;
        const cc_wino_filter f = {
            (const char *)c->w + (size_t)(o * c->cig * taps) * c->esz, c->cig, c->mh, c->mw,
            (char *)c->u + (size_t)((g * c->P * c->cog + o % c->cog) * c->cig) * c->esz,
            c->cog * c->cig};
        c->k->filter(&f);
    }
}

/* ---- pass 2: tile blocks ------------------------------------------------ */

/* The first tile and tile count of block b. */
static void block_tiles(const wino_ctx *c, cc_index_t b, cc_index_t *first, cc_index_t *count)
{
    if (c->row_blocks == 0) {
        *first = b * c->TB;
        *count = CC_MIN(c->TB, c->tiles - *first);
        return;
    }
    const cc_index_t row = b / c->row_blocks, start = (b % c->row_blocks) * c->TB;
    *first = row * c->tw + start;
    *count = CC_MIN(c->TB, c->tw - start);
}

/* The lanes and region of tile block b: per lane its patch origin in the
 * region (xoffs) and its first output off the block's first image's
 * (ooffs), with the cells inside the output (rows, cols; 0 past the
 * block); the image slots; returns the region's row width. */
static cc_index_t block_layout(const wino_ctx *c, cc_index_t b, int32_t *xoffs,
                               cc_index_t *ooffs, unsigned char *rows, unsigned char *cols,
                               wino_slot *slots, cc_index_t *nslots)
{
    const cc_index_t OH = c->p->out[1], OW = c->p->out[2];
    cc_index_t first, count, ns = 0;
    block_tiles(c, b, &first, &count);
    for (cc_index_t q = 0; q < count; ++q) {
        const cc_index_t id = first + q, n = id / c->tiles_img, rest = id % c->tiles_img;
        const cc_index_t ti = rest / c->tw, tj = rest % c->tw;
        if (ns == 0 || slots[ns - 1].n != n)
            slots[ns++] = (wino_slot){n, ti, ti, tj, tj, 0};
        wino_slot *s = &slots[ns - 1];
        s->r1 = ti;
        s->j0 = CC_MIN(s->j0, tj);
        s->j1 = CC_MAX(s->j1, tj);
    }
    cc_index_t width = 0, row0 = 0;
    for (cc_index_t i = 0; i < ns; ++i) {
        wino_slot *s = &slots[i];
        if (s->r1 > s->r0) {  /* several tile rows: their whole width */
            s->j0 = 0;
            s->j1 = c->tw - 1;
        }
        width = CC_MAX(width, (s->j1 - s->j0) * c->mw + c->aw);
        s->row0 = row0;
        row0 += (s->r1 - s->r0) * c->mh + c->ah;
    }
    const cc_index_t n0 = slots[0].n;
    for (cc_index_t q = 0, i = 0; q < c->TB; ++q) {
        if (q >= count) {
            xoffs[q] = 0;
            ooffs[q] = 0;
            rows[q] = cols[q] = 0;
            continue;
        }
        const cc_index_t id = first + q, n = id / c->tiles_img, rest = id % c->tiles_img;
        const cc_index_t ti = rest / c->tw, tj = rest % c->tw;
        while (slots[i].n != n)
            ++i;
        xoffs[q] = (int32_t)((slots[i].row0 + (ti - slots[i].r0) * c->mh) * width +
                             (tj - slots[i].j0) * c->mw);
        ooffs[q] = (n - n0) * c->p->c_out * OH * OW + ti * c->mh * OW + tj * c->mw;
        rows[q] = (unsigned char)CC_MIN(c->mh, OH - ti * c->mh);
        cols[q] = (unsigned char)CC_MIN(c->mw, OW - tj * c->mw);
    }
    *nslots = ns;
    return width;
}

/* The region of the slots (rows of `width`, channel stride chan) of the
 * group's input channels: the zero-padded input, zeros past its edges. */
#define CC_WINO_REGION(T, sfx)                                                            \
    static void region_##sfx(const wino_ctx *c, cc_index_t g, const wino_slot *slots,     \
                             cc_index_t ns, cc_index_t width, cc_index_t chan, T *dst)     \
    {                                                                                      \
        const cc_conv_problem *p = c->p;                                                  \
        const cc_index_t H = p->in[1], W = p->in[2];                                      \
        for (cc_index_t ci = 0; ci < c->cig; ++ci)                                        \
            for (cc_index_t i = 0; i < ns; ++i) {                                         \
                const wino_slot *s = &slots[i];                                           \
                const T *src = (const T *)c->x + ((s->n * p->c_in + g * c->cig + ci) * H) * W; \
                const cc_index_t nrows = (s->r1 - s->r0) * c->mh + c->ah;                 \
                /* dst column u holds input column col0 + u */                            \
                const cc_index_t col0 = s->j0 * c->mw - p->pad[2];                        \
                const cc_index_t lo = CC_MIN(CC_MAX(-col0, 0), width);                    \
                const cc_index_t hi = CC_MAX(CC_MIN(W - col0, width), lo);                \
                T *d = dst + ci * chan + s->row0 * width;                                 \
                for (cc_index_t r = 0; r < nrows; ++r, d += width) {                      \
                    const cc_index_t sr = s->r0 * c->mh + r - p->pad[1];                  \
                    if (sr < 0 || sr >= H) {                                              \
                        for (cc_index_t u = 0; u < width; ++u)                            \
                            d[u] = 0;                                                     \
                        continue;                                                         \
                    }                                                                     \
                    const T *row = src + sr * W;                                          \
                    for (cc_index_t u = 0; u < lo; ++u)                                   \
                        d[u] = 0;                                                         \
                    for (cc_index_t u = lo; u < hi; ++u)                                  \
                        d[u] = row[col0 + u];                                             \
                    for (cc_index_t u = hi; u < width; ++u)                               \
                        d[u] = 0;                                                         \
                }                                                                         \
            }                                                                             \
    }
CC_WINO_REGION(float, f32)
CC_WINO_REGION(double, f64)
#undef CC_WINO_REGION

static void tile_items(void *vctx, cc_index_t begin, cc_index_t end, int worker)
{
    const wino_ctx *c = (const wino_ctx *)vctx;
    const cc_conv_problem *p = c->p;
    const cc_wino_kernels *k = c->k;
    const cc_index_t TB = c->TB, KB = k->kb, P = c->P, OH = p->out[1], OW = p->out[2];
    const cc_index_t v_p = c->cig * TB, m_p = c->cog * TB;
    /* The worker's scratch: V, M, the lanes and slots, the region (each
     * part a multiple of 8 bytes, the region 64-byte aligned). */
    char *work = c->work + (size_t)worker * c->work_bytes;
    void *V = work;
    void *M = work + (size_t)(P * v_p) * c->esz;
    cc_index_t *ooffs = (cc_index_t *)(work + (size_t)(P * (v_p + m_p)) * c->esz);
    wino_slot *slots = (wino_slot *)(ooffs + TB);
    int32_t *xoffs = (int32_t *)(slots + TB);
    unsigned char *rows = (unsigned char *)(xoffs + TB), *cols = rows + TB;
    void *region = (void *)(((uintptr_t)(cols + TB) + 63) & ~(uintptr_t)63);
    for (cc_index_t item = begin; item < end; ++item) {
        const cc_index_t g = item / c->nblocks, blk = item % c->nblocks;
        cc_index_t ns;
        const cc_index_t width = block_layout(c, blk, xoffs, ooffs, rows, cols, slots, &ns);
        const wino_slot *last = &slots[ns - 1];
        const cc_index_t chan = (last->row0 + (last->r1 - last->r0) * c->mh + c->ah) * width;
        if (c->esz == sizeof(float))
            region_f32(c, g, slots, ns, width, chan, (float *)region);
        else
            region_f64(c, g, slots, ns, width, chan, (double *)region);
        const cc_wino_input in = {region, chan, width, c->cig, xoffs, c->mh, c->mw, V, v_p};
        k->input(&in);
        for (cc_index_t pt = 0; pt < P; ++pt)
            for (cc_index_t kb = 0; kb < c->kblocks; ++kb) {
                const cc_wino_gemm gm = {
                    (const char *)c->u + (size_t)(((g * P + pt) * c->cog + kb * KB) * c->cig) * c->esz,
                    c->cig, (const char *)V + (size_t)(pt * v_p) * c->esz, c->cig,
                    (char *)M + (size_t)((pt * c->cog + kb * KB) * TB) * c->esz,
                    (int)CC_MIN(KB, c->cog - kb * KB)};
                k->gemm(&gm);
            }
        for (cc_index_t oc = 0; oc < c->cog; ++oc) {
            const cc_index_t o = g * c->cog + oc;
            const cc_wino_output ot = {
                (const char *)M + (size_t)(oc * TB) * c->esz, m_p, c->mh, c->mw,
                c->bias ? (const char *)c->bias + (size_t)o * c->esz : NULL,
                (char *)c->out + (size_t)((slots[0].n * p->c_out + o) * OH * OW) * c->esz, OW,
                ooffs, rows, cols};
            k->output(&ot);
        }
    }
}

/* ---- operator ----------------------------------------------------------- */

/* Whether the problem and tiles are ones the method covers. */
static int covered(const cc_conv_problem *p, const int m[2])
{
    if (!cc_conv_problem_valid(p) || p->in[0] != 1 || p->out[0] != 1 || p->kernel[0] != 1 ||
        p->pad[0] != 0 || p->kernel[2] != 3 || (p->kernel[1] != 1 && p->kernel[1] != 3))
        return 0;
    for (int a = 0; a < 3; ++a)
        if (p->stride[a] != 1 || p->dilation[a] != 1)
            return 0;
    if (m[1] != 2 && m[1] != 4 && m[1] != 6)
        return 0;
    if (p->kernel[1] == 1)
        return m[0] == 1 && p->pad[1] == 0 && p->out[1] <= p->in[1];
    return m[0] == m[1];
}

int cc_conv_winograd(cc_dtype dt, const cc_conv_problem *p, const int m[2], const void *x,
                     const void *w, const void *bias, void *out, cc_isa isa, int num_threads)
{
    if (!cc_dtype_in((int)dt, CC_WINO_DTYPE_SET) || !covered(p, m) || num_threads < 1)
        return CC_EINVAL;
    const cc_wino_kernels *k = cc_wino_select(dt, isa);
    if (!k)
        return CC_EINVAL;
    wino_ctx c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.k = k;
    c.x = x;
    c.w = w;
    c.bias = bias;
    c.out = out;
    c.esz = dt == CC_DT_F32 ? sizeof(float) : sizeof(double);
    c.mh = m[0];
    c.mw = m[1];
    c.ah = c.mh == 1 ? 1 : c.mh + 2;
    c.aw = c.mw + 2;
    c.P = c.ah * c.aw;
    c.cig = p->c_in / p->groups;
    c.cog = p->c_out / p->groups;
    c.kblocks = (c.cog + k->kb - 1) / k->kb;
    c.TB = (cc_index_t)k->nb * k->lanes;
    c.th = (p->out[1] + c.mh - 1) / c.mh;
    c.tw = (p->out[2] + c.mw - 1) / c.mw;
    c.tiles_img = c.th * c.tw;
    c.tiles = p->n * c.tiles_img;
    c.Wp = c.tw * c.mw + c.aw - c.mw;
    if (c.tw >= c.TB) {
        c.row_blocks = (c.tw + c.TB - 1) / c.TB;
        c.nblocks = p->n * c.th * c.row_blocks;
        c.region = c.ah * ((c.TB - 1) * c.mw + c.aw);
    } else {
        /* TB consecutive tiles touch at most (TB - 1) / tw + 2 tile rows */
        c.nblocks = (c.tiles + c.TB - 1) / c.TB;
        c.region = ((c.TB - 1) / c.tw + 2) * c.ah * c.Wp;
    }
    if (c.region >= INT32_MAX)
        return CC_EINVAL;
    const double macs = (double)p->n * (double)p->c_out * (double)(p->out[1] * p->out[2]) *
                        (double)c.cig * (double)(p->kernel[1] * 3);
    c.threads = macs < CC_WINO_PARALLEL_MIN_MACS ? 1 : num_threads;

    const size_t u_bytes = (size_t)(p->groups * c.P * c.cog * c.cig) * c.esz;
    c.work_bytes = (size_t)((c.P * (c.cig + c.cog) * c.TB + c.cig * c.region)) * c.esz +
                   (size_t)c.TB * (sizeof(cc_index_t) + sizeof(wino_slot) + sizeof(int32_t) + 2) +
                   64;
    c.work_bytes = (c.work_bytes + 63) / 64 * 64;
    char *scratch = cc_scratch_acquire(u_bytes + (size_t)c.threads * c.work_bytes + 64);
    if (!scratch)
        return CC_ENOMEM;
    c.u = scratch;
    c.work = (char *)(((uintptr_t)(scratch + u_bytes) + 63) & ~(uintptr_t)63);
    cc_parallel_for(p->c_out, CC_PARALLEL_AUTO_CHUNK, c.threads, filters, &c);
    cc_parallel_for(p->groups * c.nblocks, 1, c.threads, tile_items, &c);
    cc_scratch_release(scratch);
    return CC_OK;
}
