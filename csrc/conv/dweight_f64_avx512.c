/* Weight-gradient kernels of the layer convolution, f64 on AVX512
 * (dweight_simd.inc). */
#include <assert.h>

#include "conv.h"
#if CC_HAVE_X86_KERNELS
#define CC_SIMD_F64
#include "cc_simd_avx512.h"

#define CC_T double
#define CC_SFX(name) name##_f64__avx512
#define CC_OCB 2
#define CC_NVREGS 32
#define CC_NR 12
#include "dweight_simd.inc"
#endif
