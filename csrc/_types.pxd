# Fused types of convcore's Cython code, in one place.

# The element types BLAS has routines for (s, d, c, z).
ctypedef fused blas_t:
    float
    double
    float complex
    double complex

# The layer ops' element types.
ctypedef fused real_t:
    float
    double
