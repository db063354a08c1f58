"""fftconvolve, oaconvolve and the 'fft'/'oa'/'auto' methods of convolve and
correlate against scipy.signal (results, shapes, dtypes, errors), the FFT
accuracy bound, the overlap-add block plan and thread-count invariance."""
import math
import warnings

import numpy as np
import pytest
import scipy.signal as ss
from scipy.special import lambertw
import scipy.fft as sp_fft

import convcore
from convcore import _fft, _fftconv, _fftline, _oa, _spectral
from convcore._geometry import crop_window
from convcore._signal_methods import METHODS
from convcore._signal_methods import choose as choose_method

RNG = np.random.default_rng(20240501)


def _rand(shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return RNG.random(shape) < 0.5
    if dtype.kind in "iu":
        lo = 0 if dtype.kind == "u" else -20
        return RNG.integers(lo, 20, shape).astype(dtype)
    x = RNG.standard_normal(shape)
    if dtype.kind == "c":
        x = x + 1j * RNG.standard_normal(shape)
    return x.astype(dtype)


def _assert_like(got, expected, scale=None):
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    if expected.dtype.kind in "biu":
        np.testing.assert_array_equal(got, expected)
        return
    eps = np.finfo(expected.dtype).eps
    scale = scale if scale is not None else max(1.0, float(np.abs(expected).max(initial=0)))
    np.testing.assert_allclose(got, expected, rtol=0, atol=200 * eps * scale)


# Shape pairs: ranks 1-4, odd and prime lengths, kernels longer than the
# input, equal shapes, length-1 axes.
SHAPES = [
    ((97,), (13,)), ((13,), (97,)), ((2003,), (257,)), ((64,), (64,)), ((1,), (5,)),
    ((31, 17), (5, 7)), ((5, 7), (31, 17)), ((40, 3), (3, 40)), ((1, 19), (7, 1)),
    ((9, 8, 7), (3, 2, 5)), ((4, 5, 6, 7), (2, 3, 2, 3)),
]
MODES = ["full", "same", "valid"]


@pytest.mark.parametrize("func", ["fftconvolve", "oaconvolve"])
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", ["f8", "f4", "c16", "c8", "i2"])
def test_matches_scipy(func, shapes, mode, dtype):
    a, b = _rand(shapes[0], dtype), _rand(shapes[1], dtype)
    ours, theirs = getattr(convcore, func), getattr(ss, func)
    try:
        expected = theirs(a, b, mode)
    except ValueError as exc:
        with pytest.raises(ValueError):
            ours(a, b, mode)
        assert "valid" in str(exc)
        return
    _assert_like(ours(a, b, mode), expected)


@pytest.mark.parametrize("func", ["fftconvolve", "oaconvolve"])
@pytest.mark.parametrize("s1, s2, axes", [
    ((6, 50), (6, 9), -1), ((6, 50), (1, 9), [1]), ((6, 50), (6, 9), [-1]),
    ((50, 6), (9, 1), 0), ((3, 40, 5), (3, 7, 5), [1]), ((3, 40, 5), (1, 7, 1), 1),
    ((3, 40, 1), (1, 7, 4), [-2]), ((3, 40, 5), (3, 7, 2), [1, -1]), ((8, 40), (3, 400), [0, 1]),
    ((2, 1, 300, 4), (1, 5, 33, 4), (2,)), ((5, 6), (1, 6), None), ((5, 1), (1, 6), None),
])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", ["f8", "c8"])
def test_axes_match_scipy(func, s1, s2, axes, mode, dtype):
    a, b = _rand(s1, dtype), _rand(s2, dtype)
    try:
        expected = getattr(ss, func)(a, b, mode, axes=axes)
    except ValueError:
        with pytest.raises(ValueError):
            getattr(convcore, func)(a, b, mode, axes=axes)
        return
    _assert_like(getattr(convcore, func)(a, b, mode, axes=axes), expected)


@pytest.mark.parametrize("func", ["fftconvolve", "oaconvolve"])
@pytest.mark.parametrize("d1, d2", [("f2", "f2"), ("i1", "f4"), ("?", "?"), ("u1", "i8"),
                                    ("f4", "c16"), ("f4", "c8"), ("g", "f8"), ("?", "c8")])
def test_dtypes_match_scipy(func, d1, d2):
    a, b = _rand((300,), d1), _rand((41,), d2)
    expected = getattr(ss, func)(a, b)
    got = getattr(convcore, func)(a, b)
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("func", ["fftconvolve", "oaconvolve"])
def test_edge_inputs_match_scipy(func):
    ours, theirs = getattr(convcore, func), getattr(ss, func)
    for a, b, kw in [(np.zeros((0, 3)), np.ones((2, 2)), {}), (np.zeros(0), [1.0], {}),
                     (3.0, 4.0, {}), (np.ones((3, 4)), np.ones((1, 1)), {"mode": "same"}),
                     (np.ones((3, 1)), np.ones((1, 4)), {"mode": "valid"}),
                     ([1, 2, 3], [0, 1, 0.5], {}),
                     (np.ones((4, 3))[::-1, ::2], np.ones((2, 2), order="F"), {})]:
        expected = theirs(a, b, **kw)
        got = ours(a, b, **kw)
        assert got.shape == expected.shape and got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, atol=1e-12)


