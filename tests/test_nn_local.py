"""convcore.nn.local_conv1d/2d, tiled_conv2d and their gradients in
convcore.nn.grad against a plain NumPy reference (explicit windows, one
position at a time, float64), central differences for every gradient, the
identities tiled t=(1, 1) == conv2d and tiled t=out == local_conv2d, bad
arguments, untouched inputs and thread-count invariance.
"""

import numpy as np
import pytest

import convcore
import convcore.nn as nn
from convcore import _dispatch
from convcore.nn import grad
from _conv_grad_ref import fd_grad
from _conv_ref import raises, snapshot

DTYPES = [np.float32, np.float64]
TOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-12}


def _axes(v, rank):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * rank


def _geometry(x_shape, kernel, stride, padding, dilation):
    """(padded input shape, out grid, stride, padding, dilation) per axis."""
    rank = len(kernel)
    st, pd, dl = _axes(stride, rank), _axes(padding, rank), _axes(dilation, rank)
    out = tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                for n, k, s, p, d in zip(x_shape[-rank:], kernel, st, pd, dl))
    return out, st, pd, dl


def _window(p, kernel, st, dl):
    return tuple(slice(i * s, i * s + d * (k - 1) + 1, d)
                 for i, k, s, d in zip(p, kernel, st, dl))


def local_ref(x, w, b=None, stride=1, padding=0, dilation=1):
    """Tiled/local convolution of batched x (N, C, *sp) with w (*T, O, C,
    *k), explicit windows, float64; output position p uses set p % T."""
    x, w = np.asarray(x, np.float64), np.asarray(w, np.float64)
    rank = x.ndim - 2
    kernel, tiles = w.shape[-rank:], w.shape[:rank]
    out, st, pd, dl = _geometry(x.shape, kernel, stride, padding, dilation)
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple((p, p) for p in pd))
    y = np.zeros(x.shape[:1] + (w.shape[rank],) + out)
    axes = tuple(range(1, rank + 2))
    for p in np.ndindex(*out):
        win = xp[(slice(None), slice(None)) + _window(p, kernel, st, dl)]
        wp = w[tuple(i % t for i, t in zip(p, tiles))]
        y[(slice(None), slice(None)) + p] = np.tensordot(win, wp, axes=(axes, axes))
    if b is not None:
        b = np.asarray(b, np.float64)
        y += b.reshape(b.shape + (1,) * rank) if b.ndim == 1 else b
    return y


def local_input_ref(x_shape, w, dy, stride=1, padding=0, dilation=1):
    w, dy = np.asarray(w, np.float64), np.asarray(dy, np.float64)
    rank = len(x_shape) - 2
    kernel, tiles = w.shape[-rank:], w.shape[:rank]
    out, st, pd, dl = _geometry(x_shape, kernel, stride, padding, dilation)
    dxp = np.zeros(x_shape[:2] + tuple(n + 2 * p for n, p in zip(x_shape[2:], pd)))
    for p in np.ndindex(*out):
        wp = w[tuple(i % t for i, t in zip(p, tiles))]
        dxp[(slice(None), slice(None)) + _window(p, kernel, st, dl)] += np.tensordot(
            dy[(slice(None), slice(None)) + p], wp, axes=(1, 0))
    return dxp[(slice(None), slice(None)) + tuple(slice(p, p + n)
                                                  for p, n in zip(pd, x_shape[2:]))]


def local_weight_ref(x, w_shape, dy, stride=1, padding=0, dilation=1):
    x, dy = np.asarray(x, np.float64), np.asarray(dy, np.float64)
    rank = x.ndim - 2
    kernel, tiles = w_shape[-rank:], w_shape[:rank]
    out, st, pd, dl = _geometry(x.shape, kernel, stride, padding, dilation)
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple((p, p) for p in pd))
    dw = np.zeros(w_shape)
    for p in np.ndindex(*out):
        win = xp[(slice(None), slice(None)) + _window(p, kernel, st, dl)]
        dw[tuple(i % t for i, t in zip(p, tiles))] += np.tensordot(
            dy[(slice(None), slice(None)) + p], win, axes=(0, 0))
    return dw


