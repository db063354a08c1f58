# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The FFT family's compiled work around scipy.fft's transforms: the
spectral product (out = a*b, out += a*b) on complex64 and complex128, and
the packing of two real inputs into one complex transform."""
cimport numpy as cnp
from cc_cpu cimport cc_isa
from cc_fft cimport (CC_FFT_C64, CC_FFT_C128, CC_OK, CC_SPEC_MAC, CC_SPEC_MUL,
                     CC_SPEC_OP_COUNT, cc_fft_dtype, cc_index_t, cc_pack_pair_f32,
                     cc_pack_pair_f64, cc_pair_product_f32, cc_pair_product_f64,
                     cc_spec_op, cc_spec_select, cc_spectral)
import numpy as np

cnp.import_array()

#: Operation codes of spectral(), in the order of cc_spec_op.
OPS = ("mul", "mac")


def kernel_isa(dtype, int op, int isa):
    """The ISA level of the kernel that runs for (dtype, op) at level isa."""
    cdef cc_isa chosen
    if not 0 <= op < CC_SPEC_OP_COUNT:
        raise ValueError(f"op must be in [0, {CC_SPEC_OP_COUNT}), got {op}")
    cc_spec_select(_dtype_code(np.dtype(dtype)), <cc_spec_op>op, <cc_isa>isa, &chosen)
    return <int>chosen


cdef cc_fft_dtype _dtype_code(dt) except *:
    if dt == np.complex64:
        return CC_FFT_C64
    if dt == np.complex128:
        return CC_FFT_C128
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
    cdef cc_fft_dtype dt = _dtype_code(out.dtype)
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
    if status != CC_OK:
        raise ValueError("convcore: invalid spectral product problem")


cdef _check_pair_z(cnp.ndarray z):
    if z.dtype not in (np.complex64, np.complex128):
        raise TypeError(f"z must be complex64 or complex128, got {z.dtype}")
    if z.ndim != 1 or not cnp.PyArray_IS_C_CONTIGUOUS(z) or not cnp.PyArray_ISWRITEABLE(z):
        raise ValueError("z must be a writeable, C-contiguous 1-D array")
    if z.shape[0] < 1:
        raise ValueError("z must not be empty")


def pack_pair(cnp.ndarray a, cnp.ndarray b, cnp.ndarray z):
    """z[i] = a[i] + 1j*s*b[i] (zero past each input's end); returns s, a
    power of two bringing b's largest magnitude to a's.

    a, b: IN, 1-D, C-contiguous, the real dtype of z.  z: OUT, 1-D,
    C-contiguous complex64/complex128, written whole; len(z) >= len(a), len(b).
    """
    _check_pair_z(z)
    real = np.dtype(np.float32 if z.dtype == np.complex64 else np.float64)
    for name, x in (("a", a), ("b", b)):
        if x.dtype != real or x.ndim != 1 or not cnp.PyArray_IS_C_CONTIGUOUS(x):
            raise ValueError(f"{name} must be a C-contiguous 1-D {real} array")
        if x.shape[0] > z.shape[0]:
            raise ValueError(f"{name} is longer than z")
    cdef cc_index_t n = z.shape[0], na = a.shape[0], nb = b.shape[0]
    cdef void *pa = cnp.PyArray_DATA(a)
    cdef void *pb = cnp.PyArray_DATA(b)
    cdef void *pz = cnp.PyArray_DATA(z)
    cdef double s
    cdef bint single = z.dtype == np.complex64
    with nogil:
        if single:
            s = cc_pack_pair_f32(n, <const float *>pa, na, <const float *>pb, nb, <float *>pz)
        else:
            s = cc_pack_pair_f64(n, <const double *>pa, na, <const double *>pb, nb,
                                 <double *>pz)
    return s


def pair_product(cnp.ndarray z, double s):
    """In place: z holds Z, the transform of pack_pair's output with scale
    s; its first len(z)//2 + 1 values become A*B, the product of the
    transforms of a and b.  Returns that prefix (a view)."""
    _check_pair_z(z)
    if not (s > 0):
        raise ValueError(f"s must be positive, got {s}")
    cdef cc_index_t n = z.shape[0]
    cdef void *pz = cnp.PyArray_DATA(z)
    cdef bint single = z.dtype == np.complex64
    with nogil:
        if single:
            cc_pair_product_f32(n, <float *>pz, s)
        else:
            cc_pair_product_f64(n, <double *>pz, s)
    return z[:n // 2 + 1]
