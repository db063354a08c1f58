"""convcore.convolve / convcore.correlate against scipy.signal (method='direct').

Small literal examples first (scipy's test style, run for 'auto' and
'direct'; the FFT methods have their own tests), then parametrised matrices: rank x mode x dtype x odd shapes,
and memory layouts.  Where scipy refuses a dtype/rank combination (bool and
float16 in N-D) the NumPy reference in ``_reference.py`` stands in.
"""
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy import signal

import convcore
from _reference import (LAYOUTS, assert_conv_equal, convolve_ref, correlate_ref, pair_id,
                        random_array, result_dtype, seed_for, with_layout)

FUNCS = ["convolve", "correlate"]
MODES = ["full", "same", "valid"]
METHODS = ["auto", "direct"]

REFERENCE = {"convolve": convolve_ref, "correlate": correlate_ref}

DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
          np.uint32, np.uint64, np.float16, np.float32, np.float64, np.longdouble,
          np.complex64, np.complex128, np.clongdouble]
MIXED = [(np.int8, np.uint8), (np.int32, np.float32), (np.float32, np.complex128),
         (np.bool_, np.int64), (np.int16, np.bool_), (np.uint64, np.int64),
         (np.uint8, np.float16), (np.float16, np.float64), (np.int8, np.complex64),
         (np.longdouble, np.complex64)]
DTYPE_PAIRS = [(d, d) for d in DTYPES] + MIXED


# Shape pairs per rank: size-1 axes, kernels larger than the input (in one
# or every axis), even kernels, primes, equal shapes.  Every pair has one
# input at least as large as the other in every axis, so 'valid' exists.
SHAPES = {
    1: [((7,), (3,)), ((8,), (4,)), ((3,), (7,)), ((1,), (1,)), ((1,), (5,)),
        ((13,), (2,)), ((11,), (11,)), ((6,), (1,))],
    2: [((5, 6), (3, 2)), ((1, 7), (1, 3)), ((4, 4), (5, 6)), ((7, 1), (2, 1)),
        ((6, 5), (6, 5)), ((3, 8), (1, 1)), ((2, 11), (2, 4))],
    3: [((4, 5, 3), (2, 3, 2)), ((1, 1, 6), (1, 1, 3)), ((2, 3, 4), (3, 4, 5)),
        ((5, 1, 3), (2, 1, 2))],
    4: [((3, 4, 2, 5), (2, 2, 1, 3)), ((1, 3, 1, 4), (1, 2, 1, 2)),
        ((2, 2, 3, 2), (3, 3, 3, 3))],
}
# Neither input is the larger in every axis: 'full' and 'same' only.
CROSSED = [((3, 5), (5, 3)), ((2, 7, 3), (4, 2, 3))]

SHAPE_CASES = ([pytest.param(s1, s2, mode, id=f"{s1}-{s2}-{mode}")
                for rank in sorted(SHAPES) for s1, s2 in SHAPES[rank] for mode in MODES]
               + [pytest.param(s1, s2, mode, id=f"{s1}-{s2}-{mode}")
                  for s1, s2 in CROSSED for mode in ("full", "same")])


def scipy_uses_numpy(a, b, mode):
    """scipy's ``_np_conv_ok``: 1-D goes through np.convolve/np.correlate,
    except 'same' with in1 shorter than in2."""
    if np.ndim(a) == np.ndim(b) == 1:
        return mode != "same" or np.size(a) >= np.size(b)
    return False


def scipy_refuses(a, b, mode):
    """scipy's N-D direct path (``_correlateND``) has no bool or float16
    loop: it raises "Unsupported type".  NumPy's 1-D path has them."""
    return (not scipy_uses_numpy(a, b, mode)
            and result_dtype(a, b) in (np.bool_, np.float16))


def expected(fn, a, b, mode):
    if scipy_refuses(a, b, mode):
        return REFERENCE[fn](a, b, mode)
    return getattr(signal, fn)(a, b, mode=mode, method="direct")