@pytest.mark.parametrize("func", ["fftconvolve", "oaconvolve"])
@pytest.mark.parametrize("args, kw, exc", [
    ((np.ones(3), np.ones((2, 2))), {}, ValueError),
    ((np.ones(3), np.ones(2)), {"mode": "middle"}, ValueError),
    ((np.ones((2, 3)), np.ones((2, 3))), {"axes": []}, ValueError),
    ((np.ones((2, 3)), np.ones((2, 3))), {"axes": 5}, ValueError),
    ((np.ones((2, 3)), np.ones((2, 3))), {"axes": [0, -2]}, ValueError),
    ((np.ones((2, 3)), np.ones((2, 3))), {"axes": 1.5}, ValueError),
    ((np.ones((2, 3)), np.ones((3, 3))), {"axes": 1}, ValueError),
    ((np.ones((3, 5)), np.ones((4, 2))), {"mode": "valid"}, ValueError),
    ((np.array(["a"]), np.array(["b"])), {}, TypeError),
])
def test_errors_match_scipy(func, args, kw, exc):
    with pytest.raises(exc):
        getattr(ss, func)(*args, **kw)
    with pytest.raises(exc):
        getattr(convcore, func)(*args, **kw)


# -- convolve / correlate methods ------------------------------------------

METHOD_SHAPES = [((101,), (7,)), ((7,), (101,)), ((23, 17), (5, 4)), ((6, 5, 4), (3, 3, 2)),
                 ((3, 4, 5, 4), (2, 2, 3, 2))]
METHOD_DTYPES = [("f8", "f8"), ("f4", "f4"), ("c8", "f4"), ("c16", "c16"), ("i4", "i1"),
                 ("u1", "u1"), ("f2", "f2"), ("?", "f8")]


@pytest.mark.parametrize("fname", ["convolve", "correlate"])
@pytest.mark.parametrize("shapes", METHOD_SHAPES, ids=str)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtypes", METHOD_DTYPES, ids=str)
def test_methods_match_scipy_fft(fname, shapes, mode, dtypes):
    a, b = _rand(shapes[0], dtypes[0]), _rand(shapes[1], dtypes[1])
    try:
        expected = getattr(ss, fname)(a, b, mode, method="fft")
    except ValueError:
        for m in ("fft", "oa"):
            with pytest.raises(ValueError):
                getattr(convcore, fname)(a, b, mode, method=m)
        return
    for m in ("fft", "oa"):
        _assert_like(getattr(convcore, fname)(a, b, mode, method=m), expected)


