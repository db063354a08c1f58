"""convcore benchmarks: convcore against its peers, interleaved in one process.

Usage (from the repository root)::

    python benchmarks/run.py --quick              # the README's command, 1-3 minutes
    python benchmarks/run.py                      # more rounds
    python benchmarks/run.py --section signal     # some sections only
    python benchmarks/run.py --case 512 --json out.json
    python benchmarks/run.py --list
    python benchmarks/run.py --contention --section signal --case 512
    python benchmarks/run.py --contention --section pool --quick

Sections are the ``cases_<section>.py`` files next to this script (see
``_runner.py`` for the timing method and how to add a section).  convcore is
imported as installed; when that fails (a build in place, not installed), the
repository root is added to the end of ``sys.path`` and the import retried.

``--contention`` times convcore alone, without peers, for every selected
case: its median idle on one thread and on all (interleaved), then, beside
one busy process the runner starts (a Python ``while True: pass``), the
median, mean, 90th percentile and maximum of 60 calls timed one by one on
all threads.  The target: busy p90 <= 1.5 x the idle 1-thread median
(``_contention.TARGET``).  The busy process is stopped after each case,
whatever happens (``finally``, an ``atexit`` hook, and it exits by itself
when the runner dies).  The method: "Under contention" in ``_runner.py``.

``--json PATH`` writes one object: ``kind`` (``"peers"``, the normal mode,
or ``"contention"``), ``settings`` and ``machine``; for ``"peers"`` also
``cases`` (one per case, its competitors keyed by label), ``geomeans`` and
``section_verdicts`` (``[case, what, verdict]`` of the sections' own targets,
e.g. ``nn``'s %peak);
for ``"contention"`` also ``contention``: ``{"target", "busy_command",
"cases"}``, each case with ``idle_1_thread`` and ``idle_all_threads``
(``median_s``, ``spread``, ``inner``, ``samples_s``), ``busy`` (``pid``,
``calls``, ``median_s``, ``mean_s``, ``p90_s``, ``max_s``, ``busy_process_cpus``,
``times_s``: every call), ``slowdown`` (busy p90 / idle 1-thread median),
``target``, ``verdict`` and the load during each phase.  Without the peak
and copy measurements, ``machine``'s ``peak_gflops`` is empty and
``dram_gbps`` null in contention mode.
"""
import argparse
import importlib
import json
import os
import sys
import time

import _contention
import _runner
from _runner import Settings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def import_convcore(name="convcore", root=ROOT, retries=5, delay=2.0, log=None):
    """Import convcore as installed, else from ``root`` (built in place).

    An import failing while the package is being rebuilt in place is retried
    ``retries`` times, ``delay`` seconds apart.
    """
    attempt = 0
    while True:
        try:
            module = importlib.import_module(name)
            importlib.import_module(f"{name}._config")
            return module
        except ImportError as exc:
            for mod in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
                del sys.modules[mod]
            if root not in sys.path:
                sys.path.append(root)   # after site-packages: never shadows an install
                importlib.invalidate_caches()
                continue
            if attempt >= retries:
                raise ImportError(f"cannot import {name} (installed or from {root}): "
                                  f"{exc}") from exc
            attempt += 1
            if log:
                log(f"import {name} failed ({exc}); retry {attempt}/{retries} in {delay:g} s")
            time.sleep(delay)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer rounds (1-3 minutes)")
    p.add_argument("--section", action="append", default=[],
                   help="section(s) to run, repeatable or comma-separated (default: all)")
    p.add_argument("--case", action="append", default=[],
                   help="run only cases whose name contains this text (repeatable)")
    p.add_argument("--rounds", type=int, help="override the number of interleaved rounds")
    p.add_argument("--wait-idle", type=float, metavar="S",
                   help="before each case, wait up to S seconds while other processes "
                        "keep the CPUs busy (default 5 with --quick, else 30)")
    p.add_argument("--threads", type=int, metavar="N",
                   help="convcore threads (and cv2's, torch's); default: convcore's default")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    p.add_argument("--list", action="store_true", help="list sections and cases, then exit")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    p.add_argument("--contention", action="store_true",
                   help="time convcore alone, idle and beside one busy process it starts: "
                        f"busy p90 <= {_contention.TARGET:g} x the idle 1-thread median")
    return p.parse_args(argv)


