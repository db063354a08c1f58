"""convolution_matrix: the convolution as a sparse matrix, against convolve,
correlate (its transpose) and scipy.linalg.convolution_matrix."""
import numpy as np
import pytest
import scipy.linalg
import scipy.signal
import scipy.sparse
from numpy.testing import assert_allclose, assert_array_equal

import convcore
from convcore import convolution_matrix
from _conv_ref import raises

MODES = ["full", "same", "valid"]

# (input shape, kernel shape): odd sizes, kernels smaller, equal, larger in
# every axis, and larger in some axes only ('valid' refuses those).
SHAPES = [
    ((1,), (1,)), ((7,), (3,)), ((5,), (4,)), ((3,), (8,)), ((6,), (6,)), ((1,), (5,)),
    ((5, 7), (3, 2)), ((4, 4), (4, 4)), ((2, 3), (5, 6)), ((6, 2), (3, 4)), ((1, 9), (1, 2)),
    ((4, 5, 3), (2, 3, 3)), ((2, 3, 2), (3, 4, 5)), ((3, 1, 4), (1, 2, 2)), ((3, 3, 3), (1, 1, 1)),
]


def _valid_refused(s1, s2):
    return not (all(a >= b for a, b in zip(s1, s2)) or all(a <= b for a, b in zip(s1, s2)))


def _apply(matrix, x, out_shape):
    return (matrix @ x.ravel()).reshape(out_shape)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ishape, kshape", SHAPES, ids=str)
def test_integer_kernels_are_exact(ishape, kshape, mode):
    if mode == "valid" and _valid_refused(ishape, kshape):
        pytest.skip("convolve refuses it: test_valid_where_neither_contains_the_other")
    rng = np.random.default_rng(0)
    x = rng.integers(-9, 10, ishape)
    k = rng.integers(-9, 10, kshape)
    expect = convcore.convolve(x, k, mode)
    A = convolution_matrix(k, ishape, mode)
    assert A.dtype == k.dtype
    got = _apply(A, x, expect.shape)
    assert got.dtype == expect.dtype
    assert_array_equal(got, expect)
    # the same matrix as the dense one built column by column from convolve
    dense = np.stack([convcore.convolve(e.reshape(ishape), k, mode).ravel()
                      for e in np.eye(x.size, dtype=k.dtype)], axis=1)
    assert_array_equal(A.toarray(), dense)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ishape, kshape", SHAPES, ids=str)
def test_float_kernels(ishape, kshape, mode, dtype):
    if mode == "valid" and _valid_refused(ishape, kshape):
        pytest.skip("convolve refuses it")
    rng = np.random.default_rng(1)
    x = rng.standard_normal(ishape).astype(dtype)
    k = rng.standard_normal(kshape).astype(dtype)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(ishape)
        k = k + 1j * rng.standard_normal(kshape)
    expect = convcore.convolve(x, k, mode, method="direct")
    A = convolution_matrix(k, ishape, mode)
    assert A.dtype == k.dtype
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    assert_allclose(_apply(A, x, expect.shape), expect, rtol=rtol, atol=rtol * 10)


@pytest.mark.parametrize("seed", range(40))
def test_random_shapes_against_convolve(seed):
    rng = np.random.default_rng(seed)
    rank = 1 + seed % 3
    ishape = tuple(int(v) for v in rng.integers(1, 8, rank))
    kshape = tuple(int(v) for v in rng.integers(1, 8, rank))
    x = rng.integers(-50, 50, ishape).astype(np.int32)
    k = rng.integers(-50, 50, kshape).astype(np.int32)
    for mode in MODES:
        if mode == "valid" and _valid_refused(ishape, kshape):
            continue
        expect = convcore.convolve(x, k, mode)
        assert_array_equal(_apply(convolution_matrix(k, ishape, mode), x, expect.shape), expect)


def test_toeplitz_literal():
    A = convolution_matrix([1, 2, 3], 4)
    assert_array_equal(A.toarray(), [[1, 0, 0, 0],
                                     [2, 1, 0, 0],
                                     [3, 2, 1, 0],
                                     [0, 3, 2, 1],
                                     [0, 0, 3, 2],
                                     [0, 0, 0, 3]])
    # A[i, j] = kernel[i - j]: true convolution, not correlation
    k = np.arange(1, 6)
    dense = convolution_matrix(k, 7).toarray()
    for i in range(11):
        for j in range(7):
            assert dense[i, j] == (k[i - j] if 0 <= i - j < 5 else 0)
    assert_array_equal(convolution_matrix([1, 2, 3], 4, "same").toarray(),
                       [[2, 1, 0, 0], [3, 2, 1, 0], [0, 3, 2, 1], [0, 0, 3, 2]])
    assert_array_equal(convolution_matrix([1, 2, 3], 4, "valid").toarray(),
                       [[3, 2, 1, 0], [0, 3, 2, 1]])


