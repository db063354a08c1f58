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

from _blas cimport ColMajor, NoTrans, RowMajor, Trans, _gemm, _gemm_split, _gemv
from _corr_problem cimport fill_corr_problem
from _types cimport blas_t, real_t
from cc_cpu cimport cc_cpu_best_isa
from cc_common cimport CC_ENOMEM, CC_MAX_NDIM, CC_OK, cc_index_t, check_status
from cc_direct cimport cc_corr_problem
from cc_dtype cimport (CC_DT_C64, CC_DT_C128, CC_DT_COUNT, CC_DT_F32, CC_DT_F64, cc_dtype,
                       dtype_table)
from cc_parallel cimport (CC_PARALLEL_CHUNKS_PER_THREAD, cc_parallel_chunk, cc_parallel_for,
                         cc_range_fn)
from cc_im2col cimport (CC_IM2COL_DTYPE_SET, cc_fold_fn, cc_fold_select,
                        cc_im2col_elem_size, cc_im2col_fn, cc_im2col_matvec_select,
                        cc_im2col_select, cc_matvec_fn, cc_unfold_fn, cc_unfold_geom,
                        cc_unfold_select)

cdef extern from "im2col/local.h" nogil:
    void cc_local_dot_f32__avx2(cc_index_t n, cc_index_t m, cc_index_t k, const float *a,
                                const float *w, float *y, cc_index_t ldy)
    void cc_local_axpy_f32__avx2(cc_index_t rows, cc_index_t inner, cc_index_t k,
                                 const float *coef, cc_index_t rstride,
                                 cc_index_t istride, const float *src, int accumulate,
                                 float *dst)
    int cc_local_have_avx2()

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


cdef struct _workspaces:
    char **bufs       # [threads] a worker's workspace, NULL until it first needs one
    int *failed       # [threads] its workspace could not be allocated
    size_t size       # bytes of each, a multiple of ALIGN
    int count


cdef int _ws_open(_workspaces *w, int count, size_t nbytes) noexcept nogil:
    """Room for ``count`` workers' workspaces of ``nbytes`` each, allocated
    lazily (a worker that gets no item allocates nothing); CC_ENOMEM when
    even the table cannot be had."""
    w.size = (nbytes + ALIGN - 1) // ALIGN * ALIGN
    w.count = count
    w.bufs = <char **>calloc(count, sizeof(char *))
    w.failed = <int *>calloc(count, sizeof(int))
    if w.bufs == NULL or w.failed == NULL:
        free(w.bufs)
        free(w.failed)
        return CC_ENOMEM
    return CC_OK


cdef char *_ws_get(_workspaces *w, int worker) noexcept nogil:
    """Worker ``worker``'s workspace, allocated on its first call; NULL
    (and the failure recorded) when it cannot be had."""
    cdef char *buf = w.bufs[worker]
    if buf == NULL and not w.failed[worker]:
        buf = <char *>aligned_alloc(ALIGN, w.size)
        if buf == NULL:
            w.failed[worker] = 1
        w.bufs[worker] = buf
    return buf


cdef int _ws_close(_workspaces *w) noexcept nogil:
    """Free every workspace; CC_ENOMEM when a worker could not have one
    (its items were not computed)."""
    cdef int t, status = CC_OK
    for t in range(w.count):
        free(w.bufs[t])
        if w.failed[t]:
            status = CC_ENOMEM
    free(w.bufs)
    free(w.failed)
    return status


cdef struct _job:
    const cc_corr_problem *p
    cc_im2col_fn fill
    cc_matvec_fn reduce
    const char *x
    const char *w
    char *out
    cc_index_t rows, taps, mb, kc
    size_t esize
    _workspaces ws    # a block of the patch matrix per worker


