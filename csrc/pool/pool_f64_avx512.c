#include <math.h>

#include "pool.h"
#if CC_HAVE_X86_KERNELS
#define CC_SIMD_F64
#include "cc_simd_avx512.h"

#define CC_T double
#define CC_VN CC_VLANES
#define CC_SFX(name) name##_f64__avx512
#define CC_VTAKE(v, m) ((__mmask8)(_mm512_cmp_pd_mask((v), (m), _CMP_GT_OQ) | \
                                   _mm512_cmp_pd_mask((v), (v), _CMP_UNORD_Q)))
#define CC_IV __m512i
#define CC_IV_LANES(s) _mm512_mul_epu32(_mm512_set1_epi64((long long)(s)), \
                                          _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7))
#define CC_IV_SET1ADD(o, lanes) _mm512_add_epi64(_mm512_set1_epi64((long long)(o)), (lanes))
#define CC_IBLEND(a, b, c) _mm512_mask_blend_epi64((c), (a), (b))
#define CC_IV_STORE64(p, iv) _mm512_storeu_si512((p), (iv))
#include "pool_simd.inc"
#endif
