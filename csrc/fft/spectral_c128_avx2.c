#include "fft.h"
#if CC_HAVE_X86_KERNELS
#pragma GCC target("avx2,fma")
#include <immintrin.h>

#define CC_MUL_NAME cc_specmul_c128__avx2
#define CC_MAC_NAME cc_specmac_c128__avx2
#define CC_T double
#define CC_V __m256d
#define CC_VN 4
#define CC_VLOADU(p) _mm256_loadu_pd(p)
#define CC_VSTOREU(p, v) _mm256_storeu_pd((p), (v))
#define CC_VMUL(a, b) _mm256_mul_pd((a), (b))
#define CC_VADD(a, b) _mm256_add_pd((a), (b))
#define CC_VADDSUB(a, b) _mm256_addsub_pd((a), (b))
#define CC_DUP_RE(v) _mm256_movedup_pd(v)
#define CC_DUP_IM(v) _mm256_permute_pd((v), 0xF)
#define CC_SWAP(v) _mm256_permute_pd((v), 0x5)
#include "spectral_simd.inc"
#endif
