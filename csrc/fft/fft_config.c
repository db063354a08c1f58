/* Config: which spectral kernel runs for a dtype and op at an ISA level. */
#include "fft.h"

typedef struct {
    cc_variant_tag tag;  /* key: SPEC_KEY(dtype, op) */
    cc_fnptr fn;
} cc_spec_variant;

#define SPEC_KEY(dt, op) ((int)(dt) * CC_SPEC_OP_COUNT + (int)(op))

#define CC_SPEC_ENTRY(isa, dt, op, T, name) {{isa, SPEC_KEY(dt, op)}, (cc_fnptr)name},
static const cc_spec_variant variants[] = {
    CC_SPEC_VARIANTS_REF(CC_SPEC_ENTRY)
#if CC_HAVE_X86_KERNELS
    CC_SPEC_VARIANTS_SIMD(CC_SPEC_ENTRY)
#endif
};
#undef CC_SPEC_ENTRY

cc_fnptr cc_spec_select(cc_dtype dt, cc_spec_op op, cc_isa isa, cc_isa *chosen)
{
    const ptrdiff_t i = CC_SELECT_VARIANT(variants, SPEC_KEY(dt, op), isa, chosen);
    return i < 0 ? NULL : variants[i].fn;
}
