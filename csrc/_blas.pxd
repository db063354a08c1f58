# BLAS wrappers over scipy.linalg.cython_blas, in scikit-learn's
# _cython_blas shape: one fused function per routine, row-major handled by
# swapping operands, callable without the GIL.  Inline in this .pxd, so every
# family that cimports it gets the wrappers without a module of its own.
#
# BLAS takes 32-bit int dimensions: callers keep m, n and every leading
# dimension <= INT_MAX (they split larger problems into blocks).  Only gemv
# so far (the im2col family's reduction; gemm with n = 1 was 2-9x slower).
from scipy.linalg.cython_blas cimport cgemv, dgemv, sgemv, zgemv

from _types cimport blas_t

ctypedef enum BLAS_Order:
    RowMajor
    ColMajor

ctypedef enum BLAS_Trans:
    NoTrans = 110  # 'n'
    Trans = 116    # 't' (transpose, never conjugate)


cdef inline void _gemv(BLAS_Order order, BLAS_Trans ta, int m, int n, blas_t alpha,
                       const blas_t *A, int lda, const blas_t *x, int incx,
                       blas_t beta, blas_t *y, int incy) noexcept nogil:
    """y = alpha * op(A) @ x + beta * y, A an m x n matrix stored in ``order``."""
    cdef char ta_ = ta
    if order == RowMajor:
        # A row-major m x n matrix is its column-major n x m transpose.
        ta_ = NoTrans if ta == Trans else Trans
        m, n = n, m
    if blas_t is float:
        sgemv(&ta_, &m, &n, &alpha, <float *>A, &lda, <float *>x, &incx, &beta, y, &incy)
    elif blas_t is double:
        dgemv(&ta_, &m, &n, &alpha, <double *>A, &lda, <double *>x, &incx, &beta, y, &incy)
    elif blas_t is floatcomplex:
        cgemv(&ta_, &m, &n, &alpha, <float complex *>A, &lda, <float complex *>x, &incx,
              &beta, y, &incy)
    else:
        zgemv(&ta_, &m, &n, &alpha, <double complex *>A, &lda, <double complex *>x, &incx,
              &beta, y, &incy)

