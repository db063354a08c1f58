/* Winograd's method, f32 on AVX512 (winograd_simd.inc). */
#include <assert.h>

#include "winograd.h"
#if CC_HAVE_X86_KERNELS
#define CC_SIMD_F32
#include "cc_simd_avx512.h"

#define CC_T float
#define CC_SFX(name) name##_f32__avx512
#define CC_NB 2
#define CC_KB 12
#include "conv/conv_avx512_f32.h"
#define CC_WINO_TRANSPOSE(r) cc_conv_transpose16_f32(r)
#define CC_WINO_ROTATE(v, k) _mm512_castsi512_ps(_mm512_alignr_epi32( \
    _mm512_castps_si512(v), _mm512_castps_si512(v), (k)))
#include "winograd_simd.inc"
#endif
