# OpenMP helpers that also compile without OpenMP (scikit-learn's pattern).
cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    #define CC_OPENMP_VERSION _OPENMP
    #else
    #define CC_OPENMP_VERSION 0
    #endif
    """
    int CC_OPENMP_VERSION
