"""convcore.nn.conv_transpose1d/2d/3d against the plain NumPy reference
(_conv_grad_ref, always) and torch.nn.functional.conv_transposeNd (when
importable), for every method and 'auto'.

The reference itself is checked against torch and against worked examples
by hand first.  The geometry matrix (rank x stride x padding x
output_padding x dilation x groups x dtype) is a fixed pairwise list plus a
fixed random sample, run for every method; odd shapes, unbatched inputs,
mixed dtypes, memory layouts, thread counts and concurrent calls run
besides; finite differences check the gradients the op's adjoint gives,
and hypothesis checks the adjoint identity <conv(x, w), y> = <x,
conv_transpose(y, w)> on random geometries.
"""
import concurrent.futures

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convcore
import convcore.nn as nn
from convcore import _dispatch
from _conv_grad_ref import (TRANSPOSE_AXES, TRANSPOSE_CASES, TRANSPOSE_SHAPE_CASES, case_id,
                            conv_geometries, conv_input_ref, conv_transpose_bound,
                            conv_transpose_ref, conv_weight_bound, conv_weight_ref,
                            output_padding_for, torch_conv_transpose, transpose_out_size,
                            transpose_problem, user_data, fd_grad, FD_TOL)
from _conv_ref import (TOL, assert_conv_close, conv_bound, conv_ref, random_case, seed_for,
                       snapshot, with_layout)

try:
    import torch
except ImportError:  # the NumPy reference still runs
    torch = None


def _fixed_methods():
    """The methods conv_transpose runs: a registry of its own if the
    implementation has one, else the forward convolutions' (it runs each
    phase with a forward method), else the names of the API."""
    try:
        from convcore.nn import _transpose
        if hasattr(_transpose, "METHODS"):
            return list(_transpose.METHODS)
    except ImportError:
        pass
    try:
        from convcore.nn import _conv_methods
        return [m for m in _conv_methods.METHODS if m in ("direct", "im2col", "fft")] or \
            ["direct", "im2col", "fft"]
    except ImportError:
        return ["direct", "im2col", "fft"]


FIXED_METHODS = _fixed_methods()
METHODS = ["auto", *FIXED_METHODS]
DTYPES = [np.float32, np.float64]


def _op(rank):
    name = f"conv_transpose{rank}d"
    if not hasattr(nn, name):
        pytest.skip(f"convcore.nn.{name} is not in this build")
    return getattr(nn, name)


def _conv_weight(rank):
    grad = nn.grad
    if not hasattr(grad, f"conv{rank}d_weight"):
        return None
    return getattr(grad, f"conv{rank}d_weight")


CONV = {1: nn.conv1d, 2: nn.conv2d, 3: nn.conv3d}


def _full(kw):
    full = dict(stride=1, padding=0, output_padding=0, groups=1, dilation=1)
    full.update(kw)
    return full


def _case(rng, x_shape, w_shape, dtype, bias=True, groups=1):
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[1] * groups).astype(dtype) if bias else None
    return x, w, b


def check_against_references(got, x, w, b, kw, dtype, what, with_torch=True):
    """``got`` within the tolerance of the NumPy reference, and of torch."""
    ref = conv_transpose_ref(x, w, b, **kw)
    bound = conv_transpose_bound(x, w, b, **kw)
    assert got.dtype == ref.dtype == np.dtype(dtype), what
    assert_conv_close(got, ref, bound, dtype, what + " vs NumPy reference")
    if with_torch and torch is not None:
        assert_conv_close(got, torch_conv_transpose(x, w, b, **kw), bound, dtype,
                          what + " vs torch")
    return ref


# -- the reference itself --------------------------------------------------------

# 1-D, one channel: x = [1, 2, 3], w = [1, 10].  Each x[i] puts x[i] * w[t]
# at i*s + t*d, the output runs from position p, output_padding more long.
BY_HAND = [
    (dict(), [1, 12, 23, 30]),
    (dict(stride=2), [1, 10, 2, 20, 3, 30]),
    (dict(stride=2, padding=1), [10, 2, 20, 3]),
    (dict(stride=2, padding=1, output_padding=1), [10, 2, 20, 3, 30]),
    (dict(stride=3), [1, 10, 0, 2, 20, 0, 3, 30]),
    (dict(stride=3, output_padding=2), [1, 10, 0, 2, 20, 0, 3, 30, 0, 0]),
    (dict(dilation=2), [1, 2, 13, 20, 30]),
    (dict(dilation=3, output_padding=2), [1, 2, 3, 10, 20, 30, 0, 0]),
    (dict(padding=1), [12, 23]),
]


