/* Driver of the spectral product (contract in fft.h).
 *
 * Work items are fixed blocks of CC_SPEC_BLOCK complex values within a row,
 * taken in chunks by the threads of cc_parallel; every element is computed
 * by the same kernel code whatever the threads.  The products are
 * elementwise: results are bit-identical for every thread count.
 */
#include "fft.h"

/* Complex values per work item: 32 KiB of each operand at complex128. */
#define CC_SPEC_BLOCK 2048
/* Below this many complex values a call stays on the calling thread: the
 * product is memory-bound (AVX2, one thread: 546k complex128 in 0.38 ms on
 * the Zen 3 dev box), and only products past ~16 MB gain bandwidth enough
 * from a second thread to pay for waking it. */
#define CC_SPEC_PARALLEL_MIN (1 << 20)

typedef void (*cc_spec_fn_f32) CC_SPEC_SIGNATURE(float);
typedef void (*cc_spec_fn_f64) CC_SPEC_SIGNATURE(double);

typedef struct {
    cc_dtype dt;
    cc_fnptr fn;
    cc_index_t n, per_row;
    const void *a, *b;
    const cc_index_t *a_off, *b_off;
    void *out;
} spec_job;

/* Blocks [begin, end) of the rows x columns space. */
static void spec_blocks(void *ctx, cc_index_t begin, cc_index_t end, int worker)
{
    const spec_job *j = ctx;
    (void)worker;
    for (cc_index_t blk = begin; blk < end; ++blk) {
        const cc_index_t r = blk / j->per_row;
        const cc_index_t c0 = (blk % j->per_row) * CC_SPEC_BLOCK;
        const cc_index_t len = CC_MIN((cc_index_t)CC_SPEC_BLOCK, j->n - c0);
        /* Offsets in complex values; two reals each. */
        const cc_index_t ao = (j->a_off ? j->a_off[r] : r * j->n) + c0;
        const cc_index_t bo = (j->b_off ? j->b_off[r] : r * j->n) + c0;
        const cc_index_t oo = r * j->n + c0;
        if (j->dt == CC_DT_C64)
            ((cc_spec_fn_f32)j->fn)(len, (const float *)j->a + 2 * ao,
                                    (const float *)j->b + 2 * bo, (float *)j->out + 2 * oo);
        else
            ((cc_spec_fn_f64)j->fn)(len, (const double *)j->a + 2 * ao,
                                    (const double *)j->b + 2 * bo, (double *)j->out + 2 * oo);
    }
}

int cc_spectral(cc_dtype dt, cc_spec_op op, cc_index_t nrows, cc_index_t n,
                const void *a, const cc_index_t *a_off,
                const void *b, const cc_index_t *b_off,
                void *out, cc_isa isa, int num_threads)
{
    if (!cc_dtype_in(dt, CC_SPEC_DTYPE_SET) || op < 0 || op >= CC_SPEC_OP_COUNT
        || nrows < 0 || n < 0 || num_threads < 1)
        return CC_EINVAL;
    if (nrows == 0 || n == 0)
        return CC_OK;
    spec_job job = {dt, cc_spec_select(dt, op, isa, 0), n, (n + CC_SPEC_BLOCK - 1) / CC_SPEC_BLOCK,
                    a, b, a_off, b_off, out};
    const cc_index_t nblocks = nrows * job.per_row;
    const int threads = nrows * n >= CC_SPEC_PARALLEL_MIN ? num_threads : 1;
    cc_parallel_for(nblocks, CC_PARALLEL_AUTO_CHUNK, threads, spec_blocks, &job);
    return CC_OK;
}
