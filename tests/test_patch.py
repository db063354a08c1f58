"""patch_scipy / unpatch_scipy: what is rebound, that scipy comes back
exactly, nesting, threads, scipy's own callers, and scipy's test suite run
with the patch in place."""
import contextlib
import inspect
import sys
import threading
import types
from pathlib import Path

import numpy as np
import pytest
import scipy.signal
from numpy.testing import assert_allclose, assert_array_equal

import convcore
from convcore import _patch, _signal

NAMES = ("convolve", "correlate", "fftconvolve", "oaconvolve", "convolve2d", "correlate2d",
         "choose_conv_method")
SIGNALTOOLS = sys.modules[inspect.unwrap(scipy.signal.convolve).__module__]
# scipy's functions, taken while unpatched (the autouse fixture checks that).
ORIGINAL = {name: getattr(scipy.signal, name) for name in NAMES}
# What the patch puts in their place: convcore's namesakes, except that
# choose_conv_method answers in scipy's method names.
PATCHED = {name: getattr(convcore, name) for name in NAMES}
PATCHED["choose_conv_method"] = _signal.choose_conv_method_as_scipy


@pytest.fixture(autouse=True)
def _unpatched_around():
    assert _patch._depth == 0 and scipy.signal.convolve is ORIGINAL["convolve"]
    yield
    leaked = _patch._depth
    while _patch._depth:
        convcore.unpatch_scipy()
    assert leaked == 0, "the test left scipy patched"


def _scipy_bindings():
    """``{(module name, key): value}`` of every global in scipy's modules."""
    return {(name, key): value for name, mod in list(sys.modules.items())
            if name == "scipy" or name.startswith("scipy.")
            for key, value in list(getattr(mod, "__dict__", {}).items())}


def _assert_same_bindings(before, after):
    assert before.keys() == after.keys()
    changed = [k for k in before if before[k] is not after[k]]
    assert changed == []


@contextlib.contextmanager
def _calls():
    """The code objects of the Python functions called inside the block."""
    seen = set()
    previous = sys.getprofile()

    def profile(frame, event, arg):
        if event == "call":
            seen.add(frame.f_code)

    sys.setprofile(profile)
    try:
        yield seen
    finally:
        sys.setprofile(previous)


# -- what is rebound -----------------------------------------------------------

def test_patched_names_are_convcore_functions():
    assert _patch.REPLACEMENTS == PATCHED
    with convcore.patch_scipy():
        for name in NAMES:
            assert getattr(scipy.signal, name) is PATCHED[name], name
        for name in ("convolve", "correlate", "fftconvolve", "oaconvolve", "convolve2d",
                     "correlate2d"):
            assert getattr(SIGNALTOOLS, name) is getattr(convcore, name), name
    for name in NAMES:
        assert getattr(scipy.signal, name) is ORIGINAL[name]


def test_every_binding_of_an_original_is_rebound():
    before = _scipy_bindings()
    originals = {id(f): name for name, f in ORIGINAL.items()}
    found = {k: originals[id(v)] for k, v in before.items() if id(v) in originals}
    # scipy.signal, the module defining them, and at least one other module
    # that imported one (scipy.signal._wavelets in scipy 1.17).
    assert len({mod for mod, _ in found}) >= 3
    with convcore.patch_scipy():
        during = _scipy_bindings()
    for (mod, key), name in found.items():
        if mod == SIGNALTOOLS.__name__ and name == "choose_conv_method":
            # Kept for scipy's own convolve, see test_stale_reference_...
            assert during[mod, key] is ORIGINAL[name]
        else:
            assert during[mod, key] is PATCHED[name], (mod, key)
    # Nothing else changed.
    assert [k for k in before if k not in found and during[k] is not before[k]] == []


def test_unpatch_restores_every_binding_exactly():
    before = _scipy_bindings()
    convcore.patch_scipy()
    assert scipy.signal.convolve is convcore.convolve
    convcore.unpatch_scipy()
    _assert_same_bindings(before, _scipy_bindings())


# -- the context manager -------------------------------------------------------

