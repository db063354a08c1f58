"""Timing convcore beside one busy process (``python -m convcore.bench --contention``).

On a 2-core machine with one other busy process, a kernel that splits its
work over all cores and joins its threads waits for the helper thread the
OS has not scheduled: calls take up to tens of times their idle time.  This
module measures that tail (the method: "Under contention" in the docstring
of :mod:`convcore.bench._runner`):

- the busy process: :func:`start_busy`, :func:`stop_busy`,
  :func:`busy_process` (a context manager), :func:`stop_all` (registered
  with ``atexit``), :func:`sigterm_exits`;
- the statistics of the per-call times: :func:`tail`, :func:`slowdown`,
  :func:`contention_verdict`;
- one case: :func:`run_contention_case` -> :class:`ContentionResult`,
  :func:`format_contention`, :func:`load_warnings`.
"""
import atexit
import contextlib
import math
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

from ._runner import Missing, _FROM_SETTINGS, settler
from ._timing import (Timing, format_time, median, per_call_times, quantile,
                      time_interleaved)

__all__ = [
    "TARGET", "BUSY_CODE", "busy_command", "start_busy", "stop_busy", "busy_process",
    "stop_all", "sigterm_exits", "live_busy_processes", "process_cpu_seconds", "tail",
    "slowdown", "contention_verdict", "ContentionResult", "run_contention_case",
    "load_warnings", "format_contention", "contention_summary",
]

TARGET = 1.5        # busy p90 / idle 1-thread median, at most

# The busy process: a pure-Python spin, as ``while True: pass``, that checks
# every 2^20 iterations (about 20 ms) whether its parent is gone, so that a
# runner killed outright (SIGKILL, a crash in a kernel) leaves no spinner.
# The parent's pid comes as an argument: read in the child, it could already
# be init's, had the runner died while the interpreter started.
BUSY_CODE = ("import os, sys\n"
             "parent = int(sys.argv[1])\n"
             "while os.getppid() == parent:\n"
             "    for _ in range(1 << 20):\n"
             "        pass\n")


def busy_command():
    """The busy process's command line, for a child of this process."""
    return [sys.executable, "-c", BUSY_CODE, str(os.getpid())]


# --------------------------------------------------------------------------
# The busy process

_live = []              # busy processes started and not yet stopped


def live_busy_processes():
    """The busy processes started by :func:`start_busy` not yet stopped."""
    return list(_live)


def stop_busy(proc, timeout=5.0):
    """Stop ``proc``: terminate, wait ``timeout`` seconds, then kill and wait.
    Reaps it (no zombie left); safe to call twice."""
    try:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    finally:
        if proc.poll() is None:          # interrupted while waiting: do not leave it
            proc.kill()
            proc.wait()
        if proc in _live:
            _live.remove(proc)


def stop_all():
    """Stop every busy process still running (the ``atexit`` hook)."""
    for proc in list(_live):
        stop_busy(proc)


atexit.register(stop_all)


