/* Shared definitions for every convcore kernel family. */
#ifndef CC_COMMON_H
#define CC_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Every index and extent is 64-bit on 64-bit platforms: arrays past 2**31
 * elements must work. */
typedef ptrdiff_t cc_index_t;

/* The most axes an N-D problem may have: NumPy's own limit. */
#define CC_MAX_NDIM 64

#if defined(__GNUC__) || defined(__clang__)
#define CC_LIKELY(x) __builtin_expect(!!(x), 1)
#define CC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CC_INLINE static inline __attribute__((always_inline))
#else
#define CC_LIKELY(x) (x)
#define CC_UNLIKELY(x) (x)
#define CC_INLINE static inline
#endif

/* Status codes returned by every C entry point; Cython turns them into
 * Python exceptions once the GIL is held again. */
enum { CC_OK = 0, CC_ENOMEM = 1, CC_EINVAL = 2 };

#define CC_MIN(a, b) ((a) < (b) ? (a) : (b))
#define CC_MAX(a, b) ((a) > (b) ? (a) : (b))
#define CC_CLAMP(v, lo, hi) CC_MIN(CC_MAX((v), (lo)), (hi))

#endif
