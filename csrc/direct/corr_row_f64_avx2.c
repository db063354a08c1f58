#include "direct.h"
#if CC_HAVE_X86_KERNELS
#pragma GCC target("avx2,fma")
#include "avx2_defs.h"

#define CC_ROW_NAME cc_corr_row_f64__avx2
#define CC_ROW_TILE_NAME corr_tile_f64_avx2
#define CC_ROWS_NAME cc_corr_rows_f64__avx2
#define CC_ROWS_TILE_NAME corr_rows_tile_f64_avx2
#define CC_ROWS_NAME_PART corr_rows_part_f64_avx2
#define CC_ROWS_BODY corr_rows_body_f64_avx2
#define CC_BLK_R 2
#define CC_BLK_U 4
#define CC_T double
#define CC_V __m256d
#define CC_VN 4
#define CC_VZERO() _mm256_setzero_pd()
#define CC_VSET1(s) _mm256_set1_pd(s)
#define CC_VLOADU(p) _mm256_loadu_pd(p)
#define CC_VSTOREU(p, v) _mm256_storeu_pd((p), (v))
#define CC_VFMA(a, b, c) _mm256_fmadd_pd((a), (b), (c))
#define CC_MASK_T __m256i
#define CC_MASK(rem) CC_AVX2_MASK64(rem)
#define CC_VLOADU_MASK(p, m) _mm256_maskload_pd((p), (m))
#define CC_VSTOREU_MASK(p, m, v) _mm256_maskstore_pd((p), (m), (v))
#include "corr_row_simd.inc"
#endif