@pytest.mark.parametrize("kw,expected", BY_HAND, ids=[str(c[0]) for c in BY_HAND])
def test_reference_by_hand(kw, expected):
    x = np.array([[[1.0, 2.0, 3.0]]])
    w = np.array([[[1.0, 10.0]]])
    out = conv_transpose_ref(x, w, **kw)
    np.testing.assert_array_equal(out[0, 0], expected)
    assert out.shape[2:] == transpose_out_size((3,), (2,), **kw)


def test_reference_groups_by_hand():
    """Two groups, one input and two output channels each: input channel
    g reaches only output channels 2g and 2g + 1."""
    x = np.array([[[1.0, 2.0], [3.0, 5.0]]])                  # (1, 2, 2)
    w = np.array([[[1.0, 1.0], [2.0, 0.0]], [[0.0, 1.0], [1.0, -1.0]]])  # (2, 2, 2)
    out = conv_transpose_ref(x, w, groups=2)
    np.testing.assert_array_equal(out[0], [[1, 3, 2], [2, 4, 0], [0, 3, 5], [3, 2, -5]])


@pytest.mark.skipif(torch is None, reason="torch is not importable")
@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=case_id)
def test_reference_matches_torch(case):
    x_shape, w_shape, kw, dtype = transpose_problem(case)
    rng = np.random.default_rng(seed_for("ref", case_id(case)))
    x, w, b = _case(rng, x_shape, w_shape, np.float64, groups=kw["groups"])
    assert_conv_close(torch_conv_transpose(x, w, b, **kw), conv_transpose_ref(x, w, b, **kw),
                      conv_transpose_bound(x, w, b, **kw), np.float64, case_id(case))


@pytest.mark.skipif(torch is None, reason="torch is not importable")
@pytest.mark.parametrize("name,x_shape,w_shape,kw", TRANSPOSE_SHAPE_CASES,
                         ids=[c[0] for c in TRANSPOSE_SHAPE_CASES])
def test_reference_matches_torch_on_odd_shapes(name, x_shape, w_shape, kw):
    kw = _full(kw)
    rng = np.random.default_rng(seed_for("ref", name))
    x, w, b = _case(rng, x_shape, w_shape, np.float64, groups=kw["groups"])
    assert_conv_close(torch_conv_transpose(x, w, b, **kw), conv_transpose_ref(x, w, b, **kw),
                      conv_transpose_bound(x, w, b, **kw), np.float64, name)
    unbatched = torch_conv_transpose(x[0], w, b, **kw) if x.shape[0] else None
    if unbatched is not None:
        assert_conv_close(unbatched, conv_transpose_ref(x[0], w, b, **kw),
                          conv_transpose_bound(x[0], w, b, **kw), np.float64, name)


