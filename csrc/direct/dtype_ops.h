/* Per-dtype arithmetic for the templates (direct_ref.c, direct_op.c).
 * CC_DTYPE_OPS(code) defines, for one dtype code:
 *   CC_T            the element type
 *   CC_ZERO         its zero
 *   CC_MAC(a, x, w) a += x * w (complex: the full complex product;
 *                   bool: a |= x && w)
 * Integers are unsigned here, so the arithmetic wraps instead of overflowing.
 */
#ifndef CC_DTYPE_OPS_H
#define CC_DTYPE_OPS_H

#define CC_REAL_MAC(a, x, w) ((a) += (x) * (w))
/* uint8/uint16 would promote to signed int and could overflow: widen first. */
#define CC_UINT_MAC(a, x, w) ((a) += (uint64_t)(x) * (uint64_t)(w))
#define CC_BOOL_MAC(a, x, w) ((a) |= (uint8_t)(((x) != 0) & ((w) != 0)))
#define CC_CPLX_MAC(a, x, w) do {                  \
        (a).re += (x).re * (w).re - (x).im * (w).im; \
        (a).im += (x).re * (w).im + (x).im * (w).re; \
    } while (0)

#endif
