"""convcore.nn pooling ops against a plain NumPy reference (always) and
torch (when importable), over kernel x stride x padding x dilation x
ceil_mode x count_include_pad x dtype x rank, ties, NaN and -inf."""
import itertools

import numpy as np
import pytest

import convcore
import convcore.nn as nn
from _pool_ref import adaptive_pool, avg_pool, max_pool, out_size, tied

DTYPES = [np.float32, np.float64]


def tol(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def _configs(rank):
    """(kernel, stride, padding, dilation, ceil_mode) tuples, every valid one
    of a grid; shapes chosen so windows hang over edges with ceil_mode."""
    out = []
    for k, s, p, d, c in itertools.product((1, 2, 3), (1, 2, 3), (0, 1), (1, 2), (False, True)):
        if p > k // 2:
            continue
        out.append(((k,) * rank, (s,) * rank, (p,) * rank, (d,) * rank, c))
    return out


SHAPES = {1: (2, 3, 11), 2: (2, 2, 7, 9), 3: (1, 2, 5, 4, 6)}
MAX_CASES = [(r, cfg) for r in (1, 2) for cfg in _configs(r)] + \
    [(3, cfg) for cfg in _configs(3)[::3]]


def _has_empty_window(spatial, k, s, p, d, c):
    """A dilated window over padding alone (torch returns -inf and an index
    outside the plane there)."""
    for n, kk, ss, pp, dd in zip(spatial, k, s, p, d):
        for o in range(out_size(n, kk, ss, pp, dd, c)):
            if not any(0 <= o * ss - pp + j * dd < n for j in range(kk)):
                return True
    return False


def test_course_example():
    x = np.array([[1, 1, -2, 0, 1], [1, 0, 0, 2, 1], [0, 1, 0, 5, -1],
                  [-2, 1, 0, -1, 1], [0, 1, 0, 5, -1]], dtype=np.float64)
    out = nn.max_pool2d(x[None, None], 3, stride=2, padding=0)
    np.testing.assert_array_equal(out[0, 0], [[1, 5], [1, 5]])
    out, idx = nn.max_pool2d(x[None], 3, 2, return_indices=True)  # unbatched (C, H, W)
    np.testing.assert_array_equal(out[0], [[1, 5], [1, 5]])
    np.testing.assert_array_equal(idx[0], [[0, 13], [11, 13]])  # first of tied maxima


def _reference_case(rank, cfg):
    """A non-empty output whose every window has a tap inside the input."""
    k, s, p, d, c = cfg
    spatial = SHAPES[rank][2:]
    if any(n + 2 * pp < dd * (kk - 1) + 1 for n, kk, pp, dd in zip(spatial, k, p, d)):
        return False
    return not _has_empty_window(spatial, *cfg)


MAX_REF_CASES = [case for case in MAX_CASES if _reference_case(*case)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rank,cfg", MAX_REF_CASES)
def test_max_pool_matches_reference(rank, cfg, dtype):
    k, s, p, d, c = cfg
    shape = SHAPES[rank]
    rng = np.random.default_rng(hash((rank, cfg)) % 2**32)
    x = tied(shape, dtype, rng, nan=True, neginf=True)
    f = getattr(nn, f"max_pool{rank}d")
    out, idx = f(x, k, s, p, d, c, return_indices=True)
    ref, ref_idx = max_pool(x, k, s, p, d, c)
    assert out.dtype == dtype and idx.dtype == np.int64
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(f(x, k, s, p, d, c), ref)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rank,cfg", MAX_CASES)
def test_max_pool_matches_torch(rank, cfg, dtype):
    torch = pytest.importorskip("torch")
    k, s, p, d, c = cfg
    rng = np.random.default_rng(hash((rank, cfg, 1)) % 2**32)
    x = tied(SHAPES[rank], dtype, rng, nan=True, neginf=True)
    tf = getattr(torch.nn.functional, f"max_pool{rank}d")
    try:
        t_out, t_idx = tf(torch.from_numpy(x), k, s, p, d, c, return_indices=True)
    except RuntimeError:
        with pytest.raises(ValueError):
            getattr(nn, f"max_pool{rank}d")(x, k, s, p, d, c)
        return
    out, idx = getattr(nn, f"max_pool{rank}d")(x, k, s, p, d, c, return_indices=True)
    np.testing.assert_array_equal(out, t_out.numpy())
    np.testing.assert_array_equal(idx, t_idx.numpy())


AVG_CASES = [(r, (k,) * r, (s,) * r, (p,) * r, c, cip, div)
             for r in (1, 2, 3)
             for k, s, p in [(1, 1, 0), (2, 2, 0), (3, 2, 1), (3, 1, 1), (2, 3, 1), (4, 3, 2)]
             for c in (False, True) for cip in (False, True)
             for div in ((None,) if r == 1 else (None, 3))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rank,k,s,p,c,cip,div", AVG_CASES)
def test_avg_pool_matches_reference_and_torch(rank, k, s, p, c, cip, div, dtype):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(SHAPES[rank]).astype(dtype)
    f = getattr(nn, f"avg_pool{rank}d")
    kw = {} if rank == 1 else {"divisor_override": div}
    out = f(x, k, s, p, c, cip, **kw)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, avg_pool(x, k, s, p, c, cip, div), **tol(dtype))
    try:
        import torch
    except ImportError:
        return
    t = getattr(torch.nn.functional, f"avg_pool{rank}d")(torch.from_numpy(x), k, s, p, c, cip, **kw)
    np.testing.assert_allclose(out, t.numpy(), **tol(dtype))


def test_avg_pool_nan_and_inf_stay_in_their_windows():
    x = np.zeros((1, 1, 6, 40), np.float32)
    x[0, 0, 1, 3] = np.nan
    x[0, 0, 4, 30] = np.inf
    out = nn.avg_pool2d(x, 2, 2)
    bad = ~np.isfinite(out[0, 0])
    assert bad.sum() == 2
    assert np.isnan(out[0, 0, 0, 1]) and out[0, 0, 2, 15] == np.inf
    out = nn.avg_pool1d(x[0], 3, 1)  # overlapping windows
    assert (~np.isfinite(out)).sum() == 6


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("norm_type", [1, 2, 3, 1.5])
@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_lp_pool(rank, norm_type, ceil_mode, dtype):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3) + (7,) * rank).astype(dtype)
    k, s = (3,) * rank, (2,) * rank
    f = getattr(nn, f"lp_pool{rank}d")
    out = f(x, norm_type, 3, 2, ceil_mode)
    assert out.dtype == dtype
    # torch's definition: avg of x**p (clipped edge windows divide by their
    # clipped size) times the kernel size, sign kept, then ** (1/p)
    with np.errstate(invalid="ignore"):
        avg = avg_pool(x ** dtype(norm_type), k, s, (0,) * rank, ceil_mode, True)
        ref = (np.sign(avg) * np.abs(avg) * 3 ** rank) ** dtype(1 / norm_type)
    np.testing.assert_allclose(out, ref, rtol=1e-4 if dtype == np.float32 else 1e-10,
                               equal_nan=True)
    np.testing.assert_allclose(f(np.abs(x), 2, 3, 2, ceil_mode),
                               np.sqrt(avg_pool(x * x, k, s, (0,) * rank, ceil_mode) * 3 ** rank),
                               rtol=1e-4 if dtype == np.float32 else 1e-10)
    torch = pytest.importorskip("torch")
    t = getattr(torch.nn.functional, f"lp_pool{rank}d")(torch.from_numpy(x), norm_type, 3, 2,
                                                        ceil_mode)
    np.testing.assert_allclose(out, t.numpy(), rtol=1e-4 if dtype == np.float32 else 1e-10,
                               atol=1e-6, equal_nan=True)


