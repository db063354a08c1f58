/* Driver of the direct correlation (contract in direct.h).
 *
 * Work items are (output row, column chunk) pairs.  For each output row the
 * driver gathers the input rows it meets (the leading-axis taps that fall
 * inside the input form a box, enumerated by an odometer), then splits the
 * row's columns into the left edge (taps hang off the input's start), the
 * interior (every tap inside: the SIMD micro-kernel) and the right edge.
 * Where a SIMD micro-kernel runs, edge columns run it too, on a per-thread
 * copy of the input rows around them padded with zeros: more multiply-adds
 * (at most twice the taps that exist when the kernel is no longer than the
 * input on the last axis, as the signal API arranges) at the kernel's
 * speed, where a scalar loop waits on every add.  Otherwise edges are a scalar loop over
 * the taps that exist.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "direct.h"

/* Columns per work item.  Fixed by the problem alone, never by the thread
 * count, so every output is computed the same way whatever the threads, and
 * items can be handed out dynamically (cc_parallel): on a shared machine a
 * thread that is preempted then delays only the chunk it holds. */
#define CC_COL_CHUNK 4096
/* Below this many multiply-adds a call stays on the calling thread: waking
 * a helper costs more than the work (a 64x64 image with a 3x3 kernel is
 * 37k). */
#define CC_PARALLEL_MIN_WORK 200000.0
/* Row lists up to this many input rows live in the worker's state, and
 * the states of up to CC_STACK_WORKERS threads on the caller's stack. */
#define CC_STACK_ROWS 128
#define CC_STACK_WORKERS 8
/* Edge columns padded at a time, and the most padding a thread may hold:
 * past it (huge kernels with many rows) edges stay scalar. */
#define CC_EDGE_COLS 512
#define CC_EDGE_PAD_MAX ((size_t)32 << 20)
/* The fewest multiply-adds per output for which output rows run in blocks
 * (block kernel).  Below it the row kernel is bound by memory, not by its
 * loads, and on a 2048x2048 float32 image with a 3x3 kernel the block's
 * many short streams (4 output rows and 6 input rows, 256 bytes of each
 * per tile) measured slower than rows one at a time. */
#define CC_BLOCK_MIN_TAPS 16.0
/* The largest padded copy of a whole input (prepad_pays), and the elements
 * from which it is made on several threads. */
#define CC_PREPAD_MAX_BYTES ((double)((size_t)1 << 30))
#define CC_PREPAD_PARALLEL_MIN 262144.0

/* One output row's view of the last axis, shared by every dtype. */
typedef struct {
    cc_index_t nrows;            /* input rows meeting this output row */
    const cc_index_t *xoff;      /* [nrows] element offset of each input row */
    const cc_index_t *woff;      /* [nrows] element offset of its kernel row */
    cc_index_t n, k, s;          /* input length, kernel length, offset */
    cc_index_t lo, hi;           /* interior columns: every tap inside */
} cc_row_geom;

/* A thread's zero-padded copy of the input rows around edge columns. */
typedef struct {
    char *buf;         /* rows of CC_EDGE_COLS + k - 1 elements; NULL: scalar edges */
    cc_index_t *off;   /* [nrows] element offset of each row in buf */
    cc_index_t rows;   /* rows buf holds */
} cc_edge_pad;

typedef void (*cc_row_op)(const cc_row_geom *g, const void *x, const void *w,
                          cc_fnptr kernel, cc_edge_pad *pad, cc_index_t c0,
                          cc_index_t c1, void *out_row);
/* R output rows at once, row a reading g's input rows shifted by a * delta;
 * xtmp: scratch for g->nrows offsets. */
typedef void (*cc_block_op)(const cc_row_geom *g, const void *x, const void *w,
                            cc_fnptr kernel, cc_fnptr block, cc_edge_pad *pad,
                            cc_index_t c0, cc_index_t c1, void *out, int R,
                            cc_index_t delta, cc_index_t ostride, cc_index_t *xtmp);

/* Copy the input columns that output columns [i0, i0 + cols) reach, every
 * gathered row, into pad->buf with zeros where they fall outside the input
 * (all-zero bytes are 0 in every padded dtype). */
