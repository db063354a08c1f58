/* Driver of the layer convolution's weight gradient (contract in conv.h).
 *
 * Three paths, each a cc_parallel_for over work items fixed by the problem
 * (never by the thread count), each item writing its own block of dw and
 * summing each of its entries in one fixed order:
 *
 * - general: an implicit GEMM, M = the output channels of a group in blocks
 *   of MR (along the vector), N = dw's (input channel, tap) columns, K = the
 *   output positions.  dy is packed once per call, [group][channel block]
 *   [n][position][MR] (zero past the group's channels).  A tile's columns
 *   are nr consecutive input channels at one tap, so the positions whose
 *   tap lies inside the input form a box (a range of rows, a range along
 *   W): the kernel runs exactly those and no copy of x is needed, neither
 *   padded nor re-laid out (the columns' elements are broadcast straight
 *   from x).  Items are (group, channel block, column block, tap group);
 *   an item walks K in chunks of CC_DWEIGHT_CHUNK_BYTES of packed dy (rows
 *   of an output plane, or segments of one long row) and runs every tap of
 *   its group on each chunk, whose packed dy stays in L2 meanwhile.  Its
 *   sums live in the worker's scratch, [tap][NR][MR], from the first chunk
 *   to the last, and go to dw (transposed) when the item ends.
 * - depthwise (one input channel per group, fewer output channels per group
 *   than a vector holds): dot products along W (cc_conv_dwdot), one per
 *   (output channel, tap, n, od); items are output channels.
 * - reference: dw rows in plain loops where no SIMD variant runs.
 */
#include <stdlib.h>
#include <string.h>

#include "cc_scratch.h"
#include "conv.h"

/* Below this many multiply-adds a call stays on the calling thread (as
 * CC_CONV_PARALLEL_MIN_MACS of the forward pass). */
#define CC_DWEIGHT_PARALLEL_MIN_MACS 65536.0
/* Bytes of packed dy per chunk of K (MR values per position): the chunk and
 * the input rows under it stay in L2 while the taps consume it.  Measured
 * on Zen 5 (1 MB L2 per core), f32 AVX-512 (MR = 32, 128 bytes per
 * position), 3x3 64->64 56x56 and 1-D k=9 L=4096: 256 positions per chunk
 * (L1-sized) 478 / 467 GFLOPS on 2 threads, 1024: 498 / 484, 4096 (this
 * value): 510 / 488.  Longer runs per kernel call matter more than L1. */
#define CC_DWEIGHT_CHUNK_BYTES (512 * 1024)
/* Fewer (group, channel block, column block) items than this split their
 * taps into groups, so that several threads have work. */
#define CC_DWEIGHT_MIN_ITEMS 16

enum { PATH_REF, PATH_GENERAL, PATH_DEPTHWISE };

typedef struct {
    const cc_conv_problem *p;
    const cc_conv_dweight_kernels *k;
    const void *x, *dy;
    void *dw;
    size_t esz;
    int path, threads;
    cc_index_t cig, cog, taps, P;  /* P: output positions of one sample */
    /* general: channel blocks (M), column blocks (N, even split of cig), tap
     * groups of tper taps; chunks of crows rows or of cseg positions. */
    cc_index_t mblocks, cblocks, tgroups, tper, crows, cseg;
    cc_index_t *range;         /* [3][2][K_axis]: per axis and tap, the outputs
                                  [lo, hi) whose tap lies inside the input */
    cc_index_t *lo[3], *hi[3];
    void *dyp;                 /* packed dy */
    void *scratch;             /* per worker: [tper][NR][MR] sums */
} dw_ctx;

/* The outputs [*lo, *hi) along an axis whose tap k lies inside [0, n). */
static void tap_outputs(cc_index_t k, cc_index_t s, cc_index_t d, cc_index_t pad,
                        cc_index_t n, cc_index_t out, cc_index_t *lo, cc_index_t *hi)
{
    const cc_index_t first = pad - k * d, last = n - 1 + pad - k * d; /* o * s in [first, last] */
    cc_index_t a = first <= 0 ? 0 : (first + s - 1) / s;
    cc_index_t b = last < 0 ? 0 : CC_MIN(out, last / s + 1);
    a = CC_MIN(a, out);
    *lo = a;
    *hi = CC_MAX(a, b);
}

/* ---- typed helpers ------------------------------------------------------ */

