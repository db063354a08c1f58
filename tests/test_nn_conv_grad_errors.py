"""Bad arguments of convcore.nn.conv_transpose1d/2d/3d and of
convcore.nn.grad.convNd_input, convNd_weight and conv_bias: a ValueError or
TypeError whose message names the argument and its value (torch's
RuntimeError is ValueError for a bad value, TypeError for a bad type),
never a crash.  Impossible sizes are in test_impossible_sizes (child
processes under an address-space cap)."""
import numpy as np
import pytest

import convcore.nn as nn
from _conv_ref import raises

try:
    import torch
except ImportError:
    torch = None

TRANSPOSE_METHODS = ["auto", "direct", "im2col", "fft"]
INPUT_METHODS = ["auto", "direct", "im2col", "fft"]
WEIGHT_METHODS = ["auto", "direct", "im2col"]




def _fn(module, name):
    if not hasattr(module, name):
        pytest.skip(f"{name} is not in this build")
    return getattr(module, name)


# Each rank: x (1, 2, *4s), a transposed weight (2, 3, *2s) (2 -> 3
# channels), a forward weight (4, 2, *3s) and its grad_output of x (1, 4,
# *2s).
def _arrays(rank):
    x = np.ones((1, 2) + (4,) * rank, np.float32)
    wt = np.ones((2, 3) + (2,) * rank, np.float32)
    w = np.ones((4, 2) + (3,) * rank, np.float32)
    go = np.ones((1, 4) + (2,) * rank, np.float32)
    return x, wt, w, go


def _expand(value, rank):
    """'LAST:<v>:<fill>': a per-axis tuple with v on the last axis and fill
    on the others; 'LONG': a tuple one axis too long."""
    if isinstance(value, str) and value.startswith("LAST:"):
        _, v, fill = value.split(":")
        return (int(fill),) * (rank - 1) + (int(v),)
    if value == "LONG":
        return (1,) * (rank + 1)
    return value


# -- conv_transpose ------------------------------------------------------------------

# (id, exception, words the message holds, kwargs beyond x, weight)
TRANSPOSE_BAD = [
    ("stride-0", ValueError, ["stride", "0"], dict(stride=0)),
    ("stride-negative", ValueError, ["stride", "-2"], dict(stride=-2)),
    ("stride-tuple-0", ValueError, ["stride", "0"], dict(stride="LAST:0:1")),
    ("stride-wrong-length", ValueError, ["stride"], dict(stride="LONG")),
    ("dilation-0", ValueError, ["dilation", "0"], dict(dilation=0)),
    ("dilation-negative", ValueError, ["dilation", "-1"], dict(dilation=-1)),
    ("padding-negative", ValueError, ["padding", "-1"], dict(padding=-1)),
    ("padding-tuple-negative", ValueError, ["padding", "-3"], dict(padding="LAST:-3:0")),
    ("output_padding-negative", ValueError, ["output_padding", "-1"],
     dict(output_padding=-1)),
    ("output_padding-equal-to-stride", ValueError, ["output_padding", "2"],
     dict(stride=2, output_padding=2)),
    ("output_padding-past-stride-and-dilation", ValueError, ["output_padding", "3"],
     dict(stride=2, dilation=3, output_padding=3)),
    ("output_padding-at-stride-1", ValueError, ["output_padding", "1"],
     dict(output_padding=1)),
    ("output_padding-one-axis", ValueError, ["output_padding", "2"],
     dict(stride=2, output_padding="LAST:2:0")),
    ("output_padding-wrong-length", ValueError, ["output_padding"],
     dict(stride=2, output_padding="LONG")),
    ("groups-0", ValueError, ["groups", "0"], dict(groups=0)),
    ("groups-negative", ValueError, ["groups", "-2"], dict(groups=-2)),
    ("groups-not-dividing", ValueError, ["groups", "3"], dict(groups=3)),
    ("method", ValueError, ["method", "'fastest'"], dict(method="fastest")),
    ("method-none", ValueError, ["method", "None"], dict(method=None)),
    ("method-case", ValueError, ["method", "'FFT'"], dict(method="FFT")),
    ("winograd", ValueError, ["method", "'winograd'"], dict(method="winograd")),
    ("stride-float", TypeError, ["stride", "1.5"], dict(stride=1.5)),
    ("stride-none", TypeError, ["stride", "None"], dict(stride=None)),
    ("padding-float", TypeError, ["padding", "1.0"], dict(padding=1.0)),
    ("output_padding-float", TypeError, ["output_padding", "0.5"], dict(output_padding=0.5)),
    ("dilation-string", TypeError, ["dilation", "'2'"], dict(dilation="2")),
    ("groups-float", TypeError, ["groups", "1.0"], dict(groups=1.0)),
    ("groups-bool", TypeError, ["groups", "True"], dict(groups=True)),
    ("groups-none", TypeError, ["groups", "None"], dict(groups=None)),
]


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("name,exc,words,kwargs", TRANSPOSE_BAD,
                         ids=[c[0] for c in TRANSPOSE_BAD])
