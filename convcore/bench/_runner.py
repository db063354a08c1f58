"""Cases, their running and arithmetic for ``python -m convcore.bench``.

The clock and the statistics are :mod:`convcore.bench._timing`'s, the text
and files :mod:`convcore.bench._report`'s, the plots
:mod:`convcore.bench._plots`'s; the command line is :mod:`convcore.bench._cli`.

How a case is timed
-------------------
All competitors of a case run side by side in one process:

1. *Set-up.*  ``case.setup()`` builds the inputs once and returns the
   competitors, ``{label: zero-arg callable}``; a peer whose package is
   missing is a :class:`Missing` instead of a callable.  A set-up that
   raises leaves the case with its subject's error and nothing timed.
2. *Warm-up and check.*  Each callable is called once.  Its result is
   compared with the subject's (``np.allclose`` with a tolerance scaled by
   dtype and magnitude), so a peer computing other numbers is flagged before
   anything is timed.  A callable that raises is reported, never fatal.
3. *Calibration*, once per callable: the inner loop count ``n`` is the
   number of back-to-back calls that together take at least ``min_time``
   (about 2 ms).
4. *Rounds*, interleaved, each round in an order drawn afresh (a fixed
   seed; B, A, C, C, A, B, ...: no callable always runs right after the same
   one, which on a 2-core machine measured the callable after torch's
   up to 30% slow whatever it was): one *sample*
   of a callable is one untimed call, then the median of the ``n`` per-call
   times of its inner loop.  A callable takes at most ``rounds`` samples,
   fewer if its samples would exceed the per-case ``budget`` (never fewer
   than ``min_rounds``) or the case's ``max_rounds[label]``.  The garbage
   collector is off inside an inner loop.
   Before each sample the runner waits until the process is quiet
   (:func:`quiesce`): after a call, the worker threads of OpenMP (torch),
   cv2 and OpenBLAS keep spinning for 10 to 100+ ms, and on a
   2-core machine a spinning thread of the previous library takes a core
   from the next one.  The untimed call then wakes the callable's own
   threads and warms its caches, so every competitor is timed in the same
   state: hot caches, its own threads awake, nobody else's spinning.
5. *Report.*  Each callable's time is the median of its samples; its spread
   is the inter-quartile range over the median.  ``ratio = peer median /
   subject median``.

A reference copy, ``np.copyto`` between two buffers of the size of the case's
input, is timed as one more interleaved competitor (``copy(a)``: the cache
state the case sees); the DRAM copy of :mod:`._machine` (``copy(b)``) is
measured once per run.

Under contention (``--contention``, :mod:`._contention`), only the
subject of a case is timed, in two phases:

1. *Idle.*  On a quiet machine, after one untimed call, the subject with
   ``convcore.threads(1)`` and with convcore's default thread count are
   timed as two interleaved competitors, exactly as above (the thread count
   is set outside the timed calls).  Their medians are the *idle 1-thread*
   and *idle all-thread* times.
2. *Busy.*  One busy process (a Python ``while True: pass`` loop, which
   also exits when its parent dies) is started, runs ``busy_start``
   (0.3 s) on its own, then, after one untimed call, ``busy_calls`` (60)
   calls of the subject with the default thread count are timed one by
   one, back to back, gc off, no inner loop.  The busy process is stopped
   (terminate, wait, kill if needed) whatever happens; an ``atexit`` hook
   stops any still running.
   The count is fixed, not the time: the joins wait mostly in the first
   150 ms or so after the threads wake beside the busy process (the
   512x512 * 5x5 case on the OpenMP kernels convcore had before its own
   pool: 10 to 13 calls of 4 to 16 ms, then 0.2 ms
   calls with a few percent of them stalled), so 2 s of such calls (3,000+)
   have their stalls below the 90th percentile, while their mean is still
   1.7 to 2x the idle 1-thread median.
3. *Report.*  The median, mean, 90th percentile and maximum of the busy
   calls; ``slowdown = busy p90 / idle 1-thread median``; the target
   (``_contention.TARGET``, 1.5) passes when ``slowdown <= target``: beside
   one busy process, an all-core call should stay near a one-thread call
   (it cannot count on the other core, but must not wait for a preempted
   helper thread).

Arithmetic (all decimal: 1 GB = 1e9 bytes)
-----------------------------------------
- GFLOPS = ``case.flops / time / 1e9``; ``flops`` counts 2 per multiply-add
  of the direct algorithm (products whose both operands lie inside the
  arrays: :func:`direct_flops`).  Peers get the same count ("effective").
- GB/s = ``case.bytes / time / 1e9``; ``bytes`` is every input read once
  plus the output written once (:func:`bytes_moved`).
- Copy bandwidth = ``2 * nbytes / time / 1e9`` (read + write).
- % peak = GFLOPS / matmul GFLOPS of the case's dtype; % copy = GB/s / copy
  GB/s.
- Targets: a peer target ``t`` passes when ``ratio >= t``; the bandwidth
  target ``f`` passes when the subject's GB/s >= ``f`` * copy(a) GB/s.
- Section geometric mean (:func:`section_geomean`): for a section setting
  ``GEOMEAN_TARGETS = {prefix: g}``, each of its cases contributes one ratio,
  the smallest among its peers whose label starts with ``prefix``; the
  target passes when the geometric mean of these ratios is ``>= g``.  The
  cases that ran without such a peer are named, not counted.

Cases are data
--------------
A :class:`Case` holds a name, a section, a ``setup`` returning the
competitors, the ``subject`` label (``"convcore"``), ``flops``, ``bytes``,
the ``dtype`` whose peak applies, ``input_nbytes`` (size of copy(a)),
``targets`` ``{peer label: minimum ratio}`` (peers without one are shown for
information) and optionally ``bandwidth_target`` and ``max_rounds``.  A
callable may return a tuple (values and indices, ...): the check then
compares it element by element.

Invalid outputs
---------------
A peer whose warm-up output differs from the subject's is *invalid* for the
case: its row keeps its time (``matches`` False) but has no ratio
(``None``), its verdict is ``INVALID`` whatever its target, and it counts in
no geometric mean: a wrong answer is never a speed-up.  A competitor that
raises ``ValueError`` (a method that does not handle the geometry) is
``n/a``, any other exception ``error: ...``; neither is a failure of the run.

Adding a section
----------------
Create ``convcore/bench/_cases_<section>.py`` defining ``CASES``, a list of
:class:`Case` whose ``section`` is ``"<section>"``, and ``SUITE``, the
suite it belongs to (``methods``, ``signal``, ``nn`` or ``pool``).  That is
the whole registration: :func:`discover_sections` finds every
``_cases_*`` module of the package, and a section's module is imported
only when its suite runs.  A module may set ``ORDER = <int>`` to place its
section in the run (default 100; ``signal`` is 0),
``GEOMEAN_TARGETS = {peer-label prefix: ratio}`` for a target on the
geometric mean of the section's ratios against those peers (printed in the
run's summary; e.g. ``{"torch": 3.0}``), and ``section_report(results,
machine)`` returning ``(text, [(case, what, verdict)])`` for a closing
report of its own (``nn``: the methods x cases table).  Example::

    # convcore/bench/_cases_pool.py
    import numpy as np
    from ._runner import Case, Missing, optional_import

    SUITE = "pool"

    def _setup():                      # runs once, when the case runs
        import convcore.nn as nn
        x = np.random.default_rng(0).random((8, 64, 112, 112), np.float32)
        peers = {"convcore": lambda: nn.max_pool2d(x, 3, 2)}
        torch = optional_import("torch")   # a Missing when not installed
        if isinstance(torch, Missing):
            peers["torch max_pool2d"] = torch
        else:
            t = torch.from_numpy(x)
            peers["torch max_pool2d"] = lambda: torch.nn.functional.max_pool2d(t, 3, 2)
        return peers

    CASES = [Case(name="maxpool2d_f32", section="pool", setup=_setup,
                  flops=..., bytes=..., dtype="float32",
                  input_nbytes=8 * 64 * 112 * 112 * 4,
                  targets={"torch max_pool2d": 2.0})]
"""
import dataclasses
import importlib
import importlib.util
import math
import os
import pkgutil
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ._timing import Timing, time_interleaved, quiesce

