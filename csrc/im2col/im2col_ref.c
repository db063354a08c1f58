/* Reference reduction of a patch block, y = P w: the only one for the
 * dtypes BLAS has no routine for or would round (bool, integers, long
 * double, complex long double), and the oracle the BLAS path is tested
 * against.  Each output is one sequential sum over its patch row, so the
 * result does not depend on the blocking at all. */
#include "im2col.h"

#define CC_DEFINE_MATVEC(code, sfx, T, zero, mac)                             \
void cc_im2col_matvec_##sfx##__ref CC_MATVEC_SIGNATURE                        \
{                                                                             \
    const T *pm = patch, *wv = w;                                             \
    T *out = y;                                                               \
    if (!accumulate)                                                          \
        for (cc_index_t i = 0; i < m; ++i)                                    \
            out[i] = zero;                                                    \
    /* Tap by tap over the whole block: contiguous, vectorisable, and each  \
     * out[i] still sums its terms in order of c. */                          \
    for (cc_index_t c = 0; c < kc; ++c) {                                     \
        const T *row = pm + c * ld;                                           \
        const T wc = wv[c];                                                   \
        for (cc_index_t i = 0; i < m; ++i)                                    \
            mac(out[i], row[i], wc);                                          \
    }                                                                         \
}

CC_DIRECT_DTYPES(CC_DEFINE_MATVEC)
