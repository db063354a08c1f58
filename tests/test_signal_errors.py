"""Bad input: the exception type scipy raises for the same call, and a
message that names the argument and its bad value."""
import dataclasses
import re
import warnings

import numpy as np
import pytest
from scipy import signal

import convcore
from convcore import _plans
from convcore._signal_methods import METHODS

ND_FUNCS = ["convolve", "correlate"]
FUNCS_2D = ["convolve2d", "correlate2d"]
ALL_FUNCS = ND_FUNCS + FUNCS_2D
API_METHODS = ["auto", "direct", "im2col", "fft", "oa"]  # API.md section 1


def scipy_exception(fn, *args, **kwargs):
    """The exception type scipy.signal raises for this call (asserting that
    it raises)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as info:
            getattr(signal, fn)(*args, **kwargs)
    return info.type


def assert_raises_like_scipy(fn, args, kwargs, match):
    expected = scipy_exception(fn, *args, **kwargs)
    with pytest.raises(expected, match=match):
        getattr(convcore, fn)(*args, **kwargs)


def _inputs(fn, rank=2):
    if fn in FUNCS_2D or rank == 2:
        return np.ones((4, 4)), np.ones((2, 3))
    return np.ones(6), np.ones(3)


# -- mode, method, boundary ----------------------------------------------------

@pytest.mark.parametrize("fn", ALL_FUNCS)
@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("mode", ["foo", "FULL", "", None, 1, b"full"], ids=repr)
def test_unknown_mode(fn, rank, mode):
    a, b = _inputs(fn, rank)
    assert_raises_like_scipy(fn, (a, b), {"mode": mode}, re.escape(f"mode={mode!r}"))


@pytest.mark.parametrize("fn", ND_FUNCS)
@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("method", ["foo", "DIRECT", "", None, 1, ["direct"]], ids=repr)
def test_unknown_method(fn, rank, method):
    a, b = _inputs(fn, rank)
    assert_raises_like_scipy(fn, (a, b), {"method": method}, re.escape(f"method={method!r}"))


@pytest.mark.parametrize("fn", ND_FUNCS)
@pytest.mark.parametrize("method", API_METHODS)
def test_every_method_name_runs_itself_or_raises(fn, method, monkeypatch):
    """A method name either runs exactly its own registered algorithm or
    raises ValueError naming it: an unavailable name never silently runs
    another algorithm."""
    a, b = np.arange(12.0).reshape(3, 4), np.ones((2, 2))
    if method != "auto" and method not in METHODS:
        with pytest.raises(ValueError, match=re.escape(f"method={method!r}")):
            getattr(convcore, fn)(a, b, method=method)
        return
    # Replace every registered algorithm by a marker: the call must reach the
    # one of its own name ('auto': one of the registered ones).  Plans made
    # of markers are forgotten with the test.
    monkeypatch.setattr(_plans, "_plans", {})
    calls = []
    for name in list(METHODS):
        marker = dataclasses.replace(METHODS[name], make=lambda p, q, mode, name=name:
                                     lambda p, q: calls.append(name) or "marker")
        monkeypatch.setitem(METHODS.methods, name, marker)
    assert getattr(convcore, fn)(a, b, method=method) == "marker"
    assert len(calls) == 1
    if method != "auto":
        assert calls == [method]
    else:
        assert calls[0] in METHODS


def test_registered_methods_are_api_names():
    assert set(METHODS) <= set(API_METHODS) - {"auto"}
    assert "direct" in METHODS


@pytest.mark.parametrize("fn", FUNCS_2D)
@pytest.mark.parametrize("boundary", ["foo", "FILL", "reflect", "", None, 1], ids=repr)
def test_unknown_boundary(fn, boundary):
    a, b = _inputs(fn)
    assert_raises_like_scipy(fn, (a, b), {"boundary": boundary},
                             re.escape(f"boundary={boundary!r}"))


# -- ranks and shapes ------------------------------------------------------------

@pytest.mark.parametrize("fn", ND_FUNCS)
@pytest.mark.parametrize("shape1, shape2", [((4, 4), (3,)), ((3,), (4, 4)), ((), (3,)),
                                            ((3,), ()), ((2, 2, 2), (2, 2)),
                                            ((2, 2), (1, 1, 1, 1))], ids=str)
def test_rank_mismatch(fn, shape1, shape2):
    a, b = np.ones(shape1), np.ones(shape2)
    match = rf"same dimensionality.*ndim={len(shape1)}.*ndim={len(shape2)}"
    assert_raises_like_scipy(fn, (a, b), {}, match)


@pytest.mark.parametrize("fn", ALL_FUNCS)
@pytest.mark.parametrize("shape1, shape2", [((3, 5), (5, 3)), ((5, 3), (3, 5)),
                                            ((4, 1), (1, 4)), ((0, 3), (2, 2)),
                                            ((2, 2), (3, 0))], ids=str)
def test_valid_needs_one_input_at_least_as_large(fn, shape1, shape2):
    a, b = np.ones(shape1), np.ones(shape2)
    match = (r"at least as large.*" + re.escape(str(shape1)) + ".*"
             + re.escape(str(shape2)))
    assert_raises_like_scipy(fn, (a, b), {"mode": "valid"}, match)


@pytest.mark.parametrize("fn", ND_FUNCS)
def test_valid_mismatch_3d(fn):
    a, b = np.ones((2, 5, 4)), np.ones((3, 2, 4))
    assert_raises_like_scipy(fn, (a, b), {"mode": "valid"},
                             re.escape("(2, 5, 4)") + ".*" + re.escape("(3, 2, 4)"))


@pytest.mark.parametrize("fn", FUNCS_2D)
@pytest.mark.parametrize("shape1, shape2", [((5,), (3,)), ((2, 2, 2), (2, 2, 2)),
                                            ((4, 4), (3,)), ((3,), (4, 4)), ((), ()),
                                            ((4, 4), (1, 1, 1))], ids=str)
def test_2d_functions_need_2d_inputs(fn, shape1, shape2):
    a, b = np.ones(shape1), np.ones(shape2)
    match = rf"2-D.*in1\.ndim={len(shape1)}.*in2\.ndim={len(shape2)}"
    assert_raises_like_scipy(fn, (a, b), {}, match)


@pytest.mark.parametrize("fn", ND_FUNCS)
@pytest.mark.parametrize("shape1, shape2, mode", [
    ((0,), (3,), "full"), ((0,), (3,), "valid"), ((3,), (0,), "full"),
    ((3,), (0,), "same"), ((3,), (0,), "valid"), ((0,), (0,), "full"),
    ((0,), (0,), "same"), ((0,), (0,), "valid"),
], ids=str)
def test_empty_1d(fn, shape1, shape2, mode):
    """NumPy's 1-D convolution refuses empty inputs; scipy inherits that."""
    a, b = np.ones(shape1), np.ones(shape2)
    name = "in1" if 0 in shape1 else "in2"
    assert_raises_like_scipy(fn, (a, b), {"mode": mode}, rf"{name}.*empty")


