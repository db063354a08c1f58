#include "direct.h"
#if CC_HAVE_X86_KERNELS
#pragma GCC target("avx512f,avx2,fma")
#include <immintrin.h>

#define CC_ROW_NAME cc_corr_row_c64__avx512
#define CC_ROW_TILE_NAME corr_tile_c64_avx512
#define CC_T cc_c64
#define CC_R float
#define CC_V __m512
#define CC_VN 8
#define CC_VZERO() _mm512_setzero_ps()
#define CC_VSET1(s) _mm512_set1_ps(s)
#define CC_VLOADU(p) _mm512_loadu_ps(p)
#define CC_VSTOREU(p, v) _mm512_storeu_ps((p), (v))
#define CC_VFMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define CC_VSWAP(v) _mm512_permute_ps((v), 0xB1)
/* AVX-512 has no addsub: subtract, then add into the odd (imaginary)
 * lanes (as the FFT family's spectral product); one rounding per lane. */
#define CC_VADDSUB(a, b) \
    _mm512_mask_add_ps(_mm512_sub_ps((a), (b)), (__mmask16)0xAAAA, (a), (b))
#define CC_MASK_T __mmask16
#define CC_MASK(rem) ((__mmask16)((1u << (2 * (rem))) - 1u))
#define CC_VLOADU_MASK(p, m) _mm512_maskz_loadu_ps((m), (p))
#define CC_VSTOREU_MASK(p, m, v) _mm512_mask_storeu_ps((p), (m), (v))
#include "corr_row_cplx_simd.inc"
#endif
