"""convcore.convolve / convcore.correlate against scipy.signal (method='direct').

Parametrised matrices (rank x mode x dtype x odd shapes, memory layouts;
shared with the other methods' tests in ``_reference.py``) for 'auto' and
'direct'; scipy's literal examples for every method are in
``test_signal_literal.py``.  Where scipy refuses a dtype/rank combination
(bool and float16 in N-D) the NumPy reference in ``_reference.py`` stands in.
"""
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy import signal

import convcore
from _reference import (DTYPE_PAIRS, FUNCS, LAYOUT_SHAPES, LAYOUTS, MODES, REFERENCE,
                        SHAPE_CASES, assert_conv_equal, expected, pair_id, random_array,
                        result_dtype, scipy_refuses, scipy_uses_numpy, seed_for, with_layout)

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
