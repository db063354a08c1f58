# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Layer convolution: the compiled entry points of the direct method
(csrc/conv/: the forward pass and the weight gradient) and of Winograd's
method (csrc/winograd/).

Arrays are C-contiguous float32 or float64 of one dtype, laid out as
convcore/nn/_conv_spec.py says: x (N, C_in, D, H, W), w and dw (C_out,
C_in / groups, KD, KH, KW), bias (C_out,) or None, out and dy (N, C_out,
OD, OH, OW).
Validation of user arguments happens in Python; the checks here only keep
the C code in bounds.
"""
cimport numpy as cnp
from cc_common cimport cc_index_t, check_status
from cc_conv cimport (CC_CONV_DTYPE_SET, cc_conv_direct, cc_conv_dweight,
                      cc_conv_dweight_select, cc_conv_dweight_variants, cc_conv_problem,
                      cc_conv_select, cc_conv_variants, cc_conv_winograd, cc_wino_select,
                      cc_wino_variants)
from cc_cpu cimport cc_isa, cc_isa_name
from cc_dtype cimport CC_DT_F32, CC_DT_F64, cc_dtype, cc_dtype_get, dtype_table

cnp.import_array()

#: (code, name, NumPy type string) of the element types the kernels run.
DTYPES = dtype_table(CC_CONV_DTYPE_SET)


cdef cc_dtype _dtype(cnp.ndarray a, str name, int ndim) except *:
    if not cnp.PyArray_IS_C_CONTIGUOUS(a):
        raise ValueError(f"{name} must be C-contiguous")
    if a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} axes, got {a.ndim}")
    if not a.dtype.isnative:
        raise ValueError(f"{name} must be in native byte order")
    if a.dtype.num == cnp.NPY_FLOAT32:
        return CC_DT_F32
    if a.dtype.num == cnp.NPY_FLOAT64:
        return CC_DT_F64
    raise TypeError(f"{name} must be float32 or float64, got {a.dtype}")


cdef list _variant_names(int count, int *isas, int *dts):
    cdef int i
    return [(cc_isa_name(<cc_isa>isas[i]).decode(), cc_dtype_get(dts[i]).name.decode())
            for i in range(min(count, 64))]


def variants():
    """(isa name, dtype name) of every compiled variant, the scalar
    reference included."""
    cdef int isas[64]
    cdef int dts[64]
    return _variant_names(cc_conv_variants(isas, dts, 64), isas, dts)


def dweight_variants():
    """(isa name, dtype name) of every compiled weight-gradient variant, the
    scalar reference included."""
    cdef int isas[64]
    cdef int dts[64]
    return _variant_names(cc_conv_dweight_variants(isas, dts, 64), isas, dts)


def winograd_variants():
    """(isa name, dtype name) of every compiled Winograd variant, the plain C
    kernels included."""
    cdef int isas[64]
    cdef int dts[64]
    return _variant_names(cc_wino_variants(isas, dts, 64), isas, dts)


cdef cc_dtype _dtype_code(str dtype) except *:
    if dtype not in ("f32", "f64"):
        raise ValueError(f"dtype must be 'f32' or 'f64', got {dtype!r}")
    return CC_DT_F32 if dtype == "f32" else CC_DT_F64


def kernel_isa(str dtype, int isa):
    """The ISA level of the kernels that run for dtype ('f32' or 'f64') at
    isa."""
    return <int>cc_conv_select(_dtype_code(dtype), <cc_isa>isa).isa


def dweight_kernel_isa(str dtype, int isa):
    """The ISA level of the weight-gradient kernels that run for dtype
    ('f32' or 'f64') at isa."""
    return <int>cc_conv_dweight_select(_dtype_code(dtype), <cc_isa>isa).isa


def winograd_kernel_isa(str dtype, int isa):
    """The ISA level of the Winograd kernels that run for dtype ('f32' or
    'f64') at isa."""
    return <int>cc_wino_select(_dtype_code(dtype), <cc_isa>isa).isa


cdef int _problem(cc_conv_problem *p, cnp.ndarray x, cnp.ndarray w, cnp.ndarray out,
                  stride, pad, dilation, Py_ssize_t groups, int threads) except -1:
    """p = the problem of x (N, C_in, D, H, W), w (C_out, C_in / groups, *k)
    and out (N, C_out, *out_size) (for the weight gradient: its output
    gradient), after the checks that keep the C code in bounds."""
    cdef int i
    if threads < 1:
        raise ValueError(f"threads must be positive, got {threads}")
    p.n, p.c_in, p.c_out, p.groups = x.shape[0], x.shape[1], w.shape[0], groups
    if (groups < 1 or out.shape[0] != p.n or out.shape[1] != p.c_out
            or p.c_in % groups or p.c_out % groups or w.shape[1] * groups != p.c_in):
        raise ValueError("inconsistent shapes or groups")
    for i in range(3):
        p.inp[i] = x.shape[2 + i]
        p.out[i] = out.shape[2 + i]
        p.kernel[i] = w.shape[2 + i]
        p.stride[i] = stride[i]
        p.pad[i] = pad[i]
        p.dilation[i] = dilation[i]
        if p.stride[i] < 1 or p.dilation[i] < 1 or p.pad[i] < 0:
            raise ValueError("stride and dilation must be positive, pad non-negative")
    return 0


cdef cc_dtype _forward_arrays(cnp.ndarray x, cnp.ndarray w, bias, cnp.ndarray out,
                              const void **xp, const void **wp, const void **bp,
                              void **op) except *:
    """The dtype of the forward operands, checked alike, and their data
    (*bp NULL for no bias)."""
    cdef cc_dtype dt = _dtype(x, "x", 5)
    cdef cnp.ndarray b
    if _dtype(w, "w", 5) != dt or _dtype(out, "out", 5) != dt:
        raise ValueError("w and out must have x's dtype")
    xp[0] = cnp.PyArray_DATA(x)
    wp[0] = cnp.PyArray_DATA(w)
    op[0] = cnp.PyArray_DATA(out)
    bp[0] = NULL
    if bias is not None:
        b = bias
        if _dtype(b, "bias", 1) != dt or b.shape[0] != out.shape[1]:
            raise ValueError("bias must have x's dtype and shape (C_out,)")
        bp[0] = cnp.PyArray_DATA(b)
    return dt


def direct(cnp.ndarray x, cnp.ndarray w, bias, cnp.ndarray out, stride, pad, dilation,
           Py_ssize_t groups, int isa, int threads):
    """out (OUT) = the convolution of x with w plus bias (None: no bias);
    stride, pad, dilation: 3 ints each (D, H, W); isa caps the kernel level
    (0 scalar reference)."""
    cdef cc_conv_problem p
    cdef const void *xp
    cdef const void *wp
    cdef const void *bp
    cdef void *op
    cdef cc_dtype dt = _forward_arrays(x, w, bias, out, &xp, &wp, &bp, &op)
    cdef int status
    _problem(&p, x, w, out, stride, pad, dilation, groups, threads)
    if cnp.PyArray_SIZE(out) == 0:
        return
    with nogil:
        status = cc_conv_direct(dt, &p, xp, wp, bp, op, <cc_isa>isa, threads)
    check_status(status, "direct convolution", "for the direct convolution's padded input copy")


def dweight(cnp.ndarray x, cnp.ndarray dy, cnp.ndarray dw, stride, pad, dilation,
            Py_ssize_t groups, int isa, int threads):
    """dw (OUT, written whole) = the weight gradient of the convolution of x
    given dy, the gradient of its output; stride, pad, dilation: 3 ints each
    (D, H, W); isa caps the kernel level (0 scalar reference)."""
    cdef cc_conv_problem p
    cdef cc_dtype dt = _dtype(x, "x", 5)
    cdef int status
    if _dtype(dy, "dy", 5) != dt or _dtype(dw, "dw", 5) != dt:
        raise ValueError("dy and dw must have x's dtype")
    _problem(&p, x, dw, dy, stride, pad, dilation, groups, threads)
    if cnp.PyArray_SIZE(dw) == 0:
        return
    if cnp.PyArray_SIZE(x) == 0 or cnp.PyArray_SIZE(dy) == 0:
        dw.fill(0)  # no position meets the input: every sum is empty
        return
    cdef const void *xp = cnp.PyArray_DATA(x)
    cdef const void *dyp = cnp.PyArray_DATA(dy)
    cdef void *dwp = cnp.PyArray_DATA(dw)
    with nogil:
        status = cc_conv_dweight(dt, &p, xp, dyp, dwp, <cc_isa>isa, threads)
    check_status(status, "convolution weight gradient",
                 "for the weight gradient's packed output gradient")


def winograd(cnp.ndarray x, cnp.ndarray w, bias, cnp.ndarray out, pad, tile,
             Py_ssize_t groups, int isa, int threads):
    """out (OUT) = the convolution of x with w plus bias (None: no bias) by
    Winograd's method: stride and dilation 1, pad 3 ints (D, H, W), tile the
    output tile (m_H, m_W) (m_H 1 for a kernel of one tap along H); isa caps
    the kernel level (0 the plain C kernels)."""
    cdef cc_conv_problem p
    cdef const void *xp
    cdef const void *wp
    cdef const void *bp
    cdef void *op
    cdef cc_dtype dt = _forward_arrays(x, w, bias, out, &xp, &wp, &bp, &op)
    cdef int m[2]
    cdef int status
    _problem(&p, x, w, out, (1, 1, 1), pad, (1, 1, 1), groups, threads)
    m[0], m[1] = tile
    if cnp.PyArray_SIZE(out) == 0:
        return
    with nogil:
        status = cc_conv_winograd(dt, &p, m, xp, wp, bp, op, <cc_isa>isa, threads)
    check_status(status, "Winograd convolution",
                 "for the Winograd convolution's transformed operands")
