# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Pooling: the compiled entry points of the pool family (csrc/pool/).

Every function takes C-contiguous float32 or float64 arrays shaped
(planes, D, H, W) and a geometry: three axis specs (D, H, W), each a tuple
(in, out, kernel, stride, dilation, lo, hi, tables) with tables a
C-contiguous int64 array of shape (3, out) holding the first tap inside the
input, the taps inside, and the divisor factor of each output (see
convcore/nn/_window.py, which computes them once for forward and backward).
Validation of user arguments happens in Python; the checks here only keep
the C code in bounds.
"""
cimport numpy as cnp
from libc.stdint cimport int64_t
from cc_common cimport CC_EINVAL, cc_index_t, check_status
from cc_cpu cimport cc_isa
from cc_dtype cimport CC_DT_F32, CC_DT_F64, cc_dtype, dtype_table
from cc_pool cimport (CC_POOL_DTYPE_SET, cc_avgpool_nd, cc_avgpool_nd_bwd, cc_maxpool_nd,
                      cc_maxpool_nd_bwd, cc_maxunpool, cc_pool_problem, cc_pool_select)

cnp.import_array()

#: (code, name, NumPy type string) of the element types the kernels run,
#: from the C list (csrc/cc_dtype.h, the set in csrc/pool/pool.h).
DTYPES = dtype_table(CC_POOL_DTYPE_SET)


cdef cc_dtype _dtype(cnp.ndarray a, str name) except *:
    if not cnp.PyArray_IS_C_CONTIGUOUS(a):
        raise ValueError(f"{name} must be C-contiguous")
    if a.ndim != 4:
        raise ValueError(f"{name} must have 4 axes (planes, D, H, W), got {a.ndim}")
    if a.dtype.num == cnp.NPY_FLOAT32:
        return CC_DT_F32
    if a.dtype.num == cnp.NPY_FLOAT64:
        return CC_DT_F64
    raise TypeError(f"{name} must be float32 or float64, got {a.dtype}")


cdef int _problem(cc_pool_problem *p, Py_ssize_t planes, axes, Py_ssize_t divisor,
                  shape_in, shape_out) except -1:
    """Fill p from the axis specs; check they agree with the array shapes."""
    cdef int i
    cdef cnp.ndarray tab
    cdef Py_ssize_t n_in, n_out, k, s, d, lo, hi
    cdef const cc_index_t *base
    if len(axes) != 3:
        raise ValueError("axes must hold three axis specs (D, H, W)")
    p.planes = planes
    p.divisor = divisor
    for i in range(3):
        n_in, n_out, k, s, d, lo, hi, tab = axes[i]
        if n_in != shape_in[i + 1] or n_out != shape_out[i + 1]:
            raise ValueError(f"axis {i}: geometry ({n_in} -> {n_out}) does not match "
                             f"the arrays ({shape_in[i + 1]} -> {shape_out[i + 1]})")
        if (tab.dtype.num != cnp.NPY_INT64 or not cnp.PyArray_IS_C_CONTIGUOUS(tab)
                or tab.ndim != 2 or tab.shape[0] != 3 or tab.shape[1] != n_out):
            raise ValueError(f"axis {i}: tables must be C-contiguous int64 of shape (3, {n_out})")
        if not (0 <= lo <= hi <= n_out):
            raise ValueError(f"axis {i}: bad interior [{lo}, {hi})")
        p.ax[i].inp = n_in
        p.ax[i].out = n_out
        p.ax[i].kernel = k
        p.ax[i].stride = s
        p.ax[i].dilation = d
        p.ax[i].lo = lo
        p.ax[i].hi = hi
        base = <const cc_index_t *>cnp.PyArray_DATA(tab)
        p.ax[i].first = base
        p.ax[i].count = base + n_out
        p.ax[i].fac = base + 2 * n_out
    return 0


def kernel_isa(int dtype_code, int isa):
    """The ISA level of the kernels that run for DTYPES[dtype_code] (0 f32,
    1 f64) at isa."""
    if not 0 <= dtype_code < len(DTYPES):
        raise ValueError(f"dtype_code must be 0 or 1, got {dtype_code}")
    return <int>cc_pool_select(<cc_dtype>DTYPES[dtype_code][0], <cc_isa>isa).isa


def max_pool(cnp.ndarray x, cnp.ndarray out, idx, axes, int isa, int num_threads):
    """out (OUT) = max pooling of x; idx (OUT, int64 like out, or None) the
    flat per-plane index of each maximum."""
    cdef cc_pool_problem p
    cdef cc_dtype dt = _dtype(x, "x")
    cdef int64_t *ip = NULL
    cdef cnp.ndarray ia
    cdef int status
    if _dtype(out, "out") != dt or out.shape[0] != x.shape[0]:
        raise ValueError("out must match x in dtype and planes")
    if idx is not None:
        ia = idx
        if (ia.dtype.num != cnp.NPY_INT64 or not cnp.PyArray_IS_C_CONTIGUOUS(ia)
                or (<object>ia).shape != (<object>out).shape):
            raise ValueError("idx must be C-contiguous int64 shaped like out")
        ip = <int64_t *>cnp.PyArray_DATA(ia)
    _problem(&p, x.shape[0], axes, 0, (<object>x).shape, (<object>out).shape)
    cdef const void *xp = cnp.PyArray_DATA(x)
    cdef void *op = cnp.PyArray_DATA(out)
    with nogil:
        status = cc_maxpool_nd(dt, &p, xp, op, ip, <cc_isa>isa, num_threads)
    check_status(status, "max pooling")


def avg_pool(cnp.ndarray x, cnp.ndarray out, axes, Py_ssize_t divisor, int isa,
             int num_threads):
    """out (OUT) = average pooling of x; a divisor != 0 overrides the divisor."""
    cdef cc_pool_problem p
    cdef cc_dtype dt = _dtype(x, "x")
    cdef int status
    if _dtype(out, "out") != dt or out.shape[0] != x.shape[0]:
        raise ValueError("out must match x in dtype and planes")
    _problem(&p, x.shape[0], axes, divisor, (<object>x).shape, (<object>out).shape)
    cdef const void *xp = cnp.PyArray_DATA(x)
    cdef void *op = cnp.PyArray_DATA(out)
    with nogil:
        status = cc_avgpool_nd(dt, &p, xp, op, <cc_isa>isa, num_threads)
    check_status(status, "average pooling")


def max_pool_bwd(cnp.ndarray x, cnp.ndarray grad_out, cnp.ndarray grad_in, axes,
                 int isa, int num_threads):
    """grad_in (OUT, shaped like x) = dL/dx of max pooling given grad_out."""
    cdef cc_pool_problem p
    cdef cc_dtype dt = _dtype(x, "x")
    cdef int status
    if (_dtype(grad_out, "grad_output") != dt or _dtype(grad_in, "grad_in") != dt
            or (<object>grad_in).shape != (<object>x).shape or grad_out.shape[0] != x.shape[0]):
        raise ValueError("grad_output and grad_in must match x in dtype and planes")
    _problem(&p, x.shape[0], axes, 0, (<object>x).shape, (<object>grad_out).shape)
    cdef const void *xp = cnp.PyArray_DATA(x)
    cdef const void *gop = cnp.PyArray_DATA(grad_out)
    cdef void *gip = cnp.PyArray_DATA(grad_in)
    with nogil:
        status = cc_maxpool_nd_bwd(dt, &p, xp, gop, gip, <cc_isa>isa, num_threads)
    check_status(status, "max pooling gradient")


def avg_pool_bwd(cnp.ndarray grad_out, cnp.ndarray grad_in, axes, Py_ssize_t divisor,
                 int num_threads):
    """grad_in (OUT) = dL/dx of average pooling given grad_out."""
    cdef cc_pool_problem p
    cdef cc_dtype dt = _dtype(grad_in, "grad_in")
    cdef int status
    if _dtype(grad_out, "grad_output") != dt or grad_out.shape[0] != grad_in.shape[0]:
        raise ValueError("grad_output must match grad_in in dtype and planes")
    _problem(&p, grad_in.shape[0], axes, divisor, (<object>grad_in).shape, (<object>grad_out).shape)
    cdef const void *gop = cnp.PyArray_DATA(grad_out)
    cdef void *gip = cnp.PyArray_DATA(grad_in)
    with nogil:
        status = cc_avgpool_nd_bwd(dt, &p, gop, gip, num_threads)
    check_status(status, "average pooling gradient")


def max_unpool(cnp.ndarray x, cnp.ndarray idx, cnp.ndarray out, int num_threads):
    """out (OUT, (planes, ...)) zeroed, then out[p][idx[p][i]] = x[p][i].
    Returns None, or the first index found outside a plane of out."""
    cdef cc_dtype dt = _dtype(x, "x")
    cdef int64_t bad = 0
    cdef int status
    if (_dtype(out, "out") != dt or idx.dtype.num != cnp.NPY_INT64
            or not cnp.PyArray_IS_C_CONTIGUOUS(idx) or (<object>idx).shape != (<object>x).shape
            or out.shape[0] != x.shape[0]):
        raise ValueError("idx must be C-contiguous int64 shaped like x; out must match x")
    cdef Py_ssize_t planes = x.shape[0]
    cdef Py_ssize_t in_plane = x.shape[1] * x.shape[2] * x.shape[3]
    cdef Py_ssize_t out_plane = out.shape[1] * out.shape[2] * out.shape[3]
    cdef const void *xp = cnp.PyArray_DATA(x)
    cdef const int64_t *ip = <const int64_t *>cnp.PyArray_DATA(idx)
    cdef void *op = cnp.PyArray_DATA(out)
    with nogil:
        status = cc_maxunpool(dt, planes, in_plane, out_plane, xp, ip, op, num_threads, &bad)
    if status == CC_EINVAL:
        return bad
    check_status(status, "max unpooling")
    return None