def test_reference_is_the_adjoint_of_the_convolution_reference():
    """<conv_ref(x, w), y> = <x, conv_transpose_ref(y, w)>, and the
    transposed reference is the input-gradient reference."""
    rng = np.random.default_rng(7)
    for kw in (dict(stride=2, padding=1, dilation=1, groups=2),
               dict(stride=(3, 1), padding=(0, 2), dilation=(1, 2), groups=1)):
        x, w, _ = random_case(rng, (2, 4, 9, 8), (6, 4 // kw["groups"], 3, 2), np.float64)
        y = rng.standard_normal(conv_ref(x, w, **kw).shape)
        op = output_padding_for(x.shape[2:], w.shape[2:], kw["stride"], kw["padding"],
                                kw["dilation"])
        back = conv_transpose_ref(y, w, output_padding=op, **kw)
        assert back.shape == x.shape
        np.testing.assert_allclose(np.vdot(conv_ref(x, w, **kw), y), np.vdot(x, back),
                                   rtol=1e-12)
        np.testing.assert_allclose(back, conv_input_ref(x.shape, w, y, **kw), rtol=1e-13,
                                   atol=1e-13)


# -- worked examples ---------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw,expected", BY_HAND, ids=[str(c[0]) for c in BY_HAND])
@pytest.mark.parametrize("method", METHODS)
def test_by_hand(method, kw, expected, dtype):
    x = np.array([[[1.0, 2.0, 3.0]]], dtype)
    w = np.array([[[1.0, 10.0]]], dtype)
    out = _op(1)(x, w, **kw, method=method)
    assert out.dtype == dtype
    np.testing.assert_allclose(out[0, 0], expected, rtol=0, atol=TOL[np.dtype(dtype)] * 40)
    out = _op(1)(x[0], w, np.array([0.5], dtype), **kw, method=method)  # unbatched, bias
    np.testing.assert_allclose(out[0], np.add(expected, 0.5), rtol=0,
                               atol=TOL[np.dtype(dtype)] * 40)


@pytest.mark.parametrize("method", METHODS)
def test_groups_by_hand(method):
    x = np.array([[[1.0, 2.0], [3.0, 5.0]]])
    w = np.array([[[1.0, 1.0], [2.0, 0.0]], [[0.0, 1.0], [1.0, -1.0]]])
    out = _op(1)(x, w, groups=2, method=method)
    np.testing.assert_allclose(out[0], [[1, 3, 2], [2, 4, 0], [0, 3, 5], [3, 2, -5]],
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_2d_stride_2_spreads_the_kernel(method):
    """One input pixel of 1 at (1, 1), stride 2: the 3x3 kernel lands at
    (2, 2); a second pixel of 2 at (1, 2) adds 2 * kernel at (2, 4), the
    two overlapping in column 4."""
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1], x[0, 0, 1, 2] = 1.0, 2.0
    k = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    out = _op(2)(x, k, stride=2, method=method)
    assert out.shape == (1, 1, 7, 7)
    expected = np.zeros((7, 7))
    expected[2:5, 2:5] += k[0, 0]
    expected[2:5, 4:7] += 2 * k[0, 0]
    np.testing.assert_allclose(out[0, 0], expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(expected[2], [0, 0, 1, 2, 5, 4, 6])


# -- the geometry matrix ---------------------------------------------------------

@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=case_id)
@pytest.mark.parametrize("method", METHODS)
def test_geometry_matrix(method, case):
    x_shape, w_shape, kw, dtype = transpose_problem(case)
    rank = len(w_shape) - 2
    rng = np.random.default_rng(seed_for(case_id(case)))
    x, w, b = _case(rng, x_shape, w_shape, dtype, bias=rng.random() < 0.7,
                    groups=kw["groups"])
    out = _op(rank)(x, w, b, **kw, method=method)
    check_against_references(out, x, w, b, kw, dtype, f"{method} {case_id(case)}")


def test_the_matrix_covers_every_value():
    """Every value of every axis occurs, and the cases the issue names."""
    for axis, values in TRANSPOSE_AXES.items():
        assert {c[axis] for c in TRANSPOSE_CASES} == set(values), axis
    problems = [transpose_problem(c) for c in TRANSPOSE_CASES]
    # output_padding below the dilation but not the stride
    assert any(np.any((np.array(kw["output_padding"]) >= np.array(kw["stride"]))
                      & (np.array(kw["output_padding"]) > 0)) for _, _, kw, _ in problems)
    # an output smaller than the input
    assert any(np.any(np.array(transpose_out_size(xs[2:], ws[2:], **kw_no_groups(kw)))
                      < np.array(xs[2:])) for xs, ws, kw, _ in problems)


def kw_no_groups(kw):
    return {k: v for k, v in kw.items() if k != "groups"}


# -- odd shapes ------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,x_shape,w_shape,kw", TRANSPOSE_SHAPE_CASES,
                         ids=[c[0] for c in TRANSPOSE_SHAPE_CASES])
@pytest.mark.parametrize("method", METHODS)
def test_odd_shapes(method, name, x_shape, w_shape, kw, dtype):
    kw = _full(kw)
    rng = np.random.default_rng(seed_for(name))
    x, w, b = _case(rng, x_shape, w_shape, dtype, groups=kw["groups"])
    out = _op(len(w_shape) - 2)(x, w, b, **kw, method=method)
    check_against_references(out, x, w, b, kw, dtype, f"{method} {name}")


@pytest.mark.parametrize("method", METHODS)
def test_output_padding_below_the_dilation_at_stride_1(method):
    """stride 1, dilation 3: output_padding 2 is valid (torch) and adds two
    samples that only the bias reaches."""
    rng = np.random.default_rng(11)
    x, w, b = _case(rng, (2, 3, 6), (3, 2, 3), np.float64)
    kw = _full(dict(dilation=3, output_padding=2))
    out = _op(1)(x, w, b, **kw, method=method)
    assert out.shape == (2, 2, 6 + 6 + 2)
    check_against_references(out, x, w, b, kw, np.float64, method)
    np.testing.assert_allclose(out[:, :, -2:], np.broadcast_to(b[:, None], (2, 2, 2)),
                               rtol=0, atol=1e-12)
    plain = _op(1)(x, w, b, dilation=3, method=method)
    np.testing.assert_allclose(out[:, :, :-2], plain, rtol=0, atol=1e-12)


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("method", METHODS)
def test_positions_no_tap_reaches_are_the_bias(method, rank):
    """stride 4 with a 2-tap kernel: two of every four outputs are reached
    by no product, and are exactly the bias."""
    rng = np.random.default_rng(rank)
    x, w, b = _case(rng, (1, 2) + (3,) * rank, (2, 3) + (2,) * rank, np.float64)
    out = _op(rank)(x, w, b, stride=4, output_padding=3, method=method)
    assert out.shape == (1, 3) + (13,) * rank
    check_against_references(out, x, w, b, _full(dict(stride=4, output_padding=3)),
                             np.float64, method)
    gaps = (slice(None), slice(None)) + (slice(2, None, 4),) * rank
    np.testing.assert_array_equal(out[gaps],
                                  np.broadcast_to(b.reshape((-1,) + (1,) * rank),
                                                  out[gaps].shape))


# -- unbatched inputs, bias, mixed dtypes -----------------------------------------

@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("method", METHODS)
def test_unbatched_input(method, rank):
    rng = np.random.default_rng(seed_for("unbatched", rank))
    x, w, b = _case(rng, (4,) + (4,) * rank, (4, 3) + (3,) * rank, np.float64, groups=2)
    kw = _full(dict(stride=2, padding=1, output_padding=1, groups=2))
    out = _op(rank)(x, w, b, **kw, method=method)
    assert out.shape == (6,) + (8,) * rank
    batched = _op(rank)(x[None], w, b, **kw, method=method)
    np.testing.assert_array_equal(out, batched[0])
    check_against_references(out, x, w, b, kw, np.float64, method)


@pytest.mark.parametrize("method", METHODS)
def test_bias_is_added_to_every_output(method):
    rng = np.random.default_rng(12)
    x, w, b = _case(rng, (2, 4, 5, 6), (4, 3, 3, 2), np.float64, groups=2)
    kw = dict(stride=(2, 3), padding=(1, 0), groups=2, dilation=(1, 2))
    without = _op(2)(x, w, **kw, method=method)
    with_bias = _op(2)(x, w, b, **kw, method=method)
    np.testing.assert_allclose(with_bias, without + b[:, None, None], rtol=1e-13, atol=1e-13)


MIXED = [  # (x, weight, bias) dtypes -> result
    (np.float32, np.float64, None, np.float64),
    (np.float64, np.float32, None, np.float64),
    (np.float32, np.float64, np.float32, np.float64),
    (np.float64, np.float32, np.float64, np.float64),
    (np.float32, np.float32, np.float64, np.float32),
]


@pytest.mark.parametrize("xt,wt,bt,expected", MIXED,
                         ids=lambda v: getattr(v, "__name__", str(v)))
@pytest.mark.parametrize("method", METHODS)
def test_mixed_dtypes_compute_in_the_wider_one(method, xt, wt, bt, expected):
    rng = np.random.default_rng(3)
    x, w, b = _case(rng, (2, 2, 6, 5), (2, 3, 3, 3), np.float64)
    x, w = x.astype(xt), w.astype(wt)
    b = None if bt is None else b.astype(bt)
    kw = _full(dict(stride=2, padding=1, output_padding=1))
    out = _op(2)(x, w, b, **kw, method=method)
    assert out.dtype == expected
    b_exp = None if b is None else b.astype(expected)
    ref = conv_transpose_ref(x.astype(expected), w.astype(expected), b_exp, **kw)
    assert_conv_close(out, ref, conv_transpose_bound(x, w, b_exp, **kw), expected, method)
    same = _op(2)(x.astype(expected), w.astype(expected), b_exp, **kw, method=method)
    np.testing.assert_array_equal(out, same)


# -- layouts; inputs never modified -----------------------------------------------

LAYOUTS = ["C", "F", "negative", "strided", "readonly", "bigendian"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("method", METHODS)
def test_layouts(method, layout, dtype):
    rng = np.random.default_rng(seed_for("layout", layout))
    x, w, b = _case(rng, (2, 4, 5, 6), (4, 3, 3, 2), dtype, groups=2)
    kw = _full(dict(stride=(2, 1), padding=(1, 0), output_padding=(1, 0), dilation=(1, 2),
                    groups=2))
    expected = _op(2)(x, w, b, **kw, method=method)
    xl, wl, bl = (with_layout(a, layout) for a in (x, w, b))
    before = [snapshot(a) for a in (xl, wl, bl)]
    out = _op(2)(xl, wl, bl, **kw, method=method)
    assert [snapshot(a) for a in (xl, wl, bl)] == before, "an input was modified"
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, expected)
    check_against_references(out, x, w, b, kw, dtype, method, with_torch=False)


@pytest.mark.parametrize("method", METHODS)
def test_nested_lists_are_float64_arrays(method):
    rng = np.random.default_rng(6)
    x, w, b = _case(rng, (2, 4, 5, 4), (4, 3, 3, 2), np.float64, groups=2)
    kw = dict(stride=2, padding=1, groups=2)
    out = _op(2)(x.tolist(), w.tolist(), b.tolist(), **kw, method=method)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, _op(2)(x, w, b, **kw, method=method))


