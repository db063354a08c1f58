/* Direct layer-convolution tiles, f64 on AVX2 (conv_simd.inc). */
#include <assert.h>

#include "conv.h"
#if CC_HAVE_X86_KERNELS
#define CC_SIMD_F64
#include "cc_simd_avx2.h"

#define CC_T double
#define CC_SFX(name) name##_f64__avx2
#define CC_OCB 2
#define CC_UR 6
#define CC_DWNR 4
/* Lane bits as a lane mask: lane i is set when bit i is. */
CC_INLINE __m256d cc_conv_bits_f64(uint32_t bits)
{
    const __m256i lane = _mm256_setr_epi64x(1, 2, 4, 8);
    return _mm256_castsi256_pd(_mm256_cmpeq_epi64(
        _mm256_and_si256(_mm256_set1_epi64x((long long)bits), lane), lane));
}
#define CC_MVEC_T __m256d
#define CC_MVEC(bits) cc_conv_bits_f64(bits)
#define CC_VFMA_M(a, b, c, m) _mm256_blendv_pd((c), _mm256_fmadd_pd((a), (b), (c)), (m))
#define CC_VLOADU_M(p, m) _mm256_maskload_pd((p), _mm256_castpd_si256(m))
#include "conv_simd.inc"
#endif
