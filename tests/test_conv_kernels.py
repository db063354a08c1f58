"""Kernel tests of the direct layer convolution (csrc/conv/): every variant
this CPU runs (convcore._dispatch.supported_isas()) against the scalar
reference kernel and a plain NumPy reference (an einsum over explicit
windows), on odd sizes: W tails, strides and dilations 1-3, paddings 0..k,
groups and depthwise with a multiplier, 1x1, N=1, C=1, a kernel as large as
the padded input, 1-D/2-D/3-D; bit-identical results for 1 and 2 threads;
NaN placement; and the public conv1d/2d/3d(method='direct') against torch."""
import numpy as np
import pytest

import convcore.nn as nn
from convcore import _conv, _dispatch

ISAS = _dispatch.supported_isas()
SIMD_ISAS = [i for i in ISAS if i != "scalar"]
TOL = {np.float32: 1e-4, np.float64: 1e-10}
WIDTHS = [1, 2, 3, 5, 13, 15, 17, 33]


def _out_size(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def numpy_conv(x, w, b, stride, pad, dilation, groups, out_size):
    """out[n, o, p] of the spec's contract: zero-pad, take each tap's
    strided window, reduce over the group's channels and the taps."""
    n, c = x.shape[:2]
    o, cg = w.shape[:2]
    kernel = w.shape[2:]
    need = [(m - 1) * s + d * (k - 1) + 1
            for m, s, d, k in zip(out_size, stride, dilation, kernel)]
    pads = [(p, max(r - p - size, 0)) for p, r, size in zip(pad, need, x.shape[2:])]
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple(pads))
    taps = []
    for t in np.ndindex(*kernel):
        sl = tuple(slice(ti * d, ti * d + (m - 1) * s + 1, s)
                   for ti, d, m, s in zip(t, dilation, out_size, stride))
        taps.append(xp[(slice(None), slice(None)) + sl])
    cols = np.stack(taps, axis=2).reshape((n, groups, cg, len(taps)) + tuple(out_size))
    wg = w.reshape(groups, o // groups, cg, len(taps))
    y = np.einsum("ngctdhw,goct->ngodhw", cols, wg).reshape((n, o) + tuple(out_size))
    if b is not None:
        y = y + b.reshape(-1, 1, 1, 1)
    return y


def direct(x, w, b, stride, pad, dilation, groups, isa, threads=2, out_size=None):
    if out_size is None:
        out_size = tuple(_out_size(*a) for a in zip(x.shape[2:], w.shape[2:], stride, pad,
                                                    dilation))
    out = np.full((x.shape[0], w.shape[0]) + tuple(out_size), np.nan, x.dtype)
    _conv.direct(x, w, b, out, stride, pad, dilation, groups,
                 _dispatch.ISA_NAMES.index(isa), threads)
    return out


def check(x, w, b, stride, pad, dilation, groups, isas=ISAS):
    """Every variant in isas against the NumPy reference, within the dtype's
    tolerance of the sum of |x| |w| (+ |b|) of each output."""
    dtype = x.dtype.type
    ref = direct(x, w, b, stride, pad, dilation, groups, "scalar")
    out_size = ref.shape[2:]
    exact = numpy_conv(x.astype(np.float64), w.astype(np.float64),
                       None if b is None else b.astype(np.float64), stride, pad, dilation,
                       groups, out_size)
    bound = numpy_conv(np.abs(x).astype(np.float64), np.abs(w).astype(np.float64),
                       None if b is None else np.abs(b).astype(np.float64), stride, pad,
                       dilation, groups, out_size)
    tol = TOL[dtype] * bound + np.finfo(np.float64).tiny
    for isa in isas:
        y = ref if isa == "scalar" else direct(x, w, b, stride, pad, dilation, groups, isa)
        assert y.shape == exact.shape
        err = np.abs(y.astype(np.float64) - exact)
        assert np.all(err <= tol), (isa, float((err / tol).max()))
        if isa != "scalar":
            assert np.all(np.abs(y.astype(np.float64) - ref) <= 2 * tol), isa


def rand(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


def test_variants_listed():
    names = _conv.variants()
    assert ("scalar", "f32") in names and ("scalar", "f64") in names
    for isa in ISAS:
        level = _dispatch.ISA_NAMES.index(isa)
        for dt in ("f32", "f64"):
            assert (isa, dt) in names
            assert _conv.kernel_isa(dt, level) == level


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k,s,d", [(1, 1, 1), (1, 2, 1), (2, 1, 1), (3, 1, 1), (3, 2, 1),
                                   (3, 3, 1), (3, 1, 2), (3, 2, 3), (5, 1, 1), (4, 3, 2),
                                   (7, 2, 1)])
