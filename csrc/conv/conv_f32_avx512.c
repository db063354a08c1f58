/* Direct layer-convolution tiles, f32 on AVX512 (conv_simd.inc). */
#include <assert.h>

#include "conv.h"
#if CC_HAVE_X86_KERNELS
#define CC_SIMD_F32
#include "cc_simd_avx512.h"

#define CC_T float
#define CC_SFX(name) name##_f32__avx512
#define CC_OCB 2
#define CC_UR 12
#define CC_DWNR 4

#define CC_MVEC_T __mmask16
#define CC_MVEC(bits) ((__mmask16)(bits))
#define CC_VFMA_M(a, b, c, m) _mm512_mask3_fmadd_ps((a), (b), (c), (m))
#define CC_VLOADU_M(p, m) _mm512_maskz_loadu_ps((m), (p))
#include "conv_avx512_f32.h"
#define CC_TRANSPOSE(r) cc_conv_transpose16_f32(r)
#include "conv_simd.inc"
#endif
