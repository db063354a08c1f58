"""scipy's literal examples of convolve and correlate (its test style:
small inputs, answers written out), run for every method.

The exact methods ('direct', 'im2col', and 'auto', which never trades
exactness away) give the answers exactly; the FFT methods ('fft', 'oa')
to a few ulps, in the same dtype (integer results rounded, as scipy's).
Integer wrap-around and bool arithmetic are the exact methods' alone: a
float transform cannot give them, and 'auto' never chooses one there.
"""
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import signal

import convcore
from _reference import MODES, assert_conv_equal, random_array

EXACT = ["auto", "direct", "im2col"]
METHODS = EXACT + ["fft", "oa"]


def assert_literal(out, want, method):
    """``out`` is ``want``: exactly for the exact methods, to a few ulps of
    the largest value for the FFT methods, in ``want``'s dtype when given."""
    want = np.asarray(want)
    if method in EXACT or out.dtype.kind in "iub":
        assert_array_equal(out, want)
    else:
        eps = np.finfo(out.dtype).eps
        assert_allclose(out, want, rtol=0, atol=64 * eps * max(np.abs(want).max(), 1))
    assert out.shape == want.shape


@pytest.mark.parametrize("method", METHODS)
class TestConvolveLiteral:

    def test_numpy_docs(self, method):
        a, b = [1, 2, 3], [0, 1, 0.5]
        assert_literal(convcore.convolve(a, b, method=method), [0, 1, 2.5, 4, 1.5], method)
        assert_literal(convcore.convolve(a, b, "same", method), [1, 2.5, 4], method)
        assert_literal(convcore.convolve(a, b, "valid", method), [2.5], method)

    def test_basic(self, method):
        out = convcore.convolve([3, 4, 5, 6, 5, 4], [1, 2, 3], method=method)
        assert_literal(out, [3, 10, 22, 28, 32, 32, 23, 12], method)
        assert out.dtype == np.int64

    def test_same_kernel_longer(self, method):
        assert_literal(convcore.convolve([3, 4, 5], [1, 2, 3, 4], "same", method),
                           [10, 22, 34], method)

    def test_valid_kernel_longer(self, method):
        # 'valid' swaps the inputs when in2 is the larger: convolution commutes.
        assert_literal(convcore.convolve([1, 2], [1, 10, 100, 1000], "valid", method),
                           [12, 120, 1200], method)

    def test_single_element(self, method):
        assert_literal(convcore.convolve([4967], [3920], method=method), [19470640], method)

    def test_complex(self, method):
        out = convcore.convolve([1 + 1j, 2 + 1j], [1 + 1j, 2 + 1j], method=method)
        assert_literal(out, [2j, 2 + 6j, 3 + 4j], method)

    def test_2d_arrays(self, method):
        a = [[1, 2, 3], [3, 4, 5]]
        b = [[2, 3, 4], [4, 5, 6]]
        assert_literal(convcore.convolve(a, b, method=method),
                           [[2, 7, 16, 17, 12], [10, 30, 62, 58, 38], [12, 31, 58, 49, 30]], method)

    def test_broadcastable(self, method):
        # scipy's test: a kernel spanning one axis of a 3-D volume.
        a = np.arange(27).reshape(3, 3, 3)
        b = np.arange(3)
        for i in range(3):
            shape = [1, 1, 1]
            shape[i] = 3
            for mode in MODES:
                assert_literal(convcore.convolve(a, b.reshape(shape), mode, method),
                                   signal.convolve(a, b.reshape(shape), mode, "direct"), method)


@pytest.mark.parametrize("method", EXACT)
class TestExactArithmetic:

    def test_int8_wraps_around(self, method):
        # 100*2 + 100*2 = 400 = 144 (mod 256) = -112 as int8; 200 = -56.
        a = np.array([100, 100], np.int8)
        b = np.array([2, 2], np.int8)
        out = convcore.convolve(a, b, method=method)
        assert out.dtype == np.int8
        assert_literal(out, np.array([-56, -112, -56], np.int8), method)
        out2 = convcore.convolve(a[None, :], b[None, :], method=method)
        assert_literal(out2, np.array([[-56, -112, -56]], np.int8), method)

    def test_uint8_wraps_around(self, method):
        out = convcore.convolve(np.array([255, 255, 255], np.uint8),
                                np.array([255, 1], np.uint8), method=method)
        # 255*255 = 65025 = 1 (mod 256); 255*1 + 255*255 = 65280 = 0.
        assert_literal(out, np.array([1, 0, 0, 255], np.uint8), method)

    def test_bool_is_or_of_ands(self, method):
        a = np.array([True, False, False, True])
        b = np.array([True, True])
        out = convcore.convolve(a, b, method=method)
        assert out.dtype == np.bool_
        assert_literal(out, [True, True, False, True, True], method)
        # N-D gives what 1-D gives (scipy refuses bool there).
        assert_literal(convcore.convolve(a[:, None], b[:, None], method=method),
                           out[:, None], method)


@pytest.mark.parametrize("method", METHODS)
class TestCorrelateLiteral:

    def test_numpy_docs(self, method):
        a, b = [1, 2, 3], [0, 1, 0.5]
        assert_literal(convcore.correlate(a, b, method=method), [0.5, 2, 3.5, 3, 0], method)
        assert_literal(convcore.correlate(a, b, "same", method), [2, 3.5, 3], method)
        assert_literal(convcore.correlate(a, b, "valid", method), [3.5], method)

    def test_complex_conjugates_in2(self, method):
        a, b = [1, 2j, 3], [1j, 1]
        assert_literal(convcore.correlate(a, b, method=method), [1, 1j, 5, -3j], method)
        assert_literal(convcore.correlate(a, b, "same", method), [1, 1j, 5], method)
        assert_literal(convcore.correlate(a, b, "valid", method), [1j, 5], method)

    def test_complex_valid_in2_larger(self, method):
        # scipy swaps the inputs, then reverses and conjugates back.
        a, b = [1j, 1], [1, 2j, 3]
        assert_literal(convcore.correlate(a, b, "valid", method), [5, -1j], method)
        assert_literal(convcore.correlate(a, b, "full", method), [3j, 5, -1j, 1], method)

    def test_same_even_kernel(self, method):
        x = np.arange(1.0, 6.0)
        assert_literal(convcore.correlate(x, [1.0, 10.0], "same", method),
                           [10, 21, 32, 43, 54], method)
        assert_literal(convcore.correlate(x[None], [[1.0, 10.0]], "same", method),
                           [[10, 21, 32, 43, 54]], method)

    def test_correlate_is_convolve_with_reversed_conjugate(self, method):
        rng = np.random.default_rng(7)
        a = random_array(rng, (5, 6), np.complex128)
        b = random_array(rng, (3, 2), np.complex128)
        for mode in MODES:
            assert_conv_equal(convcore.correlate(a, b, mode, method),
                              convcore.convolve(a, np.conj(b[::-1, ::-1]), mode, method),
                              a, b)