def test_transpose_bad_arguments(name, exc, words, kwargs, rank):
    f = _fn(nn, f"conv_transpose{rank}d")
    x, wt, _, _ = _arrays(rank)
    kwargs = {k: _expand(v, rank) for k, v in kwargs.items()}
    exact = name.startswith(("method", "winograd"))
    raises(exc, words, f, x, wt, exact=exact, **kwargs)


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_transpose_output_padding_below_either_is_accepted(rank):
    """torch's rule: below the stride or below the dilation, per axis."""
    f = _fn(nn, f"conv_transpose{rank}d")
    x, wt, _, _ = _arrays(rank)
    assert f(x, wt, dilation=3, output_padding=2).shape == (1, 3) + (3 + 3 + 2 + 1,) * rank
    assert f(x, wt, stride=3, output_padding=2).shape == (1, 3) + (9 + 1 + 2 + 1,) * rank
    assert f(x, wt, stride=2, dilation=4, output_padding=3).shape[2:] == (14,) * rank


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_transpose_winograd_covers_stride_one_3_taps_in_1d_and_2d(rank):
    """Where it does not cover the problem, a ValueError with the reason;
    the other methods still run it."""
    f = _fn(nn, f"conv_transpose{rank}d")
    x = np.ones((1, 2) + (6,) * rank)
    w = np.ones((2, 2) + (3,) * rank)
    if rank < 3:
        assert f(x, w, method="winograd").shape == (1, 2) + (8,) * rank
    else:
        raises(ValueError, ["winograd", "conv3d"], f, x, w, method="winograd", exact=True)
    raises(ValueError, ["winograd", "stride"], f, x, w, stride=2, method="winograd",
           exact=True)
    for method in TRANSPOSE_METHODS:
        assert f(x, w, stride=2, method=method).shape == (1, 2) + (13,) * rank


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_weight_gradient_has_no_winograd_method(rank):
    f = _fn(nn.grad, f"conv{rank}d_weight")
    x, _, w, go = _arrays(rank)
    raises(ValueError, ["method", "'winograd'"], f, x, w.shape, go, method="winograd",
           exact=True)


X2 = np.ones((1, 2, 4, 4), np.float32)
WT2 = np.ones((2, 3, 2, 2), np.float32)

