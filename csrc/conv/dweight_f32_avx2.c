/* Weight-gradient kernels of the layer convolution, f32 on AVX2
 * (dweight_simd.inc). */
#include <assert.h>

#include "conv.h"
#if CC_HAVE_X86_KERNELS
#define CC_SIMD_F32
#include "cc_simd_avx2.h"

#define CC_T float
#define CC_SFX(name) name##_f32__avx2
#define CC_OCB 2
#define CC_NVREGS 16
#define CC_NR 6
/* r[0..7] transposed in registers (element j of r[i] becomes element i of
 * r[j]): pairs unpacked, quads shuffled, halves swapped across lanes. */
CC_INLINE void cc_dweight_transpose8_f32(__m256 r[8])
{
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int k = 0; k < 4; ++k) {
        r[k] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x20);
        r[k + 4] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x31);
    }
}
#define CC_TRANSPOSE(r) cc_dweight_transpose8_f32(r)
#include "dweight_simd.inc"
#endif
