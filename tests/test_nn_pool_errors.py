"""Bad input to the pooling ops raises what torch raises in meaning
(ValueError for a bad value, TypeError for a bad type where torch raises
RuntimeError), with a message naming the argument and its value."""
import numpy as np
import pytest

import convcore.nn as nn

X2 = np.zeros((1, 2, 6, 6), np.float32)
X1 = np.zeros((1, 2, 6), np.float32)

CASES = [
    # (call, exception, words the message must contain)
    (lambda: nn.max_pool2d(X2, 3, 1, 2), ValueError, ["padding", "2"]),
    (lambda: nn.avg_pool2d(X2, 2, 1, 2), ValueError, ["padding", "kernel_size"]),
    (lambda: nn.max_pool1d(X1, 3, 1, 2, 2), ValueError, ["padding"]),
    (lambda: nn.max_pool2d(X2, 0), ValueError, ["kernel_size", "0"]),
    (lambda: nn.max_pool2d(X2, -1), ValueError, ["kernel_size", "-1"]),
    (lambda: nn.max_pool2d(X2, 2, 0), ValueError, ["stride", "0"]),
    (lambda: nn.avg_pool1d(X1, 2, -1), ValueError, ["stride", "-1"]),
    (lambda: nn.max_pool2d(X2, 2, 1, 0, 0), ValueError, ["dilation", "0"]),
    (lambda: nn.max_pool2d(X2, 2, 1, -1), ValueError, ["padding", "-1"]),
    (lambda: nn.max_pool2d(X2, 7), ValueError, ["output size", "kernel_size=(7, 7)"]),
    (lambda: nn.max_pool2d(X2, 3, 1, 0, 3), ValueError, ["output size", "dilation=(3, 3)"]),
    (lambda: nn.avg_pool3d(np.zeros((1, 1, 2, 6, 6)), 3), ValueError, ["output size"]),
    (lambda: nn.avg_pool2d(X2, 2, divisor_override=0), ValueError, ["divisor_override=0"]),
    (lambda: nn.avg_pool2d(X2, 2, divisor_override=1.5), TypeError, ["divisor_override=1.5"]),
    (lambda: nn.adaptive_avg_pool2d(X2, (-1, 2)), ValueError, ["output_size", "-1"]),
    (lambda: nn.adaptive_max_pool1d(X1, -3), ValueError, ["output_size", "-3"]),
    (lambda: nn.adaptive_avg_pool2d(X2, (2, 2.5)), TypeError, ["output_size"]),
    (lambda: nn.lp_pool2d(X2, 0, 2), ValueError, ["norm_type", "0"]),
    (lambda: nn.lp_pool1d(X1, "2", 2), TypeError, ["norm_type", "'2'"]),
    (lambda: nn.max_pool2d(X2.astype(np.int64), 2), TypeError, ["dtype", "int64"]),
    (lambda: nn.avg_pool2d(X2.astype(np.float16), 2), TypeError, ["dtype", "float16"]),
    (lambda: nn.adaptive_avg_pool2d(X2.astype(np.complex64), 1), TypeError, ["dtype"]),
    (lambda: nn.lp_pool2d(X2.astype(np.int32), 2, 2), TypeError, ["dtype", "int32"]),
    (lambda: nn.max_pool2d(np.zeros((2, 2)), 2), ValueError, ["shape", "(2, 2)"]),
    (lambda: nn.max_pool2d(np.zeros((1, 0, 4, 4)), 2), ValueError, ["shape", "non-zero"]),
    (lambda: nn.max_pool2d(X2, 2.0), TypeError, ["kernel_size", "2.0"]),
    (lambda: nn.max_pool2d(X2, (2, 2, 2)), ValueError, ["kernel_size", "(2, 2, 2)"]),
    (lambda: nn.max_pool2d(X2, 2, padding=True), TypeError, ["padding", "True"]),
    # max_unpool2d: output_size outside what the pooling could have come from
    (lambda: nn.max_unpool2d(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 3, 3), np.int64), 2,
                             output_size=(8, 6)), ValueError, ["output_size", "(8, 6)"]),
    (lambda: nn.max_unpool2d(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 3, 3), np.int64), 2,
                             output_size=(4, 6)), ValueError, ["output_size", "(4, 6)"]),
    (lambda: nn.max_unpool2d(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 3, 3), np.int64), 2,
                             output_size=(6, 6, 6)), ValueError, ["output_size"]),
    (lambda: nn.max_unpool2d(np.zeros((1, 1, 3, 3)), np.full((1, 1, 3, 3), 36), 2),
     ValueError, ["index", "36"]),
    (lambda: nn.max_unpool2d(np.zeros((1, 1, 3, 3)), np.full((1, 1, 3, 3), -1), 2),
     ValueError, ["index", "-1"]),
    (lambda: nn.max_unpool2d(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 3, 3), np.int32), 2),
     TypeError, ["indices", "int32"]),
    (lambda: nn.max_unpool2d(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 3, 2), np.int64), 2),
     ValueError, ["indices", "(1, 1, 3, 2)"]),
    # gradients: grad_output must have the forward output's shape and dtype
    (lambda: nn.grad.max_pool2d(np.zeros((1, 2, 3, 4), np.float32), X2, 2), ValueError,
     ["grad_output", "(1, 2, 3, 4)", "(1, 2, 3, 3)"]),
    (lambda: nn.grad.avg_pool1d(np.zeros((1, 2, 4), np.float32), X1, 2), ValueError,
     ["grad_output", "(1, 2, 4)"]),
    (lambda: nn.grad.max_pool2d(np.zeros((1, 2, 3, 3)), X2, 2), TypeError,
     ["grad_output", "float64"]),
    (lambda: nn.grad.avg_pool2d(np.zeros((1, 2, 3, 3), np.float32), X2, 2, divisor_override=0),
     ValueError, ["divisor_override=0"]),
    (lambda: nn.grad.max_pool3d(np.zeros((1, 1, 1, 1, 1)), np.zeros((1, 1, 2, 2, 2), int), 2),
     TypeError, ["dtype"]),
]


