# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""im2col N-D correlation: the compiled entry point of the im2col family.

The patch matrix P (one row per output, one column per kernel tap; see
csrc/im2col/im2col.h) is built one block at a time in a per-thread workspace
of about ``block_bytes``: C fills a block, then one BLAS gemv reduces it
(``out_block = P_block @ w``), or the C reference reduction for the dtypes
BLAS has no routine for.  Blocks are fixed by the problem and block_bytes
alone, never by the thread count, so every output is computed the same way
whatever the threads.

Threads: the pool of csrc/cc_parallel.h hands the blocks to the threads
(a workspace per thread) and the caller limits BLAS to one thread around the call
(convcore._threads.blas_threads): fill and reduction both run in parallel.
The alternative, blocks in turn with BLAS given the threads, leaves the
fill serial and OpenBLAS does not split blocks of this size usefully.  On
the development machine (2 cores, AMD EPYC, OpenBLAS 0.3.30; medians of
15, a quiet moment), 2 threads took 1-D 1e5 x 31 float64 from 1.98 ms to
1.07 ms over blocks and to 1.94 ms with BLAS threads; 2-D 256^2 x 7^2
float32 from 1.18 ms to 0.66 ms and 1.20 ms.  Block sizes of 64 KiB to
1 MiB were within 10% of each other; 256 KiB (half a Zen 3 L2) was best.
"""
cimport numpy as cnp
import numpy as np
from libc.limits cimport INT_MAX
from libc.stdlib cimport calloc, free
from libc.string cimport memset

from _blas cimport ColMajor, NoTrans, _gemv
from _corr_problem cimport fill_corr_problem
from _types cimport blas_t
from cc_common cimport CC_ENOMEM, CC_MAX_NDIM, CC_OK, cc_index_t, check_status
from cc_direct cimport cc_corr_problem
from cc_dtype cimport (CC_DT_C64, CC_DT_C128, CC_DT_COUNT, CC_DT_F32, CC_DT_F64, cc_dtype,
                       dtype_table)
from cc_parallel cimport cc_parallel_for
from cc_im2col cimport (CC_IM2COL_DTYPE_SET, cc_im2col_elem_size, cc_im2col_fn,
                        cc_im2col_matvec_select, cc_im2col_select, cc_matvec_fn)

cnp.import_array()

cdef extern from "<stdlib.h>" nogil:
    void *aligned_alloc(size_t alignment, size_t size)

cdef enum:
    # Workspaces start on a cache line, the same for every thread: BLAS
    # kernels that peel for alignment then sum every block in one order.
    ALIGN = 64

#: Workspace of one thread, in bytes (one block of the patch matrix).
DEFAULT_BLOCK_BYTES = 256 * 1024
#: Outputs a block keeps, when the workspace allows, before taps are split.
MIN_BLOCK_ROWS = 256
#: Below this many multiply-adds a call stays on one thread (as direct_op.c).
PARALLEL_MIN_WORK = 200000
#: (code, name, NumPy type string) of the element types the fill and the
#: reference reduction run, from the C list (csrc/cc_dtype.h).
DTYPES = dtype_table(CC_IM2COL_DTYPE_SET)
#: dtype codes (convcore._direct.DTYPE_CODES order) reduced by BLAS.
BLAS_DTYPE_CODES = (CC_DT_F32, CC_DT_F64, CC_DT_C64, CC_DT_C128)

cdef inline void _blas_matvec(cc_index_t m, cc_index_t kc, const blas_t *patch,
                              cc_index_t ld, const blas_t *w, int accumulate,
                              blas_t *y) noexcept nogil:
    """y (+)= P @ w for an m x kc column-major block (ld >= m; all <= INT_MAX).
    IN patch, w; OUT y.

    gemv, not gemm with n = 1: OpenBLAS packs both gemm operands, and on
    the development machine gemm took 2-9x as long for these blocks
    (1-D 1e5 x 31 float64, 2-D 256^2 x 7^2 float32, 64 KiB-4 MiB blocks).
    The block is column-major with the outputs down each column, so the
    gemv runs its 'N' kernel: long axpy-like columns, y kept in cache."""
    cdef blas_t one = 1
    cdef blas_t beta = 1 if accumulate else 0
    if not accumulate:
        # beta == 0 should not read y, but some OpenBLAS releases scale it by
        # zero (NaN * 0 = NaN): give them zeros, not np.empty garbage.
        memset(y, 0, <size_t>m * sizeof(blas_t))
    _gemv(ColMajor, NoTrans, <int>m, <int>kc, one, patch, <int>ld, w, 1, beta, y, 1)


# cc_matvec_fn-shaped reductions of the BLAS dtypes.

cdef void _matvec_f32(cc_index_t m, cc_index_t kc, const void *patch, cc_index_t ld,
                      const void *w, int accumulate, void *y) noexcept nogil:
    _blas_matvec(m, kc, <const float *>patch, ld, <const float *>w, accumulate,
                 <float *>y)


cdef void _matvec_f64(cc_index_t m, cc_index_t kc, const void *patch, cc_index_t ld,
                      const void *w, int accumulate, void *y) noexcept nogil:
    _blas_matvec(m, kc, <const double *>patch, ld, <const double *>w, accumulate,
                 <double *>y)


cdef void _matvec_c64(cc_index_t m, cc_index_t kc, const void *patch, cc_index_t ld,
                      const void *w, int accumulate, void *y) noexcept nogil:
    _blas_matvec(m, kc, <const float complex *>patch, ld, <const float complex *>w,
                 accumulate, <float complex *>y)


cdef void _matvec_c128(cc_index_t m, cc_index_t kc, const void *patch, cc_index_t ld,
                       const void *w, int accumulate, void *y) noexcept nogil:
    _blas_matvec(m, kc, <const double complex *>patch, ld, <const double complex *>w,
                 accumulate, <double complex *>y)


cdef cc_matvec_fn _blas_reduction(int dtype_code) noexcept:
    if dtype_code == CC_DT_F32:
        return _matvec_f32
    if dtype_code == CC_DT_F64:
        return _matvec_f64
    if dtype_code == CC_DT_C64:
        return _matvec_c64
    if dtype_code == CC_DT_C128:
        return _matvec_c128
    return NULL


def plan(Py_ssize_t rows, Py_ssize_t taps, Py_ssize_t itemsize, Py_ssize_t block_bytes):
    """(outputs per block, taps per block) of the patch blocks of a problem
    with ``rows`` outputs and ``taps`` kernel taps.  A block holds about
    block_bytes (at least one element) and at least MIN_BLOCK_ROWS outputs
    when that fits (a gemv over a few outputs is a handful of dot products;
    the taps are then split into chunks that are summed in turn).  Neither
    count passes INT_MAX, BLAS's limit on every dimension."""
    if rows < 1 or taps < 1 or itemsize < 1 or block_bytes < 1:
        raise ValueError("rows, taps, itemsize and block_bytes must be positive")
    cdef Py_ssize_t elems = max(1, block_bytes // itemsize)
    cdef Py_ssize_t kc = min(taps, max(1, elems // min(rows, MIN_BLOCK_ROWS)), INT_MAX)
    cdef Py_ssize_t mb = min(rows, max(1, elems // kc), INT_MAX)
    return mb, kc


cdef struct _job:
    const cc_corr_problem *p
    cc_im2col_fn fill
    cc_matvec_fn reduce
    const char *x
    const char *w
    char *out
    cc_index_t rows, taps, mb, kc
    size_t esize, ws
    char **bufs       # [threads] a worker's workspace, NULL until its first block
    int *failed       # [threads] its workspace could not be allocated


cdef void _blocks(void *ctx, cc_index_t begin, cc_index_t end, int worker) noexcept nogil:
    """Blocks [begin, end) of patch rows: fill each, reduce it into out.
    Taps past kc are summed over several fills (the reduction accumulates)."""
    cdef _job *j = <_job *>ctx
    cdef char *buf = j.bufs[worker]
    cdef cc_index_t b, o0, m, t0
    if buf == NULL:
        if j.failed[worker]:
            return
        buf = <char *>aligned_alloc(ALIGN, j.ws)
        if buf == NULL:
            j.failed[worker] = 1
            return
        j.bufs[worker] = buf
    for b in range(begin, end):
        o0 = b * j.mb
        m = min(j.mb, j.rows - o0)
        t0 = 0
        while t0 < j.taps:
            j.fill(j.p, j.x, o0, m, t0, min(j.kc, j.taps - t0), j.mb, buf)
            j.reduce(m, min(j.kc, j.taps - t0), buf, j.mb, j.w + <size_t>t0 * j.esize, t0 > 0,
                     j.out + <size_t>o0 * j.esize)
            t0 = t0 + j.kc


cdef int _run(const cc_corr_problem *p, cc_im2col_fn fill, cc_matvec_fn reduce,
              const char *x, const char *w, char *out, cc_index_t rows, cc_index_t taps,
              size_t esize, cc_index_t mb, cc_index_t kc, int num_threads) noexcept nogil:
    """Every block of patch rows, one block at a time per thread."""
    cdef _job j
    cdef int t, status = CC_OK
    j.p, j.fill, j.reduce, j.x, j.w, j.out = p, fill, reduce, x, w, out
    j.rows, j.taps, j.mb, j.kc, j.esize = rows, taps, mb, kc, esize
    j.ws = (<size_t>mb * <size_t>kc * esize + ALIGN - 1) // ALIGN * ALIGN
    j.bufs = <char **>calloc(num_threads, sizeof(char *))
    j.failed = <int *>calloc(num_threads, sizeof(int))
    if j.bufs == NULL or j.failed == NULL:
        free(j.bufs)
        free(j.failed)
        return CC_ENOMEM
    cc_parallel_for((rows + mb - 1) // mb, 1, num_threads, _blocks, &j)
    for t in range(num_threads):
        free(j.bufs[t])
        if j.failed[t]:
            status = CC_ENOMEM
    free(j.bufs)
    free(j.failed)
    return status


def correlate(cnp.ndarray x, cnp.ndarray w, cnp.ndarray out, offset, int dtype_code,
              int num_threads, Py_ssize_t block_bytes=DEFAULT_BLOCK_BYTES,
              bint use_blas=True):
    """out[o] = sum_t x[o + offset + t] * w[t], x zero outside its shape, as
    the patch-matrix product out = P @ w.

    x: IN, aligned, strides multiples of its itemsize, last stride one
    element (or a last axis of length <= 1).  w: IN, C-contiguous.
    out: OUT, C-contiguous, written whole.  All three share the element type
    dtype_code (an index into convcore._direct.DTYPE_CODES; signed integers
    use the unsigned code of their width).  num_threads >= 1 threads share
    the blocks; block_bytes bounds each thread's workspace; use_blas
    False reduces BLAS dtypes with the C reference too (for tests).
    """
    cdef cc_index_t dims[5 * CC_MAX_NDIM]
    cdef cc_corr_problem p
    if not 0 <= dtype_code < CC_DT_COUNT:
        raise ValueError(f"dtype_code must be in [0, {CC_DT_COUNT}), got {dtype_code}")
    if num_threads < 1:
        raise ValueError(f"num_threads must be positive, got {num_threads}")
    if block_bytes < 1:
        raise ValueError(f"block_bytes must be positive, got {block_bytes}")
    if x.itemsize != <Py_ssize_t>cc_im2col_elem_size(<cc_dtype>dtype_code):
        raise ValueError(f"x.itemsize {x.itemsize} does not match dtype_code {dtype_code}")
    if not (cnp.PyArray_ISALIGNED(x) and cnp.PyArray_ISALIGNED(w)
            and cnp.PyArray_ISALIGNED(out)):
        raise ValueError("x, w and out must be aligned")
    fill_corr_problem(&p, x, w, out, offset, dims)

    cdef cc_index_t rows = out.size, taps = w.size
    cdef size_t esize = x.itemsize
    cdef char *op = <char *>cnp.PyArray_DATA(out)
    if rows == 0:
        return
    if taps == 0:  # sums of no terms; every dtype's zero is all-zero bytes
        memset(op, 0, <size_t>rows * esize)
        return
    cdef cc_im2col_fn fill_fn = cc_im2col_select(<cc_dtype>dtype_code)
    cdef cc_matvec_fn reduce = _blas_reduction(dtype_code) if use_blas else NULL
    if reduce == NULL:
        reduce = cc_im2col_matvec_select(<cc_dtype>dtype_code)
    cdef cc_index_t mb, kc
    mb, kc = plan(rows, taps, esize, block_bytes)
    cdef int nt = num_threads
    if rows <= mb or <double>rows * <double>taps < PARALLEL_MIN_WORK:
        nt = 1
    cdef const char *xp = <const char *>cnp.PyArray_DATA(x)
    cdef const char *wp = <const char *>cnp.PyArray_DATA(w)
    cdef int status
    with nogil:
        status = _run(&p, fill_fn, reduce, xp, wp, op, rows, taps, esize, mb, kc, nt)
    check_status(status, "im2col", "for the im2col workspace")


def fill(cnp.ndarray x, w_shape, out_shape, offset, int dtype_code, Py_ssize_t o0,
         Py_ssize_t m, Py_ssize_t t0, Py_ssize_t kc, Py_ssize_t ld=0):
    """One block of the patch matrix, for tests: rows [o0, o0 + m) and
    columns [t0, t0 + kc) as the (kc, ld) tap-major buffer the reduction
    reads (ld >= m; 0 means m), its entries past m left zero.  x as for
    correlate."""
    cdef cc_index_t dims[5 * CC_MAX_NDIM]
    cdef cc_corr_problem p
    if not 0 <= dtype_code < CC_DT_COUNT:
        raise ValueError(f"dtype_code must be in [0, {CC_DT_COUNT}), got {dtype_code}")
    if x.itemsize != <Py_ssize_t>cc_im2col_elem_size(<cc_dtype>dtype_code):
        raise ValueError(f"x.itemsize {x.itemsize} does not match dtype_code {dtype_code}")
    ld = ld or m
    w = np.empty(tuple(w_shape), x.dtype)
    out = np.empty(tuple(out_shape), x.dtype)
    if not (cnp.PyArray_ISALIGNED(x) and cnp.PyArray_ISALIGNED(w)
            and cnp.PyArray_ISALIGNED(out)):
        raise ValueError("x, w and out must be aligned")
    fill_corr_problem(&p, x, w, out, offset, dims)
    if not (0 <= o0 and 1 <= m and o0 + m <= out.size and 0 <= t0 and kc >= 1
            and t0 + kc <= w.size and ld >= m):
        raise ValueError(f"block rows [{o0}, {o0 + m}) x columns [{t0}, {t0 + kc}) "
                         f"(ld {ld}) is not inside the {out.size} x {w.size} patch matrix")
    patch = np.zeros((kc, ld), x.dtype)
    cc_im2col_select(<cc_dtype>dtype_code)(&p, cnp.PyArray_DATA(x), o0, m, t0, kc, ld,
                                           cnp.PyArray_DATA(patch))
    return patch
