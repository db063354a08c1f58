"""The signal API's method registry and the choice of ``'auto'``.

Each method computes the ``mode`` window of the full convolution ``p * q``
(``_geometry.signal_window``); a plan maker returns ``run(p, q)`` for
operands of ``p``'s and ``q``'s shapes and dtypes.
"""
import numpy as np

from . import _cost_table, _directconv, _fftconv, _im2colconv
from ._methods import Method, Registry
from ._validate import object_arrays


def _per_call(method):
    """The plan maker of a method whose work is all done per call."""
    def make(p, q, mode):
        return lambda p, q: method(p, q, mode)
    return make


# Another method must be modelled FFT_MARGIN times the FFT's cost or less
# to be chosen over it.  The model errs by 10-30% on single problems, and
# the 'fft' method runs scipy's transforms with less work around them, so it
# is rarely slower than scipy, while an other method chosen on a near tie
# can be: replaying three 200-problem sweeps (benchmarks/sweep.py auto) with
# margins 1.0-0.8, 0.9 left 1 problem slower than scipy instead of 4, and
# the largest regret at 1.6-2.1x instead of 1.9-2.1x.
FFT_MARGIN = 0.9

METHODS = Registry([
    Method("direct", _directconv.direct_plan, _directconv.features),
    Method("fft", _per_call(_fftconv.method_fft), _fftconv.fft_features, rounds=True),
    Method("oa", _per_call(_fftconv.method_oa), _fftconv.oa_features, rounds=True),
    Method("im2col", _per_call(_im2colconv.method_im2col), _im2colconv.features),
], _cost_table.COSTS, margins={"fft": FFT_MARGIN})


def _exact_in_float(p, q, result):
    """scipy's rule for integer results through floating FFTs: the largest
    possible sum of products must stay below 2**52.  convcore also keeps it
    inside the result dtype, so 'auto' never trades the direct method's
    wrap-around for a float-to-int cast."""
    def peak(a):
        if a.dtype.kind == "b":
            return int(a.any())
        return max(abs(int(a.max())), abs(int(a.min())))
    bound = peak(p) * peak(q) * min(p.size, q.size)
    return bound <= 2 ** np.finfo(np.float64).nmant - 1 and bound <= np.iinfo(result).max


def exact_methods(p, q):
    """The methods whose result is the direct method's: no rounding method
    for bool results, nor for integer results that floats could get wrong."""
    if p.ndim == 0 or p.size == 0 or q.size == 0 or object_arrays(p, q):
        return ["direct"]  # object arrays: scipy's own direct method
    if p.dtype.kind in "fc" or q.dtype.kind in "fc":
        return list(METHODS)  # a floating result
    result = np.result_type(p, q)
    exact = result.kind in "iu" and _exact_in_float(p, q, result)
    return [m for m in METHODS if exact or not METHODS[m].rounds]


def problem_key(p, q, mode):
    """The name of a problem for the choice caches (_wisdom)."""
    return f"{mode}|{p.shape}|{p.dtype.str}|{q.shape}|{q.dtype.str}"


def choose(p, q, mode):
    """The method ``'auto'`` runs for the ``mode`` window of ``p * q``
    (_methods.Registry.choose among exact_methods)."""
    return METHODS.choose(exact_methods(p, q), problem_key(p, q, mode), p, q, mode)


def estimate_costs(p, q, mode):
    """{method: model seconds} of each method ``'auto'`` may choose (none
    for object arrays, which run scipy's code)."""
    if object_arrays(p, q):
        return {}
    return METHODS.estimate_costs(exact_methods(p, q), p, q, mode)