ADAPTIVE_SIZES = {1: [(11, 1), (11, 3), (11, 4), (11, 11), (11, 16), (5, 23), (7, 0), (12, 6)],
                  2: [((7, 9), (1, 1)), ((7, 9), (3, 4)), ((7, 9), (7, 9)), ((7, 9), (10, 13)),
                      ((7, 9), (None, 2)), ((7, 9), (3, None)), ((7, 9), (0, 3)),
                      ((8, 8), (4, 2)), ((3, 2), (5, 5))]}


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rank,sizes", [(r, sz) for r in (1, 2) for sz in ADAPTIVE_SIZES[r]])
def test_adaptive_pool(rank, sizes, kind, dtype):
    spatial, osz = sizes
    spatial = (spatial,) if rank == 1 else spatial
    osz_t = (osz,) if rank == 1 else osz
    full = tuple(n if o is None else o for n, o in zip(spatial, osz_t))
    rng = np.random.default_rng(11)
    x = tied((2, 3) + spatial, dtype, rng, nan=True) if kind == "max" else \
        rng.standard_normal((2, 3) + spatial).astype(dtype)
    arg = osz if rank == 1 else osz_t
    if kind == "max":
        out, idx = getattr(nn, f"adaptive_max_pool{rank}d")(x, arg, return_indices=True)
    else:
        out = getattr(nn, f"adaptive_avg_pool{rank}d")(x, arg)
    assert out.shape == (2, 3) + full and out.dtype == dtype
    if 0 in full:
        assert out.size == 0
    else:
        ref, ref_idx = adaptive_pool(x, full, kind)
        if kind == "max":
            np.testing.assert_array_equal(out, ref)
            np.testing.assert_array_equal(idx, ref_idx)
        else:
            np.testing.assert_allclose(out, ref, **tol(dtype))
    torch = pytest.importorskip("torch")
    tf = getattr(torch.nn.functional, f"adaptive_{kind}_pool{rank}d")
    if kind == "max":
        t, ti = tf(torch.from_numpy(x), arg, return_indices=True)
        np.testing.assert_array_equal(out, t.numpy())
        np.testing.assert_array_equal(idx, ti.numpy())
    else:
        np.testing.assert_allclose(out, tf(torch.from_numpy(x), arg).numpy(), **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k,s,p,osz", [(2, 2, 0, None), (3, 2, 1, (10, 12)), (2, 2, 0, [11, 13]),
                                       (2, 1, 0, None), (3, 3, 0, (1, 1, 11, 14))])