def select_cases(args, directory=HERE):
    """``[Section]`` in run order, after ``--section``/``--case``."""
    found = _runner.discover_sections(directory)
    wanted = [s for arg in args.section for s in arg.split(",") if s]
    unknown = [s for s in wanted if s not in found]
    if unknown:
        raise SystemExit(f"unknown section(s) {', '.join(unknown)}; "
                         f"available: {', '.join(found) or 'none'}")
    loaded = []
    for section, path in found.items():
        if wanted and section not in wanted:
            continue
        try:
            sec = _runner.load_section(section, path)
        except Exception as exc:   # one broken section must not stop the others
            print(f"section {section} skipped: {os.path.basename(path)} failed to load: "
                  f"{type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        if args.case:
            sec.cases = [c for c in sec.cases if any(s in c.name for s in args.case)]
        if sec.cases:
            loaded.append(sec)
    loaded.sort(key=lambda sec: (sec.order, sec.name))
    return loaded


BUSY = 0.25     # CPUs used by other processes above which a case is flagged


def run_one(case, settings, machine, convcore, _machine):
    """Wait for a quiet machine (bounded), run the case, record the load."""
    wait_quiet(settings, _machine)
    meter = _machine.LoadMeter().start()
    res = _runner.run_case(case, settings, machine, threads=convcore.get_num_threads())
    res.other_cpus, res.steal_cpus = meter.stop()
    if res.other_cpus is not None and res.other_cpus > BUSY:
        res.warnings.append(f"the machine was busy ({res.other_cpus:.2f} CPUs used by other "
                            "processes): multi-threaded timings are unreliable")
    return res


def wait_quiet(settings, _machine):
    """Wait (bounded by ``settings.wait_idle``) for other processes to quiet down."""
    if settings.wait_idle > 0:
        waited, other = _machine.wait_quiet(settings.wait_idle, BUSY)
        if waited > 1:
            print(f"(waited {waited:.0f} s for other processes to quiet down"
                  + (f"; they still use {other:.2f} CPUs)" if other > BUSY else ")"))


def run_contention_one(case, settings, convcore, _machine):
    """Wait for a quiet machine (bounded), then time the case's subject idle
    and beside one busy process (:func:`_contention.run_contention_case`)."""
    wait_quiet(settings, _machine)
    res = _contention.run_contention_case(case, settings, convcore.threads,
                                          convcore.get_num_threads(),
                                          meter=_machine.LoadMeter)
    _contention.load_warnings(res, BUSY)
    return res


def contention_summary(results, seconds):
    """The closing lines of ``--contention``: verdict counts, failures,
    what did not run; as :func:`summary`."""
    verdicts = [(r.case.name, what, v) for r in results for what, v in r.verdicts()]
    fails = [(name, what) for name, what, v in verdicts if v == "FAIL"]
    lines = [f"summary: {len(verdicts) - len(fails)} PASS, {len(fails)} FAIL ({seconds:.0f} s)"]
    by_name = {r.case.name: r for r in results}
    lines += [f"  FAIL {name}: {what} {by_name[name].slowdown:.2f}x" for name, what in fails]
    missing = [f"{r.case.name} ({r.status})" for r in results if r.status != "ok"]
    if missing:
        lines.append(f"  not run: {', '.join(missing)}")
    noisy = [r.case.name for r in results if r.warnings]
    if noisy:
        lines.append(f"  load warnings for {', '.join(noisy)}: see WARNING lines")
    target = results[0].target if results else _contention.TARGET
    lines.append(f"  slowdown = p90 of the calls beside one busy process / idle 1-thread "
                 f"median; PASS when slowdown <= {target:g}x")
    return "\n".join(lines), fails


def main_contention(args, settings, convcore, _machine, sections):
    """``--contention``: every selected case's subject, idle then busy."""
    t_start = time.perf_counter()
    print(f"convcore benchmarks under contention ({settings.mode}: idle, up to "
          f"{settings.rounds} interleaved rounds on 1 and {convcore.get_num_threads()} "
          f"threads; busy, {settings.busy_calls} calls timed one by one beside one busy "
          "process)")
    machine = _machine.describe(convcore)
    print(_machine.format_machine(machine))
    print("  busy       one process per case: python -c 'while True: pass' (exits when "
          "the runner does)")
    results = []
    with _contention.sigterm_exits():
        for sec in sections:
            for case in sec.cases:
                print()
                res = run_contention_one(case, settings, convcore, _machine)
                print(_contention.format_contention(res), flush=True)
                results.append(res)
    text, fails = contention_summary(results, time.perf_counter() - t_start)
    print()
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"kind": "contention", "settings": vars(settings),
                       "machine": vars(machine),
                       "contention": {"target": _contention.TARGET,
                                      "busy_command": _contention.busy_command(),
                                      "cases": [r.to_dict() for r in results]}},
                      f, indent=1, default=str)
        print(f"results written to {args.json}")
    return 1 if (args.strict and fails) else 0


