/* Driver of the direct correlation (contract in direct.h).
 *
 * Work items are (output row, column chunk) pairs.  For each output row the
 * driver gathers the input rows it meets (the leading-axis taps that fall
 * inside the input form a box, enumerated by an odometer), then splits the
 * row's columns into the left edge (taps hang off the input's start), the
 * interior (every tap inside: the SIMD micro-kernel) and the right edge.
 * Edge columns are a scalar loop over the taps that exist, so the input is
 * never padded or copied.
 */
#include <stdlib.h>

#include "direct.h"

/* Columns per work item.  Fixed by the problem alone, never by the thread
 * count, so every output is computed the same way whatever the threads, and
 * items can be handed out dynamically: on a shared machine a thread that is
 * preempted then delays only the block it holds, not a static share. */
#define CC_COL_CHUNK 4096
/* Below this many multiply-adds a call stays on the calling thread: waking
 * the team costs more than the work (a 64x64 image with a 3x3 kernel is
 * 37k). */
#define CC_PARALLEL_MIN_WORK 200000.0
/* Row lists up to this many input rows live on the stack. */
#define CC_STACK_ROWS 128
#define CC_MAX_NDIM 64

/* One output row's view of the last axis, shared by every dtype. */
typedef struct {
    cc_index_t nrows;            /* input rows meeting this output row */
    const cc_index_t *xoff;      /* [nrows] element offset of each input row */
    const cc_index_t *woff;      /* [nrows] element offset of its kernel row */
    cc_index_t n, k, s;          /* input length, kernel length, offset */
    cc_index_t lo, hi;           /* interior columns: every tap inside */
} cc_row_geom;

typedef void (*cc_row_op)(const cc_row_geom *g, const void *x, const void *w,
                          cc_fnptr kernel, cc_index_t c0, cc_index_t c1,
                          void *out_row);

/* Per dtype: one edge output (the taps that exist), and a row op that runs
 * the left edge, the micro-kernel over the interior, and the right edge for
 * columns [c0, c1). */
#define CC_DEFINE_ROW_OP(code, sfx, T, zero, mac)                             \
typedef void (*cc_row_fn_##sfx) CC_CORR_ROW_SIGNATURE(T);                     \
                                                                              \
static T edge_##sfx(const cc_row_geom *g, const T *x, const T *w,             \
                    cc_index_t i)                                             \
{                                                                             \
    const cc_index_t p = i + g->s;  /* input column of tap 0 */               \
    const cc_index_t j0 = CC_MAX((cc_index_t)0, -p);                          \
    const cc_index_t j1 = CC_MIN(g->k, g->n - p);                             \
    T acc = zero;                                                             \
    for (cc_index_t r = 0; r < g->nrows; ++r)                                 \
        for (cc_index_t j = j0; j < j1; ++j)                                  \
            mac(acc, x[g->xoff[r] + p + j], w[g->woff[r] + j]);               \
    return acc;                                                               \
}                                                                             \
                                                                              \
