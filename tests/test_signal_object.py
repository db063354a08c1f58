"""Object arrays (Python ints, Fractions, Decimals, mixed with numbers), as
scipy.signal takes them: 'auto' and 'direct' by scipy's own convolve and
correlate (exact Python arithmetic), the FFT functions and methods on the
inputs converted to float64, N-D direct and the 2-D functions refused with
ValueError.  Every case is checked against scipy itself."""
import re
import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import convcore
from convcore import _scipy_originals

ND_FUNCS = ["convolve", "correlate"]
FFT_FUNCS = ["fftconvolve", "oaconvolve"]
FUNCS_2D = ["convolve2d", "correlate2d"]
MODES = ["full", "same", "valid"]


def obj(values):
    return np.array(values, dtype=object)


# 1-D input pairs: (in1, in2), at least one an object array.
PAIRS = {
    "int": (obj([1, 2, 3]), obj([1, 1])),
    "fraction": (obj([Fraction(1, 3), Fraction(1, 2), Fraction(2)]),
                 obj([Fraction(3, 7), Fraction(-5, 2)])),
    "decimal": (obj([Decimal("1.1"), Decimal("2.2"), Decimal("-0.3"), Decimal("4")]),
                obj([Decimal("0.5"), Decimal("3")])),
    "bigint": (obj([2 ** 70, -3, 2 ** 65 + 1]), obj([2 ** 64, 7])),
    "object-float": (obj([Fraction(1, 3), 2, Fraction(5, 4)]), np.array([0.5, -1.25])),
    "float-object": (np.array([0.5, -1.25, 3.0, 2.5]), obj([Fraction(1, 3), 2])),
    "object-int64": (obj([Fraction(1, 2), 3, -4]), np.array([2 ** 40, 5], np.int64)),
    "object-complex": (obj([1, Fraction(1, 2), 3]), np.array([1j, 2 - 1j])),
    "complex-elements": (obj([1 + 2j, 3, -1j]), obj([1j, 2])),
    "complex-elements-complex": (obj([1 + 2j, 3, -1j]), np.array([1j, 2 - 1j])),
    "kernel-longer": (obj([1, Fraction(1, 2), 3]), obj([2, -1, Fraction(1, 3), 4, 5])),
    "length-1": (obj([Fraction(2, 3)]), obj([Fraction(3, 4), 5, 6])),
}

# Pairs the FFT transforms: elements that convert to float, and no input
# of length 1 (then nothing is transformed: test_..._length_1_...).
REAL = [k for k in PAIRS if "complex-elements" not in k and k != "length-1"]


def scipy_call(fn, *args, **kwargs):
    """scipy's result, or the exception type it raises."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return getattr(scipy.signal, fn)(*args, **kwargs), None
    except Exception as exc:  # noqa: BLE001 - any exception scipy raises is the oracle
        return None, type(exc)


def assert_exact(got, want):
    """Same dtype, shape, element types and values: the same arithmetic."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert [type(x) for x in got.flat] == [type(x) for x in want.flat]
    assert got.tolist() == want.tolist()


