"""``python -m convcore.bench``: the methods suite's sweeps and readings,
results.json and its schema, invalid peers, the optional libraries, the
plots, the console's tables and progress line, and a run from the
installed package.

The maths on fake clocks is exact; the few real runs time tiny cases with
one round (``--rounds 1``) and a small machine measurement
(``--peak-n``, ``--copy-mib``), so they take a second or two and their
numbers are never asserted.
"""
import dataclasses
import importlib.util
import io
import json
import math
import subprocess
import sys

import numpy as np
import pytest

import convcore
from conftest import LEFT_OUT, SANITIZER_RUN, child_env
from convcore.bench import (_cases_methods, _cases_nn, _cli, _plots, _progress, _report,
                            _results, _runner, _timing)
from convcore.bench._runner import Case, Missing
from test_bench_runner import FakeClock, FakeMachine, fake_settings

# A tiny case of each suite, and options that make the machine's figures quick.
TINY = ["conv1d_10000_k1=", "conv2d_f64_64_k3_same", "conv2d_3x3_64to64_56_n1",
        "adaptive_avgpool2d_1x1_f32"]
FAST = ["--rounds", "1", "--wait-idle", "0", "--peak-n", "64", "--copy-mib", "1"]


def _tiny_args(*suites_and_options):
    return list(suites_and_options) + FAST + [a for t in TINY for a in ("--case", t)]


# ------------------------------------------------------------ the sweeps

def test_signal_sweeps_cover_the_kernel_ranges():
    points = _cases_methods.signal_points()
    one = [p for p in points if p.family == "conv1d"]
    two = [p for p in points if p.family == "conv2d"]
    for size in (10_000, 1_000_000):
        assert [p.kernel for p in one if p.size == size] == [2 ** i for i in range(13)]
    assert min(p.kernel for p in one) == 1 and max(p.kernel for p in one) == 4096
    assert sorted({p.kernel for p in two}) == [1, 3, 5, 9, 17, 33, 65]
    assert {p.size for p in two} == {256, 1024}
    assert all(p.in_shape == (p.size,) * p.rank and p.k_shape == (p.kernel,) * p.rank
               for p in points)
    names = [p.name for p in points]
    assert len(set(names)) == len(names)
    # --quick: one input size per family, kernels spanning the range
    quick = [p for p in points if p.quick]
    assert {(p.family, p.size) for p in quick} == {("conv1d", 10_000), ("conv2d", 256)}
    assert {p.kernel for p in quick if p.family == "conv1d"} == {1, 16, 256, 4096}


