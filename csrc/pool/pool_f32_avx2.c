#include <math.h>

#include "pool.h"
#if CC_HAVE_X86_KERNELS
#pragma GCC target("avx2,fma")
#include "direct/avx2_defs.h"

#define CC_T float
#define CC_V __m256
#define CC_VN 8
#define CC_SFX(name) name##_f32__avx2
#define CC_VZERO() _mm256_setzero_ps()
#define CC_VSET1(s) _mm256_set1_ps(s)
#define CC_VLOADU(p) _mm256_loadu_ps(p)
#define CC_VSTOREU(p, v) _mm256_storeu_ps((p), (v))
#define CC_VADD(a, b) _mm256_add_ps((a), (b))
#define CC_VDIV(a, b) _mm256_div_ps((a), (b))
/* [a0 a2 b0 b2 | a4 a6 b4 b6] -> [a0 a2 a4 a6 b0 b2 b4 b6] */
#define CC_VLOAD_S2(p) _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd( \
    _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps((p) + 8), 0x88)), 0xD8))
#define CC_GIDX_T __m256i
#define CC_GIDX(s) _mm256_mullo_epi32(_mm256_set1_epi32((int)(s)), \
                                      _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define CC_VGATHER(p, g) _mm256_i32gather_ps((p), (g), 4)
#define CC_CMASK_T __m256
#define CC_VTAKE(v, m) _mm256_or_ps(_mm256_cmp_ps((v), (m), _CMP_GT_OQ), \
                                    _mm256_cmp_ps((v), (v), _CMP_UNORD_Q))
#define CC_VBLEND(a, b, c) _mm256_blendv_ps((a), (b), (c))
#define CC_IV __m256i
#define CC_IV_LANES(s) CC_GIDX(s)
#define CC_IV_SET1ADD(o, lanes) _mm256_add_epi32(_mm256_set1_epi32((int)(o)), (lanes))
#define CC_IBLEND(a, b, c) _mm256_castps_si256(_mm256_blendv_ps( \
    _mm256_castsi256_ps(a), _mm256_castsi256_ps(b), (c)))
#define CC_IV_STORE64(p, iv) do { \
    _mm256_storeu_si256((__m256i *)(p), _mm256_cvtepi32_epi64(_mm256_castsi256_si128(iv))); \
    _mm256_storeu_si256((__m256i *)((p) + 4), _mm256_cvtepi32_epi64(_mm256_extracti128_si256((iv), 1))); \
} while (0)
CC_INLINE float cc_hsum_f32_avx2(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}
#define CC_VHSUM(v) cc_hsum_f32_avx2(v)
#include "pool_simd.inc"
#endif
