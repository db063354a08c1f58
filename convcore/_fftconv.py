"""scipy.signal's FFT functions and the signal API's 'fft' and 'oa' methods.

Adaptors between scipy's conventions and the FFT engine (``_spectral``,
``_fftline``, ``_oa``): argument handling (scipy's axes rules, early
returns, object arrays), the window of each mode (``_geometry``), scipy's
post-processing of FFT results (integer rounding, the NaN warning), and the
cost model's view of each method, read from the plan the engine will run.
"""
import operator
import warnings

import numpy as np

from . import _oa
from ._geometry import crop_window
from ._methods import dtype_class
from ._spectral import Plan, crop, fft_window, work_dtype
from ._validate import check_mode, check_nbytes, inputs_swap_needed, result_dtype

__all__ = ["fftconvolve", "oaconvolve", "method_fft", "method_oa"]


# --------------------------------------------------------------------------
# Arguments (scipy's _init_freq_conv_axes and its helpers)

def _as_inputs(in1, in2):
    in1 = np.asarray(in1)
    in2 = np.asarray(in2)
    for name, a in (("in1", in1), ("in2", in2)):
        if a.dtype.kind not in "biufcO":
            # scipy fails in its multiply with a UFuncTypeError (a TypeError).
            raise TypeError(f"{name} must be numeric (bool, integer, floating, complex "
                            f"or object); got {name}.dtype={a.dtype}")
    return in1, in2


