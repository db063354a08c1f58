/* Scalar reference spectral kernels (fallback and test oracle). */
#include "fft.h"

/* One complex product, the rounding order every variant follows. */
#define CC_SPEC_REF(NAME, T, ACC)                                            \
void NAME CC_SPEC_SIGNATURE(T)                                               \
{                                                                            \
    for (cc_index_t i = 0; i < n; ++i) {                                     \
        const T ar = a[2 * i], ai = a[2 * i + 1];                            \
        const T br = b[2 * i], bi = b[2 * i + 1];                            \
        const T re = ar * br - ai * bi;                                      \
        const T im = ai * br + ar * bi;                                      \
        if (ACC) {                                                           \
            out[2 * i] += re;                                                \
            out[2 * i + 1] += im;                                            \
        } else {                                                             \
            out[2 * i] = re;                                                 \
            out[2 * i + 1] = im;                                             \
        }                                                                    \
    }                                                                        \
}

CC_SPEC_REF(cc_specmul_c64__ref, float, 0)
CC_SPEC_REF(cc_specmac_c64__ref, float, 1)
CC_SPEC_REF(cc_specmul_c128__ref, double, 0)
CC_SPEC_REF(cc_specmac_c128__ref, double, 1)
