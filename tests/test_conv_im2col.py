"""The 'im2col' method of convcore.nn.conv1d/2d/3d (convcore/nn/_conv_im2col.py,
csrc/_im2col.pyx conv) against torch.nn.functional.convNd and a NumPy
reference: groups, tiling, the 1x1 path, thread-count identity, NaN and
inf propagation, the 64-bit gemm wrapper's splitting; and the im2col weight
gradient (conv_dweight, nn._conv_dweight) against a NumPy reference."""
import itertools

import numpy as np
import pytest

import convcore
from convcore import _im2col, nn
from convcore.nn import _conv_dweight, _conv_im2col
from convcore.nn._conv import conv_problem

RNG = np.random.default_rng(7)
CONV = {1: nn.conv1d, 2: nn.conv2d, 3: nn.conv3d}


def conv_ref(x, w, bias, stride, padding, dilation, groups):
    """torch's convNd in float64 by padding, strided slices and einsum."""
    rank = w.ndim - 2
    n, c_in = x.shape[:2]
    c_out, cg = w.shape[:2]
    og = c_out // groups
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0)) + tuple((p, p) for p in padding))
    grid = tuple((s + 2 * p - d * (k - 1) - 1) // st + 1 for s, k, st, p, d in
                 zip(x.shape[2:], w.shape[2:], stride, padding, dilation))
    out = np.zeros((n, groups, og) + grid)
    xg = xp.reshape((n, groups, cg) + xp.shape[2:])
    wg = w.astype(np.float64).reshape((groups, og, cg) + w.shape[2:])
    for tap in itertools.product(*(range(k) for k in w.shape[2:])):
        sl = tuple(slice(t * d, t * d + (g - 1) * s + 1, s)
                   for t, d, s, g in zip(tap, dilation, stride, grid))
        patch = xg[(slice(None),) * 3 + sl]
        out += np.einsum("ngc...,goc->ngo...", patch, wg[(slice(None),) * 3 + tap])
    out = out.reshape((n, c_out) + grid)
    if bias is not None:
        out += bias.reshape((-1,) + (1,) * rank)
    assert len(tap) == rank
    return out


def _tol(dtype, ref):
    scale = max(1.0, float(np.abs(ref).max()))
    return (2e-5 if dtype == np.float32 else 1e-12) * scale


# (rank, N, C_in, C_out, spatial, kernel, stride, padding, dilation, groups)
CASES = [
    (1, 2, 3, 4, 17, 3, 1, 1, 1, 1),
    (1, 3, 4, 6, 20, 5, 2, 3, 2, 2),
    (1, 1, 6, 12, 9, 1, 1, 0, 1, 6),       # pointwise, depthwise with multiplier 2
    (2, 2, 3, 5, (9, 11), 3, 1, 1, 1, 1),
    (2, 2, 4, 6, (10, 7), (2, 3), (2, 1), (0, 2), (1, 2), 2),
    (2, 1, 4, 8, (7, 7), 3, 1, 1, 1, 4),   # depthwise, multiplier 2
    (2, 3, 5, 5, (6, 8), 3, 2, 1, 1, 5),   # depthwise, strided
    (2, 2, 8, 4, (5, 6), 1, 1, 0, 1, 1),   # 1x1 path
    (2, 2, 8, 4, (5, 6), 1, 2, 0, 1, 2),   # 1x1 strided: unfolded
    (2, 2, 3, 4, (5, 6), 1, 1, 1, 1, 1),   # 1x1 padded: unfolded
    (2, 1, 2, 3, (4, 4), (4, 6), 1, (0, 1), 1, 1),  # kernel as large as the padded input
    (3, 2, 2, 4, (4, 5, 6), (2, 3, 2), (1, 2, 1), (1, 0, 1), (1, 1, 2), 2),
    (3, 1, 3, 3, (3, 4, 5), 3, (2, 1, 3), 1, 1, 3),
]


