#include "cc_cpu.h"

static cc_isa detect(void)
{
#if CC_HAVE_X86_KERNELS
    /* libgcc's cpu model also checks that the OS saves the wide registers
     * (XCR0), so a "supported" answer is safe to act on. */
    __builtin_cpu_init();
    if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")))
        return CC_ISA_SCALAR;
    if (__builtin_cpu_supports("avx512f"))
        return CC_ISA_AVX512;
    return CC_ISA_AVX2;
#else
    return CC_ISA_SCALAR;
#endif
}

cc_isa cc_cpu_best_isa(void)
{
    /* Detected once: every config asks at each selection.  A racing first
     * call stores the same value. */
    static int detected = -1;
    if (detected < 0)
        detected = (int)detect();
    return (cc_isa)detected;
}

const char *cc_isa_name(cc_isa isa)
{
    static const char *const names[CC_ISA_COUNT] = {"scalar", "avx2", "avx512"};
    return (isa >= 0 && isa < CC_ISA_COUNT) ? names[isa] : "unknown";
}
