/* Two real transforms for the price of one complex transform (contract in
 * fft.h).
 *
 * Real a and b packed as z = a + i*s*b have the transform Z = A + i*s*B,
 * with A and B Hermitian, so for k <= n/2 (indices mod n)
 *   P = Z[k] + conj(Z[n-k]) = 2A[k],   Q = Z[k] - conj(Z[n-k]) = 2is*B[k],
 *   A[k]*B[k] = P*Q * (-i/(4s)).
 * s is a power of two bringing b's largest magnitude to a's: the rounding
 * of the shared transform is relative to the larger input, and an input
 * thousands of times smaller would drown in it.  Multiplying by s and
 * 1/(4s) is exact.
 */
#include <math.h>

#include "fft.h"

/* Exponent range of s: far inside the type's, so s*b and 1/(4s) stay
 * normal numbers. */
#define CC_PAIR_EXP_MAX_F32 60
#define CC_PAIR_EXP_MAX_F64 500

#define CC_DEFINE_REAL_PAIR(T, sfx, FREXP, LDEXP, EXP_MAX)                    \
static T max_abs_##sfx(const T *v, cc_index_t n)                              \
{                                                                             \
    T m = 0;                                                                  \
    for (cc_index_t i = 0; i < n; ++i) {                                      \
        const T a = v[i] < 0 ? -v[i] : v[i];                                  \
        m = a > m ? a : m;                                                    \
    }                                                                         \
    return m;                                                                 \
}                                                                             \
                                                                              \
double cc_pack_pair_##sfx(cc_index_t n, const T *a, cc_index_t na,           \
                          const T *b, cc_index_t nb, T *z)                    \
{                                                                             \
    const T ma = max_abs_##sfx(a, na), mb = max_abs_##sfx(b, nb);             \
    int ea = 0, eb = 0;                                                       \
    if (ma > 0 && mb > 0 && isfinite(ma) && isfinite(mb)) {                   \
        FREXP(ma, &ea);                                                       \
        FREXP(mb, &eb);                                                       \
    }                                                                         \
    const int e = CC_CLAMP(ea - eb, -EXP_MAX, EXP_MAX);                       \
    const T s = LDEXP((T)1, e);                                               \
    const cc_index_t both = CC_MIN(CC_MIN(na, nb), n);                        \
    for (cc_index_t i = 0; i < both; ++i) {                                   \
        z[2 * i] = a[i];                                                      \
        z[2 * i + 1] = b[i] * s;                                              \
    }                                                                         \
    for (cc_index_t i = both; i < n; ++i) {                                   \
        z[2 * i] = i < na ? a[i] : 0;                                         \
        z[2 * i + 1] = i < nb ? b[i] * s : 0;                                 \
    }                                                                         \
    return (double)s;                                                         \
}                                                                             \
                                                                              \
void cc_pair_product_##sfx(cc_index_t n, T *z, double s)                     \
{                                                                             \
    const T scale = (T)(0.25 / s);                                            \
    /* In place: entry k is written after its last read, and entries        \
     * n - k > n/2 are read before any write reaches them. */                \
    for (cc_index_t k = 0; k <= n / 2; ++k) {                                 \
        const cc_index_t m = k ? n - k : 0;                                   \
        const T zr = z[2 * k], zi = z[2 * k + 1];                             \
        const T mr = z[2 * m], mi = -z[2 * m + 1];                            \
        const T pr = zr + mr, pi = zi + mi, qr = zr - mr, qi = zi - mi;       \
        const T re = pr * qr - pi * qi, im = pr * qi + pi * qr;               \
        z[2 * k] = im * scale;                                                \
        z[2 * k + 1] = -re * scale;                                           \
    }                                                                         \
}

CC_DEFINE_REAL_PAIR(float, f32, frexpf, ldexpf, CC_PAIR_EXP_MAX_F32)
CC_DEFINE_REAL_PAIR(double, f64, frexp, ldexp, CC_PAIR_EXP_MAX_F64)