static void pad_edge_rows(const cc_row_geom *g, const char *x, size_t esize,
                          cc_index_t i0, cc_index_t cols, cc_edge_pad *pad)
{
    const cc_index_t len = cols + g->k - 1;
    const cc_index_t a = i0 + g->s;                   /* input column of buf[0] */
    const cc_index_t t0 = CC_CLAMP(-a, (cc_index_t)0, len);
    const cc_index_t t1 = CC_CLAMP(g->n - a, t0, len);
    for (cc_index_t r = 0; r < g->nrows; ++r) {
        char *dst = pad->buf + (size_t)(r * len) * esize;
        memset(dst, 0, (size_t)t0 * esize);
        memcpy(dst + (size_t)t0 * esize, x + (size_t)(g->xoff[r] + a + t0) * esize,
               (size_t)(t1 - t0) * esize);
        memset(dst + (size_t)t1 * esize, 0, (size_t)(len - t1) * esize);
        pad->off[r] = r * len;
    }
}

/* pad_edge_rows for the rows of a block (see cc_block_op): each run of
 * rows delta apart in g's list is padded with the R - 1 rows after it, one
 * row every `len` elements, so the block kernel reads them with delta len.
 * Returns that delta, or 0 when buf holds too few rows. */
static cc_index_t pad_block_rows(const cc_row_geom *g, const char *x, size_t esize,
                                 cc_index_t i0, cc_index_t cols, int R, cc_index_t delta,
                                 cc_edge_pad *pad)
{
    const cc_index_t len = cols + g->k - 1;
    const cc_index_t a = i0 + g->s;
    const cc_index_t t0 = CC_CLAMP(-a, (cc_index_t)0, len);
    const cc_index_t t1 = CC_CLAMP(g->n - a, t0, len);
    cc_index_t need = 0;
    for (cc_index_t q = 0; q < g->nrows; ++q)
        need += q == 0 || g->xoff[q] != g->xoff[q - 1] + delta ? R : 1;
    if (need > pad->rows)
        return 0;
    cc_index_t prow = 0;
    for (cc_index_t q0 = 0; q0 < g->nrows;) {
        cc_index_t run = 1;
        while (q0 + run < g->nrows && g->xoff[q0 + run] == g->xoff[q0 + run - 1] + delta)
            ++run;
        for (cc_index_t t = 0; t < run + R - 1; ++t) {
            char *dst = pad->buf + (size_t)((prow + t) * len) * esize;
            memset(dst, 0, (size_t)t0 * esize);
            /* negative offsets for reversed axes: signed arithmetic */
            memcpy(dst + (size_t)t0 * esize,
                   x + (ptrdiff_t)(g->xoff[q0] + t * delta + a + t0) * (ptrdiff_t)esize,
                   (size_t)(t1 - t0) * esize);
            memset(dst + (size_t)t1 * esize, 0, (size_t)(len - t1) * esize);
        }
        for (cc_index_t t = 0; t < run; ++t)
            pad->off[q0 + t] = (prow + t) * len;
        prow += run + R - 1;
        q0 += run;
    }
    return len;
}

