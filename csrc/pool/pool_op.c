/* Driver of the pooling family (contract in pool.h).
 *
 * Forward work items are output rows (plane, d, h): for each, the driver
 * lists the input rows its windows meet (the taps along D and H that lie
 * inside the input), hands the interior columns (every tap inside, regular
 * stride) to the selected row micro-kernel, and computes the edge columns
 * (windows clipped by padding or ceil_mode, irregular adaptive windows) one
 * output at a time with the reference kernel on that output's own taps.
 * Nothing is padded or copied.  Backward passes give each work item whole
 * planes, so overlapping windows accumulate in one fixed order.  Items go
 * to the threads of cc_parallel; per-thread scratch is indexed by worker.
 */
#include <limits.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

/* Below this many taps a call stays on the calling thread: waking a helper
 * costs more than the work (about 30 us of scalar taps on Zen 3). */
#define CC_POOL_PARALLEL_MIN_WORK 131072.0
/* The SIMD kernels form lane offsets lane * stride in 32 bits and (f32)
 * flat indices in 32-bit lanes. */
#define CC_POOL_SIMD_MAX_STRIDE ((cc_index_t)1 << 24)

/* The shape of a problem, shared by every dtype and pass. */
typedef struct {
    cc_index_t in_plane, out_plane, out_rows;  /* out_rows = OD * OH */
    cc_index_t maxrows;                        /* input rows one output row meets */
    double work;                               /* taps over all outputs */
    int global;                                /* one window = the whole plane */
    /* W regular up to its edges: output o's taps are the columns
     * vs0 + o*s + j*d inside the row, none empty; the masked row kernel
     * (if any) then does whole rows. */
    int edge_ok;
    cc_index_t vs0;
} pool_geom;

static cc_index_t max_count(const cc_pool_axis *a)
{
    cc_index_t m = 1;
    for (cc_index_t o = 0; o < a->out; ++o)
        m = CC_MAX(m, a->count[o]);
    return m;
}

static void geom_init(pool_geom *g, const cc_pool_problem *p)
{
    const cc_pool_axis *a = p->ax;
    g->in_plane = a[0].in * a[1].in * a[2].in;
    g->out_plane = a[0].out * a[1].out * a[2].out;
    g->out_rows = a[0].out * a[1].out;
    g->maxrows = max_count(&a[0]) * max_count(&a[1]);
    g->work = (double)p->planes * (double)g->out_plane * (double)g->maxrows *
              (double)max_count(&a[2]);
    g->global = g->out_plane == 1;
    for (int i = 0; i < 3; ++i)
        g->global = g->global && a[i].first[0] == 0 && a[i].count[0] == a[i].in &&
                    (a[i].dilation == 1 || a[i].in == 1);
    if (g->global)
        g->work = (double)p->planes * (double)g->in_plane;
    g->edge_ok = 0;
    g->vs0 = 0;
}

/* What the selected kernels allow: see pool_geom. */
static void geom_kernels(pool_geom *g, const cc_pool_problem *p, const cc_pool_kernels *k)
{
    const cc_pool_axis *aw = &p->ax[2];
    if (!k->max_edge || aw->lo >= aw->hi)
        return;
    const cc_index_t s = aw->stride, d = aw->dilation, vs0 = aw->first[aw->lo] - aw->lo * s;
    /* The kernel's column arithmetic is 32-bit. */
    if ((double)aw->in + fabs((double)vs0) + (double)(aw->out + 64) * (double)s +
            (double)aw->kernel * (double)d >= (double)(1 << 30))
        return;
    for (cc_index_t o = 0; o < aw->out; ++o) {
        const cc_index_t v = vs0 + o * s;
        cc_index_t j0 = -1, n = 0;
        for (cc_index_t j = 0; j < aw->kernel; ++j)
            if (v + j * d >= 0 && v + j * d < aw->in) {
                j0 = j0 < 0 ? j : j0;
                ++n;
            }
        if (n == 0 || aw->count[o] != n || aw->first[o] != v + j0 * d)
            return;
    }
    g->edge_ok = 1;
    g->vs0 = vs0;
}

/* One output row's view: its input rows and how much the kernel may do. */
typedef struct {
    const cc_pool_axis *aw;
    cc_index_t nrows;
    const cc_index_t *rowoff;   /* [nrows] plane offset of each input row */
    cc_index_t simd_n;          /* interior outputs given to the kernel */
    cc_index_t divisor;         /* divisor_override or 0 */
    cc_index_t fac_dh;          /* divisor factor of the D and H axes */
    cc_index_t base;            /* plane offset of (first d, first h, 0) */
    int edge;                   /* the edge kernel does the other outputs */
    cc_index_t vs0;
} row_ctx;

static void row_init(row_ctx *rc, const pool_geom *g, const cc_pool_problem *p,
                     cc_index_t od, cc_index_t oh, cc_index_t *rows, size_t elem,
                     int with_idx)
{
    const cc_pool_axis *ad = &p->ax[0], *ah = &p->ax[1], *aw = &p->ax[2];
    cc_index_t n = 0;
    for (cc_index_t a = 0; a < ad->count[od]; ++a) {
        const cc_index_t d = ad->first[od] + a * ad->dilation;
        for (cc_index_t b = 0; b < ah->count[oh]; ++b)
            rows[n++] = (d * ah->in + ah->first[oh] + b * ah->dilation) * aw->in;
    }
    rc->aw = aw;
    rc->nrows = n;
    rc->rowoff = rows;
    rc->divisor = p->divisor;
    rc->fac_dh = ad->fac[od] * ah->fac[oh];
    rc->base = (ad->first[od] * ah->in + ah->first[oh]) * aw->in;
    rc->simd_n = aw->hi - aw->lo;
    rc->vs0 = g->vs0;
    const int idx32_ok = !(with_idx && elem == sizeof(float) && g->in_plane > INT_MAX);
    rc->edge = g->edge_ok && n > 0 && idx32_ok;
    if (rc->simd_n <= 0 || n == 0 || aw->stride > CC_POOL_SIMD_MAX_STRIDE ||
        aw->dilation > CC_POOL_SIMD_MAX_STRIDE || !idx32_ok) {
        rc->simd_n = 0;
        return;
    }
    /* The stride-2 load reads one element past the last tap: keep it in the
     * row. */
    if (aw->stride == 2 &&
        aw->first[aw->hi - 1] + (aw->kernel - 1) * aw->dilation + 1 >= aw->in)
        rc->simd_n -= 1;
}

