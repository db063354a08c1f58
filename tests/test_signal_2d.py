"""convcore.convolve2d / convcore.correlate2d against scipy.signal.

Boundaries ('fill'/'pad' with any fillvalue, 'wrap'/'circular',
'symm'/'symmetric'), every mode, kernels larger than the input, even
kernels, correlate2d's own 'same' centring and its conjugation quirk.  bool
and float16 (which scipy's convolve2d refuses) go against the NumPy reference.
"""
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy import signal

import convcore
from _reference import (LAYOUTS, assert_conv_equal, convolve2d_ref, correlate2d_ref,
                        mode_shape, pair_id, random_array, result_dtype, seed_for,
                        with_layout)

FUNCS = ["convolve2d", "correlate2d"]
MODES = ["full", "same", "valid"]
BOUNDARIES = ["fill", "pad", "wrap", "circular", "symm", "symmetric"]
REFERENCE = {"convolve2d": convolve2d_ref, "correlate2d": correlate2d_ref}


def scipy_refuses(a, b):
    """scipy's convolve2d has no bool or float16 loop."""
    return result_dtype(a, b) in (np.bool_, np.float16)


def expected(fn, a, b, mode, boundary, fillvalue):
    if scipy_refuses(a, b):
        return REFERENCE[fn](a, b, mode, boundary, fillvalue)
    return getattr(signal, fn)(a, b, mode, boundary, fillvalue)


# -- literal examples (scipy's own, and hand-checked ones) --------------------

A = [[1, 2, 3], [3, 4, 5]]
B = [[2, 3, 4], [4, 5, 6]]


class TestConvolve2dLiteral:

    def test_basic(self):
        assert_array_equal(convcore.convolve2d(A, B),
                           [[2, 7, 16, 17, 12], [10, 30, 62, 58, 38], [12, 31, 58, 49, 30]])

    def test_valid_mode(self):
        e = [[2, 3, 4, 5, 6, 7, 8], [4, 5, 6, 7, 8, 9, 10]]
        f = [[1, 2, 3], [3, 4, 5]]
        h = [[62, 80, 98, 116, 134]]
        assert_array_equal(convcore.convolve2d(e, f, "valid"), h)
        assert_array_equal(convcore.convolve2d(f, e, "valid"), h)

    def test_valid_mode_complex(self):
        e = [[2, 3, 4, 5, 6, 7, 8], [4, 5, 6, 7, 8, 9, 10]]
        f = np.array([[1, 2, 3], [3, 4, 5]], dtype=complex) + 1j
        h = [[62 + 24j, 80 + 30j, 98 + 36j, 116 + 42j, 134 + 48j]]
        assert_array_equal(convcore.convolve2d(e, f, "valid"), h)
        assert_array_equal(convcore.convolve2d(f, e, "valid"), h)

    def test_fillvalue(self):
        assert_array_equal(convcore.convolve2d(A, B, "full", "fill", 1),
                           [[24, 26, 31, 34, 32], [28, 40, 62, 64, 52], [32, 46, 67, 62, 48]])

    def test_wrap_boundary(self):
        expect = [[80, 80, 74, 80, 80], [68, 68, 62, 68, 68], [80, 80, 74, 80, 80]]
        for name in ("wrap", "circular"):
            assert_array_equal(convcore.convolve2d(A, B, "full", name), expect)

    def test_symm_boundary(self):
        expect = [[34, 30, 44, 62, 66], [52, 48, 62, 80, 84], [82, 78, 92, 110, 114]]
        for name in ("symm", "symmetric"):
            assert_array_equal(convcore.convolve2d(A, B, "full", name), expect)

    def test_wrap_kernel_larger_than_input(self):
        # A 1x2 input wraps around several times under a 1x5 kernel:
        # extended input ... 1 2 | 1 2 | 1 2 ..., kernel ones.
        out = convcore.convolve2d([[1, 2]], [[1, 1, 1, 1, 1]], "same", "wrap")
        # 'same' window of the full result, centred: each output sums the 5
        # extended samples around it: 2+1+(1)+2+1 = 7 and 1+2+(2)+1+2 = 8.
        assert_array_equal(out, [[7, 8]])

    def test_symm_kernel_larger_than_input(self):
        # Mirror with the edge repeated, period 4: ... 2 1 1 2 | 1 2 | 2 1 1 2 ...
        out = convcore.convolve2d([[1, 2]], [[1, 10, 100, 1000, 10000]], "same", "symm")
        # out[0] = sum_t ext[0 + 2 - t] * k[t] = ext[2] + 10 ext[1] + 100 ext[0]
        #          + 1000 ext[-1] + 10000 ext[-2]  = 2 + 20 + 100 + 1000 + 20000
        # out[1] = ext[3] + 10 ext[2] + 100 ext[1] + 1000 ext[0] + 10000 ext[-1]
        #        = 1 + 20 + 200 + 1000 + 10000
        assert_array_equal(out, [[21122, 11221]])

    def test_complex_fillvalue(self):
        out = convcore.convolve2d([[1j]], [[1, 1], [1, 1]], "full", "fill", 2 - 1j)
        # Every output sums the input and three fill values.
        assert_array_equal(out, np.full((2, 2), 1j + 3 * (2 - 1j)))


