/* Scalar reference row kernels (contract in pool.h): the fallback on any
 * CPU and the oracle of the kernel tests.  Plain loops in torch's order. */
#include <math.h>

#include "pool.h"

#define CC_DEFINE_REF(isa, dt, T, sfx)                                        \
cc_index_t cc_maxpool_row_idx_##sfx CC_MAXPOOL_ROW_IDX_SIGNATURE(T)           \
{                                                                             \
    for (cc_index_t i = 0; i < n; ++i) {                                      \
        T m = -(T)INFINITY;                                                   \
        cc_index_t mi = xoff[0] + i * s;                                      \
        for (cc_index_t r = 0; r < nrows; ++r)                                \
            for (cc_index_t j = 0; j < k; ++j) {                              \
                const cc_index_t o = xoff[r] + i * s + j * d;                 \
                const T v = x[o];                                             \
                const int take = (v > m) | isnan(v); /* selects, no branch */ \
                m = take ? v : m;                                             \
                mi = take ? o : mi;                                           \
            }                                                                 \
        out[i] = m;                                                           \
        if (idx)                                                              \
            idx[i] = (int64_t)mi;                                             \
    }                                                                         \
    return n;                                                                 \
}                                                                             \
                                                                              \
cc_index_t cc_maxpool_row_##sfx CC_MAXPOOL_ROW_SIGNATURE(T)                   \
{                                                                             \
    return cc_maxpool_row_idx_##sfx(x, xoff, nrows, k, s, d, n, out, NULL);   \
}                                                                             \
                                                                              \
cc_index_t cc_avgpool_row_##sfx CC_AVGPOOL_ROW_SIGNATURE(T)                   \
{                                                                             \
    for (cc_index_t i = 0; i < n; ++i) {                                      \
        T acc = 0;                                                            \
        for (cc_index_t r = 0; r < nrows; ++r)                                \
            for (cc_index_t j = 0; j < k; ++j)                                \
                acc += x[xoff[r] + i * s + j * d];                            \
        out[i] = acc / divisor;                                               \
    }                                                                         \
    return n;                                                                 \
}                                                                             \
                                                                              \
void cc_plane_means_##sfx CC_PLANE_MEANS_SIGNATURE(T)                          \
{                                                                             \
    for (cc_index_t p = 0; p < planes; ++p) {                                 \
        T acc = 0;                                                            \
        for (cc_index_t i = 0; i < n; ++i)                                    \
            acc += x[p * n + i];                                              \
        out[p] = acc / divisor;                                               \
    }                                                                         \
}

CC_DEFINE_REF(CC_ISA_SCALAR, CC_DT_F32, float, f32__ref)
CC_DEFINE_REF(CC_ISA_SCALAR, CC_DT_F64, double, f64__ref)
