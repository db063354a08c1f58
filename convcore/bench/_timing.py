"""The one timing module of convcore's benchmark tool and development tools.

Everything that times code in ``convcore.bench`` and ``benchmarks/``
(calibration, sweeps) comes from here, and ``convcore._methods.seconds``
(``choose_conv_method(measure=True)``) is :func:`best_of`, so a figure of
the benchmark, a fitted cost-model constant and a measured choice of
``'auto'`` come from the same clock and the same loop.

- Statistics: :func:`quantile` (NumPy's linear interpolation),
  :func:`median`, :func:`spread` (inter-quartile range over the median).
- Interleaved timing, the benchmark's method (the docstring of
  :mod:`convcore.bench._runner` describes it): :func:`per_call_times`,
  :func:`quiesce`, :func:`calibrate`, :func:`sample`,
  :func:`time_interleaved` -> ``{label: Timing}``.
- One callable on its own: :func:`best_of`, the fastest of a few loops
  long enough to read the clock well (scipy's ``_timeit_fast``); the
  calibration scripts and ``measure=True`` use it, where one number per
  problem is wanted and there is nothing to interleave with.
- :func:`format_time`: seconds per call as the tables print them.

Only the standard library is imported: ``convcore._methods`` imports this
module when convcore itself is imported.
"""
import contextlib
import gc
import math
import random
import time
from dataclasses import dataclass

__all__ = ["Timing", "quantile", "median", "spread", "per_call_times", "quiesce",
           "calibrate", "sample", "time_interleaved", "best_of", "format_time"]


@dataclass
class Timing:
    """Samples (seconds per call) of one callable and its inner loop count."""
    samples: list
    inner: int

    @property
    def median(self):
        return median(self.samples)

    @property
    def spread(self):
        return spread(self.samples)


# --------------------------------------------------------------------------
# Statistics


def quantile(values, q):
    """The ``q``-quantile with linear interpolation (NumPy's default)."""
    xs = sorted(values)
    if not xs:
        raise ValueError("quantile of no values")
    pos = q * (len(xs) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def median(values):
    return quantile(values, 0.5)


def spread(values):
    """Inter-quartile range over the median (0 for one value)."""
    m = median(values)
    if m == 0:
        return 0.0
    return (quantile(values, 0.75) - quantile(values, 0.25)) / m


# --------------------------------------------------------------------------
# Timing


def per_call_times(fn, n, timer=time.perf_counter):
    """Time ``n`` back-to-back calls of ``fn`` one by one (gc off)."""
    times = []
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(n):
            t0 = timer()
            fn()
            times.append(timer() - t0)
    finally:
        if enabled:
            gc.enable()
    return times


def quiesce(chunk=5e-3, max_wait=0.3, cpu=time.process_time, sleep=time.sleep):
    """Sleep in ``chunk`` steps until this process's threads stop using CPU
    (less than half a chunk of CPU time in a chunk), at most ``max_wait``
    seconds.  Returns the seconds waited."""
    waited = 0.0
    while True:
        c0 = cpu()
        sleep(chunk)
        waited += chunk
        if cpu() - c0 < chunk / 2 or waited >= max_wait:
            return waited


def calibrate(fn, min_time=2e-3, timer=time.perf_counter, max_inner=100_000):
    """Inner loop count: calls that together take at least ``min_time``.

    Returns ``(n, seconds per call)``.
    """
    n = 1
    while True:
        total = sum(per_call_times(fn, n, timer))
        if total >= min_time or n >= max_inner:
            return n, total / n
        per_call = max(total / n, 1e-9)
        n = min(max_inner, max(2 * n, math.ceil(1.2 * min_time / per_call)))


def sample(fn, n, timer=time.perf_counter, warm=True):
    """One sample: an untimed call (``warm``), then the median per-call time
    of an inner loop of ``n`` calls."""
    if warm:
        fn()
    return median(per_call_times(fn, n, timer))


def time_interleaved(competitors, rounds, *, min_time=2e-3, budget=math.inf,
                     min_rounds=3, max_rounds=None, max_inner=100_000,
                     settle=None, warm=True, timer=time.perf_counter, shuffle=None,
                     contexts=None):
    """Time ``{label: callable}`` round-robin; returns ``{label: Timing}``.

    Callables are calibrated once each (in order), then sampled A, B, C, A,
    B, C, ...; with ``shuffle`` (a seed), each round runs them in an order
    drawn afresh, so no callable always runs right after the same one (a
    call leaves the caches, the allocator's free memory or the CPU's clock
    in a state that helps or hurts the next; rotating the order would keep
    every callable's predecessor).  A callable stops
    after ``min(rounds, max_rounds[label], max(min_rounds, budget // sample
    time))`` samples.  ``settle``, a zero-arg callable (:func:`quiesce`),
    runs before each calibration and sample.  ``contexts``, ``{label:
    zero-arg callable returning a context manager}`` (``lambda:
    convcore.threads(1)``), puts a callable's calibration and each of its
    samples (untimed call included) inside that context, which is entered
    and left outside the timed calls.
    """
    max_rounds = max_rounds or {}
    contexts = contexts or {}

    def context(label):
        make = contexts.get(label)
        return make() if make is not None else contextlib.nullcontext()

    inner, limit = {}, {}
    for label, fn in competitors.items():
        if settle:
            settle()
        with context(label):
            n, per_call = calibrate(fn, min_time, timer, max_inner)
        inner[label] = n
        sample_time = max((n + warm) * per_call, 1e-12)
        by_budget = max(min_rounds, int(budget // sample_time)) if budget < math.inf else rounds
        limit[label] = max(1, min(rounds, by_budget, max_rounds.get(label, rounds)))
    samples = {label: [] for label in competitors}
    labels = list(competitors)
    order = random.Random(shuffle)
    for _ in range(rounds):
        if shuffle is not None:
            order.shuffle(labels)
        for label in labels:
            fn = competitors[label]
            if len(samples[label]) < limit[label]:
                if settle:
                    settle()
                with context(label):
                    samples[label].append(sample(fn, inner[label], timer, warm))
    return {label: Timing(samples[label], inner[label]) for label in competitors}




def best_of(fn, repeat=3, min_time=5e-3, max_time=3.0, timer=time.perf_counter):
    """Seconds per call of ``fn``: the fastest of ``repeat`` loops of enough
    calls to last ``min_time`` each (the least disturbed loop: machines are
    shared).

    The first call is timed alone (it also makes plans and touches memory);
    when ``repeat`` such calls would take more than ``max_time``, its time
    is returned as it is: a slow function is timed once, not ``repeat``
    times ``n``.
    """
    t0 = timer()
    fn()
    first = timer() - t0
    if first * repeat > max_time:
        return first
    number = max(1, math.ceil(min_time / max(first, 1e-7)))
    runs = []
    enabled = gc.isenabled()
    gc.disable()                # as timeit: a collection is not the callable's time
    try:
        for _ in range(repeat):
            t0 = timer()
            for _ in range(number):
                fn()
            runs.append((timer() - t0) / number)
    finally:
        if enabled:
            gc.enable()
    return min(runs)


def format_time(seconds):
    """Seconds per call as text: ``26.4 us``, ``19.980 ms``, ``1.500 s``
    (``-`` for ``None``)."""
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.3f} ms"
    return f"{seconds:.3f} s"
