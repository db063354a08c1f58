/* CPU feature detection, done once, and the ISA levels kernels exist for.
 *
 * Levels are ordered: a CPU at one level runs every lower one.
 *   CC_ISA_SCALAR  plain C (the compiler's baseline: SSE2 on x86-64, NEON on
 *                  aarch64)
 *   CC_ISA_AVX2    AVX2 *and* FMA3: every CPU with AVX2 so far (Haswell, Zen)
 *                  has FMA, and the kernels use both
 *   CC_ISA_AVX512  AVX-512F on top of AVX2+FMA
 */
#ifndef CC_CPU_H
#define CC_CPU_H

typedef enum {
    CC_ISA_SCALAR = 0,
    CC_ISA_AVX2 = 1,
    CC_ISA_AVX512 = 2,
    CC_ISA_COUNT
} cc_isa;

/* The best level this CPU (and its OS) supports, detected at the first call. */
cc_isa cc_cpu_best_isa(void);

/* "scalar", "avx2", "avx512". */
const char *cc_isa_name(cc_isa isa);

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CC_HAVE_X86_KERNELS 1
#else
#define CC_HAVE_X86_KERNELS 0
#endif

#endif
