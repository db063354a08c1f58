#include "direct.h"
#if CC_HAVE_X86_KERNELS
#define CC_SIMD_F64
#include "cc_simd_avx512.h"

#define CC_ROW_NAME cc_corr_row_f64__avx512
#define CC_ROW_TILE_NAME corr_tile_f64_avx512
#define CC_ROWS_NAME cc_corr_rows_f64__avx512
#define CC_ROWS_TILE_NAME corr_rows_tile_f64_avx512
#define CC_ROWS_NAME_PART corr_rows_part_f64_avx512
#define CC_ROWS_BODY corr_rows_body_f64_avx512
#define CC_BLK_R 4
#define CC_BLK_U 4
#define CC_T double
#define CC_VN CC_VLANES
#define CC_MASK(rem) CC_VMASK_FIRST(rem)
#include "corr_row_simd.inc"
#endif
