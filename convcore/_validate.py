"""Argument checks, shape maths and input coercion shared by the public
functions.  Messages name the argument and its value; exception types are
the ones scipy raises for the same mistake."""
import math
import sys

import numpy as np

from . import _direct
from ._geometry import correlation_offsets, signal_window

MODES = ("full", "same", "valid")
BOUNDARIES = {"fill": "fill", "pad": "fill", "wrap": "wrap", "circular": "wrap",
              "symm": "symm", "symmetric": "symm"}

_CODE = {name: code for code, name, _ in _direct.DTYPES}
_INT_CODE = {1: _CODE["u8"], 2: _CODE["u16"], 4: _CODE["u32"], 8: _CODE["u64"]}


# The size rule of every array convcore allocates whose size follows from a
# requested size (a result, a table of window positions, an FFT workspace):
# NumPy's own limit, a byte size that fits in a signed 64-bit integer
# (npy_intp, i.e. ssize_t: sys.maxsize), with empty axes counted as 1 as
# NumPy counts them.  No machine can hold a larger array, so the request is
# refused with MemoryError (a valid request that cannot fit; NumPy itself
# says ValueError "array is too big") before anything proportional to it is
# allocated, where it would otherwise overflow a product, fill tables of
# that size first, or reach C as a wrapped size.  Below the limit, memory is
# NumPy's to allocate: it raises MemoryError when the system refuses, and
# callers allocate a result before building anything that grows with it,
# so that refusal comes first.
MAX_BYTES = sys.maxsize


def check_nbytes(shape, itemsize, what):
    """The byte size of an array of ``shape`` with ``itemsize``-byte
    elements; MemoryError when it breaks the size rule above.  ``what``
    names the array in the message (e.g. "max_pool2d: the output").
    Exact Python ints: nothing wraps, whatever the shape holds."""
    nbytes = math.prod(shape) * itemsize
    if 0 < nbytes <= MAX_BYTES:
        return nbytes
    nbytes = math.prod(n if n > 1 else 1 for n in shape) * itemsize
    if nbytes > MAX_BYTES:
        raise MemoryError(f"{what} of shape {tuple(shape)} would take {nbytes} bytes "
                          f"({itemsize} per element), more than any array can hold "
                          f"({MAX_BYTES} bytes)")
    return nbytes


def empty(shape, dtype, what):
    """``np.empty(shape, dtype)``, or MemoryError naming ``what`` when it
    breaks the size rule above.  NumPy checks that very rule before it
    allocates (its ValueError "array is too big"), so the check costs
    nothing when the array may exist."""
    try:
        return np.empty(shape, dtype)
    except (ValueError, OverflowError):
        check_nbytes(shape, np.dtype(dtype).itemsize, what)
        raise


def check_mode(mode, wording="Acceptable"):
    """``wording``: scipy's FFT functions start the message in lower case."""
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"{wording} mode flags are 'valid', 'same', or 'full'; "
                         f"got mode={mode!r}")
    return mode


def check_boundary(boundary):
    if not isinstance(boundary, str) or boundary not in BOUNDARIES:
        raise ValueError("Acceptable boundary flags are 'fill', 'circular' (or 'wrap'), "
                         f"and 'symmetric' (or 'symm'); got boundary={boundary!r}")
    return BOUNDARIES[boundary]


def check_same_rank(in1, in2, names=("in1", "in2")):
    if in1.ndim != in2.ndim:
        raise ValueError(f"{names[0]} and {names[1]} should have the same dimensionality; "
                         f"got {names[0]}.ndim={in1.ndim} and {names[1]}.ndim={in2.ndim}")