def test_max_unpool2d(k, s, p, osz, dtype):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 10, 12)).astype(dtype)
    pooled, idx = nn.max_pool2d(x, k, s, p, return_indices=True)
    out = nn.max_unpool2d(pooled, idx, k, s, p, output_size=osz)
    assert out.dtype == dtype
    size = out.shape[-2:]
    ref = np.zeros((6, size[0] * size[1]), dtype)
    for pl in range(6):  # later writes win, as torch's serial loop
        for v, i in zip(pooled.reshape(6, -1)[pl], idx.reshape(6, -1)[pl]):
            ref[pl, i] = v
    np.testing.assert_array_equal(out, ref.reshape(out.shape))
    torch = pytest.importorskip("torch")
    t = torch.nn.functional.max_unpool2d(torch.from_numpy(pooled), torch.from_numpy(idx), k, s, p,
                                         output_size=osz)
    np.testing.assert_array_equal(out, t.numpy())


def test_unbatched_and_layouts():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 9, 10))
    np.testing.assert_array_equal(nn.max_pool2d(x, 3, 2, 1), nn.max_pool2d(x[None], 3, 2, 1)[0])
    np.testing.assert_array_equal(nn.max_pool1d(x[0], 2), nn.max_pool1d(x[:1], 2)[0])
    xf = np.asfortranarray(x)
    np.testing.assert_array_equal(nn.avg_pool2d(xf, 2), nn.avg_pool2d(x, 2))
    xs = x[:, ::-1, ::2]
    np.testing.assert_array_equal(nn.max_pool2d(xs, 2), nn.max_pool2d(xs.copy(), 2))
    xb = x.astype(">f8")
    out = nn.avg_pool2d(xb, 2)
    np.testing.assert_array_equal(out, nn.avg_pool2d(x, 2))
    xr = x.copy()
    xr.flags.writeable = False
    np.testing.assert_array_equal(nn.max_pool2d(xr, 2), nn.max_pool2d(x, 2))
    assert nn.max_pool2d(x.tolist(), 2).shape == (3, 4, 5)
    empty = nn.max_pool2d(np.zeros((0, 3, 4, 4)), 2)
    assert empty.shape == (0, 3, 2, 2)


def test_one_by_one_outputs_and_big_windows():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 5, 6)).astype(np.float32)
    np.testing.assert_array_equal(nn.max_pool2d(x, (5, 6))[..., 0, 0], x.max(axis=(2, 3)))
    np.testing.assert_allclose(nn.avg_pool2d(x, (5, 6))[..., 0, 0], x.mean(axis=(2, 3)),
                               rtol=1e-6)
    np.testing.assert_allclose(nn.adaptive_avg_pool2d(x, 1)[..., 0, 0], x.mean(axis=(2, 3)),
                               rtol=1e-6)
    y = rng.standard_normal((2, 4, 3, 100)).astype(np.float32)  # long SIMD rows, stride 1
    ref, ref_idx = max_pool(y, (2, 7), (1, 1), (1, 3), (1, 2), False)
    out, idx = nn.max_pool2d(y, (2, 7), 1, (1, 3), (1, 2), return_indices=True)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(idx, ref_idx)


@pytest.mark.parametrize("op", ["max", "avg", "adaptive"])
def test_thread_count_does_not_change_results(op):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((4, 16, 48, 50)).astype(np.float32)
    f = {"max": lambda: nn.max_pool2d(x, 3, 2, 1, return_indices=True)[1],
         "avg": lambda: nn.avg_pool2d(x, 3, 1, 1),
         "adaptive": lambda: nn.adaptive_avg_pool2d(x, (5, 7))}[op]
    with convcore.threads(1):
        one = f()
    with convcore.threads(3):
        three = f()
    np.testing.assert_array_equal(one, three)


try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    given = None

if given is not None:
    @settings(max_examples=40, deadline=None)
    @given(data=st.data())
    def test_max_avg_pool_property(data):
        rank = data.draw(st.integers(1, 2))
        k = data.draw(st.tuples(*[st.integers(1, 4)] * rank))
        s = data.draw(st.tuples(*[st.integers(1, 3)] * rank))
        p = tuple(data.draw(st.integers(0, kk // 2)) for kk in k)
        c = data.draw(st.booleans())
        spatial = tuple(data.draw(st.integers(kk, kk + 12)) for kk in k)
        seed = data.draw(st.integers(0, 2**16))
        x = tied((1, 2) + spatial, np.float64, np.random.default_rng(seed), nan=True)
        out, idx = getattr(nn, f"max_pool{rank}d")(x, k, s, p, 1, c, return_indices=True)
        ref, ref_idx = max_pool(x, k, s, p, (1,) * rank, c)
        np.testing.assert_array_equal(out, ref)
        np.testing.assert_array_equal(idx, ref_idx)
        x = np.nan_to_num(x)
        np.testing.assert_allclose(getattr(nn, f"avg_pool{rank}d")(x, k, s, p, c, False),
                                   avg_pool(x, k, s, p, c, False), rtol=1e-12)
