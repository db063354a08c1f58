# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Direct N-D correlation: the compiled entry point of the direct family."""
cimport numpy as cnp
from libc.stdint cimport uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy
from _corr_problem cimport fill_corr_problem
from cc_common cimport CC_MAX_NDIM, cc_index_t, check_status
from cc_cpu cimport cc_isa
from cc_direct cimport CC_DIRECT_DTYPE_SET, cc_corr_problem, cc_corr_row_select, cc_correlate
from cc_dtype cimport CC_DT_COUNT, cc_dtype, dtype_table

cnp.import_array()

#: (code, name, NumPy type string) of every element type the kernels run,
#: from the C list (csrc/cc_dtype.h): all of them, so code == position.
DTYPES = dtype_table(CC_DIRECT_DTYPE_SET)
#: The names of the element-type codes, in code order.
DTYPE_CODES = tuple(name for _, name, _ in DTYPES)


def row_kernel_isa(int dtype_code, int isa):
    """The ISA level of the row kernel that runs for dtype_code at level isa."""
    cdef cc_isa chosen
    if not 0 <= dtype_code < CC_DT_COUNT:
        raise ValueError(f"dtype_code must be in [0, {CC_DT_COUNT}), got {dtype_code}")
    cc_corr_row_select(<cc_dtype>dtype_code, <cc_isa>isa, &chosen)
    return <int>chosen


def correlate(cnp.ndarray x, cnp.ndarray w, cnp.ndarray out, offset,
              int dtype_code, int isa, int num_threads):
    """out[o] = sum_t x[o + offset + t] * w[t], x zero outside its shape.

    x: IN, any strides that are multiples of its itemsize, last stride one
    element (or a last axis of length <= 1).  w: IN, C-contiguous.
    out: OUT, C-contiguous, written whole.  All three share the element type
    dtype_code (an index into DTYPE_CODES; signed integers use the unsigned
    code of their width).
    """
    cdef cc_index_t dims[5 * CC_MAX_NDIM]
    cdef cc_corr_problem p
    cdef int status

    if not 0 <= dtype_code < CC_DT_COUNT:
        raise ValueError(f"dtype_code must be in [0, {CC_DT_COUNT}), got {dtype_code}")
    fill_corr_problem(&p, x, w, out, offset, dims)
    cdef const void *xp = cnp.PyArray_DATA(x)
    cdef const void *wp = cnp.PyArray_DATA(w)
    cdef void *op = cnp.PyArray_DATA(out)
    with nogil:
        status = cc_correlate(<cc_dtype>dtype_code, &p, xp, wp, op, <cc_isa>isa, num_threads)
    check_status(status, "direct correlation", "in the direct correlation")


cdef enum:
    # Reversed kernels up to this many long doubles (4 KiB) live on the stack.
    STACK_KERNEL_LD = 256
    # Below this many multiply-adds the call keeps the GIL: releasing and
    # taking it back costs more than the work.
    NOGIL_MIN_WORK = 4096


cdef bint _reads_as_signal(cnp.ndarray a, int type_num):
    """Whether the kernels can read ``a`` as it is: the dtype, native byte
    order, aligned, strides in whole elements, contiguous along the last
    axis (as convcore._validate.as_signal makes it)."""
    cdef int d, nd = cnp.PyArray_NDIM(a)
    cdef Py_ssize_t itemsize = cnp.PyArray_ITEMSIZE(a)
    if cnp.PyArray_TYPE(a) != type_num or not cnp.PyArray_ISNOTSWAPPED(a) \
            or not cnp.PyArray_ISALIGNED(a) or nd < 1:
        return False
    if cnp.PyArray_IS_C_CONTIGUOUS(a):
        return True
    for d in range(nd):
        if cnp.PyArray_STRIDE(a, d) % itemsize:
            return False
    return cnp.PyArray_DIM(a, nd - 1) <= 1 or cnp.PyArray_STRIDE(a, nd - 1) == itemsize


cdef void _reverse_copy(char *dst, const char *src, Py_ssize_t n, size_t e) noexcept nogil:
    """dst[i] = src[n - 1 - i] for n elements of e bytes (both aligned for them)."""
    cdef Py_ssize_t i
    if e == 4:
        for i in range(n):
            (<uint32_t *>dst)[i] = (<const uint32_t *>src)[n - 1 - i]
    elif e == 8:
        for i in range(n):
            (<uint64_t *>dst)[i] = (<const uint64_t *>src)[n - 1 - i]
    else:
        for i in range(n):
            memcpy(dst + <size_t>i * e, src + <size_t>(n - 1 - i) * e, e)


