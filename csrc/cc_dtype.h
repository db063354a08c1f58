/* The element types of every convcore kernel family: one enum, one X-macro
 * list, and the arithmetic the templates instantiate per type.
 *
 * A family runs a subset of the list and says which in its header; codes
 * are the same in every family, so a code means one type everywhere (and
 * Python reads the list through cc_dtype_info, never a copy of it).
 * Signed integers run on the unsigned code of their width: two's-complement
 * wrap-around is exactly unsigned arithmetic.
 */
#ifndef CC_DTYPE_H
#define CC_DTYPE_H

#include "cc_common.h"

typedef enum {
    CC_DT_B = 0,  /* numpy bool */
    CC_DT_U8, CC_DT_U16, CC_DT_U32, CC_DT_U64,
    CC_DT_F32, CC_DT_F64, CC_DT_LD,
    CC_DT_C64, CC_DT_C128, CC_DT_CLD,
    CC_DT_COUNT
} cc_dtype;

typedef struct { float re, im; } cc_c64;
typedef struct { double re, im; } cc_c128;
typedef struct { long double re, im; } cc_cld;

/* Per-type arithmetic for the templates:
 *   CC_*_MAC(a, x, w)  a += x * w (complex: the full complex product;
 *                      bool: a |= x && w)
 * Integers are unsigned here, so the arithmetic wraps instead of overflowing. */
#define CC_REAL_MAC(a, x, w) ((a) += (x) * (w))
/* uint8/uint16 would promote to signed int and could overflow: widen first. */
#define CC_UINT_MAC(a, x, w) ((a) += (uint64_t)(x) * (uint64_t)(w))
#define CC_BOOL_MAC(a, x, w) ((a) |= (uint8_t)(((x) != 0) & ((w) != 0)))
#define CC_CPLX_MAC(a, x, w) do {                  \
        (a).re += (x).re * (w).re - (x).im * (w).im; \
        (a).im += (x).re * (w).im + (x).im * (w).re; \
    } while (0)

/* The list, in code order:
 *   X(A, code, suffix, element type, zero, multiply-accumulate, numpy kind)
 * A is passed through untouched, so that a family can bind its own macro
 * to the columns it uses (CC_DTYPES below passes them all). */
#define CC_DTYPES_BIND(X, A)                                                  \
    X(A, CC_DT_B,    b,    uint8_t,     0,                 CC_BOOL_MAC, 'b')  \
    X(A, CC_DT_U8,   u8,   uint8_t,     0,                 CC_UINT_MAC, 'u')  \
    X(A, CC_DT_U16,  u16,  uint16_t,    0,                 CC_UINT_MAC, 'u')  \
    X(A, CC_DT_U32,  u32,  uint32_t,    0,                 CC_UINT_MAC, 'u')  \
    X(A, CC_DT_U64,  u64,  uint64_t,    0,                 CC_UINT_MAC, 'u')  \
    X(A, CC_DT_F32,  f32,  float,       0.0f,              CC_REAL_MAC, 'f')  \
    X(A, CC_DT_F64,  f64,  double,      0.0,               CC_REAL_MAC, 'f')  \
    X(A, CC_DT_LD,   ld,   long double, 0.0L,              CC_REAL_MAC, 'f')  \
    X(A, CC_DT_C64,  c64,  cc_c64,      ((cc_c64){0, 0}),  CC_CPLX_MAC, 'c')  \
    X(A, CC_DT_C128, c128, cc_c128,     ((cc_c128){0, 0}), CC_CPLX_MAC, 'c')  \
    X(A, CC_DT_CLD,  cld,  cc_cld,      ((cc_cld){0, 0}),  CC_CPLX_MAC, 'c')

/* X(code, suffix, element type, zero, multiply-accumulate, numpy kind). */
#define CC_DT_UNBIND(X, ...) X(__VA_ARGS__)
#define CC_DTYPES(X) CC_DTYPES_BIND(CC_DT_UNBIND, X)

/* A family's subset of the list: a set of codes, one bit each. */
#define CC_DT_BIT(code) (1u << (code))
#define CC_DT_ALL ((1u << CC_DT_COUNT) - 1u)

/* Whether dt is a code of the set. */
CC_INLINE int cc_dtype_in(int dt, unsigned set)
{
    return dt >= 0 && dt < CC_DT_COUNT && ((set >> dt) & 1u);
}

/* What Python needs of a code to map NumPy dtypes onto it: the suffix as
 * name, the NumPy kind ('b', 'u', 'f', 'c') and the size in bytes. */
typedef struct {
    const char *name;
    char kind;
    size_t itemsize;
} cc_dtype_info;

/* The entry of a code; NULL out of range. */
CC_INLINE const cc_dtype_info *cc_dtype_get(int dt)
{
#define CC_DT_INFO(code, sfx, T, zero, mac, kind) [code] = {#sfx, kind, sizeof(T)},
    static const cc_dtype_info info[CC_DT_COUNT] = {CC_DTYPES(CC_DT_INFO)};
#undef CC_DT_INFO
    return dt >= 0 && dt < CC_DT_COUNT ? &info[dt] : NULL;
}

#endif
