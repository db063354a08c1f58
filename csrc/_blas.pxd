# BLAS wrappers over scipy.linalg.cython_blas, in scikit-learn's
# _cython_blas shape: one fused function per routine, row-major handled by
# swapping operands, callable without the GIL.  Inline in this .pxd, so every
# family that cimports it gets the wrappers without a module of its own.
#
# BLAS takes 32-bit int dimensions: callers keep m, n and every leading
# dimension <= INT_MAX (they split larger problems into blocks); _gemm
# takes 64-bit sizes and does the splitting itself.  gemv is the signal
# im2col's reduction (gemm with n = 1 was 2-9x slower there), gemm the
# layer convolutions'.
from libc.limits cimport INT_MAX
from scipy.linalg.cython_blas cimport (cgemm, cgemv, dgemm, dgemv, sgemm, sgemv, zgemm,
                                       zgemv)

from _types cimport blas_t
from cc_common cimport cc_index_t

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


cdef inline void _gemm_int(BLAS_Trans ta, BLAS_Trans tb, int m, int n, int k, blas_t alpha,
                           const blas_t *A, int lda, const blas_t *B, int ldb, blas_t beta,
                           blas_t *C, int ldc) noexcept nogil:
    """One column-major BLAS gemm call: C = alpha * op(A) @ op(B) + beta * C."""
    cdef char ta_ = ta, tb_ = tb
    if blas_t is float:
        sgemm(&ta_, &tb_, &m, &n, &k, &alpha, <float *>A, &lda, <float *>B, &ldb, &beta,
              C, &ldc)
    elif blas_t is double:
        dgemm(&ta_, &tb_, &m, &n, &k, &alpha, <double *>A, &lda, <double *>B, &ldb, &beta,
              C, &ldc)
    elif blas_t is floatcomplex:
        cgemm(&ta_, &tb_, &m, &n, &k, &alpha, <float complex *>A, &lda, <float complex *>B,
              &ldb, &beta, C, &ldc)
    else:
        zgemm(&ta_, &tb_, &m, &n, &k, &alpha, <double complex *>A, &lda,
              <double complex *>B, &ldb, &beta, C, &ldc)


cdef inline int _fit(cc_index_t ld, cc_index_t rows, cc_index_t limit) noexcept nogil:
    """A leading dimension BLAS accepts for a block of ``rows`` stored rows
    (column-major): ld itself when it fits, else the block is one column
    wide and any ld >= rows will do."""
    return <int>(ld if ld <= limit else (rows if rows > 1 else 1))


cdef inline void _gemm(BLAS_Order order, BLAS_Trans ta, BLAS_Trans tb, cc_index_t m,
                       cc_index_t n, cc_index_t k, blas_t alpha, const blas_t *A,
                       cc_index_t lda, const blas_t *B, cc_index_t ldb, blas_t beta,
                       blas_t *C, cc_index_t ldc) noexcept nogil:
    """C = alpha * op(A) @ op(B) + beta * C with C m x n and the inner
    dimension k, every matrix stored in ``order``; 64-bit sizes (see
    _gemm_split)."""
    _gemm_split(order, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, INT_MAX)


cdef inline void _gemm_split(BLAS_Order order, BLAS_Trans ta, BLAS_Trans tb, cc_index_t m,
                             cc_index_t n, cc_index_t k, blas_t alpha, const blas_t *A,
                             cc_index_t lda, const blas_t *B, cc_index_t ldb, blas_t beta,
                             blas_t *C, cc_index_t ldc, cc_index_t limit) noexcept nogil:
    """_gemm with the block size ``limit`` (INT_MAX; tests pass less).

    A dimension past ``limit`` (BLAS's 32-bit int) is cut into blocks, the
    inner one summed block after block (beta for the first, 1 after).  A leading dimension past the limit
    makes the dimension it strides over blocks of one, so no ld passed to
    BLAS overflows (slow, but such arrays hold over 2**31 elements per
    row).  Row-major is the column-major product of the transposes: the
    operands swap (sklearn's _cython_blas does the same)."""
    cdef cc_index_t mb, nb, kb, i0, j0, l0, mi, nj, kl
    cdef const blas_t *a
    cdef const blas_t *b
    cdef blas_t beta_
    if order == RowMajor:
        m, n = n, m
        ta, tb = tb, ta
        A, B = B, A
        lda, ldb = ldb, lda
    # Column-major from here: C(i, j) at C[i + j * ldc]; op(A)(i, l) at
    # A[i + l * lda] ('n') or A[l + i * lda] ('t'); op(B)(l, j) at
    # B[l + j * ldb] ('n') or B[j + l * ldb] ('t').
    mb, nb, kb = min(m, limit), min(n, limit), min(k, limit)
    if ldc > limit:
        nb = 1
    if lda > limit:
        if ta == NoTrans:
            kb = 1
        else:
            mb = 1
    if ldb > limit:
        if tb == NoTrans:
            nb = 1
        else:
            kb = 1
    if m == 0 or n == 0:
        return
    j0 = 0
    while j0 < n:
        nj = min(nb, n - j0)
        i0 = 0
        while i0 < m:
            mi = min(mb, m - i0)
            l0 = 0
            while True:  # once when k == 0: BLAS then scales C by beta
                kl = min(kb, k - l0)
                a = A + (i0 + l0 * lda if ta == NoTrans else l0 + i0 * lda)
                b = B + (l0 + j0 * ldb if tb == NoTrans else j0 + l0 * ldb)
                beta_ = beta if l0 == 0 else 1
                _gemm_int(ta, tb, <int>mi, <int>nj, <int>kl, alpha,
                          a, _fit(lda, mi if ta == NoTrans else kl, limit),
                          b, _fit(ldb, kl if tb == NoTrans else nj, limit),
                          beta_, C + i0 + j0 * ldc, _fit(ldc, mi, limit))
                l0 += kl
                if l0 >= k:
                    break
            i0 += mi
        j0 += nj
