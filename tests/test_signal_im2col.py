"""convcore.convolve / correlate with method='im2col' against scipy.signal
(method='direct'), and the NumPy reference where scipy refuses a dtype.

The same matrices as the direct method's tests (rank x mode x dtype x odd
shapes, memory layouts, empty inputs), run through the patch-matrix method;
then what is particular to it: several workspace blocks and chunks of
taps, BLAS thread limits, thread-count invariance, non-finite kernels.
"""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from numpy.testing import assert_array_equal
from scipy import signal
from threadpoolctl import ThreadpoolController

import convcore
from convcore import _im2col, _threads
from convcore._im2colconv import method_im2col
from convcore._signal_methods import METHODS
from convcore._validate import conj, reverse
from _reference import (DTYPE_PAIRS, DTYPES, FUNCS, LAYOUT_SHAPES, LAYOUTS, MODES, REFERENCE,
                        convolve_ref,
                        SHAPE_CASES, assert_conv_equal, expected, pair_id, random_array,
                        result_dtype, seed_for, with_layout)


def im2col(fn, a, b, mode="full"):
    return getattr(convcore, fn)(a, b, mode, method="im2col")


def operand(fn, b):
    """The second operand method_im2col convolves with for ``fn``."""
    return b if fn == "convolve" else conj(reverse(b))


def test_registered():
    a, b = np.arange(7.0), np.array([1.0, -2.0, 0.5])
    for mode in ("full", "same", "valid"):
        assert_array_equal(METHODS["im2col"].make(a, b, mode)(a, b), method_im2col(a, b, mode))


# -- the dtype x rank x shape x mode matrix ------------------------------------

@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("pair", DTYPE_PAIRS, ids=pair_id)
@pytest.mark.parametrize("shape1, shape2, mode", SHAPE_CASES)
def test_matrix_vs_scipy(fn, pair, shape1, shape2, mode):
    rng = np.random.default_rng(seed_for("im2col", fn, pair_id(pair), shape1, shape2, mode))
    a = random_array(rng, shape1, pair[0])
    b = random_array(rng, shape2, pair[1])
    assert_conv_equal(im2col(fn, a, b, mode), expected(fn, a, b, mode), a, b)


# Odd and prime lengths, kernels longer than the input, sizes where the
# default workspace holds several blocks.
LARGER = [((1009,), (31,)), ((31,), (1009,)), ((4099,), (2,)), ((61, 53), (7, 5)),
          ((5, 7), (23, 19)), ((13, 11, 7), (3, 5, 2)), ((3, 9, 2, 11), (2, 4, 2, 3))]


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex64, np.int32, np.uint16,
                                   np.int64, np.bool_, np.longdouble], ids=lambda d: d.__name__)
@pytest.mark.parametrize("shape1, shape2", LARGER, ids=str)
@pytest.mark.parametrize("block_bytes", [None, 500])
def test_larger_shapes(fn, dtype, shape1, shape2, block_bytes):
    rng = np.random.default_rng(seed_for("im2col-larger", fn, dtype.__name__, shape1, shape2))
    a = random_array(rng, shape1, dtype)
    b = random_array(rng, shape2, dtype)
    for mode in MODES:
        if mode == "valid" and not (all(x >= y for x, y in zip(shape1, shape2))
                                    or all(y >= x for x, y in zip(shape1, shape2))):
            continue
        ref = expected(fn, a, b, mode)
        if block_bytes is None:
            got = im2col(fn, a, b, mode)
        else:
            got = method_im2col(a, operand(fn, b), mode, block_bytes=block_bytes)
        assert_conv_equal(got, ref, a, b, err_msg=f"mode={mode}")


# -- workspace blocks ------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("block_bytes", [1, 24, 700, 5000, 1 << 20])
def test_blocks_span_the_workspace(dtype, block_bytes):
    """Tiny workspaces: blocks of one output and one tap, taps split into
    chunks summed in turn, blocks across output rows; same results as one
    block holding the whole patch matrix."""
    rng = np.random.default_rng(seed_for("blocks", np.dtype(dtype).name))
    a = random_array(rng, (19, 23), dtype)
    b = random_array(rng, (6, 5), dtype)
    for mode in MODES:
        ref = convolve_ref(a, b, mode)
        got = method_im2col(a, b, mode, block_bytes=block_bytes)
        assert_conv_equal(got, ref, a, b, err_msg=f"mode={mode}")


def test_blocks_do_span_the_workspace():
    """The workspaces above do split the problem (into blocks of outputs and
    chunks of taps), so the test above is not vacuous."""
    rows, taps = 24 * 27, 30  # its 'full' problem
    for itemsize in (1, 8, 32):
        for block_bytes in (1, 24, 700, 5000):
            mb, kc = _im2col.plan(rows, taps, itemsize, block_bytes)
            assert mb < rows and kc < taps
        assert _im2col.plan(rows, taps, itemsize, 1 << 20) == (rows, taps)


# -- memory layouts; inputs never modified -----------------------------------------

