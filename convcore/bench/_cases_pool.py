"""Section ``pool``: convcore.nn pooling against torch (issue 5), float32
NCHW, standard normal inputs (fixed seeds), torch set to convcore's thread
count.  torch is optional: without it the torch rows read ``not installed``.

Targets (the issue): at least 3x torch in geometric mean over the section
(``GEOMEAN_TARGETS``, in the run's summary), none below 1.5x, and convcore at
least half the copy bandwidth (copy(a): a copy of the size of the inputs).

``bytes`` is what any implementation must move: the inputs read once plus
the outputs written once (int64 indices counted where they are an output).
``flops`` counts one operation (compare or add) per window element of each
pooled output (the gradient: its argmax plus one add per grad_output
element); pooling is memory-bound, GB/s is the column that matters.
"""
import math

import numpy as np

from ._runner import Case, Missing, optional_import

SUITE = "pool"
ORDER = 20
GEOMEAN_TARGETS = {"torch": 3.0}

F32, I64 = 4, 8
X = (8, 64, 112, 112)
HALF = (8, 64, 56, 56)          # X pooled with stride 2


def _torch():
    torch = optional_import("torch")
    if not isinstance(torch, Missing):
        import convcore
        torch.set_num_threads(convcore.get_num_threads())
    return torch


def _torch_max_pool_grad(torch, grad_output, x):
    """torch's dL/dx from (grad_output, x): forward with indices + backward
    (convcore recomputes the argmax inside its backward)."""
    aten = torch.ops.aten
    _, idx = aten.max_pool2d_with_indices(x, [3, 3], [2, 2], [1, 1], [1, 1], False)
    return aten.max_pool2d_with_indices_backward(grad_output, x, [3, 3], [2, 2], [1, 1],
                                                 [1, 1], False, idx)


def _case(name, title, shapes, cc, peer, tc, *, flops, out_nbytes):
    """``cc(nn, *arrays)`` (convcore) against ``tc(torch, *tensors)``, on
    random float32 arrays of ``shapes``; ``out_nbytes``: bytes written."""
    in_nbytes = F32 * sum(math.prod(s) for s in shapes)

    def setup():
        import convcore.nn as nn
        arrays = [np.random.default_rng(seed).standard_normal(s, dtype=np.float32)
                  for seed, s in enumerate(shapes)]
        competitors = {"convcore": lambda: cc(nn, *arrays)}
        torch = _torch()
        if isinstance(torch, Missing):
            competitors[peer] = torch
        else:
            tensors = [torch.from_numpy(a) for a in arrays]
            competitors[peer] = lambda: tc(torch, *tensors)
        return competitors

    return Case(name=name, section="pool", title=title, setup=setup, flops=flops,
                bytes=in_nbytes + out_nbytes, dtype="float32", input_nbytes=in_nbytes,
                targets={peer: 1.5}, bandwidth_target=0.5)


N, NH = math.prod(X), math.prod(HALF)

CASES = [
    _case("maxpool2d_k3s2p1_f32", "max_pool2d k3 s2 p1, 8x64x112x112", [X],
          lambda nn, x: nn.max_pool2d(x, 3, 2, 1),
          "torch max_pool2d", lambda t, x: t.nn.functional.max_pool2d(x, 3, 2, 1),
          flops=9 * NH, out_nbytes=F32 * NH),
    _case("avgpool2d_k2s2_f32", "avg_pool2d k2 s2, 8x64x112x112", [X],
          lambda nn, x: nn.avg_pool2d(x, 2, 2),
          "torch avg_pool2d", lambda t, x: t.nn.functional.avg_pool2d(x, 2, 2),
          flops=4 * NH, out_nbytes=F32 * NH),
    _case("adaptive_avgpool2d_1x1_f32", "adaptive_avg_pool2d to 1x1, 8x2048x7x7",
          [(8, 2048, 7, 7)], lambda nn, x: nn.adaptive_avg_pool2d(x, 1),
          "torch adaptive_avg_pool2d", lambda t, x: t.nn.functional.adaptive_avg_pool2d(x, 1),
          flops=49 * 8 * 2048, out_nbytes=F32 * 8 * 2048),
    _case("maxpool2d_k2s2_indices_f32", "max_pool2d k2 s2 return_indices, 8x64x112x112", [X],
          lambda nn, x: nn.max_pool2d(x, 2, 2, return_indices=True),
          "torch max_pool2d(indices)",
          lambda t, x: t.nn.functional.max_pool2d(x, 2, 2, return_indices=True),
          flops=4 * NH, out_nbytes=(F32 + I64) * NH),        # values + int64 indices
    # reads grad_output and x, writes grad_input (x's shape); torch runs its
    # forward with indices then its backward, convcore one backward
    _case("maxpool2d_k3s2p1_grad_f32", "max_pool2d k3 s2 p1 gradient, 8x64x112x112",
          [HALF, X], lambda nn, g, x: nn.grad.max_pool2d(g, x, 3, 2, 1),
          "torch max_pool2d fwd+bwd", _torch_max_pool_grad,
          flops=9 * NH + NH, out_nbytes=F32 * N),
]