@pytest.mark.parametrize("method", METHODS)
def test_inputs_are_never_modified(method):
    rng = np.random.default_rng(5)
    for rank in (1, 2, 3):
        x, w, b = _case(rng, (2, 3) + (4,) * rank, (3, 2) + (2,) * rank, np.float32, groups=3)
        copies = [a.copy() for a in (x, w, b)]
        _op(rank)(x, w, b, stride=2, padding=1, output_padding=1, groups=3, dilation=2,
                  method=method)
        for a, c in zip((x, w, b), copies):
            np.testing.assert_array_equal(a, c)
            assert a.flags.writeable and a.flags.c_contiguous


# -- finite differences (float64) -------------------------------------------------


FD_CASES = [  # (x_shape, w_shape (C_in, C_out / groups, *k), kwargs)
    ((2, 2, 5), (2, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    ((1, 4, 4), (4, 1, 2), dict(stride=3, dilation=2, groups=4, output_padding=2)),
    ((1, 2, 3, 4), (2, 2, 3, 2), dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2))),
    ((2, 4, 3, 3), (4, 2, 2, 3), dict(stride=2, groups=2, padding=(0, 1),
                                      output_padding=(1, 0))),
    ((1, 2, 2, 3, 2), (2, 2, 2, 2, 3), dict(stride=(1, 2, 2), padding=(0, 1, 1),
                                            output_padding=(0, 1, 0))),
]


