/* Overlap-add block work (contract in fft.h): cutting an input into the
 * zero-padded blocks of the workspace, and adding the inverse transforms'
 * overlapping tails while cropping to the window.
 *
 * Both are gathers over the output: each work item is a fixed piece of
 * output bytes (a chunk of one block row for the fill, a run of positions
 * of one row for the add), so the split depends on the problem alone and
 * the work is memory-bound copies, memsets and one add per overlapped
 * element.  The fill blocks every axis in one pass (a pass per axis through
 * an intermediate array doubled the time of a 2048x2048 fill); the add goes
 * one axis at a time, which keeps the order of its additions (each axis'
 * head + tail, from the last axis) and still beats the NumPy passes it
 * replaced.
 */
#include <string.h>

#include "fft.h"

/* Output bytes per work item: fixed by the problem, small enough that a
 * 1-D signal of ~100 blocks still splits evenly over a team. */
#define CC_OA_CHUNK (64 * 1024)
/* Below this many output bytes a call stays on the calling thread.  One
 * thread already streams at the memory bandwidth (1-D 1e6 (x) 1e3 on the
 * 2-vCPU EPYC dev box: the 8 MB -> 8.7 MB fill and the add take ~1.3 ms
 * each from cold caches, as long as a NumPy copy of the same bytes), and
 * the pocketfft threads that run next want the second core.  Passes of
 * 64 MiB and more (a 4096x4096 image) gain from a second thread. */
#define CC_OA_PARALLEL_MIN ((cc_index_t)64 << 20)

cc_index_t cc_oa_parallel_min(void)
{
    return CC_OA_PARALLEL_MIN;
}

typedef struct {
    int m;
    const cc_index_t *nx, *xstride, *steps, *step, *n;
    cc_index_t inner_bytes;
    const void *x;
    void *ws;
    cc_index_t row, per_row;  /* bytes of a ws row; work items per row */
} fill_job;

/* Items [begin, end): CC_OA_CHUNK bytes of one ws row each. */
static void fill_items(void *ctx, cc_index_t begin, cc_index_t end, int worker)
{
    const fill_job *f = ctx;
    const int last = f->m - 1;
    const cc_index_t *nx = f->nx, *steps = f->steps, *step = f->step, *n = f->n;
    (void)worker;
    for (cc_index_t it = begin; it < end; ++it) {
        const cc_index_t r = it / f->per_row;
        const cc_index_t b0 = (it % f->per_row) * CC_OA_CHUNK;
        const cc_index_t b1 = CC_MIN(b0 + CC_OA_CHUNK, f->row);
        /* Row r is (s_0, j_0, ..., s_{m-2}, j_{m-2}, s_last): its source row
         * in x, if every leading position holds a sample. */
        cc_index_t rem = r / steps[last], off = 0;
        const cc_index_t s = r % steps[last];
        int inside = 1;
        for (int a = last - 1; a >= 0; --a) {
            const cc_index_t j = rem % n[a];
            rem /= n[a];
            const cc_index_t i = (rem % steps[a]) * step[a] + j;
            rem /= steps[a];
            if (j >= step[a] || i >= nx[a]) {
                inside = 0;
                break;
            }
            off += i * f->xstride[a];
        }
        /* Bytes of this row that come from x; the rest is zero padding. */
        const cc_index_t have = inside ? CC_MIN(CC_MIN(step[last], n[last]),
                                                nx[last] - s * step[last]) * f->inner_bytes
                                       : 0;
        char *dst = (char *)f->ws + r * f->row;
        const cc_index_t c1 = CC_MIN(b1, have);
        if (b0 < c1)
            memcpy(dst + b0, (const char *)f->x + off + s * step[last] * f->inner_bytes + b0,
                   (size_t)(c1 - b0));
        const cc_index_t z0 = CC_MAX(b0, have);
        if (z0 < b1)
            memset(dst + z0, 0, (size_t)(b1 - z0));
    }
}

int cc_oa_fill(int m, const cc_index_t *nx, const cc_index_t *xstride,
               const cc_index_t *steps, const cc_index_t *step, const cc_index_t *n,
               cc_index_t inner_bytes, const void *x, void *ws, int num_threads)
{
    if (m < 1 || m > CC_MAX_NDIM || inner_bytes < 0 || num_threads < 1)
        return CC_EINVAL;
    const int last = m - 1;
    int empty = inner_bytes == 0;  /* x holds nothing to read */
    for (int a = 0; a < m; ++a) {
        if (nx[a] < 0 || steps[a] < 1 || step[a] < 1 || n[a] < 0
            || steps[a] - 1 > nx[a] / step[a])
            return CC_EINVAL;
        empty |= nx[a] == 0;
    }
    if (!empty && nx[last] > 1 && xstride[last] != inner_bytes)
        return CC_EINVAL;
    /* A row is one block of the last axis: a copy, then zero padding.  An
     * empty ws returns before its extents are multiplied. */
    const cc_index_t row = n[last] * inner_bytes;
    if (row == 0)
        return CC_OK;
    cc_index_t rows = steps[last];
    for (int a = 0; a < last; ++a) {
        if (n[a] == 0)
            return CC_OK;
        rows *= steps[a] * n[a];
    }
    fill_job job = {m, nx, xstride, steps, step, n, inner_bytes, x, ws, row,
                    (row + CC_OA_CHUNK - 1) / CC_OA_CHUNK};
    const cc_index_t items = rows * job.per_row;
    const int threads = rows * row >= CC_OA_PARALLEL_MIN ? num_threads : 1;
    cc_parallel_for(items, CC_PARALLEL_AUTO_CHUNK, threads, fill_items, &job);
    return CC_OK;
}

