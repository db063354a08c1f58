"""convcore.nn.grad.conv1d/2d/3d_input, conv1d/2d/3d_weight and conv_bias
against the plain NumPy reference (_conv_grad_ref, always) and torch
(torch.nn.grad.convNd_input/weight and autograd, when importable), for
every method and 'auto'.

The reference is checked against torch first.  The geometry matrix (rank
x stride x padding x dilation x groups x the stride's remainder x dtype) is
a fixed pairwise list plus a fixed random sample, run for every method;
odd shapes, unbatched inputs, mixed dtypes, memory layouts, thread counts,
concurrent calls and the course's worked example run besides; central
differences of sum(convNd(x, w, b) * R) check every gradient, and
hypothesis checks the adjoint identities on random geometries.
"""
import concurrent.futures

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convcore
import convcore.nn as nn
from convcore import _dispatch
from _conv_grad_ref import (GRAD_AXES, GRAD_CASES, GRAD_SHAPE_CASES, case_id, conv_bias_bound,
                            conv_bias_ref, conv_geometries, conv_input_bound, conv_input_ref,
                            conv_weight_bound, conv_weight_ref, grad_problem,
                            output_padding_for, torch_conv_bias, torch_conv_input,
                            torch_conv_weight, user_data, fd_grad, FD_TOL)
from _conv_ref import TOL, assert_conv_close, conv_bound, conv_ref, seed_for, snapshot, with_layout

try:
    import torch
except ImportError:  # the NumPy reference still runs
    torch = None

# The API's method names; the implementation's registries when it has them.
API_INPUT_METHODS = ["direct", "im2col", "fft"]
API_WEIGHT_METHODS = ["direct", "im2col"]


def _registry(module, attr, default):
    try:
        mod = __import__(f"convcore.nn.{module}", fromlist=[attr])
        return list(getattr(mod, attr))
    except (ImportError, AttributeError):
        return list(default)


# conv_input runs the transposed convolution, whose phases run forward
# methods: its registry (if any), else the forward registry.
INPUT_FIXED = [m for m in _registry("_transpose", "METHODS",
                                    _registry("_conv_methods", "METHODS", API_INPUT_METHODS))
               if m in API_INPUT_METHODS]
WEIGHT_FIXED = _registry("_conv_dweight", "METHODS", API_WEIGHT_METHODS)
INPUT_METHODS = ["auto", *INPUT_FIXED]
WEIGHT_METHODS = ["auto", *WEIGHT_FIXED]
DTYPES = [np.float32, np.float64]
CONV = {1: nn.conv1d, 2: nn.conv2d, 3: nn.conv3d}


def _grad(name):
    if not hasattr(nn.grad, name):
        pytest.skip(f"convcore.nn.grad.{name} is not in this build")
    return getattr(nn.grad, name)


def conv_input(rank):
    return _grad(f"conv{rank}d_input")


def conv_weight(rank):
    return _grad(f"conv{rank}d_weight")


def conv_bias():
    return _grad("conv_bias")


def _full(kw):
    full = dict(stride=1, padding=0, dilation=1, groups=1)
    full.update(kw)
    return full


def _problem(rng, x_shape, w_shape, kw, dtype):
    """x, w and a random grad_output of conv(x, w)'s shape."""
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    go = rng.standard_normal(conv_ref(x, w, **kw).shape).astype(dtype)
    return x, w, go


def check_input(got, input_size, w, go, kw, dtype, what, with_torch=True):
    ref = conv_input_ref(input_size, w, go, **kw)
    bound = conv_input_bound(input_size, w, go, **kw)
    assert got.dtype == ref.dtype == np.dtype(dtype), what
    assert_conv_close(got, ref, bound, dtype, what + " vs NumPy reference")
    if with_torch and torch is not None:
        assert_conv_close(got, torch_conv_input(input_size, w, go, **kw), bound, dtype,
                          what + " vs torch")


def check_weight(got, x, weight_size, go, kw, dtype, what, with_torch=True):
    ref = conv_weight_ref(x, weight_size, go, **kw)
    bound = conv_weight_bound(x, weight_size, go, **kw)
    assert got.dtype == ref.dtype == np.dtype(dtype), what
    assert_conv_close(got, ref, bound, dtype, what + " vs NumPy reference")
    if with_torch and torch is not None and np.ndim(x) == len(weight_size):
        assert_conv_close(got, torch_conv_weight(x, weight_size, go, **kw), bound, dtype,
                          what + " vs torch")


# -- the reference itself --------------------------------------------------------

@pytest.mark.skipif(torch is None, reason="torch is not importable")
@pytest.mark.parametrize("case", GRAD_CASES, ids=case_id)
def test_reference_matches_torch(case):
    x_shape, w_shape, kw, _ = grad_problem(case)
    rng = np.random.default_rng(seed_for("ref", case_id(case)))
    x, w, go = _problem(rng, x_shape, w_shape, kw, np.float64)
    assert_conv_close(torch_conv_input(x_shape, w, go, **kw), conv_input_ref(x_shape, w, go, **kw),
                      conv_input_bound(x_shape, w, go, **kw), np.float64, "input")
    assert_conv_close(torch_conv_weight(x, w_shape, go, **kw),
                      conv_weight_ref(x, w_shape, go, **kw),
                      conv_weight_bound(x, w_shape, go, **kw), np.float64, "weight")
    assert_conv_close(torch_conv_bias(x, w, go, **kw), conv_bias_ref(go), conv_bias_bound(go),
                      np.float64, "bias")