@pytest.mark.parametrize("case", range(len(FD_CASES)))
@pytest.mark.parametrize("method", METHODS)
def test_finite_differences(method, case):
    """loss = sum(conv_transpose(x, w, b) * R): dL/dx is conv(R, w) (the
    forward convolution, convcore.nn.convNd), dL/dw is conv_weight(R,
    w.shape, x), dL/db the sum of R; central differences of the loss
    agree with each."""
    xs, ws, kw = FD_CASES[case]
    kw = _full(kw)
    rank = len(ws) - 2
    f = _op(rank)
    rng = np.random.default_rng(seed_for("fd", case))
    x, w, b = _case(rng, xs, ws, np.float64, groups=kw["groups"])
    r = rng.standard_normal(f(x, w, b, **kw, method=method).shape)
    conv_kw = dict(stride=kw["stride"], padding=kw["padding"], dilation=kw["dilation"],
                   groups=kw["groups"])

    dx = fd_grad(lambda v: np.vdot(f(v, w, b, **kw, method=method), r), x)
    analytic = CONV[rank](r, w, **conv_kw)
    assert np.max(np.abs(dx - analytic)) <= FD_TOL * np.max(conv_bound(r, w, **conv_kw)), "dx"

    dw = fd_grad(lambda v: np.vdot(f(x, v, b, **kw, method=method), r), w)
    ref = conv_weight_ref(r, w.shape, x, **conv_kw)
    bound = conv_weight_bound(r, w.shape, x, **conv_kw)
    assert np.max(np.abs(dw - ref)) <= FD_TOL * np.max(bound), "dw"
    weight_grad = _conv_weight(rank)
    if weight_grad is not None:
        assert_conv_close(weight_grad(r, w.shape, x, **conv_kw), ref, bound, np.float64,
                          "conv_weight")

    db = fd_grad(lambda v: np.vdot(f(x, w, v, **kw, method=method), r), b)
    sums = r.sum(axis=(0,) + tuple(range(2, r.ndim)))
    assert np.max(np.abs(db - sums)) <= FD_TOL * np.max(np.abs(r).sum(
        axis=(0,) + tuple(range(2, r.ndim))))


