#include "fft.h"
#if CC_HAVE_X86_KERNELS
#pragma GCC target("avx512f,avx2,fma")
#include <immintrin.h>

#define CC_MUL_NAME cc_specmul_c64__avx512
#define CC_MAC_NAME cc_specmac_c64__avx512
#define CC_T float
#define CC_V __m512
#define CC_ODD_LANES ((__mmask16)0xAAAA)
#define CC_VN 16
#define CC_VLOADU(p) _mm512_loadu_ps(p)
#define CC_VSTOREU(p, v) _mm512_storeu_ps((p), (v))
#define CC_VMUL(a, b) _mm512_mul_ps((a), (b))
#define CC_VADD(a, b) _mm512_add_ps((a), (b))
/* AVX-512 has no addsub: subtract, then add into the odd (imaginary)
 * lanes; each lane rounds once, as addsub does. */
#define CC_VADDSUB(a, b) \
    _mm512_mask_add_ps(_mm512_sub_ps((a), (b)), CC_ODD_LANES, (a), (b))
#define CC_DUP_RE(v) _mm512_moveldup_ps(v)
#define CC_DUP_IM(v) _mm512_movehdup_ps(v)
#define CC_SWAP(v) _mm512_permute_ps((v), 0xB1)
#include "spectral_simd.inc"
#endif