@pytest.mark.parametrize("fname", ["convolve", "correlate"])
@pytest.mark.parametrize("method", ["fft", "oa", "auto"])
def test_bool_results_are_the_direct_answer(fname, method):
    # scipy's FFT path turns the ~1e-17 of an all-zero sum into True.
    for shapes in [((300,), (41,)), ((20, 30), (5, 6))]:
        a, b = _rand(shapes[0], "?"), _rand(shapes[1], "?")
        for mode in MODES:
            direct = getattr(convcore, fname)(a, b, mode, method="direct")
            got = getattr(convcore, fname)(a, b, mode, method=method)
            assert got.dtype == np.bool_
            np.testing.assert_array_equal(got, direct)


def test_oa_runs_overlap_add_and_fft_does_not(monkeypatch):
    """No method silently runs another algorithm."""
    calls = []
    real_oa, real_fft = _oa.oa_window, _spectral.fft_window
    monkeypatch.setattr(_oa, "oa_window", lambda *a: calls.append("oa") or real_oa(*a))
    for module in (_fftconv, _oa):  # the plain FFT, and overlap-add's fallback to it
        monkeypatch.setattr(module, "fft_window", lambda *a: calls.append("fft") or real_fft(*a))
    x, h = RNG.standard_normal(20000), RNG.standard_normal(100)
    convcore.convolve(x, h, method="oa")
    convcore.convolve(x, h, method="fft")
    assert calls == ["oa", "fft"]


def test_fft_nan_warning_as_scipy():
    x = np.array([np.nan, 1.0, 2.0])
    with pytest.warns(RuntimeWarning, match="NAN or inf"):
        ss.convolve(x, [1.0, 1.0], method="fft")
    with pytest.warns(RuntimeWarning, match="NAN or inf"):
        convcore.convolve(x, [1.0, 1.0], method="fft")


def test_method_rejects_empty_and_unknown():
    with pytest.raises(ValueError):
        convcore.convolve(np.zeros((0, 3)), np.ones((2, 2)), method="fft")
    with pytest.raises(ValueError, match="Acceptable method"):
        convcore.convolve([1, 2], [3], method="fftw")
    assert {"direct", "fft", "oa"} <= set(METHODS)


# -- accuracy ---------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
@pytest.mark.parametrize("func, s1, s2", [
    ("fftconvolve", (4099,), (523,)), ("oaconvolve", (50021,), (301,)),
    ("fftconvolve", (61, 67), (13, 11)), ("oaconvolve", (257, 251), (9, 17)),
])
def test_fft_error_bound(dtype, func, s1, s2):
    """|fft - direct| <= C*eps*log2(n)*sum|a|*max|b|, n = a.size + b.size, C = 8."""
    a = _rand(s1, dtype) * 100
    b = _rand(s2, dtype)
    b.flat[0] *= 1e3  # uneven magnitudes
    exact = convcore.convolve(a.astype(np.complex128 if a.dtype.kind == "c" else np.float64),
                              b.astype(np.complex128 if b.dtype.kind == "c" else np.float64),
                              method="direct")
    got = getattr(convcore, func)(a, b)
    eps = np.finfo(dtype).eps
    n = a.size + b.size
    bound = 8 * eps * math.log2(n) * np.abs(a).sum() * np.abs(b).max()
    assert np.abs(got - exact).max() <= bound


# -- the overlap-add plan ---------------------------------------------------

def _scipy_block(s1, s2):
    """scipy's _calc_oa_lens block size and its step count (as oaconvolve
    computes it), or None where scipy does not block."""
    big, small = max(s1, s2), min(s1, s2)
    if s1 == s2 or small == 1 or small >= big / 2:
        return None
    overlap = small - 1
    opt = -overlap * lambertw(-1 / (2 * math.e * overlap), k=-1).real
    n = sp_fft.next_fast_len(math.ceil(opt))
    if n >= big:
        return None
    step = n - small + 1
    steps = math.ceil((big + 1) / step)
    if (n - overlap) * steps < big + small - 1:
        steps += 1
    return n, steps


@pytest.mark.parametrize("s1, s2", [(1_000_000, 1000), (100_000, 64), (20_000, 500), (5000, 3),
                                    (262_144, 63), (4096, 1000), (10_000, 4001), (300, 7)])
