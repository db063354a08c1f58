# BLAS level-2/3 wrappers over scipy.linalg.cython_blas, in scikit-learn's
# _cython_blas shape: one fused function per routine, row-major handled by
# swapping operands, callable without the GIL.  Inline in this .pxd, so every
# family that cimports it gets the wrappers without a module of its own.
#
# BLAS takes 32-bit int dimensions: callers keep m, n, k and every leading
# dimension <= INT_MAX (they split larger problems into blocks).
from scipy.linalg.cython_blas cimport (cgemm, cgemv, dgemm, dgemv, sgemm, sgemv,
                                       zgemm, zgemv)

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


cdef inline void _gemm(BLAS_Order order, BLAS_Trans ta, BLAS_Trans tb, int m, int n,
                       int k, blas_t alpha, const blas_t *A, int lda, const blas_t *B,
                       int ldb, blas_t beta, blas_t *C, int ldc) noexcept nogil:
    """C = alpha * op(A) @ op(B) + beta * C, C an m x n matrix stored in ``order``."""
    cdef char ta_ = ta, tb_ = tb
    if order == RowMajor:
        # Row-major C = A B is column-major C^T = B^T A^T: swap the operands.
        if blas_t is float:
            sgemm(&tb_, &ta_, &n, &m, &k, &alpha, <float *>B, &ldb, <float *>A, &lda,
                  &beta, C, &ldc)
        elif blas_t is double:
            dgemm(&tb_, &ta_, &n, &m, &k, &alpha, <double *>B, &ldb, <double *>A, &lda,
                  &beta, C, &ldc)
        elif blas_t is floatcomplex:
            cgemm(&tb_, &ta_, &n, &m, &k, &alpha, <float complex *>B, &ldb,
                  <float complex *>A, &lda, &beta, C, &ldc)
        else:
            zgemm(&tb_, &ta_, &n, &m, &k, &alpha, <double complex *>B, &ldb,
                  <double complex *>A, &lda, &beta, C, &ldc)
        return
    if blas_t is float:
        sgemm(&ta_, &tb_, &m, &n, &k, &alpha, <float *>A, &lda, <float *>B, &ldb,
              &beta, C, &ldc)
    elif blas_t is double:
        dgemm(&ta_, &tb_, &m, &n, &k, &alpha, <double *>A, &lda, <double *>B, &ldb,
              &beta, C, &ldc)
    elif blas_t is floatcomplex:
        cgemm(&ta_, &tb_, &m, &n, &k, &alpha, <float complex *>A, &lda,
              <float complex *>B, &ldb, &beta, C, &ldc)
    else:
        zgemm(&ta_, &tb_, &m, &n, &k, &alpha, <double complex *>A, &lda,
              <double complex *>B, &ldb, &beta, C, &ldc)
