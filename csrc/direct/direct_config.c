/* Config: which row micro-kernel runs for a dtype at an ISA level. */
#include "direct.h"

typedef struct {
    cc_variant_tag tag;  /* key: the dtype code */
    cc_fnptr fn;
} cc_row_variant;

#define CC_REF_ENTRY(code, sfx, T, zero, mac) \
    {{CC_ISA_SCALAR, code}, (cc_fnptr)cc_corr_row_##sfx##__ref},
#define CC_SIMD_ENTRY(isa, dt, T, name) {{isa, dt}, (cc_fnptr)name},
static const cc_row_variant rows[] = {
    CC_DIRECT_DTYPES(CC_REF_ENTRY)
#if CC_HAVE_X86_KERNELS
    CC_CORR_ROW_SIMD_VARIANTS(CC_SIMD_ENTRY)
#endif
};
#undef CC_REF_ENTRY
#undef CC_SIMD_ENTRY

cc_fnptr cc_corr_row_select(cc_dtype dt, cc_isa isa, cc_isa *chosen)
{
    const ptrdiff_t i = CC_SELECT_VARIANT(rows, (int)dt, isa, chosen);
    return i < 0 ? NULL : rows[i].fn;
}
