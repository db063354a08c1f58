#include "direct.h"
#if CC_HAVE_X86_KERNELS
#pragma GCC target("avx512f,avx2,fma")
#include <immintrin.h>

#define CC_ROW_NAME cc_corr_row_c128__avx512
#define CC_ROW_TILE_NAME corr_tile_c128_avx512
#define CC_T cc_c128
#define CC_R double
#define CC_V __m512d
#define CC_VN 4
#define CC_VZERO() _mm512_setzero_pd()
#define CC_VSET1(s) _mm512_set1_pd(s)
#define CC_VLOADU(p) _mm512_loadu_pd(p)
#define CC_VSTOREU(p, v) _mm512_storeu_pd((p), (v))
#define CC_VFMA(a, b, c) _mm512_fmadd_pd((a), (b), (c))
#define CC_VSWAP(v) _mm512_permute_pd((v), 0x55)
/* AVX-512 has no addsub: subtract, then add into the odd (imaginary)
 * lanes (as the FFT family's spectral product); one rounding per lane. */
#define CC_VADDSUB(a, b) \
    _mm512_mask_add_pd(_mm512_sub_pd((a), (b)), (__mmask8)0xAA, (a), (b))
#define CC_MASK_T __mmask8
#define CC_MASK(rem) ((__mmask8)((1u << (2 * (rem))) - 1u))
#define CC_VLOADU_MASK(p, m) _mm512_maskz_loadu_pd((m), (p))
#define CC_VSTOREU_MASK(p, m, v) _mm512_mask_storeu_pd((p), (m), (v))
#include "corr_row_cplx_simd.inc"
#endif
