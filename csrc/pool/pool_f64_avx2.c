#include <math.h>

#include "pool.h"
#if CC_HAVE_X86_KERNELS
#define CC_SIMD_F64
#include "cc_simd_avx2.h"

#define CC_T double
#define CC_VN CC_VLANES
#define CC_SFX(name) name##_f64__avx2
#define CC_VTAKE(v, m) _mm256_or_pd(_mm256_cmp_pd((v), (m), _CMP_GT_OQ), \
                                    _mm256_cmp_pd((v), (v), _CMP_UNORD_Q))
#define CC_IV __m256i
#define CC_IV_LANES(s) _mm256_mul_epu32(_mm256_set1_epi64x((long long)(s)), \
                                        _mm256_setr_epi64x(0, 1, 2, 3))
#define CC_IV_SET1ADD(o, lanes) _mm256_add_epi64(_mm256_set1_epi64x((long long)(o)), (lanes))
#define CC_IBLEND(a, b, c) _mm256_castpd_si256(_mm256_blendv_pd( \
    _mm256_castsi256_pd(a), _mm256_castsi256_pd(b), (c)))
#define CC_IV_STORE64(p, iv) _mm256_storeu_si256((__m256i *)(p), (iv))
#include "pool_simd.inc"
#endif