#define CC_DWEIGHT_TYPED(T, sfx)                                                        \
    /* dy of (n, group, channel block) items [begin, end) packed [P][MR]. */          \
    static void pack_##sfx(void *vctx, cc_index_t begin, cc_index_t end, int worker)     \
    {                                                                                   \
        const dw_ctx *c = (const dw_ctx *)vctx;                                         \
        const cc_conv_problem *p = c->p;                                                \
        const cc_index_t MR = c->k->mr, P = c->P;                                       \
        void (*pack) CC_CONV_DWPACK_SIGNATURE(T) =                                      \
            (void (*) CC_CONV_DWPACK_SIGNATURE(T))c->k->pack;                           \
        (void)worker;                                                                   \
        for (cc_index_t item = begin; item < end; ++item) {                             \
            const cc_index_t gb = item % (p->groups * c->mblocks);                      \
            const cc_index_t n = item / (p->groups * c->mblocks);                       \
            const cc_index_t g = gb / c->mblocks, m0 = gb % c->mblocks * MR;            \
            pack((const T *)c->dy + (n * p->c_out + g * c->cog + m0) * P, P,            \
                 CC_MIN(MR, c->cog - m0), P, (T *)c->dyp + (gb * p->n + n) * P * MR);   \
        }                                                                               \
    }                                                                                   \
    /* An item's sums [tap][NR][MR] into dw. */                                        \
    static void store_##sfx(const dw_ctx *c, const T *sums, cc_index_t o0, cc_index_t mr, \
                            cc_index_t c0, cc_index_t nr, cc_index_t t0, cc_index_t nt) \
    {                                                                                   \
        const cc_index_t MR = c->k->mr, NR = c->k->nr, taps = c->taps;                  \
        T *dw = (T *)c->dw;                                                             \
        for (cc_index_t m = 0; m < mr; ++m)                                             \
            for (cc_index_t j = 0; j < nr; ++j) {                                       \
                T *row = dw + ((o0 + m) * c->cig + c0 + j) * taps + t0;                 \
                for (cc_index_t t = 0; t < nt; ++t)                                     \
                    row[t] = sums[(t * NR + j) * MR + m];                               \
            }                                                                           \
    }                                                                                   \
    /* Depthwise items: output channels [begin, end), every tap. */                    \
    static void depthwise_##sfx(void *vctx, cc_index_t begin, cc_index_t end, int worker) \
    {                                                                                   \
        const dw_ctx *c = (const dw_ctx *)vctx;                                         \
        const cc_conv_problem *p = c->p;                                                \
        const cc_index_t KH = p->kernel[1], KW = p->kernel[2];                          \
        const cc_index_t H = p->in[1], W = p->in[2], DHW = p->in[0] * H * W;            \
        void (*dot) CC_CONV_DWDOT_SIGNATURE(T) =                                        \
            (void (*) CC_CONV_DWDOT_SIGNATURE(T))c->k->dot;                             \
        (void)worker;                                                                   \
        for (cc_index_t o = begin; o < end; ++o) {                                      \
            const cc_index_t ci = o / c->cog; /* cig == 1 */                            \
            for (cc_index_t t = 0; t < c->taps; ++t) {                                  \
                const cc_index_t kd = t / (KH * KW), kh = t / KW % KH, kw = t % KW;     \
                const cc_index_t r0 = c->lo[1][kh], r1 = c->hi[1][kh];                  \
                const cc_index_t q0 = c->lo[2][kw], q1 = c->hi[2][kw];                  \
                T sum = (T)0;                                                           \
                if (r0 < r1 && q0 < q1) {                                               \
                    cc_conv_dwdot d;                                                    \
                    d.dy_row = p->out[2];                                               \
                    d.x_row = p->stride[1] * W;                                         \
                    d.xs = p->stride[2];                                                \
                    d.nrows = r1 - r0;                                                  \
                    d.npos = q1 - q0;                                                   \
                    for (cc_index_t n = 0; n < p->n; ++n)                               \
                        for (cc_index_t od = c->lo[0][kd]; od < c->hi[0][kd]; ++od) {   \
                            const cc_index_t id = od * p->stride[0] + kd * p->dilation[0] - p->pad[0]; \
                            const cc_index_t ih = r0 * p->stride[1] + kh * p->dilation[1] - p->pad[1]; \
                            const cc_index_t iw = q0 * p->stride[2] + kw * p->dilation[2] - p->pad[2]; \
                            T part;                                                     \
                            d.dy = (const T *)c->dy + (n * p->c_out + o) * c->P +       \
                                   (od * p->out[1] + r0) * p->out[2] + q0;              \
                            d.x = (const T *)c->x + (n * p->c_in + ci) * DHW +          \
                                  (id * H + ih) * W + iw;                               \
                            dot(&d, &part);                                             \
                            sum += part;                                                \
                        }                                                               \
                }                                                                       \
                ((T *)c->dw)[o * c->taps + t] = sum;                                    \
            }                                                                           \
        }                                                                               \
    }                                                                                   \
    static void ref_##sfx(void *vctx, cc_index_t begin, cc_index_t end, int worker)      \
    {                                                                                   \
        const dw_ctx *c = (const dw_ctx *)vctx;                                         \
        (void)worker;                                                                   \
        ((void (*) CC_CONV_DWEIGHT_REF_SIGNATURE(T))c->k->ref)(                         \
            c->p, (const T *)c->x, (const T *)c->dy, (T *)c->dw, begin, end);           \
    }

