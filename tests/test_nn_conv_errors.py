"""Bad arguments of convcore.nn.conv1d/2d/3d and choose_conv_method: a
ValueError or TypeError naming the argument and its value (torch's
RuntimeError is ValueError for a bad value, TypeError for a bad type),
never a crash; impossible sizes refused at once, in a child process under
an address-space cap."""
import os

import numpy as np
import pytest

import convcore.nn as nn
from convcore.nn import _conv_methods
from _conv_ref import raises

METHODS = ["auto", *_conv_methods.METHODS]
SANITIZER_RUN = os.environ.get("CONVCORE_SANITIZER_RUN") == "1"

X1 = np.ones((1, 2, 6), np.float32)
W1 = np.ones((4, 2, 3), np.float32)
X2 = np.ones((1, 2, 5, 5), np.float32)
W2 = np.ones((4, 2, 3, 3), np.float32)
X3 = np.ones((1, 2, 4, 4, 4), np.float32)
W3 = np.ones((4, 2, 2, 2, 2), np.float32)
ARGS = {1: (nn.conv1d, X1, W1), 2: (nn.conv2d, X2, W2), 3: (nn.conv3d, X3, W3)}




# (id, exception, words the message holds, kwargs of conv{rank}d beyond x, w)
BAD_VALUES = [
    ("stride-0", ValueError, ["stride", "0"], dict(stride=0)),
    ("stride-negative", ValueError, ["stride", "-2"], dict(stride=-2)),
    ("stride-tuple-0", ValueError, ["stride", "0"], dict(stride="TUPLE0")),
    ("dilation-0", ValueError, ["dilation", "0"], dict(dilation=0)),
    ("dilation-negative", ValueError, ["dilation", "-1"], dict(dilation=-1)),
    ("padding-negative", ValueError, ["padding", "-1"], dict(padding=-1)),
    ("padding-tuple-negative", ValueError, ["padding", "-3"], dict(padding="TUPLE-3")),
    ("groups-0", ValueError, ["groups", "0"], dict(groups=0)),
    ("groups-negative", ValueError, ["groups", "-2"], dict(groups=-2)),
    ("groups-not-dividing", ValueError, ["groups", "3"], dict(groups=3)),
    ("padding-string", ValueError, ["padding", "'full'"], dict(padding="full")),
    ("padding-string-case", ValueError, ["padding", "'SAME'"], dict(padding="SAME")),
    ("padding-wrong-length", ValueError, ["padding"], dict(padding=(1, 1, 1, 1))),
    ("stride-wrong-length", ValueError, ["stride"], dict(stride=(1, 1, 1, 1))),
    ("padding-mode", ValueError, ["padding_mode", "'mirror'"], dict(padding_mode="mirror")),
    ("padding-mode-none", ValueError, ["padding_mode", "None"], dict(padding_mode=None)),
    ("padding-mode-case", ValueError, ["padding_mode", "'Zeros'"], dict(padding_mode="Zeros")),
    ("method", ValueError, ["method", "'fastest'"], dict(method="fastest")),
    ("method-none", ValueError, ["method", "None"], dict(method=None)),
    ("method-case", ValueError, ["method", "'FFT'"], dict(method="FFT")),
]

BAD_TYPES = [
    ("stride-float", TypeError, ["stride", "1.5"], dict(stride=1.5)),
    ("stride-none", TypeError, ["stride", "None"], dict(stride=None)),
    ("padding-float", TypeError, ["padding", "1.0"], dict(padding=1.0)),
    ("padding-none", TypeError, ["padding", "None"], dict(padding=None)),
    ("dilation-string", TypeError, ["dilation", "'2'"], dict(dilation="2")),
    ("groups-float", TypeError, ["groups", "1.0"], dict(groups=1.0)),
    ("groups-bool", TypeError, ["groups", "True"], dict(groups=True)),
    ("groups-none", TypeError, ["groups", "None"], dict(groups=None)),
]


def _expand(kwargs, rank):
    out = {}
    for key, value in kwargs.items():
        if value == "TUPLE0":
            value = (1,) * (rank - 1) + (0,)
        elif value == "TUPLE-3":
            value = (0,) * (rank - 1) + (-3,)
        out[key] = value
    return out


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("name,exc,words,kwargs", BAD_VALUES + BAD_TYPES,
                         ids=[c[0] for c in BAD_VALUES + BAD_TYPES])
def test_bad_arguments(name, exc, words, kwargs, rank):
    f, x, w = ARGS[rank]
    kwargs = _expand(kwargs, rank)
    if name == "padding-wrong-length" and rank == 1:
        kwargs["padding"] = (1, 1)
    if name == "stride-wrong-length" and rank == 1:
        kwargs["stride"] = (1, 1)
    exact = name.startswith(("padding-mode", "method"))
    raises(exc, [f"conv{rank}d"] * (exc is ValueError and "wrong-length" not in name)
            + words, f, x, w, exact=exact, **kwargs)


