/* Scalar reference row micro-kernels: the fallback on every CPU, the only
 * kernels for integer and long double dtypes, and the oracle the
 * SIMD variants are tested against.  Tiles of 16 outputs keep the
 * accumulators in registers and let the compiler vectorise the inner loop. */
#include "direct.h"

#define CC_REF_TILE 16

#define CC_DEFINE_REF_ROW(code, sfx, T, zero, mac)                            \
void cc_corr_row_##sfx##__ref CC_CORR_ROW_SIGNATURE(T)                        \
{                                                                             \
    for (cc_index_t i0 = 0; i0 < n; i0 += CC_REF_TILE) {                      \
        const cc_index_t cnt = CC_MIN((cc_index_t)CC_REF_TILE, n - i0);       \
        T acc[CC_REF_TILE];                                                   \
        for (cc_index_t i = 0; i < cnt; ++i)                                  \
            acc[i] = zero;                                                    \
        for (cc_index_t r = 0; r < nrows; ++r) {                              \
            const T *xr = x + xoff[r] + col + i0;                             \
            const T *wr = w + woff[r];                                        \
            for (cc_index_t j = 0; j < k; ++j) {                              \
                const T wj = wr[j];                                           \
                for (cc_index_t i = 0; i < cnt; ++i)                          \
                    mac(acc[i], xr[i + j], wj);                               \
            }                                                                 \
        }                                                                     \
        for (cc_index_t i = 0; i < cnt; ++i)                                  \
            out[i0 + i] = acc[i];                                             \
    }                                                                         \
}

CC_DIRECT_DTYPES(CC_DEFINE_REF_ROW)