/* Per lane type: positions [q0, q1) of one output row, y its row of blocks.
 * Runs of positions stay inside one block and one side of its tail, so each
 * run is one contiguous loop of (q1 - q0) * inner lanes at most. */
#define CC_DEFINE_OA_ADD(sfx, T)                                              \
static void oa_add_##sfx(const T *restrict y, T *restrict out,                \
                         cc_index_t steps, cc_index_t n, cc_index_t step,     \
                         cc_index_t inner, cc_index_t q0, cc_index_t q1)      \
{                                                                             \
    const cc_index_t tail = n - step;                                         \
    while (q0 < q1) {                                                         \
        const cc_index_t s = q0 / step, j0 = q0 % step;                       \
        cc_index_t j1 = CC_MIN(step, j0 + (q1 - q0));                         \
        if (j0 < tail)                                                        \
            j1 = CC_MIN(j1, tail);                                            \
        const cc_index_t m = (j1 - j0) * inner;                               \
        const T *head = s < steps ? y + (s * n + j0) * inner : NULL;          \
        const T *prev = s >= 1 && j0 < tail ? y + ((s - 1) * n + j0 + step) * inner \
                                            : NULL;                           \
        if (head && prev)                                                     \
            for (cc_index_t i = 0; i < m; ++i)                                \
                out[i] = head[i] + prev[i];                                   \
        else if (head)                                                        \
            memcpy(out, head, (size_t)m * sizeof(T));                         \
        else if (prev)                                                        \
            for (cc_index_t i = 0; i < m; ++i)                                \
                out[i] = (T)0 + prev[i];  /* so a -0.0 tail gives +0.0 */    \
        else                                                                  \
            for (cc_index_t i = 0; i < m; ++i)                                \
                out[i] = (T)0;                                                \
        out += m;                                                             \
        q0 += j1 - j0;                                                        \
    }                                                                         \
}

CC_DEFINE_OA_ADD(f32, float)
CC_DEFINE_OA_ADD(f64, double)
CC_DEFINE_OA_ADD(ld, long double)

typedef struct {
    cc_dtype dt;
    cc_index_t steps, n, step, inner;
    const void *y;
    cc_index_t start, length;
    void *out;
    cc_index_t per_item, per_row;  /* positions per work item; items per row */
} add_job;

/* Items [begin, end): per_item output positions of one outer row each. */
static void add_items(void *ctx, cc_index_t begin, cc_index_t end, int worker)
{
    const add_job *j = ctx;
    (void)worker;
    for (cc_index_t it = begin; it < end; ++it) {
        const cc_index_t o = it / j->per_row;
        const cc_index_t p0 = (it % j->per_row) * j->per_item;
        const cc_index_t p1 = CC_MIN(p0 + j->per_item, j->length);
        const cc_index_t yo = o * j->steps * j->n * j->inner;
        const cc_index_t oo = (o * j->length + p0) * j->inner;
        const cc_index_t q0 = j->start + p0, q1 = j->start + p1;
        if (j->dt == CC_DT_F32)
            oa_add_f32((const float *)j->y + yo, (float *)j->out + oo, j->steps, j->n, j->step,
                       j->inner, q0, q1);
        else if (j->dt == CC_DT_F64)
            oa_add_f64((const double *)j->y + yo, (double *)j->out + oo, j->steps, j->n,
                       j->step, j->inner, q0, q1);
        else
            oa_add_ld((const long double *)j->y + yo, (long double *)j->out + oo, j->steps,
                      j->n, j->step, j->inner, q0, q1);
    }
}

int cc_oa_add(cc_dtype dt, cc_index_t outer, cc_index_t steps, cc_index_t n,
              cc_index_t step, cc_index_t inner, const void *y, cc_index_t start,
              cc_index_t length, void *out, int num_threads)
{
    if (!cc_dtype_in(dt, CC_OA_DTYPE_SET) || outer < 0 || steps < 1 || step < 1 || n < step
        || n - step > step || inner < 0 || start < 0 || length < 0 || num_threads < 1)
        return CC_EINVAL;
    /* start + length <= (steps + 1) * step, without overflow. */
    if (length && (start > PTRDIFF_MAX - length || (start + length - 1) / step > steps))
        return CC_EINVAL;
    if (outer == 0 || inner == 0 || length == 0)
        return CC_OK;
    const size_t lane = cc_dtype_get(dt)->itemsize;
    /* Positions per work item: CC_OA_CHUNK bytes of output, at least one. */
    const cc_index_t per_item = CC_MAX((cc_index_t)1,
                                       CC_OA_CHUNK / (inner * (cc_index_t)lane));
    add_job job = {dt, steps, n, step, inner, y, start, length, out, per_item,
                   (length + per_item - 1) / per_item};
    const cc_index_t items = outer * job.per_row;
    const int threads = outer * length * inner * (cc_index_t)lane >= CC_OA_PARALLEL_MIN
                            ? num_threads : 1;
    cc_parallel_for(items, CC_PARALLEL_AUTO_CHUNK, threads, add_items, &job);
    return CC_OK;
}
