"""Method records and registries: the shape every op family's methods take.

A method is one algorithm, recorded once (:class:`Method`): how it makes
the plan of a problem, how the cost model sees it, and whether it rounds
integer results.  A family (the signal API in ``_signal_methods``) keeps
its methods in one :class:`Registry`: every name runs exactly its own
algorithm, an unknown name raises, and ``'auto'`` chooses only among the
registered names, by the measured choice of the opt-in cache (``_wisdom``)
or else by the cost model.

A problem is whatever tuple the family passes (the signal API: ``(p, q,
mode)``); the registry only hands it on to the records' functions.
"""
from dataclasses import dataclass
from typing import Callable

from . import _dispatch, _wisdom
from ._threads import get_num_threads
from .bench._timing import best_of


@dataclass(frozen=True)
class Method:
    """One algorithm of an op family.

    make : ``make(*problem) -> run``, the plan of a problem: ``run`` computes
        it for operands of the problem's shapes and dtypes.
    features : ``features(*problem) -> ((method, cost class), features)``:
        the row of the cost table whose constants apply (another method's
        when this one runs it, as overlap-add of one block runs the plain
        FFT) and the features they multiply.
    rounds : whether integer and bool results go through floating
        transforms (and so need the family's exactness rule).
    refusal : ``refusal(*problem) -> None or str``, for a method that covers
        only some problems: why it cannot run this one (None: it can).
        'auto' never picks it there, and asking for it by name is an error
        giving the reason.
    """
    name: str
    make: Callable
    features: Callable
    rounds: bool = False
    refusal: Callable = None

    def refuses(self, *problem):
        """Why this method cannot run ``problem``, or None."""
        return self.refusal(*problem) if self.refusal else None


def dtype_class(dtype):
    """The cost table's dtype class: 'f4', 'f8', 'c8', 'c16', or 'scalar'
    for the types the kernels run without SIMD (integers, bool, long
    double)."""
    if dtype.kind == "f" and dtype.itemsize <= 8:
        return "f4" if dtype.itemsize <= 4 else "f8"
    if dtype.kind == "c" and dtype.itemsize <= 16:
        return "c8" if dtype.itemsize == 8 else "c16"
    return "scalar"


class Registry:
    """The methods of one op family, their cost constants and the choices
    of ``'auto'``.

    Parameters
    ----------
    methods : sequence of Method
        In the order error messages and ``explain=`` list them.
    costs : dict
        ``{(method, cost class): constants}``: a method's modelled seconds
        are the dot product of its constants with its features.
    margins : dict, optional
        ``{method: factor}`` applied to a method's modelled cost when
        choosing (a factor below 1 favours it on near ties).
    """

    _MAX_CHOICES = 4096

    def __init__(self, methods, costs, margins=None):
        self.methods = {m.name: m for m in methods}
        self.costs = costs
        self.margins = dict(margins or {})
        self._choices = {}

    def __iter__(self):
        return iter(self.methods)

    def __contains__(self, name):
        return name in self.methods

    def __getitem__(self, name):
        return self.methods[name]

    def check(self, method):
        """ValueError unless ``method`` is 'auto' or a registered name."""
        if not (isinstance(method, str) and (method == "auto" or method in self.methods)):
            names = ", ".join(repr(m) for m in ("auto", *self.methods))
            raise ValueError(f"Acceptable method flags are {names}; got method={method!r}")

    def estimate(self, name, *problem):
        """Model seconds of method ``name`` on ``problem``, or None when the
        table has no constants for it."""
        row, feats = self.methods[name].features(*problem)
        consts = self.costs.get(row)
        if consts is None:
            return None
        return sum(c * f for c, f in zip(consts, feats))

    def estimate_costs(self, names, *problem):
        """{name: model seconds} of each of ``names`` the table covers; a
        method whose workspace could not exist (MemoryError) is no
        candidate."""
        costs = {}
        for m in names:
            try:
                t = self.estimate(m, *problem)
            except MemoryError:
                continue
            if t is not None:
                costs[m] = t
        return costs

    def choose(self, names, key, *problem):
        """The method ``'auto'`` runs among ``names`` (the candidates giving
        the right answer, first the safe default): the one measured fastest
        for ``key`` (a string naming the problem, ``_wisdom``) when the
        opt-in cache has it, else the cheapest by the cost model, its choice
        kept per ``key``, candidates, thread count and ISA level."""
        if len(names) == 1:
            return names[0]
        measured = _wisdom.lookup(key)
        if measured in names:
            return measured
        cache = (key, tuple(names), get_num_threads(), _dispatch.isa_level)
        choice = self._choices.get(cache)
        if choice is None:
            costs = self.estimate_costs(names, *problem)
            for m, factor in self.margins.items():
                if m in costs:
                    costs[m] *= factor
            choice = min(costs, key=costs.get)
            if len(self._choices) >= self._MAX_CHOICES:
                self._choices.clear()
            self._choices[cache] = choice
        return choice


def seconds(fn, repeat=3):
    """Seconds per call of ``fn``: the best of ``repeat`` loops of enough
    calls to last about 5 ms (scipy's _timeit_fast), one call when a call
    takes a second or more.  The one timer of convcore's benchmark and
    calibration tools (:func:`convcore.bench._timing.best_of`), so the
    cost model is fitted with the clock ``measure=True`` reads."""
    return best_of(fn, repeat, min_time=5e-3, max_time=repeat * 1.0)


def time_methods(run, names):
    """``{name: seconds per call of run(name)}`` for each of ``names`` that
    can run: one whose workspace cannot be had here (an FFT of a
    cross-shaped pair, far larger than the output) is no candidate, the
    others still are; MemoryError when none can run."""
    times, refused = {}, None
    for m in names:
        try:
            times[m] = seconds(lambda m=m: run(m))
        except MemoryError as exc:
            refused = refused or exc
    if not times:
        raise refused
    return times
