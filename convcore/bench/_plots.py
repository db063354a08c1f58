"""PNG plots of a run (``--out DIR`` with matplotlib installed).

- ``methods_<family>.png`` (methods suite, one per sweep family:
  ``conv1d``, ``conv2d``, ``layer2d``): time per call against kernel size
  for every method, log-log, one panel per input size; the crossovers
  (where the fastest method changes) as dotted vertical lines, and
  'auto' overlaid as black rings, each coloured inside by the method 'auto'
  ran.
- ``speedup_<suite>.png`` (the other suites): convcore's speed-up against
  each other library, one horizontal bar per (case, peer), log scale, 1x
  marked; invalid rows are left out.

Every figure carries its title, axis labels with units and a caption with
the machine, its SIMD level and the thread count.  Figures are drawn on
the Agg canvas directly (no pyplot, no interactive backend, no global
state touched).
"""
import math
import os

from . import _cases_methods

__all__ = ["caption", "methods_plots", "speedup_plots", "write_plots"]

_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")


def caption(machine):
    """One line naming the machine a figure was measured on."""
    return (f"{machine.cpu_model}, {machine.cpus} CPUs; SIMD {machine.simd_in_use}; "
            f"convcore {machine.convcore_version}, {machine.threads} threads; "
            f"numpy BLAS {machine.blas}")


def _figure(width, height):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, machine, path):
    fig.text(0.5, 0.005, caption(machine), ha="center", va="bottom", fontsize=7,
             color="#444444")
    fig.savefig(path, bbox_inches="tight")  # long case names widen the left margin
    return path


def _method_colors(results):
    names = []
    for res in results:
        names += [m for m in _cases_methods.method_times(res) if m not in names]
    return {m: _COLORS[i % len(_COLORS)] for i, m in enumerate(names)}


def _families(results):
    """``{family: {line: [results by kernel]}}`` of the methods suite."""
    out = {}
    for line, rs in _cases_methods.sweep_lines(results).items():
        out.setdefault(rs[0].case.sweep["family"], {})[line] = rs
    return out


_FAMILY_TITLES = {
    "conv1d": "convcore.convolve, 1-D float64 'same': time per call against kernel size",
    "conv2d": "convcore.convolve, 2-D float64 'same': time per call against kernel size",
    "layer2d": "convcore.nn.conv2d, float32 N=4: time per call against kernel size",
}


def _draw_line(ax, rs, colors, cross):
    """One panel: every method's times, 'auto', the crossovers."""
    from matplotlib.ticker import FuncFormatter
    ks = [r.case.sweep["kernel"] for r in rs]
    for m, color in colors.items():
        pts = [(k, _cases_methods.method_times(r).get(m)) for k, r in zip(ks, rs)]
        pts = [(k, t * 1e3) for k, t in pts if t is not None]
        if pts:
            ax.plot(*zip(*pts), "-o", color=color, label=m, markersize=3, linewidth=1.2)
    autos = [(k, _cases_methods.auto_time(r), r.case.sweep.get("auto_method"))
             for k, r in zip(ks, rs)]
    autos = [(k, t * 1e3, m) for k, t, m in autos if t is not None]
    if autos:
        ax.scatter([k for k, _, _ in autos], [t for _, t, _ in autos], s=70,
                   facecolors=[colors.get(m, "white") for _, _, m in autos],
                   edgecolors="black", linewidths=1.3, zorder=5, alpha=0.6,
                   label="'auto' (fill: method it ran)")
    for c in cross:
        x = math.sqrt(c["kernel_below"] * c["kernel_above"])
        ax.axvline(x, color="black", linestyle=":", linewidth=1)
        ax.annotate(f"{c['from']}\u2192{c['to']}", (x, 1), xycoords=("data", "axes fraction"),
                    rotation=90, va="top", ha="right", fontsize=7)
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_yscale("log")
    ax.grid(True, which="major", alpha=0.3)


def methods_plots(results, machine, outdir):
    """The ``methods_<family>.png`` files; returns their paths."""
    results = [r for r in results if r.case.sweep]
    colors = _method_colors(results)
    cross = _cases_methods.crossovers(results)
    paths = []
    for family, lines in _families(results).items():
        fig = _figure(5.2 * len(lines) + 0.6, 4.6)
        axes = fig.subplots(1, len(lines), squeeze=False)[0]
        for ax, (line, rs) in zip(axes, lines.items()):
            _draw_line(ax, rs, colors, [c for c in cross if c["line"] == line])
            ax.set_title(line, fontsize=9)
            side = "taps" if family == "conv1d" else "side (k x k)"
            ax.set_xlabel(f"kernel {side}")
            ax.set_ylabel("time per call (ms)")
        axes[0].legend(fontsize=7, loc="upper left")
        fig.suptitle(_FAMILY_TITLES.get(family, family) + "\n(dotted: crossovers, where "
                     "the fastest method changes)", fontsize=10)
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        paths.append(_save(fig, machine, os.path.join(outdir, f"methods_{family}.png")))
    return paths


def speedups(results, suite):
    """``[(case, peer, ratio)]`` of a suite's valid rows of other libraries
    with a ratio (convcore's own method rows are the methods suite's)."""
    return [(res.case.name, r.label, r.ratio) for res in results if res.case.suite == suite
            for r in res.rows if r.role == "peer" and r.ratio is not None and r.ratio > 0
            and not r.label.startswith("convcore")]


def speedup_plots(results, machine, outdir, suites):
    """The ``speedup_<suite>.png`` files; returns their paths."""
    paths = []
    for suite in suites:
        bars = speedups(results, suite)
        if suite == "methods" or not bars:
            continue
        fig = _figure(9, 1.4 + 0.24 * len(bars))
        ax = fig.subplots()
        peers = sorted({p for _, p, _ in bars})
        color = {p: _COLORS[i % len(_COLORS)] for i, p in enumerate(peers)}
        y = list(range(len(bars)))[::-1]
        ax.barh(y, [r for _, _, r in bars], color=[color[p] for _, p, _ in bars])
        ax.set_yticks(y, [f"{c}  vs {p}" for c, p, _ in bars], fontsize=7)
        ax.set_xscale("log")
        ax.axvline(1.0, color="black", linewidth=1)
        for yi, (_, _, r) in zip(y, bars):
            ax.annotate(f"{r:.2f}x", (r, yi), xytext=(3, 0), textcoords="offset points",
                        va="center", fontsize=7)
        ax.set_xlabel("speed-up = peer time / convcore time (log scale; >1: convcore faster)")
        ax.set_title(f"Suite '{suite}': convcore against each peer", fontsize=10)
        ax.grid(True, axis="x", alpha=0.3)
        fig.tight_layout(rect=(0, 0.03, 1, 1))
        paths.append(_save(fig, machine, os.path.join(outdir, f"speedup_{suite}.png")))
    return paths


def write_plots(results, machine, outdir, suites):
    """Every plot of the run; returns the paths written."""
    return methods_plots(results, machine, outdir) + speedup_plots(results, machine, outdir,
                                                                   suites)
