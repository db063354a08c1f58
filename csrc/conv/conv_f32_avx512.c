/* Direct layer-convolution tiles, f32 on AVX512 (conv_simd.inc). */
#include <assert.h>

#include "conv.h"
#if CC_HAVE_X86_KERNELS
#define CC_SIMD_F32
#include "cc_simd_avx512.h"

#define CC_T float
#define CC_SFX(name) name##_f32__avx512
#define CC_OCB 2
#define CC_UR 12
#define CC_DWNR 4

#define CC_MVEC_T __mmask16
#define CC_MVEC(bits) ((__mmask16)(bits))
#define CC_VFMA_M(a, b, c, m) _mm512_mask3_fmadd_ps((a), (b), (c), (m))
#define CC_VLOADU_M(p, m) _mm512_maskz_loadu_ps((m), (p))
/* r[0..15] (row q = 16 channels of output position q) transposed in
 * registers: r[m] = channel m at positions 0..15.  Three unpack/shuffle
 * stages instead of 256 scalar moves through memory. */
CC_INLINE void cc_conv_transpose16_f32(__m512 r[16])
{
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
        r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
    }
    for (int h = 0; h < 16; h += 8)
        for (int i = 0; i < 4; ++i) {
            t[h + i] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0x88);
            t[h + i + 4] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0xdd);
        }
    for (int i = 0; i < 8; ++i) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
    }
}
#define CC_TRANSPOSE(r) cc_conv_transpose16_f32(r)
#include "conv_simd.inc"
#endif