@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int16, np.complex128])
@pytest.mark.parametrize("rank", sorted(LAYOUT_SHAPES))
@pytest.mark.parametrize("layout", LAYOUTS)
def test_layouts(fn, dtype, rank, layout):
    rng = np.random.default_rng(5)
    s1, s2 = LAYOUT_SHAPES[rank]
    a = with_layout(random_array(rng, s1, dtype), layout)
    b = with_layout(random_array(rng, s2, dtype), layout)
    a_before, b_before = a.copy(), b.copy()
    ca = np.ascontiguousarray(a, a.dtype.newbyteorder("="))
    cb = np.ascontiguousarray(b, b.dtype.newbyteorder("="))
    for mode in MODES:
        for x, y, cx, cy in ((a, b, ca, cb), (b, a, cb, ca)):
            ref = getattr(signal, fn)(cx, cy, mode, "direct")
            assert_conv_equal(im2col(fn, x, y, mode), ref, cx, cy, err_msg=f"mode={mode}")
            assert_conv_equal(im2col(fn, x, cy, mode), ref, cx, cy, err_msg=f"mode={mode}")
    assert_array_equal(a, a_before, strict=True)
    assert_array_equal(b, b_before, strict=True)


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("dtype", [np.float64, np.complex64, np.int8, np.bool_, np.float16,
                                   ">f8", np.longdouble])
def test_inputs_not_modified(fn, dtype):
    rng = np.random.default_rng(3)
    base1 = random_array(rng, (11, 13), dtype)
    base2 = random_array(rng, (6, 5), dtype)
    keep1, keep2 = base1.copy(), base2.copy()
    ro1, ro2 = base1.copy(), base2.copy()
    ro1.flags.writeable = ro2.flags.writeable = False
    for x, y in [(base1, base2), (base1[::-1, 1::2], base2[::2, ::-1]), (base1.T, base2.T),
                 (base2, base1), (ro1, ro2)]:
        for mode in MODES:
            im2col(fn, x, y, mode)
    for got, keep in ((base1, keep1), (base2, keep2), (ro1, keep1), (ro2, keep2)):
        assert_array_equal(got, keep, strict=True)


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("dtype", [">f8", ">i4", ">c16", ">f4", ">u2"])
def test_bigendian_result_is_native(fn, dtype):
    a = np.arange(1, 13).reshape(3, 4).astype(dtype)
    b = np.arange(1, 5).reshape(2, 2).astype(dtype)
    got = im2col(fn, a, b)
    assert got.dtype.isnative
    assert_array_equal(got, getattr(signal, fn)(a, b, method="direct"), strict=True)


# -- empty and 0-d inputs, as the direct method ---------------------------------------

@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("pair", [(np.float64, np.float64), (np.int16, np.int16),
                                  (np.complex64, np.complex64), (np.bool_, np.bool_)],
                         ids=pair_id)
@pytest.mark.parametrize("shape1, shape2, mode", [
    ((0, 3), (2, 2), "same"), ((2, 0, 3), (1, 1, 1), "full"), ((0, 2), (1, 2), "valid"),
    ((2, 0), (2, 3), "valid"), ((4, 5), (0, 2), "valid"), ((3, 3), (1, 0), "valid"),
    ((1, 1), (0, 0), "same"), ((1, 1), (0, 0), "full"), ((0, 0), (0, 0), "valid"),
], ids=str)
def test_empty_nd(fn, pair, shape1, shape2, mode):
    a, b = np.ones(shape1, pair[0]), np.ones(shape2, pair[1])
    direct = getattr(convcore, fn)(a, b, mode, "direct")
    got = im2col(fn, a, b, mode)
    assert got.shape == direct.shape and got.dtype == direct.dtype == result_dtype(a, b)
    assert not got.any()


@pytest.mark.parametrize("fn", FUNCS)
def test_empty_1d_refused_as_direct(fn):
    with pytest.raises(ValueError, match="cannot be empty"):
        im2col(fn, np.ones(0), np.ones(3))


@pytest.mark.parametrize("x, y", [(np.array(3), np.array(4)), (np.int8(100), np.int8(3)),
                                  (np.array(2 + 1j), np.array(3 - 2j))], ids=repr)
def test_zero_dim(x, y):
    for fn in FUNCS:
        assert im2col(fn, x, y) == getattr(convcore, fn)(x, y, method="direct")


# -- non-finite values -------------------------------------------------------------------

def test_nonfinite_kernel_meets_the_padding_as_scipy_nd():
    """The zero padding is multiplied, as in scipy's N-D direct path: an
    infinite kernel value gives NaN where it meets the padding, inf inside."""
    a = np.arange(1.0, 13.0).reshape(3, 4)
    b = np.array([[1.0, np.inf], [1.0, 1.0]])
    for mode in MODES:
        ref = signal.convolve(a, b, mode, "direct")
        got = im2col("convolve", a, b, mode)
        assert_array_equal(np.isnan(got), np.isnan(ref))
        assert_array_equal(got[~np.isnan(ref)], ref[~np.isnan(ref)])


