/* Winograd's method, f32 on AVX2 (winograd_simd.inc). */
#include <assert.h>

#include "winograd.h"
#if CC_HAVE_X86_KERNELS
#define CC_SIMD_F32
#include "cc_simd_avx2.h"

#define CC_T float
#define CC_SFX(name) name##_f32__avx2
#define CC_NB 2
#define CC_KB 6
#include "winograd_simd.inc"
#endif