# -- literal examples --------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
class TestConvolveLiteral:

    def test_numpy_docs(self, method):
        a, b = [1, 2, 3], [0, 1, 0.5]
        assert_array_equal(convcore.convolve(a, b, method=method), [0, 1, 2.5, 4, 1.5])
        assert_array_equal(convcore.convolve(a, b, "same", method), [1, 2.5, 4])
        assert_array_equal(convcore.convolve(a, b, "valid", method), [2.5])

    def test_basic(self, method):
        out = convcore.convolve([3, 4, 5, 6, 5, 4], [1, 2, 3], method=method)
        assert_array_equal(out, [3, 10, 22, 28, 32, 32, 23, 12])
        assert out.dtype == np.int64

    def test_same_kernel_longer(self, method):
        assert_array_equal(convcore.convolve([3, 4, 5], [1, 2, 3, 4], "same", method),
                           [10, 22, 34])

    def test_valid_kernel_longer(self, method):
        # 'valid' swaps the inputs when in2 is the larger: convolution commutes.
        assert_array_equal(convcore.convolve([1, 2], [1, 10, 100, 1000], "valid", method),
                           [12, 120, 1200])

    def test_single_element(self, method):
        assert_array_equal(convcore.convolve([4967], [3920], method=method), [19470640])

    def test_complex(self, method):
        out = convcore.convolve([1 + 1j, 2 + 1j], [1 + 1j, 2 + 1j], method=method)
        assert_array_equal(out, [2j, 2 + 6j, 3 + 4j])

    def test_2d_arrays(self, method):
        a = [[1, 2, 3], [3, 4, 5]]
        b = [[2, 3, 4], [4, 5, 6]]
        assert_array_equal(convcore.convolve(a, b, method=method),
                           [[2, 7, 16, 17, 12], [10, 30, 62, 58, 38], [12, 31, 58, 49, 30]])

    def test_int8_wraps_around(self, method):
        # 100*2 + 100*2 = 400 = 144 (mod 256) = -112 as int8; 200 = -56.
        a = np.array([100, 100], np.int8)
        b = np.array([2, 2], np.int8)
        out = convcore.convolve(a, b, method=method)
        assert out.dtype == np.int8
        assert_array_equal(out, np.array([-56, -112, -56], np.int8))
        out2 = convcore.convolve(a[None, :], b[None, :], method=method)
        assert_array_equal(out2, np.array([[-56, -112, -56]], np.int8))

    def test_uint8_wraps_around(self, method):
        out = convcore.convolve(np.array([255, 255, 255], np.uint8),
                                np.array([255, 1], np.uint8), method=method)
        # 255*255 = 65025 = 1 (mod 256); 255*1 + 255*255 = 65280 = 0.
        assert_array_equal(out, np.array([1, 0, 0, 255], np.uint8))

    def test_bool_is_or_of_ands(self, method):
        a = np.array([True, False, False, True])
        b = np.array([True, True])
        out = convcore.convolve(a, b, method=method)
        assert out.dtype == np.bool_
        assert_array_equal(out, [True, True, False, True, True])
        # N-D gives what 1-D gives (scipy refuses bool there).
        assert_array_equal(convcore.convolve(a[:, None], b[:, None], method=method),
                           out[:, None])

    def test_broadcastable(self, method):
        # scipy's test: a kernel spanning one axis of a 3-D volume.
        a = np.arange(27).reshape(3, 3, 3)
        b = np.arange(3)
        for i in range(3):
            shape = [1, 1, 1]
            shape[i] = 3
            for mode in MODES:
                assert_array_equal(convcore.convolve(a, b.reshape(shape), mode, method),
                                   signal.convolve(a, b.reshape(shape), mode, "direct"))


