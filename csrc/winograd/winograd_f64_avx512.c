/* Winograd's method, f64 on AVX512 (winograd_simd.inc). */
#include <assert.h>

#include "winograd.h"
#if CC_HAVE_X86_KERNELS
#define CC_SIMD_F64
#include "cc_simd_avx512.h"

#define CC_T double
#define CC_SFX(name) name##_f64__avx512
#define CC_NB 2
#define CC_KB 12
#include "winograd_simd.inc"
#endif