def _transformable(a, name):
    """``a`` as scipy.fft transforms it: an object array becomes float64
    element by element (so a complex element raises TypeError, a string
    ValueError, as in scipy); other arrays are returned as they are."""
    if a.dtype.kind != "O":
        return a
    try:
        return np.asarray(a, np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise type(exc)(f"{name} is an object array, which the FFT converts to float64 "
                        f"as scipy does, and an element cannot be converted: {exc}") from None


def _normalize_axes(axes, ndim):
    """scipy.fft's axes rules: int or iterable of ints, negative allowed,
    unique, within the rank."""
    if axes is None:
        return list(range(ndim))
    try:
        axes = [operator.index(axes)]
    except TypeError:
        try:
            axes = [operator.index(a) for a in axes]
        except TypeError:
            raise ValueError("axes must be a scalar or iterable of integers; "
                             f"got axes={axes!r}") from None
    if any(a >= ndim or a < -ndim for a in axes):
        raise ValueError(f"axes exceeds dimensionality of input; got axes={axes} "
                         f"for inputs of rank {ndim}")
    axes = [a + ndim if a < 0 else a for a in axes]
    if len(set(axes)) != len(axes):
        raise ValueError(f"all axes must be unique; got axes={axes}")
    return axes


def _init_axes(in1, in2, mode, axes):
    """(in1, in2, axes): axes normalised and stripped of length-1 axes (those
    broadcast), inputs swapped when 'valid' needs in2 as the larger."""
    s1, s2 = in1.shape, in2.shape
    given = axes is not None
    axes = _normalize_axes(axes, in1.ndim)
    if given and not axes:
        raise ValueError("when provided, axes cannot be empty; got axes=[]")
    axes = [a for a in axes if s1[a] != 1 and s2[a] != 1]
    if not all(s1[a] == s2[a] or s1[a] == 1 or s2[a] == 1
               for a in range(in1.ndim) if a not in axes):
        raise ValueError(f"incompatible shapes for in1 and in2: {s1} and {s2}")
    if inputs_swap_needed(mode, s1, s2, axes):
        in1, in2 = in2, in1
    return in1, in2, axes


def _product(in1, in2, win):
    """The window ``win`` of the broadcast product ``in1 * in2`` (no axis
    convolved), its size checked first (_validate.check_nbytes)."""
    check_nbytes(np.broadcast_shapes(in1.shape, in2.shape), np.result_type(in1, in2).itemsize,
                 "the broadcast product")
    return crop(in1 * in2, win)


# --------------------------------------------------------------------------
# Public functions

def _early(in1, in2):
    """scipy's early returns: 0-d inputs multiply; empty inputs give []."""
    if in1.ndim == in2.ndim == 0:
        return in1 * in2
    if in1.ndim != in2.ndim:
        raise ValueError("in1 and in2 should have the same dimensionality; got "
                         f"in1.ndim={in1.ndim} and in2.ndim={in2.ndim}")
    if in1.size == 0 or in2.size == 0:
        return np.asarray([])
    return None


def fftconvolve(in1, in2, mode="full", axes=None):
    """Convolve two N-dimensional arrays using FFT, as
    ``scipy.signal.fftconvolve``.

    Parameters
    ----------
    in1, in2 : array_like
        Inputs of the same rank.
    mode : {'full', 'valid', 'same'}
        Output size, as scipy.
    axes : int or sequence of int, optional
        Axes to convolve along (default: all); the others broadcast as NumPy
        does, so there the inputs must match or have length 1.

    Returns
    -------
    ndarray
        float (or complex) as scipy: float32/complex64 stay single
        precision, integers and bool give float64.  Object arrays are
        converted to float64 (element by element: a complex element raises
        TypeError), as scipy.fft converts them; where no axis is transformed
        (inputs of length 1 there) they are multiplied as objects, as scipy.
    """
    return _public_conv(in1, in2, mode, axes, fft_window)


def oaconvolve(in1, in2, mode="full", axes=None):
    """Convolve two N-dimensional arrays using the overlap-add method, as
    ``scipy.signal.oaconvolve``.

    The block length along each axis minimises a model of the total FFT work
    (n*log2(n) per block transform, ``_oa.plan_oa``); where one block is
    cheapest the axis is transformed whole, and with one block on every axis
    this is :func:`fftconvolve` (as scipy's oaconvolve falls back to it).
    Parameters and result as :func:`fftconvolve`.
    """
    return _public_conv(in1, in2, mode, axes, _oa.overlap_add)


def _public_conv(in1, in2, mode, axes, compute):
    """fftconvolve and oaconvolve: scipy's checks and early returns, then
    ``compute(in1, in2, sorted axes, window)`` for the convolved axes."""
    in1, in2 = _as_inputs(in1, in2)
    early = _early(in1, in2)
    if early is not None:
        return early
    check_mode(mode, wording="acceptable")
    p, q, axes = _init_axes(in1, in2, mode, axes)
    axes = sorted(axes)
    win = crop_window(mode, p.shape, q.shape, axes)
    check_nbytes([n for _, n in win], work_dtype(p, q).itemsize, "the output")
    if not axes:
        return _product(p, q, win)  # object arrays stay object, as in scipy
    p, q = (_transformable(x, "in1" if x is in1 else "in2") for x in (p, q))
    return compute(p, q, axes, win)


# --------------------------------------------------------------------------
# The 'fft' and 'oa' methods of convolve/correlate

def _isfinite(value):
    """np.isfinite of the first output, which scipy tests: an object array
    multiplied without a transform (every axis of length 1) may hold values
    NumPy cannot test, where scipy fails with a TypeError."""
    try:
        return np.isfinite(value)
    except TypeError:
        raise TypeError(f"the FFT methods test the first output for NaN and inf, as scipy "
                        f"does, and cannot test a {type(value).__name__} (from object "
                        "inputs with every axis of length 1); method='direct' computes "
                        "object arrays exactly") from None


def _to_result(out, result):
    """scipy's post-processing of FFT results: integers rounded, then cast
    to the result dtype.  bool is rounded too before testing for non-zero
    (scipy forgets, and turns 1e-17 into True)."""
    if out.size and not _isfinite(out.flat[0]):
        warnings.warn("Use of fft convolution on input with NAN or inf results in "
                      "NAN or inf output. Consider using method='direct' instead.",
                      RuntimeWarning, stacklevel=4)
    if result.kind == "b":
        return np.round(out) != 0
    if result.kind in "iu":
        out = np.round(out)
    return out.astype(result, copy=False)


def _check_nonempty(p, q):
    for name, a in (("in1", p), ("in2", q)):
        if a.size == 0:
            raise ValueError(f"{name} cannot be empty; got {name}.shape={a.shape}")


def method_setup(p, q, mode):
    """(p, q, axes, window) as the 'fft' and 'oa' methods transform: 'valid'
    windows count from the larger input (convolve has checked that one is),
    and, as in fftconvolve, axes where an input has length 1 are a broadcast
    product, not a transform (so all-length-1 integers multiply exactly)."""
    if mode == "valid" and any(a < b for a, b in zip(p.shape, q.shape)):
        p, q = q, p
    axes = [a for a in range(p.ndim) if p.shape[a] != 1 and q.shape[a] != 1]
    return p, q, axes, crop_window(mode, p.shape, q.shape, axes)


def _method(p, q, mode, compute):
    """The mode window of ``p * q`` by ``compute(p, q, axes, window)`` on
    the axes of :func:`method_setup`, post-processed as scipy's FFT path."""
    result = result_dtype(p, q, objects=True)
    _check_nonempty(p, q)
    first = p
    p, q, axes, win = method_setup(p, q, mode)
    if not axes:
        return _to_result(_product(p, q, win), result)
    p, q = (_transformable(x, "in1" if x is first else "in2") for x in (p, q))
    return _to_result(compute(p, q, axes, win), result)


def method_fft(p, q, mode):
    """'fft': the mode window of ``p * q`` by one FFT of each input."""
    return _method(p, q, mode, fft_window)


def method_oa(p, q, mode):
    """'oa': the mode window of ``p * q`` by overlap-add (one block on every
    axis is the plain FFT, as in scipy)."""
    return _method(p, q, mode, _oa.overlap_add)


# --------------------------------------------------------------------------
# The cost model's view (_methods.Method.features), constants fitted by
# benchmarks/calibrate.py per transform dtype class

def _setup(p, q, mode):
    """(work dtype, p, q, axes, window) as the methods transform."""
    dtype = work_dtype(p, q)
    return (dtype, *method_setup(p, q, mode))


def fft_features(p, q, mode):
    """(('fft', class), features) of 'fft' on the ``mode`` window of ``p *
    q``: those of the plan it runs (_spectral.Plan.features)."""
    dtype, p, q, axes, win = _setup(p, q, mode)
    return ("fft", dtype_class(dtype)), Plan(p.shape, q.shape, axes, win, dtype).features()


def oa_features(p, q, mode):
    """(('oa', class), features) of 'oa', or those of 'fft' when its plan
    blocks no axis (it then runs the plain FFT)."""
    dtype, p, q, axes, _ = _setup(p, q, mode)
    plan, _ = _oa.plan_oa([(p.shape[a], q.shape[a]) for a in axes], dtype.kind != "c")
    if not _oa.blocked(plan):
        return fft_features(p, q, mode)
    return ("oa", dtype_class(dtype)), _oa.features(p.shape, q.shape, axes, plan)