__all__ = [
    "Case", "Missing", "Settings", "Row", "CaseResult", "settler",
    "gflops", "gbps", "copy_gbps", "ratio", "verdict", "direct_flops",
    "conv_output_shape", "bytes_moved", "outputs_match", "default_rtol",
    "make_copy_reference", "run_case", "SUITES",
    "discover_sections", "load_section", "optional_import",
    "Section", "Geomean", "geometric_mean", "section_geomean",
    "SUBJECT", "COPY_LABEL", "INVALID",
]

SUBJECT = "convcore"
COPY_LABEL = "np.copyto [copy(a)]"
INVALID = "INVALID"
SUITES = ("methods", "signal", "nn", "pool")     # the run order


# --------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class Missing:
    """Stands for a peer that cannot run (package not installed, ...)."""
    reason: str = "not installed"


@dataclass
class Case:
    """One benchmark case: data, not code (see the module docstring)."""
    name: str
    section: str
    setup: Callable[[], Mapping[str, Any]]
    flops: float
    bytes: float
    dtype: str
    input_nbytes: int
    targets: Mapping[str, float] = field(default_factory=dict)
    subject: str = SUBJECT
    title: str = ""
    bandwidth_target: float | None = None
    max_rounds: Mapping[str, int] = field(default_factory=dict)
    rtol: float | None = None
    note: str = ""
    quick: bool = True              # runs under --quick
    budget: float | None = None     # seconds of samples per callable, at most (and Settings')
    sweep: Mapping[str, Any] | None = None   # methods suite: where the case sits in its sweep
    suite: str = ""                 # set by load_section from the module's SUITE


