"""Fit the constants of the layer convolutions' cost model (``method='auto'``
of ``convcore.nn.convNd``).

Usage (from the repository root, on a quiet machine)::

    python benchmarks/calibrate_nn.py                # fit and print the fit quality
    python benchmarks/calibrate_nn.py --write        # ... and rewrite convcore/nn/_conv_cost_table.py
    python benchmarks/calibrate_nn.py --quick        # fewer problems (a rough table)
    python benchmarks/calibrate_nn.py --dweight ...  # the weight gradient's table instead
                                                     # (convcore/nn/_conv_dweight_cost_table.py)
    python benchmarks/calibrate_nn.py --only winograd --write   # one method's rows, the
                                                     # others kept

Every registered method is timed through ``convcore.nn.convNd(...,
method=m)`` (the public path) on a grid of layers: ranks 1 to 3, channel
counts from 1 to 256, kernels from 1 to 31 taps per axis, strides 1 and 2,
dilation, grouped and depthwise layers, float32 and float64.  The
constants of each (method, dtype class) are fitted as in ``calibrate.py``
(non-negative least squares on relative error).  With ``--dweight`` the
methods of the weight gradient (``convcore.nn._conv_dweight.METHODS``) are
timed on the same grid through ``convcore.nn.grad.convNd_weight``.
"""
import sys

import numpy as np

from calibrate import run, seconds
import convcore  # noqa: E402  (calibrate put the build on the path)
from convcore.nn import _conv  # noqa: E402
from convcore.nn import _conv_cost_table, _conv_dweight, _conv_dweight_cost_table  # noqa: E402
from convcore.nn._conv_methods import METHODS  # noqa: E402

# Work limits per timed call: beyond these a method is far from
# competitive and only slows the calibration down.
MAX_MACS = 2e9          # direct and im2col multiply-adds
MAX_FFT_ELEMENTS = 4e7  # spectral elements held by the FFT method

CLASS_DTYPES = {"f4": np.float32, "f8": np.float64}


def layers(quick):
    """(rank, N, C_in, C_out, spatial, kernel, stride, padding, dilation,
    groups) of the grid."""
    out = []
    sizes = {1: [64, 512, 4096], 2: [7, 14, 28, 56, 112], 3: [8, 16, 32]}
    kernels = {1: [1, 3, 9, 31], 2: [1, 3, 5, 7, 15], 3: [1, 3, 5]}
    channels = [(1, 8), (3, 32), (16, 16), (64, 64), (128, 256), (256, 64)]
    if quick:
        sizes = {1: [512], 2: [14, 56], 3: [16]}
        kernels = {1: [3, 31], 2: [1, 3, 7], 3: [3]}
        channels = [(3, 32), (64, 64)]
    for rank, ns in sizes.items():
        for n in ns:
            for k in kernels[rank]:
                if k > n:
                    continue
                for i, (cin, cout) in enumerate(channels):
                    batch = 8 if n ** rank <= 56 * 56 else 2
                    stride = 2 if (i + k) % 4 == 0 and k > 1 else 1
                    out.append((rank, batch, cin, cout, n, k, stride, k // 2, 1, 1))
                # grouped, depthwise (with a multiplier) and dilated layers
                out.append((rank, 4, 32, 32, n, k, 1, k // 2, 1, 4))
                out.append((rank, 4, 64, 64, n, k, 1, k // 2, 1, 64))
                out.append((rank, 4, 32, 64, n, k, 1, k // 2, 1, 32))
                if 2 * (k - 1) + 1 <= n and k > 1:
                    out.append((rank, 4, 16, 16, n, k, 1, k - 1, 2, 1))
    return out


def not_timed(method, spec, feats):
    """Skip problems far beyond where the method competes (``feats[3]``:
    the FFT method's spectral elements)."""
    if method == "fft":
        return feats[3] > MAX_FFT_ELEMENTS
    return spec.macs > MAX_MACS


def measure_op(quick, log, only, registry, call):
    """{(method, cls): [(features, seconds, layer), ...]} of the methods of
    ``registry`` (those in ``only`` unless it is None), each timed by
    ``call(rank, method, arrays, layer)`` on the arrays (x, w, b,
    grad_output) of every layer of the grid the method can run."""
    rng = np.random.default_rng(0)
    data = {}
    for cls, dtype in CLASS_DTYPES.items():
        for layer in layers(quick):
            rank, batch, cin, cout, n, k, s, p, d, g = layer
            x = rng.standard_normal((batch, cin) + (n,) * rank).astype(dtype)
            w = rng.standard_normal((cout, cin // g) + (k,) * rank).astype(dtype)
            b = rng.standard_normal(cout).astype(dtype)
            *_, spec, _ = _conv.conv_problem(rank, "calibrate", x, w, b, s, p, d, g, "zeros")
            dy = rng.standard_normal(spec.out_shape[:2] + spec.out_size[3 - rank:])
            arrays = (x, w, b, dy.astype(dtype))
            for m in registry.candidates(spec):
                if only is not None and m not in only:
                    continue
                row, feats = registry[m].features(spec)
                if row[0] != m or not_timed(m, spec, feats):
                    continue
                t = seconds(lambda: call(rank, m, arrays, layer), 3 if quick else 5)
                data.setdefault(row, []).append((feats, t, layer))
                log(f"{cls:4} {m:7} {str(layer):48} {t * 1e3:10.4f} ms")
    return data


def _forward(rank, m, arrays, layer):
    x, w, b, _ = arrays
    getattr(convcore.nn, f"conv{rank}d")(x, w, b, *layer[6:9], layer[9], method=m)


def _weight_gradient(rank, m, arrays, layer):
    x, w, _, dy = arrays
    getattr(convcore.nn.grad, f"conv{rank}d_weight")(x, w.shape, dy, *layer[6:9], layer[9],
                                                     method=m)


def measure(quick, log, only):
    return measure_op(quick, log, only, METHODS, _forward)


def measure_dweight(quick, log, only):
    return measure_op(quick, log, only, _conv_dweight.METHODS, _weight_gradient)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--dweight" in argv:
        argv.remove("--dweight")
        return run(argv, __doc__, measure_dweight, "convcore/nn/_conv_dweight_cost_table.py",
                   _conv_dweight_cost_table.COSTS,
                   what="the layer convolutions' weight gradient ``method='auto'``",
                   script="calibrate_nn.py --dweight", registry="nn._conv_dweight.METHODS")
    return run(argv, __doc__, measure, "convcore/nn/_conv_cost_table.py",
               _conv_cost_table.COSTS,
               what="the layer convolutions' ``method='auto'``", script="calibrate_nn.py",
               registry="nn._conv_methods.METHODS")


if __name__ == "__main__":
    sys.exit(main())