TRANSPOSE_SHAPE_ERRORS = [  # (id, rank, x, weight, kwargs, exception, words)
    ("weight-channels", 2, X2, np.ones((3, 3, 2, 2), np.float32), {}, ValueError,
     ["weight", "(3, 3, 2, 2)"]),
    ("weight-channels-groups", 2, np.ones((1, 4, 4, 4)), np.ones((2, 3, 2, 2)),
     dict(groups=2), ValueError, ["weight", "(2, 3, 2, 2)"]),
    ("weight-rank-low", 2, X2, np.ones((2, 3, 2)), {}, ValueError, ["weight", "(2, 3, 2)"]),
    ("weight-rank-high", 1, np.ones((1, 2, 4)), np.ones((2, 3, 2, 2)), {}, ValueError,
     ["weight", "(2, 3, 2, 2)"]),
    ("input-rank-low", 2, np.ones((4, 4)), WT2, {}, ValueError, ["input", "(4, 4)"]),
    ("input-rank-high", 2, np.ones((1, 1, 2, 4, 4)), WT2, {}, ValueError,
     ["input", "(1, 1, 2, 4, 4)"]),
    ("input-0d", 2, np.array(1.0), WT2, {}, ValueError, ["input", "()"]),
    ("bias-length", 2, X2, WT2, dict(bias=np.ones(2, np.float32)), ValueError,
     ["bias", "(2,)"]),
    ("bias-length-groups", 2, np.ones((1, 4, 4, 4)), np.ones((4, 3, 2, 2)),
     dict(bias=np.ones(3), groups=2), ValueError, ["bias", "(3,)"]),
    ("bias-2d", 2, X2, WT2, dict(bias=np.ones((3, 1), np.float32)), ValueError,
     ["bias", "(3, 1)"]),
    ("empty-output", 2, X2, WT2, dict(padding=3), ValueError, ["output"]),
    ("empty-output-one-axis", 3, np.ones((1, 2, 4, 4, 4)), np.ones((2, 3, 2, 2, 2)),
     dict(padding=(0, 0, 3)), ValueError, ["output"]),
    ("empty-channels", 2, np.ones((1, 0, 4, 4)), np.ones((0, 3, 2, 2)), {}, ValueError,
     ["input"]),
    ("empty-kernel", 2, X2, np.ones((2, 3, 0, 2)), {}, ValueError, ["weight", "(2, 3, 0, 2)"]),
]


@pytest.mark.parametrize("name,rank,x,w,kwargs,exc,words", TRANSPOSE_SHAPE_ERRORS,
                         ids=[c[0] for c in TRANSPOSE_SHAPE_ERRORS])
def test_transpose_bad_shapes(name, rank, x, w, kwargs, exc, words):
    f = _fn(nn, f"conv_transpose{rank}d")
    kwargs = dict(kwargs)
    bias = kwargs.pop("bias", None)
    raises(exc, words, f, x, w, bias, **kwargs)


@pytest.mark.skipif(torch is None, reason="torch is not importable")
@pytest.mark.parametrize("name,rank,x,w,kwargs,exc,words", TRANSPOSE_SHAPE_ERRORS,
                         ids=[c[0] for c in TRANSPOSE_SHAPE_ERRORS])
def test_torch_refuses_the_transpose_bad_shapes_too(name, rank, x, w, kwargs, exc, words):
    """The errors above are torch's (not an over-strict convcore)."""
    kwargs = dict(kwargs)
    bias = kwargs.pop("bias", None)
    f = getattr(torch.nn.functional, f"conv_transpose{rank}d")
    tb = None if bias is None else torch.from_numpy(np.asarray(bias, np.float64))
    with pytest.raises(Exception):
        f(torch.from_numpy(np.asarray(x, np.float64)), torch.from_numpy(np.asarray(w, np.float64)),
          tb, **kwargs)


# -- dtypes ----------------------------------------------------------------------

BAD_DTYPES = [
    ("object", lambda a: a.astype(object)),
    ("string", lambda a: a.astype(str)),
    ("complex128", lambda a: a.astype(np.complex128)),
    ("int32", lambda a: a.astype(np.int32)),
    ("int64", lambda a: a.astype(np.int64)),
    ("bool", lambda a: a.astype(bool)),
    ("float16", lambda a: a.astype(np.float16)),
    ("datetime", lambda a: a.astype("datetime64[s]")),
]


@pytest.mark.parametrize("which", ["input", "weight", "bias"])
@pytest.mark.parametrize("name,convert", BAD_DTYPES, ids=[c[0] for c in BAD_DTYPES])
def test_transpose_bad_dtypes_are_type_errors(name, convert, which):
    f = _fn(nn, "conv_transpose2d")
    args = {"input": X2, "weight": WT2, "bias": np.ones(3, np.float32)}
    args[which] = convert(args[which])
    raises(TypeError, [which], f, args["input"], args["weight"], args["bias"])


