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
 * Real lines are split into real phases, whose half spectra (k <= m/2)
 * are all the product needs: the result is real, so each D_r is
 * Hermitian and k <= m/2 gives all of it.  Each input has transforms of
 * its own, as in scipy: packing two real lines into one complex transform
 * would cost the same but mixes their rounding, and a line whose energy
 * sits where the other's spectrum is small (a trend, a DC offset, hum
 * under a high-pass filter) then loses digits the separate transforms keep.
 */
#include <math.h>

#include "fft.h"

/* Points from which the kernels use more than one thread. */
#define CC_SPLIT_PARALLEL_MIN ((cc_index_t)1 << 17)
/* Entries k per work item of the product. */
#define CC_SPLIT_SPAN 2048

#define CC_T float
#define CC_SPLIT(name) name##_f32
#include "split_line.inc"
#undef CC_T
#undef CC_SPLIT

#define CC_T double
#define CC_SPLIT(name) name##_f64
#include "split_line.inc"
