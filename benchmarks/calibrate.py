"""Fit the constants of convcore's cost model (``method='auto'``).

Usage (from the repository root, on a quiet machine)::

    python benchmarks/calibrate.py                 # fit and print the fit quality
    python benchmarks/calibrate.py --write         # ... and rewrite convcore/_cost_table.py
    python benchmarks/calibrate.py --quick         # fewer problems (a rough table)

Every registered method is timed through ``convcore.convolve(a, b, mode,
method=m)`` (the public path, so per-call overhead is part of the fit) on a
grid of 1-D, 2-D and 3-D problems per dtype class.  For each (method, dtype
class) the constants ``c`` of ``seconds = c . features`` (features:
each method's ``features`` in ``convcore._signal_methods.METHODS``) are fitted by non-negative least squares on
relative error, so small and large problems weigh alike.
"""
import argparse
import datetime
import json
import os
import sys

import numpy as np
from scipy.optimize import nnls

from run import ROOT, import_convcore

convcore = import_convcore()
from convcore import _cpu, _dispatch  # noqa: E402
from convcore.bench._machine import cpu_model  # noqa: E402
from convcore.bench._timing import best_of  # noqa: E402
from convcore._signal_methods import METHODS  # noqa: E402

# One dtype per class; 'scalar' stands for every type without SIMD kernels.
CLASS_DTYPES = {"f4": np.float32, "f8": np.float64, "c8": np.complex64,
                "c16": np.complex128, "scalar": np.int32}
# Methods a class can run ('scalar' results go through FFTs only as float64,
# which the 'f8' fit covers).
CLASS_METHODS = {"scalar": ("direct", "im2col")}

# Work limits per timed call, in the features' units: beyond these a
# method is far from competitive and only slows the calibration down.
MAX_MACS = {"f4": 4e9, "f8": 3e9, "c8": 8e8, "c16": 6e8, "scalar": 4e8}
MAX_PATCH = 3e8
MAX_FFT = 1.2e8  # workspace elements


