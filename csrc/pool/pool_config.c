/* Config: which kernels of the pooling family run for a dtype at an ISA
 * level, chosen from the one variant list in pool.h. */
#include "pool.h"

/* The AVX-512 variants alone have the masked row kernel. */
#define CC_POOL_EDGE_f32__ref NULL
#define CC_POOL_EDGE_f64__ref NULL
#define CC_POOL_EDGE_f32__avx2 NULL
#define CC_POOL_EDGE_f64__avx2 NULL
#define CC_POOL_EDGE_f32__avx512 (cc_fnptr)cc_maxpool_edge_f32__avx512
#define CC_POOL_EDGE_f64__avx512 (cc_fnptr)cc_maxpool_edge_f64__avx512
#define CC_POOL_ENTRY(isa, dt, T, sfx)                                 \
    {{isa, dt}, {isa, (cc_fnptr)cc_maxpool_row_##sfx,                  \
                 (cc_fnptr)cc_maxpool_row_idx_##sfx,                   \
                 (cc_fnptr)cc_avgpool_row_##sfx, (cc_fnptr)cc_plane_means_##sfx, \
                 CC_POOL_EDGE_##sfx}},
static const struct {
    cc_variant_tag tag;  /* key: the dtype code */
    cc_pool_kernels k;
} variants[] = {CC_POOL_VARIANTS(CC_POOL_ENTRY)};
#undef CC_POOL_ENTRY

const cc_pool_kernels *cc_pool_select(cc_dtype dt, cc_isa isa)
{
    const ptrdiff_t i = CC_SELECT_VARIANT(variants, (int)dt, isa, NULL);
    return i < 0 ? NULL : &variants[i].k;
}