def _close(got, ref, bound, dtype):
    assert got.dtype == np.dtype(dtype)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=0, atol=TOL[np.dtype(dtype)] * max(bound, 1.0))


def _rand(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


# (x spatial, kernel, stride, padding, dilation) per rank
GEOMS = {
    1: [((9,), (3,), 1, 0, 1), ((10,), (3,), 2, 1, 1), ((11,), (2,), 3, 2, 2),
        ((5,), (1,), 1, 0, 1), ((7,), (4,), (2,), (3,), (1,))],
    2: [((6, 7), (3, 3), 1, 0, 1), ((7, 8), (3, 2), (2, 1), (1, 2), 1),
        ((8, 9), (2, 3), 2, 1, (2, 1)), ((5, 5), (1, 1), 1, 0, 1),
        ((9, 6), (3, 3), 3, 2, 2)],
}


def _case(rank, geom, dtype, batched=True, c_in=3, c_out=4, n=2, bias="channel", seed=0,
          tiles=None):
    rng = np.random.default_rng(seed)
    sp, kernel, stride, padding, dilation = geom
    out, *_ = _geometry(sp, kernel, stride, padding, dilation)
    t = out if tiles is None else tiles
    x = _rand(rng, ((n,) if batched else ()) + (c_in,) + sp, dtype)
    w = _rand(rng, tuple(t) + (c_out, c_in) + kernel, dtype)
    b = {None: None, "channel": _rand(rng, (c_out,), dtype),
         "position": _rand(rng, (c_out,) + out, dtype)}[bias]
    return x, w, b, dict(stride=stride, padding=padding, dilation=dilation), out


LOCAL = {1: nn.local_conv1d, 2: nn.local_conv2d}
LOCAL_INPUT = {1: grad.local_conv1d_input, 2: grad.local_conv2d_input}
LOCAL_WEIGHT = {1: grad.local_conv1d_weight, 2: grad.local_conv2d_weight}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [None, "channel", "position"])
@pytest.mark.parametrize("rank,gi", [(r, i) for r in (1, 2) for i in range(5)])
def test_local_forward(rank, gi, bias, dtype):
    x, w, b, kw, out = _case(rank, GEOMS[rank][gi], dtype, bias=bias, seed=gi)
    got = LOCAL[rank](x, w, b, **kw)
    ref = local_ref(x, w, b, **kw)
    bound = local_ref(abs(x), abs(w), None if b is None else abs(b), **kw).max()
    assert got.shape == (2, 4) + out
    _close(got, ref, bound, dtype)


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("bias", [None, "channel", "position"])
def test_local_unbatched(rank, bias):
    x, w, b, kw, out = _case(rank, GEOMS[rank][1], np.float64, batched=False, bias=bias)
    got = LOCAL[rank](x, w, b, **kw)
    assert got.shape == (4,) + out
    np.testing.assert_array_equal(got, LOCAL[rank](x[None], w, b, **kw)[0])
    _close(got, local_ref(x[None], w, b, **kw)[0], 1.0, np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("tiles", [(1, 1), (2, 3), (2, 2), (3, 4), (4, 5), (7, 9), (1, 3)])
@pytest.mark.parametrize("gi", [0, 1, 2])
def test_tiled_forward(gi, tiles, dtype):
    # Output grids (4, 5), (4, 8), (4, 4): tiles dividing them, not dividing
    # them and larger than them (sets never used).
    x, w, b, kw, out = _case(2, GEOMS[2][gi], dtype, tiles=tiles, seed=7, bias="position")
    got = nn.tiled_conv2d(x, w, b, **kw)
    bound = local_ref(abs(x), abs(w), abs(b), **kw).max()
    _close(got, local_ref(x, w, b, **kw), bound, dtype)


@pytest.mark.parametrize("gi", range(5))
def test_tiled_one_set_is_conv2d(gi):
    x, w, b, kw, out = _case(2, GEOMS[2][gi], np.float64, tiles=(1, 1), seed=3)
    got = nn.tiled_conv2d(x, w, b, **kw)
    np.testing.assert_allclose(got, nn.conv2d(x, w[0, 0], b, **kw), rtol=0, atol=1e-12)
    dy = np.random.default_rng(4).standard_normal(got.shape)
    np.testing.assert_allclose(grad.tiled_conv2d_input(x.shape, w, dy, **kw),
                               grad.conv2d_input(x.shape, w[0, 0], dy, **kw), atol=1e-12)
    np.testing.assert_allclose(grad.tiled_conv2d_weight(x, w.shape, dy, **kw)[0, 0],
                               grad.conv2d_weight(x, w.shape[2:], dy, **kw), atol=1e-11)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("gi", range(5))
def test_tiled_output_grid_is_local(gi, dtype):
    x, w, b, kw, out = _case(2, GEOMS[2][gi], dtype, seed=5)
    np.testing.assert_array_equal(nn.tiled_conv2d(x, w, b, **kw),
                                  nn.local_conv2d(x, w, b, **kw))
    dy = _rand(np.random.default_rng(6), (2, 4) + out, dtype)
    np.testing.assert_array_equal(grad.tiled_conv2d_input(x.shape, w, dy, **kw),
                                  grad.local_conv2d_input(x.shape, w, dy, **kw))
    np.testing.assert_array_equal(grad.tiled_conv2d_weight(x, w.shape, dy, **kw),
                                  grad.local_conv2d_weight(x, w.shape, dy, **kw))


def test_mixed_dtypes_widen():
    x, w, b, kw, out = _case(2, GEOMS[2][1], np.float32)
    got = nn.local_conv2d(x, w.astype(np.float64), b, **kw)
    assert got.dtype == np.float64
    _close(got, local_ref(x, w, b, **kw), 1.0, np.float64)
    dy = np.ones((2, 4) + out, np.float64)
    assert grad.local_conv2d_input(x.shape, w, dy, **kw).dtype == np.float64
    assert grad.local_conv2d_weight(x, w.shape, dy, **kw).dtype == np.float64


def test_layouts():
    x, w, b, kw, out = _case(2, GEOMS[2][2], np.float64)
    ref = nn.local_conv2d(x, w, b, **kw)
    xf = np.asfortranarray(x)
    wb = w.astype(">f8")
    np.testing.assert_array_equal(nn.local_conv2d(xf, wb, b, **kw), ref)
    xs = np.repeat(x, 2, axis=-1)[..., ::2]
    np.testing.assert_array_equal(nn.local_conv2d(xs, w, b, **kw), ref)


def test_empty_batch():
    x, w, b, kw, out = _case(2, GEOMS[2][1], np.float64, n=0)
    assert nn.local_conv2d(x, w, b, **kw).shape == (0, 4) + out
    dy = np.zeros((0, 4) + out)
    assert grad.local_conv2d_input(x.shape, w, dy, **kw).shape == x.shape
    np.testing.assert_array_equal(grad.local_conv2d_weight(x, w.shape, dy, **kw),
                                  np.zeros(w.shape))


# -- gradients -----------------------------------------------------------------

GRAD_CASES = [(1, gi, None) for gi in range(5)] + [(2, gi, None) for gi in range(5)] + \
             [(2, gi, t) for gi in (0, 2) for t in ((1, 1), (2, 3), (3, 2), (5, 7))]


def _ops(rank, tiles):
    if tiles is None:
        return LOCAL[rank], LOCAL_INPUT[rank], LOCAL_WEIGHT[rank]
    return nn.tiled_conv2d, grad.tiled_conv2d_input, grad.tiled_conv2d_weight


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rank,gi,tiles", GRAD_CASES)
def test_gradients_against_reference(rank, gi, tiles, dtype):
    x, w, b, kw, out = _case(rank, GEOMS[rank][gi], dtype, tiles=tiles, seed=11 + gi)
    _, f_in, f_w = _ops(rank, tiles)
    dy = _rand(np.random.default_rng(12), (2, 4) + out, dtype)
    dx = f_in(x.shape, w, dy, **kw)
    bound = local_input_ref(x.shape, abs(w), abs(dy), **kw).max()
    _close(dx, local_input_ref(x.shape, w, dy, **kw), bound, dtype)
    dw = f_w(x, w.shape, dy, **kw)
    bound = local_weight_ref(abs(x), w.shape, abs(dy), **kw).max()
    _close(dw, local_weight_ref(x, w.shape, dy, **kw), bound, dtype)


@pytest.mark.parametrize("rank,gi,tiles", [(1, 1, None), (1, 2, None), (2, 1, None),
                                           (2, 4, None), (2, 2, (2, 3)), (2, 0, (3, 3))])
def test_gradients_finite_differences(rank, gi, tiles):
    x, w, b, kw, out = _case(rank, GEOMS[rank][gi], np.float64, tiles=tiles, c_in=2,
                             c_out=2, seed=21, bias="position")
    f, f_in, f_w = _ops(rank, tiles)
    r = np.random.default_rng(22).standard_normal((2, 2) + out)
    fd_x = fd_grad(lambda a: np.sum(f(a, w, b, **kw) * r), x)
    fd_w = fd_grad(lambda a: np.sum(f(x, a, b, **kw) * r), w)
    fd_b = fd_grad(lambda a: np.sum(f(x, w, a, **kw) * r), b)
    np.testing.assert_allclose(f_in(x.shape, w, r, **kw), fd_x, rtol=0, atol=1e-8)
    np.testing.assert_allclose(f_w(x, w.shape, r, **kw), fd_w, rtol=0, atol=1e-8)
    # a per-position bias: grad_output summed over the batch; per channel: conv_bias.
    np.testing.assert_allclose(r.sum(0), fd_b, rtol=0, atol=1e-8)
    fd_bc = fd_grad(lambda a: np.sum(f(x, w, a, **kw) * r), b[(slice(None),) + (0,) * rank])
    np.testing.assert_allclose(grad.conv_bias(r), fd_bc, rtol=0, atol=1e-8)


@pytest.mark.parametrize("rank", [1, 2])
def test_gradients_unbatched(rank):
    x, w, b, kw, out = _case(rank, GEOMS[rank][2], np.float64, batched=False)
    dy = np.random.default_rng(2).standard_normal((4,) + out)
    dx = LOCAL_INPUT[rank](x.shape, w, dy, **kw)
    assert dx.shape == x.shape
    np.testing.assert_array_equal(dx, LOCAL_INPUT[rank]((1,) + x.shape, w, dy[None], **kw)[0])
    np.testing.assert_array_equal(LOCAL_WEIGHT[rank](x, w.shape, dy, **kw),
                                  LOCAL_WEIGHT[rank](x[None], w.shape, dy[None], **kw))


# -- threads and inputs --------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("tiles", [None, (1, 1), (2, 3)])
def test_threads_bit_identical(tiles, dtype):
    # Large enough for the pool (CONV_PARALLEL_MIN_WORK multiply-adds); 20
    # channels: two blocks of local_fold's items.
    x, w, b, kw, out = _case(2, ((16, 16), (3, 3), 1, 1, 1), dtype, c_in=20, c_out=32,
                             n=4, tiles=tiles, seed=31)
    f, f_in, f_w = _ops(2, tiles)
    dy = _rand(np.random.default_rng(32), (4, 32) + out, dtype)
    results = []
    for n in (1, 2, 3):
        with convcore.threads(n):
            results.append((f(x, w, b, **kw), f_in(x.shape, w, dy, **kw),
                            f_w(x, w.shape, dy, **kw)))
    for other in results[1:]:
        for a, c in zip(results[0], other):
            np.testing.assert_array_equal(a, c)
    y, dx, dw = results[0]
    _close(y, local_ref(x, w, b, **kw), local_ref(abs(x), abs(w), abs(b), **kw).max(), dtype)
    _close(dx, local_input_ref(x.shape, w, dy, **kw),
           local_input_ref(x.shape, abs(w), abs(dy), **kw).max(), dtype)
    _close(dw, local_weight_ref(x, w.shape, dy, **kw),
           local_weight_ref(abs(x), w.shape, abs(dy), **kw).max(), dtype)
    prev = convcore.get_num_threads()
    try:
        convcore.set_num_threads(2)
        np.testing.assert_array_equal(f(x, w, b, **kw), results[0][0])
    finally:
        convcore.set_num_threads(prev)


def test_inputs_not_modified():
    x, w, b, kw, out = _case(2, GEOMS[2][1], np.float32, bias="position")
    dy = _rand(np.random.default_rng(1), (2, 4) + out, np.float32)
    for a in (x, w, b, dy):
        a.setflags(write=False)
    before = [snapshot(a) for a in (x, w, b, dy)]
    nn.local_conv2d(x, w, b, **kw)
    nn.tiled_conv2d(x, w[:2, :3], b, **kw)
    grad.local_conv2d_input(x.shape, w, dy, **kw)
    grad.local_conv2d_weight(x, w.shape, dy, **kw)
    grad.tiled_conv2d_input(x.shape, w[:2, :3], dy, **kw)
    grad.tiled_conv2d_weight(x, (2, 3) + w.shape[2:], dy, **kw)
    assert [snapshot(a) for a in (x, w, b, dy)] == before


# -- errors --------------------------------------------------------------------

def test_errors_forward():
    x, w, b, kw, out = _case(2, GEOMS[2][0], np.float64)  # out (4, 5)
    raises(ValueError, ["weight.shape", "(4, 5)", "(5, 5)"], nn.local_conv2d, x,
           np.zeros((5, 5, 4, 3, 3, 3)))
    raises(ValueError, ["weight.shape", "input channels"], nn.local_conv2d, x,
           np.zeros((4, 5, 4, 2, 3, 3)))
    raises(ValueError, ["weight", "6-D"], nn.local_conv2d, x, np.zeros((4, 3, 3, 3)))
    raises(ValueError, ["input", "input.shape"], nn.local_conv2d, x[0, 0], w)
    raises(ValueError, ["input", "input.shape"], nn.local_conv1d, x, w)
    raises(ValueError, ["padding", "-1"], nn.local_conv2d, x, w, padding=-1)
    raises(ValueError, ["stride", "0"], nn.local_conv2d, x, w, stride=0)
    raises(ValueError, ["stride"], nn.local_conv2d, x, w, stride=(1, -2))
    raises(ValueError, ["dilation", "0"], nn.local_conv2d, x, w, dilation=0)
    raises(ValueError, ["bias", "bias.shape", "(3,)"], nn.local_conv2d, x, w, np.zeros(3))
    raises(ValueError, ["bias", "(4, 4, 4)"], nn.local_conv2d, x, w, np.zeros((4, 4, 4)))
    raises(ValueError, ["larger", "padded input"], nn.local_conv2d, x[..., :2],
           np.zeros((1, 1, 4, 3, 3, 3)))
    raises(ValueError, ["tile", "(0, 2)"], nn.tiled_conv2d, x, np.zeros((0, 2, 4, 3, 3, 3)))
    raises(ValueError, ["non-empty"], nn.tiled_conv2d, x, np.zeros((1, 1, 0, 3, 3, 3)))
    raises(TypeError, ["input", "int64"], nn.local_conv2d, x.astype(np.int64), w)
    raises(TypeError, ["weight", "float16"], nn.tiled_conv2d, x, w.astype(np.float16))
    raises(TypeError, ["bias", "int"], nn.local_conv2d, x, w, np.zeros(4, int))
    raises(TypeError, ["stride"], nn.local_conv2d, x, w, stride=1.5)


def test_errors_gradients():
    x, w, b, kw, out = _case(2, GEOMS[2][0], np.float64)
    dy = np.zeros((2, 4) + out)
    raises(ValueError, ["grad_output", "(2, 4, 4, 5)"], grad.local_conv2d_input, x.shape, w,
           dy[..., :4])
    raises(ValueError, ["input_size", "-1"], grad.local_conv2d_input, (2, 3, -1, 7), w, dy)
    raises(ValueError, ["input_size"], grad.local_conv2d_input, (2, 3, 6), w, dy)
    raises(ValueError, ["weight.shape", "output grid"], grad.local_conv2d_input, x.shape,
           w[:3], dy)
    raises(ValueError, ["weight_size", "output grid"], grad.local_conv2d_weight, x,
           (3, 5) + w.shape[2:], dy)
    raises(ValueError, ["weight_size"], grad.local_conv1d_weight, x[:, :, 0],
           (4, 4, -3, 3), dy[:, :, 0])
    raises(ValueError, ["batched"], grad.local_conv2d_weight, x[0], w.shape, dy)
    raises(ValueError, ["padding"], grad.tiled_conv2d_weight, x, (1, 1) + w.shape[2:], dy,
           padding=-2)
    raises(ValueError, ["stride"], grad.tiled_conv2d_input, x.shape, w[:1, :1], dy, stride=0)
    raises(TypeError, ["grad_output", "int"], grad.local_conv2d_input, x.shape, w,
           dy.astype(int))
    raises(TypeError, ["input", "int"], grad.local_conv2d_weight, x.astype(int), w.shape, dy)
    raises(TypeError, ["weight_size"], grad.local_conv2d_weight, x, 3, dy)


def test_exported():
    for name in ("local_conv1d", "local_conv2d", "tiled_conv2d"):
        assert name in nn.__all__
    for name in ("local_conv1d_input", "local_conv2d_input", "local_conv1d_weight",
                 "local_conv2d_weight", "tiled_conv2d_input", "tiled_conv2d_weight"):
        assert name in grad.__all__ and callable(getattr(grad, name))


@pytest.mark.parametrize("isa", _dispatch.supported_isas())
@pytest.mark.parametrize("rank,gi,tiles", [(1, 4, None), (2, 1, None), (2, 4, None),
                                           (2, 2, (2, 3)), (2, 0, (1, 1))])
def test_isa_levels(rank, gi, tiles, isa):
    # float32 runs the micro-kernels of im2col/local.h at avx2 and above
    # (odd K, N and C_out exercise their tails), BLAS at 'scalar'.
    x, w, b, kw, out = _case(rank, GEOMS[rank][gi], np.float32, tiles=tiles, c_in=5,
                             c_out=7, n=5, seed=41)
    f, f_in, f_w = _ops(rank, tiles)
    dy = _rand(np.random.default_rng(42), (5, 7) + out, np.float32)
    with _dispatch.forced_isa(isa):
        y, dx, dw = f(x, w, b, **kw), f_in(x.shape, w, dy, **kw), f_w(x, w.shape, dy, **kw)
    _close(y, local_ref(x, w, b, **kw), local_ref(abs(x), abs(w), abs(b), **kw).max(),
           np.float32)
    _close(dx, local_input_ref(x.shape, w, dy, **kw),
           local_input_ref(x.shape, abs(w), abs(dy), **kw).max(), np.float32)
    _close(dw, local_weight_ref(x, w.shape, dy, **kw),
           local_weight_ref(abs(x), w.shape, abs(dy), **kw).max(), np.float32)