@pytest.mark.parametrize("call,exc,words", CASES)
def test_errors(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for w in words:
        assert w in str(info.value), (w, str(info.value))


TORCH_RAISES = [
    ("max_pool2d", (X2, 3, 1, 2)), ("max_pool2d", (X2, 0)), ("max_pool2d", (X2, 2, 0)),
    ("max_pool2d", (X2, 7)), ("max_pool2d", (X2, 3, 1, 0, 3)), ("avg_pool2d", (X2, 2, 1, 2)),
    ("max_pool1d", (X1, 3, 1, 2, 2)), ("adaptive_avg_pool2d", (X2, (-1, 2))),
]


@pytest.mark.parametrize("name,args", TORCH_RAISES)
def test_torch_rejects_the_same(name, args):
    torch = pytest.importorskip("torch")
    targs = (torch.from_numpy(args[0]),) + args[1:]
    with pytest.raises(RuntimeError):
        getattr(torch.nn.functional, name)(*targs)
    with pytest.raises(ValueError):
        getattr(nn, name)(*args)


def test_unpool_range_matches_torch():
    torch = pytest.importorskip("torch")
    x, i = np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 3, 3), np.int64)
    for size in [(5, 6), (6, 6), (7, 7), (4, 6), (8, 6)]:
        try:
            torch.nn.functional.max_unpool2d(torch.from_numpy(x), torch.from_numpy(i), 2,
                                             output_size=size)
            ok = True
        except (ValueError, RuntimeError):
            ok = False
        if ok:
            assert nn.max_unpool2d(x, i, 2, output_size=size).shape[-2:] == size
        else:
            with pytest.raises(ValueError):
                nn.max_unpool2d(x, i, 2, output_size=size)
