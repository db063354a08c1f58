"""Where the FFT engine's pruned N-D transforms start to pay
(``convcore._spectral.PRUNE_MIN_POINTS``).

Usage (from the repository root)::

    python benchmarks/fft_prune.py

Times ``convcore.fftconvolve`` of 2-D and 3-D problems in float32, float64
and complex128 with the pruned path forced on and off (best of 15 loops,
the two interleaved three times), and prints the ratio pruned / whole per
problem and its median per range of transform points.
"""
import math
import statistics

import numpy as np

from run import import_convcore

convcore = import_convcore()
from convcore import _spectral  # noqa: E402
from convcore.bench._timing import best_of  # noqa: E402
from convcore._geometry import crop_window  # noqa: E402


def problems():
    out = [((n, n), (k, k)) for n in (48, 64, 90, 128, 181, 256, 362) for k in (3, n // 4)]
    out += [((n,) * 3, (k,) * 3) for n in (16, 24, 32, 40, 50, 64) for k in (3, n // 3)]
    return out


def main():
    rng = np.random.default_rng(0)
    rows = []
    for s1, s2 in problems():
        for dt in ("f8", "f4", "c16"):
            a, b = rng.standard_normal(s1).astype(dt), rng.standard_normal(s2).astype(dt)
            axes = list(range(len(s1)))
            plan = _spectral.Plan(s1, s2, axes, crop_window("full", s1, s2, axes), np.dtype(dt))
            points = math.prod(plan.lengths)
            res = {"whole": [], "pruned": []}
            saved = _spectral.PRUNE_MIN_POINTS
            try:
                for name, threshold in (("whole", 1 << 62), ("pruned", 0)) * 3:
                    _spectral.PRUNE_MIN_POINTS = threshold
                    res[name].append(best_of(lambda: convcore.fftconvolve(a, b), 15, min_time=1e-3))
            finally:
                _spectral.PRUNE_MIN_POINTS = saved
            w, p = min(res["whole"]), min(res["pruned"])
            rows.append((points, p / w))
            print(f"{dt:4} {str(s1):15} {str(s2):12} {points:8d} points: whole {w * 1e6:9.1f} us"
                  f", pruned {p * 1e6:9.1f} us, {p / w:.2f}", flush=True)
    for lo, hi in ((0, 1 << 14), (1 << 14, 1 << 15), (1 << 15, 1 << 16), (1 << 16, 1 << 17),
                   (1 << 17, 1 << 40)):
        r = [q for points, q in rows if lo <= points < hi]
        if r:
            print(f"points in [{lo}, {hi}): {len(r)} problems, median pruned/whole "
                  f"{statistics.median(r):.2f}, worst {max(r):.2f}")


if __name__ == "__main__":
    main()