def _operands(case, dtype, bias=True):
    rank, n, c_in, c_out, spatial, kernel, stride, padding, dilation, groups = case
    spatial = (spatial,) * rank if isinstance(spatial, int) else spatial
    kernel = (kernel,) * rank if isinstance(kernel, int) else kernel
    x = RNG.standard_normal((n, c_in) + spatial).astype(dtype)
    w = RNG.standard_normal((c_out, c_in // groups) + kernel).astype(dtype)
    b = RNG.standard_normal(c_out).astype(dtype) if bias else None
    tup = lambda v: (v,) * rank if isinstance(v, int) else v  # noqa: E731
    return x, w, b, dict(stride=tup(stride), padding=tup(padding), dilation=tup(dilation),
                         groups=groups)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES)
def test_matches_numpy_reference(case, dtype, bias):
    x, w, b, kw = _operands(case, dtype, bias)
    got = CONV[case[0]](x, w, b, method="im2col", **kw)
    ref = conv_ref(x, w, b, **kw)
    assert got.dtype == dtype and got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=0, atol=_tol(dtype, ref))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES)
def test_matches_torch(case, dtype):
    torch = pytest.importorskip("torch")
    x, w, b, kw = _operands(case, dtype)
    fn = getattr(torch.nn.functional, f"conv{case[0]}d")
    ref = fn(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), **kw).numpy()
    got = CONV[case[0]](x, w, b, method="im2col", **kw)
    np.testing.assert_allclose(got, ref, rtol=0, atol=_tol(dtype, ref))


def test_unbatched_and_empty_batch():
    x = RNG.standard_normal((3, 8, 9))
    w = RNG.standard_normal((4, 3, 3, 3))
    got = nn.conv2d(x, w, padding=1, method="im2col")
    np.testing.assert_allclose(got, conv_ref(x[None], w, None, (1, 1), (1, 1), (1, 1), 1)[0],
                               atol=1e-12)
    assert nn.conv2d(np.zeros((0, 3, 8, 9)), w, method="im2col").shape == (0, 4, 6, 7)


def _plan_and_arrays(rank, x, w, b, kw, block_bytes=None):
    x5, w5, b5, spec, _ = conv_problem(rank, f"conv{rank}d", x, w, b, kw["stride"],
                                       kw["padding"], kw["dilation"], kw["groups"], "zeros")
    return _conv_im2col.make(spec, block_bytes), x5, w5, b5, spec


@pytest.mark.parametrize("block_bytes", [1, 64, 700, 5000])
@pytest.mark.parametrize("case", [CASES[1], CASES[4], CASES[5], CASES[7], CASES[11]])
def test_tiny_workspace_runs_many_tiles(case, block_bytes):
    x, w, b, kw = _operands(case, np.float64)
    run, x5, w5, b5, spec = _plan_and_arrays(case[0], x, w, b, kw, block_bytes)
    tile, chunk = _im2col.conv_plan(int(np.prod(spec.out_size)), spec.c_in_group * spec.taps,
                                    8, block_bytes)
    assert tile < np.prod(spec.out_size) or chunk < spec.c_in_group * spec.taps \
        or np.prod(spec.out_size) <= _im2col.CONV_MIN_TILE
    out = np.full(spec.out_shape, np.nan)
    run(x5, w5, b5, out)
    ref = conv_ref(x, w, b, **kw).reshape(spec.out_shape)
    np.testing.assert_allclose(out, ref, rtol=0, atol=_tol(np.float64, ref))


def test_tiles_and_row_chunks_really_split():
    # 2-D 40x40 output, 3 * 9 = 27 rows: 64-byte blocks leave tiles of
    # CONV_MIN_TILE positions and rows in chunks of 1.
    assert _im2col.conv_plan(1600, 27, 8, 64) == (64, 1)
    tile, chunk = _im2col.conv_plan(1600, 27, 4, 64 * 1024)
    assert tile * chunk * 4 <= 64 * 1024 and chunk == 27 and tile < 1600
    assert tile % _im2col.CONV_TILE_ALIGN == 0
    x = RNG.standard_normal((1, 3, 40, 40))
    w = RNG.standard_normal((5, 3, 3, 3))
    kw = dict(stride=(1, 1), padding=(1, 1), dilation=(1, 1), groups=1)
    run, x5, w5, b5, spec = _plan_and_arrays(2, x, w, None, kw, 64)
    out = np.empty(spec.out_shape)
    run(x5, w5, b5, out)
    np.testing.assert_allclose(out.reshape(1, 5, 40, 40), conv_ref(x, w, None, **kw),
                               atol=1e-12)