def problems(quick):
    """(shape1, shape2, mode) triples: each rank's input sizes against
    kernels from one tap to the input's size."""
    sides = {1: [16, 100, 1000, 10_000, 100_000, 1_000_000],
             2: [8, 32, 128, 512, 1024],
             3: [8, 16, 32, 64, 100]}
    if quick:
        sides = {1: [100, 10_000, 1_000_000], 2: [32, 512], 3: [16, 64]}
    out = []
    for rank, ns in sides.items():
        for n in ns:
            ks = sorted({1, 3, 7, 15, 31, round(n ** 0.5), n // 8, n // 2, n} - {0})
            if quick:
                ks = sorted({3, 31, n // 2} - {0})
            for i, k in enumerate(k for k in ks if k <= n):
                mode = ("full", "same", "valid")[i % 3]
                out.append(((n,) * rank, (k,) * rank, mode))
    return out


def not_timed(method, cls, p, q, mode):
    """Skip problems far beyond where the method competes, and the plain
    FFT runs of 'oa'."""
    row, feats = METHODS[method].features(p, q, mode)
    if row[0] != method:
        return True  # 'oa' without blocks is 'fft': fitted there
    if method == "direct":
        return feats[3] + feats[4] > MAX_MACS[cls]
    if method == "im2col":
        return feats[2] > MAX_PATCH
    return feats[3] > MAX_FFT


def seconds(fn, repeats):
    """Seconds per call: the fastest of ``repeats`` loops of 2 ms or more
    (one call for a function slower than 0.5 s / ``repeats``)."""
    return best_of(fn, repeats, min_time=2e-3, max_time=0.5)


def draw(rng, shape, dtype):
    if np.dtype(dtype).kind in "iu":
        return rng.integers(-50, 50, shape, dtype=dtype)
    return (rng.standard_normal(shape) * 4).astype(dtype)


def measure(quick, log, only=None):
    """{(method, cls): [(features, seconds, (shape1, shape2, mode)), ...]}
    of every method, or of those in ``only``."""
    rng = np.random.default_rng(0)
    data = {}
    for cls, dtype in CLASS_DTYPES.items():
        methods = [m for m in CLASS_METHODS.get(cls, METHODS)
                   if m in METHODS and (only is None or m in only)]
        for s1, s2, mode in problems(quick):
            p, q = draw(rng, s1, dtype), draw(rng, s2, dtype)
            for m in methods:
                if not_timed(m, cls, p, q, mode):
                    continue
                t = seconds(lambda: convcore.convolve(p, q, mode, method=m), 3 if quick else 5)
                row, feats = METHODS[m].features(p, q, mode)
                data.setdefault(row, []).append((feats, t, (s1, s2, mode)))
                log(f"{cls:6} {m:7} {str(s1):20} {str(s2):20} {mode:5} {t * 1e3:10.4f} ms")
    return data


def fit(rows):
    """Non-negative constants minimising the relative error."""
    a = np.array([r[0] for r in rows], float)
    t = np.array([r[1] for r in rows], float)
    scale = a.max(axis=0)
    scale[scale == 0] = 1
    c, _ = nnls((a / scale) / t[:, None], np.ones(len(t)))
    c = c / scale
    rel = a @ c / t - 1
    return c, rel


def fit_all(data, verbose):
    """{(method, class): constants} fitted to ``data`` (as measure returns
    it), the fit quality printed per row."""
    table = {}
    print(f"{'method':8} {'class':6} {'n':>4} {'median|err|':>11} {'max|err|':>9}  constants")
    for key, rows in sorted(data.items()):
        c, rel = fit(rows)
        table[key] = c
        print(f"{key[0]:8} {key[1]:6} {len(rows):4} {np.median(np.abs(rel)):11.2f} "
              f"{np.abs(rel).max():9.2f}  " + " ".join(f"{v:.3g}" for v in c))
        for i in np.argsort(-np.abs(rel))[:3 if verbose else 0]:
            print(f"    worst: {rows[i][2]}  measured {rows[i][1] * 1e3:.4f} ms, "
                  f"model {(1 + rel[i]) * rows[i][1] * 1e3:.4f} ms")
    return table


def render(table, threads, isa, what="``method='auto'``", script="calibrate.py",
           registry="_signal_methods.METHODS"):
    """The text of a cost table module: ``table`` {(method, class): constants}
    fitted by ``script`` for the registry named ``registry``."""
    lines = [
        f'"""Constants of the cost model of {what} (``_methods.Registry``).',
        "",
        f"Written by ``benchmarks/{script} --write``; do not edit by hand.",
        f"Machine: {cpu_model()}, SIMD level {isa}, {threads} threads,",
        f"fitted {datetime.date.today().isoformat()}.  Units: seconds per feature unit",
        f"(features: each method's ``features`` in ``{registry}``);",
        "rows (method, dtype class).",
        '"""',
        "COSTS = {",
    ]
    for (m, cls), c in sorted(table.items()):
        consts = ", ".join(f"{v:.4g}" for v in c)
        lines.append(f"    ({m!r}, {cls!r}): ({consts}),")
    lines += ["}", ""]
    return "\n".join(lines)


def run(argv, doc, measure, table, current=None, **render_kw):
    """The command line of a calibration script (its docstring ``doc``):
    ``measure(quick, log, only)`` the timings (``only``: the method names of
    --only, or None for all), fit them, print the table and, with --write,
    rewrite ``table`` (a path under the repository root).  With --only, the
    rows of the other methods are kept from ``current`` (the table in
    force)."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer problems")
    ap.add_argument("--write", action="store_true", help=f"rewrite {table}")
    ap.add_argument("--verbose", action="store_true", help="print every timing")
    ap.add_argument("--save", help="also write the timings to this JSON file")
    ap.add_argument("--load", help="fit timings saved by --save instead of measuring")
    ap.add_argument("--only", action="append", metavar="METHOD",
                    help="time only this method (repeatable); keep the other rows")
    args = ap.parse_args(argv)
    log = print if args.verbose else (lambda *a: None)
    isa = _cpu.ISA_NAMES[_dispatch.isa_level]
    threads = convcore.get_num_threads()
    print(f"calibrating on {cpu_model()}, SIMD {isa}, {threads} threads")
    if args.load:
        with open(args.load) as f:
            data = {tuple(k.split(":")): v for k, v in json.load(f).items()}
    else:
        data = measure(args.quick, log, args.only)
    if args.save:
        with open(args.save, "w") as f:
            json.dump({":".join(k): v for k, v in data.items()}, f)
    fitted = fit_all(data, args.verbose)
    if args.only:
        fitted = {**{k: v for k, v in (current or {}).items() if k[0] not in args.only},
                  **fitted}
    text = render(fitted, threads, isa, **render_kw)
    if args.write:
        path = os.path.join(ROOT, table)
        with open(path, "w") as f:
            f.write(text)
        print(f"wrote {path}")
    else:
        print(text)
    return 0


def main(argv=None):
    from convcore import _cost_table
    return run(argv, __doc__, measure, "convcore/_cost_table.py", _cost_table.COSTS)


if __name__ == "__main__":
    sys.exit(main())
