#include <math.h>

#include "pool.h"
#if CC_HAVE_X86_KERNELS
#define CC_SIMD_F32
#include "cc_simd_avx2.h"

#define CC_T float
#define CC_VN CC_VLANES
#define CC_SFX(name) name##_f32__avx2
#define CC_VTAKE(v, m) _mm256_or_ps(_mm256_cmp_ps((v), (m), _CMP_GT_OQ), \
                                    _mm256_cmp_ps((v), (v), _CMP_UNORD_Q))
#define CC_IV __m256i
#define CC_IV_LANES(s) CC_GIDX(s)
#define CC_IV_SET1ADD(o, lanes) _mm256_add_epi32(_mm256_set1_epi32((int)(o)), (lanes))
#define CC_IBLEND(a, b, c) _mm256_castps_si256(_mm256_blendv_ps( \
    _mm256_castsi256_ps(a), _mm256_castsi256_ps(b), (c)))
#define CC_IV_STORE64(p, iv) do { \
    _mm256_storeu_si256((__m256i *)(p), _mm256_cvtepi32_epi64(_mm256_castsi256_si128(iv))); \
    _mm256_storeu_si256((__m256i *)((p) + 4), _mm256_cvtepi32_epi64(_mm256_extracti128_si256((iv), 1))); \
} while (0)
#include "pool_simd.inc"
#endif
