"""The benchmark runner's maths on fake clocks and callables (convcore.bench).

Nothing here times real code: every duration comes from a fake clock that
the fake competitors advance, so the tests are exact and fast.
"""
import contextlib
import importlib.util
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from scipy import signal

from convcore.bench import _cli, _contention, _machine, _report, _runner, _timing
from convcore.bench._runner import Case, Missing, Settings

import convcore

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(convcore.__file__)))   # this convcore's


def _load_run():
    path = os.path.join(BENCH, "run.py")
    spec = importlib.util.spec_from_file_location("convcore_bench_run", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run = _load_run()


class FakeClock:
    """A timer; ``work(seconds)`` is a competitor that advances it."""

    def __init__(self):
        self.now = 0.0
        self.log = []

    def __call__(self):
        return self.now

    def work(self, seconds, label=None, result=None):
        durations = iter(seconds) if isinstance(seconds, (list, tuple)) else None

        def fn():
            self.now += next(durations) if durations else seconds
            if label is not None:
                self.log.append(label)
            return result
        return fn


def fake_settings(**kw):
    kw.setdefault("rounds", 5)
    kw.setdefault("settle", False)
    return Settings(**kw)


# ---------------------------------------------------------------- statistics

def test_median_odd_even_and_unsorted():
    assert _timing.median([3.0]) == 3.0
    assert _timing.median([5, 1, 3]) == 3
    assert _timing.median([4, 1, 3, 2]) == 2.5


@pytest.mark.parametrize("q", [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1])
def test_quantile_matches_numpy(q):
    xs = [0.3, 7.0, 1.5, 2.25, 9.0, 4.0]
    assert _timing.quantile(xs, q) == pytest.approx(np.quantile(xs, q))


def test_spread_is_iqr_over_median():
    xs = [1.0, 2.0, 3.0, 4.0, 5.0]           # q1 2, q3 4, median 3
    assert _timing.spread(xs) == pytest.approx(2 / 3)
    assert _timing.spread([2.0]) == 0.0


def test_quantile_of_nothing_raises():
    with pytest.raises(ValueError):
        _timing.quantile([], 0.5)


# ------------------------------------------------------------------- timing

def test_calibrate_reaches_min_time():
    clock = FakeClock()
    n, per_call = _timing.calibrate(clock.work(0.5e-3), min_time=2e-3, timer=clock)
    assert n * per_call >= 2e-3
    assert per_call == pytest.approx(0.5e-3)
    assert n == 4 or n == 5     # 1 call, then enough for 1.2 x min_time


def test_calibrate_slow_callable_is_one_call():
    clock = FakeClock()
    assert _timing.calibrate(clock.work(0.1), min_time=2e-3, timer=clock) == (1, 0.1)


def test_calibrate_respects_max_inner():
    clock = FakeClock()
    n, _ = _timing.calibrate(clock.work(1e-9), min_time=2e-3, timer=clock, max_inner=64)
    assert n == 64


def test_sample_is_median_of_inner_loop_after_untimed_call():
    clock = FakeClock()
    # first (untimed warm-up) call is slow, then 1, 9, 2 ms: median 2 ms
    fn = clock.work([50e-3, 1e-3, 9e-3, 2e-3])
    assert _timing.sample(fn, 3, timer=clock) == pytest.approx(2e-3)
    fn = clock.work([1e-3, 9e-3, 2e-3])
    assert _timing.sample(fn, 3, timer=clock, warm=False) == pytest.approx(2e-3)


def test_interleaving_is_round_robin():
    clock = FakeClock()
    comps = {"A": clock.work(1e-3, "A"), "B": clock.work(4e-3, "B"), "C": clock.work(3e-3, "C")}
    timings = _timing.time_interleaved(comps, 3, min_time=2e-3, timer=clock, warm=False)
    # A: 1 call (1 ms < 2 ms), then ceil(1.2 x 2 ms / 1 ms) = 3 calls; B, C: 1 call
    assert {k: t.inner for k, t in timings.items()} == {"A": 3, "B": 1, "C": 1}
    calibration = ["A"] * 4 + ["B", "C"]
    rounds = (["A", "A", "A", "B", "C"]) * 3
    assert clock.log == calibration + rounds
    assert all(len(t.samples) == 3 for t in timings.values())
    assert timings["B"].median == pytest.approx(4e-3)


def test_shuffled_rounds_vary_the_order():
    """Each round runs every competitor once, in an order drawn from the
    seed: the same for the same seed, and A does not always follow C."""
    logs = []
    for _ in range(2):
        clock = FakeClock()
        comps = {k: clock.work(3e-3, k) for k in "ABC"}
        _timing.time_interleaved(comps, 12, timer=clock, warm=False, shuffle=5)
        logs.append(clock.log)
    assert logs[0] == logs[1]
    rounds = [logs[0][3 + 3 * i:6 + 3 * i] for i in range(12)]
    assert all(sorted(r) == list("ABC") for r in rounds)
    assert len({tuple(r) for r in rounds}) > 1
    seq = logs[0][3:]
    assert len({seq[i - 1] for i in range(1, len(seq)) if seq[i] == "A"}) > 1


def test_contexts_wrap_calibration_and_samples_of_their_label():
    """A context (convcore.threads(1)) holds for every call of its label,
    and for no call of the others."""
    clock = FakeClock()
    state = {"threads": 2}
    seen = {"A": set(), "B": set()}

    @contextlib.contextmanager
    def one_thread():
        before, state["threads"] = state["threads"], 1
        try:
            yield
        finally:
            state["threads"] = before

    def work(label):
        def fn():
            seen[label].add(state["threads"])
            clock.now += 1e-3 * state["threads"]
        return fn
    t = _timing.time_interleaved({"A": work("A"), "B": work("B")}, 3, min_time=2e-3,
                                 timer=clock, contexts={"A": one_thread})
    assert seen == {"A": {1}, "B": {2}} and state["threads"] == 2
    assert t["A"].median == pytest.approx(1e-3) and t["B"].median == pytest.approx(2e-3)


def test_settle_runs_before_every_calibration_and_sample():
    clock = FakeClock()
    calls = []
    comps = {"A": clock.work(3e-3, "A"), "B": clock.work(3e-3, "B")}
    _timing.time_interleaved(comps, 2, timer=clock, settle=lambda: calls.append(len(clock.log)),
                             warm=False)
    # before A's and B's calibration, then before each of the 4 samples
    assert calls == [0, 1, 2, 3, 4, 5]


def test_slow_competitor_limited_by_budget_and_max_rounds():
    clock = FakeClock()
    comps = {"fast": clock.work(3e-3), "slow": clock.work(0.5), "capped": clock.work(3e-3)}
    t = _timing.time_interleaved(comps, 10, budget=1.0, min_rounds=3,
                                 max_rounds={"capped": 4}, timer=clock, warm=False)
    assert len(t["fast"].samples) == 10
    assert len(t["slow"].samples) == 3          # budget allows 2: min_rounds wins
    assert len(t["capped"].samples) == 4


def test_quiesce_waits_while_cpu_is_used():
    cpu_per_chunk = iter([5e-3, 4e-3, 0.0, 5e-3])   # spinning, spinning, quiet
    state = {"cpu": 0.0}

    def sleep(dt):
        state["cpu"] += next(cpu_per_chunk)
    waited = _timing.quiesce(chunk=5e-3, max_wait=1, cpu=lambda: state["cpu"], sleep=sleep)
    assert waited == pytest.approx(15e-3)
    busy = _timing.quiesce(chunk=5e-3, max_wait=20e-3, cpu=lambda: state["cpu"],
                           sleep=lambda dt: state.__setitem__("cpu", state["cpu"] + dt))
    assert busy == pytest.approx(20e-3)


# --------------------------------------------------------------- arithmetic

def test_ratio_gflops_and_bandwidth():
    assert _runner.ratio(30e-3, 2e-3) == pytest.approx(15.0)
    assert _runner.gflops(2e9, 0.5) == pytest.approx(4.0)
    assert _runner.gbps(3e9, 1.5) == pytest.approx(2.0)
    assert _runner.copy_gbps(1e9, 1.0) == pytest.approx(2.0)   # read + write
    assert _runner.ratio(1.0, 0.0) is None
    assert _runner.gflops(1.0, None) is None


def test_verdict():
    assert _runner.verdict(10.0, 10) == "PASS"
    assert _runner.verdict(9.99, 10) == "FAIL"
    assert _runner.verdict(3.0, None) == "info"
    assert _runner.verdict(None, 2.0) == ""


@pytest.mark.parametrize("mode, expected", [("full", 4 * 3), ("same", 10), ("valid", 2 * 3)])
def test_direct_flops_1d(mode, expected):
    assert _runner.direct_flops((4,), (3,), mode) == 2 * expected


def test_direct_flops_matches_brute_force():
    rng = np.random.default_rng(1)
    for _ in range(20):
        shape = tuple(rng.integers(1, 7, size=2))
        kshape = tuple(rng.integers(1, 5, size=2))
        for mode in ("full", "same", "valid"):
            if mode == "valid" and not all(n >= k for n, k in zip(shape, kshape)):
                continue
            # products of the direct algorithm: one full output of ones per tap
            x = np.ones(shape)
            count = 0
            for j in np.ndindex(*kshape):
                k = np.zeros(kshape)
                k[j] = 1
                count += signal.convolve(x, k, mode=mode, method="direct").sum()
            assert _runner.direct_flops(shape, kshape, mode) == 2 * count


def test_bytes_moved_and_output_shape():
    assert _runner.conv_output_shape((10, 8), (3, 5), "full") == (12, 12)
    assert _runner.conv_output_shape((10, 8), (3, 5), "same") == (10, 8)
    assert _runner.conv_output_shape((10, 8), (3, 5), "valid") == (8, 4)
    assert _runner.bytes_moved((512, 512), (5, 5), "same", 8) == 8 * (2 * 512 * 512 + 25)
    assert _runner.bytes_moved((100,), (31,), "full", 4) == 4 * (100 + 31 + 130)


def test_outputs_match():
    ref = np.arange(12.0).reshape(3, 4)
    assert _runner.outputs_match(ref + 1e-12, ref, 1e-8) == (True, "")
    assert _runner.outputs_match(ref.reshape(1, 1, 3, 4), ref, 1e-8)[0]   # torch's (N, C, ...)
    ok, why = _runner.outputs_match(ref[:, ::-1], ref, 1e-8)
    assert not ok and "difference" in why
    ok, why = _runner.outputs_match(ref[:2], ref, 1e-8)
    assert not ok and "shape" in why


def test_outputs_match_tuples_element_by_element():
    vals, idx = np.arange(6.0), np.arange(6)
    assert _runner.outputs_match((vals, idx), (vals, idx), 1e-8) == (True, "")
    assert _runner.outputs_match([vals, idx], (vals, idx), 1e-8)[0]
    ok, why = _runner.outputs_match((vals, idx[::-1]), (vals, idx), 1e-8)
    assert not ok and why.startswith("output 1:")
    ok, why = _runner.outputs_match(vals, (vals, idx), 1e-8)
    assert not ok and "2 outputs expected" in why
    ok, why = _runner.outputs_match((vals,), (vals, idx), 1e-8)
    assert not ok and "got 1" in why
    ok, why = _runner.outputs_match(np.arange(3) * 1j + 1j, np.arange(3) * 1j, 1e-8)
    assert not ok and "|difference| 1 " in why       # complex: the imaginary part counts


# ---------------------------------------------------------------- run_case

class FakeMachine:
    peak_gflops = {"float64": 100.0, "float32": 200.0}
    dram_gbps = 10.0


def _fake_case(clock, **kw):
    out = np.ones(4)

    def setup():
        return {"convcore": clock.work(1e-3, "convcore", out),
                "fast peer": clock.work(4e-3, "fast peer", out),
                "slow peer": clock.work(20e-3, "slow peer", out),
                "info peer": clock.work(2e-3, "info peer", out),
                "wrong peer": clock.work(3e-3, "wrong peer", -out),
                "absent": Missing(),
                "broken": lambda: 1 / 0}
    base = dict(name="fake", section="fake", setup=setup, flops=4e6, bytes=8e6,
                dtype="float64", input_nbytes=1_000_000,
                targets={"fast peer": 5, "slow peer": 5, "wrong peer": 2, "absent": 3})
    base.update(kw)
    return Case(**base)


def test_run_case_arithmetic_and_verdicts():
    clock = FakeClock()
    case = _fake_case(clock, bandwidth_target=0.95)
    res = _runner.run_case(case, fake_settings(), FakeMachine(), timer=clock,
                           make_copy=lambda nbytes: clock.work(nbytes * 2 / 4e9), threads=2)
    cc = res.row("convcore")
    assert cc.role == "subject" and cc.timing.median == pytest.approx(1e-3)
    assert cc.gflops == pytest.approx(4.0)                    # 4e6 flop / 1 ms
    assert cc.pct_peak == pytest.approx(0.04)                 # of the float64 peak
    assert cc.gbps == pytest.approx(8.0)                      # 8e6 B / 1 ms
    copy = res.row(_runner.COPY_LABEL)
    assert copy.gbps == pytest.approx(4.0) and copy.role == "reference"
    assert cc.pct_copy_a == pytest.approx(2.0)
    assert cc.pct_copy_b == pytest.approx(0.8)
    assert res.bandwidth_ratio == pytest.approx(2.0) and res.bandwidth_verdict == "PASS"

    fast, slow, info = res.row("fast peer"), res.row("slow peer"), res.row("info peer")
    assert fast.ratio == pytest.approx(4.0) and fast.verdict == "FAIL"
    assert slow.ratio == pytest.approx(20.0) and slow.verdict == "PASS"
    assert info.ratio == pytest.approx(2.0) and info.verdict == "info"
    assert fast.gflops == pytest.approx(1.0)

    wrong = res.row("wrong peer")           # timed, but invalid: no ratio, never a PASS
    assert wrong.matches is False and fast.matches is True
    assert wrong.timing.median == pytest.approx(3e-3)
    assert wrong.ratio is None and wrong.verdict == "INVALID"
    assert any("wrong peer computes different numbers" in w for w in res.warnings)
    assert res.row("absent").status == "not installed" and res.row("absent").timing is None
    assert res.row("broken").status.startswith("error: ZeroDivisionError")
    assert sorted(res.verdicts()) == sorted([("fast peer", "FAIL"), ("slow peer", "PASS"),
                                             ("wrong peer", "INVALID"),
                                             ("bandwidth vs copy(a)", "PASS")])

    text = _report.format_case(res)
    for needle in ("convcore", "not installed", "FAIL", "PASS", "info", "20.00x", ">=5x",
                   "WARNING", "wrong peer*", "INVALID*", "error: ZeroDivisionError"):
        assert needle in text
    json.dumps(res.to_dict())                                 # serialisable


def test_run_case_interleaves_all_competitors():
    clock = FakeClock()
    case = _fake_case(clock)
    _runner.run_case(case, fake_settings(rounds=2, min_time=1e-3, shuffle=None), timer=clock,
                     make_copy=None)
    # warm-up + calibration first, then per round: each competitor once
    # (a 1 ms sample is one call; warm=True adds one untimed call)
    round_order = ["convcore", "convcore", "fast peer", "fast peer", "slow peer", "slow peer",
                   "info peer", "info peer", "wrong peer", "wrong peer"]
    assert clock.log[-2 * len(round_order):] == round_order * 2


def test_run_case_draws_each_rounds_order_by_default():
    clock = FakeClock()
    case = _fake_case(clock)
    rounds = 6
    _runner.run_case(case, fake_settings(rounds=rounds, min_time=1e-3), timer=clock,
                     make_copy=None)
    timed = clock.log[-2 * 5 * rounds:][::2]   # each sample: an untimed call, then one timed
    orders = [tuple(timed[i:i + 5]) for i in range(0, len(timed), 5)]
    assert all(sorted(o) == sorted(orders[0]) for o in orders)   # each competitor once a round
    assert len(set(orders)) > 1                                  # not always the same order


def test_run_case_checks_tuple_outputs_and_their_dtypes():
    clock = FakeClock()
    vals, idx = np.ones(4, np.float32), np.arange(4)

    def setup():
        return {"convcore": clock.work(1e-3, result=(vals, idx)),
                "same": clock.work(2e-3, result=(vals.copy(), idx.copy())),
                "int32 indices": clock.work(2e-3, result=(vals, idx.astype(np.int32))),
                "other indices": clock.work(2e-3, result=(vals, idx[::-1]))}
    case = Case(name="tuple", section="fake", setup=setup, flops=1, bytes=1,
                dtype="float32", input_nbytes=0)
    res = _runner.run_case(case, fake_settings(rounds=1), timer=clock, make_copy=None)
    assert res.row("same").matches and res.row("int32 indices").matches
    assert res.row("other indices").matches is False
    assert any("other indices computes different numbers" in w and "output 1" in w
               for w in res.warnings)
    assert [w for w in res.warnings if "returns" in w] == [
        "int32 indices returns (float32, int32), convcore (float32, int64)"]


def test_run_case_without_subject_has_no_ratios():
    clock = FakeClock()
    case = _fake_case(clock, subject="missing subject")
    res = _runner.run_case(case, fake_settings(), FakeMachine(), timer=clock, make_copy=None)
    assert all(r.ratio is None for r in res.rows)
    assert any("missing subject did not run" in w for w in res.warnings)


# ------------------------------------------------------------ registration

CASES_FOO = '''
from convcore.bench._runner import Case
SUITE = "pool"
ORDER = 5
CASES = [Case(name="foo_small", section="foo", setup=lambda: {}, flops=1, bytes=1,
              dtype="float32", input_nbytes=1)]
'''


def test_discover_and_load_section(tmp_path):
    found = _runner.discover_sections()
    assert set(found) == {"methods", "signal", "fft", "nn", "local", "pool"}
    assert found["nn"] == "convcore.bench._cases_nn"
    assert {_runner.load_section(name, src).suite for name, src in found.items()} == set(
        _runner.SUITES)
    (tmp_path / "cases_foo.py").write_text(CASES_FOO)
    sec = _runner.load_section("foo", str(tmp_path / "cases_foo.py"))
    assert sec.name == "foo" and sec.order == 5 and [c.name for c in sec.cases] == ["foo_small"]
    assert sec.geomean_targets == {} and sec.suite == "pool" and sec.cases[0].suite == "pool"


def test_load_section_reads_geomean_targets(tmp_path):
    path = tmp_path / "cases_foo.py"
    path.write_text(CASES_FOO + 'GEOMEAN_TARGETS = {"torch": 3.0}\n')
    assert _runner.load_section("foo", str(path)).geomean_targets == {"torch": 3.0}
    bad = tmp_path / "cases_bad.py"
    bad.write_text(CASES_FOO.replace('"foo"', '"bad"') + 'GEOMEAN_TARGETS = {"torch": 0}\n')
    with pytest.raises(ValueError, match="GEOMEAN_TARGETS"):
        _runner.load_section("bad", str(bad))


def test_load_section_rejects_wrong_section(tmp_path):
    path = tmp_path / "cases_baz.py"
    path.write_text(CASES_FOO)          # declares section "foo"
    with pytest.raises(ValueError, match="expected 'baz'"):
        _runner.load_section("baz", str(path))


def test_cli_select_cases(tmp_path, monkeypatch):
    pkg = tmp_path / "fakebenchpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "_cases_foo.py").write_text(CASES_FOO)
    (pkg / "_cases_zed.py").write_text(
        CASES_FOO.replace('"foo"', '"zed"').replace("ORDER = 5", "ORDER = 1"))
    (pkg / "_cases_sig.py").write_text(
        CASES_FOO.replace('"foo"', '"sig"').replace('SUITE = "pool"', 'SUITE = "signal"')
        .replace("dtype=", "quick=False, dtype="))
    monkeypatch.syspath_prepend(str(tmp_path))

    def names(argv):
        return [s.name for s in _cli.select_cases(_cli.parse_args(argv), "fakebenchpkg")]
    assert names([]) == ["sig", "zed", "foo"]           # suite order, then ORDER
    assert names(["pool"]) == ["zed", "foo"] == names(["--suite", "pool"])
    assert names(["--quick"]) == ["zed", "foo"]         # sig's case is not quick
    assert names(["--case", "nomatch"]) == []
    assert names(["--case", "foo_sm"]) == ["sig", "zed", "foo"]
    assert names(["--case", "foo_sm="]) == [] and names(["--case", "foo_small="]) != []
    with pytest.raises(SystemExit):
        _cli.parse_args(["nope"])


def test_fft_and_pool_sections_load():
    found = _runner.discover_sections()
    fft = _runner.load_section("fft", found["fft"])
    assert len(fft.cases) == 6 and fft.geomean_targets == {}
    assert sum(bool(c.targets) for c in fft.cases) == 4  # the section's four speed targets
    # the 1-D case: the 1.8x target against the faster scipy peer is on both
    assert fft.cases[0].targets == {"scipy.signal.fftconvolve": 1.8,
                                    "scipy.signal.oaconvolve": 1.8}
    pool = _runner.load_section("pool", found["pool"])
    assert pool.geomean_targets == {"torch": 3.0} and len(pool.cases) == 5
    for c in pool.cases:
        assert list(c.targets.values()) == [1.5] and c.bandwidth_target == 0.5
        assert all(label.startswith("torch") for label in c.targets)
    by_name = {c.name: c for c in pool.cases}
    x, half = 8 * 64 * 112 * 112, 8 * 64 * 56 * 56
    assert by_name["maxpool2d_k2s2_indices_f32"].bytes == 4 * x + (4 + 8) * half
    assert by_name["maxpool2d_k3s2p1_grad_f32"].bytes == 4 * half + 4 * x + 4 * x


def test_local_section_cases_and_their_outputs():
    found = _runner.discover_sections()
    local = _runner.load_section("local", found["local"])
    assert [c.name for c in local.cases] == [
        "local_conv2d_3x3_64to64_28_n8", "local_conv2d_input_3x3_64to64_28_n8",
        "local_conv2d_weight_3x3_64to64_28_n8"]
    weight = 26 * 26 * 64 * 64 * 9
    x, y = 8 * 64 * 28 * 28, 8 * 64 * 26 * 26
    for c in local.cases:
        assert c.bandwidth_target == 0.5 and c.targets == {}
        assert c.input_nbytes == 4 * weight and c.bytes == 4 * (weight + x + y)
        assert c.flops == 2 * 8 * 64 * 26 * 26 * 64 * 9
    # the NumPy peer computes the forward's numbers
    mod = sys.modules["convcore.bench._cases_local"]
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((2, 3, 6, 5), dtype=np.float32)
    w = rng.standard_normal((4, 3, 2, 3, 3, 3), dtype=np.float32)
    import convcore.nn as nn
    np.testing.assert_allclose(mod._numpy_local_conv2d(xs, w), nn.local_conv2d(xs, w),
                               rtol=1e-4, atol=1e-4)


# ------------------------------------------------------------- section nn

def _nn():
    """The nn section and its module."""
    found = _runner.discover_sections()
    return _runner.load_section("nn", found["nn"]), sys.modules[found["nn"]]


# The 3x3 and 3-tap stride-1 layers Winograd's method covers: 1.2x torch on
# an AVX-512 machine, 1.5x on an AVX2 one.
WINO = "winograd"
NN_CASES = {   # name: (N, C_in, C_out, spatial, kernel, stride, padding, groups, target)
    "conv2d_3x3_64to64_56_n1": (1, 64, 64, (56, 56), 3, 1, 1, 1, WINO),
    "conv2d_3x3_64to64_56_n8": (8, 64, 64, (56, 56), 3, 1, 1, 1, WINO),
    "conv2d_1x1_256to64_56_n8": (8, 256, 64, (56, 56), 1, 1, 0, 1, 1.5),
    "conv2d_7x7s2_3to64_224_n8": (8, 3, 64, (224, 224), 7, 2, 3, 1, 0.7),
    "conv2d_3x3_256to256_14_n8": (8, 256, 256, (14, 14), 3, 1, 1, 1, WINO),
    "conv2d_dw3x3_128_56_n8": (8, 128, 128, (56, 56), 3, 1, 1, 128, 3.0),
    "conv2d_3x3s2_128to256_28_n8": (8, 128, 256, (28, 28), 3, 2, 1, 1, 0.7),
    "conv1d_k9_64to64_4096_n8": (8, 64, 64, (4096,), 9, 1, 4, 1, 0.7),
    "conv1d_k3_256to256_4096_n8": (8, 256, 256, (4096,), 3, 1, 1, 1, WINO),
    "conv3d_3x3x3_16to32_32_n2": (2, 16, 32, (32, 32, 32), 3, 1, 1, 1, 0.7),
    "conv2d_31x31_16to16_128_n4": (4, 16, 16, (128, 128), 31, 1, 15, 1, 0.7),
}


# name: (the forward convolution: N, C_in, C_out, spatial, kernel, stride,
# padding), kind, torch op
NN_BACKWARD_CASES = {
    "conv_transpose2d_k4s2_64to32_28_n8": ((8, 32, 64, (56, 56), 4, 2, 1), "transpose",
                                           "conv_transpose2d"),
    "conv2d_input_3x3_64to64_56_n8": ((8, 64, 64, (56, 56), 3, 1, 1), "input",
                                      "conv2d_input"),
    "conv2d_weight_3x3_64to64_56_n8": ((8, 64, 64, (56, 56), 3, 1, 1), "weight",
                                       "conv2d_weight"),
    "conv2d_input_3x3_256to256_14_n8": ((8, 256, 256, (14, 14), 3, 1, 1), "input",
                                        "conv2d_input"),
    "conv2d_weight_3x3_256to256_14_n8": ((8, 256, 256, (14, 14), 3, 1, 1), "weight",
                                         "conv2d_weight"),
    "conv1d_weight_k9_64to64_4096_n8": ((8, 64, 64, (4096,), 9, 1, 4), "weight",
                                        "conv1d_weight"),
}


def test_nn_backward_cases_and_targets():
    sec, mod = _nn()
    cases = {c.name: c for c in sec.cases}
    assert [name for name, *_ in mod.BACKWARD_SPECS] == list(NN_BACKWARD_CASES)
    assert mod.weight_target() in (1.0, 1.2)
    for name, (geometry, kind, op) in NN_BACKWARD_CASES.items():
        c, conv = cases[name], mod.GEOMETRY[name]
        n, ci, co, spatial, k, s, p = geometry
        assert (conv.n, conv.c_in, conv.c_out, conv.spatial, conv.kernel, conv.stride,
                conv.padding, conv.groups) == (n, ci, co, spatial, k, s, p, 1)
        target = {"weight": mod.weight_target(), "input": mod.winograd_target()}.get(kind, 0.7)
        assert c.targets == {f"torch bwd {op}": target} and c.subject == "convcore auto"
        assert c.flops == conv.flops
        assert c.bytes == 4 * (math.prod(conv.x_shape) + math.prod(conv.w_shape)
                               + math.prod(conv.out_shape))
    # The transposed convolution maps 28x28 to 56x56 with a (64, 32, 4, 4) weight.
    conv = mod.GEOMETRY["conv_transpose2d_k4s2_64to32_28_n8"]
    assert conv.out_shape == (8, 64, 28, 28) and conv.w_shape == (64, 32, 4, 4)


def test_nn_backward_calls_run_the_ops_they_name():
    import convcore.nn as nn
    torch = pytest.importorskip("torch")
    _, mod = _nn()
    conv = mod.Conv(2, 4, 6, (9, 7), 3, stride=2, padding=1)  # 5x4 <-> 9x7 at stride 2
    x, w, g = mod.backward_inputs(conv)
    tensors = [torch.from_numpy(a) for a in (x, w, g)]
    for kind, op, want in (("transpose", "conv_transpose2d", nn.conv_transpose2d(g, w, None, 2, 1)),
                           ("input", "conv2d_input", nn.grad.conv2d_input(x.shape, w, g, 2, 1)),
                           ("weight", "conv2d_weight", nn.grad.conv2d_weight(x, w.shape, g, 2, 1))):
        call, name, torch_call = mod.backward_calls(kind, conv, x, w, g, nn)
        assert name == op
        np.testing.assert_allclose(call("direct"), want, atol=1e-4)
        np.testing.assert_allclose(torch_call(torch.nn, *tensors).numpy(), want, atol=1e-4)


def test_nn_section_cases_and_targets():
    sec, mod = _nn()
    assert [c.name for c in sec.cases] == list(NN_CASES) + list(NN_BACKWARD_CASES)
    assert sec.geomean_targets == {"torch conv": 1.3, "torch bwd": 1.0}
    assert mod.winograd_target() in (1.2, 1.5)
    assert mod.PEAK_TARGETS == {"conv2d_3x3_64to64_56_n8": 0.75}
    for c in sec.cases[:len(NN_CASES)]:
        n, ci, co, spatial, k, s, p, g, target = NN_CASES[c.name]
        conv = mod.GEOMETRY[c.name]
        assert (conv.n, conv.c_in, conv.c_out, conv.spatial, conv.kernel, conv.stride,
                conv.padding, conv.groups) == (n, ci, co, spatial, k, s, p, g)
        rank = len(spatial)
        assert c.subject == "convcore auto" and c.dtype == "float32"
        if target == WINO:
            target = mod.winograd_target()
        assert c.targets == {f"torch conv{rank}d": target}
        out = [(d + 2 * p - k) // s + 1 for d in spatial]
        macs = n * co * math.prod(out) * (ci // g) * k ** rank
        assert c.flops == 2 * macs
        assert c.input_nbytes == 4 * n * ci * math.prod(spatial)
        assert c.bytes == c.input_nbytes + 4 * (co * (ci // g) * k ** rank + co
                                                + n * co * math.prod(out))
    by_name = {c.name: c for c in sec.cases}
    assert by_name["conv2d_3x3_64to64_56_n8"].flops == 2 * 8 * 64 * 56 * 56 * 64 * 9
    assert by_name["conv2d_dw3x3_128_56_n8"].flops == 2 * 8 * 128 * 56 * 56 * 9
    assert by_name["conv2d_7x7s2_3to64_224_n8"].flops == 2 * 8 * 64 * 112 * 112 * 3 * 49


def test_nn_geometry_matches_convcores_own_count():
    from convcore.nn._conv import conv_problem
    _, mod = _nn()
    for name, conv in mod.GEOMETRY.items():  # backward cases: their forward convolution
        x, w = np.zeros(conv.x_shape, np.float32), np.zeros(conv.w_shape, np.float32)
        spec = conv_problem(conv.rank, "conv", x, w, None, conv.stride, conv.padding, 1,
                            conv.groups, "zeros")[3]
        assert spec.out_shape[:2] + spec.out_size[3 - conv.rank:] == conv.out_shape, name
        assert spec.macs == conv.macs, name


class FakeNN:
    """convNd recording (rank, method) and returning a fixed output."""

    def __init__(self, clock=None, seconds=None):
        self.calls, self.clock, self.seconds = [], clock, seconds or {}

    def __getattr__(self, name):
        rank = int(name[len("conv"):-1])

        def conv(x, w, b, stride, padding, dilation, groups, method="auto"):
            self.calls.append((rank, method, stride, padding, dilation, groups))
            if self.clock is not None:
                self.clock.now += self.seconds.get(method, 1e-3)
            return np.ones(3)
        return conv


def test_nn_method_rows_come_from_the_registry(monkeypatch):
    from convcore.nn import _conv_methods
    _, mod = _nn()
    assert mod.registered_methods() == list(_conv_methods.METHODS)
    monkeypatch.setattr(_conv_methods, "METHODS", ["fft", "direct", "im2col", "newer"])
    methods = mod.registered_methods()
    assert methods == ["fft", "direct", "im2col", "newer"]
    conv = mod.GEOMETRY["conv2d_3x3s2_128to256_28_n8"]
    nn = FakeNN(FakeClock())
    comp = mod.competitors(conv, None, None, None, nn, methods, Missing(), clock=nn.clock)
    assert list(comp) == ["convcore auto", "convcore fft", "convcore direct",
                          "convcore im2col", "convcore newer", "torch conv2d"]
    assert comp["torch conv2d"] == Missing("not installed")
    nn.calls.clear()
    comp["convcore auto"]()
    comp["convcore im2col"]()
    assert nn.calls == [(2, "auto", 2, 1, 1, 1), (2, "im2col", 2, 1, 1, 1)]


def test_nn_skip_rule():
    _, mod = _nn()
    clock = FakeClock()
    fn = clock.work([2.5, 0.2], "m")
    assert mod.skip_reason(fn, None, 1.0, clock) is None        # the planning call was slow
    assert clock.log == ["m", "m"]
    slow = clock.work(3.0, "slow")
    assert mod.skip_reason(slow, None, 1.0, clock) == "skipped: 3.000 s/call > 1 s"
    assert mod.skip_reason(clock.work(0.1, "once"), None, 1.0, clock) is None
    assert clock.log.count("once") == 1
    never = clock.work(1.0, "never")                # a model estimate: nothing runs
    assert mod.skip_reason(never, 4.2, 1.0, clock) == "skipped: model 4.200 s/call > 1 s"
    assert mod.skip_reason(never, 0.5, 1.0, clock) is None and "never" not in clock.log
    # in the rows: a skipped method is a Missing saying why; auto is never skipped
    conv = mod.GEOMETRY["conv2d_31x31_16to16_128_n4"]
    nn = FakeNN(clock, {"auto": 5.0, "slow": 5.0, "fast": 0.01})
    comp = mod.competitors(conv, None, None, None, nn, ["slow", "fast", "modelled"],
                           Missing(), estimates={"modelled": 9.0}, limit=1.0, clock=clock)
    assert comp["convcore slow"] == Missing("skipped: 5.000 s/call > 1 s")
    assert comp["convcore modelled"] == Missing("skipped: model 9.000 s/call > 1 s")
    assert callable(comp["convcore fast"]) and callable(comp["convcore auto"])


def test_nn_section_builds_without_torch(monkeypatch):
    _, mod = _nn()
    monkeypatch.setattr(mod, "optional_import", lambda name: Missing())
    case = mod._case("tiny", "tiny", mod.Conv(2, 4, 6, (9, 9), 3, stride=2, padding=1,
                                               groups=2), 0.7)
    comp = case.setup()
    assert list(comp) == (["convcore auto"] + [f"convcore {m}" for m in mod.registered_methods()]
                          + ["torch conv2d"])
    assert comp["torch conv2d"] == Missing("not installed")
    assert mod.AUTO_PICKS["tiny"] in mod.registered_methods()
    assert comp["convcore auto"]().shape == (2, 6, 5, 5)
    settings = Settings(rounds=1, min_rounds=1, min_time=0, max_inner=1, settle=False)
    res = _runner.run_case(case, settings, FakeMachine(), make_copy=None)
    torch_row = res.row("torch conv2d")
    assert torch_row.status == "not installed" and torch_row.ratio is None
    # A stride-2 layer: Winograd's method says why it cannot run it.
    reason = comp["convcore winograd"].reason
    assert reason.startswith("n/a: ") and "it needs stride 1" in reason
    assert all(res.row(f"convcore {m}").matches for m in mod.registered_methods()
               if m != "winograd")
    g = _runner.section_geomean("nn", "torch", 1.0, [res])
    assert g.value is None and g.missing == ["tiny"]


def _nn_result(mod, clock, name, seconds, skipped=()):
    """run_case on the nn case ``name`` with fake competitors taking
    ``seconds`` ``{column: s}`` (auto, methods, torch)."""
    import dataclasses
    case = next(c for c in mod.CASES if c.name == name)
    out = np.ones(3)

    def setup():
        comp = {}
        for col, s in seconds.items():
            label = {"auto": "convcore auto", "torch": _torch_label(case)}.get(
                col, f"convcore {col}")
            comp[label] = clock.work(s, label, out)
        for col in skipped:
            comp[f"convcore {col}"] = Missing("skipped: model 4.000 s/call > 1 s")
        return comp
    return _runner.run_case(dataclasses.replace(case, setup=setup), fake_settings(rounds=3),
                            FakeMachine(), timer=clock, make_copy=None)


def _torch_label(case):
    return next(iter(case.targets))


def test_nn_methods_table_and_peak_target():
    sec, mod = _nn()
    clock = FakeClock()
    a = _nn_result(mod, clock, "conv2d_3x3_64to64_56_n8",
                   {"auto": 2e-3, "fft": 2e-3, "direct": 5e-3, "torch": 3e-3})
    b = _nn_result(mod, clock, "conv2d_1x1_256to64_56_n8",
                   {"auto": 4e-3, "fft": 4e-3, "torch": 1e-3}, skipped=["direct"])
    flops = 2 * 8 * 64 * 56 * 56 * 64 * 9
    auto = a.row("convcore auto")
    assert auto.gflops == pytest.approx(flops / 2e-3 / 1e9)            # 924.8 GFLOPS
    assert auto.pct_peak == pytest.approx(flops / 2e-3 / 1e9 / 200)    # float32 peak 200
    assert a.row("torch conv2d").ratio == pytest.approx(1.5)
    assert a.row("torch conv2d").verdict == "PASS"
    assert b.row("torch conv2d").verdict == "FAIL"                    # 0.25x < 1.5x
    assert a.row("convcore direct").ratio == pytest.approx(2.5)       # information only
    assert a.row("convcore direct").verdict == "info"

    text = mod.methods_table([a, b], picks={"conv2d_3x3_64to64_56_n8": "fft"})
    lines = text.splitlines()
    assert lines[1].split() == ["case", "auto", "runs", "auto", "fft", "direct", "torch"]
    row_a = lines[2].split()
    assert row_a[:2] == ["conv2d_3x3_64to64_56_n8", "fft"]
    g = flops / 1e9
    assert row_a[2:] == ["2.000", "ms", f"{g / 2e-3:.1f}*", "2.000", "ms", f"{g / 2e-3:.1f}*",
                         "5.000", "ms", f"{g / 5e-3:.1f}", "3.000", "ms", f"{g / 3e-3:.1f}"]
    row_b = lines[3].split()
    g = 2 * 8 * 64 * 56 * 56 * 256 / 1e9
    assert row_b[1] == "?"                                             # no pick recorded
    assert row_b[2:] == ["4.000", "ms", f"{g / 4e-3:.1f}", "4.000", "ms", f"{g / 4e-3:.1f}",
                         "skipped", "1.000", "ms", f"{g / 1e-3:.1f}*"]

    verdicts, peak_lines = mod.peak_verdicts([a, b])
    pct = auto.pct_peak                                                # 462%: PASS
    assert verdicts == [("conv2d_3x3_64to64_56_n8", "convcore auto %peak", "PASS")]
    assert peak_lines == [f"  conv2d_3x3_64to64_56_n8: convcore auto at {100 * pct:.0f}% of "
                          "the float32 matmul peak, target >=75%: PASS"]
    verdicts, _ = mod.peak_verdicts([a], {"conv2d_3x3_64to64_56_n8": 5.0})
    assert verdicts == [("conv2d_3x3_64to64_56_n8", "convcore auto %peak", "FAIL")]

    # the run writes the section's report after its cases and counts its verdicts
    text, verdicts = _cli.section_report(sec, [a, b], FakeMachine())
    assert "methods x cases" in text and "target >=75%: PASS" in text
    assert verdicts == [("conv2d_3x3_64to64_56_n8", "convcore auto %peak", "PASS")]
    means = _cli.geomeans([sec], [a, b])
    assert means[0].value == pytest.approx(math.sqrt(1.5 * 0.25))
    summary, fails = _report.summary([a, b], 1.0, means,
                                 [("conv2d_3x3_64to64_56_n8", "convcore auto %peak", "FAIL")])
    assert fails == [("conv2d_1x1_256to64_56_n8", "torch conv2d"),
                     ("conv2d_3x3_64to64_56_n8", "convcore auto %peak"),
                     ("nn", "geomean vs torch conv*")]
    assert "1 PASS, 3 FAIL" in summary
    pool = _runner.load_section("pool", _runner.discover_sections()["pool"])
    assert _cli.section_report(pool, [], FakeMachine()) == ("", [])    # no hook: nothing


def test_optional_import_missing():
    assert isinstance(_runner.optional_import("no_such_module_for_convcore_bench"), Missing)
    assert _runner.optional_import("math") is math


def test_import_convcore_falls_back_to_root(tmp_path, monkeypatch):
    pkg = tmp_path / "fakeconvpkg_bench"
    (pkg / "_config").mkdir(parents=True)
    (pkg / "__init__.py").write_text("VALUE = 7\n")
    (pkg / "_config" / "__init__.py").write_text("")
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(tmp_path)])
    module = run.import_convcore("fakeconvpkg_bench", root=str(tmp_path), retries=0)
    try:
        assert module.VALUE == 7 and sys.path[-1] == str(tmp_path)
    finally:
        for name in [m for m in sys.modules if m.startswith("fakeconvpkg_bench")]:
            del sys.modules[name]
    with pytest.raises(ImportError):
        run.import_convcore("no_such_pkg_bench", root=str(tmp_path), retries=0)


# ---------------------------------------------------------------- formatting

def test_format_time_units():
    assert _report.format_time(26.4e-6) == "26.4 us"
    assert _report.format_time(0.41e-3) == "410.0 us"
    assert _report.format_time(19.98e-3) == "19.980 ms"
    assert _report.format_time(1.5) == "1.500 s"


def test_summary_lists_failures_and_missing():
    clock = FakeClock()
    res = _runner.run_case(_fake_case(clock), fake_settings(), FakeMachine(), timer=clock,
                           make_copy=None)
    res.other_cpus = 1.0
    text, fails = _report.summary([res], 3.0)
    assert fails == [("fake", "fast peer"), ("fake", "wrong peer")]     # FAIL and INVALID
    assert "1 FAIL, 1 INVALID" in text and "absent (not installed)" in text
    assert "INVALID fake: wrong peer" in text
    assert "busy machine" in text and "different numbers" in text


# ---------------------------------------------------------- geometric means

def test_geometric_mean():
    assert _runner.geometric_mean([2.0, 8.0]) == pytest.approx(4.0)
    assert _runner.geometric_mean([3.0]) == pytest.approx(3.0)
    assert _runner.geometric_mean([]) is None


def _result(name, section, ratios):
    """A CaseResult whose peer rows have the given ``{label: ratio}``."""
    case = Case(name=name, section=section, setup=dict, flops=1, bytes=1, dtype="float32",
                input_nbytes=1)
    rows = [_runner.Row("convcore", role="subject")]
    rows += [_runner.Row(label, ratio=r, status="ok" if r is not None else "not installed")
             for label, r in ratios.items()]
    rows.append(_runner.Row(_runner.COPY_LABEL, role="reference"))
    return _runner.CaseResult(case, rows)


def test_section_geomean_one_ratio_per_case_against_fastest_matching_peer():
    results = [_result("a", "pool", {"torch x": 2.0, "torch y": 8.0, "other": 0.1}),
               _result("b", "pool", {"torch z": 8.0}),
               _result("c", "pool", {"torch z": None}),            # torch missing
               _result("d", "signal", {"torch w": 0.01}),           # other section
               _result("e", "pool", {"numpy v": 3.0})]              # no such peer
    g = _runner.section_geomean("pool", "torch", 3.0, results)
    assert g.ratios == {"a": ("torch x", 2.0), "b": ("torch z", 8.0)}
    assert g.value == pytest.approx(4.0) and g.verdict == "PASS"
    assert g.missing == ["c"]
    text = _report.format_geomean(g)
    assert text == "geomean [pool] vs torch*: 4.00x over 2 cases, target >=3x: PASS (without c)"
    g = _runner.section_geomean("pool", "torch", 5.0, results)
    assert g.verdict == "FAIL"
    none = _runner.section_geomean("pool", "cv2", 2.0, results)
    assert none.value is None and none.verdict == "" and "no ratio" in _report.format_geomean(none)
    json.dumps(g.to_dict())


def test_summary_counts_and_prints_geomeans(tmp_path):
    path = tmp_path / "cases_pool.py"
    path.write_text(CASES_FOO.replace('"foo"', '"pool"') + 'GEOMEAN_TARGETS = {"torch": 3}\n')
    sections = [_runner.load_section("pool", str(path))]
    results = [_result("a", "pool", {"torch x": 2.0}), _result("b", "pool", {"torch x": 2.0})]
    means = _cli.geomeans(sections, results)
    assert [(g.section, g.prefix, g.target) for g in means] == [("pool", "torch", 3)]
    text, fails = _report.summary(results, 1.0, means)
    assert fails == [("pool", "geomean vs torch*")]
    assert "0 PASS, 1 FAIL" in text
    assert "geomean [pool] vs torch*: 2.00x over 2 cases, target >=3x: FAIL" in text
    results = [_result("a", "pool", {"torch x": 4.0})]
    text, fails = _report.summary(results, 1.0, _cli.geomeans(sections, results))
    assert fails == [] and "1 PASS, 0 FAIL" in text
    text, _ = _report.summary(results, 1.0)                  # no geomean target: no line
    assert "geomean" not in text


# ------------------------------------------------------------ --contention

SLEEPER = (sys.executable, "-c", "import time; time.sleep(60)")


def _alive(pid):
    """Whether process ``pid`` runs (a zombie does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _gone_within(pid, seconds):
    deadline = time.monotonic() + seconds
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_per_call_times_one_by_one():
    clock = FakeClock()
    times = _timing.per_call_times(clock.work([5e-3, 1e-3, 2e-3]), 3, timer=clock)
    assert times == pytest.approx([5e-3, 1e-3, 2e-3])      # each call on its own


def test_tail_matches_numpy():
    xs = list(np.random.default_rng(3).exponential(1e-3, 61))
    med, mean, p90, top = _contention.tail(xs)
    assert med == pytest.approx(np.median(xs))
    assert mean == pytest.approx(np.mean(xs))
    assert p90 == pytest.approx(np.quantile(xs, 0.9))
    assert top == max(xs)
    # 10 calls, 1 slow: the p90 interpolates between the 9th and the 10th
    assert _contention.tail([1.0] * 9 + [11.0]) == (1.0, 2.0, pytest.approx(2.0), 11.0)


def test_slowdown_and_verdict():
    assert _contention.slowdown(24e-3, 0.3e-3) == pytest.approx(80.0)
    assert _contention.slowdown(None, 1.0) is None
    assert _contention.slowdown(1.0, 0.0) is None
    assert _contention.contention_verdict(1.5) == "PASS"        # target 1.5, inclusive
    assert _contention.contention_verdict(1.51) == "FAIL"
    assert _contention.contention_verdict(3.0, target=4) == "PASS"
    assert _contention.contention_verdict(None) == ""


class FakeBusy:
    """A ``busy(start=)`` context manager that flags the clock's callable busy."""

    def __init__(self):
        self.events = []
        self.busy = False

    @contextlib.contextmanager
    def __call__(self, start):
        self.events.append(("start", start))
        self.busy = True
        try:
            yield None
        finally:
            self.busy = False
            self.events.append(("stop",))


def _contention_case(clock, busy, state, busy_times):
    """convcore: 2 ms on 1 thread, 1 ms on 2, ``busy_times`` in turn when busy."""
    queue = list(busy_times)

    def fn():
        if busy.busy:
            clock.now += queue.pop(0) if queue else 1e-3
        else:
            clock.now += 2e-3 / state["threads"]
        return np.ones(2)

    return Case(name="fake", section="fake", setup=lambda: {"convcore": fn, "peer": Missing()},
                flops=1, bytes=1, dtype="float64", input_nbytes=1, title="a fake")


def _fake_threads(state):
    @contextlib.contextmanager
    def threads(n):
        before, state["threads"] = state["threads"], n
        try:
            yield n
        finally:
            state["threads"] = before
    return threads


def test_run_contention_case_statistics_and_verdict():
    clock, busy, state = FakeClock(), FakeBusy(), {"threads": 2}
    # after the untimed busy call (the first 1 ms), 60 calls: 50 at 1 ms, 9 at
    # 20 ms, 1 at 50 ms; the p90 (position 0.9 x 59 = 53.1) is 20 ms
    timed = [1e-3] * 50 + [20e-3] * 9 + [50e-3]
    case = _contention_case(clock, busy, state, [1e-3] + timed)
    settings = fake_settings(rounds=3, busy_calls=60, busy_start=0.01)
    res = _contention.run_contention_case(case, settings, _fake_threads(state), 2,
                                          timer=clock, busy=busy)
    assert res.status == "ok" and state["threads"] == 2
    assert busy.events == [("start", 0.01), ("stop",)]
    assert res.idle_1.median == pytest.approx(2e-3)
    assert res.idle_all.median == pytest.approx(1e-3)
    assert len(res.idle_1.samples) == len(res.idle_all.samples) == 3
    assert res.busy_times == pytest.approx(timed)
    assert res.busy_median == pytest.approx(1e-3)
    assert res.busy_mean == pytest.approx((50e-3 + 180e-3 + 50e-3) / 60)
    assert res.busy_p90 == pytest.approx(np.quantile(timed, 0.9)) == pytest.approx(20e-3)
    assert res.busy_max == pytest.approx(50e-3)
    assert res.slowdown == pytest.approx(10.0)
    assert res.verdict == "FAIL" and res.verdicts() == [
        ("busy p90 / idle 1-thread median", "FAIL")]

    text = _contention.format_contention(res)
    for needle in ("[fake] fake: a fake", "idle 1 thread", "idle 2 threads", "busy p90",
                   "busy mean", "4.667 ms",
                   "2.000 ms", "1.000 ms", "20.000 ms", "50.000 ms", "10.00x", "<=1.5x",
                   "FAIL", "60 calls"):
        assert needle in text
    d = json.loads(json.dumps(res.to_dict()))
    assert d["busy"]["calls"] == 60 and d["verdict"] == "FAIL" and d["target"] == 1.5
    assert d["busy"]["p90_s"] == pytest.approx(res.busy_p90)
    assert d["busy"]["mean_s"] == pytest.approx(res.busy_mean)
    assert d["idle_1_thread"]["median_s"] == pytest.approx(2e-3)

    # a kernel that keeps its tail near one thread's time passes
    clock, busy, state = FakeClock(), FakeBusy(), {"threads": 2}
    case = _contention_case(clock, busy, state, [2.5e-3] * 100)
    res = _contention.run_contention_case(case, settings, _fake_threads(state), 2,
                                          timer=clock, busy=busy)
    assert res.slowdown == pytest.approx(1.25) and res.verdict == "PASS"


def test_run_contention_case_subject_missing_or_failing():
    settings = fake_settings(rounds=1)
    busy = FakeBusy()

    def case(subject):
        return Case(name="x", section="fake", setup=lambda: {"convcore": subject}, flops=1,
                    bytes=1, dtype="float64", input_nbytes=1)
    res = _contention.run_contention_case(case(Missing()), settings, _fake_threads({}), 2,
                                          busy=busy)
    assert res.status == "not installed" and res.verdicts() == [] and busy.events == []
    res = _contention.run_contention_case(case(lambda: 1 / 0), settings, _fake_threads({}),
                                          2, busy=busy)
    assert res.status.startswith("error: ZeroDivisionError") and busy.events == []
    assert "error: ZeroDivisionError" in _contention.format_contention(res)
    assert res.slowdown is None and res.busy_p90 is None
    json.dumps(res.to_dict())


def test_load_warnings():
    case = Case(name="x", section="fake", setup=dict, flops=1, bytes=1, dtype="float64",
                input_nbytes=1)
    res = _contention.ContentionResult(case, 2, idle_other_cpus=0.1, busy_other_cpus=1.1,
                                       busy_cpus=0.9)
    assert _contention.load_warnings(res) == [] and res.warnings == []
    res = _contention.ContentionResult(case, 2, idle_other_cpus=0.9, busy_other_cpus=1.9,
                                       busy_cpus=0.3)
    out = _contention.load_warnings(res)
    assert len(out) == 3 and res.warnings == out
    assert "idle timing" in out[0] and "1.60 CPUs" in out[1] and "only 0.30" in out[2]


def test_busy_process_runs_inside_the_block_only():
    with _contention.busy_process(start=0.05) as proc:
        pid = proc.pid
        assert _alive(pid) and proc in _contention.live_busy_processes()
    assert not _alive(pid) and proc.returncode is not None
    assert proc not in _contention.live_busy_processes()


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_busy_process_stopped_on_exception_and_interrupt(exc):
    with pytest.raises(exc):
        with _contention.busy_process(SLEEPER, start=0.0) as proc:
            raise exc()
    assert not _alive(proc.pid) and _contention.live_busy_processes() == []


def test_busy_process_stopped_when_its_start_is_interrupted():
    def sleep(_):
        raise KeyboardInterrupt
    started = []
    real_popen = subprocess.Popen

    def popen(*a, **kw):
        started.append(real_popen(*a, **kw))
        return started[-1]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_contention.subprocess, "Popen", popen)
        with pytest.raises(KeyboardInterrupt):
            _contention.start_busy(SLEEPER, sleep=sleep)
    assert len(started) == 1 and not _alive(started[0].pid)
    assert _contention.live_busy_processes() == []


def test_stop_busy_kills_what_ignores_terminate():
    ignore = (sys.executable, "-c", "import signal, time\n"
              "signal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(60)")
    proc = _contention.start_busy(ignore, start=0.3)
    _contention.stop_busy(proc, timeout=0.2)
    assert not _alive(proc.pid) and proc.returncode in (-9, -15)
    _contention.stop_busy(proc)                  # twice: harmless


def test_start_busy_reports_a_process_that_exited():
    with pytest.raises(RuntimeError, match="exited with status 3"):
        _contention.start_busy((sys.executable, "-c", "raise SystemExit(3)"), start=1.0)
    assert _contention.live_busy_processes() == []


def test_stop_all_stops_every_busy_process():
    procs = [_contention.start_busy(SLEEPER, start=0.0) for _ in range(2)]
    _contention.stop_all()
    assert not any(_alive(p.pid) for p in procs) and _contention.live_busy_processes() == []


_CRASH = """
import os, sys
sys.path.insert(0, {bench!r})
from convcore.bench import _contention
proc = _contention.start_busy(start=0.05)
print(proc.pid, flush=True)
{end}
"""


def test_no_busy_process_left_when_the_runner_crashes():
    """An exception: the atexit hook stops it before the runner exits."""
    out = subprocess.run([sys.executable, "-c", _CRASH.format(
        bench=ROOT, end="raise RuntimeError('crash')")], capture_output=True, text=True,
        timeout=60)
    assert out.returncode == 1 and "crash" in out.stderr
    assert not _alive(int(out.stdout))


def test_no_busy_process_left_when_the_runner_is_killed():
    """No atexit (os._exit, as a SIGKILL or a crash in a kernel): the busy
    process notices its parent is gone and exits."""
    out = subprocess.run([sys.executable, "-c", _CRASH.format(bench=ROOT, end="os._exit(7)")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 7
    assert _gone_within(int(out.stdout), 5.0)


def test_busy_process_exits_when_its_parent_is_not_the_given_pid():
    """The pid the runner passes, not the child's own reading (init's, had
    the runner died while the child started), decides."""
    if os.getpid() == 1:
        pytest.skip("this process is init")
    command = _contention.busy_command()
    assert command[-1] == str(os.getpid())
    with pytest.raises(RuntimeError, match="exited with status 0"):
        _contention.start_busy(command[:-1] + ["1"], start=1.0)


def test_sigterm_exits_inside_the_block_only():
    import signal
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as info:
        with _contention.sigterm_exits():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)                   # the handler runs before this ends
    assert info.value.code == 143
    assert signal.getsignal(signal.SIGTERM) is before


def test_process_cpu_seconds():
    assert _contention.process_cpu_seconds(os.getpid()) >= 0
    assert _contention.process_cpu_seconds(2 ** 30) is None


def _contention_result(name, slowdown, status="ok"):
    case = Case(name=name, section="fake", setup=dict, flops=1, bytes=1, dtype="float64",
                input_nbytes=1)
    res = _contention.ContentionResult(case, 2, status=status)
    if slowdown is not None:
        res.idle_1 = _timing.Timing([1e-3], 1)
        res.busy_times = [slowdown * 1e-3] * 60
    return res


def test_contention_summary():
    results = [_contention_result("a", 1.2), _contention_result("b", 40.0),
               _contention_result("c", None, status="not installed")]
    results[1].warnings.append("busy")
    text, fails = _contention.contention_summary(results, 12.0)
    assert fails == [("b", "busy p90 / idle 1-thread median")]
    assert text.splitlines()[0] == "summary: 1 PASS, 1 FAIL (12 s)"
    assert "FAIL b: busy p90 / idle 1-thread median 40.00x" in text
    assert "not run: c (not installed)" in text and "load warnings for b" in text
    assert "PASS when slowdown <= 1.5x" in text


def test_main_contention_end_to_end(tmp_path, capsys, monkeypatch):
    """The whole mode on a fake convcore: table, summary, JSON, --strict;
    its busy processes are real, and gone afterwards."""
    state = {"threads": 2}
    convcore = type("FakeConvcore", (), {"threads": staticmethod(_fake_threads(state)),
                                         "get_num_threads": staticmethod(lambda: 2)})
    monkeypatch.setattr(_cli, "convcore", convcore)
    cases = [Case(name=f"case{i}", section="fake", setup=lambda: {"convcore": lambda: None},
                  flops=1, bytes=1, dtype="float64", input_nbytes=1) for i in range(2)]
    sections = [_runner.Section("fake", cases)]
    settings = fake_settings(rounds=2, wait_idle=0, busy_start=0.02, busy_calls=5,
                             min_time=1e-5)
    argv = ["--contention", "--strict", "--out", str(tmp_path / "out")]
    args = _cli.parse_args(argv)
    assert args.contention
    code = _cli.main_contention(
        args, argv, settings, sections,
        describe=lambda cc: _machine.Machine(simd_in_use="avx2", threads=2))
    out = capsys.readouterr().out
    assert "simd       convcore in use: avx2" in out and "threads    convcore 2" in out
    assert "peak" not in out and "[fake] case0" in out and "[fake] case1" in out
    assert "summary: " in out and "idle 1 thread" in out
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    assert data["kind"] == "contention" and data["contention"]["target"] == 1.5
    assert data["machine"]["dram_gbps"] is None and data["machine"]["peak_gflops"] == {}
    assert [c["name"] for c in data["contention"]["cases"]] == ["case0", "case1"]
    pids = [c["busy"]["pid"] for c in data["contention"]["cases"]]
    assert all(c["busy"]["calls"] == 5 for c in data["contention"]["cases"])
    assert len(set(pids)) == 2 and not any(_alive(p) for p in pids)
    assert _contention.live_busy_processes() == []
    fails = "0 FAIL" not in out
    assert code == (1 if fails else 0)      # the verdicts depend on real time: either


def test_format_machine_without_measured_figures():
    text = _machine.format_machine(_machine.Machine(simd_in_use="avx512", threads=2))
    assert "avx512" in text and "peak" not in text and "copy(b)" not in text
