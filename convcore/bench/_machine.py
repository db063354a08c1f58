"""Machine figures measured in the same run as the cases.

- CPU model (``lscpu``), CPUs this process may use, convcore's SIMD level
  and thread count, the BLAS behind ``np.matmul`` and its threads.
- Peak GFLOPS per dtype: ``np.matmul`` of two ``n x n`` matrices
  (``2 n^3`` flops), all BLAS threads, timed interleaved float32/float64.
- DRAM copy bandwidth, ``copy(b)``: ``np.copyto`` of a 256 MiB array
  (``2 x nbytes`` moved: read + write), one thread as NumPy copies.

The per-case copy of the case's input size, ``copy(a)``, is timed with the
case itself (:func:`._runner.run_case`).  :func:`describe` gives the first
items only (``--contention`` has no use for the peaks).
"""
import os
import platform
import subprocess
import time
from dataclasses import dataclass, field

import numpy as np

from ._runner import copy_gbps, gflops, make_copy_reference, settler
from ._timing import time_interleaved


BUSY = 0.25     # CPUs used by other processes above which a case is flagged


@dataclass
class Machine:
    cpu_model: str = "unknown"
    cpus: int = 1
    simd_in_use: str = "?"
    simd_cpu: str = "?"
    thread_pool: str = "?"
    threads: int = 1
    blas: str = "?"
    blas_threads: int | None = None
    peak_gflops: dict = field(default_factory=dict)     # {dtype: GFLOPS}
    peak_spread: dict = field(default_factory=dict)     # {dtype: IQR/median}
    peak_n: int = 0
    dram_gbps: float | None = None
    dram_spread: float | None = None
    dram_nbytes: int = 0
    convcore_version: str = "?"
    convcore_path: str = "?"
    numpy: str = np.__version__
    python: str = platform.python_version()


def cpu_model():
    """``Model name`` of ``lscpu``, else ``/proc/cpuinfo``, else platform."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        for line in out.splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "Model name" and value.strip():
                return value.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def available_cpus():
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def numpy_blas():
    """``(name, threads)`` of the BLAS NumPy's matmul calls (threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)", None
    blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    mine = [p for p in blas if "numpy" in p.get("filepath", "")] or blas
    if not mine:
        return "unknown", None
    p = mine[0]
    return f"{p.get('internal_api', '?')} {p.get('version') or ''}".strip(), p.get("num_threads")


def peak_gflops(n, rounds, settings, timer=time.perf_counter):
    """``{dtype: (GFLOPS, spread)}`` of ``np.matmul`` on ``n x n`` matrices."""
    rng = np.random.default_rng(0)
    competitors = {}
    for dtype in ("float32", "float64"):
        a = rng.random((n, n)).astype(dtype)
        b = rng.random((n, n)).astype(dtype)
        c = np.empty((n, n), dtype)
        competitors[dtype] = lambda a=a, b=b, c=c: np.matmul(a, b, out=c)
    timings = time_interleaved(competitors, rounds, min_time=settings.min_time,
                               settle=settler(settings), timer=timer)
    return {dtype: (gflops(2.0 * n ** 3, t.median), t.spread) for dtype, t in timings.items()}


def dram_copy(nbytes, rounds, settings, timer=time.perf_counter):
    """``(GB/s, spread)`` of ``np.copyto`` between two ``nbytes`` buffers."""
    t = time_interleaved({"copy": make_copy_reference(nbytes)}, rounds,
                         min_time=settings.min_time, settle=settler(settings),
                         timer=timer)["copy"]
    return copy_gbps(nbytes, t.median), t.spread


def describe(convcore):
    """The machine's description without its measured figures (peak GFLOPS
    and copy bandwidth left empty): CPU, SIMD level, threads, BLAS."""
    m = Machine(cpu_model=cpu_model(), cpus=available_cpus())
    try:
        cfg = convcore._config.config()
        m.simd_in_use, m.simd_cpu = cfg.get("simd_in_use", "?"), cfg.get("simd_cpu", "?")
        m.thread_pool = cfg.get("thread pool", "?")
    except Exception as exc:  # an older or half-built convcore
        m.simd_in_use = m.simd_cpu = f"unknown ({type(exc).__name__})"
    m.threads = convcore.get_num_threads()
    m.convcore_version = getattr(convcore, "__version__", "?")
    m.convcore_path = os.path.dirname(os.path.abspath(convcore.__file__))
    m.blas, m.blas_threads = numpy_blas()
    return m