@dataclass
class Settings:
    """How hard to measure.  ``quick()`` is the README's command."""
    rounds: int = 15
    min_rounds: int = 3
    min_time: float = 2e-3          # seconds per sample (inner loop)
    budget: float = 2.0             # seconds of samples per callable per case
    max_inner: int = 100_000
    settle: bool = True             # quiesce() before each sample
    settle_max: float = 0.3         # seconds quiesce() waits at most
    wait_idle: float = 30.0         # seconds to wait for a busy machine, per case
    peak_rounds: int = 7
    peak_n: int = 2048
    dram_rounds: int = 11
    dram_nbytes: int = 256 << 20
    busy_calls: int = 60            # --contention: calls timed one by one, busy
    busy_start: float = 0.3         # seconds the busy process runs before the calls
    mode: str = "full"
    shuffle: int | None = 0         # seed of each round's order (None: round-robin)

    @classmethod
    def quick(cls):
        return cls(rounds=5, budget=0.4, wait_idle=5.0, peak_rounds=3, dram_rounds=5,
                   mode="quick")


@dataclass
class Row:
    """One competitor's line of a case's table."""
    label: str
    status: str = "ok"              # "ok", "not installed", "n/a: ...", "error: ..."
    timing: Timing | None = None
    gflops: float | None = None
    gbps: float | None = None
    pct_peak: float | None = None
    pct_copy_a: float | None = None
    pct_copy_b: float | None = None
    ratio: float | None = None
    target: float | None = None
    verdict: str = ""
    matches: bool | None = None
    role: str = "peer"              # "subject", "peer", "reference"


