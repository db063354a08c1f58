"""scipy.signal-compatible convolution and correlation: validate, then
dispatch to a method (``_signal_methods``)."""
import numpy as np

from . import _plans, _scipy_originals, _signal_methods, _validate, _wisdom
from ._directconv import convolve_direct, correlate_offsets
from ._fftconv import fftconvolve, oaconvolve  # noqa: F401 (public)
from ._geometry import correlation_offsets, same_start_centered, same_start_corr2d, signal_window
from ._methods import time_methods
from ._signal_methods import METHODS
from ._validate import conj, object_arrays, reverse

__all__ = ["convolve", "correlate", "convolve2d", "correlate2d", "fftconvolve", "oaconvolve",
           "choose_conv_method"]


def _check_nonempty_1d(in1, in2, mode):
    """scipy hands 1-D problems to NumPy's convolve, which refuses empty
    inputs, except 'same' with ``in2`` the longer (its N-D path)."""
    if in1.ndim == 1 and (mode != "same" or in1.size >= in2.size):
        for name, a in (("in1", in1), ("in2", in2)):
            if a.size == 0:
                raise ValueError(f"{name} cannot be empty; got {name}.shape={a.shape}")


def _object_arrays(op, in1, in2, mode, method):
    """``op`` on object arrays (same rank >= 1, mode checked), as scipy:
    'auto' and 'direct' by scipy's own function (unpatched:
    ``_scipy_originals``), in exact Python arithmetic; 'fft' and 'oa'
    by convcore's FFT on the inputs converted to float64, as scipy.fft
    converts them."""
    _validate.inputs_swap_needed(mode, in1.shape, in2.shape)
    _check_nonempty_1d(in1, in2, mode)
    dtypes = f"in1.dtype={in1.dtype}, in2.dtype={in2.dtype}"
    name = method if isinstance(method, str) else None  # unknown ones: _make_plan
    if name in ("auto", "direct"):
        if in1.ndim != 1 or (mode == "same" and in1.size < in2.size):
            # scipy's N-D path (_sigtools._correlateND) has no object loop.
            raise ValueError(f"scipy computes object arrays by NumPy's 1-D {op} only (1-D "
                             "inputs, and in 'same' mode in1 at least as long as in2); got "
                             f"in1.shape={in1.shape}, in2.shape={in2.shape}, mode={mode!r} "
                             f"({dtypes}); method='fft' gives a float result")
        return _scipy_originals.scipy_functions()[op](in1, in2, mode, method)
    if name == "im2col":
        raise ValueError(f"method='im2col' has no loop for object arrays; got {dtypes} "
                         "(method='direct' computes them exactly, as scipy)")
    return _make_plan(op, in1, in2, mode, method)(in1, in2)


# --------------------------------------------------------------------------
# Plans of convolve and correlate (_plans)

def _plan_key(op, in1, in2, mode, method):
    """The call signature a plan is kept under, or None when the call's
    plan may not be kept: a mode or method not a str (checked when the plan
    is made), or the opt-in measured cache on (its answers change between
    calls)."""
    if type(mode) is not str or type(method) is not str or _wisdom.PATH is not None:
        return None
    return (op, mode, method, in1.shape, in2.shape, in1.dtype, in2.dtype)


def _stored_plan(op, in1, in2, mode, method):
    key = _plan_key(op, in1, in2, mode, method)
    return None if key is None else _plans.lookup(key)


def _check_output(p, q, mode, same_start=same_start_centered):
    """MemoryError when the ``mode`` window of ``p * q`` breaks convcore's
    size rule (_validate.check_nbytes), whatever the method: checked before
    'auto' models the methods, whose arithmetic assumes sizes that exist."""
    out_shape, _ = signal_window(mode, p.shape, q.shape, same_start)
    _validate.check_nbytes(out_shape, _validate.result_dtype(p, q, objects=True).itemsize,
                           "the output")


def _make_plan(op, in1, in2, mode, method):
    """``plan(in1, in2)``: ``op`` ('convolve' or 'correlate') on validated
    inputs of these shapes and dtypes; kept when only they decide it (a
    floating or complex result)."""
    METHODS.check(method)
    _check_output(in1, in2, mode)
    name = _signal_methods.choose(in1, in2, mode) if method == "auto" else method
    body = METHODS[name].make(in1, in2, mode)
    plan = body if op == "convolve" else lambda p, q: body(p, conj(reverse(q)))
    key = _plan_key(op, in1, in2, mode, method)
    if key is not None and np.result_type(in1, in2).kind in "fc":
        _plans.store(key, plan)
    return plan