@pytest.mark.parametrize("positions, rows, itemsize, block", [
    (1, 1, 4, 1), (3136, 576, 4, 512 * 1024), (3136, 576, 8, 1000), (10 ** 9, 7, 8, 1 << 20),
    (50, 13824, 4, 256 * 1024), (100000, 1, 4, 64), (65, 3, 8, 10 ** 9)])
def test_plan_bounds_the_workspace(positions, rows, itemsize, block):
    tile, chunk = _im2col.conv_plan(positions, rows, itemsize, block)
    assert 1 <= tile <= positions and 1 <= chunk <= rows
    assert tile >= min(positions, _im2col.CONV_MIN_TILE)
    assert tile * chunk * itemsize <= max(block, _im2col.CONV_MIN_TILE * itemsize)


def test_thread_count_gives_bit_identical_results():
    x = RNG.standard_normal((3, 16, 30, 29)).astype(np.float32)
    w = RNG.standard_normal((24, 8, 3, 3)).astype(np.float32)
    b = RNG.standard_normal(24).astype(np.float32)
    results = []
    for threads in (1, 2, 3):
        with convcore.threads(threads):
            results.append(nn.conv2d(x, w, b, padding=1, groups=2, method="im2col"))
            results.append(nn.conv2d(x, w[:, :1].repeat(16, 0)[:16], None, groups=16,
                                     method="im2col"))
    for r in results[2::2]:
        np.testing.assert_array_equal(r, results[0])
    for r in results[3::2]:
        np.testing.assert_array_equal(r, results[1])


@pytest.mark.parametrize("pointwise", [True, False])
@pytest.mark.parametrize("bias", [True, False])
def test_every_output_is_written(pointwise, bias):
    # out arrives uninitialised (np.empty): NaN garbage must not leak, as it
    # would if a gemm with beta = 0 read it.
    k = 1 if pointwise else 3
    x = RNG.standard_normal((2, 4, 9, 10)).astype(np.float32)
    w = RNG.standard_normal((6, 4, k, k)).astype(np.float32)
    b = RNG.standard_normal(6).astype(np.float32) if bias else None
    kw = dict(stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1)
    run, x5, w5, b5, spec = _plan_and_arrays(2, x, w, b, kw, 256)
    out = np.full(spec.out_shape, np.nan, np.float32)
    run(x5, w5, b5, out)
    assert np.isfinite(out).all()