def assert_close_floats(got, want, rtol=1e-12):
    """FFT results: the same dtype and shape, values to the FFT's rounding
    (convcore's transforms are not scipy's, bit for bit)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    if got.dtype == object:
        assert {type(x) for x in got.flat} == {type(x) for x in want.flat}
        got, want = got.astype(complex), want.astype(complex)
    scale = np.abs(want).max() if want.size else 0.0
    assert_allclose(got, want, rtol=rtol, atol=rtol * scale)


def copies(*arrays):
    return [a.copy() for a in arrays]


def assert_unmodified(arrays, before):
    for a, b in zip(arrays, before):
        assert a.dtype == b.dtype and a.tolist() == b.tolist()


# -- 'auto' and 'direct': scipy's own functions, exact --------------------------

@pytest.mark.parametrize("fn", ND_FUNCS)
@pytest.mark.parametrize("method", ["auto", "direct"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("pair", list(PAIRS))
def test_direct_exact_as_scipy(fn, method, mode, pair):
    a, b = PAIRS[pair]
    before = copies(a, b)
    want, exc = scipy_call(fn, a, b, mode, method)
    if exc is not None:
        # 'same' with the kernel longer: scipy's N-D path, no object loop.
        assert exc is ValueError and mode == "same" and a.size < b.size
        with pytest.raises(ValueError, match=r"in1\.shape=.*in2\.shape=.*object"):
            getattr(convcore, fn)(a, b, mode, method)
    else:
        assert_exact(getattr(convcore, fn)(a, b, mode, method), want)
    assert_unmodified((a, b), before)


@pytest.mark.parametrize("fn", ND_FUNCS)
@pytest.mark.parametrize("method", ["auto", "direct"])
def test_direct_runs_scipys_function(fn, method, monkeypatch):
    """The object path calls the scipy function taken at import, once, with
    the caller's arguments."""
    calls = []
    original = _scipy_originals.scipy_functions()[fn]

    def spy(*args):
        calls.append(args)
        return original(*args)

    monkeypatch.setitem(_scipy_originals.scipy_functions(), fn, spy)
    a, b = PAIRS["fraction"]
    got = getattr(convcore, fn)(a, b, "valid", method)
    assert len(calls) == 1 and calls[0][2:] == ("valid", method)
    assert_exact(got, getattr(scipy.signal, fn)(a, b, "valid", method))


def test_integer_objects_convolve_exactly():
    got = convcore.convolve(obj([1, 2, 3]), obj([1, 1]))
    assert_exact(got, obj([1, 3, 5, 3]))


def test_array_likes_of_fractions():
    a, b = [Fraction(1, 2), 1, Fraction(-2, 3)], [1, Fraction(1, 5)]
    for fn in ND_FUNCS:
        assert_exact(getattr(convcore, fn)(a, b), getattr(scipy.signal, fn)(a, b))


@pytest.mark.parametrize("fn", ND_FUNCS)
@pytest.mark.parametrize("method", ["auto", "direct", "fft", "oa"])
@pytest.mark.parametrize("a, b", [
    (np.array(Fraction(1, 3), object), np.array(Fraction(3, 4), object)),
    (np.array(Decimal("1.5"), object), np.array(2)),
    (np.array(Fraction(1, 3), object), np.array(2.0)),
    (np.array(1 + 2j, object), np.array(1j, object)),
], ids=["fractions", "decimal-int", "fraction-float", "complex"])
def test_zero_dim_multiplies(fn, method, a, b):
    scipy_method = "fft" if method == "oa" else method
    want, _ = scipy_call(fn, a, b, method=scipy_method)
    got = getattr(convcore, fn)(a, b, method=method)
    assert type(got) is type(want) and got == want


@pytest.mark.parametrize("fn", ND_FUNCS)
@pytest.mark.parametrize("method", ["auto", "direct"])
@pytest.mark.parametrize("shape1, shape2, mode", [
    ((0,), (3,), "full"), ((3,), (0,), "full"), ((0,), (0,), "full"),
    ((0,), (3,), "valid"), ((3,), (0,), "valid"), ((0,), (0,), "valid"),
    ((0,), (3,), "same"), ((3,), (0,), "same"), ((0,), (0,), "same"),
    ((0, 2), (1, 1), "full"),
], ids=str)
def test_empty_as_scipy(fn, method, shape1, shape2, mode):
    a, b = np.ones(shape1, object), np.ones(shape2, object)
    _, exc = scipy_call(fn, a, b, mode, method)
    assert exc is ValueError
    with pytest.raises(ValueError, match=r"in[12]"):
        getattr(convcore, fn)(a, b, mode, method)


@pytest.mark.parametrize("fn", ND_FUNCS)
@pytest.mark.parametrize("method", ["auto", "direct"])
@pytest.mark.parametrize("shape", [(), (3,)], ids=["0-d", "1-D"])
def test_python_arithmetic_errors_as_scipy(fn, method, shape):
    """Decimal times float is a TypeError in Python, so in scipy too."""
    a = np.full(shape, Decimal("1.5"), dtype=object)
    b = np.full(shape, 2.0)
    assert scipy_call(fn, a, b, method=method)[1] is TypeError
    with pytest.raises(TypeError, match="Decimal"):
        getattr(convcore, fn)(a, b, method=method)


