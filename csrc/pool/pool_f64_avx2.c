#include <math.h>

#include "pool.h"
#if CC_HAVE_X86_KERNELS
#pragma GCC target("avx2,fma")
#include "direct/avx2_defs.h"

#define CC_T double
#define CC_V __m256d
#define CC_VN 4
#define CC_SFX(name) name##_f64__avx2
#define CC_VZERO() _mm256_setzero_pd()
#define CC_VSET1(s) _mm256_set1_pd(s)
#define CC_VLOADU(p) _mm256_loadu_pd(p)
#define CC_VSTOREU(p, v) _mm256_storeu_pd((p), (v))
#define CC_VADD(a, b) _mm256_add_pd((a), (b))
#define CC_VDIV(a, b) _mm256_div_pd((a), (b))
/* [a0 b0 a2 b2] -> [a0 a2 b0 b2] */
#define CC_VLOAD_S2(p) _mm256_permute4x64_pd( \
    _mm256_unpacklo_pd(_mm256_loadu_pd(p), _mm256_loadu_pd((p) + 4)), 0xD8)
#define CC_GIDX_T __m128i
#define CC_GIDX(s) _mm_mullo_epi32(_mm_set1_epi32((int)(s)), _mm_setr_epi32(0, 1, 2, 3))
#define CC_VGATHER(p, g) _mm256_i32gather_pd((p), (g), 8)
#define CC_CMASK_T __m256d
#define CC_VTAKE(v, m) _mm256_or_pd(_mm256_cmp_pd((v), (m), _CMP_GT_OQ), \
                                    _mm256_cmp_pd((v), (v), _CMP_UNORD_Q))
#define CC_VBLEND(a, b, c) _mm256_blendv_pd((a), (b), (c))
#define CC_IV __m256i
#define CC_IV_LANES(s) _mm256_mul_epu32(_mm256_set1_epi64x((long long)(s)), \
                                        _mm256_setr_epi64x(0, 1, 2, 3))
#define CC_IV_SET1ADD(o, lanes) _mm256_add_epi64(_mm256_set1_epi64x((long long)(o)), (lanes))
#define CC_IBLEND(a, b, c) _mm256_castpd_si256(_mm256_blendv_pd( \
    _mm256_castsi256_pd(a), _mm256_castsi256_pd(b), (c)))
#define CC_IV_STORE64(p, iv) _mm256_storeu_si256((__m256i *)(p), (iv))
CC_INLINE double cc_hsum_f64_avx2(__m256d v)
{
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}
#define CC_VHSUM(v) cc_hsum_f64_avx2(v)
#include "pool_simd.inc"
#endif