@pytest.mark.skipif(torch is None, reason="torch is not importable")
@pytest.mark.parametrize("name,x_shape,w_shape,kw", GRAD_SHAPE_CASES,
                         ids=[c[0] for c in GRAD_SHAPE_CASES])
def test_reference_matches_torch_on_odd_shapes(name, x_shape, w_shape, kw):
    kw = _full(kw)
    rng = np.random.default_rng(seed_for("ref", name))
    x, w, go = _problem(rng, x_shape, w_shape, kw, np.float64)
    assert_conv_close(torch_conv_input(x_shape, w, go, **kw), conv_input_ref(x_shape, w, go, **kw),
                      conv_input_bound(x_shape, w, go, **kw), np.float64, name)
    assert_conv_close(torch_conv_weight(x, w_shape, go, **kw),
                      conv_weight_ref(x, w_shape, go, **kw),
                      conv_weight_bound(x, w_shape, go, **kw), np.float64, name)


@pytest.mark.skipif(torch is None, reason="torch is not importable")
def test_reference_matches_torch_autograd():
    """The references are the gradients torch's autograd computes."""
    rng = np.random.default_rng(8)
    kw = dict(stride=(2, 3), padding=(1, 0), dilation=(1, 2), groups=2)
    x, w, go = _problem(rng, (2, 4, 9, 10), (6, 2, 3, 2), kw, np.float64)
    tx = torch.from_numpy(x).requires_grad_()
    tw = torch.from_numpy(w).requires_grad_()
    tb = torch.zeros(6, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.conv2d(tx, tw, tb, **kw).backward(torch.from_numpy(go))
    np.testing.assert_allclose(conv_input_ref(x.shape, w, go, **kw), tx.grad.numpy(),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv_weight_ref(x, w.shape, go, **kw), tw.grad.numpy(),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv_bias_ref(go), tb.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_reference_weight_gradient_by_hand():
    """1-D, x = [1, 2, 3, 4, 5], 2 taps, stride 2, padding 1: windows
    [0, 1], [2, 3], [4, 5] of the padded [0, 1, 2, 3, 4, 5, 0]; with
    grad_output [1, 10, 100], dw = [0 + 20 + 400, 1 + 30 + 500]."""
    x = np.array([[[1.0, 2, 3, 4, 5]]])
    go = np.array([[[1.0, 10, 100]]])
    dw = conv_weight_ref(x, (1, 1, 2), go, stride=2, padding=1)
    np.testing.assert_array_equal(dw[0, 0], [420, 531])
    # dx: output j adds go[j] * w[t] at 2j + t - 1: w = [1, -1]
    dx = conv_input_ref((1, 1, 5), np.array([[[1.0, -1.0]]]), go, stride=2, padding=1)
    np.testing.assert_array_equal(dx[0, 0], [-1, 10, -10, 100, -100])


# -- the course's kernel-gradient example -----------------------------------------

COURSE_IMAGE = [[1, 1, -2, 0, 1], [1, 0, 0, 2, 1], [0, 1, 0, 5, -1], [-2, 1, 0, -1, 1],
                [0, 1, 0, 5, -1]]
COURSE_KERNEL = [[0, 1, 1], [1, 0, 0], [0, 1, 0]]
# The four 3x3 windows of the image at stride 2 (rows, columns from 0 and 2).
COURSE_WINDOWS = [
    [[1, 1, -2], [1, 0, 0], [0, 1, 0]],      # (0, 0)
    [[-2, 0, 1], [0, 2, 1], [0, 5, -1]],     # (0, 2)
    [[0, 1, 0], [-2, 1, 0], [0, 1, 0]],      # (2, 0)
    [[0, 5, -1], [0, -1, 1], [0, 5, -1]],    # (2, 2)
]
# dL/dK with dL/dOut = ones: the sum of the four windows, element by element.
COURSE_DK = [[-1, 7, -2], [-1, 2, 2], [0, 12, -2]]
# dL/dImage with dL/dOut = ones: the kernel added at the four window corners.
COURSE_DX = [[0, 1, 1, 1, 1], [1, 0, 1, 0, 0], [0, 2, 1, 2, 1], [1, 0, 1, 0, 0],
             [0, 1, 0, 1, 0]]


def test_course_windows_are_the_images():
    image = np.array(COURSE_IMAGE)
    for (r, c), window in zip([(0, 0), (0, 2), (2, 0), (2, 2)], COURSE_WINDOWS):
        np.testing.assert_array_equal(image[r:r + 3, c:c + 3], window)
    np.testing.assert_array_equal(np.sum(COURSE_WINDOWS, axis=0), COURSE_DK)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method", WEIGHT_METHODS)
def test_course_5x5_image_3x3_kernel_stride_2_kernel_gradient(method, dtype):
    x = np.array(COURSE_IMAGE, dtype)[None, None]
    ones = np.ones((1, 1, 2, 2), dtype)
    assert nn.conv2d(x, np.array(COURSE_KERNEL, dtype)[None, None], stride=2).shape == \
        ones.shape
    dk = conv_weight(2)(x, (1, 1, 3, 3), ones, stride=2, method=method)
    assert dk.shape == (1, 1, 3, 3) and dk.dtype == dtype
    np.testing.assert_allclose(dk[0, 0], COURSE_DK, rtol=0, atol=TOL[np.dtype(dtype)] * 16)
    np.testing.assert_allclose(conv_weight_ref(x, (1, 1, 3, 3), ones, stride=2)[0, 0],
                               COURSE_DK, rtol=0, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method", INPUT_METHODS)
def test_course_5x5_image_3x3_kernel_stride_2_image_gradient(method, dtype):
    k = np.array(COURSE_KERNEL, dtype)[None, None]
    ones = np.ones((1, 1, 2, 2), dtype)
    dx = conv_input(2)((1, 1, 5, 5), k, ones, stride=2, method=method)
    assert dx.shape == (1, 1, 5, 5) and dx.dtype == dtype
    np.testing.assert_allclose(dx[0, 0], COURSE_DX, rtol=0, atol=TOL[np.dtype(dtype)] * 4)
    dx = conv_input(2)((1, 5, 5), k, ones[0], stride=2, method=method)  # unbatched
    np.testing.assert_allclose(dx[0], COURSE_DX, rtol=0, atol=TOL[np.dtype(dtype)] * 4)
    np.testing.assert_array_equal(conv_bias()(ones), [4])


# -- the geometry matrix ---------------------------------------------------------

@pytest.mark.parametrize("case", GRAD_CASES, ids=case_id)
@pytest.mark.parametrize("method", INPUT_METHODS)
def test_input_geometry_matrix(method, case):
    x_shape, w_shape, kw, dtype = grad_problem(case)
    rng = np.random.default_rng(seed_for(case_id(case)))
    _, w, go = _problem(rng, x_shape, w_shape, kw, dtype)
    out = conv_input(len(w_shape) - 2)(x_shape, w, go, **kw, method=method)
    check_input(out, x_shape, w, go, kw, dtype, f"{method} {case_id(case)}")


@pytest.mark.parametrize("case", GRAD_CASES, ids=case_id)
@pytest.mark.parametrize("method", WEIGHT_METHODS)
def test_weight_geometry_matrix(method, case):
    x_shape, w_shape, kw, dtype = grad_problem(case)
    rng = np.random.default_rng(seed_for(case_id(case)))
    x, _, go = _problem(rng, x_shape, w_shape, kw, dtype)
    out = conv_weight(len(w_shape) - 2)(x, w_shape, go, **kw, method=method)
    check_weight(out, x, w_shape, go, kw, dtype, f"{method} {case_id(case)}")


@pytest.mark.parametrize("case", GRAD_CASES[::3], ids=case_id)
def test_bias_geometry_matrix(case):
    x_shape, w_shape, kw, dtype = grad_problem(case)
    rng = np.random.default_rng(seed_for(case_id(case)))
    x, w, go = _problem(rng, x_shape, w_shape, kw, dtype)
    db = conv_bias()(go)
    assert db.shape == (w_shape[0],) and db.dtype == dtype
    assert_conv_close(db, conv_bias_ref(go), conv_bias_bound(go), dtype, case_id(case))
    if torch is not None:
        assert_conv_close(db, torch_conv_bias(x, w, go, **kw), conv_bias_bound(go), dtype,
                          case_id(case) + " vs torch")


def test_the_matrix_covers_every_value():
    for axis, values in GRAD_AXES.items():
        assert {c[axis] for c in GRAD_CASES} == set(values), axis
    # a stride remainder input_size decides, with a stride > 1
    assert any(c["remainder"] == "max" and c["stride"] != "1" for c in GRAD_CASES)


# -- odd shapes ------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,x_shape,w_shape,kw", GRAD_SHAPE_CASES,
                         ids=[c[0] for c in GRAD_SHAPE_CASES])
@pytest.mark.parametrize("method", INPUT_METHODS)
def test_input_odd_shapes(method, name, x_shape, w_shape, kw, dtype):
    kw = _full(kw)
    rng = np.random.default_rng(seed_for(name))
    _, w, go = _problem(rng, x_shape, w_shape, kw, dtype)
    out = conv_input(len(w_shape) - 2)(x_shape, w, go, **kw, method=method)
    check_input(out, x_shape, w, go, kw, dtype, f"{method} {name}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,x_shape,w_shape,kw", GRAD_SHAPE_CASES,
                         ids=[c[0] for c in GRAD_SHAPE_CASES])
@pytest.mark.parametrize("method", WEIGHT_METHODS)
def test_weight_odd_shapes(method, name, x_shape, w_shape, kw, dtype):
    kw = _full(kw)
    rng = np.random.default_rng(seed_for(name))
    x, _, go = _problem(rng, x_shape, w_shape, kw, dtype)
    out = conv_weight(len(w_shape) - 2)(x, w_shape, go, **kw, method=method)
    check_weight(out, x, w_shape, go, kw, dtype, f"{method} {name}")


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("method", INPUT_METHODS)
def test_input_size_decides_the_extent_past_the_last_window(method, rank):
    """Size 8 or 9 or 10, kernel 3, stride 4: two windows either way (at 0
    and 4); the samples past 6 get a zero gradient, exactly."""
    rng = np.random.default_rng(rank)
    w = rng.standard_normal((2, 3) + (3,) * rank)
    go = rng.standard_normal((1, 2) + (2,) * rank)
    first = None
    for n in (7, 8, 9, 10):
        size = (1, 3) + (n,) * rank
        dx = conv_input(rank)(size, w, go, stride=4, method=method)
        assert dx.shape == size
        check_input(dx, size, w, go, _full(dict(stride=4)), np.float64, f"{method} {n}")
        for axis in range(2, 2 + rank):
            tail = [slice(None)] * dx.ndim
            tail[axis] = slice(7, None)
            np.testing.assert_array_equal(dx[tuple(tail)], 0)
        first = dx if first is None else first
        np.testing.assert_allclose(dx[(slice(None),) * 2 + (slice(0, 7),) * rank], first,
                                   rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("method", WEIGHT_METHODS)
def test_weight_ignores_samples_no_window_reads(method):
    """Changing the input past the last window changes no weight gradient
    (up to rounding)."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 2, 11, 10))
    go = rng.standard_normal((2, 3, 3, 2))
    kw = dict(stride=4)   # windows read rows 0..10 and columns 0..6
    dw = conv_weight(2)(x, (3, 2, 3, 3), go, **kw, method=method)
    y = x.copy()
    y[:, :, :, 7:] = 1e3
    np.testing.assert_allclose(conv_weight(2)(y, (3, 2, 3, 3), go, **kw, method=method), dw,
                               rtol=1e-12, atol=1e-12)
    check_weight(dw, x, (3, 2, 3, 3), go, _full(kw), np.float64, method)


# -- unbatched inputs, mixed dtypes ---------------------------------------------

@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("method", INPUT_METHODS)
def test_input_unbatched(method, rank):
    rng = np.random.default_rng(seed_for("unbatched", rank))
    kw = _full(dict(padding=1, groups=2, stride=2))
    _, w, go = _problem(rng, (1, 4) + (7,) * rank, (6, 2) + (3,) * rank, kw, np.float64)
    size = (4,) + (7,) * rank
    out = conv_input(rank)(size, w, go[0], **kw, method=method)
    assert out.shape == size
    batched = conv_input(rank)((1,) + size, w, go, **kw, method=method)
    np.testing.assert_array_equal(out, batched[0])
    check_input(out, size, w, go[0], kw, np.float64, method)


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("method", WEIGHT_METHODS)
def test_weight_unbatched(method, rank):
    """An unbatched input with an unbatched grad_output: the gradient of
    the unbatched convolution (the batch of one's)."""
    rng = np.random.default_rng(seed_for("unbatched-w", rank))
    kw = _full(dict(padding=1, groups=2, stride=2))
    w_shape = (6, 2) + (3,) * rank
    x, _, go = _problem(rng, (1, 4) + (7,) * rank, w_shape, kw, np.float64)
    out = conv_weight(rank)(x[0], w_shape, go[0], **kw, method=method)
    np.testing.assert_array_equal(out, conv_weight(rank)(x, w_shape, go, **kw, method=method))
    check_weight(out, x, w_shape, go, kw, np.float64, method)


MIXED = [  # (first, grad_output) dtypes -> result
    (np.float32, np.float64, np.float64),
    (np.float64, np.float32, np.float64),
    (np.float32, np.float32, np.float32),
]


@pytest.mark.parametrize("at,gt,expected", MIXED, ids=lambda v: getattr(v, "__name__", v))
@pytest.mark.parametrize("method", INPUT_METHODS)
def test_input_mixed_dtypes_compute_in_the_wider_one(method, at, gt, expected):
    rng = np.random.default_rng(3)
    kw = _full(dict(stride=2, padding=1))
    _, w, go = _problem(rng, (2, 2, 9, 8), (3, 2, 3, 3), kw, np.float64)
    w, go = w.astype(at), go.astype(gt)
    out = conv_input(2)((2, 2, 9, 8), w, go, **kw, method=method)
    assert out.dtype == expected
    check_input(out, (2, 2, 9, 8), w.astype(expected), go.astype(expected), kw, expected,
                method)
    same = conv_input(2)((2, 2, 9, 8), w.astype(expected), go.astype(expected), **kw,
                         method=method)
    np.testing.assert_array_equal(out, same)


@pytest.mark.parametrize("at,gt,expected", MIXED, ids=lambda v: getattr(v, "__name__", v))
@pytest.mark.parametrize("method", WEIGHT_METHODS)
def test_weight_mixed_dtypes_compute_in_the_wider_one(method, at, gt, expected):
    rng = np.random.default_rng(4)
    kw = _full(dict(stride=2, padding=1))
    x, _, go = _problem(rng, (2, 2, 9, 8), (3, 2, 3, 3), kw, np.float64)
    x, go = x.astype(at), go.astype(gt)
    out = conv_weight(2)(x, (3, 2, 3, 3), go, **kw, method=method)
    assert out.dtype == expected
    check_weight(out, x.astype(expected), (3, 2, 3, 3), go.astype(expected), kw, expected,
                 method)
    same = conv_weight(2)(x.astype(expected), (3, 2, 3, 3), go.astype(expected), **kw,
                          method=method)
    np.testing.assert_array_equal(out, same)


# -- conv_bias -----------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 5), (1, 3, 2, 3, 4),
                                   (3, 1, 7), (0, 4, 3, 3), (2, 6, 1, 1, 1)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_conv_bias_shape_and_dtype(shape, dtype):
    rng = np.random.default_rng(seed_for("bias", shape))
    go = rng.standard_normal(shape).astype(dtype)
    db = conv_bias()(go)
    assert db.shape == (shape[1],)
    assert db.dtype == dtype
    assert_conv_close(db, conv_bias_ref(go), conv_bias_bound(go), dtype, str(shape))
    if shape[0] == 0:
        np.testing.assert_array_equal(db, 0)


@pytest.mark.skipif(torch is None, reason="torch is not importable")
@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("dtype", DTYPES)
def test_conv_bias_equals_torchs_bias_gradient(rank, dtype):
    """torch's autograd of convNd's and conv_transposeNd's bias (float32
    kept float32)."""
    rng = np.random.default_rng(seed_for("torch-bias", rank))
    x = rng.standard_normal((3, 4) + (6,) * rank).astype(dtype)
    w = rng.standard_normal((6, 2) + (3,) * rank).astype(dtype)
    kw = dict(stride=2, padding=1, groups=2)
    tb = torch.zeros(6, dtype=torch.from_numpy(x).dtype, requires_grad=True)
    out = getattr(torch.nn.functional, f"conv{rank}d")(torch.from_numpy(x),
                                                       torch.from_numpy(w), tb, **kw)
    go = rng.standard_normal(tuple(out.shape)).astype(dtype)
    out.backward(torch.from_numpy(go))
    db = conv_bias()(go)
    assert db.dtype == dtype and db.shape == (6,)
    assert_conv_close(db, tb.grad.numpy(), conv_bias_bound(go), dtype, "conv")
    # conv_transpose: weight (C_in, C_out / groups, *k), here 4 -> 6 channels
    wt = rng.standard_normal((4, 3) + (3,) * rank).astype(dtype)
    tb = torch.zeros(6, dtype=tb.dtype, requires_grad=True)
    out = getattr(torch.nn.functional, f"conv_transpose{rank}d")(
        torch.from_numpy(x), torch.from_numpy(wt), tb, **kw)
    go = rng.standard_normal(tuple(out.shape)).astype(dtype)
    out.backward(torch.from_numpy(go))
    assert_conv_close(conv_bias()(go), tb.grad.numpy(), conv_bias_bound(go), dtype,
                      "conv_transpose")


def test_conv_bias_of_an_unbatched_gradient_with_a_leading_axis():
    go = np.arange(24.0).reshape(3, 2, 4)       # unbatched (C_out, H, W)
    np.testing.assert_array_equal(conv_bias()(go[None]), go.sum(axis=(1, 2)))
    np.testing.assert_array_equal(conv_bias()(go[None]), [28, 92, 156])


# -- layouts; inputs never modified -----------------------------------------------

LAYOUTS = ["C", "F", "negative", "strided", "readonly", "bigendian"]
LAYOUT_KW = _full(dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("method", INPUT_METHODS)
def test_input_layouts(method, layout, dtype):
    rng = np.random.default_rng(seed_for("layout", layout))
    _, w, go = _problem(rng, (2, 4, 7, 6), (4, 2, 3, 2), LAYOUT_KW, dtype)
    expected = conv_input(2)((2, 4, 7, 6), w, go, **LAYOUT_KW, method=method)
    wl, gl = with_layout(w, layout), with_layout(go, layout)
    before = [snapshot(a) for a in (wl, gl)]
    out = conv_input(2)((2, 4, 7, 6), wl, gl, **LAYOUT_KW, method=method)
    assert [snapshot(a) for a in (wl, gl)] == before, "an input was modified"
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, expected)
    check_input(out, (2, 4, 7, 6), w, go, LAYOUT_KW, dtype, method, with_torch=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("method", WEIGHT_METHODS)
def test_weight_layouts(method, layout, dtype):
    rng = np.random.default_rng(seed_for("layout-w", layout))
    x, _, go = _problem(rng, (2, 4, 7, 6), (4, 2, 3, 2), LAYOUT_KW, dtype)
    expected = conv_weight(2)(x, (4, 2, 3, 2), go, **LAYOUT_KW, method=method)
    xl, gl = with_layout(x, layout), with_layout(go, layout)
    before = [snapshot(a) for a in (xl, gl)]
    out = conv_weight(2)(xl, (4, 2, 3, 2), gl, **LAYOUT_KW, method=method)
    assert [snapshot(a) for a in (xl, gl)] == before, "an input was modified"
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, expected)
    check_weight(out, x, (4, 2, 3, 2), go, LAYOUT_KW, dtype, method, with_torch=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_bias_layouts(layout, dtype):
    go = np.random.default_rng(1).standard_normal((3, 4, 5, 6)).astype(dtype)
    gl = with_layout(go, layout)
    before = snapshot(gl)
    db = conv_bias()(gl)
    assert snapshot(gl) == before
    assert db.dtype == np.dtype(dtype) and db.dtype.isnative
    np.testing.assert_array_equal(db, conv_bias()(go))


@pytest.mark.parametrize("method", sorted(set(INPUT_METHODS) | set(WEIGHT_METHODS)))
def test_nested_lists_and_tuple_sizes(method):
    rng = np.random.default_rng(6)
    kw = dict(padding=1, groups=2, stride=2)
    x, w, go = _problem(rng, (2, 4, 7, 6), (4, 2, 3, 2), _full(kw), np.float64)
    if method in INPUT_METHODS:
        out = conv_input(2)([2, 4, 7, 6], w.tolist(), go.tolist(), **kw, method=method)
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out, conv_input(2)(x.shape, w, go, **kw, method=method))
    if method in WEIGHT_METHODS:
        out = conv_weight(2)(x.tolist(), [4, 2, 3, 2], go.tolist(), **kw, method=method)
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out, conv_weight(2)(x, w.shape, go, **kw, method=method))
    db = conv_bias()(go.tolist())
    assert db.dtype == np.float64
    np.testing.assert_array_equal(db, conv_bias()(go))


def test_inputs_are_never_modified():
    rng = np.random.default_rng(5)
    for rank in (1, 2, 3):
        kw = _full(dict(padding=1, groups=3, dilation=2, stride=2))
        x, w, go = _problem(rng, (2, 3) + (5,) * rank, (3, 1) + (2,) * rank, kw, np.float32)
        copies = [a.copy() for a in (x, w, go)]
        for m in INPUT_METHODS:
            conv_input(rank)(x.shape, w, go, **kw, method=m)
        for m in WEIGHT_METHODS:
            conv_weight(rank)(x, w.shape, go, **kw, method=m)
        conv_bias()(go)
        for a, c in zip((x, w, go), copies):
            np.testing.assert_array_equal(a, c)
            assert a.flags.writeable and a.flags.c_contiguous


# -- consistency with conv_transpose ---------------------------------------------------

@pytest.mark.parametrize("case", GRAD_CASES[::2], ids=case_id)
@pytest.mark.parametrize("method", INPUT_METHODS)
def test_input_gradient_is_the_transposed_convolution(method, case):
    """conv_input(input_size, w, y) = conv_transpose(y, w) with the output
    padding of input_size's remainder."""
    x_shape, w_shape, kw, dtype = grad_problem(case)
    rank = len(w_shape) - 2
    if not hasattr(nn, f"conv_transpose{rank}d"):
        pytest.skip("conv_transpose is not in this build")
    rng = np.random.default_rng(seed_for("as-transpose", case_id(case)))
    _, w, go = _problem(rng, x_shape, w_shape, kw, dtype)
    op = output_padding_for(x_shape[2:], w_shape[2:], kw["stride"], kw["padding"],
                            kw["dilation"])
    t = getattr(nn, f"conv_transpose{rank}d")(go, w, None, kw["stride"], kw["padding"], op,
                                              kw["groups"], kw["dilation"], method=method)
    dx = conv_input(rank)(x_shape, w, go, **kw, method=method)
    assert_conv_close(dx, t, conv_input_bound(x_shape, w, go, **kw), dtype, method)


# -- finite differences (float64) -------------------------------------------------


FD_CASES = [  # (x_shape, w_shape (C_out, C_in / groups, *k), kwargs)
    ((2, 2, 9), (3, 2, 3), dict(stride=2, padding=1)),
    ((1, 4, 10), (4, 1, 2), dict(stride=3, dilation=2, groups=4, padding=3)),
    ((1, 2, 6, 5), (2, 2, 3, 2), dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2))),
    ((2, 4, 5, 6), (4, 2, 2, 3), dict(stride=3, groups=2, padding=(0, 1))),
    ((1, 2, 3, 5, 4), (2, 1, 2, 2, 3), dict(stride=(1, 2, 2), padding=(0, 1, 1), groups=2)),
]


def _fd_setup(case):
    xs, ws, kw = FD_CASES[case]
    kw = _full(kw)
    rng = np.random.default_rng(seed_for("fd", case))
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    b = rng.standard_normal(ws[0])
    r = rng.standard_normal(CONV[len(ws) - 2](x, w, b, **kw).shape)
    return x, w, b, r, kw


@pytest.mark.parametrize("case", range(len(FD_CASES)))
@pytest.mark.parametrize("method", INPUT_METHODS)
def test_input_finite_differences(method, case):
    """loss = sum(convNd(x, w, b) * R): dL/dx = convNd_input(x.shape, w, R)."""
    x, w, b, r, kw = _fd_setup(case)
    f = CONV[w.ndim - 2]
    dx = fd_grad(lambda v: np.vdot(f(v, w, b, **kw), r), x)
    got = conv_input(w.ndim - 2)(x.shape, w, r, **kw, method=method)
    bound = conv_input_bound(x.shape, w, r, **kw)
    assert np.max(np.abs(got - dx)) <= FD_TOL * np.max(bound)
    assert_conv_close(got, conv_input_ref(x.shape, w, r, **kw), bound, np.float64, method)


@pytest.mark.parametrize("case", range(len(FD_CASES)))
@pytest.mark.parametrize("method", WEIGHT_METHODS)
def test_weight_finite_differences(method, case):
    """loss = sum(convNd(x, w, b) * R): dL/dw = convNd_weight(x, w.shape, R)."""
    x, w, b, r, kw = _fd_setup(case)
    f = CONV[w.ndim - 2]
    dw = fd_grad(lambda v: np.vdot(f(x, v, b, **kw), r), w)
    got = conv_weight(w.ndim - 2)(x, w.shape, r, **kw, method=method)
    bound = conv_weight_bound(x, w.shape, r, **kw)
    assert np.max(np.abs(got - dw)) <= FD_TOL * np.max(bound)
    assert_conv_close(got, conv_weight_ref(x, w.shape, r, **kw), bound, np.float64, method)


@pytest.mark.parametrize("case", range(len(FD_CASES)))
def test_bias_finite_differences(case):
    """loss = sum(convNd(x, w, b) * R): dL/db = conv_bias(R)."""
    x, w, b, r, kw = _fd_setup(case)
    f = CONV[w.ndim - 2]
    db = fd_grad(lambda v: np.vdot(f(x, w, v, **kw), r), b)
    got = conv_bias()(r)
    assert np.max(np.abs(got - db)) <= FD_TOL * np.max(conv_bias_bound(r))


# -- every SIMD level the CPU has --------------------------------------------------

def _isa_problems():
    problems = [grad_problem(c) for c in GRAD_CASES[::5]]
    problems += [(xs, ws, _full(kw), np.dtype(dt)) for _, xs, ws, kw in GRAD_SHAPE_CASES[::3]
                 for dt in ("float32", "float64")]
    return problems


@pytest.mark.parametrize("isa", _dispatch.supported_isas())
@pytest.mark.parametrize("op,method", [("input", m) for m in INPUT_METHODS]
                         + [("weight", m) for m in WEIGHT_METHODS], ids=str)
def test_every_simd_level(op, method, isa):
    with _dispatch.forced_isa(isa):
        for i, (xs, ws, kw, dtype) in enumerate(_isa_problems()):
            rng = np.random.default_rng(seed_for("isa", i))
            x, w, go = _problem(rng, xs, ws, kw, dtype)
            what = f"{isa} {op} {method} {i}"
            if op == "input":
                out = conv_input(len(ws) - 2)(xs, w, go, **kw, method=method)
                check_input(out, xs, w, go, kw, dtype, what, with_torch=False)
            else:
                out = conv_weight(len(ws) - 2)(x, ws, go, **kw, method=method)
                check_weight(out, x, ws, go, kw, dtype, what, with_torch=False)


# -- hypothesis: random geometries against the reference ---------------------------

@settings(max_examples=min(60, settings().max_examples), deadline=None)
@given(problem=conv_geometries(st), method=st.sampled_from(sorted(set(INPUT_METHODS)
                                                                  | set(WEIGHT_METHODS))),
       dtype=st.sampled_from(DTYPES), seed=st.integers(0, 2**32 - 1))
def test_hypothesis_against_reference(problem, method, dtype, seed):
    rng = np.random.default_rng(seed)
    kw, rank = problem["kw"], problem["rank"]
    x_shape = problem["x_shape"][1:] if problem["unbatched"] else problem["x_shape"]
    x, w, go = _problem(rng, x_shape, problem["w_shape"], kw, dtype)
    if method in INPUT_METHODS:
        out = conv_input(rank)(x_shape, w, go, **kw, method=method)
        check_input(out, x_shape, w, go, kw, dtype, f"{method} {problem}", with_torch=False)
    if method in WEIGHT_METHODS:
        out = conv_weight(rank)(x, w.shape, go, **kw, method=method)
        check_weight(out, x, w.shape, go, kw, dtype, f"{method} {problem}", with_torch=False)


# -- the adjoint identities (hypothesis) ----------------------------------------------

def _adjoint_setup(problem, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(problem["x_shape"])
    w = rng.standard_normal(problem["w_shape"])
    if problem["unbatched"]:
        x = x[0]
    fwd = CONV[problem["rank"]](x, w, **problem["kw"], method="direct")
    y = rng.standard_normal(fwd.shape)
    # Each side within 1e-12 of the largest term sum times sum |y|.
    scale = float(np.max(conv_bound(x, w, **problem["kw"]))) * float(np.abs(y).sum())
    return x, w, y, np.vdot(fwd, y), scale


@settings(max_examples=min(60, settings().max_examples), deadline=None)
@given(problem=conv_geometries(st), method=st.sampled_from(INPUT_METHODS),
       seed=st.integers(0, 2**32 - 1))
def test_input_adjoint_identity(problem, method, seed):
    """<conv(x, w), y> = <x, convNd_input(x.shape, w, y)>."""
    x, w, y, lhs, scale = _adjoint_setup(problem, seed)
    back = conv_input(problem["rank"])(x.shape, w, y, **problem["kw"], method=method)
    assert back.shape == x.shape
    rhs = np.vdot(x, back)
    assert abs(lhs - rhs) <= 1e-12 * scale, (lhs, rhs, problem)


@settings(max_examples=min(60, settings().max_examples), deadline=None)
@given(problem=conv_geometries(st), method=st.sampled_from(WEIGHT_METHODS),
       seed=st.integers(0, 2**32 - 1))
def test_weight_adjoint_identity(problem, method, seed):
    """<convNd_weight(x, w.shape, y), w> = <conv(x, w), y>."""
    x, w, y, lhs, scale = _adjoint_setup(problem, seed)
    dw = conv_weight(problem["rank"])(x, w.shape, y, **problem["kw"], method=method)
    assert dw.shape == w.shape
    rhs = np.vdot(dw, w)
    assert abs(lhs - rhs) <= 1e-12 * scale, (lhs, rhs, problem)


# -- threads ---------------------------------------------------------------------

THREAD_CASES = [  # (input_size, w_shape, kwargs, dtype)
    ((8, 32, 34, 33), (32, 16, 3, 3), dict(stride=2, padding=1, groups=2), np.float64),
    ((4, 8, 40, 36), (16, 8, 3, 3), dict(padding=1), np.float32),
    ((4, 8, 41, 37), (16, 8, 3, 3), dict(padding=1, stride=2), np.float64),
    ((2, 6, 12, 14, 10), (6, 2, 3, 2, 3), dict(groups=3, stride=(1, 2, 1)), np.float32),
    ((8, 16, 500), (32, 16, 9), dict(dilation=2, padding=8, stride=3), np.float64),
    ((3, 12, 30, 30), (24, 1, 5, 5), dict(groups=12, padding=2), np.float32),
]


def _thread_case(i):
    xs, ws, kw, dtype = THREAD_CASES[i]
    kw = _full(kw)
    rng = np.random.default_rng(seed_for("threads", i))
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal(ws).astype(dtype)
    go = rng.standard_normal(CONV[len(ws) - 2](x, w, **kw).shape).astype(dtype)
    return x, w, go, kw


def _calls(op, method):
    """call(x, w, go, kw) of one gradient op with one method."""
    def call(x, w, go, kw):
        rank = w.ndim - 2
        if op == "input":
            return conv_input(rank)(x.shape, w, go, **kw, method=method)
        if op == "weight":
            return conv_weight(rank)(x, w.shape, go, **kw, method=method)
        return conv_bias()(go)
    return call


OPS_METHODS = ([("input", m) for m in INPUT_FIXED] + [("weight", m) for m in WEIGHT_FIXED]
               + [("bias", None)])
OPS_ALL_METHODS = ([("input", m) for m in INPUT_METHODS]
                   + [("weight", m) for m in WEIGHT_METHODS] + [("bias", None)])


@pytest.mark.parametrize("case", range(len(THREAD_CASES)))
@pytest.mark.parametrize("op,method", OPS_METHODS, ids=lambda v: str(v))
def test_one_and_two_threads_are_bit_identical(op, method, case):
    x, w, go, kw = _thread_case(case)
    call = _calls(op, method)
    before = convcore.get_num_threads()
    results = []
    for n in (1, 2, 1):
        with convcore.threads(n):
            results.append(call(x, w, go, kw))
    assert convcore.get_num_threads() == before
    assert results[0].tobytes() == results[1].tobytes() == results[2].tobytes()
    if op == "input":
        check_input(results[1], x.shape, w, go, kw, x.dtype, method, with_torch=False)
    elif op == "weight":
        check_weight(results[1], x, w.shape, go, kw, x.dtype, method, with_torch=False)


@pytest.mark.parametrize("op,method", OPS_ALL_METHODS, ids=lambda v: str(v))
def test_eight_python_threads_at_once_equal_serial_calls(op, method):
    cases = [_thread_case(i) for i in range(len(THREAD_CASES))]
    call = _calls(op, method)
    jobs = [i for _ in range(3) for i in range(len(cases))]
    serial = [call(*c) for c in cases]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: call(*cases[i]), jobs))
    for i, out in zip(jobs, results):
        assert out.tobytes() == serial[i].tobytes(), f"case {i}"