class TestCorrelate2dLiteral:

    def test_basic(self):
        assert_array_equal(convcore.correlate2d(A, B),
                           [[6, 17, 32, 23, 12], [22, 50, 82, 54, 26], [12, 25, 38, 23, 10]])

    def test_same_centres_even_kernels_later_than_correlate(self):
        x = np.arange(1.0, 6.0)[None, :]
        k = np.array([[1.0, 10.0]])
        # correlate2d: out[i] = x[i] + 10 x[i+1];  correlate: x[i-1] + 10 x[i].
        assert_array_equal(convcore.correlate2d(x, k, "same"), [[21, 32, 43, 54, 5]])
        assert_array_equal(convcore.correlate(x, k, "same"), [[10, 21, 32, 43, 54]])
        assert_array_equal(convcore.correlate2d(x.T, k.T, "same"),
                           np.array([[21, 32, 43, 54, 5]]).T)

    def test_same_odd_kernels_agree_with_correlate(self):
        rng = np.random.default_rng(0)
        x = random_array(rng, (6, 7), np.float64)
        k = random_array(rng, (3, 5), np.float64)
        assert_conv_equal(convcore.correlate2d(x, k, "same"),
                          convcore.correlate(x, k, "same"), x, k)

    def test_valid_swap_conjugates_complex(self):
        a = np.array([[1 + 1j, 2, 3], [4, 5j, 6]])
        b = np.array([[1, 2j, 0, 1], [1, 1, 1, 1 - 1j], [0, 2, 1, 3]])
        # in2 is the larger: scipy swaps and reverses without conjugating
        # back, so correlate2d gives the conjugate of correlate's result.
        got = convcore.correlate2d(a, b, "valid")
        assert_array_equal(got, [[32 - 9j, 12 - 11j], [15 - 9j, 11 - 2j]])
        assert_array_equal(convcore.correlate(a, b, "valid"),
                           [[32 + 9j, 12 + 11j], [15 + 9j, 11 + 2j]])
        assert_array_equal(got, signal.correlate2d(a, b, "valid"))

    def test_valid_no_swap_no_conjugate(self):
        a = np.array([[1 + 1j, 2, 3], [4, 5j, 6]])
        b = np.array([[1, 2j], [1 - 1j, 1]])
        assert_array_equal(convcore.correlate2d(a, b, "valid"),
                           convcore.correlate(a, b, "valid"))


# -- the matrix ------------------------------------------------------------------

# (in1 shape, in2 shape): kernels larger than the input in one or both axes
# (wrap/symm then go round more than once), even kernels, 1xN and Nx1, equal.
SHAPES_2D = [((5, 6), (3, 3)), ((6, 7), (2, 4)), ((4, 5), (4, 5)), ((1, 8), (1, 3)),
             ((7, 1), (2, 1)), ((3, 3), (5, 6)), ((2, 3), (7, 8)), ((1, 1), (4, 3)),
             ((8, 9), (1, 1)), ((5, 2), (2, 5)), ((9, 4), (6, 2)), ((3, 11), (3, 11))]
DTYPES_2D = [(np.float64, np.float64), (np.float32, np.float32), (np.int32, np.int32),
             (np.int8, np.uint8), (np.uint16, np.uint16), (np.complex128, np.complex128),
             (np.complex64, np.float32), (np.int64, np.float32), (np.longdouble,) * 2,
             (np.clongdouble,) * 2, (np.bool_, np.bool_), (np.float16, np.float16),
             (np.bool_, np.float16), (np.bool_, np.int16), (np.uint64, np.uint64)]


def _fills(pair):
    dt = np.result_type(*pair)
    fills = [0, 2]
    if dt.kind in "fc":
        fills.append(-1.5)
    if dt.kind == "c":
        fills.append(1.5 - 2j)
    return fills