# -- dtypes --------------------------------------------------------------------

# (Object arrays are taken where scipy takes them: tests/test_signal_object.py.)
NON_NUMERIC = {
    "str": np.array(list("abcd")),
    "bytes": np.array([b"a", b"b", b"c", b"d"]),
    "datetime": np.arange(4).astype("datetime64[s]"),
    "timedelta": np.arange(4).astype("timedelta64[s]"),
    "structured": np.zeros(4, dtype=[("x", "f8")]),
}


@pytest.mark.parametrize("fn", ALL_FUNCS)
@pytest.mark.parametrize("kind", sorted(NON_NUMERIC))
@pytest.mark.parametrize("which", ["in1", "in2"])
@pytest.mark.parametrize("rank", [1, 2])
def test_non_numeric_dtype(fn, kind, which, rank):
    """convcore raises ValueError naming the argument and its dtype.  scipy
    raises ValueError too in N-D and in convolve2d; in 1-D it is
    inconsistent (np.convolve runs object and timedelta, and raises
    TypeError for datetime), so only the N-D type is compared."""
    if fn in FUNCS_2D and rank == 1:
        rank = 2
    bad = NON_NUMERIC[kind]
    good = np.ones(4)
    if rank == 2:
        bad, good = bad.reshape(2, 2), good.reshape(2, 2)
    args = (bad, good) if which == "in1" else (good, bad)
    match = re.escape(f"{which}.dtype={bad.dtype}")
    with pytest.raises(ValueError, match=match):
        getattr(convcore, fn)(*args)
    if rank == 2 and not (fn == "correlate2d" and which == "in2"):
        # (correlate2d conjugates in2 first: TypeError from np.conj.)
        assert scipy_exception(fn, *args) is ValueError