def geomeans(sections, results):
    """The :class:`_runner.Geomean` of every ``GEOMEAN_TARGETS`` entry of
    the sections run."""
    return [_runner.section_geomean(sec.name, prefix, target, results)
            for sec in sections for prefix, target in sec.geomean_targets.items()]


def section_report(sec, results, machine):
    """``(text, [(name, what, verdict)])`` of the section's module hook
    ``section_report(results, machine)``, printed after its cases (``nn``:
    the methods x cases table and its %peak targets); ``("", [])`` without
    one."""
    hook = getattr(sys.modules.get(f"cases_{sec.name}"), "section_report", None)
    if hook is None:
        return "", []
    text, verdicts = hook(results, machine)
    return text, list(verdicts)


def summary(results, seconds, means=(), extra=()):
    """The closing lines: verdict counts, section geometric means, failures,
    what did not run; ``extra``: more ``(name, what, verdict)`` (the
    sections' own targets, :func:`section_report`)."""
    verdicts = [(r.case.name, what, v) for r in results for what, v in r.verdicts()]
    verdicts += [v for v in extra if v[2] in ("PASS", "FAIL")]
    verdicts += [(g.section, f"geomean vs {g.prefix}*", g.verdict) for g in means
                 if g.verdict in ("PASS", "FAIL")]
    fails = [(name, what) for name, what, v in verdicts if v == "FAIL"]
    lines = [f"summary: {len(verdicts) - len(fails)} PASS, {len(fails)} FAIL ({seconds:.0f} s)"]
    lines += [f"  {_runner.format_geomean(g)}" for g in means]
    lines += [f"  FAIL {name}: {what}" for name, what in fails]
    missing = sorted({f"{r.label} ({r.status})" for res in results for r in res.rows
                      if r.timing is None and r.status != "ok"})
    if missing:
        lines.append(f"  not run: {', '.join(missing)}")
    if any(r.matches is False for res in results for r in res.rows):
        lines.append("  * computes different numbers from convcore (see WARNING lines)")
    busy = [res.case.name for res in results
            if res.other_cpus is not None and res.other_cpus > BUSY]
    if busy:
        lines.append(f"  busy machine during {', '.join(busy)}: rerun when it is quiet")
    lines.append("  ratio = peer time / convcore time; PASS when ratio >= target"
                 + ("; geomean: geometric mean over the section's cases of the ratio "
                    "against the fastest matching peer" if means else ""))
    return "\n".join(lines), fails


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    settings = Settings.quick() if args.quick else Settings()
    if args.rounds:
        settings.rounds = args.rounds
    if args.wait_idle is not None:
        settings.wait_idle = args.wait_idle
    convcore = import_convcore(log=lambda msg: print(msg, file=sys.stderr))
    if args.threads:
        convcore.set_num_threads(args.threads)
    import _machine

    sections = select_cases(args)
    if args.list:
        for sec in sections:
            print(sec.name + "".join(f"  (geomean vs {p}* >= {t:g}x)"
                                     for p, t in sec.geomean_targets.items()))
            for c in sec.cases:
                print(f"  {c.name:32s} {c.title}")
        return 0
    if not sections:
        raise SystemExit("no case selected")
    if args.contention:
        return main_contention(args, settings, convcore, _machine, sections)

    t_start = time.perf_counter()
    print(f"convcore benchmarks ({settings.mode}: up to {settings.rounds} interleaved rounds, "
          f"samples >= {settings.min_time * 1e3:g} ms, medians; spread = IQR/median)")
    meter = _machine.LoadMeter().start()
    machine = _machine.measure(convcore, settings)
    other, steal = meter.stop()
    print(_machine.format_machine(machine))
    print("  peers      scipy single-threaded; cv2 and torch set to convcore's thread count")
    if other is not None:
        print(f"  load       other processes used {other:.2f} CPUs, the hypervisor stole "
              f"{steal:.2f} CPUs while these were measured")

    results, extra = [], []
    for sec in sections:
        done = []
        for case in sec.cases:
            print()
            res = run_one(case, settings, machine, convcore, _machine)
            print(_runner.format_case(res), flush=True)
            done.append(res)
        text, verdicts = section_report(sec, done, machine)
        if text:
            print()
            print(text, flush=True)
        results += done
        extra += verdicts

    means = geomeans(sections, results)
    text, fails = summary(results, time.perf_counter() - t_start, means, extra)
    print()
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"kind": "peers", "settings": vars(settings), "machine": vars(machine),
                       "cases": [r.to_dict() for r in results],
                       "geomeans": [g.to_dict() for g in means],
                       "section_verdicts": [list(v) for v in extra]},
                      f, indent=1, default=str)
        print(f"results written to {args.json}")
    return 1 if (args.strict and fails) else 0


if __name__ == "__main__":
    sys.exit(main())
