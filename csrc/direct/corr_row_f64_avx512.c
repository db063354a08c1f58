#include "direct.h"
#if CC_HAVE_X86_KERNELS
#pragma GCC target("avx512f,avx2,fma")
#include <immintrin.h>

#define CC_ROW_NAME cc_corr_row_f64__avx512
#define CC_ROW_TILE_NAME corr_tile_f64_avx512
#define CC_ROWS_NAME cc_corr_rows_f64__avx512
#define CC_ROWS_TILE_NAME corr_rows_tile_f64_avx512
#define CC_ROWS_NAME_PART corr_rows_part_f64_avx512
#define CC_ROWS_BODY corr_rows_body_f64_avx512
#define CC_BLK_R 4
#define CC_BLK_U 4
#define CC_T double
#define CC_V __m512d
#define CC_VN 8
#define CC_VZERO() _mm512_setzero_pd()
#define CC_VSET1(s) _mm512_set1_pd(s)
#define CC_VLOADU(p) _mm512_loadu_pd(p)
#define CC_VSTOREU(p, v) _mm512_storeu_pd((p), (v))
#define CC_VFMA(a, b, c) _mm512_fmadd_pd((a), (b), (c))
#define CC_MASK_T __mmask8
#define CC_MASK(rem) ((__mmask8)((1u << (rem)) - 1u))
#define CC_VLOADU_MASK(p, m) _mm512_maskz_loadu_pd((m), (p))
#define CC_VSTOREU_MASK(p, m, v) _mm512_mask_storeu_pd((p), (m), (v))
#include "corr_row_simd.inc"
#endif