static void row_op_##sfx(const cc_row_geom *g, const void *xv,                \
                         const void *wv, cc_fnptr kernel, cc_index_t c0,      \
                         cc_index_t c1, void *outv)                           \
{                                                                             \
    const T *x = xv, *w = wv;                                                 \
    T *out = outv;                                                            \
    const cc_index_t mid0 = CC_CLAMP(g->lo, c0, c1);                          \
    const cc_index_t mid1 = CC_CLAMP(g->hi, mid0, c1);                        \
    for (cc_index_t i = c0; i < mid0; ++i)                                    \
        out[i] = edge_##sfx(g, x, w, i);                                      \
    if (mid0 < mid1)                                                          \
        ((cc_row_fn_##sfx)kernel)(g->nrows, x, g->xoff, w, g->woff, g->k,     \
                                  mid0 + g->s, mid1 - mid0, out + mid0);      \
    for (cc_index_t i = mid1; i < c1; ++i)                                    \
        out[i] = edge_##sfx(g, x, w, i);                                      \
}

CC_DIRECT_DTYPES(CC_DEFINE_ROW_OP)

#define CC_ROW_OP_ENTRY(code, sfx, T, zero, mac) [code] = row_op_##sfx,
static const cc_row_op row_ops[CC_DT_COUNT] = {CC_DIRECT_DTYPES(CC_ROW_OP_ENTRY)};
#define CC_SIZE_ENTRY(code, sfx, T, zero, mac) [code] = sizeof(T),
static const size_t elem_size[CC_DT_COUNT] = {CC_DIRECT_DTYPES(CC_SIZE_ENTRY)};

/* The input rows meeting output row r (row-major over the leading axes of
 * out): their offsets into x and w.  Returns how many. */
static cc_index_t gather_rows(const cc_corr_problem *p, const cc_index_t *wstride,
                              cc_index_t r, cc_index_t *xoff, cc_index_t *woff)
{
    const int lead = p->ndim - 1;
    cc_index_t base[CC_MAX_NDIM], tlo[CC_MAX_NDIM], thi[CC_MAX_NDIM], t[CC_MAX_NDIM];
    for (int d = lead - 1; d >= 0; --d) {
        const cc_index_t o = r % p->out_shape[d];
        r /= p->out_shape[d];
        base[d] = o + p->offset[d];  /* input index of tap 0 on axis d */
        tlo[d] = CC_MAX((cc_index_t)0, -base[d]);
        thi[d] = CC_MIN(p->w_shape[d], p->x_shape[d] - base[d]);
        if (tlo[d] >= thi[d])
            return 0;
        t[d] = tlo[d];
    }
    cc_index_t count = 0;
    for (;;) {
        cc_index_t xo = 0, wo = 0;
        for (int d = 0; d < lead; ++d) {
            xo += (base[d] + t[d]) * p->x_strides[d];
            wo += t[d] * wstride[d];
        }
        xoff[count] = xo;
        woff[count] = wo;
        ++count;
        int d = lead - 1;
        while (d >= 0 && ++t[d] == thi[d]) {
            t[d] = tlo[d];
            --d;
        }
        if (d < 0)
            return count;
    }
}

int cc_correlate(cc_dtype dt, const cc_corr_problem *p, const void *x,
                 const void *w, void *out, cc_isa isa, int num_threads)
{
    if (dt < 0 || dt >= CC_DT_COUNT || p->ndim < 1 || p->ndim > CC_MAX_NDIM ||
        num_threads < 1 || p->x_strides[p->ndim - 1] != 1)
        return CC_EINVAL;
    const int last = p->ndim - 1;
    cc_index_t rows = 1, taps = 1, wstride[CC_MAX_NDIM];
    for (int d = 0; d < last; ++d)
        rows *= p->out_shape[d];
    wstride[last] = 1;
    for (int d = last; d > 0; --d)
        wstride[d - 1] = wstride[d] * p->w_shape[d];
    for (int d = 0; d < last; ++d)
        taps *= p->w_shape[d];
    const cc_index_t m = p->out_shape[last];
    if (rows == 0 || m == 0)
        return CC_OK;

    cc_row_geom geom = {0};
    geom.n = p->x_shape[last];
    geom.k = p->w_shape[last];
    geom.s = p->offset[last];
    geom.lo = CC_CLAMP(-geom.s, (cc_index_t)0, m);
    geom.hi = CC_CLAMP(geom.n - geom.k + 1 - geom.s, geom.lo, m);

    const cc_row_op row_op = row_ops[dt];
    const cc_fnptr kernel = cc_corr_row_select(dt, isa, NULL);
    const size_t esize = elem_size[dt];
    const cc_index_t nchunks = (m + CC_COL_CHUNK - 1) / CC_COL_CHUNK;
    const cc_index_t items = rows * nchunks;
    const double work = (double)rows * (double)m * (double)taps * (double)geom.k;
    /* Items go out in contiguous blocks, about 16 per thread: a thread
     * streams through neighbouring rows (which share input rows) rather than
     * alternating rows with the other threads. */
    const cc_index_t block = CC_MAX((cc_index_t)1, items / (16 * (cc_index_t)num_threads));
    int status = CC_OK;
    (void)work;

#pragma omp parallel num_threads(num_threads) \
    if (num_threads > 1 && items > 1 && work >= CC_PARALLEL_MIN_WORK)
    {
        cc_index_t stack_off[2 * CC_STACK_ROWS];
        cc_index_t *off = taps <= CC_STACK_ROWS
                              ? stack_off
                              : malloc(2 * (size_t)taps * sizeof *off);
        cc_row_geom g = geom;
        cc_index_t row = -1;
        if (!off) {
#pragma omp atomic write
            status = CC_ENOMEM;
        }
        /* Every thread reaches the loop, even one whose allocation failed. */
#pragma omp for schedule(dynamic, block)
        for (cc_index_t it = 0; it < items; ++it) {
            if (!off)
                continue;
            const cc_index_t r = it / nchunks;
            const cc_index_t c0 = (it % nchunks) * CC_COL_CHUNK;
            if (r != row) {
                g.nrows = gather_rows(p, wstride, r, off, off + taps);
                g.xoff = off;
                g.woff = off + taps;
                row = r;
            }
            row_op(&g, x, w, kernel, c0, CC_MIN(m, c0 + CC_COL_CHUNK),
                   (char *)out + (size_t)(r * m) * esize);
        }
        if (off != stack_off)
            free(off);
    }
    return status;
}