@pytest.mark.parametrize("which", ["weight", "grad_output"])
@pytest.mark.parametrize("name,convert", BAD_DTYPES, ids=[c[0] for c in BAD_DTYPES])
def test_input_grad_bad_dtypes_are_type_errors(name, convert, which):
    f = _fn(nn.grad, "conv2d_input")
    x, _, w, go = _arrays(2)
    args = {"weight": w, "grad_output": go}
    args[which] = convert(args[which])
    raises(TypeError, [which], f, x.shape, args["weight"], args["grad_output"])


@pytest.mark.parametrize("which", ["input", "grad_output"])
@pytest.mark.parametrize("name,convert", BAD_DTYPES, ids=[c[0] for c in BAD_DTYPES])
def test_weight_grad_bad_dtypes_are_type_errors(name, convert, which):
    f = _fn(nn.grad, "conv2d_weight")
    x, _, w, go = _arrays(2)
    args = {"input": x, "grad_output": go}
    args[which] = convert(args[which])
    raises(TypeError, [which], f, args["input"], w.shape, args["grad_output"])


@pytest.mark.parametrize("name,convert", BAD_DTYPES, ids=[c[0] for c in BAD_DTYPES])
def test_bias_grad_bad_dtypes_are_type_errors(name, convert):
    f = _fn(nn.grad, "conv_bias")
    raises(TypeError, ["grad_output"], f, convert(np.ones((1, 4, 2, 2), np.float32)))


# -- conv_input / conv_weight: arguments shared with the forward -----------------------

GRAD_BAD = [
    ("stride-0", ValueError, ["stride", "0"], dict(stride=0)),
    ("stride-negative", ValueError, ["stride", "-1"], dict(stride=-1)),
    ("stride-tuple-0", ValueError, ["stride", "0"], dict(stride="LAST:0:1")),
    ("dilation-0", ValueError, ["dilation", "0"], dict(dilation=0)),
    ("dilation-negative", ValueError, ["dilation", "-3"], dict(dilation=-3)),
    ("padding-negative", ValueError, ["padding", "-1"], dict(padding=-1)),
    ("groups-0", ValueError, ["groups", "0"], dict(groups=0)),
    ("groups-not-dividing", ValueError, ["groups", "3"], dict(groups=3)),
    ("stride-float", TypeError, ["stride", "1.5"], dict(stride=1.5)),
    ("groups-float", TypeError, ["groups", "2.0"], dict(groups=2.0)),
    ("dilation-none", TypeError, ["dilation", "None"], dict(dilation=None)),
    ("method", ValueError, ["method", "'fastest'"], dict(method="fastest")),
    ("method-none", ValueError, ["method", "None"], dict(method=None)),
]


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("name,exc,words,kwargs", GRAD_BAD, ids=[c[0] for c in GRAD_BAD])
def test_input_grad_bad_arguments(name, exc, words, kwargs, rank):
    f = _fn(nn.grad, f"conv{rank}d_input")
    x, _, w, go = _arrays(rank)
    kwargs = {k: _expand(v, rank) for k, v in kwargs.items()}
    raises(exc, words, f, x.shape, w, go, exact=name.startswith("method"),
            **kwargs)


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("name,exc,words,kwargs",
                         GRAD_BAD + [("method-fft", ValueError, ["method", "'fft'"],
                                      dict(method="fft"))],
                         ids=[c[0] for c in GRAD_BAD] + ["method-fft"])
def test_weight_grad_bad_arguments(name, exc, words, kwargs, rank):
    """As conv_input's; 'fft' is not a method of the weight gradient."""
    f = _fn(nn.grad, f"conv{rank}d_weight")
    x, _, w, go = _arrays(rank)
    kwargs = {k: _expand(v, rank) for k, v in kwargs.items()}
    raises(exc, words, f, x, w.shape, go, exact=name.startswith("method"),
            **kwargs)


