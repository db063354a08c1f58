#include "direct.h"
#if CC_HAVE_X86_KERNELS
#pragma GCC target("avx2,fma")
#include "avx2_defs.h"

#define CC_ROW_NAME cc_corr_row_c128__avx2
#define CC_ROW_TILE_NAME corr_tile_c128_avx2
#define CC_T cc_c128
#define CC_R double
#define CC_V __m256d
#define CC_VN 2
#define CC_VZERO() _mm256_setzero_pd()
#define CC_VSET1(s) _mm256_set1_pd(s)
#define CC_VLOADU(p) _mm256_loadu_pd(p)
#define CC_VSTOREU(p, v) _mm256_storeu_pd((p), (v))
#define CC_VFMA(a, b, c) _mm256_fmadd_pd((a), (b), (c))
#define CC_VSWAP(v) _mm256_permute_pd((v), 0x5)
#define CC_VADDSUB(a, b) _mm256_addsub_pd((a), (b))
#define CC_MASK_T __m256i
#define CC_MASK(rem) CC_AVX2_MASK64(2 * (rem))
#define CC_VLOADU_MASK(p, m) _mm256_maskload_pd((p), (m))
#define CC_VSTOREU_MASK(p, m, v) _mm256_maskstore_pd((p), (m), (v))
#include "corr_row_cplx_simd.inc"
#endif