def test_plain_call_stays_patched_until_unpatch():
    convcore.patch_scipy()
    try:
        assert scipy.signal.correlate2d is convcore.correlate2d
        assert scipy.signal.correlate2d is convcore.correlate2d  # still
    finally:
        convcore.unpatch_scipy()
    assert scipy.signal.correlate2d is ORIGINAL["correlate2d"]


def test_with_block_patches_for_the_block_only():
    before = _scipy_bindings()
    with convcore.patch_scipy() as handle:
        assert scipy.signal.oaconvolve is convcore.oaconvolve
        assert "active" in repr(handle)
    assert "undone" in repr(handle)
    _assert_same_bindings(before, _scipy_bindings())


def test_exception_in_the_block_unpatches_and_propagates():
    before = _scipy_bindings()
    with pytest.raises(KeyError, match="boom"):
        with convcore.patch_scipy():
            raise KeyError("boom")
    _assert_same_bindings(before, _scipy_bindings())


def test_undone_handle_cannot_be_entered_again():
    handle = convcore.patch_scipy()
    with handle:
        pass
    with pytest.raises(RuntimeError, match="undone already"):
        with handle:
            pass
    assert scipy.signal.convolve is ORIGINAL["convolve"]


# -- nesting -------------------------------------------------------------------

def test_calls_nest_each_undone_once():
    convcore.patch_scipy()
    convcore.patch_scipy()
    convcore.unpatch_scipy()
    assert scipy.signal.convolve is convcore.convolve  # one call still holds
    convcore.unpatch_scipy()
    assert scipy.signal.convolve is ORIGINAL["convolve"]


def test_nested_with_blocks():
    with convcore.patch_scipy():
        with convcore.patch_scipy():
            assert scipy.signal.fftconvolve is convcore.fftconvolve
        assert scipy.signal.fftconvolve is convcore.fftconvolve  # outer block holds
    assert scipy.signal.fftconvolve is ORIGINAL["fftconvolve"]


def test_with_block_inside_a_plain_patch():
    convcore.patch_scipy()
    with convcore.patch_scipy():
        pass
    assert scipy.signal.convolve2d is convcore.convolve2d
    convcore.unpatch_scipy()
    assert scipy.signal.convolve2d is ORIGINAL["convolve2d"]


def test_unpatch_without_a_patch_does_nothing():
    before = _scipy_bindings()
    convcore.unpatch_scipy()
    convcore.unpatch_scipy()
    _assert_same_bindings(before, _scipy_bindings())
    with convcore.patch_scipy():  # and the count did not go negative
        assert scipy.signal.convolve is convcore.convolve