@pytest.mark.parametrize("method", METHODS)
class TestCorrelateLiteral:

    def test_numpy_docs(self, method):
        a, b = [1, 2, 3], [0, 1, 0.5]
        assert_array_equal(convcore.correlate(a, b, method=method), [0.5, 2, 3.5, 3, 0])
        assert_array_equal(convcore.correlate(a, b, "same", method), [2, 3.5, 3])
        assert_array_equal(convcore.correlate(a, b, "valid", method), [3.5])

    def test_complex_conjugates_in2(self, method):
        a, b = [1, 2j, 3], [1j, 1]
        assert_array_equal(convcore.correlate(a, b, method=method), [1, 1j, 5, -3j])
        assert_array_equal(convcore.correlate(a, b, "same", method), [1, 1j, 5])
        assert_array_equal(convcore.correlate(a, b, "valid", method), [1j, 5])

    def test_complex_valid_in2_larger(self, method):
        # scipy swaps the inputs, then reverses and conjugates back.
        a, b = [1j, 1], [1, 2j, 3]
        assert_array_equal(convcore.correlate(a, b, "valid", method), [5, -1j])
        assert_array_equal(convcore.correlate(a, b, "full", method), [3j, 5, -1j, 1])

    def test_same_even_kernel(self, method):
        x = np.arange(1.0, 6.0)
        assert_array_equal(convcore.correlate(x, [1.0, 10.0], "same", method),
                           [10, 21, 32, 43, 54])
        assert_array_equal(convcore.correlate(x[None], [[1.0, 10.0]], "same", method),
                           [[10, 21, 32, 43, 54]])

    def test_correlate_is_convolve_with_reversed_conjugate(self, method):
        rng = np.random.default_rng(7)
        a = random_array(rng, (5, 6), np.complex128)
        b = random_array(rng, (3, 2), np.complex128)
        for mode in MODES:
            assert_conv_equal(convcore.correlate(a, b, mode, method),
                              convcore.convolve(a, np.conj(b[::-1, ::-1]), mode, method),
                              a, b)


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("mode", MODES)
def test_input_swapping(fn, mode):
    """scipy's test: 'valid' and 'full' with the larger input second."""
    small = np.arange(8).reshape(2, 2, 2)
    big = 1j * np.arange(27).reshape(3, 3, 3) + np.arange(27)[::-1].reshape(3, 3, 3)
    for a, b in ((small, big), (big, small)):
        assert_conv_equal(getattr(convcore, fn)(a, b, mode),
                          getattr(signal, fn)(a, b, mode, "direct"), a, b)


# -- scipy's refusals are what the fallback assumes ---------------------------

@pytest.mark.parametrize("pair", DTYPE_PAIRS, ids=pair_id)
@pytest.mark.parametrize("shape1, shape2, mode", [
    ((3, 3), (2, 2), "full"), ((3,), (2,), "full"), ((3,), (2,), "same"),
    ((3,), (5,), "valid"), ((3,), (5,), "same"),
], ids=str)
def test_scipy_refuses_exactly_bool_and_float16_nd(pair, shape1, shape2, mode):
    """Where the matrix below falls back to the NumPy reference, scipy does
    refuse (and only there): if scipy learns bool/float16 N-D, this fails and
    the fallback should go."""
    a = np.ones(shape1, pair[0])
    b = np.ones(shape2, pair[1])
    for fn in FUNCS:
        if scipy_refuses(a, b, mode):
            with pytest.raises(ValueError, match="Unsupported type"):
                getattr(signal, fn)(a, b, mode, "direct")
        else:
            getattr(signal, fn)(a, b, mode, "direct")


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("dtype", [np.bool_, np.float16])
@pytest.mark.parametrize("mode", MODES)
def test_reference_matches_scipy_1d_bool_float16(fn, dtype, mode):
    """The reference's bool/float16 semantics are NumPy's 1-D ones."""
    rng = np.random.default_rng(11)
    for n1, n2 in ((9, 4), (4, 9), (12, 5), (1, 1), (5, 5)):
        a = random_array(rng, (n1,), dtype)
        b = random_array(rng, (n2,), dtype)
        if scipy_uses_numpy(a, b, mode):
            assert_conv_equal(REFERENCE[fn](a, b, mode),
                              getattr(signal, fn)(a, b, mode, "direct"), a, b)


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("dtype", [np.bool_, np.float16, (np.uint8, np.float16)])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("axis", [0, 1])
def test_nd_bool_float16_give_the_1d_semantics(fn, dtype, mode, axis):
    """N-D with all but one axis of length 1 equals scipy's 1-D result."""
    d1, d2 = dtype if isinstance(dtype, tuple) else (dtype, dtype)
    rng = np.random.default_rng(12)
    a = random_array(rng, (17,), d1)
    b = random_array(rng, (6,), d2)
    ref = getattr(signal, fn)(a, b, mode, "direct")
    got = getattr(convcore, fn)(np.expand_dims(a, axis), np.expand_dims(b, axis), mode)
    assert_conv_equal(got, np.expand_dims(ref, axis), a, b)