cdef class Correlator:
    """``out[o] = sum_t x[o + offset + t] * w[t]`` for operands of fixed
    shapes, its geometry fixed once: the one compiled call of a direct plan
    (convcore._directconv).  With ``flip``, ``w`` is given unreversed and
    the kernel reads it reversed (convolution), without a Python-level copy.

    Calling it with (x, w): IN, any arrays of the planned shapes; x is
    converted (convcore._validate.as_signal) and w copied only when the
    kernels cannot read them as they are.  Returns a fresh array of the
    result dtype.
    """
    cdef int nd
    cdef cnp.npy_intp out_dims[CC_MAX_NDIM]
    cdef object offset, compute, result, as_signal
    cdef int code, isa, threads, type_num
    cdef bint flip, converts
    cdef Py_ssize_t itemsize

    def __init__(self, out_shape, offset, compute, int code, result, int isa, int threads,
                 bint flip, as_signal):
        if not 0 <= code < CC_DT_COUNT:
            raise ValueError(f"code must be in [0, {CC_DT_COUNT}), got {code}")
        self.nd = len(out_shape)
        if not 1 <= self.nd <= CC_MAX_NDIM:
            raise ValueError(f"out_shape must have 1 to {CC_MAX_NDIM} axes, got {out_shape}")
        for d in range(self.nd):
            self.out_dims[d] = out_shape[d]
        self.offset = tuple(offset)
        self.compute = compute
        self.type_num = compute.num
        self.itemsize = compute.itemsize
        self.code = code
        self.result = result
        self.converts = compute != result
        self.isa = isa
        self.threads = threads
        self.flip = flip
        self.as_signal = as_signal

    def __call__(self, x, w):
        cdef cnp.ndarray xa = x, wa = w
        if not _reads_as_signal(xa, self.type_num):
            xa = self.as_signal(xa, self.compute)
        cdef bint reverse = self.flip
        if cnp.PyArray_TYPE(wa) != self.type_num or not cnp.PyArray_ISNOTSWAPPED(wa) \
                or not cnp.PyArray_ISALIGNED(wa) or not cnp.PyArray_IS_C_CONTIGUOUS(wa):
            if reverse:
                wa = wa[(slice(None, None, -1),) * wa.ndim]
                reverse = False
            wa = cnp.PyArray_FROMANY(wa, self.type_num, 0, 0,
                                     cnp.NPY_ARRAY_C_CONTIGUOUS | cnp.NPY_ARRAY_ALIGNED)
        cdef cnp.ndarray out = cnp.PyArray_EMPTY(self.nd, self.out_dims, self.type_num, 0)
        cdef cc_index_t dims[5 * CC_MAX_NDIM]
        cdef cc_corr_problem p
        fill_corr_problem(&p, xa, wa, out, self.offset, dims)
        cdef Py_ssize_t n = cnp.PyArray_SIZE(wa)
        cdef size_t nbytes = <size_t>n * <size_t>self.itemsize
        cdef long double stack[STACK_KERNEL_LD]  # aligned for every dtype
        cdef char *buf = NULL
        cdef const void *wp = cnp.PyArray_DATA(wa)
        if reverse and n > 1:
            buf = <char *>stack if nbytes <= sizeof(stack) else <char *>malloc(nbytes)
            if buf == NULL:
                raise MemoryError("convcore: out of memory for the reversed kernel")
            _reverse_copy(buf, <const char *>wp, n, self.itemsize)
            wp = buf
        cdef const void *xp = cnp.PyArray_DATA(xa)
        cdef void *op = cnp.PyArray_DATA(out)
        cdef int status
        cdef cc_dtype code = <cc_dtype>self.code
        cdef cc_isa isa = <cc_isa>self.isa
        cdef int threads = self.threads
        if <double>cnp.PyArray_SIZE(out) * <double>n < NOGIL_MIN_WORK:
            status = cc_correlate(code, &p, xp, wp, op, isa, 1)
        else:
            with nogil:
                status = cc_correlate(code, &p, xp, wp, op, isa, threads)
        if buf != NULL and buf != <char *>stack:
            free(buf)
        check_status(status, "direct correlation", "in the direct correlation")
        return out.astype(self.result) if self.converts else out
