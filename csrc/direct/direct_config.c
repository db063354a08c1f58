/* Config: which row micro-kernel, and which block kernel, runs for a dtype
 * at an ISA level. */
#include "direct.h"

typedef struct {
    cc_variant_tag tag;  /* key: the dtype code */
    cc_fnptr fn;
} cc_row_variant;

typedef struct {
    cc_variant_tag tag;  /* key: the dtype code */
    cc_fnptr fn;
    int rmax;            /* the most output rows one call takes */
} cc_rows_variant;

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

#if CC_HAVE_X86_KERNELS
#define CC_SIMD_ROWS_ENTRY(isa, dt, T, name, rmax) {{isa, dt}, (cc_fnptr)name, rmax},
static const cc_rows_variant blocks[] = {CC_CORR_ROWS_SIMD_VARIANTS(CC_SIMD_ROWS_ENTRY)};
#undef CC_SIMD_ROWS_ENTRY
#endif

cc_fnptr cc_corr_row_select(cc_dtype dt, cc_isa isa, cc_isa *chosen)
{
    const ptrdiff_t i = CC_SELECT_VARIANT(rows, (int)dt, isa, chosen);
    return i < 0 ? NULL : rows[i].fn;
}

cc_fnptr cc_corr_rows_select(cc_dtype dt, cc_isa isa, int *rmax)
{
    *rmax = 1;
#if CC_HAVE_X86_KERNELS
    /* Exactly the row kernel's level: a block's rows must equal the rows
     * that kernel computes alone, bit for bit. */
    cc_isa level;
    const ptrdiff_t i = CC_SELECT_VARIANT(blocks, (int)dt, isa, &level);
    if (i >= 0 && level == isa) {
        *rmax = blocks[i].rmax;
        return blocks[i].fn;
    }
#else
    (void)dt;
    (void)isa;
#endif
    return NULL;
}
