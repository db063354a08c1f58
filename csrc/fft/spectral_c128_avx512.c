#include "fft.h"
#if CC_HAVE_X86_KERNELS
#pragma GCC target("avx512f,avx2,fma")
#include <immintrin.h>

#define CC_MUL_NAME cc_specmul_c128__avx512
#define CC_MAC_NAME cc_specmac_c128__avx512
#define CC_T double
#define CC_V __m512d
#define CC_ODD_LANES ((__mmask8)0xAA)
#define CC_VN 8
#define CC_VLOADU(p) _mm512_loadu_pd(p)
#define CC_VSTOREU(p, v) _mm512_storeu_pd((p), (v))
#define CC_VMUL(a, b) _mm512_mul_pd((a), (b))
#define CC_VADD(a, b) _mm512_add_pd((a), (b))
/* AVX-512 has no addsub: subtract, then add into the odd (imaginary)
 * lanes; each lane rounds once, as addsub does. */
#define CC_VADDSUB(a, b) \
    _mm512_mask_add_pd(_mm512_sub_pd((a), (b)), CC_ODD_LANES, (a), (b))
#define CC_DUP_RE(v) _mm512_movedup_pd(v)
#define CC_DUP_IM(v) _mm512_permute_pd((v), 0xFF)
#define CC_SWAP(v) _mm512_permute_pd((v), 0x55)
#include "spectral_simd.inc"
#endif
