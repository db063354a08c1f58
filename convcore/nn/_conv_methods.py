"""The layer convolutions' method registry, plans and the choice of 'auto'.

Every method takes a :class:`~._conv_spec.ConvSpec` (its plan maker
``make(spec) -> run(x, w, bias, out)``) and accepts every geometry the
spec describes; none refuses a case another handles.  A plan is kept per
spec, method, thread count and ISA level (``_plans``).
"""
from .. import _methods, _plans, _validate, _wisdom
from . import _conv_cost_table, _conv_direct, _conv_fft, _conv_im2col

METHODS = _methods.Registry([
    _methods.Method("direct", _conv_direct.make, _conv_direct.features),
    _methods.Method("im2col", _conv_im2col.make, _conv_im2col.features),
    _methods.Method("fft", _conv_fft.make, _conv_fft.features),
], _conv_cost_table.COSTS)

# API names without an implementation yet: asking for one is an error that
# says so, never another algorithm.
NOT_YET = {"winograd": "Winograd's algorithm (3-tap / 3x3 kernels, stride 1, dilation 1) "
                       "is not implemented in this version of convcore"}


def check(method, op):
    """ValueError unless ``method`` is 'auto' or a registered name."""
    if isinstance(method, str) and method in NOT_YET:
        raise ValueError(f"{op}: method={method!r} is not available: {NOT_YET[method]}; "
                         f"use one of 'auto', {', '.join(map(repr, METHODS))}")
    try:
        METHODS.check(method)
    except ValueError as exc:
        raise ValueError(f"{op}: {exc}") from None


def problem_key(spec):
    """The name of a problem for the measured-choice cache (_wisdom)."""
    return (f"conv|n={spec.n}|c={spec.c_in}->{spec.c_out}|g={spec.groups}|in={spec.in_size}"
            f"|k={spec.kernel}|s={spec.stride}|d={spec.dilation}|p={spec.pad}"
            f"|{spec.dtype.str}")


def choose(spec):
    """The method 'auto' runs for ``spec``."""
    return METHODS.choose(list(METHODS), problem_key(spec), spec)


def plan(spec, method):
    """``run(x, w, bias, out)`` of ``method`` ('auto': :func:`choose`) on
    ``spec``, kept per spec unless the measured-choice cache is on."""
    key = ("conv", spec, method)
    run = _plans.lookup(key)
    if run is None:
        name = choose(spec) if method == "auto" else method
        run = METHODS[name].make(spec)
        if _wisdom.PATH is None:
            _plans.store(key, run)
    return run


def measure(spec, x, w, bias):
    """(fastest method, {method: seconds per call}) on these arrays, the
    choice recorded in the opt-in cache."""
    out = _validate.empty(spec.out_shape, spec.dtype, "the output")
    times = _methods.time_methods(lambda m: plan(spec, m)(x, w, bias, out), list(METHODS))
    best = min(times, key=times.get)
    _wisdom.record(problem_key(spec), best, times)
    return best, times