def test_doubly_block_toeplitz():
    k = np.array([[1, 2], [3, 4]])
    A = convolution_matrix(k, (2, 3)).toarray()      # out (3, 4)
    blocks = [[A[4 * r:4 * r + 4, 3 * c:3 * c + 3] for c in range(2)] for r in range(3)]
    row_blocks = [convolution_matrix(k[i], 3).toarray() for i in range(2)]
    zero = np.zeros((4, 3), int)
    expect = [[row_blocks[0], zero], [row_blocks[1], row_blocks[0]], [zero, row_blocks[1]]]
    for r in range(3):
        for c in range(2):
            assert_array_equal(blocks[r][c], expect[r][c])


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 10])
@pytest.mark.parametrize("m", [1, 2, 3, 4, 5, 8])
def test_scipy_linalg_convolution_matrix_in_1d(n, m):
    """scipy's 'full' and 'valid' are convolve's; its 'same' keeps the
    longer of the two lengths, so it is convolve's where the kernel is no
    longer than the input."""
    a = np.random.default_rng(n * 10 + m).integers(-9, 10, m)
    modes = ["full", "valid"] + (["same"] if m <= n else [])
    for mode in modes:
        assert_array_equal(convolution_matrix(a, n, mode).toarray(),
                           scipy.linalg.convolution_matrix(a, n, mode), err_msg=mode)


def test_same_with_a_kernel_longer_than_the_input_keeps_the_input_shape():
    k = np.arange(1, 8)
    A = convolution_matrix(k, 3, "same")
    assert A.shape == (3, 3)
    x = np.array([1, -2, 5])
    assert_array_equal(A @ x, convcore.convolve(x, k, "same"))
    # scipy.linalg's 'same' has the kernel's length there
    assert scipy.linalg.convolution_matrix(k, 3, "same").shape == (7, 3)
    A2 = convolution_matrix(np.ones((5, 6), int), (2, 3), "same")
    assert A2.shape == (6, 6)


def test_valid_with_the_kernel_larger_in_every_axis_is_convolves():
    """convolve swaps the inputs: the output is the part of the kernel the
    input fits in, of shape kernel - input + 1."""
    x = np.array([[1, 2], [3, 4]])
    k = np.arange(20).reshape(4, 5)
    expect = convcore.convolve(x, k, "valid")
    assert_array_equal(expect, scipy.signal.convolve(x, k, "valid"))
    assert expect.shape == (3, 4)
    A = convolution_matrix(k, (2, 2), "valid")
    assert A.shape == (12, 4)
    assert_array_equal(_apply(A, x, (3, 4)), expect)


@pytest.mark.parametrize("ishape, kshape", SHAPES, ids=str)
def test_csr_array_layout(ishape, kshape):
    k = np.arange(1, np.prod(kshape) + 1).reshape(kshape)  # no zero taps
    for mode in MODES:
        if mode == "valid" and _valid_refused(ishape, kshape):
            continue
        out_shape = convcore.convolve(np.ones(ishape), np.ones(kshape), mode).shape
        A = convolution_matrix(k, ishape, mode)
        assert isinstance(A, scipy.sparse.csr_array) and A.format == "csr"
        assert A.shape == (np.prod(out_shape), np.prod(ishape))
        assert A.nnz == np.count_nonzero(A.toarray())   # no explicit zeros, no duplicates
        B = A.copy()
        B.sum_duplicates()
        B.sort_indices()
        assert_array_equal(B.indices, A.indices)
        assert_array_equal(B.indptr, A.indptr)
        assert A.has_sorted_indices and A.has_canonical_format
        A.check_format(full_check=True)
        assert A.indices.dtype == A.indptr.dtype == np.int32


def test_nnz_of_full_is_input_times_kernel():
    A = convolution_matrix(np.ones((5, 5)), (256, 256))
    assert A.shape == (260 * 260, 256 * 256)
    assert A.nnz == 256 * 256 * 25


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ishape, kshape", [((9,), (4,)), ((6, 7), (3, 2)),
                                            ((3, 4, 5), (2, 2, 3)), ((2, 3), (4, 5))], ids=str)
