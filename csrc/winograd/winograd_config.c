/* Config: which Winograd kernels run for a dtype at an ISA level, chosen
 * once per call from the variant lists in winograd.h. */
#include "winograd.h"

#define CC_WINO_ENTRY(isa, dt, T, sfx, lanes, nb, kb) \
    {{isa, dt}, {isa, dt, cc_wino_input_##sfx, cc_wino_gemm_##sfx, cc_wino_output_##sfx, \
      cc_wino_filter_##sfx, lanes, nb, kb}},
static const struct {
    cc_variant_tag tag;  /* key: the dtype code */
    cc_wino_kernels k;
} variants[] = {
    CC_WINO_REF_VARIANTS(CC_WINO_ENTRY)
    CC_WINO_SIMD_VARIANTS(CC_WINO_ENTRY)
};
#undef CC_WINO_ENTRY

const cc_wino_kernels *cc_wino_select(cc_dtype dt, cc_isa isa)
{
    const ptrdiff_t i = CC_SELECT_VARIANT(variants, (int)dt, isa, NULL);
    return i < 0 ? NULL : &variants[i].k;
}

int cc_wino_variants(int *isa, int *dt, int max)
{
    const int count = (int)(sizeof(variants) / sizeof(variants[0]));
    for (int i = 0; i < count && i < max; ++i) {
        isa[i] = (int)variants[i].tag.isa;
        dt[i] = variants[i].tag.key;
    }
    return count;
}
