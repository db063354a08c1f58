"""The layer convolutions' method registry, plans and the choice of 'auto'.

Every method takes a :class:`~._conv_spec.ConvSpec` (its plan maker
``make(spec) -> run(x, w, bias, out)``).  'direct', 'im2col' and 'fft'
accept every geometry the spec describes; 'winograd' covers 3-tap kernels
at stride 1 and dilation 1 in 1-D and 2-D and refuses the rest with its
reason (``Method.refusal``): 'auto' weighs it only where it runs.  A plan is
kept per spec, method, thread count and ISA level (``_plans``).  The weight
gradient's registry (``_conv_dweight``) is a :class:`SpecRegistry` too.
"""
from .. import _methods, _plans, _validate, _wisdom
from . import _conv_cost_table, _conv_direct, _conv_fft, _conv_im2col, _conv_winograd


class SpecRegistry(_methods.Registry):
    """The methods of one layer op whose problems are ConvSpecs
    (the convolution, its weight gradient): ``kind`` names the op in the
    keys of its plans and measured choices."""

    def __init__(self, kind, methods, costs):
        super().__init__(methods, costs)
        self.kind = kind

    def check_name(self, method, op):
        """ValueError naming ``op`` unless ``method`` is 'auto' or a
        registered name."""
        try:
            self.check(method)
        except ValueError as exc:
            raise ValueError(f"{op}: {exc}") from None

    def candidates(self, spec):
        """The methods that can run ``spec``, in registry order."""
        return [m for m in self if self[m].refuses(spec) is None]

    def check_spec(self, method, spec, op, where=""):
        """ValueError naming ``op`` when ``method`` (a checked name) cannot
        run ``spec``, with the method's reason (and ``where``, the part of
        the caller's problem that ``spec`` is)."""
        reason = None if method == "auto" else self[method].refuses(spec)
        if reason is not None:
            raise ValueError(f"{op}: method={method!r} cannot run this problem: "
                             f"{reason}{where}")

    def problem_key(self, spec):
        """The name of a problem for the measured-choice cache (_wisdom)."""
        return (f"{self.kind}|n={spec.n}|c={spec.c_in}->{spec.c_out}|g={spec.groups}"
                f"|in={spec.in_size}|k={spec.kernel}|s={spec.stride}|d={spec.dilation}"
                f"|p={spec.pad}|{spec.dtype.str}")

    def pick(self, spec):
        """The method 'auto' runs for ``spec``."""
        return self.choose(self.candidates(spec), self.problem_key(spec), spec)

    def plan(self, spec, method):
        """The ``run`` of ``method`` ('auto': :meth:`pick`) on ``spec``, kept
        per spec unless the measured-choice cache is on."""
        key = (self.kind, spec, method)
        run = _plans.lookup(key)
        if run is None:
            self.check_spec(method, spec, self.kind)
            run = self[self.pick(spec) if method == "auto" else method].make(spec)
            if _wisdom.PATH is None:
                _plans.store(key, run)
        return run

    def measure(self, spec, *operands):
        """(fastest method, {method: seconds per call}) of ``run(*operands)``
        on these arrays (the last the output), the choice recorded in the
        opt-in cache."""
        times = _methods.time_methods(lambda m: self.plan(spec, m)(*operands),
                                      self.candidates(spec))
        best = min(times, key=times.get)
        _wisdom.record(self.problem_key(spec), best, times)
        return best, times


METHODS = SpecRegistry("conv", [
    _methods.Method("direct", _conv_direct.make, _conv_direct.features),
    _methods.Method("im2col", _conv_im2col.make, _conv_im2col.features),
    _methods.Method("fft", _conv_fft.make, _conv_fft.features),
    _methods.Method("winograd", _conv_winograd.make, _conv_winograd.features,
                    refusal=_conv_winograd.refusal),
], _conv_cost_table.COSTS)
check, check_spec, choose, plan = (METHODS.check_name, METHODS.check_spec, METHODS.pick,
                                   METHODS.plan)


def measure(spec, x, w, bias):
    """(fastest method, {method: seconds per call}) on these arrays."""
    return METHODS.measure(spec, x, w, bias,
                           _validate.empty(spec.out_shape, spec.dtype, "the output"))
