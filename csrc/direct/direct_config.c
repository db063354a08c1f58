/* Config: which row micro-kernel runs for a dtype at an ISA level. */
#include "direct.h"

typedef struct {
    cc_isa isa;
    cc_dtype dt;
    cc_fnptr fn;
} cc_row_variant;

#define CC_REF_ENTRY(code, sfx, T, zero, mac) [code] = (cc_fnptr)cc_corr_row_##sfx##__ref,
static const cc_fnptr ref_rows[CC_DT_COUNT] = {CC_DIRECT_DTYPES(CC_REF_ENTRY)};
#undef CC_REF_ENTRY

#if CC_HAVE_X86_KERNELS
#define CC_SIMD_ENTRY(isa, dt, T, name) {isa, dt, (cc_fnptr)name},
static const cc_row_variant simd_rows[] = {CC_CORR_ROW_SIMD_VARIANTS(CC_SIMD_ENTRY)};
#undef CC_SIMD_ENTRY
#define CC_N_SIMD_ROWS (sizeof simd_rows / sizeof simd_rows[0])

typedef struct {
    cc_isa isa;
    cc_dtype dt;
    cc_fnptr fn;
    int rmax;
} cc_rows_variant;

#define CC_SIMD_ROWS_ENTRY(isa, dt, T, name, rmax) {isa, dt, (cc_fnptr)name, rmax},
static const cc_rows_variant simd_blocks[] = {CC_CORR_ROWS_SIMD_VARIANTS(CC_SIMD_ROWS_ENTRY)};
#undef CC_SIMD_ROWS_ENTRY
#define CC_N_SIMD_BLOCKS (sizeof simd_blocks / sizeof simd_blocks[0])
#endif

cc_fnptr cc_corr_row_select(cc_dtype dt, cc_isa isa, cc_isa *chosen)
{
    cc_fnptr fn = ref_rows[dt];
    cc_isa level = CC_ISA_SCALAR;
    /* Never above what the CPU has, whatever the caller asks.  The check
     * reads libgcc's feature flags: a few nanoseconds, no shared state. */
    isa = CC_MIN(isa, cc_cpu_best_isa());
#if CC_HAVE_X86_KERNELS
    for (size_t i = 0; i < CC_N_SIMD_ROWS; ++i) {
        const cc_row_variant *v = &simd_rows[i];
        if (v->dt == dt && v->isa <= isa && v->isa > level) {
            fn = v->fn;
            level = v->isa;
        }
    }
#endif
    if (chosen)
        *chosen = level;
    return fn;
}

cc_fnptr cc_corr_rows_select(cc_dtype dt, cc_isa isa, int *rmax)
{
    *rmax = 1;
#if CC_HAVE_X86_KERNELS
    if (isa > cc_cpu_best_isa())
        return NULL;
    for (size_t i = 0; i < CC_N_SIMD_BLOCKS; ++i)
        if (simd_blocks[i].dt == dt && simd_blocks[i].isa == isa) {
            *rmax = simd_blocks[i].rmax;
            return simd_blocks[i].fn;
        }
#else
    (void)dt;
    (void)isa;
#endif
    return NULL;
}
