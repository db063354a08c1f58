/* Weight-gradient kernels of the layer convolution, f32 on AVX512
 * (dweight_simd.inc). */
#include <assert.h>

#include "conv.h"
#if CC_HAVE_X86_KERNELS
#define CC_SIMD_F32
#include "cc_simd_avx512.h"

#define CC_T float
#define CC_SFX(name) name##_f32__avx512
#define CC_OCB 2
#define CC_NVREGS 32
#define CC_NR 12
#include "conv_avx512_f32.h"
#define CC_TRANSPOSE(r) cc_conv_transpose16_f32(r)
#include "dweight_simd.inc"
#endif