@dataclass
class CaseResult:
    case: Case
    rows: list
    warnings: list = field(default_factory=list)
    bandwidth_ratio: float | None = None
    bandwidth_verdict: str = ""
    threads: int | None = None
    other_cpus: float | None = None     # CPUs other processes used meanwhile
    steal_cpus: float | None = None     # CPUs the hypervisor stole meanwhile

    def row(self, label):
        for r in self.rows:
            if r.label == label:
                return r
        raise KeyError(label)

    def verdicts(self):
        """Every PASS/FAIL/INVALID of the case as ``[(what, verdict)]``."""
        out = [(r.label, r.verdict) for r in self.rows
               if r.verdict in ("PASS", "FAIL", INVALID)]
        if self.bandwidth_verdict in ("PASS", "FAIL"):
            out.append(("bandwidth vs copy(a)", self.bandwidth_verdict))
        return out

    def to_dict(self):
        """The case as ``results.json`` holds it (:mod:`._results` documents
        the keys); a figure that was not measured is ``None``."""
        c = self.case
        d = {"name": c.name, "suite": c.suite, "section": c.section, "title": c.title,
             "dtype": c.dtype, "flops": c.flops, "bytes": c.bytes,
             "input_nbytes": c.input_nbytes, "subject": c.subject, "threads": self.threads,
             "sweep": dict(c.sweep) if c.sweep else None, "warnings": self.warnings,
             "other_cpus": self.other_cpus, "steal_cpus": self.steal_cpus,
             "bandwidth_target": c.bandwidth_target, "bandwidth_ratio": self.bandwidth_ratio,
             "bandwidth_verdict": self.bandwidth_verdict, "competitors": {}}
        for r in self.rows:
            e = dataclasses.asdict(r)
            e.pop("label")
            e.pop("timing")
            e.pop("matches")
            t = r.timing
            e.update(valid=r.matches, median_s=t and t.median, spread=t and t.spread,
                     inner=t and t.inner, samples_s=t and list(t.samples))
            d["competitors"][r.label] = e
        return d


# --------------------------------------------------------------------------
# Arithmetic


def _div(a, b):
    if a is None or b is None or b == 0 or not math.isfinite(b):
        return None
    return a / b


def gflops(flops, seconds):
    return _div(flops / 1e9, seconds)


def gbps(nbytes, seconds):
    """Effective bandwidth of an operation moving ``nbytes`` in total."""
    return _div(nbytes / 1e9, seconds)


def copy_gbps(nbytes, seconds):
    """Bandwidth of copying an ``nbytes`` array: read once + written once."""
    return _div(2 * nbytes / 1e9, seconds)


def ratio(peer_seconds, subject_seconds):
    """How many times faster the subject is: ``peer / subject``."""
    return _div(peer_seconds, subject_seconds)


def verdict(value, target):
    """``'PASS'`` when ``value >= target``, ``'FAIL'`` below, ``'info'``
    without a target, ``''`` without a value."""
    if target is None:
        return "info"
    if value is None:
        return ""
    return "PASS" if value >= target else "FAIL"


def conv_output_shape(in_shape, k_shape, mode):
    """Output shape of scipy's ``convolve(in1, in2, mode)``."""
    if mode == "full":
        return tuple(n + k - 1 for n, k in zip(in_shape, k_shape))
    if mode == "same":
        return tuple(in_shape)
    if mode == "valid":
        return tuple(max(n, k) - min(n, k) + 1 for n, k in zip(in_shape, k_shape))
    raise ValueError(f"unknown mode {mode!r}")


