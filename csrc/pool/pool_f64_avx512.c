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
/* Masked forms for the masked row kernel: column vectors are int64 lanes;
 * masked-off lanes take src. */
#define CC_CV __m512i
#define CC_CV_IOTA(s) CC_IV_LANES(s)
#define CC_CV_MASK(c, iota, n) _mm512_cmplt_epu64_mask( \
    _mm512_add_epi64(_mm512_set1_epi64((long long)(c)), (iota)), _mm512_set1_epi64((long long)(n)))
#define CC_VLOADM(src, m, p) _mm512_mask_loadu_pd((src), (m), (p))
#define CC_VLOADM_S2(src, m0, m1, p) _mm512_permutex2var_pd( \
    _mm512_mask_loadu_pd((src), (m0), (p)), CC_S2_EVEN, _mm512_mask_loadu_pd((src), (m1), (p) + 8))
#define CC_VGATHERM(src, m, p, g) _mm512_mask_i32gather_pd((src), (m), (g), (p), 8)
#define CC_VSTOREM(p, m, v) _mm512_mask_storeu_pd((p), (m), (v))
#define CC_IV_FIRST(base, f, m) _mm512_add_epi64(_mm512_set1_epi64((long long)(base)), \
    _mm512_maskz_loadu_epi64((m), (f)))
#define CC_IV_STORE64M(p, m, iv) _mm512_mask_storeu_epi64((p), (m), (iv))
#include "pool_simd.inc"
#endif