cdef void _blocks(void *ctx, cc_index_t begin, cc_index_t end, int worker) noexcept nogil:
    """Blocks [begin, end) of patch rows: fill each, reduce it into out.
    Taps past kc are summed over several fills (the reduction accumulates)."""
    cdef _job *j = <_job *>ctx
    cdef char *buf = _ws_get(&j.ws, worker)
    cdef cc_index_t b, o0, m, t0
    if buf == NULL:
        return
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
    j.p, j.fill, j.reduce, j.x, j.w, j.out = p, fill, reduce, x, w, out
    j.rows, j.taps, j.mb, j.kc, j.esize = rows, taps, mb, kc, esize
    if _ws_open(&j.ws, num_threads, <size_t>mb * <size_t>kc * esize) != CC_OK:
        return CC_ENOMEM
    cc_parallel_for((rows + mb - 1) // mb, 1, num_threads, _blocks, &j)
    return _ws_close(&j.ws)


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


# --------------------------------------------------------------------------
# Layer convolutions (convcore.nn.convNd, method 'im2col') and the public
# unfold / fold, on the column kernels of csrc/im2col/unfold.h.
#
# Per work item (image n, group g, tile of window positions [p0, p0 + m)):
# the column block of the group's channels is unfolded into the worker's
# workspace, then one gemm
#     out[n, g's channels, p0:p0 + m] (+)= w_g (og x rows) @ cols (rows x m)
# with rows = C_in/groups * taps.  A tile keeps CONV_MIN_TILE positions at
# least; when rows x tile would pass block_bytes the rows are cut into
# chunks whose products accumulate (beta 1).  A 1x1 kernel at stride 1
# without padding reads x as its own column matrix (no copy).  Bias is
# written into the tile first and the gemm adds to it.
#
# Threads: items (fixed by the problem and block_bytes, never by the thread
# count) go to the pool of csrc/cc_parallel.h, each with its own gemm on
# one BLAS thread (the caller sets that: convcore._threads.blas_threads),
# so the unfold runs in parallel too and results are bit-identical for any
# thread count.  The alternative, one image-sized gemm at a time with BLAS
# given the threads, was measured on the development machine (2 vCPUs, AMD
# EPYC Zen 5, scipy's OpenBLAS 0.3.30 with OPENBLAS_CORETYPE=Haswell,
# float32, GFLOPS, medians of runs each in a fresh process, sgemm 2048^2
# on 2 threads ~255): quiet, 3x3 64->64 56x56 N=8 157-178 here vs 117
# there, N=1 155 vs 110, 3x3 256->256 14x14 190 vs 183, 1x1 256->64 179 vs
# 169; with another process busy on one core, 170 vs 159 and 84 vs 15 (7x7/2
# 3->64 224x224): OpenBLAS's threads spin-wait for a peer the OS has
# descheduled, where a pool item is simply taken by the thread that runs.
# A single thread runs at ~95% of a 2048^2 sgemm on one thread (88 vs 93);
# the unfold is ~8% of a tile's time (9.5 G elements/s at stride 1).

#: Column workspace of one thread in the layer convolution, in bytes.  Larger
#: tiles mean fewer gemm calls, each re-packing the weights: on the
#: development machine (quiet moments, 2 threads, float32 GFLOPS) 3x3 64->64
#: 56x56 N=8 ran 152 / 162 / 169 / 176 with 256 KiB / 512 KiB / 1 MiB /
#: 4 MiB, 1x1 256->64 171 / 176 / 185 / 200, although a tile past 1 MiB
#: leaves Zen 5's L2 (L3 serves it).  2 MiB keeps most of that gain and
#: still gives a 56x56 image four tiles for the threads to share.
CONV_BLOCK_BYTES = 2 * 1024 * 1024
#: Fewest window positions a tile keeps before its rows are cut into chunks.
CONV_MIN_TILE = 64
#: Tiles hold a multiple of this many positions (a cache line of float32).
CONV_TILE_ALIGN = 16
#: Below this many multiply-adds a convolution stays on one thread.
CONV_PARALLEL_MIN_WORK = 2000000
#: Below this many elements copied, unfold and fold stay on one thread.
FOLD_PARALLEL_MIN_ELEMS = 65536


cdef int _float_code(cnp.ndarray a, str name) except -1:
    if a.dtype.kind != "f" or a.itemsize not in (4, 8) or not a.dtype.isnative:
        raise ValueError(f"{name} must be native float32 or float64, got {name}.dtype={a.dtype}")
    return CC_DT_F32 if a.itemsize == 4 else CC_DT_F64


cdef int _check_array(cnp.ndarray a, str name, int ndim, int code, bint write) except -1:
    if a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got {name}.shape={(<object>a).shape}")
    if _float_code(a, name) != code:
        raise ValueError(f"{name}.dtype={a.dtype} does not match the input's")
    if not (cnp.PyArray_IS_C_CONTIGUOUS(a) and cnp.PyArray_ISALIGNED(a)):
        raise ValueError(f"{name} must be C-contiguous and aligned")
    if write and not cnp.PyArray_ISWRITEABLE(a):
        raise ValueError(f"{name} must be writeable")
    return 0


#: Geometry past this is refused: the kernels add sizes, padding, kernel
#: extents and strides in int64 (cc_index_t), and below 2**62 no sum of two
#: overflows.
GEOMETRY_LIMIT = 1 << 62


cdef int _set_geom(cc_unfold_geom *g, in_size, out_size, kernel, stride, pad,
                   dilation) except -1:
    cdef int a
    for a in range(3):
        # Python ints first: nothing wraps before the check.
        if (in_size[a] + 2 * max(pad[a], 0) >= GEOMETRY_LIMIT or out_size[a] >= GEOMETRY_LIMIT
                or max(dilation[a], 0) * max(kernel[a] - 1, 0) + 1 >= GEOMETRY_LIMIT
                or stride[a] >= GEOMETRY_LIMIT):
            raise ValueError(f"convcore: im2col geometry past 2**62 (size {in_size[a]}, "
                             f"padding {pad[a]}, kernel {kernel[a]}, dilation {dilation[a]}, "
                             f"stride {stride[a]})")
        g.inp[a], g.out[a], g.k[a] = in_size[a], out_size[a], kernel[a]
        g.s[a], g.pad[a], g.d[a] = stride[a], pad[a], dilation[a]
        if g.inp[a] < 1 or g.out[a] < 1 or g.k[a] < 1 or g.s[a] < 1 or g.d[a] < 1 \
                or g.pad[a] < 0:
            raise ValueError("sizes, kernel, stride and dilation must be positive and "
                             "padding non-negative")
    return 0


def conv_plan(Py_ssize_t positions, Py_ssize_t rows, Py_ssize_t itemsize,
              Py_ssize_t block_bytes):
    """(positions per tile, rows per chunk) of the layer convolution: tiles
    of at most block_bytes of columns (rows x tile), of balanced sizes (a
    multiple of CONV_TILE_ALIGN positions where that still fits) and at
    least CONV_MIN_TILE positions (or all); rows are cut into chunks only
    when even such a tile would not fit.  So tile * chunk * itemsize is at
    most max(block_bytes, CONV_MIN_TILE * itemsize)."""
    if positions < 1 or rows < 1 or itemsize < 1 or block_bytes < 1:
        raise ValueError("positions, rows, itemsize and block_bytes must be positive")
    cdef Py_ssize_t elems = max(1, block_bytes // itemsize)
    cdef Py_ssize_t most = min(positions, max(CONV_MIN_TILE, elems // rows))
    cdef Py_ssize_t tiles = (positions + most - 1) // most
    cdef Py_ssize_t tile = (positions + tiles - 1) // tiles
    cdef Py_ssize_t aligned = (tile + CONV_TILE_ALIGN - 1) // CONV_TILE_ALIGN * CONV_TILE_ALIGN
    if aligned <= most:  # never so far past `most` that the rows no longer fit
        tile = aligned
    return tile, min(rows, max(1, elems // tile))


cdef struct _conv_job:
    cc_unfold_geom geom
    cc_unfold_fn unfold
    bint f64
    bint pointwise         # 1x1, stride 1, no padding: x is its own column matrix
    const char *x
    const char *w
    const char *bias       # NULL: none
    char *out
    cc_index_t groups, cg, og, c_in, c_out, rows, plane, positions, tile, kc, tiles
    size_t esize
    _workspaces ws         # a column tile per worker (none on the pointwise path)


cdef inline void _gemm_tile(bint f64, cc_index_t m, cc_index_t n, cc_index_t k,
                            const char *a, cc_index_t lda, const char *b, cc_index_t ldb,
                            bint accumulate, char *c, cc_index_t ldc) noexcept nogil:
    """Row-major c (m x n, ldc) (+)= a (m x k, lda) @ b (k x n, ldb)."""
    if f64:
        _gemm(RowMajor, NoTrans, NoTrans, m, n, k, <double>1, <const double *>a, lda,
              <const double *>b, ldb, <double>(1 if accumulate else 0), <double *>c, ldc)
    else:
        _gemm(RowMajor, NoTrans, NoTrans, m, n, k, <float>1, <const float *>a, lda,
              <const float *>b, ldb, <float>(1 if accumulate else 0), <float *>c, ldc)


cdef inline void _bias_tile(bint f64, cc_index_t rows, cc_index_t m, const char *bias,
                            char *c, cc_index_t ldc) noexcept nogil:
    """c[o, :m] = bias[o] for the rows of a tile (ldc apart)."""
    cdef cc_index_t o, i
    cdef double *cd
    cdef float *cf
    for o in range(rows):
        if f64:
            cd = <double *>c + o * ldc
            for i in range(m):
                cd[i] = (<const double *>bias)[o]
        else:
            cf = <float *>c + o * ldc
            for i in range(m):
                cf[i] = (<const float *>bias)[o]


cdef int _run_items(cc_index_t items, double work, int threads, size_t ws_bytes,
                    _workspaces *ws, cc_range_fn fn, void *job, str what) except -1:
    """fn on items [0, items) of job on the pool, each worker with a column
    workspace of ws_bytes in *ws (a field of job); one thread below
    CONV_PARALLEL_MIN_WORK multiply-adds of ``work``."""
    cdef int status, nt = threads
    if items < 2 or work < CONV_PARALLEL_MIN_WORK:
        nt = 1
    nt = <int>min(nt, items)
    if _ws_open(ws, nt, ws_bytes) != CC_OK:
        raise MemoryError("convcore: out of memory for the im2col workspace")
    with nogil:
        cc_parallel_for(items, 1, nt, fn, job)
        status = _ws_close(ws)
    check_status(status, what, "for the im2col workspace")
    return 0


cdef void _conv_items(void *ctx, cc_index_t begin, cc_index_t end,
                      int worker) noexcept nogil:
    """Items [begin, end): (image, group, tile) in C order."""
    cdef _conv_job *j = <_conv_job *>ctx
    cdef char *buf = NULL
    cdef cc_index_t item, tile, ng, g, n, p0, m, r0, kr
    cdef const char *xg
    cdef const char *wg
    cdef char *cg
    cdef bint acc
    if not j.pointwise:
        buf = _ws_get(&j.ws, worker)
        if buf == NULL:
            return
    for item in range(begin, end):
        tile = item % j.tiles
        ng = item // j.tiles
        g = ng % j.groups
        n = ng // j.groups
        p0 = tile * j.tile
        m = min(j.tile, j.positions - p0)
        xg = j.x + <size_t>((n * j.c_in + g * j.cg) * j.plane) * j.esize
        wg = j.w + <size_t>(g * j.og * j.rows) * j.esize
        cg = j.out + <size_t>((n * j.c_out + g * j.og) * j.positions + p0) * j.esize
        acc = j.bias != NULL
        if acc:
            _bias_tile(j.f64, j.og, m, j.bias + <size_t>(g * j.og) * j.esize, cg,
                       j.positions)
        if j.pointwise:
            _gemm_tile(j.f64, j.og, m, j.rows, wg, j.rows, xg + <size_t>p0 * j.esize,
                       j.plane, acc, cg, j.positions)
            continue
        r0 = 0
        while r0 < j.rows:
            kr = min(j.kc, j.rows - r0)
            j.unfold(&j.geom, xg, r0, r0 + kr, p0, m, m, buf)
            _gemm_tile(j.f64, j.og, m, kr, wg + <size_t>r0 * j.esize, j.rows, buf, m,
                       acc or r0 > 0, cg, j.positions)
            r0 += kr


cdef int _layer_arrays(cc_unfold_geom *geom, cnp.ndarray x, cnp.ndarray w, cnp.ndarray y,
                       str w_name, str y_name, bint w_written, Py_ssize_t groups, int threads,
                       Py_ssize_t block_bytes, stride, pad, dilation) except -1:
    """The checks of a layer convolution's arrays, x (N, C_in, D, H, W), w
    (C_out, C_in / groups, KD, KH, KW) and y (N, C_out, OD, OH, OW), the
    inputs first (w_written: w is the output, the weight gradient; else y),
    and geom from their shapes; returns the dtype code."""
    cdef int code = _float_code(x, "x")
    _check_array(x, "x", 5, code, False)
    if w_written:
        _check_array(y, y_name, 5, code, False)
        _check_array(w, w_name, 5, code, True)
    else:
        _check_array(w, w_name, 5, code, False)
        _check_array(y, y_name, 5, code, True)
    if threads < 1:
        raise ValueError(f"threads must be positive, got {threads}")
    if block_bytes < 1:
        raise ValueError(f"block_bytes must be positive, got {block_bytes}")
    xs, ws, ys = (<object>x).shape, (<object>w).shape, (<object>y).shape
    if groups < 1 or xs[1] % groups or ws[0] % groups or ws[1] * groups != xs[1] \
            or ys[0] != xs[0] or ys[1] != ws[0]:
        raise ValueError(f"shapes x {xs}, {w_name} {ws}, {y_name} {ys} do not match "
                         f"groups={groups}")
    _set_geom(geom, xs[2:], ys[2:], ws[2:], stride, pad, dilation)
    return code


def conv(cnp.ndarray x, cnp.ndarray w, bias, cnp.ndarray out, stride, pad, dilation,
         Py_ssize_t groups, int threads, Py_ssize_t block_bytes=CONV_BLOCK_BYTES):
    """out = the layer convolution of x with w (+ bias), im2col + gemm.

    x: IN (N, C_in, D, H, W); w: IN (C_out, C_in / groups, KD, KH, KW);
    bias: IN (C_out,) or None; out: OUT (N, C_out, OD, OH, OW), written
    whole (np.empty is fine).  All C-contiguous, aligned, one native float
    dtype.  stride, pad, dilation: 3 ints each (pad the left zero
    padding).  threads >= 1 share the items; block_bytes bounds each
    thread's column workspace (but a tile keeps CONV_MIN_TILE positions:
    see conv_plan).  BLAS should run one thread per call when threads > 1.
    """
    cdef _conv_job j
    cdef int code = _layer_arrays(&j.geom, x, w, out, "w", "out", False, groups, threads,
                                  block_bytes, stride, pad, dilation)
    n, c_in = (<object>x).shape[0], (<object>x).shape[1]
    c_out, cg = (<object>w).shape[0], (<object>w).shape[1]
    j.bias = NULL
    if bias is not None:
        _check_array(bias, "bias", 1, code, False)
        if (<object>bias).shape[0] != c_out:
            raise ValueError(f"(<object>bias).shape={(<object>bias).shape} does not match C_out={c_out}")
        j.bias = <const char *>cnp.PyArray_DATA(bias)
    if out.size == 0:
        return
    j.f64 = code == CC_DT_F64
    j.unfold = cc_unfold_select(<cc_dtype>code)
    j.groups, j.cg, j.og, j.c_in, j.c_out = groups, cg, c_out // groups, c_in, c_out
    taps = (<object>w).shape[2] * (<object>w).shape[3] * (<object>w).shape[4]
    j.rows = cg * taps
    j.plane = (<object>x).shape[2] * (<object>x).shape[3] * (<object>x).shape[4]
    j.positions = (<object>out).shape[2] * (<object>out).shape[3] * (<object>out).shape[4]
    j.esize = x.itemsize
    j.pointwise = (taps == 1 and tuple(stride) == (1, 1, 1) and tuple(pad) == (0, 0, 0)
                   and tuple((<object>out).shape[2:]) == tuple((<object>x).shape[2:]))
    j.tile, j.kc = conv_plan(j.positions, j.rows, j.esize, block_bytes)
    j.tiles = (j.positions + j.tile - 1) // j.tile
    j.x = <const char *>cnp.PyArray_DATA(x)
    j.w = <const char *>cnp.PyArray_DATA(w)
    j.out = <char *>cnp.PyArray_DATA(out)
    _run_items(n * groups * j.tiles, <double>out.size * <double>j.rows, threads,
               <size_t>j.tile * <size_t>j.kc * j.esize, &j.ws, _conv_items, &j,
               "im2col convolution")


#: Work items of the weight gradient per call, at least (groups x blocks of
#: input channels, fixed by the problem so results do not depend on the
#: thread count): enough for the threads to share, few enough that each
#: gemm keeps a wide block of columns.
DWEIGHT_MIN_ITEMS = 8


def dweight_blocks(Py_ssize_t groups, Py_ssize_t cg):
    """Input channels per block of the weight gradient's items."""
    cdef Py_ssize_t blocks = min(cg, max(1, (DWEIGHT_MIN_ITEMS + groups - 1) // groups))
    return (cg + blocks - 1) // blocks


cdef struct _dweight_job:
    cc_unfold_geom geom
    cc_unfold_fn unfold
    bint f64
    bint pointwise         # 1x1, stride 1, no padding: x is its own column matrix
    const char *x
    const char *dy
    char *dw
    cc_index_t n, groups, cg, og, c_in, c_out, taps, rows, plane, positions
    cc_index_t cb, blocks, tile, kc, tiles
    size_t esize
    _workspaces ws         # a column tile per worker (none on the pointwise path)


cdef inline void _gemm_nt(bint f64, cc_index_t m, cc_index_t n, cc_index_t k,
                          const char *a, cc_index_t lda, const char *b, cc_index_t ldb,
                          char *c, cc_index_t ldc) noexcept nogil:
    """Row-major c (m x n, ldc) += a (m x k, lda) @ b.T (b n x k, ldb)."""
    if f64:
        _gemm(RowMajor, NoTrans, Trans, m, n, k, <double>1, <const double *>a, lda,
              <const double *>b, ldb, <double>1, <double *>c, ldc)
    else:
        _gemm(RowMajor, NoTrans, Trans, m, n, k, <float>1, <const float *>a, lda,
              <const float *>b, ldb, <float>1, <float *>c, ldc)


cdef void _dweight_items(void *ctx, cc_index_t begin, cc_index_t end,
                         int worker) noexcept nogil:
    """Items [begin, end): (group, block of input channels), each its own
    columns of dw, summed over the images and tiles in order."""
    cdef _dweight_job *j = <_dweight_job *>ctx
    cdef char *buf = NULL
    cdef cc_index_t item, g, c0, c1, o, n, tile, p0, m, r0, r1, kr
    cdef const char *xg
    cdef const char *dyg
    cdef char *dwb
    if not j.pointwise:
        buf = _ws_get(&j.ws, worker)
        if buf == NULL:
            return
    for item in range(begin, end):
        g = item // j.blocks
        c0 = item % j.blocks * j.cb
        c1 = min(j.cg, c0 + j.cb)
        dwb = j.dw + <size_t>(g * j.og * j.rows + c0 * j.taps) * j.esize
        for o in range(j.og):
            memset(dwb + <size_t>(o * j.rows) * j.esize, 0,
                   <size_t>((c1 - c0) * j.taps) * j.esize)
        for n in range(j.n):
            xg = j.x + <size_t>((n * j.c_in + g * j.cg) * j.plane) * j.esize
            dyg = j.dy + <size_t>((n * j.c_out + g * j.og) * j.positions) * j.esize
            if j.pointwise:
                _gemm_nt(j.f64, j.og, c1 - c0, j.positions, dyg, j.positions,
                         xg + <size_t>(c0 * j.plane) * j.esize, j.plane, dwb, j.rows)
                continue
            for tile in range(j.tiles):
                p0 = tile * j.tile
                m = min(j.tile, j.positions - p0)
                r0, r1 = c0 * j.taps, c1 * j.taps
                while r0 < r1:
                    kr = min(j.kc, r1 - r0)
                    j.unfold(&j.geom, xg, r0, r0 + kr, p0, m, m, buf)
                    _gemm_nt(j.f64, j.og, kr, m, dyg + <size_t>p0 * j.esize, j.positions,
                             buf, m, dwb + <size_t>(r0 - c0 * j.taps) * j.esize, j.rows)
                    r0 += kr


def conv_dweight(cnp.ndarray x, cnp.ndarray dy, cnp.ndarray dw, stride, pad, dilation,
                 Py_ssize_t groups, int threads, Py_ssize_t block_bytes=CONV_BLOCK_BYTES):
    """dw = the gradient of the layer convolution's weight, im2col + gemm:
    dw[o, c, t] = sum over images and positions p of dy[n, o, p] *
    cols[n, (c, t), p] (the column matrix of conv).

    x: IN (N, C_in, D, H, W); dy: IN (N, C_out, OD, OH, OW); dw: OUT
    (C_out, C_in / groups, KD, KH, KW), written whole.  All C-contiguous,
    aligned, one native float dtype.  stride, pad, dilation: 3 ints each.
    Items (group, block of input channels; dweight_blocks) share the
    threads, each unfolding only its own rows, so every column of dw is
    summed in one order whatever the thread count.  BLAS should run one
    thread per call when threads > 1."""
    cdef _dweight_job j
    cdef int code = _layer_arrays(&j.geom, x, dw, dy, "dw", "dy", True, groups, threads,
                                  block_bytes, stride, pad, dilation)
    x_shape, dy_shape, dw_shape = (<object>x).shape, (<object>dy).shape, (<object>dw).shape
    n, c_in, c_out, cg = x_shape[0], x_shape[1], dw_shape[0], dw_shape[1]
    if dw.size == 0:
        return
    j.f64 = code == CC_DT_F64
    j.unfold = cc_unfold_select(<cc_dtype>code)
    j.n, j.groups, j.cg, j.og, j.c_in, j.c_out = n, groups, cg, c_out // groups, c_in, c_out
    j.taps = dw_shape[2] * dw_shape[3] * dw_shape[4]
    j.rows = cg * j.taps
    j.plane = x_shape[2] * x_shape[3] * x_shape[4]
    j.positions = dy_shape[2] * dy_shape[3] * dy_shape[4]
    j.esize = x.itemsize
    j.pointwise = (j.taps == 1 and tuple(stride) == (1, 1, 1) and tuple(pad) == (0, 0, 0)
                   and tuple(dy_shape[2:]) == tuple(x_shape[2:]))
    j.cb = dweight_blocks(groups, cg)
    j.blocks = (cg + j.cb - 1) // j.cb
    j.tile, j.kc = conv_plan(j.positions, j.cb * j.taps, j.esize, block_bytes)
    j.tiles = (j.positions + j.tile - 1) // j.tile
    j.x = <const char *>cnp.PyArray_DATA(x)
    j.dy = <const char *>cnp.PyArray_DATA(dy)
    j.dw = <char *>cnp.PyArray_DATA(dw)
    _run_items(groups * j.blocks, <double>dy.size * <double>j.rows, threads,
               <size_t>j.tile * <size_t>j.kc * j.esize, &j.ws, _dweight_items, &j,
               "im2col weight gradient")


cdef struct _fold_job:
    cc_unfold_geom geom
    cc_unfold_fn unfold
    cc_fold_fn fold
    const char *src
    char *dst
    cc_index_t channels, taps, plane, positions
    size_t esize


cdef void _unfold_items(void *ctx, cc_index_t begin, cc_index_t end,
                        int worker) noexcept nogil:
    """Items [begin, end): (image, channel), each its taps' rows of cols."""
    cdef _fold_job *j = <_fold_job *>ctx
    cdef cc_index_t item, n, c
    for item in range(begin, end):
        n, c = item // j.channels, item % j.channels
        j.unfold(&j.geom, j.src + <size_t>(n * j.channels * j.plane) * j.esize,
                 c * j.taps, (c + 1) * j.taps, 0, j.positions, j.positions,
                 j.dst + <size_t>(item * j.taps * j.positions) * j.esize)


cdef void _fold_items(void *ctx, cc_index_t begin, cc_index_t end,
                      int worker) noexcept nogil:
    """Items [begin, end): (image, channel), each its own plane of x."""
    cdef _fold_job *j = <_fold_job *>ctx
    cdef cc_index_t item, n, c
    for item in range(begin, end):
        n, c = item // j.channels, item % j.channels
        j.fold(&j.geom, j.src + <size_t>(n * j.channels * j.taps * j.positions) * j.esize,
               j.positions, c, c + 1, j.dst + <size_t>(n * j.channels * j.plane) * j.esize)


cdef int _fold_job_init(_fold_job *j, cnp.ndarray image, cnp.ndarray cols, grid, kernel,
                        stride, pad, dilation, int code) except -1:
    _set_geom(&j.geom, (<object>image).shape[2:], grid, kernel, stride, pad, dilation)
    j.channels = (<object>image).shape[1]
    j.taps = j.geom.k[0] * j.geom.k[1] * j.geom.k[2]
    j.plane = (<object>image).shape[2] * (<object>image).shape[3] * (<object>image).shape[4]
    j.positions = j.geom.out[0] * j.geom.out[1] * j.geom.out[2]
    j.esize = image.itemsize
    if ((<object>cols).shape[0] != (<object>image).shape[0] or (<object>cols).shape[1] != j.channels * j.taps
            or (<object>cols).shape[2] != j.positions):
        raise ValueError(f"(<object>cols).shape={(<object>cols).shape} is not (N, C * taps, positions) = "
                         f"({(<object>image).shape[0]}, {j.channels * j.taps}, {j.positions})")
    j.unfold = cc_unfold_select(<cc_dtype>code)
    j.fold = cc_fold_select(<cc_dtype>code)
    return 0


cdef int _fold_run(cnp.ndarray image, cnp.ndarray cols, grid, kernel, stride, pad, dilation,
                   int threads, bint to_cols) except -1:
    """unfold (to_cols: image -> cols) or fold (cols -> image) on the pool,
    in items (image, channel) that each write their own rows of cols or
    plane of image; the input is checked first, then the output."""
    cdef _fold_job j
    cdef cnp.ndarray src = image if to_cols else cols
    cdef cnp.ndarray dst = cols if to_cols else image
    cdef int code = _float_code(src, "x" if to_cols else "cols")
    if to_cols:
        _check_array(image, "x", 5, code, False)
        _check_array(cols, "cols", 3, code, True)
    else:
        _check_array(cols, "cols", 3, code, False)
        _check_array(image, "x", 5, code, True)
    if threads < 1:
        raise ValueError(f"threads must be positive, got {threads}")
    _fold_job_init(&j, image, cols, grid, kernel, stride, pad, dilation, code)
    j.src = <const char *>cnp.PyArray_DATA(src)
    j.dst = <char *>cnp.PyArray_DATA(dst)
    cdef cc_index_t items = (<object>image).shape[0] * j.channels
    cdef int nt = threads if max(cols.size, image.size) >= FOLD_PARALLEL_MIN_ELEMS else 1
    cdef cc_range_fn run = _unfold_items if to_cols else _fold_items
    if dst.size == 0:
        return 0
    with nogil:
        cc_parallel_for(items, cc_parallel_chunk(items, nt, CC_PARALLEL_CHUNKS_PER_THREAD), nt,
                        run, &j)
    return 0


def unfold(cnp.ndarray x, cnp.ndarray cols, grid, kernel, stride, pad, dilation,
           int threads):
    """cols[n] = the column matrix of image x[n] (csrc/im2col/unfold.h).

    x: IN (N, C, D, H, W); cols: OUT (N, C * KD*KH*KW, OD*OH*OW), written
    whole; grid: (OD, OH, OW) window positions; kernel, stride, pad,
    dilation: 3 ints each.  C-contiguous, aligned, one native float dtype."""
    _fold_run(x, cols, grid, kernel, stride, pad, dilation, threads, True)


def fold(cnp.ndarray cols, cnp.ndarray x, grid, kernel, stride, pad, dilation, int threads):
    """x[n] = the fold (col2im, the adjoint of unfold) of cols[n].

    cols: IN (N, C * KD*KH*KW, OD*OH*OW); x: OUT (N, C, D, H, W), written
    whole; the rest as unfold.  Each element of x is summed in one order
    whatever the thread count (threads split the channels)."""
    _fold_run(x, cols, grid, kernel, stride, pad, dilation, threads, False)


def gemm(cnp.ndarray a, cnp.ndarray b, cnp.ndarray c, bint accumulate=False,
         Py_ssize_t limit=INT_MAX):
    """Row-major c (+)= a @ b through _blas._gemm, its dimensions cut into
    blocks of at most ``limit`` (for tests of the splitting).  2-D arrays
    of one native float dtype; a and b may have any positive row stride
    (last axis contiguous), c C-contiguous."""
    cdef int code = _float_code(c, "c")
    for name, arr in (("a", a), ("b", b)):
        if arr.ndim != 2 or _float_code(arr, name) != code or arr.strides[1] != arr.itemsize \
                or arr.strides[0] < arr.itemsize * max((<object>arr).shape[1], 1) \
                or arr.strides[0] % arr.itemsize:
            raise ValueError(f"{name} must be 2-D, rows contiguous and ordered, of c's dtype")
    _check_array(c, "c", 2, code, True)
    if (<object>a).shape[1] != b.shape[0] or (<object>c).shape[0] != (<object>a).shape[0] or (<object>c).shape[1] != b.shape[1] \
            or limit < 1:
        raise ValueError("shapes do not multiply")
    cdef cc_index_t m = (<object>c).shape[0], n = (<object>c).shape[1], k = (<object>a).shape[1]
    cdef cc_index_t lda = a.strides[0] // a.itemsize, ldb = b.strides[0] // b.itemsize
    cdef cc_index_t ldc = max(n, 1)
    cdef const char *ap = <const char *>cnp.PyArray_DATA(a)
    cdef const char *bp = <const char *>cnp.PyArray_DATA(b)
    cdef char *cp = <char *>cnp.PyArray_DATA(c)
    with nogil:
        if code == CC_DT_F64:
            _gemm_split(RowMajor, NoTrans, NoTrans, m, n, k, <double>1, <const double *>ap,
                        lda, <const double *>bp, ldb, <double>(1 if accumulate else 0),
                        <double *>cp, ldc, limit)
        else:
            _gemm_split(RowMajor, NoTrans, NoTrans, m, n, k, <float>1, <const float *>ap,
                        lda, <const float *>bp, ldb, <float>(1 if accumulate else 0),
                        <float *>cp, ldc, limit)


# -- locally connected and tiled convolutions (convcore/nn/_local.py) ----------
#
# Per output position p a small product with the weight set s(p) of p:
# forward y[p] = cols[p] @ w[s].T, input gradient gcols[p] = dy[p] @ w[s],
# weight gradient dw[s] = sum over the positions of s (in order) of
# dy[p].T @ cols[p], with cols (P, N, K), dy and y (P, N, M), w and dw
# (S, M, K) (M output channels, K = C_in * taps, N images).  Both operands
# of the forward product run along K (BLAS's dot-product form, 'T' on w):
# 8.8 ms against 11.5 ms for w[s] @ cols[p] with cols (P, K, N) on the
# development machine (float32, 676 positions of 64 x 576 x 8, one thread).  The products
# are memory-bound on w (read or written once, each of its bytes used N
# times), so items are positions (forward, input gradient) or (set, block
# of rows of dw) and the pool runs them, one BLAS thread each (the caller
# sets it).  Every output is one item's, computed the same way whatever the
# thread count.

cdef enum:
    _LOCAL_FWD = 0
    _LOCAL_DINPUT = 1
    _LOCAL_DWEIGHT = 2

LOCAL_FWD, LOCAL_DINPUT, LOCAL_DWEIGHT = _LOCAL_FWD, _LOCAL_DINPUT, _LOCAL_DWEIGHT
#: The weight gradient splits the rows of a set into blocks until there are
#: this many items (fixed by the problem, never by the thread count).
LOCAL_MIN_ITEMS = 16


cdef struct _gather_job:
    cc_unfold_geom geom
    const char *src        # local_columns: the image; local_fold: the columns
    char *dst              # local_columns: the columns; local_fold: the image
    cc_index_t n, c, k, plane
    size_t esize


cdef inline void _gather_position(const _gather_job *j, cc_index_t p, const real_t *x,
                                  real_t *block) noexcept nogil:
    """block[img, :] (N x K) = the window of position p of every image
    (zeros outside the input), taps in (c, kd, kh, kw) order."""
    cdef const cc_unfold_geom *g = &j.geom
    cdef cc_index_t o2 = p % g.out[2], o1 = p // g.out[2] % g.out[1]
    cdef cc_index_t o0 = p // (g.out[2] * g.out[1])
    cdef cc_index_t img, c, a, b, e, i0, i1, i2
    cdef const real_t *src
    cdef const real_t *row
    cdef real_t *dst
    for img in range(j.n):
        dst = block + img * j.k
        for c in range(j.c):
            src = x + (img * j.c + c) * j.plane
            for a in range(g.k[0]):
                i0 = o0 * g.s[0] + a * g.d[0] - g.pad[0]
                for b in range(g.k[1]):
                    i1 = o1 * g.s[1] + b * g.d[1] - g.pad[1]
                    if i0 < 0 or i0 >= g.inp[0] or i1 < 0 or i1 >= g.inp[1]:
                        for e in range(g.k[2]):
                            dst[e] = 0
                    else:
                        row = src + (i0 * g.inp[1] + i1) * g.inp[2]
                        i2 = o2 * g.s[2] - g.pad[2]
                        for e in range(g.k[2]):
                            dst[e] = row[i2] if 0 <= i2 < g.inp[2] else 0
                            i2 += g.d[2]
                    dst += g.k[2]


cdef struct _local_job:
    int mode
    bint f64
    bint simd            # float32 on the AVX2 micro-kernels (im2col/local.h), else BLAS
    const char *w        # (S, M, K); dw for LOCAL_DWEIGHT (written)
    const char *cols     # (P, N, K); gcols for LOCAL_DINPUT (written)
    const char *y        # (P, N, M); dy for the gradients
    const long long *set_of   # (P,) the set of each position
    const long long *order    # (P,) positions ordered by set, in order within it
    const long long *start    # (S + 1,) the set's positions in order
    cc_index_t m, k, n, mb, blocks
    size_t esize
    bint fused           # forward from x: each item gathers its columns (from gather.src)
    _gather_job gather   # into its worker's workspace (ws) first
    _workspaces ws


cdef void _local_items(void *ctx, cc_index_t begin, cc_index_t end,
                       int worker) noexcept nogil:
    cdef _local_job *j = <_local_job *>ctx
    cdef cc_index_t item, p, s, m0, mr, i
    cdef const char *ws
    cdef char *wd
    cdef const char *cp
    cdef const char *yp
    cdef bint first
    for item in range(begin, end):
        if j.mode != _LOCAL_DWEIGHT:
            p = item
            s = j.set_of[p]
            ws = j.w + <size_t>(s * j.m * j.k) * j.esize
            cp = j.cols + <size_t>(p * j.k * j.n) * j.esize
            yp = j.y + <size_t>(p * j.m * j.n) * j.esize
            if j.fused:
                wd = _ws_get(&j.ws, worker)
                if wd == NULL:
                    return
                if j.f64:
                    _gather_position(&j.gather, p, <const double *>j.gather.src, <double *>wd)
                else:
                    _gather_position(&j.gather, p, <const float *>j.gather.src, <float *>wd)
                cp = wd
            if j.simd:
                if j.mode == _LOCAL_FWD:
                    cc_local_dot_f32__avx2(j.n, j.m, j.k, <const float *>cp,
                                           <const float *>ws, <float *>yp, j.m)
                else:
                    cc_local_axpy_f32__avx2(j.n, j.m, j.k, <const float *>yp, j.m, 1,
                                            <const float *>ws, 0, <float *>cp)
            elif j.mode == _LOCAL_FWD:  # y[p] (N x M) = cols[p] (N x K) @ w[s].T
                if j.f64:
                    _gemm(RowMajor, NoTrans, Trans, j.n, j.m, j.k, <double>1,
                          <const double *>cp, j.k, <const double *>ws, j.k, <double>0,
                          <double *>yp, j.m)
                else:
                    _gemm(RowMajor, NoTrans, Trans, j.n, j.m, j.k, <float>1,
                          <const float *>cp, j.k, <const float *>ws, j.k, <float>0,
                          <float *>yp, j.m)
            else:  # gcols[p] (N x K) = dy[p] (N x M) @ w[s] (M x K)
                if j.f64:
                    _gemm(RowMajor, NoTrans, NoTrans, j.n, j.k, j.m, <double>1,
                          <const double *>yp, j.m, <const double *>ws, j.k, <double>0,
                          <double *>cp, j.k)
                else:
                    _gemm(RowMajor, NoTrans, NoTrans, j.n, j.k, j.m, <float>1,
                          <const float *>yp, j.m, <const float *>ws, j.k, <float>0,
                          <float *>cp, j.k)
            continue
        s = item // j.blocks
        m0 = item % j.blocks * j.mb
        mr = min(j.mb, j.m - m0)
        wd = <char *>j.w + <size_t>((s * j.m + m0) * j.k) * j.esize
        if j.start[s] == j.start[s + 1] or j.n == 0:
            memset(wd, 0, <size_t>(mr * j.k) * j.esize)
            continue
        first = True
        for i in range(j.start[s], j.start[s + 1]):
            p = j.order[i]
            cp = j.cols + <size_t>(p * j.k * j.n) * j.esize
            yp = j.y + <size_t>(p * j.n * j.m + m0) * j.esize
            # dw[s][m0:m0+mr] (+)= dy[p][:, m0:m0+mr].T @ cols[p]
            if j.simd:
                cc_local_axpy_f32__avx2(mr, j.n, j.k, <const float *>yp, 1, j.m,
                                        <const float *>cp, not first, <float *>wd)
            elif j.f64:
                _gemm(RowMajor, Trans, NoTrans, mr, j.k, j.n, <double>1,
                      <const double *>yp, j.m, <const double *>cp, j.k,
                      <double>(0 if first else 1), <double *>wd, j.k)
            else:
                _gemm(RowMajor, Trans, NoTrans, mr, j.k, j.n, <float>1,
                      <const float *>yp, j.m, <const float *>cp, j.k,
                      <float>(0 if first else 1), <float *>wd, j.k)
            first = False


def local_matmul(int mode, cnp.ndarray w, cnp.ndarray cols, cnp.ndarray y,
                 cnp.ndarray set_of, cnp.ndarray order, cnp.ndarray start, int threads,
                 int isa=0, cnp.ndarray x=None, geometry=None):
    """The per-position products of the locally connected and tiled
    convolutions (see above), ``mode`` one of LOCAL_FWD (y OUT),
    LOCAL_DINPUT (cols OUT) and LOCAL_DWEIGHT (w OUT; the rest IN).

    w: (S, M, K); cols: (P, N, K); y: (P, N, M); one native float dtype,
    C-contiguous, aligned.  set_of: int64 (P,) in [0, S); order: int64
    (P,) the positions grouped by set; start: int64 (S + 1,) offsets of
    the groups in order (checked to agree with set_of).  isa: the level
    (convcore._dispatch); float32 at avx2 or above runs the micro-kernels
    of im2col/local.h, everything else BLAS (one thread per call).  With
    ``x`` (N, C, D, H, W) and ``geometry`` (grid, kernel, stride, pad,
    dilation; LOCAL_FWD only) cols is None: each position gathers its
    columns from x as local_columns would, into a per-thread workspace."""
    cdef _local_job j
    cdef int code = _float_code(w, "w")
    if mode not in (LOCAL_FWD, LOCAL_DINPUT, LOCAL_DWEIGHT):
        raise ValueError(f"mode must be 0, 1 or 2, got {mode}")
    _check_array(w, "w", 3, code, mode == LOCAL_DWEIGHT)
    _check_array(y, "y", 3, code, mode == LOCAL_FWD)
    j.fused = x is not None
    if j.fused:
        if mode != LOCAL_FWD or cols is not None or geometry is None:
            raise ValueError("x goes with mode LOCAL_FWD, cols None and the geometry")
        _check_array(x, "x", 5, code, False)
        grid, kernel, stride, pad, dilation = geometry
        xs = (<object>x).shape
        _set_geom(&j.gather.geom, xs[2:], grid, kernel, stride, pad, dilation)
        j.gather.n, j.gather.c = xs[0], xs[1]
        j.gather.k = j.gather.c * kernel[0] * kernel[1] * kernel[2]
        j.gather.plane = xs[2] * xs[3] * xs[4]
        j.gather.src = <const char *>cnp.PyArray_DATA(x)
        j.gather.esize = x.itemsize
        cols_shape = (grid[0] * grid[1] * grid[2], xs[0], j.gather.k)
    else:
        _check_array(cols, "cols", 3, code, mode == LOCAL_DINPUT)
        cols_shape = (<object>cols).shape
    if threads < 1:
        raise ValueError(f"threads must be positive, got {threads}")
    s_, m, k = (<object>w).shape
    p_, n = cols_shape[0], cols_shape[1]
    if cols_shape[2] != k or (<object>y).shape != (p_, n, m):
        raise ValueError(f"shapes w {(<object>w).shape}, cols {cols_shape}, "
                         f"y {(<object>y).shape} do not match")
    set_np = np.asarray(set_of)
    order_np = np.asarray(order)
    start_np = np.asarray(start)
    for name, a, length in (("set_of", set_np, p_), ("order", order_np, p_),
                            ("start", start_np, s_ + 1)):
        if a.dtype != np.int64 or a.shape != (length,) or not a.flags.c_contiguous:
            raise ValueError(f"{name} must be C-contiguous int64 of length {length}")
    if p_ and (set_np.min() < 0 or set_np.max() >= s_):
        raise ValueError("set_of out of range")
    if start_np[0] != 0 or start_np[s_] != p_ or np.any(np.diff(start_np) < 0) or \
            np.any(set_np[order_np] != np.repeat(np.arange(s_), np.diff(start_np))):
        raise ValueError("order and start do not group the positions by set_of")
    j.mode, j.f64, j.esize = mode, code == CC_DT_F64, w.itemsize
    j.simd = (not j.f64 and isa >= 1 and cc_cpu_best_isa() >= 1
              and cc_local_have_avx2() == 1)
    j.m, j.k, j.n = m, k, n
    j.w = <const char *>cnp.PyArray_DATA(w)
    j.cols = NULL
    if not j.fused:
        j.cols = <const char *>cnp.PyArray_DATA(cols)
    j.y = <const char *>cnp.PyArray_DATA(y)
    j.set_of = <const long long *>cnp.PyArray_DATA(set_np)
    j.order = <const long long *>cnp.PyArray_DATA(order_np)
    j.start = <const long long *>cnp.PyArray_DATA(start_np)
    cdef cc_index_t items
    if mode == LOCAL_DWEIGHT:
        if w.size == 0:
            return
        j.blocks = min(m, max(1, (LOCAL_MIN_ITEMS + s_ - 1) // s_))
        j.mb = (m + j.blocks - 1) // j.blocks
        j.blocks = (m + j.mb - 1) // j.mb
        items = s_ * j.blocks
    else:
        if (<object>y).size == 0 or p_ * n * k == 0:
            if mode == LOCAL_FWD:
                y.fill(0)
            else:
                cols.fill(0)
            return
        items = p_
    cdef int nt = threads
    if items < 2 or <double>p_ * m * k * n < CONV_PARALLEL_MIN_WORK:
        nt = 1
    nt = <int>min(nt, items)
    if not j.fused:
        with nogil:
            cc_parallel_for(items, 1, nt, _local_items, &j)
        return
    if _ws_open(&j.ws, nt, <size_t>(n * k) * j.esize) != CC_OK:
        raise MemoryError("convcore: out of memory for the local columns workspace")
    cdef int status
    with nogil:
        cc_parallel_for(items, 1, nt, _local_items, &j)
        status = _ws_close(&j.ws)
    check_status(status, "local convolution", "for the columns workspace")


cdef void _gather_items(void *ctx, cc_index_t begin, cc_index_t end,
                        int worker) noexcept nogil:
    cdef _gather_job *j = <_gather_job *>ctx
    cdef cc_index_t p
    for p in range(begin, end):
        if j.esize == 8:
            _gather_position(j, p, <const double *>j.src, <double *>j.dst + p * j.n * j.k)
        else:
            _gather_position(j, p, <const float *>j.src, <float *>j.dst + p * j.n * j.k)


cdef cc_index_t _gather_init(_gather_job *j, cnp.ndarray x, cnp.ndarray cols, grid, kernel,
                             stride, pad, dilation, int threads, bint to_cols) except -1:
    """j = the job of local_columns (to_cols: x -> cols) or local_fold (cols
    -> x), after checking both arrays (the input first); returns the
    positions P."""
    cdef int code = _float_code(x if to_cols else cols, "x" if to_cols else "cols")
    _check_array(x, "x", 5, code, not to_cols)
    _check_array(cols, "cols", 3, code, to_cols)
    if threads < 1:
        raise ValueError(f"threads must be positive, got {threads}")
    xs = (<object>x).shape
    _set_geom(&j.geom, xs[2:], grid, kernel, stride, pad, dilation)
    j.n, j.c = xs[0], xs[1]
    j.k = j.c * kernel[0] * kernel[1] * kernel[2]
    j.plane = xs[2] * xs[3] * xs[4]
    cdef cc_index_t positions = grid[0] * grid[1] * grid[2]
    if (<object>cols).shape != (positions, j.n, j.k):
        raise ValueError(f"cols must have shape {(positions, j.n, j.k)}, "
                         f"got {(<object>cols).shape}")
    j.esize = x.itemsize
    j.src = <const char *>cnp.PyArray_DATA(x if to_cols else cols)
    j.dst = <char *>cnp.PyArray_DATA(cols if to_cols else x)
    return positions


def local_columns(cnp.ndarray x, cnp.ndarray cols, grid, kernel, stride, pad, dilation,
                  int threads):
    """cols[p, n] = the window of output position p of image x[n] (the
    rows of unfold's column matrix, position-major): the column blocks of
    the locally connected and tiled convolutions.

    x: IN (N, C, D, H, W); cols: OUT (P, N, C * KD*KH*KW), P = OD*OH*OW,
    written whole; grid: (OD, OH, OW); kernel, stride, pad, dilation: 3
    ints each.  C-contiguous, aligned, one native float dtype.  Items are
    positions."""
    cdef _gather_job j
    cdef cc_index_t positions = _gather_init(&j, x, cols, grid, kernel, stride, pad, dilation,
                                             threads, True)
    if cols.size == 0:
        return
    cdef int nt = threads
    if positions < 2 or cols.size < FOLD_PARALLEL_MIN_ELEMS:
        nt = 1
    nt = <int>min(nt, positions)
    with nogil:
        cc_parallel_for(positions, cc_parallel_chunk(positions, nt, CC_PARALLEL_CHUNKS_PER_THREAD),
                        nt, _gather_items, &j)


#: Channels per item of local_fold: an item reads a run of LOCAL_FOLD_CHANNELS
#: * taps contiguous columns per position (one plane per item read 9 floats
#: 18 KB apart: 3.3 ms for the benchmark's input gradient on one thread).
cdef enum:
    _LOCAL_FOLD_CHANNELS = 16

LOCAL_FOLD_CHANNELS = _LOCAL_FOLD_CHANNELS


cdef inline void _scatter_planes(const _gather_job *j, cc_index_t img, cc_index_t c0,
                                 cc_index_t c1, const real_t *cols,
                                 real_t *x) noexcept nogil:
    """x[img, c0:c1] = the sum of the column blocks' entries of those
    channels over the positions whose windows hold each sample (in
    position, then tap order)."""
    cdef const cc_unfold_geom *g = &j.geom
    cdef cc_index_t taps = g.k[0] * g.k[1] * g.k[2]
    cdef cc_index_t positions = g.out[0] * g.out[1] * g.out[2]
    cdef cc_index_t p, o0, o1, o2, a, b, e, i0, i1, i2, q, c
    cdef real_t *plane
    cdef real_t *row
    cdef const real_t *src
    for q in range((c1 - c0) * j.plane):
        x[(img * j.c + c0) * j.plane + q] = 0
    for p in range(positions):
        o2 = p % g.out[2]
        o1 = p // g.out[2] % g.out[1]
        o0 = p // (g.out[2] * g.out[1])
        src = cols + (p * j.n + img) * j.k + c0 * taps
        for c in range(c0, c1):
            plane = x + (img * j.c + c) * j.plane
            for a in range(g.k[0]):
                i0 = o0 * g.s[0] + a * g.d[0] - g.pad[0]
                for b in range(g.k[1]):
                    i1 = o1 * g.s[1] + b * g.d[1] - g.pad[1]
                    if 0 <= i0 < g.inp[0] and 0 <= i1 < g.inp[1]:
                        row = plane + (i0 * g.inp[1] + i1) * g.inp[2]
                        i2 = o2 * g.s[2] - g.pad[2]
                        for e in range(g.k[2]):
                            if 0 <= i2 < g.inp[2]:
                                row[i2] += src[e]
                            i2 += g.d[2]
                    src += g.k[2]


cdef void _scatter_items(void *ctx, cc_index_t begin, cc_index_t end,
                         int worker) noexcept nogil:
    """Items (image, block of _LOCAL_FOLD_CHANNELS channels)."""
    cdef _gather_job *j = <_gather_job *>ctx
    cdef cc_index_t item, blocks = (j.c + _LOCAL_FOLD_CHANNELS - 1) // _LOCAL_FOLD_CHANNELS
    cdef cc_index_t img, c0, c1
    for item in range(begin, end):
        img = item // blocks
        c0 = item % blocks * _LOCAL_FOLD_CHANNELS
        c1 = min(j.c, c0 + _LOCAL_FOLD_CHANNELS)
        if j.esize == 8:
            _scatter_planes(j, img, c0, c1, <const double *>j.src, <double *>j.dst)
        else:
            _scatter_planes(j, img, c0, c1, <const float *>j.src, <float *>j.dst)


def local_fold(cnp.ndarray cols, cnp.ndarray x, grid, kernel, stride, pad, dilation,
               int threads):
    """x = the fold (col2im) of position-major column blocks, the adjoint of
    local_columns.

    cols: IN (P, N, C * KD*KH*KW); x: OUT (N, C, D, H, W), written whole;
    the rest as local_columns.  Items are (image, block of channels), each
    sample summed in one order (positions, then taps) whatever the threads."""
    cdef _gather_job j
    _gather_init(&j, x, cols, grid, kernel, stride, pad, dilation, threads, False)
    if x.size == 0:
        return
    cdef cc_index_t items = j.n * ((j.c + _LOCAL_FOLD_CHANNELS - 1) // _LOCAL_FOLD_CHANNELS)
    cdef int nt = threads
    if items < 2 or cols.size < FOLD_PARALLEL_MIN_ELEMS:
        nt = 1
    nt = <int>min(nt, items)
    with nogil:
        cc_parallel_for(items, cc_parallel_chunk(items, nt, CC_PARALLEL_CHUNKS_PER_THREAD),
                        nt, _scatter_items, &j)
