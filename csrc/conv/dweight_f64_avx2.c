/* Weight-gradient kernels of the layer convolution, f64 on AVX2
 * (dweight_simd.inc). */
#include <assert.h>

#include "conv.h"
#if CC_HAVE_X86_KERNELS
#define CC_SIMD_F64
#include "cc_simd_avx2.h"

#define CC_T double
#define CC_SFX(name) name##_f64__avx2
#define CC_OCB 2
#define CC_NVREGS 16
#define CC_NR 6
#include "dweight_simd.inc"
#endif
