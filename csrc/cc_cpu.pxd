cdef extern from "cc_cpu.h" nogil:
    ctypedef enum cc_isa:
        CC_ISA_SCALAR
        CC_ISA_AVX2
        CC_ISA_AVX512
        CC_ISA_COUNT
    cc_isa cc_cpu_best_isa()
    const char *cc_isa_name(cc_isa isa)
