/* Driver of the spectral product (contract in fft.h).
 *
 * Work items are fixed blocks of CC_SPEC_BLOCK complex values within a row,
 * so the split never depends on the thread count and every element is
 * computed by the same kernel code whatever the threads.  The products are
 * elementwise: results are bit-identical for every thread count.
 */
#include "fft.h"

/* Complex values per work item: 32 KiB of each operand at complex128. */
#define CC_SPEC_BLOCK 2048
/* Below this many complex values a call stays on the calling thread.  The
 * product is memory-bound (AVX2, one thread: 546k complex128 in 0.38 ms on
 * the Zen 3 dev box) and a second thread on a busy machine made the same
 * call 10x slower (a barrier waiting on a descheduled thread); only
 * products past ~16 MB gain enough bandwidth to risk it. */
#define CC_SPEC_PARALLEL_MIN (1 << 20)

typedef void (*cc_spec_fn_f32) CC_SPEC_SIGNATURE(float);
typedef void (*cc_spec_fn_f64) CC_SPEC_SIGNATURE(double);

int cc_spectral(cc_fft_dtype dt, cc_spec_op op, cc_index_t nrows, cc_index_t n,
                const void *a, const cc_index_t *a_off,
                const void *b, const cc_index_t *b_off,
                void *out, cc_isa isa, int num_threads)
{
    if (dt < 0 || dt >= CC_FFT_DT_COUNT || op < 0 || op >= CC_SPEC_OP_COUNT
        || nrows < 0 || n < 0 || num_threads < 1)
        return CC_EINVAL;
    if (nrows == 0 || n == 0)
        return CC_OK;
    const cc_spec_fnptr fn = cc_spec_select(dt, op, isa, 0);
    const cc_index_t per_row = (n + CC_SPEC_BLOCK - 1) / CC_SPEC_BLOCK;
    const cc_index_t nblocks = nrows * per_row;
    const int parallel = num_threads > 1 && nrows * n >= CC_SPEC_PARALLEL_MIN;
    (void)parallel;

#pragma omp parallel for schedule(static) num_threads(num_threads) if(parallel)
    for (cc_index_t blk = 0; blk < nblocks; ++blk) {
        const cc_index_t r = blk / per_row;
        const cc_index_t c0 = (blk % per_row) * CC_SPEC_BLOCK;
        const cc_index_t len = CC_MIN((cc_index_t)CC_SPEC_BLOCK, n - c0);
        /* Offsets in complex values; two reals each. */
        const cc_index_t ao = (a_off ? a_off[r] : r * n) + c0;
        const cc_index_t bo = (b_off ? b_off[r] : r * n) + c0;
        const cc_index_t oo = r * n + c0;
        if (dt == CC_FFT_C64)
            ((cc_spec_fn_f32)fn)(len, (const float *)a + 2 * ao,
                                 (const float *)b + 2 * bo, (float *)out + 2 * oo);
        else
            ((cc_spec_fn_f64)fn)(len, (const double *)a + 2 * ao,
                                 (const double *)b + 2 * bo, (double *)out + 2 * oo);
    }
    return CC_OK;
}