# -- fillvalue -------------------------------------------------------------------

@pytest.mark.parametrize("fn", FUNCS_2D)
@pytest.mark.parametrize("fillvalue", [[1, 2], np.ones((2, 2)), np.array([[1.0], [2.0]])],
                         ids=["list", "2x2", "2x1"])
def test_fillvalue_more_than_one_element(fn, fillvalue):
    a, b = _inputs(fn)
    shape = np.shape(fillvalue)
    assert_raises_like_scipy(fn, (a, b), {"fillvalue": fillvalue},
                             "fillvalue.*" + re.escape(str(shape)))


@pytest.mark.parametrize("fn", FUNCS_2D)
def test_fillvalue_empty(fn):
    a, b = _inputs(fn)
    assert_raises_like_scipy(fn, (a, b), {"fillvalue": []}, "fillvalue")


@pytest.mark.parametrize("fn", FUNCS_2D)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.uint8])
@pytest.mark.parametrize("fillvalue", [1j, 1 + 2j, np.array(2 - 1j)], ids=repr)
def test_complex_fillvalue_for_real_inputs(fn, dtype, fillvalue):
    a, b = np.ones((4, 4), dtype), np.ones((2, 3), dtype)
    assert_raises_like_scipy(fn, (a, b), {"fillvalue": fillvalue},
                             re.escape(f"fillvalue={fillvalue!r}"))


@pytest.mark.parametrize("fn", FUNCS_2D)
@pytest.mark.parametrize("fillvalue", [np.complex128(3 - 1j), np.complex64(1j)], ids=repr)
def test_numpy_complex_scalar_fillvalue_for_real_inputs(fn, fillvalue):
    """scipy takes a NumPy complex *scalar* through a plain cast: it warns
    (ComplexWarning) and drops the imaginary part.  convcore refuses it as it
    refuses Python complex and complex arrays: dropping part of the value
    is never what the caller meant."""
    a, b = np.ones((4, 4)), np.ones((2, 3))
    with pytest.raises(ValueError, match=re.escape(f"fillvalue={fillvalue!r}")):
        getattr(convcore, fn)(a, b, fillvalue=fillvalue)


@pytest.mark.parametrize("fn", FUNCS_2D)
def test_python_complex_fillvalue_with_zero_imag_for_real_inputs(fn):
    """scipy refuses any Python complex fill for a real output, even 1+0j
    (it cannot convert it directly, and its complex fallback always raises)."""
    a, b = np.ones((4, 4)), np.ones((2, 3))
    assert_raises_like_scipy(fn, (a, b), {"fillvalue": 1 + 0j}, "fillvalue")


@pytest.mark.parametrize("fn", FUNCS_2D)
@pytest.mark.parametrize("boundary", ["wrap", "symm"])
@pytest.mark.parametrize("fillvalue", [5, [1, 2], 1j, []], ids=repr)
def test_fillvalue_ignored_unless_fill(fn, boundary, fillvalue):
    """As scipy: fillvalue is not looked at with wrap/symm, so a value that
    would be refused with 'fill' is no error there."""
    a, b = np.arange(16.0).reshape(4, 4), np.ones((2, 3))
    ref = getattr(signal, fn)(a, b, "full", boundary, fillvalue)
    np.testing.assert_array_equal(getattr(convcore, fn)(a, b, "full", boundary, fillvalue),
                                  ref)