CASES_2D = [pytest.param(pair, boundary, fill, id=f"{pair_id(pair)}-{boundary}-{fill}")
            for pair in DTYPES_2D for boundary in BOUNDARIES
            for fill in (_fills(pair) if boundary in ("fill", "pad") else [0])]


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("pair, boundary, fillvalue", CASES_2D)
def test_matrix_vs_scipy(fn, pair, boundary, fillvalue):
    rng = np.random.default_rng(seed_for(fn, pair_id(pair), boundary, fillvalue))
    for s1, s2 in SHAPES_2D:
        a = random_array(rng, s1, pair[0])
        b = random_array(rng, s2, pair[1])
        for mode in MODES:
            if mode == "valid" and not (all(x >= y for x, y in zip(s1, s2))
                                        or all(x <= y for x, y in zip(s1, s2))):
                continue  # neither is larger: an error (test_signal_errors.py)
            ref = expected(fn, a, b, mode, boundary, fillvalue)
            got = getattr(convcore, fn)(a, b, mode, boundary, fillvalue)
            assert_conv_equal(got, ref, a, b, fill=fillvalue, boundary=boundary,
                              err_msg=f"shapes {s1} {s2}, mode={mode}")


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
@pytest.mark.parametrize("mode", MODES)
def test_scipy_boundaries_match_the_reference(fn, boundary, mode):
    """scipy, convcore and the index-arithmetic reference agree on every
    boundary, including kernels that go round a tiny input several times."""
    rng = np.random.default_rng(seed_for(fn, boundary, mode))
    for s1 in [(1, 1), (1, 2), (2, 1), (2, 3), (3, 2), (3, 3), (4, 5)]:
        for s2 in [(1, 1), (2, 2), (4, 4), (5, 7), (8, 3), (9, 9), (2, 11), (12, 1)]:
            if mode == "valid" and not all(x <= y for x, y in zip(s1, s2)):
                continue
            a = rng.integers(-9, 10, s1)
            b = rng.integers(-9, 10, s2)
            ref = REFERENCE[fn](a, b, mode, boundary, 3)
            assert_array_equal(getattr(signal, fn)(a, b, mode, boundary, 3), ref,
                               err_msg=f"scipy {s1} {s2}", strict=True)
            assert_array_equal(getattr(convcore, fn)(a, b, mode, boundary, 3), ref,
                               err_msg=f"convcore {s1} {s2}", strict=True)


def test_scipy_refuses_bool_and_float16():
    """Where the matrix falls back to the reference, scipy does refuse."""
    for pair in DTYPES_2D:
        a, b = np.ones((3, 3), pair[0]), np.ones((2, 2), pair[1])
        for fn in FUNCS:
            if scipy_refuses(a, b):
                with pytest.raises(ValueError, match="not available for this type"):
                    getattr(signal, fn)(a, b)
            else:
                getattr(signal, fn)(a, b)


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("mode", MODES)
def test_fill_zero_is_convolve(fn, mode):
    """boundary='fill', fillvalue=0 is plain zero padding: convolve2d is
    convolve, correlate2d is correlate except for the even-kernel 'same'
    centring."""
    rng = np.random.default_rng(1)
    a = random_array(rng, (7, 8), np.float64)
    b = random_array(rng, (3, 5), np.float64)
    nd = {"convolve2d": convcore.convolve, "correlate2d": convcore.correlate}[fn]
    assert_conv_equal(getattr(convcore, fn)(a, b, mode), nd(a, b, mode), a, b)


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("fillvalue", [3, 2.5, np.float32(-1.5), np.array(4.0),
                                       np.array([4.0]), np.array([[4.0]]), True],
                         ids=repr)
def test_fillvalue_forms(fn, fillvalue):
    """A scalar, a 0-d array or a one-element array: the same fill."""
    a = np.arange(12.0).reshape(3, 4)
    b = np.array([[1.0, -2.0], [0.5, 3.0]])
    value = float(np.asarray(fillvalue).reshape(()))
    for mode in ("full", "same"):
        got = getattr(convcore, fn)(a, b, mode, "fill", fillvalue)
        assert_conv_equal(got, REFERENCE[fn](a, b, mode, "fill", value), a, b, fill=value)
        assert_conv_equal(got, getattr(signal, fn)(a, b, mode, "fill", value), a, b,
                          fill=value)


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.uint8])
@pytest.mark.parametrize("fillvalue", [2.7, -1.5, 100])
def test_fillvalue_cast_to_integer_output(fn, dtype, fillvalue):
    """A float fill with integer inputs is truncated to the output type, as
    scipy casts it."""
    if fillvalue < 0 and np.dtype(dtype).kind == "u":
        fillvalue = 1.5
    a = np.arange(12).reshape(3, 4).astype(dtype)
    b = np.array([[1, 2], [3, 1]], dtype)
    for mode in ("full", "same"):
        ref = getattr(signal, fn)(a, b, mode, "fill", fillvalue)
        assert_conv_equal(getattr(convcore, fn)(a, b, mode, "fill", fillvalue), ref)


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("dtype, fillvalue", [(np.uint8, -1), (np.uint8, 256),
                                              (np.int8, 128), (np.int8, -129),
                                              (np.int16, 2**40), (np.uint64, -1)])
