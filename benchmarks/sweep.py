"""How good is ``method='auto'``?  Two measurements, every method timed.

Usage (from the repository root, on a quiet machine)::

    python benchmarks/sweep.py auto [--problems 200] [--seed 0] [--json out.json]
    python benchmarks/sweep.py table [--json out.json]

``auto``: random problems (ranks 1-3, inputs of 16 to 10**6 elements, kernel
sides from 1 to the input's, float32/float64/complex64/complex128, all three
modes).  Per problem, interleaved in one process: convcore's 'auto' and each
of its methods, scipy.signal.convolve's 'auto' and each of its methods
('direct', 'fft').  Reported:

- regret = time('auto') / time(fastest method), for convcore against its own
  methods and for scipy against its own, side by side;
- speed-up = time(scipy.signal.convolve auto) / time(convcore.convolve auto),
  its geometric mean and its minimum.

``table``: every method on a kernel-size sweep (1-D and 2-D inputs of a
fixed size), showing where each wins.

A method far from competitive on a problem is not timed (it could take
minutes): one whose convcore cost-model estimate exceeds ``SKIP_FACTOR``
times the smallest estimate; for scipy's methods see ``scipy_methods``.
A method not timed is shown as ``-``.
"""
import argparse
import json
import math
import sys

import numpy as np
import scipy.signal as ss

from run import import_convcore

convcore = import_convcore()
from convcore import _cpu, _dispatch  # noqa: E402
from convcore.bench._machine import cpu_model  # noqa: E402
from convcore.bench._runner import geometric_mean  # noqa: E402
from convcore.bench._timing import median, time_interleaved  # noqa: E402
from convcore import _signal_methods  # noqa: E402
from convcore._signal_methods import METHODS  # noqa: E402

SKIP_FACTOR = 20
DTYPES = ("float32", "float64", "complex64", "complex128")
MODES = ("full", "same", "valid")


def random_problems(count, seed):
    """(shape1, shape2, dtype, mode): total input size log-uniform in
    [16, 10**6], split over the rank's axes; each kernel side log-uniform
    in [1, input side]."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        rank = int(rng.integers(1, 4))
        size = 10 ** rng.uniform(math.log10(16), 6)
        side = max(1, round(size ** (1 / rank)))
        shape1 = tuple(max(1, round(side * 2 ** rng.uniform(-0.5, 0.5))) for _ in range(rank))
        if not 16 <= math.prod(shape1) <= 10 ** 6:
            continue
        shape2 = tuple(max(1, round(n ** rng.uniform(0, 1))) for n in shape1)
        out.append((shape1, shape2, str(rng.choice(DTYPES)), str(rng.choice(MODES))))
    return out


def make_inputs(shape1, shape2, dtype, seed=0):
    rng = np.random.default_rng(seed)

    def one(shape):
        x = rng.standard_normal(shape)
        if dtype.startswith("complex"):
            x = x + 1j * rng.standard_normal(shape)
        return x.astype(dtype)
    return one(shape1), one(shape2)


def timed_methods(a, b, mode):
    """convcore's methods worth timing (see SKIP_FACTOR)."""
    costs = METHODS.estimate_costs(list(METHODS), a, b, mode)
    best = min(costs.values())
    return [m for m in METHODS if costs.get(m, math.inf) <= SKIP_FACTOR * best]


def scipy_methods(a, b, mode, mine):
    """scipy's methods worth timing.  scipy's direct method is slower than
    convcore's (often by 10-100x) and its FFT about as fast as convcore's,
    so where convcore's direct method is estimated at more than twice its
    FFT, scipy's direct method cannot be scipy's fastest: it is not timed
    (it could take seconds per call)."""
    costs = METHODS.estimate_costs(["direct", "fft"], a, b, mode)
    if "fft" not in mine:
        return ["direct"]
    if "direct" not in mine or costs["direct"] > 2 * costs["fft"]:
        return ["fft"]
    return ["direct", "fft"]


def time_problem(a, b, mode, budget):
    """{label: median seconds} of every competitor, interleaved."""
    mine = timed_methods(a, b, mode)
    comp = {"cc:auto": lambda: convcore.convolve(a, b, mode)}
    for m in mine:
        comp[f"cc:{m}"] = lambda m=m: convcore.convolve(a, b, mode, method=m)
    comp["sp:auto"] = lambda: ss.convolve(a, b, mode)
    for m in scipy_methods(a, b, mode, mine):
        comp[f"sp:{m}"] = lambda m=m: ss.convolve(a, b, mode, method=m)
    timings = time_interleaved(comp, rounds=5, min_time=2e-3, budget=budget, min_rounds=3,
                               shuffle=0)
    return {k: t.median for k, t in timings.items()}