def _axis_products(n, k, mode):
    """Multiply-adds along one axis: pairs (input i, kernel j) whose full
    output index ``i + j`` falls inside the ``mode`` window."""
    full = n + k - 1
    out = conv_output_shape((n,), (k,), mode)[0]
    start = {"full": 0, "same": (full - out) // 2, "valid": min(n, k) - 1}[mode]
    count = 0
    for j in range(k):
        count += max(0, min(n, start + out - j) - max(0, start - j))
    return count


def direct_flops(in_shape, k_shape, mode):
    """2 x the multiply-adds of the direct algorithm (zero padding skipped)."""
    return 2 * math.prod(_axis_products(n, k, mode) for n, k in zip(in_shape, k_shape))


def bytes_moved(in_shape, k_shape, mode, itemsize):
    """Both inputs read once + the output written once, in bytes."""
    out = conv_output_shape(in_shape, k_shape, mode)
    return itemsize * (math.prod(in_shape) + math.prod(k_shape) + math.prod(out))


def default_rtol(dtype):
    return 1e-4 if np.dtype(dtype).itemsize <= 4 else 1e-8


def outputs_match(out, ref, rtol):
    """``(ok, why)``: ``out`` holds the numbers of ``ref`` (tolerance scaled
    by the largest magnitude of ``ref``).  A tuple or list ``ref`` (values
    and indices, ...) is compared element by element."""
    if isinstance(ref, (tuple, list)):
        if not isinstance(out, (tuple, list)) or len(out) != len(ref):
            n = len(out) if isinstance(out, (tuple, list)) else "not a tuple"
            return False, f"{len(ref)} outputs expected, got {n}"
        for i, (o, r) in enumerate(zip(out, ref)):
            ok, why = outputs_match(o, r, rtol)
            if not ok:
                return False, f"output {i}: {why}"
        return True, ""
    out = np.asarray(out)
    ref = np.asarray(ref)
    if out.shape != ref.shape:
        if out.size != ref.size:
            return False, f"shape {out.shape} != {ref.shape}"
        out = out.reshape(ref.shape)
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    if np.allclose(out, ref, rtol=rtol, atol=rtol * scale):
        return True, ""
    err = float(np.max(np.abs(out.astype(np.complex128) - ref.astype(np.complex128))))
    return False, f"max |difference| {err:.3g} (max |value| {scale:.3g})"


def _fmt_dtypes(names):
    if isinstance(names, tuple):
        return "(" + ", ".join(_fmt_dtypes(n) for n in names) + ")"
    return str(names)


def _dtype_names(x):
    """The dtype name of an array or tensor (``torch.float32`` -> ``float32``),
    a tuple of them for a tuple of outputs, ``None`` when it has none."""
    if isinstance(x, (tuple, list)):
        return tuple(_dtype_names(e) for e in x)
    dt = getattr(x, "dtype", None)
    return None if dt is None else str(dt).split(".")[-1]


# --------------------------------------------------------------------------
# Running a case


def make_copy_reference(nbytes):
    """``np.copyto`` between two touched buffers of ``nbytes`` bytes."""
    src = np.ones(max(int(nbytes), 1), dtype=np.uint8)
    dst = np.zeros_like(src)
    return lambda: np.copyto(dst, src)


def settler(settings):
    """The ``settle`` callable of ``settings`` (``None`` when off)."""
    if not settings.settle:
        return None
    return lambda: quiesce(max_wait=settings.settle_max)


_FROM_SETTINGS = object()


def failure_status(exc):
    """A competitor's status after ``exc``: ``n/a`` for a ``ValueError`` (the
    op refuses this geometry, e.g. a method that does not handle it), else
    ``error``."""
    kind = "n/a" if isinstance(exc, ValueError) else "error"
    return f"{kind}: {type(exc).__name__}: {exc}"[:200]


def run_case(case, settings, machine=None, *, timer=time.perf_counter,
             settle=_FROM_SETTINGS, make_copy=make_copy_reference, threads=None):
    """Set up, check and time one case; returns a :class:`CaseResult`.

    ``machine`` supplies ``peak_gflops`` (``{dtype: GFLOPS}``) and
    ``dram_gbps`` for the percentages (``None`` leaves them blank);
    ``settle`` defaults to :func:`settler` of ``settings``.
    """
    try:
        competitors = dict(case.setup())
    except Exception as exc:   # a case that cannot set up is a result, not the run's end
        competitors = {case.subject: Missing(failure_status(exc))}
    rows = {label: Row(label, role="peer", target=case.targets.get(label))
            for label in competitors}
    if case.subject in rows:
        rows[case.subject] = Row(case.subject, role="subject")
    result = CaseResult(case, [], threads=threads)
    runnable = {}
    for label, fn in competitors.items():
        if isinstance(fn, Missing):
            rows[label].status = fn.reason
        else:
            runnable[label] = fn

    # Warm-up and check against the subject.
    outputs = {}
    for label in list(runnable):
        try:
            outputs[label] = runnable[label]()
        except Exception as exc:  # a peer failing is a result, not a crash
            rows[label].status = failure_status(exc)
            del runnable[label]
    rtol = case.rtol or default_rtol(case.dtype)
    ref = outputs.get(case.subject)
    if ref is not None:
        for label, out in outputs.items():
            if label == case.subject:
                continue
            ok, why = outputs_match(out, ref, rtol)
            rows[label].matches = ok
            if not ok:
                result.warnings.append(f"{label} computes different numbers from "
                                       f"{case.subject}: {why}")
            dt, ref_dt = _dtype_names(out), _dtype_names(ref)
            if dt is not None and dt != ref_dt:
                result.warnings.append(f"{label} returns {_fmt_dtypes(dt)}, "
                                       f"{case.subject} {_fmt_dtypes(ref_dt)}")
    else:
        why = rows[case.subject].status if case.subject in rows else "not among the competitors"
        result.warnings.append(f"subject {case.subject} did not run: {why}")
    outputs.clear()

    if make_copy is not None and case.input_nbytes:
        runnable[COPY_LABEL] = make_copy(case.input_nbytes)
        rows[COPY_LABEL] = Row(COPY_LABEL, role="reference")

    timings = time_interleaved(
        runnable, settings.rounds, min_time=settings.min_time,
        budget=min(settings.budget, case.budget or math.inf),
        min_rounds=settings.min_rounds, max_rounds=case.max_rounds,
        max_inner=settings.max_inner, timer=timer, shuffle=settings.shuffle,
        settle=settler(settings) if settle is _FROM_SETTINGS else settle)

    peak = (getattr(machine, "peak_gflops", None) or {}).get(case.dtype)
    dram = getattr(machine, "dram_gbps", None)
    copy_a = None
    if COPY_LABEL in timings:
        copy_a = copy_gbps(case.input_nbytes, timings[COPY_LABEL].median)
    subject_t = timings[case.subject].median if case.subject in timings else None
    for label, t in timings.items():
        r = rows[label]
        r.timing = t
        if r.role == "reference":
            r.gbps = copy_a
            r.pct_copy_b = _div(copy_a, dram)
            continue
        r.gflops = gflops(case.flops, t.median)
        r.gbps = gbps(case.bytes, t.median)
        r.pct_peak = _div(r.gflops, peak)
        r.pct_copy_a = _div(r.gbps, copy_a)
        r.pct_copy_b = _div(r.gbps, dram)
        if r.role == "peer" and r.matches is False:
            r.verdict = INVALID         # timed, but never a speed-up
        elif r.role == "peer":
            r.ratio = ratio(t.median, subject_t)
            r.verdict = verdict(r.ratio, r.target)
    if case.bandwidth_target is not None and case.subject in timings:
        result.bandwidth_ratio = rows[case.subject].pct_copy_a
        result.bandwidth_verdict = verdict(result.bandwidth_ratio, case.bandwidth_target)
    order = {"subject": 0, "peer": 1, "reference": 2}
    result.rows = sorted(rows.values(), key=lambda r: order[r.role])
    return result


# --------------------------------------------------------------------------
# Geometric mean over a section


def geometric_mean(values):
    """The geometric mean of positive ``values`` (``None`` when empty)."""
    values = list(values)
    if not values:
        return None
    return math.exp(math.fsum(math.log(v) for v in values) / len(values))


@dataclass
class Geomean:
    """The geometric-mean ratio of a section against the peers whose label
    starts with ``prefix``: one ratio per case (the smallest among those
    peers, i.e. against the fastest of them); ``missing`` = the section's
    cases that ran without such a ratio (peer missing or failed)."""
    section: str
    prefix: str
    target: float
    ratios: dict                    # {case name: (peer label, ratio)}
    missing: list
    value: float | None
    verdict: str

    def to_dict(self):
        return dataclasses.asdict(self)


def section_geomean(section, prefix, target, results):
    """:class:`Geomean` of ``results`` (CaseResults) of ``section``: the
    cases with a peer labelled ``prefix...``; one whose peers did not run is
    listed as missing."""
    ratios, missing = {}, []
    for res in results:
        peers = [r for r in res.rows if r.role == "peer" and r.label.startswith(prefix)]
        if res.case.section != section or not peers:
            continue
        found = [(r.ratio, r.label) for r in peers if r.ratio is not None and r.ratio > 0]
        if found:
            rt, label = min(found)
            ratios[res.case.name] = (label, rt)
        else:
            missing.append(res.case.name)
    value = geometric_mean(rt for _, rt in ratios.values())
    return Geomean(section, prefix, target, ratios, missing, value, verdict(value, target))


# --------------------------------------------------------------------------
# Sections


def discover_sections(package=__package__):
    """``{section: module name}`` for every ``_cases_<section>`` module of
    ``package``, by name (module ``ORDER`` is read only when loaded:
    :func:`load_section` returns it)."""
    pkg = importlib.import_module(package)
    found = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_cases_"):
            found[info.name[len("_cases_"):]] = f"{package}.{info.name}"
    return found


@dataclass
class Section:
    """A loaded ``_cases_<name>`` module: its cases, suite, run order,
    geometric-mean targets (``{peer-label prefix: minimum geometric-mean
    ratio}``) and closing report (``section_report`` or ``None``)."""
    name: str
    cases: list
    order: int = 100
    geomean_targets: Mapping[str, float] = field(default_factory=dict)
    suite: str = ""
    report: Callable | None = None


def _import_source(section, source):
    """The module of ``source``: a dotted module name, or a ``.py`` path
    (loaded as ``_cases_<section>``)."""
    if not source.endswith(".py"):
        return importlib.import_module(source)
    modname = f"_cases_{section}"
    module = sys.modules.get(modname)
    if module is not None and os.path.abspath(getattr(module, "__file__", "")) \
            == os.path.abspath(source):
        return module
    spec = importlib.util.spec_from_file_location(modname, source)
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[modname]
        raise
    return module


def load_section(section, source):
    """Import a section's module (a module name or a ``.py`` path); returns
    a :class:`Section` whose cases carry the module's ``SUITE``."""
    module = _import_source(section, source)
    suite = getattr(module, "SUITE", section)
    cases = list(getattr(module, "CASES"))
    for case in cases:
        if not isinstance(case, Case):
            raise TypeError(f"{source}: CASES holds {type(case).__name__}, not Case")
        if case.section != section:
            raise ValueError(f"{source}: case {case.name!r} has section {case.section!r}, "
                             f"expected {section!r}")
        case.suite = suite
    targets = dict(getattr(module, "GEOMEAN_TARGETS", {}))
    for prefix, target in targets.items():
        if not isinstance(prefix, str) or not prefix or not isinstance(target, (int, float)) \
                or not target > 0:
            raise ValueError(f"{source}: GEOMEAN_TARGETS needs {{peer-label prefix: ratio > 0}}, "
                             f"got {prefix!r}: {target!r}")
    return Section(section, cases, getattr(module, "ORDER", 100), targets, suite,
                   getattr(module, "section_report", None))


def optional_import(name):
    """The module, or a :class:`Missing` when it is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        missing = Missing("not installed")
        if not isinstance(exc, ModuleNotFoundError):
            missing = Missing(f"not importable: {exc}"[:120])
        return missing