def test_unknown_method_names_the_registered_ones():
    message = raises(ValueError, ["'bogus'"], nn.conv2d, X2, W2, method="bogus", exact=True)
    for name in METHODS:
        assert repr(name) in message


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_same_padding_with_a_stride_is_a_value_error(rank, padding_mode):
    f, x, w = ARGS[rank]
    for stride in (2, (1,) * (rank - 1) + (2,)):
        raises(ValueError, ["same", "stride"], f, x, w, stride=stride, padding="same",
                padding_mode=padding_mode, exact=True)


# -- shapes ----------------------------------------------------------------------

SHAPE_ERRORS = [  # (id, fn, x, w, kwargs, exception, words)
    ("c_in-not-divisible", nn.conv2d, np.ones((1, 3, 5, 5)), np.ones((4, 1, 3, 3)),
     dict(groups=2), ValueError, ["groups=2", "3"]),
    ("c_out-not-divisible", nn.conv2d, np.ones((1, 4, 5, 5)), np.ones((3, 2, 3, 3)),
     dict(groups=2), ValueError, ["groups=2", "3"]),
    ("weight-rank-low", nn.conv2d, X2, np.ones((4, 2, 3)), {}, ValueError,
     ["weight", "(4, 2, 3)"]),
    ("weight-rank-high", nn.conv1d, X1, np.ones((4, 2, 3, 3)), {}, ValueError,
     ["weight", "(4, 2, 3, 3)"]),
    ("weight-channels", nn.conv2d, X2, np.ones((4, 3, 3, 3)), {}, ValueError,
     ["weight", "(4, 3, 3, 3)", "(1, 2, 5, 5)"]),
    ("weight-channels-groups", nn.conv2d, np.ones((1, 4, 5, 5)), np.ones((4, 1, 3, 3)),
     dict(groups=2), ValueError, ["weight", "(4, 1, 3, 3)"]),
    ("bias-length", nn.conv2d, X2, W2, dict(bias=np.ones(3, np.float32)), ValueError,
     ["bias", "(3,)"]),
    ("bias-2d", nn.conv2d, X2, W2, dict(bias=np.ones((4, 1), np.float32)), ValueError,
     ["bias", "(4, 1)"]),
    ("bias-0d", nn.conv2d, X2, W2, dict(bias=np.float32(1)), ValueError, ["bias", "()"]),
    ("input-2d", nn.conv2d, np.ones((5, 5)), W2, {}, ValueError, ["input", "(5, 5)"]),
    ("input-5d", nn.conv2d, np.ones((1, 1, 2, 5, 5)), W2, {}, ValueError,
     ["input", "(1, 1, 2, 5, 5)"]),
    ("input-0d", nn.conv2d, np.array(1.0), W2, {}, ValueError, ["input", "()"]),
    ("input-numpy-scalar", nn.conv2d, np.float64(1.0), W2, {}, ValueError, ["input", "()"]),
    ("input-python-float", nn.conv2d, 1.0, W2, {}, ValueError, ["input", "()"]),
    ("input-1d-conv3d", nn.conv3d, np.ones(4), W3, {}, ValueError, ["input", "(4,)"]),
    ("input-6d-conv3d", nn.conv3d, np.ones((1,) * 6), W3, {}, ValueError, ["input"]),
    ("input-2d-conv1d", nn.conv1d, np.ones((2, 6)), np.ones((4, 1, 3)), {}, ValueError,
     ["weight", "(4, 1, 3)"]),
    ("kernel-larger", nn.conv2d, X2, np.ones((4, 2, 8, 3)), dict(padding=1), ValueError,
     ["kernel", "(8, 3)"]),
    ("kernel-larger-dilated", nn.conv1d, X1, W1, dict(dilation=4), ValueError,
     ["kernel", "dilation"]),
    ("kernel-larger-valid", nn.conv3d, X3, np.ones((4, 2, 2, 5, 2)), dict(padding="valid"),
     ValueError, ["kernel", "(2, 5, 2)"]),
    ("empty-channels", nn.conv2d, np.ones((1, 0, 5, 5)), np.ones((4, 0, 3, 3)), {},
     ValueError, ["input", "(1, 0, 5, 5)"]),
    ("empty-c_out", nn.conv2d, X2, np.ones((0, 2, 3, 3)), {}, ValueError,
     ["weight", "(0, 2, 3, 3)"]),
    ("empty-kernel", nn.conv2d, X2, np.ones((4, 2, 0, 3)), {}, ValueError,
     ["weight", "(4, 2, 0, 3)"]),
    ("empty-spatial", nn.conv2d, np.ones((1, 2, 0, 5)), W2, {}, ValueError,
     ["input", "(1, 2, 0, 5)"]),
    ("reflect-equal-to-size", nn.conv2d, X2, W2, dict(padding=5, padding_mode="reflect"),
     ValueError, ["reflect", "padding", "5"]),
    ("reflect-one-axis", nn.conv2d, np.ones((1, 2, 3, 9)), W2,
     dict(padding=(3, 1), padding_mode="reflect"), ValueError, ["reflect", "padding", "3"]),
    ("reflect-same", nn.conv1d, np.ones((1, 2, 2)), np.ones((4, 2, 5)),
     dict(padding="same", padding_mode="reflect"), ValueError, ["reflect", "padding"]),
    ("circular-beyond-size", nn.conv2d, X2, W2, dict(padding=6, padding_mode="circular"),
     ValueError, ["circular", "padding", "6"]),
    ("circular-one-axis", nn.conv3d, X3, W3, dict(padding=(0, 5, 0), padding_mode="circular"),
     ValueError, ["circular", "padding", "5"]),
]