def test_layer_sweep_and_its_flop_and_byte_counts():
    points = _cases_methods.layer_points()
    assert {conv.kernel for _, conv, _ in points} == {1, 3, 5, 7}
    assert {conv.c_in for _, conv, _ in points} == {16, 64, 256}
    assert all(conv.padding == conv.kernel // 2 and conv.out_spatial == conv.spatial
               for _, conv, _ in points)
    cases = {c.name: c for c in _cases_methods.CASES}
    c = cases["layer2d_64ch_28_k3"]
    assert c.flops == 2 * 4 * 64 * 28 * 28 * 64 * 9          # 2 N C_out HW C_in k^2
    assert c.bytes == 4 * (4 * 64 * 28 * 28 * 2 + 64 * 64 * 9 + 64)
    assert c.quick and c.sweep["family"] == "layer2d" and c.sweep["kernel"] == 3
    c = cases["conv1d_10000_k16"]                            # 'same': zero padding not counted
    assert c.flops == _runner.direct_flops((10_000,), (16,), "same")
    assert c.flops == 2 * (10_000 * 16 - 8 * 9 // 2 - 7 * 8 // 2)
    assert c.bytes == 8 * (10_000 + 16 + 10_000)
    assert all(c.subject == "convcore auto" and c.budget == _cases_methods.BUDGET
               and c.input_nbytes == 0 for c in cases.values())


def test_skip_rule():
    skip = _cases_methods.skip_reason
    assert skip(None, 1e-3) is None                          # no model: timed
    assert skip(0.5, 0.4) is None
    assert skip(2.0, 1.5).startswith("skipped: model 2.000 s")          # over 1 s per call
    assert skip(0.1, 1e-3).startswith("skipped")             # 100x the best, above 20 ms
    assert skip(0.01, 1e-5) is None                          # 1000x, but only 10 ms


def test_methods_rows_come_from_the_registry_and_refusing_methods_read_na(monkeypatch):
    """A method added to the registry appears as a row; one that raises
    ValueError for the geometry is n/a, not a failure."""
    names = _cases_methods.registered_methods()
    assert names == list(convcore._signal_methods.METHODS)
    monkeypatch.setattr(_cases_methods, "registered_methods", lambda: names + ["newer"])
    case = next(c for c in _cases_methods.CASES if c.name == "conv1d_10000_k1")
    settings = fake_settings(rounds=1, min_rounds=1, min_time=0, max_inner=1)
    res = _runner.run_case(case, settings, FakeMachine(), make_copy=None)
    assert [r.label for r in res.rows] == ["convcore auto"] + [
        f"convcore {m}" for m in names + ["newer"]]
    newer = res.row("convcore newer")
    assert newer.status.startswith("n/a: ValueError") and newer.ratio is None
    assert newer.verdict == "" and res.verdicts() == []
    assert case.sweep["auto_method"] in names
    assert all(res.row(f"convcore {m}").matches for m in names)
    matrix = _cases_methods.methods_matrix([res])
    assert matrix.splitlines()[0].split()[-1] == "newer" and matrix.rstrip().endswith("n/a")
    text, fails = _report.summary([res], 1.0)
    assert fails == [] and "not run" not in text


# ------------------------------------------------ regret and crossovers

def _point(clock, kernel, times, auto, line="conv1d 1000", invalid=()):
    """A methods-suite result: fake methods taking ``times`` ``{method: s}``,
    'auto' taking ``times[auto]`` (with ``auto``'s result)."""
    out = np.ones(3)

    def setup():
        comp = {"convcore auto": clock.work(times[auto], result=out)}
        for m, s in times.items():
            comp[f"convcore {m}"] = (Missing("skipped: model") if s is None else
                                     clock.work(s, result=-out if m in invalid else out))
        return comp
    case = Case(name=f"p_k{kernel}", section="methods", setup=setup, flops=2e6, bytes=1e6,
                dtype="float64", input_nbytes=0, subject="convcore auto",
                sweep={"family": line.split()[0], "line": line, "kernel": kernel,
                       "input": [1000], "auto_method": auto})
    case.suite = "methods"
    return _runner.run_case(case, fake_settings(rounds=3), FakeMachine(), timer=clock,
                            make_copy=None)


def _sweep(clock):
    return [_point(clock, 1, {"direct": 1e-3, "fft": 4e-3}, "direct"),
            _point(clock, 4, {"direct": 2e-3, "fft": 3e-3}, "fft"),        # regret 1.5
            _point(clock, 16, {"direct": 8e-3, "fft": 3e-3}, "fft"),
            _point(clock, 64, {"direct": None, "fft": 3e-3}, "fft")]


def test_regret_fastest_and_crossovers():
    clock = FakeClock()
    rs = _sweep(clock)
    assert [_cases_methods.fastest(r)[0] for r in rs] == ["direct", "direct", "fft", "fft"]
    assert [_cases_methods.regret(r) for r in rs] == pytest.approx([1.0, 1.5, 1.0, 1.0])
    assert _cases_methods.method_times(rs[3]) == {"direct": None, "fft": pytest.approx(3e-3)}
    assert _cases_methods.crossovers(list(reversed(rs))) == [
        {"line": "conv1d 1000", "kernel_below": 4, "kernel_above": 16, "from": "direct",
         "to": "fft"}]
    # method time / auto time, as every peer's ratio
    assert rs[0].row("convcore fft").ratio == pytest.approx(4.0)
    table = _cases_methods.sweep_table(rs)
    assert "direct -> fft between k=4 and k=16" in table
    assert "auto regret: median 1.00x, worst 1.50x; within 1.2x of the fastest on 3 of 4" in table
    assert max(len(line) for line in table.splitlines()) <= 100


def test_an_invalid_method_is_never_the_fastest():
    clock = FakeClock()
    res = _point(clock, 3, {"direct": 2e-3, "fft": 1e-3}, "direct", invalid=("fft",))
    fft = res.row("convcore fft")
    assert fft.matches is False and fft.ratio is None and fft.verdict == "INVALID"
    assert _cases_methods.fastest(res) == ("direct", pytest.approx(2e-3))
    assert _cases_methods.regret(res) == pytest.approx(1.0)
    assert "INVALID" in _cases_methods.sweep_table([res])


# ---------------------------------------------------- invalid peer outputs

def _peer_case(clock, name="c", section="pool", wrong=False):
    out = np.arange(4.0)

    def setup():
        return {"convcore": clock.work(1e-3, result=out),
                "torch op": clock.work(3e-3, result=out + 1 if wrong else out),
                "absent peer": Missing("not installed")}
    case = Case(name=name, section=section, setup=setup, flops=4e6, bytes=4e6,
                dtype="float64", input_nbytes=1000, targets={"torch op": 2.0},
                bandwidth_target=0.5)
    case.suite = "pool"
    return _runner.run_case(case, fake_settings(), FakeMachine(), timer=clock,
                            make_copy=lambda n: clock.work(1e-4))


def test_an_invalid_peer_has_no_ratio_and_no_place_in_the_geomean():
    clock = FakeClock()
    good, bad = _peer_case(clock, "good"), _peer_case(clock, "bad", wrong=True)
    assert good.row("torch op").ratio == pytest.approx(3.0)
    row = bad.row("torch op")
    assert row.matches is False and row.ratio is None and row.verdict == "INVALID"
    g = _runner.section_geomean("pool", "torch", 2.0, [good, bad])
    assert g.ratios == {"good": ("torch op", pytest.approx(3.0))} and g.missing == ["bad"]
    assert g.value == pytest.approx(3.0)
    text, fails = _report.summary([good, bad], 1.0, [g])
    assert ("bad", "torch op") in fails and "1 INVALID" in text
    table = _report.peer_table([good, bad])
    assert "torch op*" in table and "INVALID" in table
    assert _plots.speedups([good, bad], "pool") == [("good", "torch op", pytest.approx(3.0))]


# ----------------------------------------------------------- results.json

def _results_file(tmp_path, results, means=()):
    head = _results.header("peers", ["--quick"], fake_settings(), _machine_figures(), convcore,
                           ["notice: x"], ["methods", "pool"])
    path = tmp_path / "results.json"
    _results.write(path, _results.peers_results(head, results, list(means), [], 1.5))
    return json.loads(path.read_text())


def _machine_figures():
    from convcore.bench._machine import Machine
    return Machine(cpu_model="test cpu", simd_in_use="avx2", peak_gflops={"float64": 100.0},
                   dram_gbps=10.0)


def test_results_json_schema_and_nulls(tmp_path):
    clock = FakeClock()
    results = _sweep(clock) + [_peer_case(clock, "good"), _peer_case(clock, "bad", wrong=True)]
    results[-1].bandwidth_ratio = float("nan")               # never written as NaN
    g = _runner.section_geomean("pool", "torch", 2.0, results)
    data = _results_file(tmp_path, results, [g])
    assert _results.validate(data) is data
    assert data["schema"] == "convcore.bench.results" and data["version"] == 1
    assert data["versions"]["convcore"] == convcore.__version__
    assert data["threads"]["convcore"] == convcore.get_num_threads()
    assert data["machine"]["peak_gflops"] == {"float64": 100.0}
    cases = {c["name"]: c for c in data["cases"]}
    bad = cases["bad"]["competitors"]
    assert bad["torch op"]["valid"] is False and bad["torch op"]["ratio"] is None
    assert bad["torch op"]["verdict"] == "INVALID" and bad["torch op"]["median_s"] > 0
    assert bad["absent peer"] == dict(bad["absent peer"], median_s=None, samples_s=None,
                                      ratio=None, gflops=None, valid=None,
                                      status="not installed")
    assert cases["bad"]["bandwidth_ratio"] is None
    good = cases["good"]["competitors"]["torch op"]
    assert good["valid"] is True and good["ratio"] == pytest.approx(3.0)
    assert len(good["samples_s"]) == 5 and good["median_s"] == pytest.approx(3e-3)
    assert cases["p_k64"]["competitors"]["convcore direct"]["status"] == "skipped: model"
    assert data["methods"]["crossovers"][0]["to"] == "fft"
    assert [p["regret"] for p in data["methods"]["points"]] == pytest.approx([1, 1.5, 1, 1])
    assert data["geomeans"][0]["missing"] == ["bad"]
    # PASS: good's torch ratio, both bandwidths, the geomean over good alone
    assert data["summary"]["invalid"] == 1 and data["summary"]["pass"] == 4
    assert "NaN" not in (tmp_path / "results.json").read_text()


def test_validate_rejects_broken_results(tmp_path):
    clock = FakeClock()
    data = _results_file(tmp_path, [_peer_case(clock, "bad", wrong=True)])
    row = data["cases"][0]["competitors"]["torch op"]
    for key, value, match in (("ratio", 3.0, "invalid row"), ("verdict", "PASS", "invalid row"),
                              ("gflops", float("nan"), "gflops is nan")):
        broken = json.loads(json.dumps(data))
        broken["cases"][0]["competitors"]["torch op"][key] = value
        with pytest.raises(ValueError, match=match):
            _results.validate(broken)
    broken = json.loads(json.dumps(data))
    del broken["threads"]
    with pytest.raises(ValueError, match="missing key 'threads'"):
        _results.validate(broken)
    broken = json.loads(json.dumps(data))
    broken["cases"][0]["competitors"]["absent peer"]["ratio"] = 1.0
    with pytest.raises(ValueError, match="did not run"):
        _results.validate(broken)
    assert row["valid"] is False


def test_a_case_whose_set_up_fails_is_reported_not_fatal():
    def setup():
        raise RuntimeError("no such device")
    case = Case(name="broken", section="pool", setup=setup, flops=1, bytes=1,
                dtype="float32", input_nbytes=0)
    res = _runner.run_case(case, fake_settings(), FakeMachine(), make_copy=None)
    assert res.row("convcore").status == "error: RuntimeError: no such device"
    assert res.rows[0].timing is None and res.verdicts() == []
    assert "convcore (error: RuntimeError: no such device)" in _report.summary([res], 1.0)[0]


def test_clean_turns_non_finite_numbers_into_null():
    assert _results.clean({"a": float("inf"), "b": (1, np.float64("nan")), "c": np.int64(3),
                           "d": [float("-inf")]}) == {"a": None, "b": [1, None], "c": 3,
                                                      "d": [None]}


# ------------------------------------------------------ console and progress

def test_peer_table_fits_100_columns_and_names_each_peer():
    clock = FakeClock()
    res = _peer_case(clock, "maxpool2d_k3s2p1_grad_f32_with_a_long_name")
    table = _report.suite_table("pool", [res])
    lines = table.splitlines()
    assert lines[0].startswith("[pool]") and max(len(line) for line in lines[1:]) <= 100
    assert any(line.startswith("  torch op") and "3.00x" in line and "PASS" in line
               for line in lines)
    assert any(line.startswith("  absent peer") and "not install" in line for line in lines)
    subject = next(line for line in lines if line.startswith("maxpool2d"))
    assert "GB/s" in subject and "bw" in subject         # memory-bound: bandwidth
    assert _report.suite_table("nn", [res]) == ""


def test_progress_fallback_line_without_tqdm():
    stream = io.StringIO()
    ticks = iter([0.0, 75.0, 80.0])
    p = _progress.Progress(2, stream=stream, tqdm=Missing(), clock=lambda: next(ticks))
    p.start("nn: conv2d_a")
    p.advance()
    p.start("pool: maxpool")
    p.close()
    assert stream.getvalue().splitlines() == ["[1/2] 1:15  nn: conv2d_a",
                                              "[2/2] 1:20  pool: maxpool"]


def test_progress_uses_tqdm_when_installed():
    tqdm = pytest.importorskip("tqdm")
    stream = io.StringIO()
    p = _progress.Progress(3, stream=stream, tqdm=tqdm)
    p.start("signal: conv2d_f64")
    p.advance()
    p.close()
    assert "1/3 cases" in stream.getvalue() and "signal: conv2d_f64" in stream.getvalue()


def test_best_of_is_the_timer_of_measure_true(monkeypatch):
    clock = FakeClock()
    assert _timing.best_of(clock.work([0.5, 9.0]), repeat=3, max_time=1.0,
                           timer=clock) == 0.5                       # slow: timed once
    fn = clock.work([1e-3, 3e-3, 2e-3, 1e-3, 1e-3, 1e-3, 5e-3, 5e-3, 5e-3, 5e-3, 5e-3])
    # first call 1 ms -> loops of 5 calls (5 ms); the fastest loop's mean
    assert _timing.best_of(fn, repeat=2, min_time=5e-3, timer=clock) == pytest.approx(1.6e-3)
    seen = []
    monkeypatch.setattr(convcore._methods, "best_of",
                        lambda fn, repeat, **kw: seen.append((repeat, kw)) or 1.0)
    assert convcore._methods.seconds(lambda: None) == 1.0
    assert seen == [(3, {"min_time": 5e-3, "max_time": 3.0})]


# -------------------------------------------------------------- plots

def test_plots_are_written(tmp_path):
    pytest.importorskip("matplotlib")
    clock = FakeClock()
    results = _sweep(clock) + [_peer_case(clock, "good"), _peer_case(clock, "bad", wrong=True)]
    paths = _plots.write_plots(results, _machine_figures(), str(tmp_path),
                               ["methods", "pool"])
    assert sorted(p.rsplit("/", 1)[1] for p in paths) == ["methods_conv1d.png",
                                                         "speedup_pool.png"]
    for p in paths:
        with open(p, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert "test cpu" in _plots.caption(_machine_figures())
    assert "avx2" in _plots.caption(_machine_figures())


# ------------------------------------------- real runs: optional libraries

def test_run_without_torch_gives_one_notice_and_completes(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)          # import torch fails
    code = _cli.main(_tiny_args("pool", "--out", str(tmp_path)))
    out = capsys.readouterr().out
    assert code == 0
    notices = [line for line in out.splitlines() if line.startswith("notice: torch")]
    assert len(notices) == 1 and "not installed" in notices[0]
    data = _results.validate(json.loads((tmp_path / "results.json").read_text()))
    (case,) = data["cases"]
    torch_row = case["competitors"]["torch adaptive_avg_pool2d"]
    assert torch_row["status"] == "not installed" and torch_row["ratio"] is None
    assert data["versions"]["torch"] is None and data["threads"]["torch"] is None
    assert "adaptive_avgpool2d_1x1_f32" in out


def test_run_without_matplotlib_writes_tables_but_no_plots(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code = _cli.main(_tiny_args("signal", "--out", str(tmp_path / "new" / "dir")))
    out = capsys.readouterr().out
    assert code == 0
    assert [line for line in out.splitlines() if line.startswith("notice: matplotlib")]
    written = sorted(p.name for p in (tmp_path / "new" / "dir").iterdir())
    assert written == ["results.json", "results.md"]
    md = (tmp_path / "new" / "dir" / "results.md").read_text()
    assert "## Suite `signal`" in md and "[signal] conv2d_f64_64_k3_same" in md


def test_list_and_unknown_suite(capsys):
    assert _cli.main(["--list", "methods"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("methods: section methods") and "layer2d_256ch_14_k7" in out
    with pytest.raises(SystemExit):
        _cli.main(["--list", "nosuchsuite"])


# ------------------------------------- the installed package, from elsewhere

def test_quick_run_of_every_suite_from_the_installed_package(tmp_path):
    """``python -m convcore.bench`` in a directory outside the source tree:
    one tiny case per suite, every output file, a results.json that
    validates."""
    command = [sys.executable, "-m", "convcore.bench"]
    if SANITIZER_RUN:  # the modules that abort under ASan (conftest) are left out here too
        command = [sys.executable, "-c", f"import sys; sys.modules.update(dict.fromkeys("
                   f"{LEFT_OUT!r})); from convcore.bench import main; raise SystemExit(main())"]
    out = subprocess.run(command + ["--quick"] + _tiny_args("--out", "res"), cwd=tmp_path,
                         env=child_env(), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    for suite in _runner.SUITES:
        assert f"[{suite}]" in out.stdout
    assert "summary:" in out.stdout and "4/4" in out.stderr + out.stdout
    res = tmp_path / "res"
    data = _results.validate(json.loads((res / "results.json").read_text()))
    assert [c["suite"] for c in data["cases"]] == list(_runner.SUITES)
    assert data["machine"]["peak_n"] == 64 and data["settings"]["rounds"] == 1
    assert data["cases"][0]["sweep"]["auto_method"] in _cases_methods.registered_methods()
    assert (res / "results.md").stat().st_size > 0
    if SANITIZER_RUN or importlib.util.find_spec("matplotlib") is None:
        return  # no plots without matplotlib
    assert (res / "methods_conv1d.png").exists() and (res / "speedup_nn.png").exists()


def test_nn_layer_rows_without_torch_row_in_the_methods_suite():
    conv = _cases_nn.Conv(1, 2, 2, (5, 5), 3, padding=1)
    x, w, b = _cases_nn.inputs(conv)
    comp = _cases_nn.competitors(conv, x, w, b, convcore.nn, ["direct"], None)
    assert list(comp) == ["convcore auto", "convcore direct"]
    assert math.isclose(float(np.abs(comp["convcore auto"]() - comp["convcore direct"]()).max()),
                        0.0, abs_tol=1e-5)
    assert dataclasses.is_dataclass(conv)