# -- N-D: refused where scipy refuses ---------------------------------------------

ND_PAIRS = {
    "2-D": (obj([[1, 2], [3, Fraction(1, 2)]]), obj([[1, 1]])),
    "2-D object-float": (obj([[1, 2], [3, 4]]), np.ones((2, 2))),
    "2-D float-object": (np.ones((3, 2)), obj([[1, Fraction(1, 3)]])),
    "3-D": (np.ones((2, 2, 2), object), np.ones((1, 1, 2), object)),
    "1x1": (np.ones((1, 1), object), np.ones((1, 1), object)),
}


@pytest.mark.parametrize("fn", ND_FUNCS)
@pytest.mark.parametrize("method", ["auto", "direct"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("pair", list(ND_PAIRS))
def test_nd_direct_raises_as_scipy(fn, method, mode, pair):
    a, b = ND_PAIRS[pair]
    _, exc = scipy_call(fn, a, b, mode, method)
    assert exc is ValueError
    with pytest.raises(ValueError, match=re.escape(f"in1.shape={a.shape}") + ".*dtype=object"):
        getattr(convcore, fn)(a, b, mode, method)


@pytest.mark.parametrize("fn", FUNCS_2D)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
@pytest.mark.parametrize("pair", ["2-D", "2-D object-float", "2-D float-object", "1x1"])
def test_2d_functions_raise_as_scipy(fn, mode, boundary, pair):
    a, b = ND_PAIRS[pair]
    _, exc = scipy_call(fn, a, b, mode, boundary)
    assert exc is ValueError
    with pytest.raises(ValueError, match=r"in[12]\.dtype=object"):
        getattr(convcore, fn)(a, b, mode, boundary)


@pytest.mark.parametrize("fn", ND_FUNCS)
@pytest.mark.parametrize("method", ["fft", "oa"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("pair", list(ND_PAIRS))
def test_nd_fft_as_scipy(fn, method, mode, pair):
    a, b = ND_PAIRS[pair]
    want, exc = scipy_call(fn, a, b, mode, "fft")
    assert exc is None
    got = getattr(convcore, fn)(a, b, mode, method)
    if pair == "1x1":  # every axis of length 1: a product of objects
        assert_exact(got, want)
    else:
        assert_close_floats(got, want)


# -- the FFT methods and functions: floats, as scipy ----------------------------------

@pytest.mark.parametrize("fn", ND_FUNCS)
@pytest.mark.parametrize("method", ["fft", "oa"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("pair", REAL + ["object-complex"])
def test_fft_methods_give_scipys_floats(fn, method, mode, pair):
    """scipy's 'fft' converts object inputs to float64 and returns the result
    as an object array of floats ('oa' is convcore's, an FFT method too)."""
    a, b = PAIRS[pair]
    before = copies(a, b)
    want, exc = scipy_call(fn, a, b, mode, "fft")
    assert exc is None
    assert_close_floats(getattr(convcore, fn)(a, b, mode, method), want)
    assert_unmodified((a, b), before)


@pytest.mark.parametrize("fn", FFT_FUNCS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("pair", REAL + ["object-complex"])
def test_fft_functions_give_scipys_floats(fn, mode, pair):
    a, b = PAIRS[pair]
    before = copies(a, b)
    want, exc = scipy_call(fn, a, b, mode)
    assert exc is None and want.dtype in (np.float64, np.complex128)
    assert_close_floats(getattr(convcore, fn)(a, b, mode), want)
    assert_unmodified((a, b), before)


@pytest.mark.parametrize("fn", FFT_FUNCS)
def test_fft_functions_object_and_float32(fn):
    """The object input becomes float64, so the result is float64 (scipy
    transforms the float32 input in single precision, convcore in double)."""
    a, b = obj([1, Fraction(1, 2), 3, 4]), np.array([1.5, 2], np.float32)
    want, _ = scipy_call(fn, a, b)
    got = getattr(convcore, fn)(a, b)
    assert got.dtype == want.dtype == np.float64
    assert_close_floats(got, want, rtol=1e-6)


@pytest.mark.parametrize("fn", FFT_FUNCS)
def test_fft_functions_long_and_nd(fn):
    """Long enough for overlap-add blocks, and 2-D with an axes argument."""
    rng = np.random.default_rng(0)
    a = obj([Fraction(int(v), 7) for v in rng.integers(-50, 50, 3000)])
    b = obj([int(v) for v in rng.integers(-5, 5, 40)])
    assert_close_floats(getattr(convcore, fn)(a, b), scipy_call(fn, a, b)[0])
    a2 = rng.integers(-9, 9, (30, 20)).astype(object)
    b2 = rng.integers(-9, 9, (1, 5)).astype(object)
    for axes in (None, 1, [0, 1]):
        assert_close_floats(getattr(convcore, fn)(a2, b2, "same", axes),
                            scipy_call(fn, a2, b2, "same", axes)[0])


@pytest.mark.parametrize("fn", FFT_FUNCS)
def test_fft_functions_length_1_axes_multiply_objects(fn):
    """No axis to transform: scipy multiplies the objects, exactly."""
    a, b = obj([[Fraction(1, 3)]]), obj([[Fraction(1, 2), 2]])
    want, _ = scipy_call(fn, a, b)
    assert_exact(getattr(convcore, fn)(a, b), want)


@pytest.mark.parametrize("fn", FFT_FUNCS)
@pytest.mark.parametrize("a, b", [(obj([]), obj([1, 2])), (obj([1, 2]), np.ones(0)),
                                  (np.ones((0, 2), object), np.ones((1, 1), object))],
                         ids=["in1", "in2", "2-D"])
def test_fft_functions_empty_as_scipy(fn, a, b):
    want, _ = scipy_call(fn, a, b)
    got = getattr(convcore, fn)(a, b)
    assert got.dtype == want.dtype and got.shape == want.shape


@pytest.mark.parametrize("fn", ND_FUNCS)
@pytest.mark.parametrize("method", ["fft", "oa"])
def test_fft_methods_empty(fn, method):
    """scipy fails with an IndexError (it looks at the first output of an
    empty result); convcore refuses empty inputs to its FFT methods with a
    ValueError naming the argument, for every dtype alike."""
    a, b = obj([]), obj([1, 2])
    assert scipy_call(fn, a, b, method="fft")[1] is IndexError
    with pytest.raises(ValueError, match=r"in1 cannot be empty"):
        getattr(convcore, fn)(a, b, method=method)


CONVERSION_ERRORS = {
    "complex element": (obj([1 + 2j, 3]), obj([1, 1]), "in1"),
    "complex element, complex kernel": (obj([1, 2]), obj([1j, 1]), "in2"),
    "complex element and complex128": (obj([1 + 2j, 3]), np.array([1j, 1]), "in1"),
    "string": (obj(["a", "b"]), obj([1, 1]), "in1"),
    "too large": (obj([1, 2]), obj([10 ** 400, 1]), "in2"),
}


@pytest.mark.parametrize("case", list(CONVERSION_ERRORS))
def test_fft_conversion_errors_as_scipy(case):
    a, b, name = CONVERSION_ERRORS[case]
    for fn, kwargs in [("fftconvolve", {}), ("oaconvolve", {}), ("convolve", {"method": "fft"}),
                       ("correlate", {"method": "fft"})]:
        _, exc = scipy_call(fn, a, b, **kwargs)
        assert exc in (TypeError, ValueError, OverflowError)
        with pytest.raises(exc, match=rf"{name} is an object array"):
            getattr(convcore, fn)(a, b, **kwargs)
    with pytest.raises(exc, match=rf"{name} is an object array"):
        convcore.convolve(a, b, method="oa")


def test_fft_product_without_transform_raises_as_scipy():
    """Every axis of length 1: the 'fft' method's NaN check cannot test a
    Fraction, where scipy fails with a TypeError."""
    a, b = obj([Fraction(1, 3)]), obj([Fraction(1, 2)])
    assert scipy_call("convolve", a, b, method="fft")[1] is TypeError
    with pytest.raises(TypeError, match="Fraction"):
        convcore.convolve(a, b, method="fft")
    ints = obj([3]), obj([4])  # NumPy tests ints: scipy succeeds
    assert_exact(convcore.convolve(*ints, method="fft"),
                 scipy.signal.convolve(*ints, method="fft"))


# -- im2col, unknown methods -------------------------------------------------------

@pytest.mark.parametrize("fn", ND_FUNCS)
@pytest.mark.parametrize("pair", ["int", "object-float", "float-object"])
def test_im2col_refuses_objects(fn, pair):
    a, b = PAIRS[pair]
    with pytest.raises(ValueError, match=r"method='im2col'.*dtype=object"):
        getattr(convcore, fn)(a, b, method="im2col")


@pytest.mark.parametrize("fn", ND_FUNCS)
@pytest.mark.parametrize("method", ["foo", None, ["direct"]], ids=repr)
def test_unknown_method(fn, method):
    a, b = PAIRS["int"]
    assert scipy_call(fn, a, b, method=method)[1] is ValueError
    with pytest.raises(ValueError, match=re.escape(f"method={method!r}")):
        getattr(convcore, fn)(a, b, method=method)


@pytest.mark.parametrize("fn", ND_FUNCS)
@pytest.mark.parametrize("method", ["auto", "direct", "fft"])
def test_bad_mode_and_valid_sizes(fn, method):
    a, b = obj([[1, 2, 3]]), obj([[1], [2]])
    for mode, match in [("foo", "mode='foo'"), ("valid", "at least as large")]:
        assert scipy_call(fn, a, b, mode, method)[1] is ValueError
        with pytest.raises(ValueError, match=match):
            getattr(convcore, fn)(a, b, mode, method)


# -- choose_conv_method --------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("a, b", [
    PAIRS["int"], PAIRS["fraction"], PAIRS["object-float"], PAIRS["bigint"],
    PAIRS["kernel-longer"], ND_PAIRS["2-D"], (np.array(Fraction(1, 2), object), np.array(3)),
    (obj([]), obj([1, 2, 3])),
], ids=["int", "fraction", "object-float", "bigint", "kernel-longer", "2-D", "0-d", "empty"])
def test_choose_conv_method_as_scipy(mode, a, b):
    want = scipy.signal.choose_conv_method(a, b, mode)
    assert want == "direct"
    assert convcore.choose_conv_method(a, b, mode) == want
    name, costs = convcore.choose_conv_method(a, b, mode, explain=True)
    assert name == want and costs == {}  # scipy's code: the model has no estimate


@pytest.mark.parametrize("pair", ["int", "fraction", "bigint"])
def test_choose_conv_method_measure(pair):
    """Measured: only 'direct' is timed, the method that computes object
    arrays exactly (scipy also times 'fft', which would give floats)."""
    a, b = PAIRS[pair]
    name, times = convcore.choose_conv_method(a, b, measure=True)
    assert name == "direct" and list(times) == ["direct"]


def test_choose_conv_method_measure_nd_raises_as_scipy():
    a, b = ND_PAIRS["2-D"]
    assert scipy_call("choose_conv_method", a, b, measure=True)[1] is ValueError
    with pytest.raises(ValueError, match="dtype=object"):
        convcore.choose_conv_method(a, b, measure=True)


# -- scipy's own functions, recorded unpatched ----------------------------------

def test_scipy_functions_recorded_are_scipys():
    for name in _scipy_originals.NAMES:
        assert _scipy_originals.scipy_functions()[name] is getattr(scipy.signal, name)
        assert (_scipy_originals.scipy_functions()[name].__module__ or "").startswith("scipy.")


@pytest.mark.parametrize("fn", ND_FUNCS)
@pytest.mark.parametrize("method", ["auto", "direct"])
def test_exact_while_patched(fn, method):
    """While patched, scipy.signal's names are convcore's: the object path
    still reaches scipy's own functions (scipy's correlate with 'auto'
    calls the patched convolve, which hands the objects back to scipy)."""
    a, b = PAIRS["complex-elements-complex"]
    c, d = PAIRS["fraction"]
    want = [getattr(scipy.signal, fn)(x, y, "full", method) for x, y in ((a, b), (c, d))]
    with convcore.patch_scipy():
        assert getattr(scipy.signal, fn) is getattr(convcore, fn)
        for (x, y), w in zip(((a, b), (c, d)), want):
            assert_exact(getattr(scipy.signal, fn)(x, y, "full", method), w)
            assert_exact(_scipy_originals.scipy_functions()[fn](x, y, "full", method), w)
            assert_exact(getattr(convcore, fn)(x, y, "full", method), w)


def test_convcore_imported_while_patched_takes_scipys_functions(python_subprocess):
    """A second copy of convcore imported while the first has patched scipy
    records scipy's functions, not the first copy's."""
    code = """if True:
        import sys
        from fractions import Fraction
        import numpy as np
        import scipy.signal
        names = ("convolve", "correlate", "fftconvolve", "oaconvolve", "convolve2d",
                 "correlate2d", "choose_conv_method")
        original = {n: getattr(scipy.signal, n) for n in names}
        import convcore as first
        with first.patch_scipy():
            assert scipy.signal.convolve is first.convolve
            for m in [m for m in sys.modules if m.split(".")[0] == "convcore"]:
                del sys.modules[m]
            import convcore as second
            assert second is not first and second.convolve is not first.convolve
            assert all(second._scipy_originals.scipy_functions()[n] is original[n] for n in names)
            a = np.array([Fraction(1, 3), 2, 3], object)
            b = np.array([1, Fraction(1, 2)], object)
            got = second.convolve(a, b)
            want = original["convolve"](a, b)
            assert got.tolist() == want.tolist() and got.dtype == want.dtype
        assert all(getattr(scipy.signal, n) is original[n] for n in names)
        print("ok")
    """
    proc = python_subprocess(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


# -- properties ------------------------------------------------------------------------

fractions = st.fractions(min_value=-100, max_value=100, max_denominator=50)
values = st.one_of(st.integers(-10 ** 20, 10 ** 20), fractions)


@given(a=st.lists(values, min_size=1, max_size=12), b=st.lists(values, min_size=1, max_size=6),
       mode=st.sampled_from(MODES), fn=st.sampled_from(ND_FUNCS),
       method=st.sampled_from(["auto", "direct"]))
def test_property_exact_as_scipy(a, b, mode, fn, method):
    x, y = obj(a), obj(b)
    want, exc = scipy_call(fn, x, y, mode, method)
    if exc is not None:
        with pytest.raises(exc):
            getattr(convcore, fn)(x, y, mode, method)
    else:
        assert_exact(getattr(convcore, fn)(x, y, mode, method), want)


@given(a=st.lists(fractions, min_size=1, max_size=40),
       b=st.lists(fractions, min_size=1, max_size=10),
       mode=st.sampled_from(MODES), fn=st.sampled_from(FFT_FUNCS))
def test_property_fft_as_scipy(a, b, mode, fn):
    x, y = obj(a), obj(b)
    want, exc = scipy_call(fn, x, y, mode)
    assert exc is None
    got = getattr(convcore, fn)(x, y, mode)
    assert got.dtype == want.dtype and got.shape == want.shape
    if got.dtype == object:  # a length-1 input: no transform, exact products
        assert_exact(got, want)
        return
    # Both round the exact sums: to within the FFT's error of the largest.
    scale = max(map(abs, a)) * max(map(abs, b)) * min(len(a), len(b))
    assert_allclose(got, want, rtol=0, atol=1e-13 * float(scale) + 1e-300)