def inputs_swap_needed(mode, shape1, shape2, axes=None):
    """True when 'valid' mode needs in2 as the larger input along ``axes``
    (default: all; scipy's rule); raises when neither input is at least as
    large as the other there."""
    if mode != "valid" or not shape1:
        return False
    if axes is None:
        axes = range(len(shape1))
    ok1 = all(shape1[a] >= shape2[a] for a in axes)
    ok2 = all(shape2[a] >= shape1[a] for a in axes)
    if not (ok1 or ok2):
        raise ValueError("For 'valid' mode, one must be at least as large as the other "
                         f"in every dimension; got shapes {tuple(shape1)} and {tuple(shape2)}")
    return not ok1


def result_dtype(in1, in2, objects=False):
    """scipy's result dtype for two inputs, or ValueError for non-numeric
    ones (object arrays too, unless ``objects``: the FFT methods take them)."""
    kinds = "biufcO" if objects else "biufc"
    for name, a in (("in1", in1), ("in2", in2)):
        if a.dtype.kind not in kinds:
            raise ValueError(f"{name} must be numeric (bool, integer, floating or "
                             f"complex); got {name}.dtype={a.dtype}")
    dtype = np.result_type(in1, in2)
    return dtype if dtype.isnative else dtype.newbyteorder("=")


def _compute_dtype(dtype):
    kind, size = dtype.kind, dtype.itemsize
    if kind == "b":
        return dtype, _CODE["b"]
    if kind in "iu":
        return dtype, _INT_CODE[size]
    if kind == "f":
        if size <= 4:
            return np.dtype(np.float32), _CODE["f32"]
        if size == 8:
            return dtype, _CODE["f64"]
        return dtype, _CODE["ld"]
    if size == 8:
        return dtype, _CODE["c64"]
    if size == 16:
        return dtype, _CODE["c128"]
    return dtype, _CODE["cld"]


# Native numeric dtypes are few: look them up rather than branch per call.
_COMPUTE = {np.dtype(t): _compute_dtype(np.dtype(t)) for t in "?bBhHiIlLqQefdgFDG"}


def compute_dtype(dtype):
    """(dtype the kernels run in, its kernel code).  float16 runs in float32
    and is rounded once at the end, as NumPy's float16 dot does."""
    found = _COMPUTE.get(dtype)
    return found if found is not None else _compute_dtype(dtype)


def as_signal(a, dtype):
    """``a`` in ``dtype`` as the kernels read a signal: native byte order,
    aligned, strides in whole elements, contiguous along the last axis.
    Copies only when ``a`` is not already so."""
    a = np.asarray(a, dtype=dtype)
    flags = a.flags
    if flags.c_contiguous and flags.aligned:
        return a
    itemsize = a.itemsize
    if (flags.aligned
            and (a.shape[-1] <= 1 or a.strides[-1] == itemsize)
            and all(s % itemsize == 0 for s in a.strides)):
        return a
    # A copy, not ascontiguousarray: that returns an unaligned C-contiguous
    # array as it is.
    return np.array(a, order="C")


def conj(a):
    """Complex conjugate for complex arrays; every other array unchanged."""
    return np.conj(a) if a.dtype.kind == "c" else a


def reverse(a):
    return a[(slice(None, None, -1),) * a.ndim]


def as_correlation(p, q, mode, same_start, swap):
    """``(x, w, out_shape, offset, result)``: the ``mode`` window of the full
    convolution ``p * q`` as ``out[o] = sum_t x[o + offset + t] * w[t]``,
    the compiled kernels' form, with ``q`` as the signal ``x`` when ``swap``
    (convolution commutes) and ``result`` scipy's result dtype."""
    result = result_dtype(p, q)
    out_shape, start = signal_window(mode, p.shape, q.shape, same_start)
    if swap:
        p, q = q, p
    return p, reverse(q), out_shape, correlation_offsets(start, q.shape), result


def object_arrays(p, q):
    """True when either input is an object array: 'auto' and 'direct' hand
    those to scipy (exact Python arithmetic), the FFT methods convert them
    to float64 as scipy.fft does."""
    return p.dtype.kind == "O" or q.dtype.kind == "O"
