/* AVX2+FMA vector vocabulary for the SIMD templates.  Include after
 * `#pragma GCC target("avx2,fma")`. */
#ifndef CC_AVX2_DEFS_H
#define CC_AVX2_DEFS_H
#include <immintrin.h>

/* Lane masks for tails: the first rem lanes of a load start at
 * table + VN - rem. */
static const int32_t cc_avx2_mask32[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                           0, 0, 0, 0, 0, 0, 0, 0};
static const int64_t cc_avx2_mask64[8] = {-1, -1, -1, -1, 0, 0, 0, 0};

#define CC_AVX2_MASK32(rem) \
    _mm256_loadu_si256((const __m256i *)(cc_avx2_mask32 + 8 - (rem)))
#define CC_AVX2_MASK64(rem) \
    _mm256_loadu_si256((const __m256i *)(cc_avx2_mask64 + 4 - (rem)))
#endif