@pytest.mark.parametrize("method", INPUT_METHODS)
def test_the_arrays_of_the_bad_argument_cases_are_valid(method):
    """Without the bad argument, every case above runs."""
    for rank in (1, 2, 3):
        x, wt, w, go = _arrays(rank)
        if hasattr(nn, f"conv_transpose{rank}d") and method in TRANSPOSE_METHODS:
            assert getattr(nn, f"conv_transpose{rank}d")(x, wt, method=method).shape == \
                (1, 3) + (5,) * rank
        if hasattr(nn.grad, f"conv{rank}d_input"):
            assert getattr(nn.grad, f"conv{rank}d_input")(x.shape, w, go,
                                                          method=method).shape == x.shape
        if hasattr(nn.grad, f"conv{rank}d_weight") and method in WEIGHT_METHODS:
            assert getattr(nn.grad, f"conv{rank}d_weight")(x, w.shape, go,
                                                           method=method).shape == w.shape


# -- conv_input: input_size ------------------------------------------------------------

W2 = np.ones((4, 2, 3, 3), np.float32)
GO2 = np.ones((1, 4, 2, 2), np.float32)

INPUT_SIZE_ERRORS = [  # (id, input_size, weight, grad_output, kwargs, exception, words)
    # 9x9 convolved with 3x3 gives 7x7, not 2x2
    ("too-large", (1, 2, 9, 9), W2, GO2, {}, ValueError, ["input_size", "(1, 2, 9, 9)"]),
    ("too-small", (1, 2, 3, 4), W2, GO2, {}, ValueError, ["input_size", "(1, 2, 3, 4)"]),
    # stride 2: 5 and 6 give 2, 7 gives 3
    ("past-the-stride-remainder", (1, 2, 7, 6), W2, GO2, dict(stride=2), ValueError,
     ["input_size", "(1, 2, 7, 6)"]),
    # as the forward's message (test_nn_conv_errors): the kernel and the size
    ("below-the-kernel", (1, 2, 2, 2), W2, GO2, {}, ValueError, ["kernel", "(2, 2)"]),
    ("channels", (1, 3, 4, 4), W2, GO2, {}, ValueError, ["input_size", "(1, 3, 4, 4)"]),
    ("channels-groups", (1, 2, 4, 4), np.ones((4, 2, 3, 3)), GO2, dict(groups=2), ValueError,
     ["input_size", "(1, 2, 4, 4)"]),
    ("batch", (2, 2, 4, 4), W2, GO2, {}, ValueError, ["(2, 2, 4, 4)"]),
    ("length-short", (2, 4, 4), W2, GO2, {}, ValueError, ["input_size", "(2, 4, 4)"]),
    ("length-long", (1, 1, 2, 4, 4), W2, GO2, {}, ValueError,
     ["input_size", "(1, 1, 2, 4, 4)"]),
    ("batched-size-unbatched-grad", (1, 2, 4, 4), W2, GO2[0], {}, ValueError,
     ["input_size", "(1, 2, 4, 4)"]),
    ("negative", (1, 2, -4, 4), W2, GO2, {}, ValueError, ["input_size", "-4"]),
    ("float-entry", (1, 2, 4.0, 4), W2, GO2, {}, TypeError, ["input_size", "4.0"]),
    ("none", None, W2, GO2, {}, TypeError, ["input_size", "None"]),
    ("grad_output-channels", (1, 2, 4, 4), W2, np.ones((1, 5, 2, 2), np.float32), {},
     ValueError, ["grad_output", "5"]),
    ("grad_output-rank", (1, 2, 4, 4), W2, np.ones((4, 2), np.float32), {}, ValueError,
     ["grad_output", "(4, 2)"]),
    ("weight-rank", (1, 2, 4, 4), np.ones((4, 2, 3)), GO2, {}, ValueError,
     ["weight", "(4, 2, 3)"]),
    ("weight-rank-high", (1, 2, 4, 4), np.ones((4, 2, 3, 3, 3)), GO2, {}, ValueError,
     ["weight", "(4, 2, 3, 3, 3)"]),
]


@pytest.mark.parametrize("name,size,w,go,kwargs,exc,words", INPUT_SIZE_ERRORS,
                         ids=[c[0] for c in INPUT_SIZE_ERRORS])
def test_input_size_errors(name, size, w, go, kwargs, exc, words):
    f = _fn(nn.grad, "conv2d_input")
    raises(exc, words, f, size, w, go, **kwargs)


