#include <math.h>

#include "pool.h"
#if CC_HAVE_X86_KERNELS
#define CC_SIMD_F32
#include "cc_simd_avx512.h"

#define CC_T float
#define CC_VN CC_VLANES
#define CC_SFX(name) name##_f32__avx512
#define CC_VTAKE(v, m) ((__mmask16)(_mm512_cmp_ps_mask((v), (m), _CMP_GT_OQ) | \
                                    _mm512_cmp_ps_mask((v), (v), _CMP_UNORD_Q)))
#define CC_IV __m512i
#define CC_IV_LANES(s) CC_GIDX(s)
#define CC_IV_SET1ADD(o, lanes) _mm512_add_epi32(_mm512_set1_epi32((int)(o)), (lanes))
#define CC_IBLEND(a, b, c) _mm512_mask_blend_epi32((c), (a), (b))
#define CC_IV_STORE64(p, iv) do { \
    _mm512_storeu_si512((p), _mm512_cvtepi32_epi64(_mm512_castsi512_si256(iv))); \
    _mm512_storeu_si512((p) + 8, _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64((iv), 1))); \
} while (0)
#include "pool_simd.inc"
#endif