CC_DWEIGHT_TYPED(float, f32)
CC_DWEIGHT_TYPED(double, f64)
#undef CC_DWEIGHT_TYPED

/* ---- general items ------------------------------------------------------ */

/* The first column and the width of column block b (cig split evenly into
 * cblocks blocks of at most NR). */
static cc_index_t column_block(const dw_ctx *c, cc_index_t b, cc_index_t *nr)
{
    const cc_index_t base = c->cig / c->cblocks, extra = c->cig % c->cblocks;
    *nr = base + (b < extra);
    return b * base + CC_MIN(b, extra);
}

/* Items (group, channel block, column block, tap group). */
static void general_items(void *vctx, cc_index_t begin, cc_index_t end, int worker)
{
    const dw_ctx *c = (const dw_ctx *)vctx;
    const cc_conv_problem *p = c->p;
    const cc_index_t MR = c->k->mr, NR = c->k->nr, KH = p->kernel[1], KW = p->kernel[2];
    const cc_index_t H = p->in[1], W = p->in[2], DHW = p->in[0] * H * W;
    const cc_index_t OH = p->out[1], OW = p->out[2];
    const size_t e = c->esz;
    const size_t sums_size = (size_t)(c->tper * NR * MR) * e;
    char *sums = (char *)c->scratch + (size_t)worker * sums_size;
    for (cc_index_t item = begin; item < end; ++item) {
        const cc_index_t tg = item % c->tgroups;
        const cc_index_t cb = item / c->tgroups % c->cblocks;
        const cc_index_t gb = item / c->tgroups / c->cblocks;
        const cc_index_t g = gb / c->mblocks, blk = gb % c->mblocks;
        const cc_index_t t0 = tg * c->tper, t1 = CC_MIN(c->taps, t0 + c->tper);
        cc_index_t nr;
        const cc_index_t c0 = column_block(c, cb, &nr);
        cc_conv_dwtile t;
        memset(sums, 0, sums_size);
        t.dy_row = OW * MR;
        t.x_c = DHW;
        t.x_row = p->stride[1] * W;
        t.xs = p->stride[2];
        t.nr = nr;
        for (cc_index_t n = 0; n < p->n; ++n) {
            const char *dyn = (const char *)c->dyp + (size_t)((gb * p->n + n) * c->P * MR) * e;
            const char *xn = (const char *)c->x +
                             (size_t)((n * p->c_in + g * c->cig + c0) * DHW) * e;
            for (cc_index_t od = 0; od < p->out[0]; ++od)
                for (cc_index_t oh0 = 0; oh0 < OH; oh0 += c->crows)
                    for (cc_index_t ow0 = 0; ow0 < OW; ow0 += c->cseg) {
                        const cc_index_t oh1 = CC_MIN(OH, oh0 + c->crows);
                        const cc_index_t ow1 = CC_MIN(OW, ow0 + c->cseg);
                        for (cc_index_t tap = t0; tap < t1; ++tap) {
                            const cc_index_t kd = tap / (KH * KW), kh = tap / KW % KH;
                            const cc_index_t kw = tap % KW;
                            if (od < c->lo[0][kd] || od >= c->hi[0][kd])
                                continue;
                            const cc_index_t r0 = CC_MAX(oh0, c->lo[1][kh]);
                            const cc_index_t r1 = CC_MIN(oh1, c->hi[1][kh]);
                            const cc_index_t q0 = CC_MAX(ow0, c->lo[2][kw]);
                            const cc_index_t q1 = CC_MIN(ow1, c->hi[2][kw]);
                            if (r0 >= r1 || q0 >= q1)
                                continue;
                            const cc_index_t id = od * p->stride[0] + kd * p->dilation[0] - p->pad[0];
                            const cc_index_t ih = r0 * p->stride[1] + kh * p->dilation[1] - p->pad[1];
                            const cc_index_t iw = q0 * p->stride[2] + kw * p->dilation[2] - p->pad[2];
                            t.dy = dyn + (size_t)(((od * OH + r0) * OW + q0) * MR) * e;
                            t.x = xn + (size_t)((id * H + ih) * W + iw) * e;
                            t.nrows = r1 - r0;
                            t.npos = q1 - q0;
                            t.acc = sums + (size_t)((tap - t0) * NR * MR) * e;
                            c->k->tile(&t);
                        }
                    }
        }
        if (e == sizeof(float))
            store_f32(c, (const float *)sums, g * c->cog + blk * MR,
                      CC_MIN(MR, c->cog - blk * MR), c0, nr, t0, t1 - t0);
        else
            store_f64(c, (const double *)sums, g * c->cog + blk * MR,
                      CC_MIN(MR, c->cog - blk * MR), c0, nr, t0, t1 - t0);
    }
}