# -- every SIMD level the CPU has --------------------------------------------------

@pytest.mark.parametrize("isa", _dispatch.supported_isas())
@pytest.mark.parametrize("method", METHODS)
def test_every_simd_level(method, isa):
    problems = [transpose_problem(c) for c in TRANSPOSE_CASES[::5]]
    problems += [(xs, ws, _full(kw), np.dtype(dt)) for _, xs, ws, kw in TRANSPOSE_SHAPE_CASES[::3]
                 for dt in ("float32", "float64")]
    with _dispatch.forced_isa(isa):
        for i, (xs, ws, kw, dtype) in enumerate(problems):
            rng = np.random.default_rng(seed_for("isa", i))
            x, w, b = _case(rng, xs, ws, dtype, groups=kw["groups"])
            out = _op(len(ws) - 2)(x, w, b, **kw, method=method)
            check_against_references(out, x, w, b, kw, dtype, f"{isa} {method} {i}",
                                     with_torch=False)


# -- hypothesis: random geometries against the reference ---------------------------

@st.composite
def transpose_problems(draw):
    rank = draw(st.integers(1, 3))
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 2))
    c_out_g = draw(st.integers(1, 2))
    n = draw(st.integers(0, 2))
    max_size = {1: 12, 2: 6, 3: 4}[rank]
    spatial = tuple(draw(st.integers(1, max_size)) for _ in range(rank))
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    stride = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1))
                           for s, d in zip(stride, dilation))
    padding = tuple(draw(st.integers(0, d * (k - 1) + 2)) for k, d in zip(kernel, dilation))
    # At most what leaves an output of one sample.
    base = transpose_out_size(spatial, kernel, stride, 0, output_padding, dilation)
    padding = tuple(min(p, (b - 1) // 2) for p, b in zip(padding, base))
    unbatched = n >= 1 and draw(st.booleans())
    x_shape = ((c_in,) if unbatched else (n, c_in)) + spatial
    return dict(rank=rank, x_shape=x_shape, w_shape=(c_in, c_out_g) + kernel,
                kw=dict(stride=stride, padding=padding, output_padding=output_padding,
                        groups=groups, dilation=dilation),
                method=draw(st.sampled_from(METHODS)),
                dtype=draw(st.sampled_from(DTYPES)))


@settings(max_examples=min(60, settings().max_examples), deadline=None)
@given(problem=transpose_problems(), seed=st.integers(0, 2**32 - 1), bias=st.booleans())
def test_hypothesis_against_reference(problem, seed, bias):
    rng = np.random.default_rng(seed)
    kw = problem["kw"]
    x, w, b = _case(rng, problem["x_shape"], problem["w_shape"], problem["dtype"], bias,
                    kw["groups"])
    out = _op(problem["rank"])(x, w, b, **kw, method=problem["method"])
    check_against_references(out, x, w, b, kw, problem["dtype"], str(problem),
                             with_torch=False)


# -- the adjoint identity (hypothesis) ----------------------------------------------

@settings(max_examples=min(60, settings().max_examples), deadline=None)
@given(problem=conv_geometries(st), method=st.sampled_from(METHODS),
       seed=st.integers(0, 2**32 - 1))
def test_adjoint_identity(problem, method, seed):
    """<conv(x, w), y> = <x, conv_transpose(y, w)> with the output padding
    that brings conv_transpose back to x's size (float64)."""
    rank, kw = problem["rank"], problem["kw"]
    f = _op(rank)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(problem["x_shape"])
    w = rng.standard_normal(problem["w_shape"])
    if problem["unbatched"]:
        x = x[0]
    fwd = CONV[rank](x, w, **kw, method="direct")
    y = rng.standard_normal(fwd.shape)
    op = output_padding_for(x.shape[-rank:], w.shape[2:], kw["stride"], kw["padding"],
                            kw["dilation"])
    back = f(y, w, None, kw["stride"], kw["padding"], op, kw["groups"], kw["dilation"],
             method=method)
    assert back.shape == x.shape
    lhs, rhs = np.vdot(fwd, y), np.vdot(x, back)
    # Each side is within 1e-12 of the largest term sum times sum |y|.
    scale = float(np.max(conv_bound(x, w, **kw))) * float(np.abs(y).sum())
    assert abs(lhs - rhs) <= 1e-12 * scale, (lhs, rhs, problem)


# -- threads ---------------------------------------------------------------------

THREAD_CASES = [  # (x_shape, w_shape, kwargs, dtype)
    ((8, 32, 32, 32), (32, 16, 3, 3), dict(stride=2, padding=1, output_padding=1), np.float64),
    ((4, 16, 20, 18), (16, 8, 3, 3), dict(stride=2, padding=1, output_padding=1), np.float32),
    ((4, 16, 20, 18), (16, 8, 3, 3), dict(stride=1, padding=1), np.float64),
    ((2, 6, 8, 10, 7), (6, 2, 3, 2, 3), dict(groups=3, stride=(1, 2, 2)), np.float32),
    ((8, 16, 200), (16, 16, 9), dict(dilation=2, stride=3, padding=4), np.float64),
    ((3, 12, 16, 16), (12, 2, 5, 5), dict(groups=12, stride=2, padding=2, output_padding=1),
     np.float32),
]


def _thread_case(i):
    xs, ws, kw, dtype = THREAD_CASES[i]
    rng = np.random.default_rng(seed_for("threads", i))
    x, w, b = _case(rng, xs, ws, dtype, groups=kw.get("groups", 1))
    return x, w, b, kw


@pytest.mark.parametrize("case", range(len(THREAD_CASES)))
@pytest.mark.parametrize("method", FIXED_METHODS)
def test_one_and_two_threads_are_bit_identical(method, case):
    x, w, b, kw = _thread_case(case)
    f = _op(w.ndim - 2)
    before = convcore.get_num_threads()
    results = []
    for n in (1, 2, 1):
        with convcore.threads(n):
            results.append(f(x, w, b, **kw, method=method))
    assert convcore.get_num_threads() == before
    assert results[0].tobytes() == results[1].tobytes() == results[2].tobytes()
    check_against_references(results[1], x, w, b, _full(kw), x.dtype, method,
                             with_torch=False)


@pytest.mark.parametrize("method", METHODS)
def test_eight_python_threads_at_once_equal_serial_calls(method):
    cases = [_thread_case(i) for i in range(len(THREAD_CASES))]
    jobs = [i for _ in range(3) for i in range(len(cases))]

    def call(i):
        x, w, b, kw = cases[i]
        return _op(w.ndim - 2)(x, w, b, **kw, method=method)

    serial = [call(i) for i in range(len(cases))]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(call, jobs))
    for i, out in zip(jobs, results):
        assert out.tobytes() == serial[i].tobytes(), f"case {i}"


@pytest.mark.parametrize("kind", ["trend", "dc", "dynamic"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("method", METHODS)
def test_data_users_have(method, dtype, kind):
    rng = np.random.default_rng(seed_for("user", method, kind, np.dtype(dtype).str))
    x = user_data(rng, (2, 6, 11, 9), dtype, kind)
    w = user_data(rng, (6, 2, 3, 4), dtype, kind)
    b = user_data(rng, (4,), dtype, kind)
    kw = dict(stride=(2, 1), padding=(1, 2), output_padding=(1, 0), groups=2,
              dilation=(1, 2))
    out = nn.conv_transpose2d(x, w, b, **kw, method=method)
    check_against_references(out, x, w, b, kw, dtype, f"{method} {kind}")