def test_oa_plan_no_worse_than_scipy(s1, s2):
    plan, cost = _oa.plan_oa([(s1, s2)], True)
    scipy_plan = _scipy_block(s1, s2)
    if scipy_plan is None:
        n = sp_fft.next_fast_len(s1 + s2 - 1, True)
        scipy_cost = _oa.oa_cost([(n, 1)])
    else:
        scipy_cost = _oa.oa_cost([scipy_plan])
    assert cost <= scipy_cost
    n, steps = plan[0]
    k = min(s1, s2)
    if steps > 1:  # every block's tail meets only the next block
        assert n - k + 1 >= k - 1 and steps * (n - k + 1) >= max(s1, s2)


# -- threads and auto ---------------------------------------------------------

@pytest.mark.parametrize("func, s1, s2", [("fftconvolve", (3001,), (100,)),
                                          ("oaconvolve", (200, 300), (9, 11)),
                                          ("oaconvolve", (80_000,), (200,))])
def test_thread_count_invariance(func, s1, s2):
    a, b = _rand(s1, "f8"), _rand(s2, "f8")
    with convcore.threads(1):
        one = getattr(convcore, func)(a, b)
    with convcore.threads(2):
        two = getattr(convcore, func)(a, b)
    with convcore.threads(3):
        three = getattr(convcore, func)(a, b)
    # The batched forward transform only runs with more than one thread:
    # the same arithmetic, maybe another association inside pocketfft.
    eps = np.finfo(np.float64).eps
    scale = np.abs(a).sum() * np.abs(b).max()
    assert np.abs(one - two).max() <= 8 * eps * math.log2(a.size + b.size) * scale
    np.testing.assert_array_equal(two, three)


@pytest.mark.parametrize("dtypes", [("f8", "f8"), ("f4", "f4"), ("c16", "c8"), ("i8", "i8"),
                                    ("i1", "i1"), ("u2", "u2"), ("?", "?"), ("?", "f8")],
                         ids=str)
@pytest.mark.parametrize("shapes", [((20000,), (700,)), ((3000,), (3000,)), ((120, 130), (15, 15)),
                                    ((30,), (4,))], ids=str)
def test_auto_picks_a_registered_method_with_the_right_answer(dtypes, shapes):
    a, b = _rand(shapes[0], dtypes[0]), _rand(shapes[1], dtypes[1])
    for mode in MODES:
        m = choose_method(a, b, mode)
        assert m in METHODS
        if np.result_type(a, b).kind == "b":
            assert m == "direct"
        direct = convcore.convolve(a, b, mode, method="direct")
        got = convcore.convolve(a, b, mode, method="auto")
        assert got.dtype == direct.dtype and got.shape == direct.shape
        if direct.dtype.kind in "biu":
            np.testing.assert_array_equal(got, direct)
        else:
            _assert_like(got, direct, scale=np.abs(a).sum() * np.abs(b).max())


def test_auto_never_ffts_inexact_integers():
    big = np.full(5000, 2 ** 40, np.int64)
    assert choose_method(big, big, "full") == "direct"
    wraps = np.full(5000, 100, np.int16)  # 5000*100*100 overflows int16
    assert choose_method(wraps, wraps, "full") == "direct"
    np.testing.assert_array_equal(convcore.convolve(wraps, wraps),
                                  convcore.convolve(wraps, wraps, method="direct"))
    small = np.ones(5000, np.int64)
    assert {"fft", "oa"} <= set(convcore.choose_conv_method(small, small, explain=True)[1])


@pytest.mark.parametrize("method", ["fft", "oa"])
def test_length_one_axes_are_a_product_as_in_scipy(method):
    z = np.array([2 ** 62], np.int64)  # the product wraps, as scipy's does
    np.testing.assert_array_equal(convcore.convolve(z, z, method=method),
                                  ss.convolve(z, z, method="fft"))
    a, k = _rand((5, 1, 7), "f8"), _rand((1, 3, 3), "f8")
    for mode in ("full", "same"):
        _assert_like(convcore.convolve(a, k, mode, method=method),
                     ss.convolve(a, k, mode, method="direct"),
                     scale=np.abs(a).sum() * np.abs(k).max())