def test_transpose_is_the_adjoint(ishape, kshape, mode):
    rng = np.random.default_rng(3)
    k = rng.standard_normal(kshape)
    A = convolution_matrix(k, ishape, mode)
    x = rng.standard_normal(A.shape[1])
    y = rng.standard_normal(A.shape[0])
    assert_allclose(np.dot(A @ x, y), np.dot(x, A.T @ y), rtol=1e-12)


@pytest.mark.parametrize("ishape, kshape", [((9,), (4,)), ((6, 7), (3, 2)),
                                            ((3, 4, 5), (2, 2, 3)), ((2, 3), (4, 5))], ids=str)
def test_transpose_of_full_is_valid_correlation(ishape, kshape):
    """A^T y, the transposed convolution, correlates y with the kernel."""
    rng = np.random.default_rng(4)
    k = rng.integers(-9, 10, kshape)
    A = convolution_matrix(k, ishape, "full")
    out_shape = tuple(n + m - 1 for n, m in zip(ishape, kshape))
    y = rng.integers(-9, 10, out_shape)
    got = (A.T @ y.ravel()).reshape(ishape)
    assert_array_equal(got, convcore.correlate(y, k, "valid"))


def test_kernel_forms_and_dtypes():
    k = np.arange(12, dtype=">i4").reshape(3, 4)          # big-endian
    A = convolution_matrix(k, (5, 5))
    assert A.dtype == np.int32 and A.dtype.isnative
    x = np.arange(25, dtype=np.int32).reshape(5, 5)
    assert_array_equal(_apply(A, x, (7, 8)), convcore.convolve(x, k.astype(np.int32)))
    view = np.arange(40.0).reshape(5, 8)[::-2, ::3]       # negative and odd strides
    assert_array_equal(convolution_matrix(view, (4, 4)).toarray(),
                       convolution_matrix(view.copy(), (4, 4)).toarray())
    assert convolution_matrix([[1, 2]], [3, 3]).shape == (12, 9)
    for dtype in (np.uint8, np.int8, np.int16, np.int64, np.float32, np.complex64, bool):
        assert convolution_matrix(np.ones((2, 2), dtype), (3, 3)).dtype == dtype
    # uint8 wraps as convolve's uint8 does
    k8 = np.full(3, 200, np.uint8)
    x8 = np.full(4, 3, np.uint8)
    assert_array_equal(convolution_matrix(k8, 4) @ x8, convcore.convolve(x8, k8))
    # numpy integers and a 1-element list as the shape
    assert convolution_matrix([1, 2], np.int64(3)).shape == (4, 3)
    assert convolution_matrix([1, 2], [np.int32(3)], "same").shape == (3, 3)


@pytest.mark.parametrize("kernel, shape, mode, exc, words", [
    ([1, 2], 3, "circular", ValueError, ["mode='circular'"]),
    ([1, 2], 3, None, ValueError, ["mode=None"]),
    ([], 3, "full", ValueError, ["kernel", "(0,)"]),
    (np.ones((2, 0)), (3, 3), "full", ValueError, ["kernel", "(2, 0)"]),
    ([1, 2], (3, 3), "full", ValueError, ["kernel.ndim=1", "input_shape=(3, 3)"]),
    (np.ones((2, 2)), 3, "full", ValueError, ["kernel.ndim=2", "input_shape=3"]),
    (5, (), "full", ValueError, ["input_shape=()"]),
    ([1, 2], 0, "full", ValueError, ["input_shape=0"]),
    ([1, 2], (-3,), "full", ValueError, ["input_shape=(-3,)"]),
    ([1, 2], (2.5,), "full", TypeError, ["input_shape"]),
    (np.ones((3, 1)), (2, 2), "valid", ValueError, ["valid", "input_shape=(2, 2)",
                                                    "kernel.shape=(3, 1)"]),
    (np.array(["a", "b"]), 3, "full", ValueError, ["kernel.dtype"]),
    (np.array([1, None], object), 3, "full", ValueError, ["kernel.dtype=object"]),
    ([1, 2], 2**70, "full", ValueError, ["input_shape"]),
    ([[1]], (2**40, 2**40), "same", ValueError, ["input_shape", "64-bit"]),
])
def test_errors(kernel, shape, mode, exc, words):
    raises(exc, words, convolution_matrix, kernel, shape, mode, exact=True)


def test_valid_refusal_is_convolves():
    with pytest.raises(ValueError):
        convcore.convolve(np.ones((2, 2)), np.ones((3, 1)), "valid")
