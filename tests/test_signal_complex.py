"""Complex convolve / correlate (method='direct') and convolve2d / correlate2d
against scipy.signal, at sizes whose interior runs the complex SIMD row
kernels (whole tiles of 8, 16 and 32 outputs and every tail), at every ISA
level this CPU supports.  The literal examples of test_signal_direct.py and
test_signal_2d.py are small enough to stay mostly in the scalar edge
columns; these are not."""
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy import signal

import convcore
from convcore import _dispatch
from _reference import assert_conv_equal, random_array, seed_for

ISAS = list(_dispatch.supported_isas())
COMPLEX = [np.complex64, np.complex128]
MODES = ["full", "same", "valid"]

# 1-D: one-tap kernels, every tail after whole tiles, the long kernel of the
# benchmark, a kernel longer than the signal (convolve swaps the operands).
SHAPES_1D = [((1,), (1,)), ((40,), (1,)), ((41,), (7,)), ((97,), (13,)), ((263,), (63,)),
             ((1000,), (5,)), ((64,), (64,)), ((7,), (40,)), ((300,), (2,))]
# N-D: several input rows per output row (the kernel's nrows), wide rows.
SHAPES_ND = [((37, 45), (5, 7)), ((16, 70), (3, 33)), ((9, 130), (4, 2)),
             ((3, 5, 61), (2, 3, 9))]


def _name(dtype):
    return np.dtype(dtype).name


def _gaussian_integers(rng, shape, dtype, bound=8):
    """Complex values with small integer parts: every product and sum of the
    cases below is exact in float32, whatever the order or FMA use."""
    re = rng.integers(-bound, bound + 1, shape)
    im = rng.integers(-bound, bound + 1, shape)
    return (re + 1j * im).astype(dtype)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", COMPLEX, ids=_name)
@pytest.mark.parametrize("fn", ["convolve", "correlate"])
@pytest.mark.parametrize("shapes", SHAPES_1D + SHAPES_ND, ids=str)
def test_vs_scipy(isa, dtype, fn, shapes):
    s1, s2 = shapes
    rng = np.random.default_rng(seed_for(isa, _name(dtype), fn, s1, s2))
    a = random_array(rng, s1, dtype)
    b = random_array(rng, s2, dtype)
    for mode in MODES:
        ref = getattr(signal, fn)(a, b, mode, method="direct")
        with _dispatch.forced_isa(isa):
            got = getattr(convcore, fn)(a, b, mode, method="direct")
        assert_conv_equal(got, ref, a, b, err_msg=f"{fn} {mode} isa={isa}")


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", COMPLEX, ids=_name)
@pytest.mark.parametrize("shapes", [((263,), (63,)), ((41,), (7,)), ((7,), (40,)),
                                    ((16, 70), (3, 33))], ids=str)
def test_exact_on_gaussian_integers(isa, dtype, shapes):
    """Where every sum is exact the result is exact: equal to scipy's
    complex128 result bit for bit, at every ISA."""
    s1, s2 = shapes
    rng = np.random.default_rng(seed_for(isa, _name(dtype), s1, s2))
    a = _gaussian_integers(rng, s1, dtype)
    b = _gaussian_integers(rng, s2, dtype)
    for fn in ("convolve", "correlate"):
        for mode in MODES:
            ref = getattr(signal, fn)(a.astype(np.complex128), b.astype(np.complex128),
                                      mode, method="direct").astype(dtype)
            with _dispatch.forced_isa(isa):
                got = getattr(convcore, fn)(a, b, mode, method="direct")
            assert_array_equal(got, ref, err_msg=f"{fn} {mode} isa={isa}", strict=True)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", COMPLEX, ids=_name)
def test_correlate_conjugates_in2(isa, dtype):
    """correlate(a, b) is convolve(a, conj(b) reversed): the conjugate is
    taken (the unconjugated sum is a different answer), and only once."""
    rng = np.random.default_rng(seed_for(isa, _name(dtype)))
    a = _gaussian_integers(rng, (200,), dtype)
    b = _gaussian_integers(rng, (21,), dtype)
    with _dispatch.forced_isa(isa):
        got = convcore.correlate(a, b, "full", method="direct")
        conj = convcore.convolve(a, np.conj(b)[::-1], "full", method="direct")
        plain = convcore.convolve(a, b[::-1], "full", method="direct")
    assert_array_equal(got, conj, strict=True)
    assert not np.array_equal(got, plain)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", COMPLEX, ids=_name)
@pytest.mark.parametrize("fn", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
def test_2d_boundaries_vs_scipy(isa, dtype, fn, boundary):
    rng = np.random.default_rng(seed_for(isa, _name(dtype), fn, boundary))
    a = random_array(rng, (23, 70), dtype)
    b = random_array(rng, (4, 9), dtype)
    fill = 0.5 - 2j if boundary == "fill" else 0
    for mode in MODES:
        ref = getattr(signal, fn)(a, b, mode, boundary, fill)
        with _dispatch.forced_isa(isa):
            got = getattr(convcore, fn)(a, b, mode, boundary, fill)
        assert_conv_equal(got, ref, a, b, fill=fill, boundary=boundary,
                          err_msg=f"{mode} isa={isa}")