@pytest.mark.parametrize("func", ["fftconvolve", "oaconvolve"])
def test_mode_message_has_scipys_wording(func):
    with pytest.raises(ValueError, match="^acceptable mode flags are 'valid', 'same', or 'full'"):
        getattr(convcore, func)([1.0], [2.0], mode="chips")
    with pytest.raises(ValueError, match="^Acceptable mode flags"):
        convcore.convolve([1.0], [2.0], mode="chips")


@pytest.mark.parametrize("prune_min", [0, 10 ** 12], ids=["pruned", "whole"])
@pytest.mark.parametrize("dtypes", [("f8", "f8"), ("f4", "c8"), ("c16", "c16"), ("i4", "f8")],
                         ids=str)
@pytest.mark.parametrize("shapes, axes", [
    (((13, 17), (5, 4)), None), (((7, 9, 11), (3, 5, 2)), None),
    (((6, 20, 9), (6, 7, 4)), [1, 2]), (((4, 9, 1, 12), (1, 5, 3, 12)), [1, 2]),
    (((3, 30), (8, 2)), None)], ids=str)
def test_nd_transform_paths_agree_with_scipy(monkeypatch, prune_min, dtypes, shapes, axes):
    """Both ways of transforming N-D inputs (one call per transform, or one
    axis at a time over the occupied lines) give scipy's answer."""
    monkeypatch.setattr(_spectral, "PRUNE_MIN_POINTS", prune_min)
    a, b = _rand(shapes[0], dtypes[0]), _rand(shapes[1], dtypes[1])
    for mode in MODES:
        if mode == "valid" and not all(x >= y for x, y in zip(a.shape, b.shape)):
            continue
        got = convcore.fftconvolve(a, b, mode, axes=axes)
        ref = ss.fftconvolve(a, b, mode, axes=axes)
        assert got.dtype == ref.dtype and got.shape == ref.shape
        _assert_like(got, ref, scale=np.abs(a).sum() * np.abs(b).max())
        if axes is None:
            got = convcore.convolve(a, b, mode, method="fft")
            _assert_like(got, ss.convolve(a, b, mode, method="direct"),
                         scale=np.abs(a).sum() * np.abs(b).max())


@pytest.mark.parametrize("dtypes", [("c16", "f8"), ("c8", "f4"), ("c8", "c8"), ("G", "f8")], ids=str)
@pytest.mark.parametrize("sizes", [(3001, 517), (300, 1100), (40000, 2999), (5, 3)], ids=str)
def test_complex_lines_agree_with_scipy(dtypes, sizes):
    """Complex 1-D inputs: polyphase lines ('split', complex64/128) or one
    transform per line ('line', clongdouble); every thread count gives the
    same bits."""
    a, b = _rand((sizes[0],), dtypes[0]), _rand((sizes[1],), dtypes[1])
    dtype = _spectral.work_dtype(a, b)
    assert _spectral.Plan(a.shape, b.shape, [0], crop_window("full", a.shape, b.shape, [0]),
                          dtype).path == \
        ("line" if dtype == np.clongdouble else "split")
    results = {}
    for threads in (1, 2):
        with convcore.threads(threads):
            results[threads] = [convcore.fftconvolve(a, b, mode) for mode in MODES]
    for x, y in zip(*results.values()):
        np.testing.assert_array_equal(x, y)
    scale = np.abs(a).sum() * np.abs(b).max()
    for mode, got in zip(MODES, results[1]):
        ref = ss.convolve(a.astype(dtype), b.astype(dtype), mode, method="direct")
        assert got.dtype == dtype and got.shape == ref.shape
        _assert_like(got, ref, scale=scale)


# -- lines as polyphase components ---------------------------------------------

def _phase_rows(x, phases, m, dtype):
    """x's polyphase components as (phases, m) rows, zero-padded."""
    z = np.zeros((phases, m), dtype)
    for r in range(phases):
        z[r, :x[r::phases].size] = x[r::phases]
    return z