def measure(convcore, settings):
    """All machine figures (a few seconds: the matmuls dominate)."""
    m = describe(convcore)
    m.peak_n = settings.peak_n
    for dtype, (g, s) in peak_gflops(settings.peak_n, settings.peak_rounds, settings).items():
        m.peak_gflops[dtype], m.peak_spread[dtype] = g, s
    m.dram_nbytes = settings.dram_nbytes
    m.dram_gbps, m.dram_spread = dram_copy(settings.dram_nbytes, settings.dram_rounds, settings)
    return m


class LoadMeter:
    """CPU time other processes used, and the hypervisor stole, between
    :meth:`start` and :meth:`stop`, in CPUs (averaged over the wall time).

    Reads the machine-wide counters of ``/proc/stat`` and subtracts this
    process's own CPU time (all its threads); ``None`` where there is no
    ``/proc/stat``.
    """
    def __init__(self, stat_path="/proc/stat"):
        self.stat_path = stat_path
        try:
            self.hz = os.sysconf("SC_CLK_TCK")
        except (AttributeError, ValueError, OSError):
            self.hz = 100
        self._start = None

    def _read(self):
        try:
            with open(self.stat_path) as f:
                v = [int(x) for x in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        v += [0] * (8 - len(v))
        user, nice, system, _idle, _iowait, irq, softirq, steal = v
        t = os.times()
        return (time.perf_counter(), (user + nice + system + irq + softirq) / self.hz,
                steal / self.hz, t.user + t.system)

    def start(self):
        self._start = self._read()
        return self

    def stop(self):
        """``(other_cpus, steal_cpus)``, or ``(None, None)``."""
        end = self._read()
        if self._start is None or end is None:
            return None, None
        wall = end[0] - self._start[0]
        if wall <= 0:
            return None, None
        busy, steal, own = (end[i] - self._start[i] for i in (1, 2, 3))
        return max(0.0, busy - own) / wall, max(0.0, steal) / wall


def wait_quiet(max_wait, threshold=0.25, window=0.2):
    """Wait, at most ``max_wait`` seconds, until other processes use at most
    ``threshold`` CPUs over a ``window``.  Returns ``(seconds waited, their
    last load)`` (load ``None`` without ``/proc/stat``)."""
    t0 = time.perf_counter()
    while True:
        meter = LoadMeter().start()
        time.sleep(window)
        other, _ = meter.stop()
        waited = time.perf_counter() - t0
        if other is None or other <= threshold or waited >= max_wait:
            return waited, other


def format_machine(m):
    def pct(x):
        return "?" if x is None else f"{100 * x:.1f}%"
    peaks = "  ".join(f"{d} {m.peak_gflops[d]:.1f} GFLOPS (spread {pct(m.peak_spread.get(d))})"
                      for d in ("float32", "float64") if m.peak_gflops.get(d))
    lines = [
        "machine",
        f"  cpu        {m.cpu_model}, {m.cpus} CPUs available",
        f"  simd       convcore in use: {m.simd_in_use}; cpu supports: {m.simd_cpu}",
        f"  threads    convcore {m.threads} (thread pool: {m.thread_pool}); numpy BLAS {m.blas}: "
        f"{m.blas_threads if m.blas_threads is not None else '?'} threads"]
    if peaks:       # measure(), not describe()
        lines += [f"  peak       {peaks}",
                  f"             (np.matmul {m.peak_n}x{m.peak_n}, all BLAS threads)"]
    if m.dram_gbps is not None:
        lines.append(f"  copy(b)    {m.dram_gbps:.1f} GB/s (spread {pct(m.dram_spread)}): "
                     f"np.copyto {m.dram_nbytes >> 20} MiB, one thread, read + write counted")
    lines.append(f"  convcore   {m.convcore_version} from {m.convcore_path}; numpy {m.numpy}, "
                 f"python {m.python}")
    return "\n".join(lines)