/* ---- setup -------------------------------------------------------------- */

static int make_ranges(dw_ctx *c)
{
    const cc_conv_problem *p = c->p;
    const cc_index_t total = p->kernel[0] + p->kernel[1] + p->kernel[2];
    c->range = malloc((size_t)(2 * total) * sizeof(cc_index_t));
    if (!c->range)
        return CC_ENOMEM;
    cc_index_t *at = c->range;
    for (int a = 0; a < 3; ++a) {
        c->lo[a] = at;
        c->hi[a] = at + p->kernel[a];
        at += 2 * p->kernel[a];
        for (cc_index_t k = 0; k < p->kernel[a]; ++k)
            tap_outputs(k, p->stride[a], p->dilation[a], p->pad[a], p->in[a], p->out[a],
                        &c->lo[a][k], &c->hi[a][k]);
    }
    return CC_OK;
}

static int run_general(dw_ctx *c)
{
    const cc_conv_problem *p = c->p;
    const cc_index_t MR = c->k->mr, NR = c->k->nr, OW = p->out[2];
    c->mblocks = (c->cog + MR - 1) / MR;
    c->cblocks = (c->cig + NR - 1) / NR;
    const cc_index_t blocks = p->groups * c->mblocks * c->cblocks;
    c->tgroups = CC_MIN(c->taps, (CC_DWEIGHT_MIN_ITEMS + blocks - 1) / blocks);
    c->tper = (c->taps + c->tgroups - 1) / c->tgroups;
    c->tgroups = (c->taps + c->tper - 1) / c->tper;
    const cc_index_t chunk = CC_MAX(CC_DWEIGHT_CHUNK_BYTES / (cc_index_t)(MR * c->esz), 1);
    if (OW >= chunk) {
        c->crows = 1;
        c->cseg = chunk;
    } else {
        c->crows = chunk / OW;
        c->cseg = OW;
    }
    c->dyp = cc_scratch_acquire((size_t)(p->groups * c->mblocks * p->n * c->P * MR) * c->esz);
    c->scratch = malloc((size_t)(c->threads * c->tper * NR * MR) * c->esz);
    if (!c->dyp || !c->scratch)
        return CC_ENOMEM;
    cc_parallel_for(p->n * p->groups * c->mblocks, 1, c->threads,
                    c->esz == sizeof(float) ? pack_f32 : pack_f64, c);
    cc_parallel_for(blocks * c->tgroups, 1, c->threads, general_items, c);
    return CC_OK;
}

int cc_conv_dweight(cc_dtype dt, const cc_conv_problem *p, const void *x, const void *dy,
                    void *dw, cc_isa isa, int num_threads)
{
    if (!cc_dtype_in((int)dt, CC_CONV_DTYPE_SET) || !cc_conv_problem_valid(p) ||
        num_threads < 1)
        return CC_EINVAL;
    const cc_conv_dweight_kernels *k = cc_conv_dweight_select(dt, isa);
    if (!k)
        return CC_EINVAL;
    dw_ctx c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.k = k;
    c.x = x;
    c.dy = dy;
    c.dw = dw;
    c.esz = dt == CC_DT_F32 ? sizeof(float) : sizeof(double);
    c.cig = p->c_in / p->groups;
    c.cog = p->c_out / p->groups;
    c.taps = p->kernel[0] * p->kernel[1] * p->kernel[2];
    c.P = p->out[0] * p->out[1] * p->out[2];
    const double macs = (double)p->n * (double)p->c_out * (double)c.P * (double)c.cig *
                        (double)c.taps;
    c.threads = macs < CC_DWEIGHT_PARALLEL_MIN_MACS ? 1 : num_threads;
    if (!k->tile)
        c.path = PATH_REF;
    else if (c.cig == 1 && c.cog < k->lanes)
        c.path = PATH_DEPTHWISE;
    else
        c.path = PATH_GENERAL;
    int status = CC_OK;
    if (c.path == PATH_REF)
        cc_parallel_for(p->c_out, 1, c.threads, c.esz == sizeof(float) ? ref_f32 : ref_f64, &c);
    else if ((status = make_ranges(&c)) == CC_OK) {
        if (c.path == PATH_GENERAL)
            status = run_general(&c);
        else
            cc_parallel_for(p->c_out, 1, c.threads,
                            c.esz == sizeof(float) ? depthwise_f32 : depthwise_f64, &c);
    }
    free(c.range);
    cc_scratch_release(c.dyp);
    free(c.scratch);
    return status;
}
