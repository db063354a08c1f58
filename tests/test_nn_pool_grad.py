"""convcore.nn.grad pooling gradients: finite differences (float64, inputs
without ties), the exact tie and NaN rule, the NumPy reference scatter, and
torch's autograd when torch is importable."""
import itertools

import numpy as np
import pytest

import convcore
import convcore.nn as nn
from convcore import _dispatch
from _pool_ref import max_pool, max_pool_grad, tied

GRAD_CASES = [(r, (k,) * r, (s,) * r, (p,) * r, (d,) * r, c)
              for r in (1, 2, 3)
              for k, s, p, d in [(2, 2, 0, 1), (3, 2, 1, 1), (3, 1, 1, 1), (2, 1, 1, 2), (3, 3, 0, 1)]
              for c in (False, True)]
SHAPES = {1: (2, 2, 9), 2: (1, 2, 6, 7), 3: (1, 1, 5, 4, 5)}


def _distinct(shape, rng):
    """float64 values at least 0.1 apart: no ties, so max is differentiable."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 + rng.uniform(0, 0.01, n)).reshape(shape)


def _fd_grad(f, x, go, eps=1e-6):
    g = np.empty_like(x)
    for i in np.ndindex(*x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = np.sum(go * (f(xp) - f(xm))) / (2 * eps)
    return g


@pytest.mark.parametrize("rank,k,s,p,d,c", GRAD_CASES)
def test_max_pool_grad_finite_differences(rank, k, s, p, d, c):
    rng = np.random.default_rng(1)
    x = _distinct(SHAPES[rank], rng)
    fwd = getattr(nn, f"max_pool{rank}d")
    go = rng.standard_normal(fwd(x, k, s, p, d, c).shape)
    g = getattr(nn.grad, f"max_pool{rank}d")(go, x, k, s, p, d, c)
    np.testing.assert_allclose(g, _fd_grad(lambda v: fwd(v, k, s, p, d, c), x, go), atol=1e-7)


@pytest.mark.parametrize("rank,k,s,p,d,c", [case for case in GRAD_CASES if case[4][0] == 1])
@pytest.mark.parametrize("cip", [False, True])
def test_avg_pool_grad_finite_differences(rank, k, s, p, d, c, cip):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(SHAPES[rank])
    fwd = getattr(nn, f"avg_pool{rank}d")
    kw = {} if rank == 1 else {"divisor_override": None}
    go = rng.standard_normal(fwd(x, k, s, p, c, cip).shape)
    g = getattr(nn.grad, f"avg_pool{rank}d")(go, x, k, s, p, c, cip, **kw)
    np.testing.assert_allclose(g, _fd_grad(lambda v: fwd(v, k, s, p, c, cip), x, go), atol=1e-7)
    if rank > 1:
        g = getattr(nn.grad, f"avg_pool{rank}d")(go, x, k, s, p, c, cip, divisor_override=5)
        f5 = lambda v: fwd(v, k, s, p, c, cip, divisor_override=5)  # noqa: E731
        np.testing.assert_allclose(g, _fd_grad(f5, x, go), atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rank,k,s,p,d,c", GRAD_CASES)
def test_max_pool_grad_tie_rule_matches_reference_and_torch(rank, k, s, p, d, c, dtype):
    rng = np.random.default_rng(3)
    x = tied(SHAPES[rank], dtype, rng, nan=True, neginf=True)
    out = getattr(nn, f"max_pool{rank}d")(x, k, s, p, d, c)
    go = rng.standard_normal(out.shape).astype(dtype)
    g = getattr(nn.grad, f"max_pool{rank}d")(go, x, k, s, p, d, c)
    assert g.dtype == dtype and g.shape == x.shape
    np.testing.assert_allclose(g, max_pool_grad(go, x, k, s, p, d, c), rtol=1e-6, atol=1e-6)
    torch = pytest.importorskip("torch")
    tx = torch.from_numpy(x).requires_grad_()
    getattr(torch.nn.functional, f"max_pool{rank}d")(tx, k, s, p, d, c).backward(
        torch.from_numpy(go))
    np.testing.assert_allclose(g, tx.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_tie_and_nan_rule_exactly():
    # equal maxima: the first tap in row-major order gets the gradient
    x = np.ones((1, 1, 4, 4))
    g = nn.grad.max_pool2d(np.ones((1, 1, 2, 2)), x, 2)
    np.testing.assert_array_equal(g[0, 0], [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]])
    # several NaNs: the last one; a NaN beats any number
    x = np.array([[[1.0, np.nan, 3.0, np.nan, 2.0, 7.0]]])
    np.testing.assert_array_equal(nn.grad.max_pool1d(np.ones((1, 1, 1)), x, 6)[0, 0],
                                  [0, 0, 0, 1, 0, 0])
    _, idx = nn.max_pool1d(x, 6, return_indices=True)
    assert idx[0, 0, 0] == 3
    # all -inf: the first tap inside the input
    x = np.full((1, 1, 3, 3), -np.inf)
    _, idx = nn.max_pool2d(x, 3, 1, 1, return_indices=True)
    np.testing.assert_array_equal(idx[0, 0], [[0, 0, 1], [0, 0, 1], [3, 3, 4]])
    # overlapping windows accumulate
    x = np.array([[[0.0, 5.0, 1.0, 0.0]]])
    np.testing.assert_array_equal(nn.grad.max_pool1d(np.array([[[1.0, 2.0, 4.0]]]), x, 2, 1)[0, 0],
                                  [0, 3, 4, 0])


@pytest.mark.parametrize("rank,c,cip,div", [
    (r, c, cip, div) for r, c, cip, div in itertools.product((1, 2, 3), (False, True),
                                                             (False, True), (None, 2))
    if r > 1 or div is None])  # torch's avg_pool1d has no divisor_override
def test_avg_pool_grad_matches_torch(rank, c, cip, div):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3) + (7,) * rank).astype(np.float32)
    kw = {} if rank == 1 else {"divisor_override": div}
    out = getattr(nn, f"avg_pool{rank}d")(x, 3, 2, 1, c, cip, **kw)
    go = rng.standard_normal(out.shape).astype(np.float32)
    g = getattr(nn.grad, f"avg_pool{rank}d")(go, x, 3, 2, 1, c, cip, **kw)
    tx = torch.from_numpy(x).requires_grad_()
    getattr(torch.nn.functional, f"avg_pool{rank}d")(tx, 3, 2, 1, c, cip, **kw).backward(
        torch.from_numpy(go))
    np.testing.assert_allclose(g, tx.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_grad_thread_count_invariance_overlapping_windows():
    rng = np.random.default_rng(5)
    x = tied((3, 8, 40, 41), np.float32, rng)
    go = rng.standard_normal((3, 8, 40, 41)).astype(np.float32)
    with convcore.threads(1):
        a = nn.grad.max_pool2d(go, x, 3, 1, 1)
        b = nn.grad.avg_pool2d(go, x, 3, 1, 1)
    with convcore.threads(4):
        np.testing.assert_array_equal(a, nn.grad.max_pool2d(go, x, 3, 1, 1))
        np.testing.assert_array_equal(b, nn.grad.avg_pool2d(go, x, 3, 1, 1))


def test_dilated_window_over_padding_only():
    # k=2, p=1, d=2 on a length-1 axis: torch outputs -inf with an index past
    # the plane; convcore matches the forward and drops that gradient.
    x = np.arange(6.0).reshape(1, 1, 1, 6)
    out, idx = nn.max_pool2d(x, 2, 1, 1, 2, return_indices=True)
    assert np.isneginf(out).all() and (idx >= 6).all()
    g = nn.grad.max_pool2d(np.ones_like(out), x, 2, 1, 1, 2)
    np.testing.assert_array_equal(g, 0)


@pytest.mark.parametrize("isa", _dispatch.supported_isas())
@pytest.mark.parametrize("rank,k,s,p,d,c", [(2, (2, 2), (3, 3), (0, 0), (1, 1), False),
                                            (2, (2, 3), (4, 2), (1, 1), (1, 1), True),
                                            (2, (2, 2), (3, 1), (1, 0), (2, 1), True),
                                            (3, (1, 2, 2), (3, 3, 2), (0, 1, 0), (1, 1, 1), False)])
def test_max_pool_grad_rows_between_windows_are_zero(isa, rank, k, s, p, d, c):
    # stride > kernel: input rows and planes no window reads lie between and
    # after the ones that get gradients; grad_in starts uninitialised, so
    # each must be written (zero) exactly once, whatever the ISA
    rng = np.random.default_rng(11)
    shape = (3, 2, 11, 17) if rank == 2 else (2, 1, 7, 9, 10)
    for dtype in (np.float32, np.float64):
        x = tied(shape, dtype, rng, nan=True, neginf=True)
        with _dispatch.forced_isa(isa):
            out = getattr(nn, f"max_pool{rank}d")(x, k, s, p, d, c)
            go = rng.standard_normal(out.shape).astype(dtype)
            for _ in range(2):  # a reused (dirty) buffer as well as a fresh one
                g = getattr(nn.grad, f"max_pool{rank}d")(go, x, k, s, p, d, c)
                np.testing.assert_allclose(g, max_pool_grad(go, x, k, s, p, d, c),
                                           rtol=1e-6, atol=1e-6)