/* Per dtype: one edge output (the taps that exist), the edge columns
 * [i0, i1) (padded micro-kernel or scalar), and a row op that runs the left
 * edge, the micro-kernel over the interior, and the right edge for columns
 * [c0, c1). */
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
static void edges_##sfx(const cc_row_geom *g, const T *x, const T *w,         \
                        cc_fnptr kernel, cc_edge_pad *pad, cc_index_t i0,     \
                        cc_index_t i1, T *out)                                \
{                                                                             \
    if (!pad->buf) {                                                          \
        for (cc_index_t i = i0; i < i1; ++i)                                  \
            out[i] = edge_##sfx(g, x, w, i);                                  \
        return;                                                               \
    }                                                                         \
    for (cc_index_t a = i0; a < i1; a += CC_EDGE_COLS) {                      \
        const cc_index_t cols = CC_MIN((cc_index_t)CC_EDGE_COLS, i1 - a);     \
        pad_edge_rows(g, (const char *)x, sizeof(T), a, cols, pad);           \
        ((cc_row_fn_##sfx)kernel)(g->nrows, (const T *)pad->buf, pad->off, w, \
                                  g->woff, g->k, 0, cols, out + a);           \
    }                                                                         \
}                                                                             \
                                                                              \
static void row_op_##sfx(const cc_row_geom *g, const void *xv,                \
                         const void *wv, cc_fnptr kernel, cc_edge_pad *pad,   \
                         cc_index_t c0, cc_index_t c1, void *outv)            \
{                                                                             \
    const T *x = xv, *w = wv;                                                 \
    T *out = outv;                                                            \
    const cc_index_t mid0 = CC_CLAMP(g->lo, c0, c1);                          \
    const cc_index_t mid1 = CC_CLAMP(g->hi, mid0, c1);                        \
    edges_##sfx(g, x, w, kernel, pad, c0, mid0, out);                         \
    if (mid0 < mid1)                                                          \
        ((cc_row_fn_##sfx)kernel)(g->nrows, x, g->xoff, w, g->woff, g->k,     \
                                  mid0 + g->s, mid1 - mid0, out + mid0);      \
    edges_##sfx(g, x, w, kernel, pad, mid1, c1, out);                         \
}                                                                             \
                                                                              \
typedef void (*cc_rows_fn_##sfx) CC_CORR_ROWS_SIGNATURE(T);                   \
                                                                              \
static void block_op_##sfx(const cc_row_geom *g, const void *xv,              \
                           const void *wv, cc_fnptr kernel, cc_fnptr block,   \
                           cc_edge_pad *pad, cc_index_t c0, cc_index_t c1,    \
                           void *outv, int R, cc_index_t delta,               \
                           cc_index_t ostride, cc_index_t *xtmp)              \
{                                                                             \
    const T *x = xv, *w = wv;                                                 \
    T *out = outv;                                                            \
    const cc_rows_fn_##sfx rows_fn = (cc_rows_fn_##sfx)block;                  \
    const cc_index_t mid0 = CC_CLAMP(g->lo, c0, c1);                          \
    const cc_index_t mid1 = CC_CLAMP(g->hi, mid0, c1);                        \
    for (int side = 0; side < 2; ++side) {                                    \
        cc_index_t e0 = side ? mid1 : c0;                                     \
        const cc_index_t e1 = side ? c1 : mid0;                               \
        /* Padded edges: the block kernel on a padded copy of the rows. */    \
        while (pad->buf && e0 < e1) {                                         \
            const cc_index_t cols = CC_MIN((cc_index_t)CC_EDGE_COLS, e1 - e0); \
            const cc_index_t pd = pad_block_rows(g, (const char *)x, sizeof(T), \
                                                 e0, cols, R, delta, pad);    \
            if (!pd)                                                          \
                break;                                                        \
            rows_fn(R, g->nrows, (const T *)pad->buf, pad->off, pd, w,        \
                    g->woff, g->k, 0, cols, out + e0, ostride);               \
            e0 += cols;                                                       \
        }                                                                     \
        if (e0 >= e1)                                                         \
            continue;                                                         \
        /* Row by row (scalar edges, or too few rows in the padding). */     \
        cc_row_geom ga = *g;                                                  \
        ga.xoff = xtmp;                                                       \
        for (int a = 0; a < R; ++a) {                                         \
            for (cc_index_t q = 0; q < g->nrows; ++q)                         \
                xtmp[q] = g->xoff[q] + a * delta;                             \
            edges_##sfx(&ga, x, w, kernel, pad, e0, e1, out + a * ostride);   \
        }                                                                     \
    }                                                                         \
    if (mid0 < mid1)                                                          \
        rows_fn(R, g->nrows, x, g->xoff, delta, w, g->woff, g->k,             \
                mid0 + g->s, mid1 - mid0, out + mid0, ostride);               \
}

CC_DIRECT_DTYPES(CC_DEFINE_ROW_OP)

#define CC_ROW_OP_ENTRY(code, sfx, T, zero, mac) [code] = row_op_##sfx,
static const cc_row_op row_ops[CC_DT_COUNT] = {CC_DIRECT_DTYPES(CC_ROW_OP_ENTRY)};
#define CC_BLOCK_OP_ENTRY(code, sfx, T, zero, mac) [code] = block_op_##sfx,
static const cc_block_op block_ops[CC_DT_COUNT] = {CC_DIRECT_DTYPES(CC_BLOCK_OP_ENTRY)};
#define CC_SIZE_ENTRY(code, sfx, T, zero, mac) [code] = sizeof(T),
static const size_t elem_size[CC_DT_COUNT] = {CC_DIRECT_DTYPES(CC_SIZE_ENTRY)};

/* Whether every kernel value is finite: a padded edge multiplies its zeros
 * by every tap, and 0 * inf would put a NaN where the taps that exist give
 * a number.  Only the dtypes with SIMD micro-kernels are ever padded. */
static int kernel_finite(cc_dtype dt, const void *w, cc_index_t count)
{
    if (dt == CC_DT_C64 || dt == CC_DT_C128)
        count *= 2;
    if (dt == CC_DT_F32 || dt == CC_DT_C64) {
        const float *v = w;
        for (cc_index_t i = 0; i < count; ++i)
            if (!isfinite(v[i]))
                return 0;
        return 1;
    }
    if (dt == CC_DT_F64 || dt == CC_DT_C128) {
        const double *v = w;
        for (cc_index_t i = 0; i < count; ++i)
            if (!isfinite(v[i]))
                return 0;
        return 1;
    }
    return 0;
}

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

/* A worker's state, set up at its first chunk: the offsets of the rows it
 * gathered last, and its padding buffer. */
typedef struct {
    int ready, failed;
    cc_index_t row;              /* the output row off describes; -1: none */
    cc_index_t geom_rows;        /* rows gathered for it */
    cc_index_t *off;             /* [4 * taps]: input row offsets, kernel row offsets,
                                    then the same for a row tried in a block */
    cc_index_t stack_off[4 * CC_STACK_ROWS];
    cc_edge_pad pad;
} corr_worker;

typedef struct {
    const cc_corr_problem *p;
    const void *x, *w;
    void *out;
    const cc_index_t *wstride;
    cc_index_t taps, m, nchunks;
    size_t esize, pad_bytes;     /* pad_bytes 0: scalar edges */
    cc_index_t pad_rows;         /* rows of the padding: taps, or taps * group to pad blocks */
    cc_row_geom geom;
    cc_row_op row_op;
    cc_fnptr kernel;
    corr_worker *workers;        /* [num_threads] */
    /* Items are (group of `group` output rows, column chunk) pairs; with a
     * block kernel (else NULL, group 1) the rows of a group whose input rows
     * are the first one's shifted by delta per row run as one block. */
    cc_block_op block_op;
    cc_fnptr block;
    int group;
    cc_index_t delta;
} corr_job;

static int worker_init(const corr_job *j, corr_worker *me)
{
    me->ready = 1;
    me->row = -1;
    me->off = j->taps <= CC_STACK_ROWS ? me->stack_off
                                       : malloc(4 * (size_t)j->taps * sizeof *me->off);
    me->failed = me->off == NULL;
    /* Without memory for the padding the edges stay scalar. */
    me->pad = (cc_edge_pad){NULL, NULL, 0};
    if (j->pad_bytes) {
        me->pad.rows = j->pad_rows;
        me->pad.buf = malloc(j->pad_bytes);
        me->pad.off = malloc((size_t)j->taps * sizeof *me->pad.off);
        if (!me->pad.buf || !me->pad.off) {
            free(me->pad.buf);
            free(me->pad.off);
            me->pad = (cc_edge_pad){NULL, NULL, 0};
        }
    }
    return !me->failed;
}

static void worker_free(corr_worker *me)
{
    if (!me->ready)
        return;
    if (me->off != me->stack_off)
        free(me->off);
    free(me->pad.buf);
    free(me->pad.off);
}

/* Whether output row r meets the input rows of the worker's current row
 * shifted by b * delta, with the same kernel rows (gathered into the
 * second half of me->off). */
static int row_shifted(const corr_job *j, corr_worker *me, cc_index_t r, cc_index_t b)
{
    cc_index_t *xo = me->off + 2 * j->taps, *wo = me->off + 3 * j->taps;
    const cc_index_t n = gather_rows(j->p, j->wstride, r, xo, wo);
    if (n != me->geom_rows)
        return 0;
    for (cc_index_t q = 0; q < n; ++q)
        if (xo[q] != me->off[q] + b * j->delta || wo[q] != me->off[j->taps + q])
            return 0;
    return 1;
}

/* Items [begin, end): (group of output rows, column chunk) pairs. */
static void corr_items(void *ctx, cc_index_t begin, cc_index_t end, int worker)
{
    const corr_job *j = ctx;
    corr_worker *me = &j->workers[worker];
    if (!me->ready && !worker_init(j, me))
        return;
    if (me->failed)
        return;
    cc_index_t rows = 1;
    for (int d = 0; d < j->p->ndim - 1; ++d)
        rows *= j->p->out_shape[d];
    cc_row_geom g = j->geom;
    for (cc_index_t it = begin; it < end; ++it) {
        const cc_index_t r0 = it / j->nchunks * j->group;
        const cc_index_t r1 = CC_MIN(rows, r0 + j->group);
        const cc_index_t c0 = (it % j->nchunks) * CC_COL_CHUNK;
        const cc_index_t c1 = CC_MIN(j->m, c0 + CC_COL_CHUNK);
        /* the block kernel pays on interior columns only */
        const int blocks = j->block && CC_MAX(c0, g.lo) < CC_MIN(c1, g.hi);
        for (cc_index_t r = r0; r < r1;) {
            if (r != me->row) {
                me->row = r;
                me->geom_rows = gather_rows(j->p, j->wstride, r, me->off, me->off + j->taps);
            }
            g.nrows = me->geom_rows;
            g.xoff = me->off;
            g.woff = me->off + j->taps;
            char *out = (char *)j->out + (size_t)(r * j->m) * j->esize;
            cc_index_t b = 1;
            if (blocks)
                while (r + b < r1 && row_shifted(j, me, r + b, b))
                    ++b;
            if (b == 1)
                j->row_op(&g, j->x, j->w, j->kernel, &me->pad, c0, c1, out);
            else
                j->block_op(&g, j->x, j->w, j->kernel, j->block, &me->pad, c0, c1, out,
                            (int)b, j->delta, j->m, me->off + 2 * j->taps);
            r += b;
        }
    }
}

/* The input padded along its last axis, for problems whose edge columns
 * would cost more than a copy of the input: row r of xpad holds the
 * columns [s, s + width) of input row r, zeros outside the input, so every
 * output column is interior. */
typedef struct {
    const cc_corr_problem *p;
    const char *x;
    char *xpad;
    size_t esize;
    cc_index_t width, s;
} prepad_job;

static void prepad_rows(void *ctx, cc_index_t begin, cc_index_t end, int worker)
{
    const prepad_job *j = ctx;
    const cc_corr_problem *p = j->p;
    const int last = p->ndim - 1;
    const cc_index_t n = p->x_shape[last];
    const cc_index_t t0 = CC_CLAMP(-j->s, (cc_index_t)0, j->width);
    const cc_index_t t1 = CC_CLAMP(n - j->s, t0, j->width);
    const size_t e = j->esize;
    (void)worker;
    for (cc_index_t r = begin; r < end; ++r) {
        cc_index_t rem = r, off = 0;
        for (int d = last - 1; d >= 0; --d) {
            off += (rem % p->x_shape[d]) * p->x_strides[d];
            rem /= p->x_shape[d];
        }
        char *dst = j->xpad + (size_t)(r * j->width) * e;
        memset(dst, 0, (size_t)t0 * e);
        /* off is negative for reversed axes: signed arithmetic */
        memcpy(dst + (size_t)t0 * e, j->x + (ptrdiff_t)(off + j->s + t0) * (ptrdiff_t)e,
               (size_t)(t1 - t0) * e);
        memset(dst + (size_t)t1 * e, 0, (size_t)(j->width - t1) * e);
    }
}

/* Whether padding the input pays: the edge columns of an output row run
 * one masked vector per edge through taps * k dependent FMAs (about 4
 * cycles each), a padded copy costs about esize / 8 cycles per element of
 * the input rows, shared by the output rows. */
static int prepad_pays(const cc_row_geom *g, cc_index_t taps, cc_index_t m, size_t esize,
                       cc_index_t x_rows, cc_index_t out_rows)
{
    const int edges = (g->lo > 0) + (g->hi < m);
    const double edge_cycles = (double)edges * (double)taps * (double)g->k * 4.0;
    const double copy_cycles = (double)(m + g->k - 1) * (double)esize / 8.0
                               * (double)x_rows / (double)out_rows;
    return edge_cycles > copy_cycles;
}

/* cc_correlate on a copy of x padded along its last axis to `width`
 * columns from column s; CC_ENOMEM when the copy does not fit. */
static int correlate_prepadded(cc_dtype dt, const cc_corr_problem *p, const void *x,
                               const void *w, void *out, cc_isa isa, int num_threads,
                               size_t esize, cc_index_t s, cc_index_t width, cc_index_t x_rows)
{
    const int last = p->ndim - 1;
    char *xpad = malloc((size_t)x_rows * (size_t)width * esize);
    if (!xpad)
        return CC_ENOMEM;
    prepad_job job = {p, x, xpad, esize, width, s};
    const int threads = (double)x_rows * (double)width >= CC_PREPAD_PARALLEL_MIN ? num_threads : 1;
    cc_parallel_for(x_rows, CC_PARALLEL_AUTO_CHUNK, threads, prepad_rows, &job);
    cc_index_t shape[CC_MAX_NDIM], strides[CC_MAX_NDIM], offset[CC_MAX_NDIM];
    cc_index_t stride = 1;
    for (int d = last; d >= 0; --d) {
        shape[d] = d == last ? width : p->x_shape[d];
        strides[d] = stride;
        stride *= shape[d];
        offset[d] = d == last ? 0 : p->offset[d];
    }
    const cc_corr_problem padded = {p->ndim, shape, strides, p->w_shape, p->out_shape, offset};
    const int status = cc_correlate(dt, &padded, xpad, w, out, isa, num_threads);
    free(xpad);
    return status;
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

    cc_isa level;
    const cc_fnptr kernel = cc_corr_row_select(dt, isa, &level);
    const size_t esize = elem_size[dt];
    const size_t pad_bytes = (size_t)taps * (size_t)(CC_EDGE_COLS + geom.k - 1) * esize;
    const int pad_edges = (geom.lo > 0 || geom.hi < m) && level > CC_ISA_SCALAR &&
                          pad_bytes <= CC_EDGE_PAD_MAX &&
                          kernel_finite(dt, w, taps * geom.k);
    if (pad_edges) {
        cc_index_t x_rows = 1;
        for (int d = 0; d < last; ++d)
            x_rows *= p->x_shape[d];
        const cc_index_t width = m + geom.k - 1;
        if (x_rows > 0 && (double)x_rows * (double)width * (double)esize <= CC_PREPAD_MAX_BYTES
            && prepad_pays(&geom, taps, m, esize, x_rows, rows)) {
            const int st = correlate_prepadded(dt, p, x, w, out, isa, num_threads, esize,
                                               geom.s, width, x_rows);
            if (st != CC_ENOMEM)
                return st;
        }
    }
    int group = 1;
    const cc_fnptr block = last > 0 && (double)taps * (double)geom.k >= CC_BLOCK_MIN_TAPS
                               ? cc_corr_rows_select(dt, level, &group) : NULL;
    if (!block)
        group = 1;
    const cc_index_t nchunks = (m + CC_COL_CHUNK - 1) / CC_COL_CHUNK;
    const cc_index_t items = (rows + group - 1) / group * nchunks;
    const double work = (double)rows * (double)m * (double)taps * (double)geom.k;
    const int threads = items > 1 && work >= CC_PARALLEL_MIN_WORK ? num_threads : 1;
    corr_worker stack_workers[CC_STACK_WORKERS];
    corr_worker *workers = threads <= CC_STACK_WORKERS
                               ? stack_workers : malloc((size_t)threads * sizeof *workers);
    if (!workers)
        return CC_ENOMEM;
    for (int t = 0; t < threads; ++t)
        workers[t].ready = 0;
    /* Room to pad the rows of a whole block when it fits under the cap;
     * else blocks pad their edges row by row. */
    const size_t row_bytes = (size_t)(CC_EDGE_COLS + geom.k - 1) * esize;
    const cc_index_t pad_rows = group > 1 && pad_bytes * (size_t)group <= CC_EDGE_PAD_MAX
                                    ? taps * group : taps;
    corr_job job = {p, x, w, out, wstride, taps, m, nchunks, esize,
                    pad_edges ? (size_t)pad_rows * row_bytes : 0, pad_rows,
                    geom, row_ops[dt], kernel, workers, block_ops[dt], block, group,
                    last > 0 ? p->x_strides[last - 1] : 0};
    /* Chunks of neighbouring items, about 16 per thread: a thread streams
     * through neighbouring rows (which share input rows) rather than
     * alternating rows with the other threads. */
    cc_parallel_for(items, cc_parallel_chunk(items, threads, 16), threads, corr_items, &job);
    int status = CC_OK;
    for (int t = 0; t < threads; ++t) {
        if (workers[t].ready && workers[t].failed)
            status = CC_ENOMEM;
        worker_free(&workers[t]);
    }
    if (workers != stack_workers)
        free(workers);
    return status;
}
