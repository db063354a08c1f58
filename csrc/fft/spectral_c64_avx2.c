#include "fft.h"
#if CC_HAVE_X86_KERNELS
#pragma GCC target("avx2,fma")
#include <immintrin.h>

#define CC_MUL_NAME cc_specmul_c64__avx2
#define CC_MAC_NAME cc_specmac_c64__avx2
#define CC_T float
#define CC_V __m256
#define CC_VN 8
#define CC_VLOADU(p) _mm256_loadu_ps(p)
#define CC_VSTOREU(p, v) _mm256_storeu_ps((p), (v))
#define CC_VMUL(a, b) _mm256_mul_ps((a), (b))
#define CC_VADD(a, b) _mm256_add_ps((a), (b))
#define CC_VADDSUB(a, b) _mm256_addsub_ps((a), (b))
#define CC_DUP_RE(v) _mm256_moveldup_ps(v)
#define CC_DUP_IM(v) _mm256_movehdup_ps(v)
#define CC_SWAP(v) _mm256_permute_ps((v), 0xB1)
#include "spectral_simd.inc"
#endif
