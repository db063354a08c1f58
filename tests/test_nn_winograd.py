"""Winograd's method of the layer convolutions (csrc/winograd/,
convcore/nn/_conv_winograd.py).

Kernel level: every variant this CPU runs (the plain C kernels included),
every tile F(2), F(4), F(6) in 1-D and F(2x2), F(4x4), F(6x6) in 2-D,
against the NumPy reference, on channels 1..67, odd sizes the tiles do not
divide, N = 1..3, groups and depthwise, paddings 0..2; 1, 2 and 3 threads
bit-identical.  API level: conv1d/conv2d(method='winograd') against the
NumPy reference and torch over paddings, padding modes, groups, unbatched
inputs and dtypes; the float32 accuracy bound on random, DC-offset, trend
and large-dynamic-range inputs; the input gradient and conv_transpose at
stride 1; refusals with their reasons; 'auto' weighing the method only where
it runs; concurrent calls; hypothesis shapes.  (test_nn_conv.py also runs
the whole geometry matrix through it, refused cases included.)
"""
import concurrent.futures

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convcore
import convcore.nn as nn
from convcore import _conv, _dispatch
from convcore.nn import _conv_methods, _conv_winograd, _transpose

from _conv_grad_ref import conv_input_bound, conv_input_ref, conv_transpose_bound
from _conv_grad_ref import conv_transpose_ref, user_data
from _conv_ref import (GROUPS, PADDING_MODES, assert_conv_close, conv_bound, conv_ref,
                       max_error_ratio, pairwise, raises, snapshot)

try:
    import torch
except ImportError:  # the NumPy reference still runs
    torch = None

ISAS = _dispatch.supported_isas()
DTYPES = [np.float32, np.float64]
TILES_1D = [(1, 2), (1, 4), (1, 6)]
TILES_2D = [(2, 2), (4, 4), (6, 6)]
CONV = {1: nn.conv1d, 2: nn.conv2d}


def kernel(x, w, b, pad, tile, groups, isa, threads=2):
    """_conv.winograd on 5-D arrays; the output pre-filled with NaN so that
    an element left unwritten shows."""
    out_size = (1,) + tuple(n + 2 * p - k + 1 for n, p, k in
                            zip(x.shape[3:], pad[1:], w.shape[3:]))
    out = np.full((x.shape[0], w.shape[0]) + out_size, np.nan, x.dtype)
    _conv.winograd(x, w, b, out, pad, tile, groups, _dispatch.ISA_NAMES.index(isa), threads)
    return out


def reference(x, w, b, pad, groups):
    """conv_ref of the 5-D problem (rank 2 on H, W) and its bound."""
    kw = dict(padding=pad[1:], groups=groups)
    x4, w4 = x[:, :, 0], w[:, :, 0]
    return conv_ref(x4, w4, b, **kw)[:, :, None], conv_bound(x4, w4, b, **kw)[:, :, None]


