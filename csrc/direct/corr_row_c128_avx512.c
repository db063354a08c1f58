#include "direct.h"
#if CC_HAVE_X86_KERNELS
#define CC_SIMD_F64
#include "cc_simd_avx512.h"

#define CC_ROW_NAME cc_corr_row_c128__avx512
#define CC_ROW_TILE_NAME corr_tile_c128_avx512
#define CC_T cc_c128
#define CC_R double
#define CC_VN (CC_VLANES / 2)
#define CC_MASK(rem) CC_VMASK_FIRST(2 * (rem))
#include "corr_row_cplx_simd.inc"
#endif