@contextlib.contextmanager
def sigterm_exits():
    """Inside the block, SIGTERM raises ``SystemExit(143)``: a runner stopped
    by ``kill`` or ``timeout`` then stops its busy process on the way out
    (``finally``, ``atexit``), instead of leaving it to notice its parent
    is gone.  Does nothing outside the main thread."""
    def handler(signum, frame):
        sys.exit(128 + signum)
    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:                  # signals are the main thread's
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def start_busy(command=None, start=0.3, sleep=time.sleep):
    """Start one busy process (``command``, default :func:`busy_command`) and
    let it run ``start`` seconds on its own.

    Returns the ``subprocess.Popen``; raises ``RuntimeError`` when it exited
    meanwhile (it is stopped on any exception, KeyboardInterrupt included).
    """
    proc = subprocess.Popen(list(command or busy_command()), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _live.append(proc)
    try:
        sleep(start)
        if proc.poll() is not None:
            raise RuntimeError(f"the busy process exited with status {proc.returncode}")
    except BaseException:
        stop_busy(proc)
        raise
    return proc


@contextlib.contextmanager
def busy_process(command=None, start=0.3):
    """``with busy_process() as proc:`` one busy process runs inside the
    block, and is stopped when the block is left, however it is left."""
    proc = start_busy(command, start)
    try:
        yield proc
    finally:
        stop_busy(proc)


def process_cpu_seconds(pid, stat_dir="/proc"):
    """User + system CPU seconds process ``pid`` used so far (``None``
    without ``/proc``)."""
    try:
        with open(os.path.join(stat_dir, str(pid), "stat")) as f:
            fields = f.read().rpartition(")")[2].split()
        hz = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / hz     # utime, stime
    except (OSError, ValueError, IndexError, AttributeError):
        return None


# --------------------------------------------------------------------------
# Statistics of the per-call times


def tail(times):
    """``(median, mean, 90th percentile, maximum)`` of per-call ``times``
    (quantiles interpolated as NumPy's default)."""
    return median(times), math.fsum(times) / len(times), quantile(times, 0.9), max(times)


def slowdown(busy_p90, idle_median):
    """How many times the idle 1-thread median the busy p90 is (``None``
    when either is missing or the median is not positive)."""
    if busy_p90 is None or idle_median is None or not idle_median > 0:
        return None
    return busy_p90 / idle_median


def contention_verdict(value, target=TARGET):
    """``'PASS'`` when ``value <= target``, ``'FAIL'`` above, ``''`` without
    a value (lower is better here, unlike :func:`._runner.verdict`)."""
    if value is None:
        return ""
    return "PASS" if value <= target else "FAIL"


# --------------------------------------------------------------------------
# One case


@dataclass
class ContentionResult:
    """The subject of one case, idle and beside one busy process."""
    case: object                        # ._runner.Case
    threads: int                        # convcore's default thread count
    target: float = TARGET
    status: str = "ok"                  # "ok", "not installed", "error: ..."
    idle_1: Timing | None = None        # interleaved samples, convcore.threads(1)
    idle_all: Timing | None = None      # interleaved samples, ``threads`` threads
    busy_times: list = field(default_factory=list)   # seconds per call, busy
    busy_pid: int | None = None
    busy_cpus: float | None = None      # CPUs the busy process used while timed
    idle_other_cpus: float | None = None    # CPUs others used during the idle phase
    busy_other_cpus: float | None = None    # ... during the busy phase (busy one included)
    warnings: list = field(default_factory=list)

    def _tail(self, i):
        return tail(self.busy_times)[i] if self.busy_times else None

    busy_median = property(lambda self: self._tail(0))
    busy_mean = property(lambda self: self._tail(1))
    busy_p90 = property(lambda self: self._tail(2))
    busy_max = property(lambda self: self._tail(3))

    @property
    def slowdown(self):
        return slowdown(self.busy_p90, self.idle_1.median if self.idle_1 else None)

    @property
    def verdict(self):
        return contention_verdict(self.slowdown, self.target)

    def verdicts(self):
        """``[(what, verdict)]``, as :meth:`._runner.CaseResult.verdicts`."""
        v = self.verdict
        return [("busy p90 / idle 1-thread median", v)] if v in ("PASS", "FAIL") else []

    def to_dict(self):
        c = self.case
        idle = {}
        for key, t in (("idle_1_thread", self.idle_1), ("idle_all_threads", self.idle_all)):
            idle[key] = None if t is None else {
                "median_s": t.median, "spread": t.spread, "inner": t.inner,
                "samples_s": t.samples}
        return {"name": c.name, "section": c.section, "title": c.title, "subject": c.subject,
                "threads": self.threads, "status": self.status, **idle,
                "busy": {"pid": self.busy_pid, "calls": len(self.busy_times),
                         "median_s": self.busy_median, "mean_s": self.busy_mean,
                         "p90_s": self.busy_p90,
                         "max_s": self.busy_max, "busy_process_cpus": self.busy_cpus,
                         "times_s": self.busy_times},
                "idle_other_cpus": self.idle_other_cpus,
                "busy_other_cpus": self.busy_other_cpus,
                "slowdown": self.slowdown, "target": self.target, "verdict": self.verdict,
                "warnings": self.warnings}


def run_contention_case(case, settings, threads, n_threads, *, timer=time.perf_counter,
                        settle=_FROM_SETTINGS, busy=busy_process, meter=None, target=TARGET):
    """Time the subject of ``case`` idle, then beside one busy process.

    ``threads(n)`` is a context manager setting convcore's thread count
    (``convcore.threads``), ``n_threads`` its default count; ``busy(start=)``
    a context manager running the busy process (:func:`busy_process`);
    ``meter``, when given, a zero-arg callable returning an object with
    ``start()`` and ``stop() -> (other CPUs, steal CPUs)``
    (``convcore.bench._machine.LoadMeter``).  Returns a :class:`ContentionResult`.
    """
    res = ContentionResult(case, n_threads, target)
    fn = dict(case.setup()).get(case.subject, Missing(f"{case.subject} not among the "
                                                       "competitors"))
    if isinstance(fn, Missing):
        res.status = fn.reason
        return res
    try:
        fn()                            # warm-up; a failing subject is a result
    except Exception as exc:
        res.status = f"error: {type(exc).__name__}: {exc}"[:200]
        return res

    one, all_ = "1 thread", f"{n_threads} threads"
    m = meter().start() if meter else None
    timings = time_interleaved(
        {one: fn, all_: fn}, settings.rounds, min_time=settings.min_time,
        budget=settings.budget, min_rounds=settings.min_rounds,
        max_inner=settings.max_inner, timer=timer, contexts={one: lambda: threads(1)},
        settle=settler(settings) if settle is _FROM_SETTINGS else settle)
    if m:
        res.idle_other_cpus = m.stop()[0]
    res.idle_1, res.idle_all = timings[one], timings[all_]

    try:
        with busy(start=settings.busy_start) as proc:
            res.busy_pid = getattr(proc, "pid", None)
            fn()                        # wakes convcore's threads beside the spinner
            m = meter().start() if meter else None
            cpu0, t0 = process_cpu_seconds(res.busy_pid), time.perf_counter()
            res.busy_times = per_call_times(fn, settings.busy_calls, timer)
            cpu1, wall = process_cpu_seconds(res.busy_pid), time.perf_counter() - t0
            if m:
                res.busy_other_cpus = m.stop()[0]
    except Exception as exc:            # the busy process stopped already (``busy``)
        res.status = f"error (busy phase): {type(exc).__name__}: {exc}"[:200]
        res.busy_times = []
        return res
    if cpu0 is not None and cpu1 is not None and wall >= 0.1:    # CPU time ticks: 10 ms
        res.busy_cpus = (cpu1 - cpu0) / wall
    return res


def load_warnings(res, threshold=0.25):
    """Warnings on the machine's load: others busy during the idle phase,
    or besides the busy process during the busy phase, or a busy process
    that hardly ran.  Appended to ``res.warnings`` and returned."""
    out = []
    if res.idle_other_cpus is not None and res.idle_other_cpus > threshold:
        out.append(f"the machine was busy during the idle timing ({res.idle_other_cpus:.2f} "
                   "CPUs used by other processes): the idle medians are unreliable")
    extra = None if res.busy_other_cpus is None else res.busy_other_cpus - (res.busy_cpus or 1.0)
    if extra is not None and extra > threshold:
        out.append(f"besides the busy process, other processes used {extra:.2f} CPUs "
                   "during the busy timing")
    if res.busy_cpus is not None and res.busy_cpus < 0.5:
        out.append(f"the busy process used only {res.busy_cpus:.2f} CPUs while the calls "
                   "were timed: little contention")
    res.warnings.extend(out)
    return out


# --------------------------------------------------------------------------
# Formatting

_COLUMNS = (("idle 1 thread", 13), ("idle {n} threads", 15), ("busy median", 12),
            ("busy mean", 11), ("busy p90", 11), ("busy max", 11), ("p90/idle(1)", 12),
            ("target", 7), ("result", 6))


def _line(cells):
    return "  " + " ".join(format(str(c), f">{w}") for c, (_, w) in zip(cells, _COLUMNS))


def format_contention(res):
    """The table of one case under contention as text."""
    c = res.case
    head = f"[{c.section}] {c.name}" + (f": {c.title}" if c.title else "")
    lines = [head]
    if res.status != "ok":
        lines.append(f"  {c.subject}: {res.status}")
    else:
        used = ("" if res.busy_cpus is None
                else f" (it used {res.busy_cpus:.2f} CPUs meanwhile)")
        lines.append(f"  {c.subject} only, {res.threads} convcore threads by default; "
                     f"{len(res.busy_times)} calls timed one by one beside busy process "
                     f"pid {res.busy_pid}{used}")
        lines.append(_line([name.format(n=res.threads) for name, _ in _COLUMNS]))
        lines.append(_line([
            format_time(res.idle_1.median), format_time(res.idle_all.median),
            format_time(res.busy_median), format_time(res.busy_mean),
            format_time(res.busy_p90),
            format_time(res.busy_max),
            "-" if res.slowdown is None else f"{res.slowdown:.2f}x",
            f"<={res.target:g}x", res.verdict]))
        lines.append(f"  idle: medians of {len(res.idle_1.samples)} and "
                     f"{len(res.idle_all.samples)} interleaved samples of "
                     f"{res.idle_1.inner} and {res.idle_all.inner} calls "
                     f"(spread {100 * res.idle_1.spread:.0f}% and "
                     f"{100 * res.idle_all.spread:.0f}%)")
    for w in res.warnings:
        lines.append(f"  WARNING: {w}")
    return "\n".join(lines)


def contention_summary(results, seconds):
    """The closing lines of ``--contention``: verdict counts, failures,
    what did not run; as :func:`summary`."""
    verdicts = [(r.case.name, what, v) for r in results for what, v in r.verdicts()]
    fails = [(name, what) for name, what, v in verdicts if v == "FAIL"]
    lines = [f"summary: {len(verdicts) - len(fails)} PASS, {len(fails)} FAIL ({seconds:.0f} s)"]
    by_name = {r.case.name: r for r in results}
    lines += [f"  FAIL {name}: {what} {by_name[name].slowdown:.2f}x" for name, what in fails]
    missing = [f"{r.case.name} ({r.status})" for r in results if r.status != "ok"]
    if missing:
        lines.append(f"  not run: {', '.join(missing)}")
    noisy = [r.case.name for r in results if r.warnings]
    if noisy:
        lines.append(f"  load warnings for {', '.join(noisy)}: see WARNING lines")
    target = results[0].target if results else TARGET
    lines.append(f"  slowdown = p90 of the calls beside one busy process / idle 1-thread "
                 f"median; PASS when slowdown <= {target:g}x")
    return "\n".join(lines), fails