def test_input_size_within_the_stride_remainder_is_accepted():
    f = _fn(nn.grad, "conv2d_input")
    for n in (5, 6):
        assert f((1, 2, n, n), W2, GO2, stride=2).shape == (1, 2, n, n)


# -- conv_weight: weight_size ------------------------------------------------------------

X4 = np.ones((1, 2, 4, 4), np.float32)

WEIGHT_SIZE_ERRORS = [  # (id, input, weight_size, grad_output, kwargs, exception, words)
    ("out-channels", X4, (5, 2, 3, 3), GO2, {}, ValueError, ["weight_size", "(5, 2, 3, 3)"]),
    ("in-channels", X4, (4, 3, 3, 3), GO2, {}, ValueError, ["weight_size", "(4, 3, 3, 3)"]),
    ("in-channels-groups", X4, (4, 2, 3, 3), GO2, dict(groups=2), ValueError,
     ["weight_size", "(4, 2, 3, 3)"]),
    ("kernel-inconsistent", X4, (4, 2, 2, 2), GO2, {}, ValueError, ["(4, 2, 2, 2)"]),
    ("kernel-past-input", X4, (4, 2, 5, 5), GO2, {}, ValueError, ["kernel", "(5, 5)"]),
    ("length-short", X4, (4, 2, 3), GO2, {}, ValueError, ["weight_size", "(4, 2, 3)"]),
    ("length-long", X4, (4, 2, 3, 3, 1), GO2, {}, ValueError, ["weight_size"]),
    ("negative", X4, (4, 2, -3, 3), GO2, {}, ValueError, ["weight_size", "-3"]),
    ("zero-kernel", X4, (4, 2, 0, 3), GO2, {}, ValueError, ["weight_size", "(4, 2, 0, 3)"]),
    ("float-entry", X4, (4, 2, 3.0, 3), GO2, {}, TypeError, ["weight_size", "3.0"]),
    ("none", X4, None, GO2, {}, TypeError, ["weight_size", "None"]),
    ("grad_output-spatial", X4, (4, 2, 3, 3), np.ones((1, 4, 3, 2), np.float32), {},
     ValueError, ["grad_output", "(1, 4, 3, 2)"]),
    ("grad_output-batch", X4, (4, 2, 3, 3), np.ones((2, 4, 2, 2), np.float32), {},
     ValueError, ["grad_output", "(2, 4, 2, 2)"]),
    ("grad_output-rank", X4, (4, 2, 3, 3), np.ones((4, 2), np.float32), {}, ValueError,
     ["grad_output", "(4, 2)"]),
    ("input-rank", np.ones((4, 4), np.float32), (4, 2, 3, 3), GO2, {}, ValueError,
     ["input", "(4, 4)"]),
    ("batched-input-unbatched-grad", X4, (4, 2, 3, 3), GO2[0], {}, ValueError,
     ["grad_output"]),
]


@pytest.mark.parametrize("name,x,size,go,kwargs,exc,words", WEIGHT_SIZE_ERRORS,
                         ids=[c[0] for c in WEIGHT_SIZE_ERRORS])
def test_weight_size_errors(name, x, size, go, kwargs, exc, words):
    f = _fn(nn.grad, "conv2d_weight")
    raises(exc, words, f, x, size, go, **kwargs)


# -- conv_bias ---------------------------------------------------------------------

@pytest.mark.parametrize("go", [np.float64(1.0), np.ones(4), 1.0],
                         ids=["0d", "1d", "python-float"])
def test_bias_grad_needs_a_channel_axis(go):
    f = _fn(nn.grad, "conv_bias")
    raises(ValueError, ["grad_output", str(np.shape(go))], f, go)


def test_ragged_lists_are_refused():
    f = _fn(nn, "conv_transpose1d")
    with pytest.raises((ValueError, TypeError)):
        f([[[1.0, 2.0, 3.0]], [[1.0]]], np.ones((1, 1, 2)))
    g = _fn(nn.grad, "conv_bias")
    with pytest.raises((ValueError, TypeError)):
        g([[[1.0, 2.0, 3.0]], [[1.0]]])
