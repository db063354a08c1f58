/* AVX2+FMA vector vocabulary of every family's SIMD templates.
 *
 * A kernel file holds one real element type: it defines CC_SIMD_F32 or
 * CC_SIMD_F64, then includes this header inside `#if CC_HAVE_X86_KERNELS`;
 * the rest of the file is compiled for AVX2+FMA (the pragma below), whatever
 * the build's baseline, and runs only where the config found AVX2 and FMA.
 * The names are the ones the templates (*.inc) take; a template that reads
 * a vector as complex values sets its own CC_VN and CC_MASK from CC_VLANES
 * and CC_VMASK_FIRST.
 *
 *   CC_V, CC_VLANES        vector type, real lanes
 *   CC_VZERO() CC_VSET1(s) CC_VLOADU(p) CC_VSTOREU(p, v)
 *   CC_VADD CC_VMUL CC_VDIV(a, b)   CC_VFMA(a, b, c) = a*b+c
 *   CC_MASK_T, CC_VMASK_FIRST(n)    a mask of the first n lanes (0 < n <= lanes)
 *   CC_VLOADU_MASK(p, m) CC_VSTOREU_MASK(p, m, v)   masked lanes untouched
 *   CC_VSWAP(v)            swap each even lane with the odd one after it
 *   CC_VDUP_RE(v) CC_VDUP_IM(v)     each even (odd) lane copied to its pair
 *   CC_VADDSUB(a, b)       a - b in even lanes, a + b in odd, one rounding each
 *   CC_VLOAD_S2(p)         lanes p[0], p[2], ..., p[2 * lanes - 2]
 *   CC_GIDX_T CC_GIDX(s)   gather index vector (lane * s), CC_VGATHER(p, g)
 *   CC_GIDX_LOADU(p)       gather index vector of int32 p[0 .. lanes)
 *   CC_CMASK_T             a compare's lane mask, CC_VBLEND(a, b, c) = c ? b : a
 *   CC_VHSUM(v)            sum of the lanes
 */
#ifndef CC_SIMD_AVX2_H
#define CC_SIMD_AVX2_H

#include "cc_common.h"

#pragma GCC target("avx2,fma")
#include <immintrin.h>

/* Lane masks for tails: the first n lanes of a load start at
 * table + lanes - n. */
static const int32_t cc_avx2_mask32[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                           0, 0, 0, 0, 0, 0, 0, 0};
static const int64_t cc_avx2_mask64[8] = {-1, -1, -1, -1, 0, 0, 0, 0};

#define CC_AVX2_MASK32(n) \
    _mm256_loadu_si256((const __m256i *)(cc_avx2_mask32 + 8 - (n)))
#define CC_AVX2_MASK64(n) \
    _mm256_loadu_si256((const __m256i *)(cc_avx2_mask64 + 4 - (n)))

#define CC_MASK_T __m256i

#if defined(CC_SIMD_F32)
#define CC_V __m256
#define CC_VLANES 8
#define CC_VZERO() _mm256_setzero_ps()
#define CC_VSET1(s) _mm256_set1_ps(s)
#define CC_VLOADU(p) _mm256_loadu_ps(p)
#define CC_VSTOREU(p, v) _mm256_storeu_ps((p), (v))
#define CC_VADD(a, b) _mm256_add_ps((a), (b))
#define CC_VMUL(a, b) _mm256_mul_ps((a), (b))
#define CC_VDIV(a, b) _mm256_div_ps((a), (b))
#define CC_VFMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define CC_VMASK_FIRST(n) CC_AVX2_MASK32(n)
#define CC_VLOADU_MASK(p, m) _mm256_maskload_ps((p), (m))
#define CC_VSTOREU_MASK(p, m, v) _mm256_maskstore_ps((p), (m), (v))
#define CC_VSWAP(v) _mm256_permute_ps((v), 0xB1)
#define CC_VDUP_RE(v) _mm256_moveldup_ps(v)
#define CC_VDUP_IM(v) _mm256_movehdup_ps(v)
#define CC_VADDSUB(a, b) _mm256_addsub_ps((a), (b))
/* [a0 a2 b0 b2 | a4 a6 b4 b6] -> [a0 a2 a4 a6 b0 b2 b4 b6] */
#define CC_VLOAD_S2(p) _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd( \
    _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps((p) + 8), 0x88)), 0xD8))
#define CC_GIDX_T __m256i
#define CC_GIDX(s) _mm256_mullo_epi32(_mm256_set1_epi32((int)(s)), \
                                      _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define CC_VGATHER(p, g) _mm256_i32gather_ps((p), (g), 4)
#define CC_GIDX_LOADU(p) _mm256_loadu_si256((const __m256i *)(p))
#define CC_CMASK_T __m256
#define CC_VBLEND(a, b, c) _mm256_blendv_ps((a), (b), (c))
CC_INLINE float cc_hsum_f32_avx2(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}
#define CC_VHSUM(v) cc_hsum_f32_avx2(v)

#elif defined(CC_SIMD_F64)
#define CC_V __m256d
#define CC_VLANES 4
#define CC_VZERO() _mm256_setzero_pd()
#define CC_VSET1(s) _mm256_set1_pd(s)
#define CC_VLOADU(p) _mm256_loadu_pd(p)
#define CC_VSTOREU(p, v) _mm256_storeu_pd((p), (v))
#define CC_VADD(a, b) _mm256_add_pd((a), (b))
#define CC_VMUL(a, b) _mm256_mul_pd((a), (b))
#define CC_VDIV(a, b) _mm256_div_pd((a), (b))
#define CC_VFMA(a, b, c) _mm256_fmadd_pd((a), (b), (c))
#define CC_VMASK_FIRST(n) CC_AVX2_MASK64(n)
#define CC_VLOADU_MASK(p, m) _mm256_maskload_pd((p), (m))
#define CC_VSTOREU_MASK(p, m, v) _mm256_maskstore_pd((p), (m), (v))
#define CC_VSWAP(v) _mm256_permute_pd((v), 0x5)
#define CC_VDUP_RE(v) _mm256_movedup_pd(v)
#define CC_VDUP_IM(v) _mm256_permute_pd((v), 0xF)
#define CC_VADDSUB(a, b) _mm256_addsub_pd((a), (b))
/* [a0 b0 a2 b2] -> [a0 a2 b0 b2] */
#define CC_VLOAD_S2(p) _mm256_permute4x64_pd( \
    _mm256_unpacklo_pd(_mm256_loadu_pd(p), _mm256_loadu_pd((p) + 4)), 0xD8)
#define CC_GIDX_T __m128i
#define CC_GIDX(s) _mm_mullo_epi32(_mm_set1_epi32((int)(s)), _mm_setr_epi32(0, 1, 2, 3))
#define CC_VGATHER(p, g) _mm256_i32gather_pd((p), (g), 8)
#define CC_GIDX_LOADU(p) _mm_loadu_si128((const __m128i *)(p))
#define CC_CMASK_T __m256d
#define CC_VBLEND(a, b, c) _mm256_blendv_pd((a), (b), (c))
CC_INLINE double cc_hsum_f64_avx2(__m256d v)
{
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}
#define CC_VHSUM(v) cc_hsum_f64_avx2(v)

#else
#error "define CC_SIMD_F32 or CC_SIMD_F64 before including cc_simd_avx2.h"
#endif

#endif