/* Output rows (od, oh) in order, without a division per row. */
static void row_next(const cc_pool_problem *p, cc_index_t *od, cc_index_t *oh)
{
    if (++*oh == p->ax[1].out) {
        *oh = 0;
        ++*od;
    }
}

#define CC_TS(name) name##_f32
#define CC_TREF(name) name##_f32__ref
#define CC_T float
#include "pool_op_t.inc"
#undef CC_TS
#undef CC_TREF
#undef CC_T

#define CC_TS(name) name##_f64
#define CC_TREF(name) name##_f64__ref
#define CC_T double
#include "pool_op_t.inc"
#undef CC_TS
#undef CC_TREF
#undef CC_T

static int check(cc_dtype dt, const cc_pool_problem *p, int nt)
{
    if (!cc_dtype_in(dt, CC_POOL_DTYPE_SET) || nt < 1 || p->planes < 0)
        return CC_EINVAL;
    for (int i = 0; i < 3; ++i) {
        const cc_pool_axis *a = &p->ax[i];
        if (a->in < 0 || a->out < 0 || a->kernel < 1 || a->stride < 1 ||
            a->dilation < 1 || a->lo < 0 || a->hi < a->lo || a->hi > a->out)
            return CC_EINVAL;
    }
    return CC_OK;
}

static int empty(const cc_pool_problem *p)
{
    return p->planes == 0 || p->ax[0].out == 0 || p->ax[1].out == 0 || p->ax[2].out == 0;
}

int cc_maxpool_nd(cc_dtype dt, const cc_pool_problem *p, const void *x,
                  void *out, int64_t *idx, cc_isa isa, int num_threads)
{
    int st = check(dt, p, num_threads);
    if (st != CC_OK || empty(p))
        return st;
    const cc_pool_kernels *k = cc_pool_select(dt, isa);
    return dt == CC_DT_F32 ? maxpool_f32(p, x, out, idx, k, num_threads)
                             : maxpool_f64(p, x, out, idx, k, num_threads);
}

int cc_avgpool_nd(cc_dtype dt, const cc_pool_problem *p, const void *x,
                  void *out, cc_isa isa, int num_threads)
{
    int st = check(dt, p, num_threads);
    if (st != CC_OK || empty(p))
        return st;
    const cc_pool_kernels *k = cc_pool_select(dt, isa);
    return dt == CC_DT_F32 ? avgpool_f32(p, x, out, k, num_threads)
                             : avgpool_f64(p, x, out, k, num_threads);
}

/* An empty output has no gradient to spread: dL/dx is all zeros. */
static int zero_grad_in(cc_dtype dt, const cc_pool_problem *p, void *grad_in)
{
    const size_t n = (size_t)(p->planes * p->ax[0].in * p->ax[1].in * p->ax[2].in);
    memset(grad_in, 0, n * (dt == CC_DT_F32 ? sizeof(float) : sizeof(double)));
    return CC_OK;
}

int cc_maxpool_nd_bwd(cc_dtype dt, const cc_pool_problem *p,
                      const void *x, const void *grad_out, void *grad_in,
                      cc_isa isa, int num_threads)
{
    int st = check(dt, p, num_threads);
    if (st != CC_OK)
        return st;
    if (empty(p))
        return zero_grad_in(dt, p, grad_in);
    const cc_pool_kernels *k = cc_pool_select(dt, isa);
    return dt == CC_DT_F32 ? maxpool_bwd_f32(p, x, grad_out, grad_in, k, num_threads)
                             : maxpool_bwd_f64(p, x, grad_out, grad_in, k, num_threads);
}

int cc_avgpool_nd_bwd(cc_dtype dt, const cc_pool_problem *p,
                      const void *grad_out, void *grad_in, int num_threads)
{
    int st = check(dt, p, num_threads);
    if (st != CC_OK)
        return st;
    if (empty(p))
        return zero_grad_in(dt, p, grad_in);
    return dt == CC_DT_F32 ? avgpool_bwd_f32(p, grad_out, grad_in, num_threads)
                             : avgpool_bwd_f64(p, grad_out, grad_in, num_threads);
}

int cc_maxunpool(cc_dtype dt, cc_index_t planes, cc_index_t in_plane,
                 cc_index_t out_plane, const void *x, const int64_t *idx,
                 void *out, int num_threads, int64_t *bad)
{
    if (!cc_dtype_in(dt, CC_POOL_DTYPE_SET) || num_threads < 1 || planes < 0 ||
        in_plane < 0 || out_plane < 0)
        return CC_EINVAL;
    return dt == CC_DT_F32
        ? maxunpool_f32(planes, in_plane, out_plane, x, idx, out, num_threads, bad)
        : maxunpool_f64(planes, in_plane, out_plane, x, idx, out, num_threads, bad);
}
