/* AVX-512F vector vocabulary of every family's SIMD templates: the names
 * and use of cc_simd_avx2.h (see there), for 512-bit vectors.  The rest of
 * an including file is compiled for AVX-512F on top of AVX2+FMA. */
#ifndef CC_SIMD_AVX512_H
#define CC_SIMD_AVX512_H

#include "cc_common.h"

#pragma GCC target("avx512f,avx2,fma")
#include <immintrin.h>

#if defined(CC_SIMD_F32)
#define CC_V __m512
#define CC_VLANES 16
#define CC_MASK_T __mmask16
#define CC_VZERO() _mm512_setzero_ps()
#define CC_VSET1(s) _mm512_set1_ps(s)
#define CC_VLOADU(p) _mm512_loadu_ps(p)
#define CC_VSTOREU(p, v) _mm512_storeu_ps((p), (v))
#define CC_VADD(a, b) _mm512_add_ps((a), (b))
#define CC_VMUL(a, b) _mm512_mul_ps((a), (b))
#define CC_VDIV(a, b) _mm512_div_ps((a), (b))
#define CC_VFMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define CC_VMASK_FIRST(n) ((__mmask16)((1u << (n)) - 1u))
#define CC_VLOADU_MASK(p, m) _mm512_maskz_loadu_ps((m), (p))
#define CC_VSTOREU_MASK(p, m, v) _mm512_mask_storeu_ps((p), (m), (v))
#define CC_VSWAP(v) _mm512_permute_ps((v), 0xB1)
#define CC_VDUP_RE(v) _mm512_moveldup_ps(v)
#define CC_VDUP_IM(v) _mm512_movehdup_ps(v)
/* AVX-512 has no addsub: subtract, then add into the odd (imaginary)
 * lanes; each lane rounds once, as addsub does. */
#define CC_VADDSUB(a, b) \
    _mm512_mask_add_ps(_mm512_sub_ps((a), (b)), (__mmask16)0xAAAA, (a), (b))
/* The even lanes of two vectors: a stride-2 load. */
#define CC_S2_EVEN _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)
#define CC_VLOAD_S2(p) _mm512_permutex2var_ps(_mm512_loadu_ps(p), CC_S2_EVEN, \
    _mm512_loadu_ps((p) + 16))
#define CC_GIDX_T __m512i
#define CC_GIDX(s) _mm512_mullo_epi32(_mm512_set1_epi32((int)(s)), \
    _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))
#define CC_VGATHER(p, g) _mm512_i32gather_ps((g), (p), 4)
#define CC_GIDX_LOADU(p) _mm512_loadu_si512((const void *)(p))
#define CC_CMASK_T __mmask16
#define CC_VBLEND(a, b, c) _mm512_mask_blend_ps((c), (a), (b))
#define CC_VHSUM(v) _mm512_reduce_add_ps(v)

#elif defined(CC_SIMD_F64)
#define CC_V __m512d
#define CC_VLANES 8
#define CC_MASK_T __mmask8
#define CC_VZERO() _mm512_setzero_pd()
#define CC_VSET1(s) _mm512_set1_pd(s)
#define CC_VLOADU(p) _mm512_loadu_pd(p)
#define CC_VSTOREU(p, v) _mm512_storeu_pd((p), (v))
#define CC_VADD(a, b) _mm512_add_pd((a), (b))
#define CC_VMUL(a, b) _mm512_mul_pd((a), (b))
#define CC_VDIV(a, b) _mm512_div_pd((a), (b))
#define CC_VFMA(a, b, c) _mm512_fmadd_pd((a), (b), (c))
#define CC_VMASK_FIRST(n) ((__mmask8)((1u << (n)) - 1u))
#define CC_VLOADU_MASK(p, m) _mm512_maskz_loadu_pd((m), (p))
#define CC_VSTOREU_MASK(p, m, v) _mm512_mask_storeu_pd((p), (m), (v))
#define CC_VSWAP(v) _mm512_permute_pd((v), 0x55)
#define CC_VDUP_RE(v) _mm512_movedup_pd(v)
#define CC_VDUP_IM(v) _mm512_permute_pd((v), 0xFF)
/* As for f32: subtract, then add into the odd lanes. */
#define CC_VADDSUB(a, b) \
    _mm512_mask_add_pd(_mm512_sub_pd((a), (b)), (__mmask8)0xAA, (a), (b))
#define CC_S2_EVEN _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14)
#define CC_VLOAD_S2(p) _mm512_permutex2var_pd(_mm512_loadu_pd(p), CC_S2_EVEN, \
    _mm512_loadu_pd((p) + 8))
#define CC_GIDX_T __m256i
#define CC_GIDX(s) _mm256_mullo_epi32(_mm256_set1_epi32((int)(s)), \
                                      _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define CC_VGATHER(p, g) _mm512_i32gather_pd((g), (p), 8)
#define CC_GIDX_LOADU(p) _mm256_loadu_si256((const __m256i *)(p))
#define CC_CMASK_T __mmask8
#define CC_VBLEND(a, b, c) _mm512_mask_blend_pd((c), (a), (b))
#define CC_VHSUM(v) _mm512_reduce_add_pd(v)

#else
#error "define CC_SIMD_F32 or CC_SIMD_F64 before including cc_simd_avx512.h"
#endif

#endif