def convolve(in1, in2, mode="full", method="auto"):
    """Convolve two N-dimensional arrays, as ``scipy.signal.convolve``.

    Parameters
    ----------
    in1, in2 : array_like
        Inputs of the same rank (two 0-d inputs are multiplied).
    mode : {'full', 'valid', 'same'}
        Output size, as scipy: the full convolution, the part computed
        without zero padding, or the size of ``in1`` centred on the full
        output.
    method : {'auto', 'direct', 'im2col', 'fft', 'oa'}
        Algorithm: direct sums, the patch matrix times the kernel (BLAS
        where it has the dtype; exact integers as 'direct'), FFT, or FFT
        overlap-add; ``'auto'`` picks the cheapest by a cost model.  'fft'
        and 'oa' round integer results as scipy's FFT path does.

    Returns
    -------
    ndarray
        scipy's result dtype: ``np.result_type(in1, in2)``; integer inputs
        give exact integer results (with wrap-around).

    Notes
    -----
    Object arrays (Python ints, Fractions, Decimals, ...) are computed as
    scipy computes them: with 'auto' and 'direct' by scipy's own
    ``scipy.signal.convolve``, never a patched one (NumPy's 1-D
    convolution, in exact Python arithmetic; like scipy, N-D object arrays
    raise ValueError); with 'fft' and 'oa' by the FFT of the inputs
    converted to float64, giving an object array of floats, as scipy's
    'fft'; 'im2col' refuses them.
    """
    in1, in2 = np.asarray(in1), np.asarray(in2)
    plan = _stored_plan("convolve", in1, in2, mode, method)
    if plan is not None:
        return plan(in1, in2)
    if in1.ndim == 0 and in2.ndim == 0:
        return in1 * in2
    _validate.check_same_rank(in1, in2, ("volume", "kernel"))
    _validate.check_mode(mode)
    if object_arrays(in1, in2):
        return _object_arrays("convolve", in1, in2, mode, method)
    _validate.result_dtype(in1, in2)
    _validate.inputs_swap_needed(mode, in1.shape, in2.shape)
    _check_nonempty_1d(in1, in2, mode)
    return _make_plan("convolve", in1, in2, mode, method)(in1, in2)


def correlate(in1, in2, mode="full", method="auto"):
    """Cross-correlate two N-dimensional arrays, as ``scipy.signal.correlate``.

    ``z[k] = sum_l in1[l + k - K] * conj(in2[l])``: ``in2`` is conjugated for
    complex inputs.  Parameters and result dtype as :func:`convolve`;
    object arrays too, with 'auto' and 'direct' by scipy's own unpatched
    ``scipy.signal.correlate`` (which conjugates no object array).
    """
    in1, in2 = np.asarray(in1), np.asarray(in2)
    plan = _stored_plan("correlate", in1, in2, mode, method)
    if plan is not None:
        return plan(in1, in2)
    if in1.ndim == 0 and in2.ndim == 0:
        return in1 * conj(in2)
    _validate.check_same_rank(in1, in2)
    _validate.check_mode(mode)
    if object_arrays(in1, in2):
        return _object_arrays("correlate", in1, in2, mode, method)
    _validate.result_dtype(in1, in2)
    _validate.inputs_swap_needed(mode, in1.shape, in2.shape)
    _check_nonempty_1d(in1, in2, mode)
    return _make_plan("correlate", in1, in2, mode, method)(in1, in2)


def _check_2d(in1, in2, name):
    in1 = np.asarray(in1)
    in2 = np.asarray(in2)
    if not in1.ndim == in2.ndim == 2:
        raise ValueError(f"{name} inputs must both be 2-D arrays; got in1.ndim={in1.ndim} "
                         f"and in2.ndim={in2.ndim}")
    return in1, in2