@pytest.mark.parametrize("name,f,x,w,kwargs,exc,words", SHAPE_ERRORS,
                         ids=[c[0] for c in SHAPE_ERRORS])
def test_bad_shapes(name, f, x, w, kwargs, exc, words):
    kwargs = dict(kwargs)
    bias = kwargs.pop("bias", None)
    raises(exc, [f.__name__] + words, f, x, w, bias, **kwargs)
    # choose_conv_method checks its arguments as the op does.
    if np.ndim(w) in (3, 4, 5):
        raises(exc, [], nn.choose_conv_method, x, w, bias, **kwargs)


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_padding_at_the_limits_of_reflect_and_circular(rank):
    """reflect: padding up to size - 1; circular: up to the size (torch)."""
    f = ARGS[rank][0]
    x = np.arange(4.0 ** rank).reshape((1, 1) + (4,) * rank)
    w = np.ones((1, 1) + (1,) * rank)
    close = dict(rtol=1e-13, atol=1e-12)  # a transform method rounds
    for method in [m for m in METHODS if m != "winograd"]:  # a 1-tap kernel
        out = f(x, w, padding=3, padding_mode="reflect", method=method)
        assert out.shape == (1, 1) + (10,) * rank
        np.testing.assert_allclose(out, np.pad(x, ((0, 0), (0, 0)) + ((3, 3),) * rank,
                                               mode="reflect"), **close)
        out = f(x, w, padding=4, padding_mode="circular", method=method)
        assert out.shape == (1, 1) + (12,) * rank
        np.testing.assert_allclose(out, np.pad(x, ((0, 0), (0, 0)) + ((4, 4),) * rank,
                                               mode="wrap"), **close)
        # replicate has no limit
        out = f(x, w, padding=9, padding_mode="replicate", method=method)
        np.testing.assert_allclose(out, np.pad(x, ((0, 0), (0, 0)) + ((9, 9),) * rank,
                                               mode="edge"), **close)


def test_choose_conv_method_bad_weight_rank():
    for w in (np.ones((4, 2)), np.ones((1,) * 6), np.float32(1)):
        raises(ValueError, ["weight", str(np.shape(w))], nn.choose_conv_method, X2, w)


# -- dtypes ----------------------------------------------------------------------

BAD_DTYPES = [
    ("object", lambda a: a.astype(object)),
    ("string", lambda a: a.astype(str)),
    ("bytes", lambda a: a.astype(bytes)),
    ("complex64", lambda a: a.astype(np.complex64)),
    ("complex128", lambda a: a.astype(np.complex128)),
    ("int32", lambda a: a.astype(np.int32)),
    ("int64", lambda a: a.astype(np.int64)),
    ("uint8", lambda a: a.astype(np.uint8)),
    ("bool", lambda a: a.astype(bool)),
    ("float16", lambda a: a.astype(np.float16)),
    ("longdouble", lambda a: a.astype(np.longdouble)),
    ("datetime", lambda a: a.astype("datetime64[s]")),
    ("structured", lambda a: np.zeros(a.shape, [("a", np.float32)])),
]


@pytest.mark.parametrize("which", ["input", "weight", "bias"])
@pytest.mark.parametrize("name,convert", BAD_DTYPES, ids=[c[0] for c in BAD_DTYPES])
@pytest.mark.parametrize("method", METHODS)
def test_bad_dtypes_are_type_errors(method, name, convert, which):
    if name == "longdouble" and np.dtype(np.longdouble).itemsize == 8:
        pytest.skip("long double is float64 on this platform")
    args = {"input": X2, "weight": W2, "bias": np.ones(4, np.float32)}
    args[which] = convert(args[which])
    raises(TypeError, ["conv2d", which], nn.conv2d, args["input"], args["weight"],
            args["bias"], method=method)


def test_ragged_lists_are_refused():
    with pytest.raises((ValueError, TypeError)):
        nn.conv1d([[[1.0, 2.0, 3.0]], [[1.0]]], W1)
