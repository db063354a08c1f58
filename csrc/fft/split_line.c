/* Convolution of two long lines by transforms of short ones (contract in
 * fft.h).
 *
 * A line of n = phases*m points is transformed as `phases` lines of m (its
 * polyphase components z_r[j] = z[j*phases + r]), which pocketfft runs as
 * one batch: SIMD across lines, and threads once there are lines enough;
 * one long line gets neither, and leaves the caches.  The first
 * radix-`phases` step of the transform runs here, with w = exp(-2*pi*i/n):
 *   Z[k + j*m] = sum_r exp(-2*pi*i*r*j/phases) * w^(r*k) * Z_r[k],
 * and the inverse, after the product C = A*B, likewise splits into the
 * spectra of the result's phases:
 *   D_r[k] = w^(-r*k)/phases * sum_j exp(2*pi*i*r*j/phases) * C[k + j*m],
 * of which the inverse transforms of m points give c[j*phases + r].
 *
 * Complex lines (split_product) transform both inputs' phases.  Two real
 * lines share one complex transform (pack_pair, pair_product): real a and b
 * packed as z = a + i*s*b have the transform Z = A + i*s*B, with A and B
 * Hermitian, so for k <= n/2 (indices mod n)
 *   P = Z[k] + conj(Z[n-k]) = 2A[k],   Q = Z[k] - conj(Z[n-k]) = 2is*B[k],
 *   A[k]*B[k] = P*Q * (-i/(4s)).
 * s is a power of two bringing b's largest magnitude to a's: the rounding
 * of the shared transform is relative to the larger input, and an input
 * thousands of times smaller would drown in it.  Multiplying by s and
 * 1/(4s) is exact.  The result is real, so each D_r is Hermitian and
 * k <= m/2 gives all of it.
 */
#include <math.h>

#include "fft.h"

/* Points from which the kernels use more than one thread. */
#define CC_PAIR_PARALLEL_MIN ((cc_index_t)1 << 17)
/* Entries k per work item of the product. */
#define CC_PAIR_SPAN 2048

#define CC_T float
#define CC_FABS fabsf
#define CC_FREXP frexpf
#define CC_LDEXP ldexpf
#define CC_EXP_MAX 60  /* far inside the type's range: s*b and 1/(4s) stay normal */
#define CC_PAIR(name) name##_f32
#include "split_line.inc"
#undef CC_T
#undef CC_FABS
#undef CC_FREXP
#undef CC_LDEXP
#undef CC_EXP_MAX
#undef CC_PAIR

#define CC_T double
#define CC_FABS fabs
#define CC_FREXP frexp
#define CC_LDEXP ldexp
#define CC_EXP_MAX 500
#define CC_PAIR(name) name##_f64
#include "split_line.inc"
