# Fused types of convcore's Cython code, in one place.

# The element types BLAS has routines for (s, d, c, z).
ctypedef fused blas_t:
    float
    double
    float complex
    double complex