def test_split_twiddles():
    tw = _fft.split_twiddles(4, 6, 4, np.complex128)
    k = np.arange(4)
    np.testing.assert_allclose(tw, np.exp(-2j * np.pi * np.outer([1, 2, 3], k) / 24), atol=1e-15)
    assert _fft.split_twiddles(4, 6, 6, np.complex128).shape == (3, 6)
    assert _fft.split_twiddles(1, 6, 4, np.complex128) is None
    assert _fft.split_twiddles(2, 5, 3, np.complex64).dtype == np.complex64


@pytest.mark.parametrize("dtype", ["c16", "c8", "f8", "f4"])
@pytest.mark.parametrize("phases", [1, 2, 4])
@pytest.mark.parametrize("m", [1, 2, 3, 8, 17, 1000, 4097])
def test_split_product_gives_the_phases_of_the_convolution(dtype, phases, m):
    """split_product turns the transforms of two lines' polyphase rows
    (complex lines: whole spectra; real lines: half spectra) into the
    spectra of the phases of their circular convolution."""
    dt = np.dtype(dtype)
    real = dt.kind == "f"
    cplx = np.result_type(dt, np.complex64)
    n = phases * m
    for na, nb, scale_b in ((n, n, 1.0), (n, max(n // 3, 1), 1e-3), (1, n, 1e9)):
        a, b = _rand((na,), dtype), (_rand((nb,), dtype) * scale_b).astype(dt)
        z = np.stack([_phase_rows(x, phases, m, dt) for x in (a, b)])
        spec = (sp_fft.rfft(z, axis=2) if real else sp_fft.fft(z, axis=2)).astype(cplx)
        tw = _fft.split_twiddles(phases, m, spec.shape[2], cplx)
        za = spec[0]
        got = _fft.split_product(za, spec[1], m, tw, 2)
        assert got is za and got.shape == (phases, m // 2 + 1 if real else m)
        phased = sp_fft.irfft(got, m, axis=1) if real else sp_fft.ifft(got, axis=1)
        line = phased.T.reshape(-1)
        ref = np.fft.ifft(np.fft.fft(a.astype(complex), n) * np.fft.fft(b.astype(complex), n))
        if real:
            ref = ref.real
        eps = np.finfo(dt).eps
        bound = 8 * eps * math.log2(n + 2) * np.abs(a).sum(dtype=float) * np.abs(b).max()
        np.testing.assert_allclose(line, ref, rtol=0, atol=bound)


@pytest.mark.parametrize("dtype", ["f8", "c16"])
def test_split_product_threads_change_nothing(dtype):
    """Lines long enough for the threaded product give the bits of one
    thread."""
    m = 150000
    a, b = _rand((4 * m - 1,), dtype), _rand((299999,), dtype)
    z = np.stack([_phase_rows(x, 4, m, np.dtype(dtype)) for x in (a, b)])
    spec = sp_fft.rfft(z, axis=2) if dtype == "f8" else sp_fft.fft(z, axis=2)
    tw = _fft.split_twiddles(4, m, spec.shape[2], np.complex128)
    results = [_fft.split_product(spec[0].copy(), spec[1], m, tw, threads) for threads in (1, 2)]
    np.testing.assert_array_equal(*results)


def test_split_product_checks_its_arguments():
    z = np.zeros((2, 2, 4), complex)
    tw = _fft.split_twiddles(2, 4, 4, complex)
    with pytest.raises(TypeError, match="z must be complex"):
        _fft.split_product(z[0].real.copy(), z[1], 4, tw)
    with pytest.raises(ValueError, match="zb must be"):
        _fft.split_product(z[0], z[1].astype(np.complex64), 4, tw)
    with pytest.raises(ValueError, match="zb must be"):
        _fft.split_product(z[0], np.zeros((2, 3), complex), 4, tw)
    with pytest.raises(ValueError, match="must not overlap"):
        _fft.split_product(z[0], z[0], 4, tw)
    with pytest.raises(ValueError, match="tw must be"):
        _fft.split_product(z[0], z[1], 4, tw[:, :3].copy())
    with pytest.raises(ValueError, match="tw must be"):
        _fft.split_product(z[0], z[1], 4, None)
    with pytest.raises(ValueError, match="m=9 or m//2 \\+ 1=5 columns"):
        _fft.split_product(z[0], z[1], 9, tw)
    with pytest.raises(ValueError, match="1, 2 or 4 rows"):
        _fft.split_product(np.zeros((3, 4), complex), np.zeros((3, 4), complex), 4, tw)
    with pytest.raises(ValueError, match="z must not be empty"):
        _fft.split_product(np.zeros((1, 0), complex), np.zeros((1, 0), complex), 0)


REAL_LINE_SHAPES = [((10000,), (10000,)), ((999,), (1,)), ((1, 4001, 1), (1, 77, 1)),
                 ((31,), (700,)), ((2,), (2,)), ((40000,), (3001,))]


@pytest.mark.parametrize("dtype", ["f8", "f4"])
@pytest.mark.parametrize("shapes", REAL_LINE_SHAPES, ids=str)
@pytest.mark.parametrize("magnitudes", [(1.0, 1.0), (1e12, 1e-12), (1e-20, 1e15)], ids=str)
def test_real_lines_keep_the_accuracy_bound(dtype, shapes, magnitudes):
    """Real 1-D inputs as polyphase lines; inputs of very different
    magnitudes stay within the bound of two separate transforms:
    C * eps * log2(n) * sum|a| * max|b| with C = 8 (the inputs users have,
    against scipy's own error: test_fft_accuracy.py)."""
    if dtype == "f4":
        magnitudes = tuple(np.clip(magnitudes, 1e-6, 1e6))
    a = (_rand(shapes[0], "f8") * magnitudes[0]).astype(dtype)
    b = (_rand(shapes[1], "f8") * magnitudes[1]).astype(dtype)
    axes = [a.ndim // 2]
    assert _spectral.Plan(a.shape, b.shape, axes, crop_window("full", a.shape, b.shape, axes),
                          a.dtype).path == "split"
    n = a.size + b.size
    eps = np.finfo(dtype).eps
    for mode in MODES:
        got = convcore.fftconvolve(a, b, mode)
        ref = ss.convolve(a.astype(float), b.astype(float), mode, method="direct")
        assert got.dtype == np.dtype(dtype) and got.shape == ref.shape
        bound = 8 * eps * math.log2(n) * np.abs(a).sum(dtype=float) * np.abs(b).max()
        assert np.abs(got - ref).max(initial=0) <= bound, mode
        got = convcore.convolve(a, b, mode, method="fft")
        assert np.abs(got - ref).max(initial=0) <= bound, mode


def test_real_line_accuracy_cases_cover_every_phase_count():
    """The accuracy cases above run one, two and four polyphase lines, in
    both dtypes."""
    for itemsize in (8, 16):
        seen = {_fftline.split_layout(math.prod(s1) + math.prod(s2) - 1, itemsize)[0]
                for s1, s2 in REAL_LINE_SHAPES}
        assert seen == {1, 2, 4}


def test_small_transforms_stay_on_one_thread(monkeypatch):
    """pocketfft gets convcore's threads only for large transforms; the
    thread count never changes a result."""
    with convcore.threads(2):
        assert _spectral.fft_workers(_spectral.FFT_THREADS_MIN_POINTS - 1) == 1
        assert _spectral.fft_workers(_spectral.FFT_THREADS_MIN_POINTS) == 2
    a, b = _rand((40, 50), "f8"), _rand((9, 7), "f8")
    results = []
    for threshold in (0, 1 << 60):
        monkeypatch.setattr(_spectral, "FFT_THREADS_MIN_POINTS", threshold)
        with convcore.threads(2):
            results.append([f(a, b, "same") for f in (convcore.fftconvolve, convcore.oaconvolve)])
    for x, y in zip(*results):
        np.testing.assert_array_equal(x, y)