def _check_fillvalue(fillvalue, result):
    """``fillvalue`` as a 0-d array of the result dtype.  As scipy, a value
    the result type cannot hold is refused, not wrapped: any complex value
    for real inputs, or an integer out of range."""
    fill = np.asarray(fillvalue)
    if fill.size != 1:
        raise ValueError("`fillvalue` must be scalar or an array with one element; "
                         f"got fillvalue with shape {fill.shape}")
    fill = fill.reshape(())
    if result.kind != "c" and fill.dtype.kind == "c":
        raise ValueError("could not cast `fillvalue` directly to the output type; "
                         f"got complex fillvalue={fillvalue!r} for {result} inputs")
    if result.kind in "iu":
        info = np.iinfo(result)
        if not (np.isfinite(fill) and info.min <= np.trunc(fill) <= info.max):
            raise ValueError("could not cast `fillvalue` directly to the output type; "
                             f"got fillvalue={fillvalue!r} for {result} inputs")
    return fill.astype(result)


def _conv2d(in1, in2, mode, boundary, fillvalue, same_start):
    """The 2-D window of ``in1 * in2`` with ``in1`` extended by ``boundary``."""
    boundary = _validate.check_boundary(boundary)
    result = _validate.result_dtype(in1, in2)
    # As scipy, fillvalue is looked at only when it is used.
    fill = _check_fillvalue(fillvalue, result) if boundary == "fill" else None
    if mode == "valid" or (boundary == "fill" and fill == 0):
        return convolve_direct(in1, in2, mode, same_start)
    out_shape, start = signal_window(mode, in1.shape, in2.shape, same_start)
    offset = correlation_offsets(start, in2.shape)
    pads = [(max(0, -o), max(0, o + n_out + k - 1 - n)) for o, n_out, k, n
            in zip(offset, out_shape, in2.shape, in1.shape)]
    # The extended in1 holds the output's windows: larger than the output.
    padded_shape = [n + a + b for n, (a, b) in zip(in1.shape, pads)]
    _validate.check_nbytes(padded_shape, result.itemsize, "the extended in1")
    if in1.size == 0:
        padded = np.full(padded_shape, fill, result)
    elif boundary == "fill":
        padded = np.pad(in1.astype(result), pads, mode="constant", constant_values=fill)
    else:
        padded = np.pad(in1, pads, mode="wrap" if boundary == "wrap" else "symmetric")
    offset = tuple(o + a for o, (a, _) in zip(offset, pads))
    return correlate_offsets(padded, reverse(in2), out_shape, offset, result)


def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """Convolve two 2-D arrays, as ``scipy.signal.convolve2d``.

    ``boundary`` extends ``in1`` beyond its edges: ``'fill'`` (or ``'pad'``)
    with ``fillvalue``, ``'wrap'`` (or ``'circular'``) periodically,
    ``'symm'`` (or ``'symmetric'``) by mirroring with the edge repeated.
    """
    in1, in2 = _check_2d(in1, in2, "convolve2d")
    _validate.check_mode(mode)
    _validate.inputs_swap_needed(mode, in1.shape, in2.shape)
    return _conv2d(in1, in2, mode, boundary, fillvalue, same_start_centered)


def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """Cross-correlate two 2-D arrays, as ``scipy.signal.correlate2d``.

    As scipy, 'same' centres even kernels one sample later than
    :func:`correlate` does, and when ``in2`` is the larger input in 'valid'
    mode the result is conjugated (scipy swaps the inputs and reverses the
    result without conjugating it back).
    """
    in1, in2 = _check_2d(in1, in2, "correlate2d")
    _validate.check_mode(mode)
    swapped = _validate.inputs_swap_needed(mode, in1.shape, in2.shape)
    out = _conv2d(in1, conj(reverse(in2)), mode, boundary, fillvalue, same_start_corr2d)
    return conj(out) if swapped else out


# --------------------------------------------------------------------------
# Which method: choose_conv_method

# Each method as scipy names its algorithm: sums over the kernel ('direct')
# or a product of spectra ('fft'), the two names scipy's convolve accepts.
SCIPY_NAMES = {"direct": "direct", "im2col": "direct", "fft": "fft", "oa": "fft"}


