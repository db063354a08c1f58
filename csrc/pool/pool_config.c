/* Config: which kernels of the pooling family run for a dtype at an ISA
 * level, chosen from the one variant list in pool.h. */
#include "pool.h"

/* The AVX-512 variants alone have the masked row kernel. */
#define CC_POOL_EDGE_f32__ref NULL
#define CC_POOL_EDGE_f64__ref NULL
#define CC_POOL_EDGE_f32__avx2 NULL
#define CC_POOL_EDGE_f64__avx2 NULL
#define CC_POOL_EDGE_f32__avx512 (cc_pool_fnptr)cc_maxpool_edge_f32__avx512
#define CC_POOL_EDGE_f64__avx512 (cc_pool_fnptr)cc_maxpool_edge_f64__avx512
#define CC_POOL_ENTRY(isa, dt, T, sfx)                                 \
    {isa, dt, {isa, (cc_pool_fnptr)cc_maxpool_row_##sfx,               \
               (cc_pool_fnptr)cc_maxpool_row_idx_##sfx,                \
               (cc_pool_fnptr)cc_avgpool_row_##sfx, (cc_pool_fnptr)cc_plane_means_##sfx, \
               CC_POOL_EDGE_##sfx}},
static const struct {
    cc_isa isa;
    cc_pool_dtype dt;
    cc_pool_kernels k;
} variants[] = {CC_POOL_VARIANTS(CC_POOL_ENTRY)};
#undef CC_POOL_ENTRY
#define CC_N_VARIANTS (sizeof variants / sizeof variants[0])

static cc_isa cpu_isa(void)
{
    /* Detected once; a racing first call stores the same value. */
    static int detected = -1;
    if (detected < 0)
        detected = (int)cc_cpu_best_isa();
    return (cc_isa)detected;
}

const cc_pool_kernels *cc_pool_select(cc_pool_dtype dt, cc_isa isa)
{
    const cc_pool_kernels *best = NULL;
    isa = CC_MIN(isa, cpu_isa());  /* never above what the CPU has */
    for (size_t i = 0; i < CC_N_VARIANTS; ++i)
        if (variants[i].dt == dt && variants[i].isa <= isa &&
            (!best || variants[i].isa > best->isa))
            best = &variants[i].k;
    return best;  /* the scalar reference is always in the list */
}
