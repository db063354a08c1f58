"""Section ``local``: the locally connected convolution and its gradients
(``convcore.nn.local_conv2d``, ``convcore.nn.grad.local_conv2d_input`` and
``local_conv2d_weight``), float32, standard normal data (fixed seeds).

They are bound by the weight, one 3x3 filter bank per output position: x
(8, 64, 28, 28), 64 output channels, no padding, weight (26, 26, 64, 64,
3, 3) float32, 106 MB.  Target (the issue): stream it at >= 50% of the
copy bandwidth (``bandwidth_target``; copy(a) copies a buffer of the
weight's size, read and write counted).  ``bytes`` is what any
implementation must move: the weight once (read; written by the weight
gradient), the input or output gradient read and the result written once.

No library has these ops; the forward has a NumPy peer (``np.einsum`` over
the windows of ``sliding_window_view``), which cross-checks its outputs.
"""
import math

import numpy as np

from ._runner import Case

SUITE = "nn"
ORDER = 40
F32 = 4
N, C_IN, C_OUT, SIZE, K = 8, 64, 64, 28, 3
OUT = SIZE - K + 1
X = (N, C_IN, SIZE, SIZE)
W = (OUT, OUT, C_OUT, C_IN, K, K)
Y = (N, C_OUT, OUT, OUT)
MACS = N * C_OUT * OUT * OUT * C_IN * K * K


def _arrays(*shapes):
    return [np.random.default_rng(seed).standard_normal(s, dtype=np.float32)
            for seed, s in enumerate(shapes)]


def _numpy_local_conv2d(x, w):
    windows = np.lib.stride_tricks.sliding_window_view(x, (K, K), axis=(2, 3))
    return np.einsum("nchwij,hwocij->nohw", windows, w, optimize=True)


def _case(name, title, call, shapes, nbytes, peer=None):
    def setup():
        import convcore.nn as nn
        arrays = _arrays(*shapes)
        competitors = {"convcore": lambda: call(nn, *arrays)}
        if peer is not None:
            competitors["numpy einsum"] = lambda: peer(*arrays)
        return competitors

    return Case(name=name, section="local", title=title, setup=setup, flops=2 * MACS,
                bytes=nbytes, dtype="float32", input_nbytes=F32 * math.prod(W),
                bandwidth_target=0.5, quick=False)


CASES = [
    _case("local_conv2d_3x3_64to64_28_n8", "local_conv2d 3x3, 64->64, 28x28, N=8 (106 MB weight)",
          lambda nn, x, w: nn.local_conv2d(x, w), [X, W],
          F32 * (math.prod(X) + math.prod(W) + math.prod(Y)), peer=_numpy_local_conv2d),
    _case("local_conv2d_input_3x3_64to64_28_n8",
          "local_conv2d input gradient 3x3, 64->64, 28x28, N=8",
          lambda nn, w, g: nn.grad.local_conv2d_input(X, w, g), [W, Y],
          F32 * (math.prod(W) + math.prod(Y) + math.prod(X))),
    _case("local_conv2d_weight_3x3_64to64_28_n8",
          "local_conv2d weight gradient 3x3, 64->64, 28x28, N=8",
          lambda nn, x, g: nn.grad.local_conv2d_weight(x, W, g), [X, Y],
          F32 * (math.prod(X) + math.prod(Y) + math.prod(W))),
]
