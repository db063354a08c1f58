"""choose_conv_method, the cost model of 'auto' and the opt-in measurement
cache (convcore/_methods.py, _signal_methods.py, _cost_table.py, _wisdom.py)."""
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.signal as ss

import convcore
from convcore import _directconv, _methods, _plans, _signal, _signal_methods, _wisdom
from convcore._geometry import signal_window
from convcore._signal_methods import METHODS, problem_key

ROUNDING = [m for m in METHODS if METHODS[m].rounds]

from conftest import run_python

MODES = ("full", "same", "valid")


def _rand(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind in "iub":
        return rng.integers(0, 2, shape).astype(dtype)
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _brute_macs(s1, s2, mode):
    """Non-zero products of ones(s1) * ones(s2) inside the mode's window."""
    full = ss.convolve(np.ones(s1), np.ones(s2), method="direct")
    shape, start = signal_window(mode, s1, s2)
    return int(round(full[tuple(slice(a, a + n) for a, n in zip(start, shape))].sum()))


@pytest.mark.parametrize("mode", MODES)
def test_direct_macs_counts_every_product_in_the_window(mode):
    for s1, s2 in itertools.product([(1,), (2,), (5,), (8,)], repeat=2):
        for extra1, extra2 in (((), ()), ((3,), (2,)), ((2,), (4,))):
            a, b = extra1 + s1, extra2 + s2
            if mode == "valid" and not (all(x >= y for x, y in zip(a, b))
                                        or all(y >= x for x, y in zip(a, b))):
                continue
            assert _directconv.direct_macs(a, b, mode) == _brute_macs(a, b, mode), (a, b)


def test_direct_features_split_simd_and_edge_work():
    """SIMD dtypes run every column in the row kernel (edges padded, whole
    vectors); the others run the interior there and the edges in a scalar
    loop over the taps that exist."""
    lead = _directconv.direct_macs((40,), (3,), "full")  # multiply-adds per row tap
    a, b = np.zeros((40, 100)), np.zeros((3, 9))
    _, (one, n_out, row_work, simd, edge) = _directconv.features(a, b, "full")
    assert simd == 108 * 9 * lead and edge == 0
    assert n_out == 42 * 108 and row_work == n_out * 3
    ai, bi = a.astype(np.int32), b.astype(np.int32)
    *_, simd, edge = _directconv.features(ai, bi, "full")[1]
    assert simd == 92 * 9 * lead
    assert simd + edge == _directconv.direct_macs(a.shape, b.shape, "full")
    # 'valid' runs every column in the kernel: no edge work.
    assert _directconv.features(ai, bi, "valid")[1][4] == 0


@pytest.mark.parametrize("dtype", ["f4", "f8", "c8", "c16"])
def test_cost_table_covers_every_method_and_grows_with_the_problem(dtype):
    for m in METHODS:
        small = METHODS.estimate(m, _rand((100,), dtype), _rand((10,), dtype), "full")
        large = METHODS.estimate(m, _rand((100_000,), dtype), _rand((1000,), dtype), "full")
        assert small is not None and 0 < small < large, m


def test_dtype_classes():
    assert [_methods.dtype_class(np.dtype(t)) for t in
            ("f2", "f4", "f8", "c8", "c16", "i4", "?", "g", "G")] == \
        ["f4", "f4", "f8", "c8", "c16", "scalar", "scalar", "scalar", "scalar"]


@pytest.mark.parametrize("shapes", [((30,), (4,)), ((20000,), (700,)), ((120, 130), (15, 15)),
                                    ((3000,), (3000,)), ((9, 10, 11), (3, 3, 3))], ids=str)
@pytest.mark.parametrize("mode", MODES)
def test_choose_conv_method_predicts_the_cheapest_estimate(shapes, mode):
    a, b = _rand(shapes[0], "f8"), _rand(shapes[1], "f8")
    name = convcore.choose_conv_method(a, b, mode)
    assert name in METHODS
    again, costs = convcore.choose_conv_method(a, b, mode, explain=True)
    assert again == name
    assert set(costs) == set(METHODS)
    assert all(t > 0 for t in costs.values())
    # the FFT wins near ties: others must beat FFT_MARGIN times its cost
    margined = dict(costs, fft=costs["fft"] * _signal_methods.FFT_MARGIN)
    assert name == min(margined, key=margined.get)


def test_fft_wins_near_ties(monkeypatch):
    """A method modelled a little cheaper than the FFT loses to it; one
    cheaper by more than the margin wins."""
    a, b = _rand((3000,), "f8"), _rand((3000,), "f8")
    assert METHODS.margins == {"fft": 0.9}
    monkeypatch.setattr(METHODS, "_choices", {})
    for oa, choice in ((0.95, "fft"), (0.85, "oa")):
        modelled = {"fft": 1.0, "oa": oa, "direct": 2.0, "im2col": 3.0}
        monkeypatch.setattr(METHODS, "estimate", lambda m, *problem: modelled[m])
        assert METHODS.choose(list(METHODS), f"tie {oa}", a, b, "full") == choice


def test_measure_returns_the_fastest_timed_method():
    a, b = _rand((3000,), "f8"), _rand((200,), "f8")
    name, times = convcore.choose_conv_method(a, b, measure=True)
    assert set(times) == set(METHODS)
    assert all(t > 0 for t in times.values())
    assert name == min(times, key=times.get)


@pytest.mark.parametrize("dtypes", [("?", "?"), ("?", "i1"), ("i8", "i8")])
def test_no_rounding_method_where_integers_could_be_inexact(dtypes):
    a, b = _rand((4000,), dtypes[0]), _rand((4000,), dtypes[1])
    if np.dtype(dtypes[0]).kind == "i":
        a[:] = b[:] = 2 ** 40
    name, times = convcore.choose_conv_method(a, b, measure=True)
    assert set(times).isdisjoint(ROUNDING) and name not in ROUNDING
    _, costs = convcore.choose_conv_method(a, b, explain=True)
    assert set(costs).isdisjoint(ROUNDING)
    assert convcore.choose_conv_method(a, b) not in ROUNDING


def test_small_exact_integers_may_use_rounding_methods():
    a = np.ones(5000, np.int64)
    _, costs = convcore.choose_conv_method(a, a, explain=True)
    assert set(ROUNDING) <= set(costs)


@pytest.mark.parametrize("bad, exc", [
    (dict(mode="circular"), ValueError),
    (dict(in2=np.ones((2, 2))), ValueError),
    (dict(in1=np.ones((3, 5)), in2=np.ones((5, 3)), mode="valid"), ValueError),
    (dict(in1=np.array(["a", "b"])), ValueError),
])
def test_choose_conv_method_rejects_what_convolve_rejects(bad, exc):
    args = dict(in1=np.ones(5), in2=np.ones(3), mode="full")
    args.update(bad)
    with pytest.raises(exc):
        convcore.choose_conv_method(**args)
    with pytest.raises(exc):
        convcore.convolve(**args)


def test_zero_d_inputs():
    assert convcore.choose_conv_method(np.array(2.0), np.array(3.0)) == "direct"
    name, times = convcore.choose_conv_method(np.array(2.0), np.array(3.0), measure=True)
    assert name == "direct" and set(times) == {"direct"}


def test_model_choices_are_cached_per_thread_count(monkeypatch):
    a, b = _rand((20000,), "f8"), _rand((700,), "f8")
    monkeypatch.setattr(METHODS, "_choices", {})
    calls = []
    real = METHODS.estimate_costs
    monkeypatch.setattr(METHODS, "estimate_costs",
                        lambda *args: calls.append(1) or real(*args))
    for _ in range(3):
        _signal_methods.choose(a, b, "full")
    assert len(calls) == 1
    with convcore.threads(convcore.get_num_threads() + 1):
        _signal_methods.choose(a, b, "full")
    assert len(calls) == 2


def test_plans_are_kept_per_signature(monkeypatch):
    """A floating call's plan is reused by the next call of the same
    signature (whatever the values and strides), a new thread count or
    dtype makes a new one, integer results are never planned (their method
    depends on the values), and the opt-in measured cache bypasses plans."""
    monkeypatch.setattr(_plans, "_plans", {})
    made = []
    real_make = _signal._make_plan
    monkeypatch.setattr(_signal, "_make_plan",
                        lambda *args: made.append(args[0]) or real_make(*args))
    a, b = _rand((300,), "f8"), _rand((7,), "f8")
    strided = np.repeat(a, 2)[::2]
    for fn in ("convolve", "correlate"):
        for x, y in ((a, b), (a[::-1] * 2, b * 3), (strided, b), (a.astype("f4"), b)):
            for _ in range(2):
                got = getattr(convcore, fn)(x, y, "same")
                np.testing.assert_allclose(got, getattr(ss, fn)(x, y, "same"), atol=1e-5)
    # per function: f8 and f4 inputs
    assert made == ["convolve", "convolve", "correlate", "correlate"]
    with convcore.threads(convcore.get_num_threads() + 1):
        convcore.convolve(a, b)
        convcore.convolve(a, b)
    assert len(made) == 5
    ints = np.arange(300), np.arange(7)
    convcore.convolve(*ints)
    convcore.convolve(*ints)
    assert len(made) == 7
    monkeypatch.setattr(_wisdom, "PATH", "/nonexistent/wisdom.json")
    convcore.convolve(a, b, "same")
    assert len(made) == 8


# --------------------------------------------------------------------------
# The opt-in measurement cache

def test_cache_is_off_by_default():
    out = run_python("import convcore, numpy as np\n"
                     "from convcore import _wisdom\n"
                     "convcore.choose_conv_method(np.ones(50), np.ones(5), measure=True)\n"
                     "print(_wisdom.PATH)", env={"CONVCORE_WISDOM": None})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "None"


def test_measured_choice_is_reused_by_auto(tmp_path, monkeypatch):
    file = str(tmp_path / "wisdom.json")
    monkeypatch.setattr(_wisdom, "PATH", file)
    a, b = _rand((64,), "f8"), _rand((5,), "f8")
    assert _signal_methods.choose(a, b, "same") == "direct"
    # A recorded measurement wins over the model (here a made-up one).
    _wisdom.record(problem_key(a, b, "same"), "oa", {"direct": 2.0, "oa": 1.0})
    assert _signal_methods.choose(a, b, "same") == "oa"
    assert _signal_methods.choose(a, b, "full") == "direct"      # another mode
    assert _signal_methods.choose(a.astype("f4"), b.astype("f4"), "same") == "direct"
    np.testing.assert_allclose(convcore.convolve(a, b, "same"), ss.convolve(a, b, "same"))
    name, times = convcore.choose_conv_method(a, b, "same", measure=True)
    data = json.load(open(file))
    entry = data["entries"][_wisdom._full_key(problem_key(a, b, "same"))]
    assert entry == {"method": name, "times": times}
    assert _signal_methods.choose(a, b, "same") == name


def test_a_recorded_rounding_method_is_not_used_for_inexact_integers(tmp_path, monkeypatch):
    monkeypatch.setattr(_wisdom, "PATH", str(tmp_path / "w.json"))
    a = np.full(100, 2 ** 40, np.int64)
    _wisdom.record(problem_key(a, a, "full"), "fft", {"fft": 1.0})
    assert _signal_methods.choose(a, a, "full") not in ROUNDING


def test_unreadable_cache_is_ignored(tmp_path, monkeypatch):
    file = tmp_path / "w.json"
    file.write_text("{not json")
    monkeypatch.setattr(_wisdom, "PATH", str(file))
    a, b = np.ones(64), np.ones(5)
    assert _signal_methods.choose(a, b, "full") == "direct"
    _wisdom.record(problem_key(a, b, "full"), "fft", {"fft": 1.0})
    assert _signal_methods.choose(a, b, "full") == "fft"


def test_concurrent_processes_keep_every_entry(tmp_path):
    file = str(tmp_path / "shared.json")
    code = ("import numpy as np, convcore\n"
            "from convcore import _wisdom\n"
            "import sys\n"
            "k = int(sys.argv[1])\n"
            "for i in range(15):\n"
            "    _wisdom.record(f'full|{100 * k + i}', 'direct', {'direct': 1.0})\n")
    root = str(Path(convcore.__file__).resolve().parent.parent)
    env = dict(os.environ, CONVCORE_WISDOM=file, PYTHONPATH=root)
    procs = [subprocess.Popen([sys.executable, "-c", code, str(k)], env=env, cwd=root)
             for k in range(4)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    entries = json.load(open(file))["entries"]
    assert len(entries) == 60


def test_cache_path_comes_from_the_environment(tmp_path):
    file = str(tmp_path / "env.json")
    out = run_python("import convcore, numpy as np\n"
                     "print(convcore.choose_conv_method(np.ones(40), np.ones(4), measure=True)[0])",
                     env={"CONVCORE_WISDOM": file})
    assert out.returncode == 0, out.stderr
    assert len(json.load(open(file))["entries"]) == 1


def test_a_product_without_convolution_axes_is_not_modelled_as_free():
    # (397,) * (1,): 'fft' is a broadcast product there, yet still costs a
    # call; the direct method is the cheaper choice.
    a, b = _rand((397,), "c8"), _rand((1,), "c8")
    _, costs = convcore.choose_conv_method(a, b, "same", explain=True)
    assert costs["fft"] > costs["direct"]
    assert convcore.choose_conv_method(a, b, "same") == "direct"