def test_threads_patching_concurrently():
    """While any thread is inside its block, scipy stays patched, whatever
    the others do; at the end scipy is back."""
    before = _scipy_bindings()
    errors = []
    start = threading.Barrier(8)

    def worker():
        start.wait()
        for _ in range(50):
            with convcore.patch_scipy():
                if scipy.signal.convolve is not convcore.convolve:
                    errors.append("unpatched inside a block")

    workers = [threading.Thread(target=worker) for _ in range(8)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert errors == []
    _assert_same_bindings(before, _scipy_bindings())


# -- scipy's own callers ---------------------------------------------------------

def _wiener_case():
    x = np.random.default_rng(3).standard_normal((40, 33))
    return scipy.signal.wiener, (x, (5, 3)), "correlate"


def _deconvolve_case():
    rng = np.random.default_rng(4)
    signal = np.convolve(rng.standard_normal(50), [1.0, 0.5, 0.25])
    return scipy.signal.deconvolve, (signal, np.array([1.0, 0.5, 0.25])), "convolve"


def _find_peaks_cwt_case():
    t = np.linspace(0, 20, 400)
    x = np.sin(t) + 0.3 * np.sin(3.1 * t)
    return scipy.signal.find_peaks_cwt, (x, np.arange(1, 12)), "convolve"


@pytest.mark.parametrize("case", [_wiener_case, _deconvolve_case, _find_peaks_cwt_case],
                         ids=["wiener", "deconvolve", "find_peaks_cwt"])
def test_scipy_callers_run_on_convcore(case):
    func, args, callee = case()
    convcore_code = getattr(convcore, callee).__code__
    scipy_code = inspect.unwrap(ORIGINAL[callee]).__code__
    with _calls() as seen:
        expected = func(*args)
    assert scipy_code in seen and convcore_code not in seen  # the spy sees scipy
    with convcore.patch_scipy():
        with _calls() as seen:
            got = func(*args)
    assert convcore_code in seen and scipy_code not in seen
    for e, g in zip(*(r if isinstance(r, tuple) else (r,) for r in (expected, got))):
        assert_allclose(g, e, rtol=1e-10, atol=1e-10)


def test_results_equal_unpatched_scipy():
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((30, 20)), rng.standard_normal((4, 7))
    calls = [("convolve", (a, b, "same")), ("correlate", (a, b, "valid")),
             ("fftconvolve", (a, b)), ("oaconvolve", (a, b, "same")),
             ("convolve2d", (a, b, "full", "symm")), ("correlate2d", (a, b, "same", "wrap"))]
    expected = [getattr(scipy.signal, name)(*args) for name, args in calls]
    with convcore.patch_scipy():
        for (name, args), e in zip(calls, expected):
            assert_allclose(getattr(scipy.signal, name)(*args), e, rtol=1e-12, atol=1e-12)
        ints = np.arange(12).reshape(3, 4), np.array([[1, -2], [3, 4]])
        assert_array_equal(scipy.signal.convolve(*ints), ORIGINAL["convolve"](*ints))


# -- choose_conv_method in scipy's method names --------------------------------

SCIPY_METHODS = {"direct", "fft"}

# Candidate problems for each of convcore's own choices; the first that
# convcore.choose_conv_method answers so with is taken (the cost table is
# per machine class).
_CANDIDATES = {
    "oa": [((40_000,), (400,), np.float64), ((40_000,), (800,), np.float64),
           ((100_000,), (1000,), np.float64), ((100_000,), (1000,), np.float32)],
    "im2col": [((64, 64), (3, 3), np.int64), ((64, 64), (3, 3), np.int32),
               ((128, 128), (3, 3), np.int64), ((64, 64), (3, 3), np.uint8)],
}


def _problem(choice):
    """Inputs on which convcore's own 'auto' picks ``choice``."""
    rng = np.random.default_rng(7)
    for s1, s2, dtype in _CANDIDATES[choice]:
        if np.dtype(dtype).kind == "f":
            a, b = rng.standard_normal(s1).astype(dtype), rng.standard_normal(s2).astype(dtype)
        else:
            a, b = rng.integers(0, 5, s1).astype(dtype), rng.integers(-2, 3, s2).astype(dtype)
        if convcore.choose_conv_method(a, b) == choice:
            return a, b
    pytest.fail(f"no candidate problem on which convcore chooses {choice!r}")


@pytest.mark.parametrize("choice, scipy_name", [("oa", "fft"), ("im2col", "direct")])
def test_patched_choose_conv_method_answers_scipy_names(choice, scipy_name):
    """A convolve taken before patching (scipy's, which accepts 'direct' and
    'fft' only) runs the method the patched choose_conv_method names, also
    where convcore's own choice is one of its own methods."""
    stale = ORIGINAL["convolve"]
    a, b = _problem(choice)
    want = stale(a, b, method="direct")
    with convcore.patch_scipy():
        assert convcore.choose_conv_method(a, b) == choice  # keeps its own names
        method = scipy.signal.choose_conv_method(a, b)
        assert method == scipy_name
        got = stale(a, b, method=method)
        assert_allclose(got, want, rtol=1e-9, atol=1e-9 * np.abs(want).max())
        assert got.dtype == want.dtype
        with pytest.raises(ValueError):
            stale(a, b, method=choice)  # what the patch must not answer


@pytest.mark.parametrize("choice", ["oa", "im2col"])
def test_patched_choose_conv_method_measure_names_scipy_methods(choice):
    """measure=True times the names as convolve runs them, and answers the
    fastest: both in scipy's names only."""
    stale = ORIGINAL["convolve"]
    a, b = _problem(choice)
    want = stale(a, b, method="direct")
    with convcore.patch_scipy():
        method, times = scipy.signal.choose_conv_method(a, b, measure=True)
        assert method in SCIPY_METHODS and set(times) == SCIPY_METHODS
        assert method == min(times, key=times.get)
        assert all(t > 0 for t in times.values())
        got = stale(a, b, method=method)
        assert_allclose(got, want, rtol=1e-9, atol=1e-9 * np.abs(want).max())
        assert choice in convcore.choose_conv_method(a, b, measure=True)[1]  # its own names


@pytest.mark.parametrize("a, b", [
    (np.ones(50, bool), np.ones(5, bool)),
    (np.array([2 ** 40, 1]), np.array([2 ** 40, 3])),
    (np.array([1, 2, 3], object), np.array([1, 1], object)),
], ids=["bool", "int beyond 2**52", "object"])
def test_patched_choose_conv_method_times_only_exact_methods(a, b):
    """As convcore's own: no FFT timed or chosen where a float transform
    could get the result wrong (scipy's measure times it anyway)."""
    with convcore.patch_scipy():
        assert scipy.signal.choose_conv_method(a, b) == "direct"
        assert scipy.signal.choose_conv_method(a, b, measure=True)[0] == "direct"
        assert set(scipy.signal.choose_conv_method(a, b, measure=True)[1]) == {"direct"}


def test_patched_choose_conv_method_checks_as_convcore():
    with convcore.patch_scipy():
        with pytest.raises(ValueError, match="mode='foo'"):
            scipy.signal.choose_conv_method(np.ones(5), np.ones(3), mode="foo")
        with pytest.raises(ValueError, match="same dimensionality"):
            scipy.signal.choose_conv_method(np.ones(5), np.ones((3, 3)))
        assert scipy.signal.choose_conv_method(np.array(2.0), np.array(3.0)) == "direct"


# -- what differs from plain scipy (README, "Patching scipy") ---------------------

def test_nan_stays_local_where_convcore_runs_direct():
    """scipy's 'auto' picks the FFT for a 200x200 image and a 5x5 kernel, and
    one NaN makes every output NaN; convcore's model picks a direct method,
    so only the 25 outputs whose window covers the NaN are NaN."""
    rng = np.random.default_rng(8)
    image, kernel = rng.standard_normal((200, 200)), rng.standard_normal((5, 5))
    image[100, 60] = np.nan
    assert ORIGINAL["choose_conv_method"](image, kernel) == "fft"
    assert convcore.choose_conv_method(image, kernel) in ("direct", "im2col")
    with pytest.warns(RuntimeWarning, match="NAN"):
        assert np.isnan(scipy.signal.convolve(image, kernel)).all()
    with convcore.patch_scipy():
        got = scipy.signal.convolve(image, kernel)
        inf_image = np.where(np.isnan(image), np.inf, image)
        got_inf = scipy.signal.convolve(inf_image, np.abs(kernel))
    bad = np.zeros(got.shape, bool)
    bad[100:105, 60:65] = True
    assert_array_equal(np.isnan(got), bad)
    assert_array_equal(np.isinf(got_inf), bad)
    clean = image.copy()
    clean[100, 60] = 0
    assert_allclose(got[~bad], ORIGINAL["convolve"](clean, kernel)[~bad], rtol=1e-9, atol=1e-9)


def test_module_outside_scipy_imported_while_patched_keeps_convcore():
    """Unpatching resets the scipy package's modules only: a module of the
    user's imported inside the block keeps convcore's functions."""
    name = "_convcore_test_user_module"
    user = types.ModuleType(name)
    try:
        with convcore.patch_scipy():
            sys.modules[name] = user
            exec("from scipy.signal import convolve, choose_conv_method", vars(user))
        assert scipy.signal.convolve is ORIGINAL["convolve"]
        assert user.convolve is convcore.convolve
        assert user.choose_conv_method is PATCHED["choose_conv_method"]
    finally:
        sys.modules.pop(name, None)


# -- what is out of reach --------------------------------------------------------

def test_stale_reference_to_scipy_convolve_keeps_working():
    """A reference taken before patching stays scipy's, and keeps scipy's
    choose_conv_method: convcore's may answer 'oa', a method scipy's convolve
    refuses."""
    stale = ORIGINAL["convolve"]
    rng = np.random.default_rng(6)
    with convcore.patch_scipy():
        assert SIGNALTOOLS.choose_conv_method is ORIGINAL["choose_conv_method"]
        for n, k in [(100_000, 1000), (20_000, 600), (3000, 40)]:
            a, b = rng.standard_normal(n), rng.standard_normal(k)
            assert_allclose(stale(a, b), np.convolve(a, b), rtol=1e-9, atol=1e-9)


def test_stale_reference_to_scipy_correlate_calls_convcore_inside():
    stale = ORIGINAL["correlate"]
    a, b = np.arange(30.0), np.array([1.0, 2.0, 4.0])
    with convcore.patch_scipy():
        with _calls() as seen:
            got = stale(a, b)
    assert convcore.convolve.__code__ in seen
    assert_allclose(got, np.correlate(a, b, "full"), rtol=1e-12)


def test_module_imported_while_patched_is_reset():
    """A scipy module imported during the patch binds convcore's functions
    from the patched namespace; unpatching gives it scipy's."""
    name = "scipy._convcore_test_late_import"
    late = types.ModuleType(name)
    try:
        with convcore.patch_scipy():
            sys.modules[name] = late
            exec("from scipy.signal import convolve, correlate2d as c2d", vars(late))
            assert late.convolve is convcore.convolve and late.c2d is convcore.correlate2d
        assert late.convolve is ORIGINAL["convolve"]
        assert late.c2d is ORIGINAL["correlate2d"]
    finally:
        sys.modules.pop(name, None)


def test_binding_changed_by_someone_else_is_left_alone():
    def theirs(*args, **kwargs):
        raise AssertionError("not called")

    try:
        with convcore.patch_scipy():
            scipy.signal.correlate = theirs
        assert scipy.signal.correlate is theirs
        assert scipy.signal.convolve is ORIGINAL["convolve"]
    finally:
        scipy.signal.correlate = ORIGINAL["correlate"]


# -- in a fresh interpreter ------------------------------------------------------

def test_patch_imports_scipy_signal_and_nothing_else(python_subprocess):
    code = """if True:
        import sys
        import convcore
        import scipy.signal
        loaded = set(sys.modules)
        with convcore.patch_scipy():
            assert scipy.signal.convolve is convcore.convolve
        print(sorted(set(sys.modules) - loaded))
    """
    proc = python_subprocess(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_array_api_wrappers_are_rebound_and_restored(python_subprocess):
    """Under SCIPY_ARRAY_API=1 scipy.signal exports delegating wrappers
    around the functions of its defining module: both are rebound."""
    code = """if True:
        import inspect, sys
        import numpy as np
        import scipy.signal
        import convcore
        wrapper = scipy.signal.correlate
        bare = inspect.unwrap(wrapper)
        assert bare is not wrapper
        tools = sys.modules[bare.__module__]
        x = np.random.default_rng(0).standard_normal((20, 20))
        expected = scipy.signal.wiener(x)
        with convcore.patch_scipy():
            assert scipy.signal.correlate is convcore.correlate
            assert tools.correlate is convcore.correlate
            np.testing.assert_allclose(scipy.signal.wiener(x), expected, rtol=1e-10)
        assert scipy.signal.correlate is wrapper and tools.correlate is bare
        print("ok")
    """
    proc = python_subprocess(code, env={"SCIPY_ARRAY_API": "1"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_scipy_test_suite_passes_with_the_patch(python_subprocess):
    """scipy's own tests of these functions (and of wiener, deconvolve,
    find_peaks_cwt) with convcore patched in; the expected failures, each
    with its reason, are listed in _scipy_suite.py."""
    tests_dir = Path(inspect.getfile(scipy)).parent / "signal" / "tests"
    if not (tests_dir / "test_signaltools.py").is_file():
        pytest.skip(f"scipy's tests are not installed in {tests_dir}")
    suite = Path(__file__).with_name("_scipy_suite.py")
    code = f"import runpy; runpy.run_path({str(suite)!r}, run_name='__main__')"
    proc = python_subprocess(code, env={"SCIPY_ARRAY_API": None})
    tail = "\n".join(proc.stdout.splitlines()[-30:])
    assert proc.returncode == 0, tail + proc.stderr[-3000:]
    assert " passed" in tail and "failed" not in tail.lower()