@pytest.mark.parametrize("groups", [1, 2])
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_nan_reaches_exactly_the_windows_that_hold_it(rank, groups):
    spatial = {1: (15,), 2: (9, 8), 3: (5, 6, 5)}[rank]
    kernel = {1: (4,), 2: (3, 2), 3: (2, 3, 2)}[rank]
    kw = dict(stride=(2,) * rank, padding=(1,) * rank, dilation=(1,) * (rank - 1) + (2,),
              groups=groups)
    x = RNG.standard_normal((2, 4) + spatial)
    w = RNG.standard_normal((4, 4 // groups) + kernel)
    w[0] = 0.0  # zeros multiply the NaN too: NaN * 0 is NaN
    where = (1, 3) + (3,) * rank  # odd: the dilated last axis reads only odd indices
    x[where] = np.nan
    got = CONV[rank](x, w, None, method="im2col", **kw)
    marker = np.zeros_like(x)
    marker[where] = 1.0
    reach = conv_ref(marker, np.ones_like(w), None, **kw) > 0
    np.testing.assert_array_equal(np.isnan(got), reach)
    assert reach.any() and not reach.all()


def test_inf_weight_meeting_the_padding_gives_nan_as_torch_float64():
    # im2col multiplies the zero padding: inf * 0 = NaN wherever an infinite
    # weight meets padding.  torch's float64 CPU path (slow_conv2d, also
    # im2col + gemm) does the same, and so does its float32 path.
    x = np.ones((1, 1, 4, 4))
    w = np.zeros((1, 1, 3, 3))
    w[0, 0, 0, 0] = np.inf
    got = nn.conv2d(x, w, padding=1, method="im2col")[0, 0]
    want = np.full((4, 4), np.inf)
    want[0, :] = want[:, 0] = np.nan
    np.testing.assert_array_equal(got, want)
    torch = pytest.importorskip("torch")
    ref = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1)
    np.testing.assert_array_equal(got, ref.numpy()[0, 0])


def test_features_row_and_counts():
    x = np.zeros((2, 4, 10, 12), np.float32)
    kw = dict(stride=(1, 1), padding=(1, 1), dilation=(1, 1), groups=2)
    _, _, _, _, spec = _plan_and_arrays(2, x, np.zeros((6, 2, 3, 3), np.float32), None, kw)
    row, feats = _conv_im2col.features(spec)
    assert row == ("im2col", "f4")
    assert feats == (1.0, 2 * 10 * 12 * 4 * 9, float(spec.macs))
    _, _, _, _, spec1 = _plan_and_arrays(2, x.astype(np.float64),
                                         np.zeros((6, 4, 1, 1)), None,
                                         dict(kw, padding=(0, 0), groups=1))
    assert _conv_im2col.features(spec1) == (("im2col", "f8"), (1.0, 0.0, float(spec1.macs)))


def test_im2col_is_a_registered_method():
    from convcore.nn import _conv_methods
    assert "im2col" in _conv_methods.METHODS


def test_compiled_entry_point_checks_its_arrays():
    x = np.zeros((1, 4, 1, 5, 5), np.float32)
    w = np.zeros((2, 4, 1, 3, 3), np.float32)
    out = np.empty((1, 2, 1, 3, 3), np.float32)
    args = ((1, 1, 1), (0, 0, 0), (1, 1, 1))
    _im2col.conv(x, w, None, out, *args, 1, 1, 1024)
    with pytest.raises(ValueError, match="groups"):
        _im2col.conv(x, w, None, out, *args, 3, 1, 1024)
    with pytest.raises(ValueError, match="dtype"):
        _im2col.conv(x, w.astype(np.float64), None, out, *args, 1, 1, 1024)
    with pytest.raises(ValueError, match="C-contiguous"):
        _im2col.conv(x, w, None, np.empty((1, 2, 1, 3, 6), np.float32)[..., ::2], *args, 1, 1)
    with pytest.raises(ValueError, match="bias"):
        _im2col.conv(x, w, np.zeros(3, np.float32), out, *args, 1, 1)
    with pytest.raises(ValueError, match="threads"):
        _im2col.conv(x, w, None, out, *args, 1, 0)
    with pytest.raises(ValueError, match="positive"):
        _im2col.conv(x, w, None, out, (1, 0, 1), (0, 0, 0), (1, 1, 1), 1, 1)


def test_geometry_past_int64_sums_is_refused():
    # Padding and stride near int64's limit leave a small output, but the
    # kernels' index sums would wrap: refused, never read out of bounds.
    x = np.ones((1, 1, 3, 3))
    w = np.ones((1, 1, 2, 2))
    big = (1 << 63) - 1
    with pytest.raises(ValueError, match="2\\*\\*62"):
        nn.conv2d(x, w, padding=1 << 62, stride=big, method="im2col")
    with pytest.raises(ValueError, match="2\\*\\*62"):
        nn.conv2d(x, w, dilation=1 << 62, padding=1 << 61, stride=big, method="im2col")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("limit", [1, 2, 3, 5, 8, 1 << 31])
def test_gemm_splits_dimensions_past_the_limit(dtype, limit):
    # Row strides past the limit too (a: 40 > 8), so the wrapper must cut
    # the dimension they stride over into blocks of one.
    a = RNG.standard_normal((13, 40)).astype(dtype)[:, :17]
    b = RNG.standard_normal((17, 9)).astype(dtype)
    c = np.full((13, 9), np.nan, dtype)
    _im2col.gemm(a, b, c, False, limit)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(c, ref, rtol=0, atol=tol * 10)
    _im2col.gemm(a, b, c, True, limit)
    np.testing.assert_allclose(c, 2 * ref, rtol=0, atol=tol * 20)


# --------------------------------------------------------------------------
# The weight gradient (csrc/_im2col.pyx conv_dweight, nn._conv_dweight)


def dweight_ref(x, dy, w_shape, stride, padding, dilation, groups):
    """dw[o, c, t] = sum over n, p of dy[n, o, p] * the window tap t of
    channel c at p, in float64 by padding, strided slices and einsum."""
    rank = len(w_shape) - 2
    n, c_in = x.shape[:2]
    c_out, cg = w_shape[:2]
    og = c_out // groups
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0)) + tuple((p, p) for p in padding))
    grid = dy.shape[2:]
    xg = xp.reshape((n, groups, cg) + xp.shape[2:])
    dyg = dy.astype(np.float64).reshape((n, groups, og) + grid)
    dw = np.zeros((groups, og, cg) + tuple(w_shape[2:]))
    for tap in itertools.product(*(range(k) for k in w_shape[2:])):
        sl = tuple(slice(t * d, t * d + (g - 1) * s + 1, s)
                   for t, d, s, g in zip(tap, dilation, stride, grid))
        patch = xg[(slice(None),) * 3 + sl]
        axes = "".join("xyz"[:rank])
        dw[(slice(None),) * 3 + tap] = np.einsum(f"ngc{axes},ngo{axes}->goc", patch, dyg)
    return dw.reshape(w_shape)