# -- the dtype x rank x shape x mode matrix ----------------------------------

@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("pair", DTYPE_PAIRS, ids=pair_id)
@pytest.mark.parametrize("shape1, shape2, mode", SHAPE_CASES)
def test_matrix_vs_scipy(fn, pair, shape1, shape2, mode):
    rng = np.random.default_rng(seed_for(fn, pair_id(pair), shape1, shape2, mode))
    a = random_array(rng, shape1, pair[0])
    b = random_array(rng, shape2, pair[1])
    ref = expected(fn, a, b, mode)
    got = getattr(convcore, fn)(a, b, mode)
    assert_conv_equal(got, ref, a, b)
    # The direct method is what 'auto' runs today; both give the same.
    assert_conv_equal(getattr(convcore, fn)(a, b, mode, "direct"), ref, a, b)


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("pair", [(np.float64, np.float64), (np.int16, np.int16),
                                  (np.complex64, np.complex64), (np.bool_, np.bool_),
                                  (np.float16, np.float16)], ids=pair_id)
@pytest.mark.parametrize("shape1, shape2, mode", [
    ((0, 3), (2, 2), "same"), ((3, 0), (2, 2), "same"), ((2, 0, 3), (1, 1, 1), "full"),
    ((2, 0, 3), (1, 1, 1), "same"), ((0, 1), (1, 1), "full"), ((0, 2), (1, 2), "full"),
    ((0, 2), (1, 2), "same"), ((0, 2), (1, 2), "valid"), ((2, 0), (2, 3), "valid"),
    ((0, 0), (0, 0), "valid"), ((0, 0), (1, 1), "valid"), ((4, 5), (0, 2), "valid"),
    ((0, 4), (0, 2), "valid"), ((3, 3), (1, 0), "valid"), ((1, 1), (0, 0), "same"),
    ((1, 1), (0, 0), "full"),
], ids=str)
def test_empty_nd(fn, pair, shape1, shape2, mode):
    """Empty N-D inputs where scipy returns a result: its shape, zeros."""
    a = np.ones(shape1, pair[0])
    b = np.ones(shape2, pair[1])
    ref = getattr(signal, fn)(np.ones(shape1), np.ones(shape2), mode, "direct")
    got = getattr(convcore, fn)(a, b, mode)
    assert got.shape == ref.shape
    assert got.dtype == result_dtype(a, b)
    assert not got.any()
    assert_conv_equal(got, REFERENCE[fn](a, b, mode))


# -- memory layouts ------------------------------------------------------------

LAYOUT_SHAPES = {1: ((23,), (6,)), 2: ((9, 14), (4, 3)), 3: ((5, 6, 9), (2, 3, 4)),
                 4: ((3, 4, 2, 7), (2, 2, 1, 3))}


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int16, np.complex128,
                                   np.int32])