def test_fillvalue_out_of_range_for_integer_output(fn, dtype, fillvalue):
    """scipy refuses an integer fill the output type cannot hold (rather
    than wrapping it silently)."""
    a = np.ones((3, 3), dtype)
    b = np.ones((2, 2), dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError):
            getattr(signal, fn)(a, b, "full", "fill", fillvalue)
    with pytest.raises(ValueError, match="fillvalue"):
        getattr(convcore, fn)(a, b, "full", "fill", fillvalue)


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128, np.clongdouble])
@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
def test_complex_inputs_and_fill(fn, dtype, boundary):
    rng = np.random.default_rng(seed_for(fn, np.dtype(dtype).name, boundary))
    a = random_array(rng, (5, 7), dtype)
    b = random_array(rng, (4, 3), dtype)
    for fill in (0, 1 - 2j, np.complex64(0.5j)):
        for mode in MODES:
            for x, y in ((a, b), (b, a)) if mode != "valid" else ((a, b),):
                ref = getattr(signal, fn)(x, y, mode, boundary, fill)
                assert_conv_equal(getattr(convcore, fn)(x, y, mode, boundary, fill), ref,
                                  x, y, fill=fill, boundary=boundary)


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("shape1, shape2, mode", [
    ((0, 3), (2, 2), "full"), ((0, 3), (2, 2), "same"), ((3, 0), (2, 2), "full"),
    ((3, 0), (2, 2), "same"), ((2, 2), (0, 3), "full"), ((2, 2), (0, 3), "same"),
    ((0, 0), (0, 0), "same"), ((0, 0), (0, 0), "valid"), ((4, 5), (0, 2), "full"),
    ((4, 5), (0, 2), "same"), ((4, 5), (0, 2), "valid"), ((0, 4), (0, 2), "same"),
    ((0, 4), (0, 2), "valid"), ((3, 3), (1, 0), "full"), ((2, 0), (2, 3), "full"),
    ((2, 0), (2, 3), "valid"), ((0, 2), (1, 2), "full"), ((0, 1), (1, 1), "valid"),
], ids=str)
@pytest.mark.parametrize("fillvalue", [0, 2])
def test_empty_fill(fn, shape1, shape2, mode, fillvalue):
    """Empty inputs where scipy returns a result (boundary 'fill'): the fill
    still meets the kernel in 'full' and 'same'."""
    a, b = np.ones(shape1), np.ones(shape2)
    ref = getattr(signal, fn)(a, b, mode, "fill", fillvalue)
    assert_conv_equal(REFERENCE[fn](a, b, mode, "fill", fillvalue), ref)
    assert_conv_equal(getattr(convcore, fn)(a, b, mode, "fill", fillvalue), ref)


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("boundary", ["wrap", "symm"])
@pytest.mark.parametrize("shape1, shape2", [((0, 3), (2, 2)), ((3, 0), (2, 2)),
                                            ((0, 0), (1, 1))], ids=str)
def test_empty_input_wrap_symm_does_not_crash(fn, boundary, shape1, shape2):
    """scipy dies with SIGFPE here (division by the zero length); convcore
    returns the mode's shape (there is nothing to wrap: no input values)."""
    for mode in ("full", "same"):
        out = getattr(convcore, fn)(np.ones(shape1), np.ones(shape2), mode, boundary)
        assert out.shape == mode_shape(shape1, shape2, mode)


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_layouts(fn, layout):
    rng = np.random.default_rng(2)
    va = with_layout(random_array(rng, (9, 11), np.float64), layout)
    vb = with_layout(random_array(rng, (4, 3), np.float64), layout)
    ca, cb = np.ascontiguousarray(va, "=f8"), np.ascontiguousarray(vb, "=f8")
    for boundary in ("fill", "wrap", "symm"):
        for mode in MODES:
            ref = getattr(signal, fn)(ca, cb, mode, boundary, 1.5)
            assert_conv_equal(getattr(convcore, fn)(va, vb, mode, boundary, 1.5), ref,
                              ca, cb, fill=1.5, boundary=boundary)
            assert_conv_equal(getattr(convcore, fn)(vb, va, mode, boundary, 1.5),
                              getattr(signal, fn)(cb, ca, mode, boundary, 1.5),
                              cb, ca, fill=1.5, boundary=boundary)