def choose_conv_method(in1, in2, mode="full", measure=False, explain=False):
    """Find the fastest convolution/correlation method, as
    ``scipy.signal.choose_conv_method``.

    Parameters
    ----------
    in1, in2 : array_like
        The arguments of :func:`convolve` or :func:`correlate`.
    mode : {'full', 'valid', 'same'}
        Output size, as :func:`convolve`.
    measure : bool
        If True, time every method ``'auto'`` may choose on these inputs and
        return the fastest with the timings (stored in the opt-in cache when
        ``CONVCORE_WISDOM`` names a file); if False, predict it.
    explain : bool
        If True (and ``measure`` False), also return the cost model's
        estimate of each method, to see why ``'auto'`` chose as it did.

    Returns
    -------
    method : str
        The method ``convolve(in1, in2, mode, method='auto')`` runs (with
        ``measure=True``: the fastest one measured).  Never a rounding
        method ('fft', 'oa') for bool results, or for integer results a
        float transform could get wrong (scipy's 2**52 rule).
    times : dict
        With ``measure=True``: seconds per call of each method timed (a
        method that raised MemoryError is left out); with
        ``explain=True``: the model's estimated seconds of each method
        ``'auto'`` may choose.  Returned only with one of the two.

    Raises
    ------
    MemoryError
        When the output could not be an array at all (its byte size past
        ``sys.maxsize``, as :func:`convolve` raises), or with
        ``measure=True`` when no method could run.

    Notes
    -----
    Object arrays: always ``'direct'``, as scipy (``'auto'`` runs scipy's
    own direct method on them, in exact Python arithmetic).

    The model's constants are measured per machine class by
    ``benchmarks/calibrate.py`` and shipped in ``convcore/_cost_table.py``.
    Set ``CONVCORE_WISDOM`` to a file path to make ``'auto'`` reuse the
    choices of earlier ``measure=True`` calls on problems of the same
    shapes, dtypes and mode (see ``convcore._wisdom``).
    """
    in1, in2 = _checked(in1, in2, mode)
    if measure:
        times = _time_methods(in1, in2, mode, _signal_methods.exact_methods(in1, in2))
        best = min(times, key=times.get)
        _wisdom.record(_signal_methods.problem_key(in1, in2, mode), best, times)
        return best, times
    if explain:
        return (_signal_methods.choose(in1, in2, mode),
                _signal_methods.estimate_costs(in1, in2, mode))
    return _signal_methods.choose(in1, in2, mode)


def _time_methods(in1, in2, mode, names):
    """``{name: seconds per call of convolve(in1, in2, mode, name)}``
    (_methods.time_methods)."""
    return time_methods(lambda m: convolve(in1, in2, mode, m), names)


def _checked(in1, in2, mode):
    """The arguments of the choose_conv_method functions, as arrays, checked
    as convolve checks them."""
    in1, in2 = np.asarray(in1), np.asarray(in2)
    if not (in1.ndim == 0 and in2.ndim == 0):
        _validate.check_same_rank(in1, in2)
    _validate.check_mode(mode)
    if not object_arrays(in1, in2):
        _validate.result_dtype(in1, in2)
    _validate.inputs_swap_needed(mode, in1.shape, in2.shape)
    if in1.ndim:
        _check_output(in1, in2, mode)  # as convolve would, before any model or timing
    return in1, in2


def choose_conv_method_as_scipy(in1, in2, mode="full", measure=False):
    """:func:`choose_conv_method` in scipy's method names: what
    :func:`convcore.patch_scipy` puts in ``scipy.signal``.

    scipy's ``convolve`` and ``correlate`` accept ``'direct'`` and ``'fft'``
    only, and so do a ``convolve`` bound before patching and any code that
    checks the name.  Without ``measure``, convcore's choice is named by its
    algorithm (:data:`SCIPY_NAMES`: ``'im2col'`` sums as ``'direct'`` does,
    ``'oa'`` is an FFT method).  With ``measure=True``, the names are timed
    as ``convolve(in1, in2, mode, method=name)`` runs them here, for the
    names of the methods ``'auto'`` may choose (no ``'fft'`` where a float
    transform could get an integer or bool result wrong), and the fastest
    is returned with the ``{name: seconds}`` timings.  Parameters, checks
    and results otherwise as scipy's ``choose_conv_method``.
    """
    in1, in2 = _checked(in1, in2, mode)
    if not measure:
        return SCIPY_NAMES[_signal_methods.choose(in1, in2, mode)]
    names = dict.fromkeys(SCIPY_NAMES[m] for m in _signal_methods.exact_methods(in1, in2))
    times = _time_methods(in1, in2, mode, names)
    return min(times, key=times.get), times