def test_the_methods_are_the_apis():
    """The registries hold the methods the API names (and no other is
    run under their names)."""
    assert set(INPUT_FIXED) == set(API_INPUT_METHODS), INPUT_FIXED
    assert set(WEIGHT_FIXED) >= set(API_WEIGHT_METHODS), WEIGHT_FIXED


@pytest.mark.parametrize("kind", ["trend", "dc", "dynamic"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_data_users_have(dtype, kind):
    rng = np.random.default_rng(seed_for("user grad", kind, np.dtype(dtype).str))
    x = user_data(rng, (2, 4, 13, 10), dtype, kind)
    w = user_data(rng, (6, 2, 3, 3), dtype, kind)
    kw = dict(stride=(2, 1), padding=(1, 1), dilation=(1, 2), groups=2)
    go = user_data(rng, (2, 6) + tuple(nn.conv2d(x, w, **kw).shape[2:]), dtype, kind)
    for method in INPUT_METHODS:
        check_input(nn.grad.conv2d_input(x.shape, w, go, **kw, method=method), x.shape, w, go,
                    kw, dtype, f"input {method} {kind}")
    for method in WEIGHT_METHODS:
        check_weight(nn.grad.conv2d_weight(x, w.shape, go, **kw, method=method), x, w.shape,
                     go, kw, dtype, f"weight {method} {kind}")
