/* Direct layer-convolution tiles, f32 on AVX2 (conv_simd.inc). */
#include <assert.h>

#include "conv.h"
#if CC_HAVE_X86_KERNELS
#define CC_SIMD_F32
#include "cc_simd_avx2.h"

#define CC_T float
#define CC_SFX(name) name##_f32__avx2
#define CC_OCB 2
#define CC_UR 6
#define CC_DWNR 4
/* Lane bits as a lane mask: lane i is set when bit i is. */
CC_INLINE __m256 cc_conv_bits_f32(uint32_t bits)
{
    const __m256i lane = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    return _mm256_castsi256_ps(_mm256_cmpeq_epi32(
        _mm256_and_si256(_mm256_set1_epi32((int)bits), lane), lane));
}
#define CC_MVEC_T __m256
#define CC_MVEC(bits) cc_conv_bits_f32(bits)
#define CC_VFMA_M(a, b, c, m) _mm256_blendv_ps((c), _mm256_fmadd_ps((a), (b), (c)), (m))
#define CC_VLOADU_M(p, m) _mm256_maskload_ps((p), _mm256_castps_si256(m))
#include "conv_simd.inc"
#endif