def test_nonfinite_input_propagates():
    a = np.ones((5, 6))
    a[2, 3] = np.nan
    got = im2col("convolve", a, np.ones((2, 2)))
    ref = signal.convolve(a, np.ones((2, 2)), method="direct")
    assert_array_equal(np.isnan(got), np.isnan(ref))


# -- threads -----------------------------------------------------------------------

@pytest.fixture
def restore_threads():
    before = convcore.get_num_threads()
    yield
    convcore.set_num_threads(before)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.int32, np.uint8,
                                   np.longdouble, np.bool_], ids=lambda d: d.__name__)
@pytest.mark.parametrize("block_bytes", [None, 3000])
def test_thread_count_invariance(dtype, block_bytes, restore_threads):
    """Blocks are fixed by the problem and the workspace size, never by the
    thread count: integers and bool exactly equal, floats within rounding
    (in practice equal too: one BLAS thread each, aligned workspaces)."""
    rng = np.random.default_rng(seed_for("threads", dtype.__name__))
    a = random_array(rng, (230, 170), dtype)
    b = random_array(rng, (7, 6), dtype)
    results = []
    for n in (1, 2, 3):
        with convcore.threads(n):
            if block_bytes is None:
                results.append(im2col("convolve", a, b, "same"))
            else:
                results.append(method_im2col(a, b, "same", block_bytes=block_bytes))
    for other in results[1:]:
        assert_conv_equal(other, results[0], a, b)


def _blas_counts():
    return [lib["num_threads"] for lib in ThreadpoolController().info()
            if lib["user_api"] == "blas"]


def test_blas_threads_limits_and_restores():
    before = _blas_counts()
    assert before, "no BLAS found by threadpoolctl"
    with _threads.blas_threads(1):
        assert set(_blas_counts()) == {1}
        with _threads.blas_threads(1):
            assert set(_blas_counts()) == {1}
        assert set(_blas_counts()) == {1}  # the outer block still holds
    assert _blas_counts() == before
    with pytest.raises(KeyError):
        with _threads.blas_threads(1):
            raise KeyError("boom")
    assert _blas_counts() == before
    with pytest.raises(ValueError, match="n=0"):
        with _threads.blas_threads(0):
            pass
    assert _blas_counts() == before


def test_blas_threads_limits_from_any_python_thread():
    """threadpoolctl lets one Python thread at a time control OpenBLAS: a
    block hands control back, so a block in another thread limits too."""
    from concurrent.futures import ThreadPoolExecutor

    def inside():
        with _threads.blas_threads(1):
            return set(_blas_counts())

    assert inside() == {1}
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert pool.submit(inside).result() == {1}
        assert list(pool.map(lambda _: inside(), range(6))) == [{1}] * 6
    assert inside() == {1}


def test_im2col_restores_blas_threads():
    before = _blas_counts()
    im2col("convolve", np.ones((300, 300)), np.ones((5, 5)))
    assert _blas_counts() == before


def test_concurrent_callers_match_serial():
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(9)
    jobs = [(random_array(rng, (90 + 7 * i, 60 + 3 * i), dt),
             random_array(rng, (1 + i % 5, 2 + i % 4), dt), MODES[i % 3])
            for i, dt in enumerate([np.float32, np.float64, np.int16, np.complex64] * 4)]
    serial = [im2col("convolve", *job) for job in jobs]
    before = _blas_counts()
    with ThreadPoolExecutor(max_workers=6) as pool:
        concurrent = list(pool.map(lambda job: im2col("convolve", *job), jobs))
    for s, c in zip(serial, concurrent):
        assert s.dtype == c.dtype
        assert np.array_equal(s, c)
    assert _blas_counts() == before


# -- hypothesis over shapes -------------------------------------------------------------

@st.composite
def problems(draw):
    rank = draw(st.integers(1, 3))
    s1 = tuple(draw(st.lists(st.integers(1, 9), min_size=rank, max_size=rank)))
    s2 = tuple(draw(st.lists(st.integers(1, 9), min_size=rank, max_size=rank)))
    mode = draw(st.sampled_from(MODES))
    if mode == "valid" and not (all(x >= y for x, y in zip(s1, s2))
                                or all(y >= x for x, y in zip(s1, s2))):
        mode = "same"
    dtype = draw(st.sampled_from([np.float64, np.int16, np.complex128, np.float32]))
    fn = draw(st.sampled_from(FUNCS))
    block_bytes = draw(st.sampled_from([1, 16, 100, 1000, _im2col.DEFAULT_BLOCK_BYTES]))
    seed = draw(st.integers(0, 2**32 - 1))
    return s1, s2, mode, dtype, fn, block_bytes, seed


@given(problems())
def test_hypothesis_shapes(problem):
    s1, s2, mode, dtype, fn, block_bytes, seed = problem
    rng = np.random.default_rng(seed)
    a = random_array(rng, s1, dtype)
    b = random_array(rng, s2, dtype)
    ref = REFERENCE[fn](a, b, mode)
    assert_conv_equal(im2col(fn, a, b, mode), ref, a, b)
    assert_conv_equal(method_im2col(a, operand(fn, b), mode, block_bytes=block_bytes),
                      ref, a, b)
