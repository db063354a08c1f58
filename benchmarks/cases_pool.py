"""Benchmark cases of the pooling family (issue 5), as data.

Each case: name, setup(threads) -> {'convcore': fn, 'torch': fn} (zero-argument
callables computing the same thing from the same inputs), bytes moved (read +
written once, the lower bound any implementation must move), and the target
ratio (torch time / convcore time).  float32, NCHW, same thread count for both.

Run standalone (until the shared runner takes these cases):
    python benchmarks/cases_pool.py [--threads N] [--repeat R]
prints interleaved medians, the ratio, and each case's effective bandwidth
as a fraction of the measured copy bandwidth (np.copyto of a large array).
"""
import argparse
import statistics
import time

import numpy as np

F32 = 4


def _rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape, dtype=np.float32)


def _torch(threads):
    import torch
    torch.set_num_threads(threads)
    return torch


def _maxpool_k3s2p1(threads):
    import convcore.nn as nn
    torch = _torch(threads)
    x = _rand((8, 64, 112, 112))
    tx = torch.from_numpy(x)
    return {"convcore": lambda: nn.max_pool2d(x, 3, 2, 1),
            "torch": lambda: torch.nn.functional.max_pool2d(tx, 3, 2, 1)}


def _avgpool_k2s2(threads):
    import convcore.nn as nn
    torch = _torch(threads)
    x = _rand((8, 64, 112, 112))
    tx = torch.from_numpy(x)
    return {"convcore": lambda: nn.avg_pool2d(x, 2, 2),
            "torch": lambda: torch.nn.functional.avg_pool2d(tx, 2, 2)}


def _adaptive_avg_1x1(threads):
    import convcore.nn as nn
    torch = _torch(threads)
    x = _rand((8, 2048, 7, 7))
    tx = torch.from_numpy(x)
    return {"convcore": lambda: nn.adaptive_avg_pool2d(x, 1),
            "torch": lambda: torch.nn.functional.adaptive_avg_pool2d(tx, 1)}


def _maxpool_k2s2_idx(threads):
    import convcore.nn as nn
    torch = _torch(threads)
    x = _rand((8, 64, 112, 112))
    tx = torch.from_numpy(x)
    return {"convcore": lambda: nn.max_pool2d(x, 2, 2, return_indices=True),
            "torch": lambda: torch.nn.functional.max_pool2d(tx, 2, 2, return_indices=True)}


def _maxpool_k3s2p1_grad(threads):
    """dL/dx from (grad_output, x): torch needs its forward with indices and
    the backward op; convcore recomputes the argmax inside its backward."""
    import convcore.nn as nn
    torch = _torch(threads)
    x = _rand((8, 64, 112, 112))
    g = _rand((8, 64, 56, 56), seed=1)
    tx, tg = torch.from_numpy(x), torch.from_numpy(g)

    def torch_grad():
        _, idx = torch.ops.aten.max_pool2d_with_indices(tx, [3, 3], [2, 2], [1, 1], [1, 1], False)
        return torch.ops.aten.max_pool2d_with_indices_backward(
            tg, tx, [3, 3], [2, 2], [1, 1], [1, 1], False, idx)

    return {"convcore": lambda: nn.grad.max_pool2d(g, x, 3, 2, 1),
            "torch": torch_grad}


_BIG = 8 * 64 * 112 * 112 * F32
_HALF = 8 * 64 * 56 * 56 * F32
CASES = [
    # name, setup, bytes moved (read + write), target ratio vs torch
    ("max_pool2d k3 s2 p1 8x64x112x112", _maxpool_k3s2p1, _BIG + _HALF, 3.0),
    ("avg_pool2d k2 s2 8x64x112x112", _avgpool_k2s2, _BIG + _HALF, 3.0),
    ("adaptive_avg_pool2d 1x1 8x2048x7x7", _adaptive_avg_1x1,
     8 * 2048 * 49 * F32 + 8 * 2048 * F32, 3.0),
    ("max_pool2d k2 s2 indices 8x64x112x112", _maxpool_k2s2_idx,
     _BIG + _HALF + 2 * _HALF, 3.0),  # int64 indices: twice the float output
    # reads x and grad_output, writes grad_input
    ("grad max_pool2d k3 s2 p1 8x64x112x112", _maxpool_k3s2p1_grad, 2 * _BIG + _HALF, 3.0),
]


def copy_bandwidth(nbytes=256 << 20, repeat=7):
    """Bytes per second of np.copyto on a large array (read + write)."""
    src = np.ones(nbytes // 8)
    dst = np.empty_like(src)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        np.copyto(dst, src)
        times.append(time.perf_counter() - t)
    return 2 * nbytes / min(times)


def run(threads, repeat, names=None):
    import convcore
    convcore.set_num_threads(threads)
    bw = copy_bandwidth()
    print(f"threads={threads}  copy bandwidth {bw / 1e9:.1f} GB/s")
    rows = []
    for name, setup, nbytes, target in CASES:
        if names and not any(n in name for n in names):
            continue
        fns = setup(threads)
        for fn in fns.values():  # warm up
            fn()
        times = {k: [] for k in fns}
        for _ in range(repeat):  # interleaved
            for k, fn in fns.items():
                t = time.perf_counter()
                fn()
                times[k].append(time.perf_counter() - t)
        med = {k: statistics.median(v) for k, v in times.items()}
        ratio = med["torch"] / med["convcore"]
        frac = nbytes / med["convcore"] / bw
        rows.append((name, med["convcore"], med["torch"], ratio, frac, target))
        print(f"{name:40s} convcore {med['convcore'] * 1e3:8.3f} ms  torch "
              f"{med['torch'] * 1e3:8.3f} ms  x{ratio:5.2f}  bw {100 * frac:5.1f}% of copy")
    if rows:
        gm = float(np.exp(np.mean([np.log(r[3]) for r in rows])))
        print(f"geometric mean speed-up x{gm:.2f}")
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=21)
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    run(a.threads, a.repeat, a.names)