@pytest.mark.parametrize("rank", sorted(LAYOUT_SHAPES))
@pytest.mark.parametrize("which", ["in1", "in2", "both"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_layouts(fn, dtype, rank, which, layout):
    rng = np.random.default_rng(5)
    s1, s2 = LAYOUT_SHAPES[rank]
    a = random_array(rng, s1, dtype)
    b = random_array(rng, s2, dtype)
    if which in ("in1", "both"):
        a = with_layout(a, layout)
    if which in ("in2", "both"):
        b = with_layout(b, layout)
    a_before, b_before = a.copy(), b.copy()
    # scipy on plain native C-contiguous copies of the same values.
    ca = np.ascontiguousarray(a, a.dtype.newbyteorder("="))
    cb = np.ascontiguousarray(b, b.dtype.newbyteorder("="))
    for mode in MODES:
        for x, y in ((a, b), (b, a)):  # kernel larger than the input too
            cx, cy = (ca, cb) if x is a else (cb, ca)
            ref = getattr(signal, fn)(cx, cy, mode, "direct")
            assert_conv_equal(getattr(convcore, fn)(x, y, mode), ref, cx, cy,
                              err_msg=f"mode={mode}")
    assert_array_equal(a, a_before, strict=True)
    assert_array_equal(b, b_before, strict=True)


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("dtype", [">f8", ">i4", ">c16", ">f4", ">u2", ">i8"])
def test_bigendian_result_dtype_is_native(fn, dtype):
    a = np.arange(1, 13).reshape(3, 4).astype(dtype)
    b = np.arange(1, 5).reshape(2, 2).astype(dtype)
    got = getattr(convcore, fn)(a, b)
    ref = getattr(signal, fn)(a, b, method="direct")
    assert got.dtype == ref.dtype
    assert got.dtype.isnative
    assert_array_equal(got, ref, strict=True)


# -- inputs never modified; array-likes; 0-d -----------------------------------

@pytest.mark.parametrize("fn", ["convolve", "correlate", "convolve2d", "correlate2d"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex64, np.int8, np.bool_,
                                   np.float16, ">f8"])
def test_inputs_not_modified(fn, dtype):
    rng = np.random.default_rng(3)
    base1 = random_array(rng, (11, 13), dtype)
    base2 = random_array(rng, (6, 5), dtype)
    keep1, keep2 = base1.copy(), base2.copy()
    views = [
        (base1, base2),
        (base1[::-1, 1::2], base2[::2, ::-1]),
        (base1.T, base2.T),
        (base2, base1),
    ]
    ro1, ro2 = base1.copy(), base2.copy()
    ro1.flags.writeable = ro2.flags.writeable = False
    views.append((ro1, ro2))
    for x, y in views:
        for mode in MODES:
            getattr(convcore, fn)(x, y, mode)
    assert_array_equal(base1, keep1, strict=True)
    assert_array_equal(base2, keep2, strict=True)
    assert_array_equal(ro1, keep1, strict=True)
    assert_array_equal(ro2, keep2, strict=True)


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("mode", MODES)
def test_array_likes(fn, mode):
    cases = [
        ([1, 2, 3, 4], (0, 1, 0.5)),
        ((1, 2, 3), [1j, 2]),
        ([[1, 2, 3], [4, 5, 6]], [[1, -1]]),
        (((1.5, 2.5), (3.5, 4.5), (5.5, 6.5)), ((1, 2), (3, 4))),
        ([True, False, True], [True, True]),
        (range(7), range(3)),
    ]
    for x, y in cases:
        ref = getattr(signal, fn)(x, y, mode, "direct")
        got = getattr(convcore, fn)(x, y, mode)
        assert_conv_equal(got, ref, np.asarray(x), np.asarray(y))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("x, y", [
    (np.array(3), np.array(4)),
    (np.array(2 + 1j), np.array(3 - 2j)),
    (np.int8(100), np.int8(3)),  # wraps: 300 = 44 (mod 256)
    (np.float32(1.5), np.array(2.0, np.float32)),
    (3, 4.5),
    (2.0, 1 - 1j),
], ids=repr)
def test_zero_dim(x, y, mode):
    """Two 0-d inputs: their product (correlate conjugates in2), as scipy."""
    for fn, expect in (("convolve", np.multiply(x, y)),
                       ("correlate", np.multiply(x, np.conj(y)))):
        ref = getattr(signal, fn)(x, y, mode, "direct")
        got = getattr(convcore, fn)(x, y, mode)
        assert np.ndim(got) == 0
        assert np.asarray(got).dtype == np.asarray(ref).dtype == np.asarray(expect).dtype
        assert got == ref == expect


def test_zero_dim_correlate_literal():
    assert convcore.correlate(np.array(2 + 1j), np.array(3 - 2j)) == 4 + 7j
    assert convcore.convolve(np.array(2 + 1j), np.array(3 - 2j)) == 8 - 1j


# -- 64-bit indexing -------------------------------------------------------------

@pytest.mark.bigmem
def test_input_past_2_31_elements():
    """A 1-D uint8 input of 2**31 + 17 elements (about 4.3 GB with the
    output): outputs past index 2**31 are right, so no index is 32-bit."""
    n = 2**31 + 17
    w = np.array([1, 2, 3], np.uint8)
    x = np.zeros(n, np.uint8)  # untouched pages stay unallocated
    out = None
    try:
        # Distinct values across the 2**31 boundary and at the very end;
        # 200 * 3 + ... wraps around modulo 256.
        x[2**31 - 4:2**31 + 4] = [5, 6, 7, 8, 9, 10, 11, 200]
        x[-9:] = [1, 2, 3, 4, 5, 6, 7, 200, 250]
        out = convcore.convolve(x, w, "valid")
        assert out.shape == (n - 2,)
        assert out.dtype == np.uint8

        def hand(i):
            # convolution: out[i] = x[i] * w[2] + x[i + 1] * w[1] + x[i + 2] * w[0]
            return (3 * int(x[i]) + 2 * int(x[i + 1]) + int(x[i + 2])) % 256

        for i in list(range(2**31 - 8, 2**31 + 6)) + list(range(n - 12, n - 2)):
            assert int(out[i]) == hand(i), i
        assert int(out[n - 3]) == (3 * 7 + 2 * 200 + 250) % 256 == 159
        assert not out[:2**31 - 8].any()  # nothing written where x is zero
    finally:
        del x, out


@pytest.mark.parametrize("dtype", ["f4", "f8", "g", "c8", "c16", "G", "i2", "u8", ">f8", "<c16"])
@pytest.mark.parametrize("k", [1, 2, 7, 513, 700])
@pytest.mark.parametrize("layout", ["C", "strided", "reversed"])
def test_the_compiled_plan_reads_kernels_of_every_layout(dtype, k, layout):
    """The direct plan reverses the kernel in its compiled call: on the stack
    (up to 4 KiB), in a heap buffer (longer kernels), or through a copy for
    kernels it cannot read as they are (strided, reversed views, other byte
    orders); each gives scipy's result, and the inputs stay unchanged."""
    rng = np.random.default_rng(k)
    dt = np.dtype(dtype)
    if dt.kind in "iu":
        a = rng.integers(0, 50, 900).astype(dt)
        b = rng.integers(0, 50, 2 * k).astype(dt)
    else:
        a = (rng.standard_normal(900) + (1j * rng.standard_normal(900) if dt.kind == "c" else 0))
        b = (rng.standard_normal(2 * k) + (1j * rng.standard_normal(2 * k) if dt.kind == "c"
                                           else 0))
        a, b = a.astype(dt), b.astype(dt)
    kernel = {"C": b[:k], "strided": b[::2], "reversed": b[::-1][:k]}[layout]
    before = kernel.copy()
    for mode in ("full", "same", "valid"):
        got = convcore.convolve(a, kernel, mode, method="direct")
        ref = signal.convolve(a.astype(dt.newbyteorder("=")), kernel.astype(dt.newbyteorder("=")),
                              mode, method="direct")
        assert got.dtype == ref.dtype
        if dt.kind in "iu":
            np.testing.assert_array_equal(got, ref)
        else:
            tol = 1e-4 if dt.newbyteorder("=") in (np.float32, np.complex64) else 1e-10
            np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * np.abs(ref).max())
    np.testing.assert_array_equal(kernel, before)
