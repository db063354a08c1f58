/* Config: which spectral kernel runs for a dtype and op at an ISA level. */
#include "fft.h"

typedef struct {
    cc_isa isa;
    cc_fft_dtype dt;
    cc_spec_op op;
    cc_spec_fnptr fn;
} cc_spec_variant;

#define CC_SPEC_ENTRY(isa, dt, op, T, name) {isa, dt, op, (cc_spec_fnptr)name},
static const cc_spec_variant variants[] = {
    CC_SPEC_VARIANTS_REF(CC_SPEC_ENTRY)
#if CC_HAVE_X86_KERNELS
    CC_SPEC_VARIANTS_SIMD(CC_SPEC_ENTRY)
#endif
};
#undef CC_SPEC_ENTRY
#define CC_N_VARIANTS (sizeof variants / sizeof variants[0])

cc_spec_fnptr cc_spec_select(cc_fft_dtype dt, cc_spec_op op, cc_isa isa, cc_isa *chosen)
{
    cc_spec_fnptr fn = 0;
    cc_isa level = CC_ISA_SCALAR;
    /* Never above what the CPU has, whatever the caller asks. */
    isa = CC_MIN(isa, cc_cpu_best_isa());
    for (size_t i = 0; i < CC_N_VARIANTS; ++i) {
        const cc_spec_variant *v = &variants[i];
        if (v->dt == dt && v->op == op && v->isa <= isa && (!fn || v->isa > level)) {
            fn = v->fn;
            level = v->isa;
        }
    }
    if (chosen)
        *chosen = level;
    return fn;
}