def regrets(times, prefix):
    """time(auto) / time(fastest method) among ``prefix``'s methods."""
    methods = [t for k, t in times.items() if k.startswith(prefix) and k != prefix + "auto"]
    return times[prefix + "auto"] / min(methods + [times[prefix + "auto"]])


def run_auto(args):
    problems = random_problems(args.problems, args.seed)
    rows = []
    for i, (s1, s2, dtype, mode) in enumerate(problems):
        a, b = make_inputs(s1, s2, dtype, i)
        times = time_problem(a, b, mode, args.budget)
        row = {"shape1": s1, "shape2": s2, "dtype": dtype, "mode": mode, "times": times,
               "cc_choice": _signal_methods.choose(a, b, mode),
               "sp_choice": ss.choose_conv_method(a, b, mode),
               "cc_regret": regrets(times, "cc:"), "sp_regret": regrets(times, "sp:"),
               "speedup": times["sp:auto"] / times["cc:auto"]}
        rows.append(row)
        print(f"{i:3} {str(s1):18} {str(s2):16} {dtype:10} {mode:5} "
              f"cc {row['cc_choice']:6} regret {row['cc_regret']:5.2f} | "
              f"sp {row['sp_choice']:6} regret {row['sp_regret']:5.2f} | "
              f"speed-up {row['speedup']:6.2f}x", flush=True)
    summarize(rows)
    return rows


def summarize(rows):
    def share(values, limit):
        return sum(v <= limit for v in values) / len(values)
    for who, key in (("convcore", "cc_regret"), ("scipy", "sp_regret")):
        r = [row[key] for row in rows]
        print(f"{who:9} auto regret: <=1.2x on {share(r, 1.2):.0%}, <=2x on {share(r, 2):.0%}, "
              f"median {median(r):.2f}, max {max(r):.2f}")
    s = [row["speedup"] for row in rows]
    print(f"speed-up of convcore.convolve over scipy.signal.convolve (both auto): geomean "
          f"{geometric_mean(s):.2f}x, min {min(s):.2f}x, median {median(s):.2f}x, "
          f"slower on {sum(v < 1 for v in s)} of {len(s)}")


def run_table(args):
    cases = [((100_000,), k) for k in (1, 3, 7, 15, 31, 63, 127, 255, 511, 1023, 4095, 16383,
                                        100_000)]
    cases += [((512, 512), k) for k in (1, 3, 5, 7, 11, 15, 21, 31, 47, 63, 127, 255, 512)]
    rows = []
    names = list(METHODS)
    print(f"{'input':12} {'kernel':12} " + " ".join(f"{m:>10}" for m in names)
          + f" {'scipy auto':>10} {'auto picks':>10} {'fastest':>8}")
    for shape, k in cases:
        kshape = (k,) * len(shape)
        a, b = make_inputs(shape, kshape, "float64")
        times = time_problem(a, b, "same", args.budget)
        cc = {m: times.get(f"cc:{m}") for m in names}
        fastest = min((t, m) for m, t in cc.items() if t is not None)[1]
        choice = _signal_methods.choose(a, b, "same")
        cells = [f"{cc[m] * 1e3:10.3f}" if cc[m] is not None else f"{'-':>10}" for m in names]
        print(f"{str(shape):12} {str(kshape):12} " + " ".join(cells)
              + f" {times['sp:auto'] * 1e3:10.3f} {choice:>10} {fastest:>8}", flush=True)
        rows.append({"shape": shape, "kernel": kshape, "times": times, "choice": choice,
                     "fastest": fastest})
    print("(milliseconds per call, float64, mode 'same')")
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=("auto", "table"))
    ap.add_argument("--problems", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--budget", type=float, default=1.0,
                    help="seconds of samples per competitor per problem")
    ap.add_argument("--json", help="write the rows here")
    args = ap.parse_args(argv)
    print(f"{cpu_model()}, SIMD {_cpu.ISA_NAMES[_dispatch.isa_level]}, "
          f"{convcore.get_num_threads()} threads")
    rows = run_auto(args) if args.what == "auto" else run_table(args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