def _dweight_case(case, dtype):
    x, w, _, kw = _operands(case, dtype, bias=False)
    x5, w5, _, spec, _ = conv_problem(case[0], "conv", x, w, None, kw["stride"],
                                      kw["padding"], kw["dilation"], kw["groups"], "zeros")
    dy = RNG.standard_normal(spec.out_shape).astype(dtype)
    ref = dweight_ref(x5, dy, spec.w_shape, spec.stride, spec.pad, spec.dilation, spec.groups)
    return x5, dy, spec, ref


@pytest.mark.parametrize("block_bytes", [None, 1, 700])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES)
def test_weight_gradient_matches_numpy_reference(case, dtype, block_bytes):
    x5, dy, spec, ref = _dweight_case(case, dtype)
    dw = np.full(spec.w_shape, np.nan, dtype)
    _conv_dweight.make_im2col(spec, block_bytes)(x5, dy, dw)
    scale = max(1.0, float(np.abs(x5).max() * np.abs(dy).max() * np.prod(spec.out_shape)
                           / spec.c_out))
    np.testing.assert_allclose(dw, ref, rtol=0, atol=(1e-6 if dtype == np.float32 else 1e-14)
                               * scale)


def test_weight_gradient_threads_give_bit_identical_results():
    x5, dy, spec, _ = _dweight_case((2, 3, 16, 24, (30, 29), 3, 1, 1, 1, 2), np.float32)
    results = []
    for threads in (1, 2, 3):
        with convcore.threads(threads):
            for block in (None, 4096):
                dw = np.empty(spec.w_shape, np.float32)
                _conv_dweight.make_im2col(spec, block)(x5, dy, dw)
                results.append(dw)
    for i, r in enumerate(results[2:]):
        np.testing.assert_array_equal(r, results[i % 2])


@pytest.mark.parametrize("groups, cg, blocks", [(1, 64, 8), (1, 3, 3), (2, 64, 4),
                                                (64, 1, 1), (16, 8, 1), (3, 5, 3)])
def test_weight_gradient_items_are_fixed_by_the_problem(groups, cg, blocks):
    cb = _im2col.dweight_blocks(groups, cg)
    assert -(-cg // cb) == blocks


def test_weight_gradient_of_an_empty_batch_is_zero():
    x5, dy, spec, _ = _dweight_case(CASES[3], np.float64)
    dw = np.full(spec.w_shape, np.nan)
    _im2col.conv_dweight(x5[:0], dy[:0], dw, spec.stride, spec.pad, spec.dilation,
                         spec.groups, 2)
    assert (dw == 0).all()