def test_widths_strides_dilations_paddings(dtype, k, s, d):
    rng = np.random.default_rng(100 * k + 10 * s + d)
    for width in WIDTHS:
        for p in sorted({0, 1, k // 2, k}):
            if _out_size(width, k, s, p, d) < 1:
                continue
            x = rand(rng, (2, 3, 4, width), dtype)[:, :, None]
            w = rand(rng, (10, 3, 2, k), dtype)[:, :, None]
            b = rand(rng, (10,), dtype)
            check(x, w, b, (1, 1, s), (0, 1, p), (1, 1, d), 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_groups_depthwise_pointwise(dtype):
    rng = np.random.default_rng(7)
    cases = [  # (N, C_in, C_out, groups, H, W, k, s, p, d)
        (2, 6, 6, 6, 7, 17, 3, 1, 1, 1),      # depthwise
        (1, 4, 12, 4, 5, 33, 3, 2, 1, 1),     # depthwise, multiplier 3
        (2, 5, 10, 5, 6, 15, 5, 1, 2, 2),     # depthwise, multiplier 2, dilated
        (1, 3, 6, 3, 4, 33, 7, 1, 3, 1),      # depthwise, right edge over two vectors
        (1, 2, 2, 2, 5, 70, 5, 1, 4, 3),      # depthwise, wide dilated edges
        (1, 8, 12, 2, 5, 19, 3, 1, 1, 1),     # 2 groups
        (2, 9, 27, 3, 4, 13, 3, 3, 2, 1),     # 3 groups, partial channel blocks
        (2, 16, 20, 1, 3, 17, 1, 1, 0, 1),    # 1x1 (pointwise)
        (1, 7, 9, 1, 1, 1, 1, 1, 0, 1),       # 1x1 on one pixel
        (3, 32, 13, 1, 5, 7, 1, 1, 0, 1),     # 1x1, C_out not a block multiple
        (2, 12, 8, 4, 5, 33, 1, 1, 0, 1),     # grouped 1x1
        (1, 1, 1, 1, 9, 15, 3, 1, 1, 1),      # C=1
        (1, 1, 5, 1, 9, 15, 3, 2, 3, 1),      # C_in=1, padding = k
        (2, 3, 4, 1, 5, 7, 5, 1, 0, 1),       # kernel as tall as the input
        (1, 2, 3, 1, 3, 5, 5, 1, 1, 1),       # kernel as large as the padded input
        (1, 3, 70, 1, 3, 40, 3, 1, 1, 1),     # many channel blocks, 3-vector tiles
    ]
    for n, ci, co, g, h, wd, k, s, p, d in cases:
        x = rand(rng, (n, ci, h, wd), dtype)[:, :, None]
        w = rand(rng, (co, ci // g, k, k), dtype)[:, :, None]
        for b in (None, rand(rng, (co,), dtype)):
            check(x, w, b, (1, s, s), (0, p, p), (1, d, d), g)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_3d_and_1d_shapes(dtype):
    rng = np.random.default_rng(3)
    for n, ci, co, g, size, k, s, p, d in [(1, 3, 5, 1, (5, 6, 17), (3, 3, 3), 1, 1, 1),
                                           (2, 4, 4, 4, (4, 5, 9), (3, 2, 3), 2, 1, 1),
                                           (1, 2, 9, 1, (7, 3, 33), (2, 1, 3), 1, 2, 2),
                                           (1, 6, 3, 3, (3, 4, 5), (3, 3, 3), 1, 3, 1)]:
        x = rand(rng, (n, ci) + size, dtype)
        w = rand(rng, (co, ci // g) + k, dtype)
        check(x, w, rand(rng, (co,), dtype), (s,) * 3, (p,) * 3, (d,) * 3, g)
    x = rand(rng, (2, 5, 1, 1, 101), dtype)           # 1-D
    w = rand(rng, (7, 5, 1, 1, 9), dtype)
    check(x, w, None, (1, 1, 2), (0, 0, 4), (1, 1, 1), 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_short_output_windows(dtype):
    # Fewer outputs than the padded input allows (a right pad smaller than
    # the left one, as padding='same' with an even kernel gives).
    rng = np.random.default_rng(5)
    x = rand(rng, (1, 3, 1, 6, 20), dtype)
    w = rand(rng, (9, 3, 1, 4, 4), dtype)
    for isa in ISAS:
        y = direct(x, w, None, (1, 1, 1), (0, 1, 1), (1, 1, 1), 1, isa, out_size=(1, 5, 18))
        exact = numpy_conv(x, w, None, (1, 1, 1), (0, 1, 1), (1, 1, 1), 1, (1, 5, 18))
        np.testing.assert_allclose(y, exact, rtol=TOL[dtype] * 100, atol=TOL[dtype] * 10)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("case", ["general", "depthwise", "pointwise", "strided"])
def test_threads_bit_identical(isa, case):
    rng = np.random.default_rng(11)
    if case == "general":
        x, w, args = rand(rng, (2, 16, 1, 23, 37), np.float32), rand(rng, (24, 16, 1, 3, 3),
                                                                      np.float32), (1, 1, 1)
        geo = ((1, 1, 1), (0, 1, 1), (1, 1, 1), 1)
    elif case == "depthwise":
        x, w = rand(rng, (2, 16, 1, 23, 37), np.float32), rand(rng, (32, 1, 1, 3, 3), np.float32)
        geo = ((1, 1, 1), (0, 1, 1), (1, 1, 1), 16)
    elif case == "pointwise":
        x, w = rand(rng, (2, 32, 1, 23, 37), np.float32), rand(rng, (40, 32, 1, 1, 1), np.float32)
        geo = ((1, 1, 1), (0, 0, 0), (1, 1, 1), 1)
    else:
        x, w = rand(rng, (2, 8, 1, 29, 41), np.float64), rand(rng, (16, 8, 1, 5, 5), np.float64)
        geo = ((1, 2, 3), (0, 2, 2), (1, 1, 2), 1)
    b = rand(rng, (w.shape[0],), x.dtype)
    one = direct(x, w, b, *geo, isa, threads=1)
    two = direct(x, w, b, *geo, isa, threads=2)
    three = direct(x, w, b, *geo, isa, threads=3)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(one, three)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("groups,s,p,d", [(1, 1, 1, 1), (1, 2, 2, 1), (4, 1, 2, 2),
                                          (1, 3, 0, 1)])
def test_nan_reaches_exactly_its_windows(isa, dtype, groups, s, p, d):
    rng = np.random.default_rng(13)
    x = rand(rng, (1, 4, 1, 9, 21), dtype)
    w = rand(rng, (8, 4 // groups, 1, 3, 3), dtype)
    for pos in [(0, 0, 0), (1, 4, 10), (3, 8, 20), (2, 0, 19)]:
        xn = x.copy()
        xn[(0, pos[0], 0, pos[1], pos[2])] = np.nan
        y = direct(xn, w, None, (1, s, s), (0, p, p), (1, d, d), groups, isa)
        hit = np.zeros_like(x)
        hit[(0, pos[0], 0, pos[1], pos[2])] = 1
        reach = numpy_conv(hit, np.ones_like(w), None, (1, s, s), (0, p, p), (1, d, d),
                           groups, y.shape[2:]) > 0
        np.testing.assert_array_equal(np.isnan(y), reach)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inf_weight_never_meets_padding(isa, dtype):
    # Padded taps are skipped, not multiplied by 0: an inf weight gives
    # +-inf, never NaN, where its tap lies in the padding.
    rng = np.random.default_rng(17)
    x = np.abs(rand(rng, (1, 3, 1, 6, 19), dtype)) + 1
    for groups, co in [(1, 5), (3, 6)]:
        w = np.abs(rand(rng, (co, 3 // groups, 1, 3, 3), dtype))
        w[:, :, :, 0, 0] = np.inf
        for s, p in [(1, 1), (2, 2), (1, 3)]:
            y = direct(x, w, None, (1, s, s), (0, p, p), (1, 1, 1), groups, isa)
            ref = direct(x, w, None, (1, s, s), (0, p, p), (1, 1, 1), groups, "scalar")
            assert not np.isnan(y).any()
            np.testing.assert_array_equal(np.isinf(y), np.isinf(ref))


def test_bad_arguments():
    x = np.zeros((1, 4, 1, 5, 5), np.float32)
    w = np.zeros((6, 2, 1, 3, 3), np.float32)
    out = np.empty((1, 6, 1, 3, 3), np.float32)
    with pytest.raises(ValueError):
        _conv.direct(x, w, None, out, (1, 1, 1), (0, 0, 0), (1, 1, 1), 3, 0, 1)
    with pytest.raises(ValueError):
        _conv.direct(x, w.astype(np.float64), None, out, (1, 1, 1), (0, 0, 0), (1, 1, 1), 2,
                     0, 1)
    with pytest.raises(ValueError):
        _conv.direct(x, w, None, out, (1, 0, 1), (0, 0, 0), (1, 1, 1), 2, 0, 1)


# ---- the public functions against torch ----------------------------------

def _torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv2d_direct_matches_torch(isa, dtype):
    torch = _torch()
    F = torch.nn.functional
    rng = np.random.default_rng(19)
    cases = [  # (N, C_in, C_out, groups, H, W, k, stride, padding, dilation, padding_mode)
        (2, 3, 8, 1, 11, 17, 3, 1, 1, 1, "zeros"),
        (1, 4, 6, 2, 9, 15, (3, 2), (2, 1), (1, 0), (1, 2), "zeros"),
        (2, 8, 16, 8, 10, 33, 3, 1, "same", 1, "zeros"),
        (1, 6, 6, 1, 7, 13, 4, 1, "same", 2, "zeros"),
        (2, 5, 7, 1, 8, 8, 3, 2, 1, 1, "reflect"),
        (1, 3, 4, 1, 6, 9, 3, 1, 2, 1, "circular"),
        (1, 16, 24, 1, 7, 7, 1, 1, 0, 1, "zeros"),
        (2, 3, 5, 1, 13, 13, 7, 2, 3, 1, "replicate"),
    ]
    with _dispatch.forced_isa(isa):
        for n, ci, co, g, h, wd, k, s, p, d, mode in cases:
            k2 = k if isinstance(k, tuple) else (k, k)
            x = rand(rng, (n, ci, h, wd), dtype)
            w = rand(rng, (co, ci // g) + k2, dtype)
            b = rand(rng, (co,), dtype)
            y = nn.conv2d(x, w, b, s, p, d, g, padding_mode=mode, method="direct")
            if mode == "zeros":
                ref = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b),
                               s, p, d, g)
            else:
                conv = torch.nn.Conv2d(ci, co, k2, s, p, d, g, padding_mode=mode,
                                       dtype=torch.from_numpy(x).dtype)
                with torch.no_grad():
                    conv.weight.copy_(torch.from_numpy(w))
                    conv.bias.copy_(torch.from_numpy(b))
                    ref = conv(torch.from_numpy(x))
            ref = ref.detach().numpy()
            assert y.dtype == dtype and y.shape == ref.shape
            scale = np.abs(ref).max() + 1
            np.testing.assert_allclose(y, ref, rtol=0, atol=TOL[dtype] * scale * 10)
        # Unbatched input.
        x, w = rand(rng, (3, 9, 10), dtype), rand(rng, (4, 3, 3, 3), dtype)
        ref = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1).numpy()
        np.testing.assert_allclose(nn.conv2d(x, w, padding=1, method="direct"), ref,
                                   rtol=0, atol=TOL[dtype] * 10 * (np.abs(ref).max() + 1))


@pytest.mark.parametrize("isa", ISAS)
def test_conv1d_conv3d_direct_match_torch(isa):
    torch = _torch()
    F = torch.nn.functional
    rng = np.random.default_rng(23)
    with _dispatch.forced_isa(isa):
        for dtype in (np.float32, np.float64):
            for ci, co, g, length, k, s, p, d in [(4, 6, 1, 97, 9, 1, 4, 1),
                                                  (6, 12, 6, 33, 3, 2, 1, 2),
                                                  (5, 5, 1, 1, 1, 1, 0, 1),
                                                  (8, 8, 2, 17, 5, 3, 5, 1)]:
                x, w, b = (rand(rng, (2, ci, length), dtype), rand(rng, (co, ci // g, k), dtype),
                           rand(rng, (co,), dtype))
                ref = F.conv1d(*map(torch.from_numpy, (x, w, b)), s, p, d, g).numpy()
                y = nn.conv1d(x, w, b, s, p, d, g, method="direct")
                np.testing.assert_allclose(y, ref, rtol=0,
                                           atol=TOL[dtype] * 10 * (np.abs(ref).max() + 1))
            for ci, co, g, size, k, s, p, d in [(3, 5, 1, (6, 7, 9), 3, 1, 1, 1),
                                                (4, 8, 4, (5, 6, 17), (3, 1, 3), 2, 1, 1),
                                                (2, 3, 1, (4, 4, 4), 2, 1, 0, 2)]:
                k3 = k if isinstance(k, tuple) else (k,) * 3
                x, w, b = (rand(rng, (2, ci) + size, dtype), rand(rng, (co, ci // g) + k3, dtype),
                           rand(rng, (co,), dtype))
                ref = F.conv3d(*map(torch.from_numpy, (x, w, b)), s, p, d, g).numpy()
                y = nn.conv3d(x, w, b, s, p, d, g, method="direct")
                np.testing.assert_allclose(y, ref, rtol=0,
                                           atol=TOL[dtype] * 10 * (np.abs(ref).max() + 1))
