"""Kernel tests: every pooling variant this CPU runs
(convcore._dispatch.supported_isas()) against the scalar reference kernels,
bit for bit, on odd sizes (tails, 1, primes, long rows), every stride path
(1: plain loads, 2: de-interleave, 3+: gather), ties and NaN."""
import numpy as np
import pytest

import convcore.nn as nn
from convcore import _dispatch, _pool
from _pool_ref import tied

ISAS = _dispatch.supported_isas()
WIDTHS = [1, 2, 7, 8, 9, 16, 17, 31, 33, 64, 67, 131]


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype_code", [0, 1])
def test_variant_is_the_one_asked_for(isa, dtype_code):
    level = _dispatch.ISA_NAMES.index(isa)
    assert _pool.kernel_isa(dtype_code, level) == level


def _run(isa, f):
    with _dispatch.forced_isa(isa):
        return f()


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k,s,p,d", [(1, 1, 0, 1), (2, 1, 0, 1), (3, 1, 1, 1), (2, 2, 0, 1),
                                     (3, 2, 1, 1), (3, 3, 1, 1), (2, 5, 0, 1), (3, 2, 1, 2),
                                     (4, 1, 2, 3)])
def test_max_and_avg_kernels_match_scalar(isa, dtype, k, s, p, d):
    rng = np.random.default_rng(k * 100 + s * 10 + p)
    for w in WIDTHS:
        if w + 2 * p < d * (k - 1) + 1:
            continue
        x = tied((2, 3, 4, w), dtype, rng, nan=True, neginf=True)
        for ceil in (False, True):
            f = lambda: nn.max_pool2d(x, (2, k), (1, s), (1, p), (1, d), ceil,  # noqa: E731
                                      return_indices=True)
            (a, ai), (b, bi) = _run("scalar", f), _run(isa, f)
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(ai, bi)
            f = lambda: nn.max_pool1d(x[0], k, s, p, d, ceil)  # noqa: E731
            np.testing.assert_array_equal(_run("scalar", f), _run(isa, f))
            if d == 1:
                y = np.nan_to_num(x, neginf=-5.0)
                f = lambda: nn.avg_pool2d(y, (2, k), (1, s), (0, p), ceil)  # noqa: E731
                np.testing.assert_array_equal(_run("scalar", f), _run(isa, f))
                g = rng.standard_normal(_run(isa, f).shape).astype(dtype)
                f = lambda: nn.grad.max_pool2d(g.astype(dtype), x, (2, k), (1, s),  # noqa: E731
                                               (0, p), 1, ceil)
                if _run(isa, lambda: nn.max_pool2d(x, (2, k), (1, s), (0, p), 1, ceil)).shape \
                        == g.shape:
                    np.testing.assert_array_equal(_run("scalar", f), _run(isa, f))


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_global_and_adaptive_kernels(isa, dtype):
    rng = np.random.default_rng(9)
    for hw in [(1, 1), (7, 7), (3, 11), (16, 16), (5, 33)]:
        x = rng.standard_normal((3, 5) + hw).astype(dtype)
        a = _run("scalar", lambda: nn.adaptive_avg_pool2d(x, 1))
        b = _run(isa, lambda: nn.adaptive_avg_pool2d(x, 1))  # SIMD plane sum: another order
        # a sum's rounding error scales with the sum of magnitudes, not the sum
        atol = (1e-6 if dtype == np.float32 else 1e-14) * np.abs(x).mean()
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=atol)
        np.testing.assert_allclose(b[..., 0, 0], x.mean(axis=(2, 3)), rtol=1e-5, atol=atol)
        for osz in [(2, 3), hw, (hw[0] * 2, 5)]:
            for f in (lambda: nn.adaptive_avg_pool2d(x, osz),
                      lambda: nn.adaptive_max_pool2d(x, osz, return_indices=True)[1]):
                np.testing.assert_array_equal(_run("scalar", f), _run(isa, f))
