"""Suite ``methods``: convcore's algorithms against each other, swept over
kernel and input size, and where ``method='auto'`` lands among them.

Three sweeps (:func:`signal_points`, :func:`layer_points`):

- ``conv1d``: ``convcore.convolve(x, k, mode='same', method=m)``, float64,
  inputs of 10,000 and 1,000,000 samples, kernels of 1 to 4096 taps
  (powers of two);
- ``conv2d``: the same on 256x256 and 1024x1024 float64 images, kernels
  1x1 to 65x65;
- ``layer2d``: ``convcore.nn.conv2d(x, w, b, padding=k // 2, method=m)``,
  float32, N=4, 16->16 and 64->64 channels at 28x28, 256->256 at 14x14,
  kernels 1x1 to 7x7.

``--quick`` runs one input size of each sweep on fewer kernels (the
points marked ``quick``).  Every case's subject is ``convcore auto``; its
other rows are ``convcore <method>``, one per name of the registry
(``convcore._signal_methods.METHODS``, ``convcore.nn._conv_methods.METHODS``)
read when the case runs, so a method registered later appears here with
nothing to edit.  A method row's ratio is method time / auto time; a method
that raises ``ValueError`` for a geometry reads ``n/a``; one that the cost
model puts beyond :data:`MAX_CALL_S` per call, or beyond
:data:`SKIP_FACTOR` times the best estimate (and above
:data:`SKIP_FLOOR_S`), is skipped (``skipped``), so that a sweep point
never costs seconds.

Reported (:func:`sweep_table`, :func:`crossovers`): per point the method
'auto' ran, the fastest method and 'auto''s *regret*, ``auto time /
fastest method's time`` (1.0: 'auto' picked the fastest); per sweep line
(one input size) the kernel sizes between which the fastest method changes.
"""
from dataclasses import dataclass

import numpy as np

from . import _cases_nn
from ._runner import Case, Missing, bytes_moved, direct_flops
from ._timing import format_time

SUITE = "methods"
ORDER = 0

SUBJECT = "convcore auto"
METHOD_LABEL = "convcore {}"
MAX_CALL_S = 1.0        # a method the model puts slower than this per call is skipped
SKIP_FACTOR = 20        # ... or slower than this x the best estimate,
SKIP_FLOOR_S = 0.02     # ... when above this many seconds per call
BUDGET = 0.5            # seconds of samples per callable, at most


@dataclass(frozen=True)
class SignalPoint:
    """One point of the ``conv1d``/``conv2d`` sweeps."""
    family: str
    size: int           # input side
    kernel: int         # kernel side
    quick: bool

    @property
    def rank(self):
        return 1 if self.family == "conv1d" else 2

    @property
    def in_shape(self):
        return (self.size,) * self.rank

    @property
    def k_shape(self):
        return (self.kernel,) * self.rank

    @property
    def name(self):
        return f"{self.family}_{self.size}_k{self.kernel}"


SIGNAL_SWEEPS = {
    # family: ({input side: in --quick}, kernel sides, kernel sides under --quick)
    "conv1d": ({10_000: True, 1_000_000: False}, [2 ** i for i in range(13)],
               {1, 16, 256, 4096}),
    "conv2d": ({256: True, 1024: False}, [1, 3, 5, 9, 17, 33, 65], {1, 5, 17, 65}),
}

# (C_in = C_out, spatial side, in --quick); kernels 1x1 to 7x7, N = 4
LAYER_SWEEP = [(16, 28, False), (64, 28, True), (256, 14, False)]
LAYER_KERNELS, LAYER_QUICK_KERNELS, LAYER_N = (1, 3, 5, 7), {1, 3, 7}, 4


def signal_points():
    """Every :class:`SignalPoint` of the sweeps, in sweep order."""
    return [SignalPoint(family, size, k, in_quick and k in quick_ks)
            for family, (sizes, ks, quick_ks) in SIGNAL_SWEEPS.items()
            for size, in_quick in sizes.items() for k in ks if k <= size]


