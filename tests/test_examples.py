"""The worked examples, as literal arrays."""
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import convcore

KERNEL = np.array([[0, 1, 2],
                   [2, 2, 0],
                   [0, 1, 2]])

IMAGE_5X5 = np.array([[3, 3, 2, 1, 0],
                      [0, 0, 1, 3, 1],
                      [3, 1, 2, 2, 3],
                      [2, 0, 0, 2, 2],
                      [2, 0, 0, 0, 1]])

IMAGE_3X3 = np.array([[0, 1, 3],
                      [1, 2, 2],
                      [0, 0, 0]])


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.float64, np.float32,
                                   np.complex128])
def test_cross_correlation_valid(dtype):
    expect = np.array([[12, 12, 17],
                       [10, 17, 19],
                       [9, 6, 14]], dtype)
    x, k = IMAGE_5X5.astype(dtype), KERNEL.astype(dtype)
    for out in (convcore.correlate(x, k, "valid"), convcore.correlate2d(x, k, "valid")):
        assert out.dtype == np.dtype(dtype)
        assert_array_equal(out, expect)


@pytest.mark.parametrize("dtype", [np.int64, np.int16, np.float64, np.float32])
def test_convolution_full(dtype):
    x, k = IMAGE_3X3.astype(dtype), KERNEL.astype(dtype)
    expect = np.array([[0, 0, 1, 5, 6],
                       [0, 3, 12, 12, 4],
                       [2, 6, 9, 9, 6],
                       [0, 1, 4, 6, 4],
                       [0, 0, 0, 0, 0]], dtype)
    for out in (convcore.convolve(x, k, "full"), convcore.convolve2d(x, k, "full")):
        assert out.shape == (5, 5)
        assert out.dtype == np.dtype(dtype)
        # The block given in the worked example:
        assert_array_equal(out[:3, :3], np.array([[0, 0, 1], [0, 3, 12], [2, 6, 9]], dtype))
        assert_array_equal(out, expect)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32, np.float64])
def test_edge_kernel_on_image(dtype):
    """The edge kernel (1, -1) as [[1, -1]] on a 280x320 image: 'valid'
    gives 280x319, the difference of neighbouring columns."""
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (280, 320)).astype(dtype)
    kernel = [[1, -1]]
    wide = image.astype(np.float64)
    corr = convcore.correlate2d(image, kernel, "valid")
    conv = convcore.convolve2d(image, kernel, "valid")
    assert corr.shape == conv.shape == (280, 319)
    # correlation: out[i, j] = x[i, j] - x[i, j + 1]; convolution flips it.
    assert_array_equal(corr, wide[:, :-1] - wide[:, 1:])
    assert_array_equal(conv, wide[:, 1:] - wide[:, :-1])
    assert_array_equal(convcore.correlate(image, kernel, "valid"), corr)
    assert_array_equal(convcore.convolve(image, kernel, "valid"), conv)
    assert corr.dtype == np.result_type(image, np.asarray(kernel))
