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
/* Masked forms for the masked row kernel: column vectors are int32 lanes;
 * masked-off lanes take src. */
#define CC_CV __m512i
#define CC_CV_IOTA(s) CC_GIDX(s)
#define CC_CV_MASK(c, iota, n) _mm512_cmplt_epu32_mask( \
    _mm512_add_epi32(_mm512_set1_epi32((int)(c)), (iota)), _mm512_set1_epi32((int)(n)))
#define CC_VLOADM(src, m, p) _mm512_mask_loadu_ps((src), (m), (p))
#define CC_VLOADM_S2(src, m0, m1, p) _mm512_permutex2var_ps( \
    _mm512_mask_loadu_ps((src), (m0), (p)), CC_S2_EVEN, _mm512_mask_loadu_ps((src), (m1), (p) + 16))
#define CC_VGATHERM(src, m, p, g) _mm512_mask_i32gather_ps((src), (m), (g), (p), 4)
#define CC_VSTOREM(p, m, v) _mm512_mask_storeu_ps((p), (m), (v))
/* base + first[0..16) as int32 lanes (lanes outside m: 0). */
#define CC_IV_FIRST(base, f, m) _mm512_add_epi32(_mm512_set1_epi32((int)(base)), \
    _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32( \
        _mm512_maskz_loadu_epi64((__mmask8)(m), (f)))), \
        _mm512_cvtepi64_epi32(_mm512_maskz_loadu_epi64((__mmask8)((m) >> 8), (f) + 8)), 1))
#define CC_IV_STORE64M(p, m, iv) do { \
    _mm512_mask_storeu_epi64((p), (__mmask8)(m), _mm512_cvtepi32_epi64(_mm512_castsi512_si256(iv))); \
    _mm512_mask_storeu_epi64((p) + 8, (__mmask8)((m) >> 8), \
                             _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64((iv), 1))); \
} while (0)
#include "pool_simd.inc"
#endif
