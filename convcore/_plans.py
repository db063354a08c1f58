"""Plans of convolve and correlate, kept per call signature.

Everything before the compiled call (validation, the method 'auto' picks,
the direct method's geometry) depends only on the function, mode, method,
shapes and dtypes when the result is floating or complex: integer results
also look at the values (scipy's 2**52 rule), and the opt-in measured cache
(``_wisdom``) may change its answers between calls.  A plan keeps that
work, so a repeated small call costs little more than its kernel.
"""
import numpy as np

from . import _dispatch, _wisdom
from ._directconv import check_output
from ._methods import METHODS, choose_method
from ._threads import get_num_threads
from ._validate import conj, reverse

_plans = {}
_MAX_PLANS = 4096


def _key(op, in1, in2, mode, method):
    return (op, mode, method, in1.shape, in2.shape, in1.dtype, in2.dtype,
            get_num_threads(), _dispatch.isa_level)


def lookup(op, in1, in2, mode, method):
    """The stored plan for this call, or None."""
    if type(mode) is not str or type(method) is not str or _wisdom.PATH is not None:
        return None
    return _plans.get(_key(op, in1, in2, mode, method))


def make(op, in1, in2, mode, method):
    """``plan(in1, in2)``: ``op`` ('convolve' or 'correlate') on validated
    inputs of these shapes and dtypes; stored when they decide it."""
    if not (isinstance(method, str) and (method == "auto" or method in METHODS)):
        names = ", ".join(repr(m) for m in ("auto", *METHODS))
        raise ValueError(f"Acceptable method flags are {names}; got method={method!r}")
    check_output(in1, in2, mode)
    name = choose_method(in1, in2, mode) if method == "auto" else method
    body = METHODS[name](in1, in2, mode)
    plan = body if op == "convolve" else lambda p, q: body(p, conj(reverse(q)))
    if np.result_type(in1, in2).kind in "fc" and _wisdom.PATH is None:
        if len(_plans) >= _MAX_PLANS:
            _plans.clear()
        _plans[_key(op, in1, in2, mode, method)] = plan
    return plan