def layer_points():
    """``[(name, Conv, quick)]`` of the layer sweep, in sweep order."""
    return [(f"layer2d_{c}ch_{side}_k{k}",
             _cases_nn.Conv(LAYER_N, c, c, (side, side), k, padding=k // 2),
             in_quick and k in LAYER_QUICK_KERNELS)
            for c, side, in_quick in LAYER_SWEEP for k in LAYER_KERNELS]


def registered_methods():
    """The signal API's method names, from its registry, when asked."""
    from convcore import _signal_methods
    return list(_signal_methods.METHODS)


def skip_reason(estimate, best, limit=MAX_CALL_S):
    """Why a method is not timed (``None``: it is), from its model
    estimate (seconds per call, ``None`` when the model has none) and the
    best estimate of the point."""
    if estimate is None:
        return None
    if estimate > limit or (estimate > SKIP_FACTOR * best and estimate > SKIP_FLOOR_S):
        return f"skipped: model {format_time(estimate)}/call"
    return None


def signal_competitors(x, k, mode, convcore, methods, estimates):
    """``{label: callable or Missing}``: 'auto' and each of ``methods``
    through ``convcore.convolve``."""
    out = {SUBJECT: lambda: convcore.convolve(x, k, mode=mode)}
    best = min(estimates.values()) if estimates else 0.0
    for m in methods:
        why = skip_reason(estimates.get(m), best)
        out[METHOD_LABEL.format(m)] = Missing(why) if why else (
            lambda m=m: convcore.convolve(x, k, mode=mode, method=m))
    return out


def _signal_case(p):
    sweep = {"family": p.family, "line": f"{p.family} {'x'.join(map(str, p.in_shape))}",
             "input": list(p.in_shape), "kernel": p.kernel, "auto_method": None}

    def setup():
        import convcore
        rng = np.random.default_rng(0)
        x, k = rng.standard_normal(p.in_shape), rng.standard_normal(p.k_shape)
        pick, estimates = convcore.choose_conv_method(x, k, mode="same", explain=True)
        sweep["auto_method"] = pick
        return signal_competitors(x, k, "same", convcore, registered_methods(), estimates)

    dims = "x".join(map(str, p.in_shape))
    return Case(name=p.name, section="methods", setup=setup,
                title=f"convolve float64 {dims} * {'x'.join(map(str, p.k_shape))} 'same'",
                flops=direct_flops(p.in_shape, p.k_shape, "same"),
                bytes=bytes_moved(p.in_shape, p.k_shape, "same", 8), dtype="float64",
                input_nbytes=0, subject=SUBJECT, quick=p.quick, sweep=sweep, budget=BUDGET)


def _layer_case(name, conv, quick):
    sweep = {"family": "layer2d",
             "line": f"layer2d {conv.c_in}->{conv.c_out} {conv.spatial[0]}x{conv.spatial[1]}",
             "input": list(conv.x_shape), "kernel": conv.kernel, "auto_method": None}

    def setup():
        import convcore.nn as nn
        x, w, b = _cases_nn.inputs(conv)
        pick, estimates = nn.choose_conv_method(x, w, b, *conv.args(), explain=True)
        sweep["auto_method"] = pick
        return _cases_nn.competitors(conv, x, w, b, nn, _cases_nn.registered_methods(), None,
                                     estimates=estimates)

    return Case(name=name, section="methods", setup=setup,
                title=f"nn.conv2d float32 N={conv.n} {conv.c_in}->{conv.c_out} "
                      f"{conv.spatial[0]}x{conv.spatial[1]}, {conv.kernel}x{conv.kernel} "
                      f"pad {conv.padding}",
                flops=conv.flops, bytes=conv.nbytes, dtype="float32", input_nbytes=0,
                subject=SUBJECT, quick=quick, sweep=sweep, budget=BUDGET)


CASES = ([_signal_case(p) for p in signal_points()]
         + [_layer_case(*point) for point in layer_points()])


# --------------------------------------------------------------------------
# Reading the results


def method_times(res):
    """``{method: median seconds or None}`` of a case's method rows (None:
    skipped, n/a, failed or computing other numbers than 'auto')."""
    out = {}
    prefix = METHOD_LABEL.format("")
    for r in res.rows:
        if r.label.startswith(prefix) and r.label != SUBJECT:
            ok = r.timing is not None and r.matches is not False
            out[r.label[len(prefix):]] = r.timing.median if ok else None
    return out


def auto_time(res):
    r = next((r for r in res.rows if r.label == SUBJECT), None)
    return None if r is None or r.timing is None else r.timing.median


def fastest(res):
    """``(method, seconds)`` of the fastest method row, ``(None, None)``."""
    timed = [(t, m) for m, t in method_times(res).items() if t is not None]
    if not timed:
        return None, None
    t, m = min(timed)
    return m, t


def regret(res):
    """'auto''s time over the fastest method's (``None`` without both)."""
    t_auto, (_, t_best) = auto_time(res), fastest(res)
    if t_auto is None or t_best is None or t_best <= 0:
        return None
    return t_auto / t_best


def sweep_lines(results):
    """``{line: [results by kernel size]}`` of the sweep cases."""
    lines = {}
    for res in results:
        if res.case.sweep:
            lines.setdefault(res.case.sweep["line"], []).append(res)
    return {k: sorted(v, key=lambda r: r.case.sweep["kernel"]) for k, v in lines.items()}


def crossovers(results):
    """Where the fastest method changes along each sweep line:
    ``[{"line", "kernel_below", "kernel_above", "from", "to"}]`` (kernel
    sides of the two neighbouring points, their fastest methods)."""
    out = []
    for line, rs in sweep_lines(results).items():
        prev = None
        for res in rs:
            m, _ = fastest(res)
            if m is None:
                continue
            if prev is not None and m != prev[1]:
                out.append({"line": line, "kernel_below": prev[0],
                            "kernel_above": res.case.sweep["kernel"], "from": prev[1], "to": m})
            prev = (res.case.sweep["kernel"], m)
    return out


def regret_summary(results):
    """One line: how close 'auto' came to the fastest method."""
    rs = [v for v in (regret(r) for r in results) if v is not None]
    if not rs:
        return "auto regret: no point with 'auto' and a method timed"
    within = sum(v <= 1.2 for v in rs)
    return (f"auto regret: median {np.median(rs):.2f}x, worst {max(rs):.2f}x; "
            f"within 1.2x of the fastest on {within} of {len(rs)} points")


def _rate(r):
    """GFLOPS and fraction of the matmul peak of row ``r`` as text."""
    if r is None or r.gflops is None:
        return "-", "-"
    return f"{r.gflops:.1f}", "-" if r.pct_peak is None else f"{100 * r.pct_peak:.0f}%"


def sweep_table(results):
    """The console table of the suite (fits 100 columns): per point 'auto''s
    time, GFLOPS, % of the dtype's matmul peak, the method it ran, the
    fastest method and the regret; then the crossovers and the regret line."""
    head = (f"{'case':<22} {'auto time':>11} {'GFLOPS':>8} {'%peak':>6}  {'auto runs':<10}"
            f"{'fastest':<10} {'regret':>7}  verdict")
    out = [head]
    for res in results:
        if not res.case.sweep:
            continue
        subject = next((r for r in res.rows if r.label == SUBJECT), None)
        g, pct = _rate(subject)
        m, _ = fastest(res)
        rg = regret(res)
        invalid = any(r.matches is False for r in res.rows)
        verdict = "INVALID" if invalid else ("ok" if rg is not None and rg <= 1.2 else
                                             "slow" if rg is not None else "")
        out.append(f"{res.case.name[:22]:<22} {format_time(auto_time(res)):>11} {g:>8} "
                   f"{pct:>6}  {str(res.case.sweep.get('auto_method')):<10}{str(m):<10} "
                   f"{'-' if rg is None else f'{rg:.2f}x':>7}  {verdict}".rstrip())
    cross = crossovers(results)
    if cross:
        out.append("crossovers (the fastest method changes between two kernel sizes):")
        out += [f"  {c['line']}: {c['from']} -> {c['to']} between k={c['kernel_below']} "
                f"and k={c['kernel_above']}" for c in cross]
    out.append(regret_summary(results))
    out.append("verdict: ok = auto within 1.2x of the fastest, slow = beyond, "
               "INVALID = a method gave other numbers")
    return "\n".join(out)


def methods_matrix(results):
    """Every method's time on every point (results.md): ``n/a`` where the
    method refuses the geometry, ``skipped`` beyond the limits, ``*`` on
    the fastest."""
    cols = []
    for res in results:
        cols += [m for m in method_times(res) if m not in cols]
    lines = [f"{'case':<24} {'auto runs':<10} {'auto':>10} "
             + " ".join(f"{c:>11}" for c in cols)]
    for res in results:
        times = method_times(res)
        best, _ = fastest(res)
        cells = []
        for c in cols:
            row = next((r for r in res.rows if r.label == METHOD_LABEL.format(c)), None)
            if row is None:
                cells.append("-")
            elif times.get(c) is not None:
                cells.append(format_time(times[c]) + ("*" if c == best else ""))
            elif row.status.startswith(("skipped", "n/a")):
                cells.append(row.status.split(":")[0])
            else:
                cells.append("INVALID" if row.matches is False else "error")
        lines.append(f"{res.case.name[:24]:<24} {str(res.case.sweep.get('auto_method')):<10} "
                     f"{format_time(auto_time(res)):>10} " + " ".join(f"{c:>11}" for c in cells))
    return "\n".join(line.rstrip() for line in lines)


def section_report(results, machine=None):
    """``(text, verdicts)`` for results.md: the methods x points table."""
    results = [r for r in results if r.case.section == "methods"]
    if not results:
        return "", []
    return ("[methods] every method on every point (time per call; * fastest)\n"
            + methods_matrix(results)), []
