/* Config: which kernels of the direct layer convolution (forward and weight
 * gradient) run for a dtype at an ISA level, chosen once per call from the
 * variant lists in conv.h. */
#include "conv.h"

#define CC_CONV_ENTRY(isa, dt, T, sfx, lanes, ocb, ur, dwnr) \
    {{isa, dt}, {isa, dt, NULL, cc_conv_tile_##sfx, cc_conv_dwplane_##sfx, lanes, ocb * lanes, ur, dwnr}},
static const struct {
    cc_variant_tag tag;  /* key: the dtype code */
    cc_conv_kernels k;
} variants[] = {
    {{CC_ISA_SCALAR, CC_DT_F32}, {CC_ISA_SCALAR, CC_DT_F32, (cc_fnptr)cc_conv_f32__ref, NULL, NULL, 1, 1, 1, 1}},
    {{CC_ISA_SCALAR, CC_DT_F64}, {CC_ISA_SCALAR, CC_DT_F64, (cc_fnptr)cc_conv_f64__ref, NULL, NULL, 1, 1, 1, 1}},
    CC_CONV_SIMD_VARIANTS(CC_CONV_ENTRY)
};
#undef CC_CONV_ENTRY

const cc_conv_kernels *cc_conv_select(cc_dtype dt, cc_isa isa)
{
    const ptrdiff_t i = CC_SELECT_VARIANT(variants, (int)dt, isa, NULL);
    return i < 0 ? NULL : &variants[i].k;
}

int cc_conv_variants(int *isa, int *dt, int max)
{
    const int count = (int)(sizeof(variants) / sizeof(variants[0]));
    for (int i = 0; i < count && i < max; ++i) {
        isa[i] = (int)variants[i].tag.isa;
        dt[i] = variants[i].tag.key;
    }
    return count;
}

/* ---- weight gradient ----------------------------------------------------- */

#define CC_CONV_DWEIGHT_ENTRY(isa, dt, T, sfx, lanes, ocb, nr)                      \
    {{isa, dt}, {isa, dt, NULL, cc_conv_dwtile_##sfx, (cc_fnptr)cc_conv_dwpack_##sfx,   \
                 (cc_fnptr)cc_conv_dwdot_##sfx, lanes, ocb * lanes, nr}},
static const struct {
    cc_variant_tag tag;  /* key: the dtype code */
    cc_conv_dweight_kernels k;
} dweight_variants[] = {
    {{CC_ISA_SCALAR, CC_DT_F32},
     {CC_ISA_SCALAR, CC_DT_F32, (cc_fnptr)cc_conv_dweight_f32__ref, NULL, NULL, NULL, 1, 1, 1}},
    {{CC_ISA_SCALAR, CC_DT_F64},
     {CC_ISA_SCALAR, CC_DT_F64, (cc_fnptr)cc_conv_dweight_f64__ref, NULL, NULL, NULL, 1, 1, 1}},
    CC_CONV_DWEIGHT_SIMD_VARIANTS(CC_CONV_DWEIGHT_ENTRY)
};
#undef CC_CONV_DWEIGHT_ENTRY

const cc_conv_dweight_kernels *cc_conv_dweight_select(cc_dtype dt, cc_isa isa)
{
    const ptrdiff_t i = CC_SELECT_VARIANT(dweight_variants, (int)dt, isa, NULL);
    return i < 0 ? NULL : &dweight_variants[i].k;
}

int cc_conv_dweight_variants(int *isa, int *dt, int max)
{
    const int count = (int)(sizeof(dweight_variants) / sizeof(dweight_variants[0]));
    for (int i = 0; i < count && i < max; ++i) {
        isa[i] = (int)dweight_variants[i].tag.isa;
        dt[i] = dweight_variants[i].tag.key;
    }
    return count;
}
