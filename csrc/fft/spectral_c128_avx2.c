#include "fft.h"
#if CC_HAVE_X86_KERNELS
#define CC_SIMD_F64
#include "cc_simd_avx2.h"

#define CC_MUL_NAME cc_specmul_c128__avx2
#define CC_MAC_NAME cc_specmac_c128__avx2
#define CC_T double
#define CC_VN CC_VLANES
#include "spectral_simd.inc"
#endif
