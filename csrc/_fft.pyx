# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The FFT family's compiled work around scipy.fft's transforms: the
spectral product (out = a*b, out += a*b) on complex64 and complex128, the
product of two lines' polyphase spectra with the first radix step fused in,
and the overlap-add
block work around the block transforms (blocking an axis into a zero-padded
workspace; adding the blocks' overlaps while cropping)."""
cimport numpy as cnp
from cc_common cimport CC_MAX_NDIM, cc_index_t, check_status
from cc_cpu cimport cc_isa
from cc_dtype cimport CC_DT_C64, CC_DT_C128, CC_DT_F32, CC_DT_F64, CC_DT_LD, cc_dtype, dtype_table
from cc_fft cimport (CC_OA_DTYPE_SET, CC_SPEC_DTYPE_SET, CC_SPEC_OP_COUNT, cc_oa_add,
                     cc_oa_fill, cc_oa_parallel_min, cc_spec_op, cc_spec_op_name,
                     cc_spec_select, cc_spectral, cc_split_product_f32,
                     cc_split_product_f64)
import numpy as np

cnp.import_array()

#: Operation codes of spectral(), in the order of cc_spec_op (from the C names).
OPS = tuple(cc_spec_op_name(op).decode() for op in range(CC_SPEC_OP_COUNT))
#: (code, name, NumPy type string) of the element types of spectral() and of
#: oa_add's real lanes, from the C list (csrc/cc_dtype.h, the sets in fft.h).
SPEC_DTYPES = dtype_table(CC_SPEC_DTYPE_SET)
OA_DTYPES = dtype_table(CC_OA_DTYPE_SET)


def kernel_isa(dtype, int op, int isa):
    """The ISA level of the kernel that runs for (dtype, op) at level isa."""
    cdef cc_isa chosen
    if not 0 <= op < CC_SPEC_OP_COUNT:
        raise ValueError(f"op must be in [0, {CC_SPEC_OP_COUNT}), got {op}")
    cc_spec_select(_dtype_code(np.dtype(dtype)), <cc_spec_op>op, <cc_isa>isa, &chosen)
    return <int>chosen


cdef cc_dtype _dtype_code(dt) except *:
    if dt == np.complex64:
        return CC_DT_C64
    if dt == np.complex128:
        return CC_DT_C128
    raise TypeError(f"spectral kernels take complex64 or complex128, got {dt}")


cdef const cc_index_t *_offsets(cnp.ndarray arr, offsets, Py_ssize_t nrows,
                                Py_ssize_t n, str name) except? NULL:
    """Row offsets (complex values) into arr, checked to stay inside it;
    NULL when offsets is None (rows back to back)."""
    cdef cnp.ndarray off
    cdef const cc_index_t *p
    cdef Py_ssize_t r, limit = cnp.PyArray_SIZE(arr) - n
    if offsets is None:
        if cnp.PyArray_SIZE(arr) != nrows * n:
            raise ValueError(f"{name} must hold nrows*n values without offsets")
        return NULL
    off = <cnp.ndarray>offsets
    if off.dtype != np.intp or off.ndim != 1 or off.shape[0] != nrows \
            or not cnp.PyArray_IS_C_CONTIGUOUS(off):
        raise ValueError(f"{name} offsets must be a contiguous intp array of nrows values")
    p = <const cc_index_t *>cnp.PyArray_DATA(off)
    for r in range(nrows):
        if p[r] < 0 or p[r] > limit:
            raise ValueError(f"{name} offset {p[r]} out of bounds")
    return p


def spectral(cnp.ndarray a, a_off, cnp.ndarray b, b_off, cnp.ndarray out,
             int op, int isa, int num_threads):
    """out[r, :] (op) a[a_off[r] : a_off[r] + n] * b[b_off[r] : ... + n].

    a, b: IN, C-contiguous, one complex dtype; a_off, b_off: IN, intp row
    offsets in complex values (None: rows back to back).  out: OUT (op=0,
    written) or IN/OUT (op=1, accumulated), C-contiguous, ndim >= 1, rows
    along its last axis; it may be a or b itself when that operand's
    offsets are None.
    """
    cdef cc_dtype dt = _dtype_code(out.dtype)
    cdef Py_ssize_t n, nrows
    cdef const cc_index_t *ap
    cdef const cc_index_t *bp
    cdef int status
    if not 0 <= op < CC_SPEC_OP_COUNT:
        raise ValueError(f"op must be in [0, {CC_SPEC_OP_COUNT}), got {op}")
    if num_threads < 1:
        raise ValueError(f"num_threads must be positive, got {num_threads}")
    if a.dtype != out.dtype or b.dtype != out.dtype:
        raise TypeError("a, b and out must share one dtype")
    if not (cnp.PyArray_IS_C_CONTIGUOUS(a) and cnp.PyArray_IS_C_CONTIGUOUS(b)
            and cnp.PyArray_IS_C_CONTIGUOUS(out)):
        raise ValueError("a, b and out must be C-contiguous")
    if not cnp.PyArray_ISWRITEABLE(out) or out.ndim < 1:
        raise ValueError("out must be a writeable array of rank >= 1")
    n = out.shape[out.ndim - 1]
    nrows = cnp.PyArray_SIZE(out) // n if n else 0
    ap = _offsets(a, a_off, nrows, n, "a")
    bp = _offsets(b, b_off, nrows, n, "b")
    cdef const void *pa = cnp.PyArray_DATA(a)
    cdef const void *pb = cnp.PyArray_DATA(b)
    cdef void *po = cnp.PyArray_DATA(out)
    with nogil:
        status = cc_spectral(dt, <cc_spec_op>op, nrows, n, pa, ap, pb, bp, po,
                             <cc_isa>isa, num_threads)
    check_status(status, "spectral product")


#: Polyphase splits the split-line kernels take (rows of z).
SPLIT_PHASES = (1, 2, 4)


cdef _check_split_z(cnp.ndarray z):
    if z.dtype not in (np.complex64, np.complex128):
        raise TypeError(f"z must be complex64 or complex128, got {z.dtype}")
    if z.ndim != 2 or not cnp.PyArray_IS_C_CONTIGUOUS(z) or not cnp.PyArray_ISWRITEABLE(z):
        raise ValueError("z must be a writeable, C-contiguous 2-D array")
    if z.shape[0] not in SPLIT_PHASES:
        raise ValueError(f"z must have 1, 2 or 4 rows (phases), got {z.shape[0]}")
    if z.shape[1] < 1:
        raise ValueError("z must not be empty")


def split_twiddles(int phases, Py_ssize_t m, Py_ssize_t count, dtype):
    """The twiddles of a (phases, m) line split: tw[r-1, k] =
    exp(-2j*pi*r*k/(phases*m)) for k < count, worked out in float64 and
    given as complex ``dtype`` (None when phases == 1).  split_product takes
    count = m for complex lines, m//2 + 1 for real ones."""
    if phases == 1:
        return None
    r = np.arange(1, phases)[:, None]
    k = np.arange(count)[None, :]
    return np.exp(-2j * np.pi * (r * k) / (phases * m)).astype(dtype)


cdef const void *_twiddle_data(cnp.ndarray z, cnp.ndarray tw, Py_ssize_t count) except? NULL:
    """tw's data, checked to be the twiddles' shape for z (NULL: one phase)."""
    if z.shape[0] == 1:
        return NULL
    shape = (z.shape[0] - 1, count)
    if tw is None or tw.dtype != z.dtype or tw.ndim != 2 \
            or not cnp.PyArray_IS_C_CONTIGUOUS(tw) or (tw.shape[0], tw.shape[1]) != shape:
        raise ValueError(f"tw must be a C-contiguous {z.dtype} array of shape {shape}")
    return cnp.PyArray_DATA(tw)


def split_product(cnp.ndarray za, cnp.ndarray zb, Py_ssize_t m, cnp.ndarray tw=None,
                  int num_threads=1):
    """In place: za and zb hold the transforms (m points, unnormalised) of
    the polyphase components of two lines of n = phases*m points (row r:
    entries j*phases + r), phases = za.shape[0]; complex lines with all m
    entries per row, real lines with their half spectra (m//2 + 1).  Row r
    of za becomes D_r, the spectrum of component r of the inverse of A*B
    divided by phases (A, B the lines' transforms over n points), so that
    the inverse transforms of the rows over m points (divided by m) give
    the circular convolution at positions j*phases + r.  tw:
    split_twiddles(phases, m, za.shape[1], za.dtype).  Returns za."""
    _check_split_z(za)
    if zb.dtype != za.dtype or zb.ndim != 2 or not cnp.PyArray_IS_C_CONTIGUOUS(zb) \
            or (zb.shape[0], zb.shape[1]) != (za.shape[0], za.shape[1]):
        raise ValueError("zb must be a C-contiguous array of za's shape and dtype")
    if np.may_share_memory(za, zb):
        raise ValueError("za and zb must not overlap")
    cdef cc_index_t kn = za.shape[1]
    if kn != m and kn != m // 2 + 1:
        raise ValueError(f"za must have m={m} or m//2 + 1={m // 2 + 1} columns, got {kn}")
    cdef int phases = za.shape[0], threads = max(num_threads, 1)
    cdef const void *ptw = _twiddle_data(za, tw, kn)
    cdef void *pa = cnp.PyArray_DATA(za)
    cdef const void *pb = cnp.PyArray_DATA(zb)
    cdef bint single = za.dtype == np.complex64
    with nogil:
        if single:
            cc_split_product_f32(phases, kn, <float *>pa, <const float *>pb,
                                 <const float *>ptw, threads)
        else:
            cc_split_product_f64(phases, kn, <double *>pa, <const double *>pb,
                                 <const double *>ptw, threads)
    return za

# --------------------------------------------------------------------------
# Overlap-add blocks

#: Output bytes from which oa_fill and oa_add use more than one thread.
OA_PARALLEL_MIN = cc_oa_parallel_min()

cdef Py_ssize_t _count(shape) except -1:
    cdef Py_ssize_t n = 1
    for d in shape:
        n *= <Py_ssize_t>d
    return n


cdef _check_pair(cnp.ndarray src, cnp.ndarray dst, int num_threads):
    """The checks oa_fill and oa_add share: one dtype, dst C-contiguous,
    writeable and apart from src."""
    if num_threads < 1:
        raise ValueError(f"num_threads must be positive, got {num_threads}")
    if src.dtype != dst.dtype:
        raise TypeError(f"input and output must share one dtype, got {src.dtype} "
                        f"and {dst.dtype}")
    if not cnp.PyArray_IS_C_CONTIGUOUS(dst):
        raise ValueError("output must be C-contiguous")
    if not cnp.PyArray_ISWRITEABLE(dst):
        raise ValueError("output must be writeable")
    if np.may_share_memory(src, dst):
        raise ValueError("input and output must not overlap")


def oa_fill(cnp.ndarray x, cuts, cnp.ndarray ws, int num_threads):
    """Cut the leading m = len(cuts) axes of x into zero-padded blocks, in
    one pass: with cuts[a] = (step_a, steps_a, n_a),
    ws[s_0, j_0, ..., s_{m-1}, j_{m-1}, ...] = x[s_0*step_0 + j_0, ..., ...]
    when j_a < step_a and s_a*step_a + j_a < x.shape[a] on every axis a,
    else 0 (steps_a = 1, step_a = x.shape[a]: axis a zero-padded to n_a).

    x: IN, float or complex, any strides on axes 0..m-2; axes m-1.. must be
    C-contiguous.  ws: OUT, C-contiguous, x's dtype, shape (steps_0, n_0,
    ..., steps_{m-1}, n_{m-1}) + x.shape[m:]; every element is written.
    step_a >= 1, and no block starts past the end of its axis
    ((steps_a - 1) * step_a <= x.shape[a]).
    """
    cdef cc_index_t nx[CC_MAX_NDIM]
    cdef cc_index_t xstride[CC_MAX_NDIM]
    cdef cc_index_t steps[CC_MAX_NDIM]
    cdef cc_index_t step[CC_MAX_NDIM]
    cdef cc_index_t n[CC_MAX_NDIM]
    cdef int a, m = len(cuts)
    cdef Py_ssize_t expect
    _check_pair(x, ws, num_threads)
    if x.dtype.kind not in "fc":
        raise TypeError(f"oa_fill takes float or complex arrays, got {x.dtype}")
    if not 1 <= m <= x.ndim:
        raise ValueError(f"cuts must name 1 to {x.ndim} leading axes of x, got {m}")
    xs, wss = (<object>x).shape, (<object>ws).shape
    pairs = ()
    for a in range(m):
        st, ns, nn = (int(v) for v in cuts[a])
        if st < 1 or ns < 1 or nn < 0 or ns - 1 > xs[a] // st:
            raise ValueError(f"axis {a}: {ns} blocks of step {st} (length {nn}) do not "
                             f"fit an axis of {xs[a]}")
        nx[a], xstride[a], step[a], steps[a], n[a] = xs[a], x.strides[a], st, ns, nn
        pairs += (ns, nn)
    if wss != pairs + xs[m:]:
        raise ValueError(f"ws.shape {wss} is not {pairs + xs[m:]}")
    # Axes m-1.. C-contiguous (strides of length-1 axes, or of an empty x,
    # do not matter).
    expect = x.dtype.itemsize
    for a in range(x.ndim - 1, m - 2, -1):
        if xs[a] > 1 and x.strides[a] != expect and cnp.PyArray_SIZE(x):
            raise ValueError(f"x must be C-contiguous from axis {m - 1}; got strides "
                             f"{(<object>x).strides}")
        expect *= xs[a]
    cdef Py_ssize_t inner_bytes = _count(xs[m:]) * x.dtype.itemsize
    cdef const void *px = cnp.PyArray_DATA(x)
    cdef void *pw = cnp.PyArray_DATA(ws)
    cdef int status
    with nogil:
        status = cc_oa_fill(m, nx, xstride, steps, step, n, inner_bytes, px, pw,
                            num_threads)
    check_status(status, "overlap-add fill")


cdef int _lanes(dt, cc_dtype *code) except -1:
    """Real lanes per element of dt, and their type code."""
    if dt == np.float32 or dt == np.complex64:
        code[0] = CC_DT_F32
    elif dt == np.float64 or dt == np.complex128:
        code[0] = CC_DT_F64
    elif (dt == np.longdouble or dt == np.clongdouble) \
            and np.dtype(np.longdouble).itemsize == sizeof(long double):
        code[0] = CC_DT_LD
    else:
        raise TypeError(f"oa_add takes native float or complex arrays, got {dt}")
    return 2 if dt.kind == "c" else 1


def oa_add(cnp.ndarray y, int axis, Py_ssize_t step, Py_ssize_t start, cnp.ndarray out,
           int num_threads):
    """Overlap-add the blocks on axes (axis, axis+1) of y and crop: with
    q = start + p, s = q // step, j = q % step and tail = n - step,
    out[..., p, ...] = y[..., s, j, ...] + y[..., s-1, j+step, ...], the
    first term only for s < steps, the second only for s >= 1 and j < tail.

    y: IN, C-contiguous, float or complex (native), shape
    lead + (steps, n) + rest.  out: OUT, C-contiguous, y's dtype, shape
    lead + (length,) + rest; every element is written.  Requires
    1 <= step <= n, tail <= step (each tail meets only the next block) and
    start + length <= (steps + 1) * step.
    """
    cdef cc_dtype code
    _check_pair(y, out, num_threads)
    if not cnp.PyArray_IS_C_CONTIGUOUS(y):
        raise ValueError("y must be C-contiguous")
    cdef int lanes = _lanes(y.dtype, &code)
    ys, outs = (<object>y).shape, (<object>out).shape
    if not 0 <= axis < y.ndim - 1:
        raise ValueError(f"axis {axis} must name a block pair of y.ndim {y.ndim}")
    if (out.ndim != y.ndim - 1 or outs[:axis] != ys[:axis]
            or outs[axis + 1:] != ys[axis + 2:]):
        raise ValueError(f"out.shape {outs} does not join axes {axis}, {axis + 1} "
                         f"of y.shape {ys}")
    cdef Py_ssize_t steps = ys[axis], n = ys[axis + 1], length = outs[axis]
    if steps < 1 or not 1 <= step <= n or n - step > step:
        raise ValueError(f"blocks of {n} need 1 <= step <= n and a tail n - step "
                         f"<= step; got step={step}, steps={steps}")
    # Python integers: no overflow whatever the arguments.
    end, room = <object>start + length, (<object>steps + 1) * step
    if start < 0 or end > room:
        raise ValueError(f"window [{start}, {end}) outside the {room} overlap-added "
                         f"positions")
    cdef Py_ssize_t outer = _count(ys[:axis])
    cdef Py_ssize_t inner = _count(ys[axis + 2:]) * lanes
    cdef const void *py = cnp.PyArray_DATA(y)
    cdef void *po = cnp.PyArray_DATA(out)
    cdef int status
    with nogil:
        status = cc_oa_add(code, outer, steps, n, step, inner, py, start, length, po,
                           num_threads)
    check_status(status, "overlap-add")