def rand(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


# (N, C_in, C_out, groups, H, W): channel counts 1..67, sizes the tiles do
# not divide, depthwise (C_in = groups) with a multiplier.
KERNEL_SHAPES = [
    (1, 1, 1, 1, 5, 7),
    (2, 3, 5, 1, 9, 13),
    (3, 8, 12, 2, 11, 6),
    (1, 16, 16, 16, 7, 19),
    (2, 6, 12, 6, 8, 8),
    (1, 67, 29, 1, 10, 9),
    (2, 17, 67, 1, 3, 23),
]


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("tile", TILES_1D + TILES_2D, ids=str)
@pytest.mark.parametrize("shape", KERNEL_SHAPES, ids=str)
def test_kernels_against_reference(isa, dtype, tile, shape):
    n, ci, co, g, h, wd = shape
    rng = np.random.default_rng(hash((shape, tile)) % 2**32)
    kh = 1 if tile[0] == 1 else 3
    for pad in ([(0, 0, 0), (0, 0, 2)] if kh == 1 else [(0, 0, 0), (0, 1, 1), (0, 2, 1)]):
        if h + 2 * pad[1] < kh or wd + 2 * pad[2] < 3:
            continue
        x = rand(rng, (n, ci, 1, h, wd), dtype)
        w = rand(rng, (co, ci // g, 1, kh, 3), dtype)
        b = rand(rng, (co,), dtype) if pad[2] != 2 else None
        got = kernel(x, w, b, pad, tile, g, isa)
        ref, bound = reference(x, w, b, pad, g)
        assert_conv_close(got, ref, bound, dtype, f"{isa} {tile} pad {pad}")


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("tile", [(1, 6), (4, 4), (2, 2)], ids=str)
def test_kernels_one_two_three_threads_bit_identical(isa, tile):
    rng = np.random.default_rng(5)
    kh = 1 if tile[0] == 1 else 3
    x = rand(rng, (3, 24, 1, 17 if kh == 3 else 1, 45), np.float32)
    w = rand(rng, (40, 12, 1, kh, 3), np.float32)
    b = rand(rng, (40,), np.float32)
    pad = (0, kh // 2, 1)
    one, two, three = (kernel(x, w, b, pad, tile, 2, isa, t) for t in (1, 2, 3))
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(one, three)


def test_every_isa_runs_its_own_variant():
    """The plain C kernels at 'scalar', the SIMD ones above it."""
    names = dict.fromkeys(isa for isa, _ in _conv.winograd_variants())
    assert "scalar" in names
    for isa in ISAS:
        level = _conv.winograd_kernel_isa("f32", _dispatch.ISA_NAMES.index(isa))
        assert _dispatch.ISA_NAMES[level] == isa


def test_kernel_refuses_what_it_does_not_cover():
    x = np.zeros((1, 2, 1, 8, 8), np.float32)
    out = np.zeros((1, 2, 1, 6, 6), np.float32)
    with pytest.raises(ValueError, match="invalid Winograd"):
        _conv.winograd(x, np.zeros((2, 2, 1, 5, 5), np.float32), None,
                       np.zeros((1, 2, 1, 4, 4), np.float32), (0, 0, 0), (4, 4), 1, 3, 1)
    with pytest.raises(ValueError, match="invalid Winograd"):
        _conv.winograd(x, np.zeros((2, 2, 1, 3, 3), np.float32), None, out, (0, 0, 0), (3, 3),
                       1, 3, 1)


# -- the public ops ----------------------------------------------------------------

def torch_conv(x, w, b, kw):
    rank = w.ndim - 2
    mode = kw.get("padding_mode", "zeros")
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    tb = None if b is None else torch.from_numpy(b)
    if mode == "zeros":
        return getattr(torch.nn.functional, f"conv{rank}d")(
            tx, tw, tb, padding=kw.get("padding", 0), groups=kw.get("groups", 1)).numpy()
    layer = getattr(torch.nn, f"Conv{rank}d")(
        x.shape[-rank - 1] if x.ndim == rank + 1 else x.shape[1], w.shape[0], 3,
        padding=kw["padding"], groups=kw.get("groups", 1), bias=b is not None,
        padding_mode=mode, dtype=tw.dtype)
    with torch.no_grad():
        layer.weight.copy_(tw)
        if b is not None:
            layer.bias.copy_(tb)
        return layer(tx).numpy()


def check(got, x, w, b, kw, dtype, what):
    ref = conv_ref(x, w, b, **kw)
    bound = conv_bound(x, w, b, **kw)
    assert got.dtype == np.dtype(dtype)
    assert_conv_close(got, ref, bound, dtype, what + " vs NumPy reference")
    if torch is not None:
        assert_conv_close(got, torch_conv(x, w, b, kw), bound, dtype, what + " vs torch")


API_CASES = [  # (rank, N, C_in, C_out, spatial, kw)
    (1, 2, 5, 7, (29,), dict(padding=1)),
    (1, 1, 64, 32, (257,), dict(padding="same")),
    (1, 3, 6, 6, (10,), dict(padding="valid", groups=3)),
    (1, 2, 4, 8, (13,), dict(padding=2, padding_mode="reflect")),
    (2, 2, 3, 5, (13, 11), dict(padding=1)),
    (2, 1, 16, 16, (14, 14), dict(padding="same", groups=16)),
    (2, 3, 8, 12, (9, 17), dict(padding=(0, 2), groups=4)),
    (2, 2, 4, 4, (7, 6), dict(padding=1, padding_mode="replicate")),
    (2, 1, 5, 3, (8, 9), dict(padding=(2, 1), padding_mode="circular")),
    (2, 1, 33, 67, (5, 23), dict(padding="valid")),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", API_CASES, ids=lambda c: f"{c[0]}d-{c[2]}to{c[3]}-{c[5]}")
def test_public_ops_against_references(case, dtype):
    rank, n, ci, co, size, kw = case
    rng = np.random.default_rng(hash(str(case)) % 2**32)
    x = rand(rng, (n, ci) + size, dtype)
    w = rand(rng, (co, ci // kw.get("groups", 1)) + (3,) * rank, dtype)
    b = rand(rng, (co,), dtype)
    before = snapshot(x), snapshot(w), snapshot(b)
    got = CONV[rank](x, w, b, method="winograd", **kw)
    assert (snapshot(x), snapshot(w), snapshot(b)) == before, "an input was modified"
    check(got, x, w, b, kw, dtype, f"winograd {case}")
    direct = CONV[rank](x, w, b, method="direct", **kw)
    assert_conv_close(got, direct, conv_bound(x, w, b, **kw), dtype, "winograd vs direct")
    unbatched = CONV[rank](x[0], w, b, method="winograd", **kw)
    np.testing.assert_array_equal(unbatched, got[0])


# The geometries Winograd's method covers, pairwise: rank x padding x padding
# mode x groups (plain, grouped, depthwise, depthwise x2) x dtype, on sizes
# its tiles do not divide.
MATRIX = pairwise({"rank": (1, 2), "padding": ("0", "1", "2", "tuple", "valid", "same"),
                   "padding_mode": PADDING_MODES, "groups": tuple(GROUPS),
                   "dtype": ("float32", "float64")},
                  valid=lambda r: not (r["rank"] == 1 and r["padding"] == "tuple"))


def _matrix_problem(row):
    rank = row["rank"]
    c_in, c_out, groups = GROUPS[row["groups"]]
    padding = {"tuple": (2, 0)}.get(row["padding"], row["padding"])
    padding = int(padding) if isinstance(padding, str) and padding.isdigit() else padding
    size = (23,) if rank == 1 else (9, 11)
    return (2, c_in) + size, (c_out, c_in // groups) + (3,) * rank, dict(
        padding=padding, groups=groups, padding_mode=row["padding_mode"])


@pytest.mark.parametrize("row", MATRIX, ids=lambda r: "-".join(map(str, r.values())))
def test_geometry_matrix(row):
    x_shape, w_shape, kw = _matrix_problem(row)
    dtype = np.dtype(row["dtype"]).type
    rng = np.random.default_rng(hash(str(row)) % 2**32)
    x, w, b = rand(rng, x_shape, dtype), rand(rng, w_shape, dtype), rand(rng, w_shape[:1], dtype)
    got = CONV[row["rank"]](x, w, b, method="winograd", **kw)
    check(got, x, w, b, kw, dtype, str(row))


@pytest.mark.parametrize("kind", ["random", "dc", "trend", "range"])
@pytest.mark.parametrize("rank", [1, 2])
def test_float32_accuracy_bound(rank, kind):
    """Within 1e-4 of max(|x| * |w| + |b|) in float32 (TOL), on the inputs
    users have; checked against the float64 reference."""
    rng = np.random.default_rng(7)
    size = (4099,) if rank == 1 else (61, 58)
    shape = (2, 48) + size
    if kind == "random":
        x = rand(rng, shape, np.float32)
    else:
        x = user_data(rng, shape, np.float32, kind)
    w = (rand(rng, (40, 48) + (3,) * rank, np.float32) if kind != "range"
         else user_data(rng, (40, 48) + (3,) * rank, np.float32, "range"))
    b = rand(rng, (40,), np.float32) * 100
    got = CONV[rank](x, w, b, padding=1, method="winograd")
    ref = conv_ref(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64),
                   padding=1)
    bound = conv_bound(x, w, b, padding=1)
    ratio = max_error_ratio(got, ref, bound, np.float32)
    assert ratio <= 1.0, f"error {ratio:.3g} x the bound"


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("padding", [0, 1, 2])
def test_input_gradient_and_transpose_at_stride_one(rank, dtype, padding):
    rng = np.random.default_rng(3 + padding)
    size = (31,) if rank == 1 else (15, 12)
    x_shape = (2, 6) + size
    w = rand(rng, (9, 2) + (3,) * rank, dtype)
    out = tuple(s + 2 * padding - 2 for s in size)
    g = rand(rng, (2, 9) + out, dtype)
    got = getattr(nn.grad, f"conv{rank}d_input")(x_shape, w, g, padding=padding, groups=3,
                                                 method="winograd")
    kw = dict(padding=padding, groups=3)
    assert_conv_close(got, conv_input_ref(x_shape, w, g, **kw),
                      conv_input_bound(x_shape, w, g, **kw), dtype, "input gradient")
    b = rand(rng, (6,), dtype)
    wt = rand(rng, (9, 2) + (3,) * rank, dtype)
    got = getattr(nn, f"conv_transpose{rank}d")(g, wt, b, padding=padding, groups=3,
                                                 method="winograd")
    kw = dict(padding=padding, groups=3)
    assert_conv_close(got, conv_transpose_ref(g, wt, b, **kw),
                      conv_transpose_bound(g, wt, b, **kw), dtype, "conv_transpose")


REFUSED = [  # (what, call, words of the reason)
    ("stride", lambda: nn.conv2d(np.ones((1, 2, 8, 8)), np.ones((2, 2, 3, 3)), stride=2,
                                 method="winograd"), ["stride 1", "(2, 2)"]),
    ("dilation", lambda: nn.conv1d(np.ones((1, 2, 9)), np.ones((2, 2, 3)), dilation=2,
                                   method="winograd"), ["dilation 1", "(2,)"]),
    ("5x5", lambda: nn.conv2d(np.ones((1, 2, 8, 8)), np.ones((2, 2, 5, 5)),
                              method="winograd"), ["3 taps", "(5, 5)"]),
    ("3x1", lambda: nn.conv2d(np.ones((1, 2, 8, 8)), np.ones((2, 2, 3, 1)),
                              method="winograd"), ["3 taps", "(3, 1)"]),
    ("conv3d", lambda: nn.conv3d(np.ones((1, 2, 5, 5, 5)), np.ones((2, 2, 3, 3, 3)),
                                 method="winograd"), ["conv3d"]),
    ("transpose stride 2", lambda: nn.conv_transpose2d(
        np.ones((1, 2, 5, 5)), np.ones((2, 2, 3, 3)), stride=2, method="winograd"),
     ["conv_transpose2d", "phase", "stride (2, 2)"]),
    ("input gradient dilation", lambda: nn.grad.conv1d_input(
        (1, 2, 9), np.ones((2, 2, 3)), np.ones((1, 2, 5)), dilation=2, method="winograd"),
     ["conv1d_input", "dilation"]),
]


@pytest.mark.parametrize("what,call,words", REFUSED, ids=[c[0] for c in REFUSED])
def test_geometries_it_does_not_cover_are_refused_with_the_reason(what, call, words):
    message = raises(ValueError, ["method='winograd'", "cannot run"] + words, call)
    assert "direct" not in message


def test_auto_weighs_winograd_only_where_it_runs(monkeypatch):
    x = np.ones((2, 8, 12, 12), np.float32)
    w = np.ones((8, 8, 3, 3), np.float32)
    _, costs = nn.choose_conv_method(x, w, padding=1, explain=True)
    assert "winograd" in costs and costs["winograd"] > 0
    _, costs = nn.choose_conv_method(x, w, padding=1, stride=2, explain=True)
    assert "winograd" not in costs
    # Where the model rates it cheapest, 'auto' runs it (the input gradient's
    # 'auto' too, through its phase).
    monkeypatch.setattr(_conv_methods.METHODS, "_choices", {})
    real = _conv_methods.METHODS.estimate
    monkeypatch.setattr(_conv_methods.METHODS, "estimate",
                        lambda m, *p: 1e-9 if m == "winograd" else real(m, *p))
    assert nn.choose_conv_method(x, w, padding=1) == "winograd"
    assert nn.choose_conv_method(x, w, padding=1, stride=2) != "winograd"
    spec = nn._conv.conv_problem(2, "t", x, w, None, 1, 1, 1, 1, "zeros")[3]
    assert _transpose.choose(spec) == ["winograd"]


def test_auto_picks_winograd_on_the_benchmark_layers():
    """The fitted cost table rates it fastest where it is (the 3x3 64->64
    56x56 and 256->256 14x14 float32 layers, conv1d k3 256->256)."""
    for x_shape, w_shape in [((8, 64, 56, 56), (64, 64, 3, 3)),
                             ((8, 256, 14, 14), (256, 256, 3, 3)),
                             ((8, 256, 4096), (256, 256, 3))]:
        x = np.zeros(x_shape, np.float32)
        w = np.zeros(w_shape, np.float32)
        assert nn.choose_conv_method(x, w, padding=1) == "winograd", x_shape


@pytest.mark.parametrize("rank", [1, 2])
def test_tiles_are_chosen_by_the_products_they_do(rank):
    spec = nn._conv.conv_problem(rank, "t", np.zeros((1, 1) + (56,) * rank, np.float32),
                                 np.zeros((1, 1) + (3,) * rank, np.float32), None, 1, 1, 1,
                                 1, "zeros")[3]
    assert _conv_winograd.tile(spec) == ((1, 6) if rank == 1 else (4, 4))
    small = nn._conv.conv_problem(2, "t", np.zeros((1, 1, 4, 4), np.float32),
                                  np.zeros((1, 1, 3, 3), np.float32), None, 1, 0, 1, 1,
                                  "zeros")[3]
    assert _conv_winograd.tile(small) == (2, 2)  # a 2x2 output: one F(2x2) tile


def test_threads_and_concurrent_calls_agree():
    rng = np.random.default_rng(9)
    x = rand(rng, (3, 32, 20, 27), np.float32)
    w = rand(rng, (24, 32, 3, 3), np.float32)
    b = rand(rng, (24,), np.float32)
    serial = nn.conv2d(x, w, b, padding=1, method="winograd")
    for n in (1, 2, 3):
        with convcore.threads(n):
            np.testing.assert_array_equal(nn.conv2d(x, w, b, padding=1, method="winograd"),
                                          serial)
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        outs = list(pool.map(lambda _: nn.conv2d(x, w, b, padding=1, method="winograd"),
                             range(12)))
    for out in outs:
        np.testing.assert_array_equal(out, serial)


@settings(max_examples=40, deadline=None)
@given(rank=st.sampled_from([1, 2]), n=st.integers(1, 3), groups=st.sampled_from([1, 2, 3]),
       cig=st.integers(1, 9), cog=st.integers(1, 9), size=st.integers(1, 30),
       size2=st.integers(1, 12), padding=st.integers(0, 2),
       mode=st.sampled_from(PADDING_MODES), seed=st.integers(0, 2**16))
def test_hypothesis_against_reference(rank, n, groups, cig, cog, size, size2, padding, mode,
                                      seed):
    spatial = (size,) if rank == 1 else (size, size2)
    if any(s + 2 * padding < 3 for s in spatial):
        return
    if mode == "reflect" and any(padding >= s for s in spatial):
        return
    if mode == "circular" and any(padding > s for s in spatial):
        return
    rng = np.random.default_rng(seed)
    dtype = np.float32 if seed % 2 else np.float64
    x = rand(rng, (n, cig * groups) + spatial, dtype)
    w = rand(rng, (cog * groups, cig) + (3,) * rank, dtype)
    b = rand(rng, (cog * groups,), dtype)
    kw = dict(padding=padding, groups=groups, padding_mode=mode)
    got = CONV[rank](x, w, b, method="winograd", **kw)
    assert_conv_close(got, conv_ref(x, w, b, **kw), conv_bound(x, w, b, **kw), dtype,
                      f"{rank}d {spatial} {kw}")
