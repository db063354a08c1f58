"""The command line of ``python -m convcore.bench``.

Usage::

    python -m convcore.bench                       # all four suites, 15 rounds (< 15 min)
    python -m convcore.bench --quick               # fewer cases and rounds (~2 min)
    python -m convcore.bench methods nn            # some suites (or --suite, repeatable)
    python -m convcore.bench --case 512 --out res  # cases whose name contains the text;
                                                   # res/results.md, results.json, *.png
    python -m convcore.bench --list
    python -m convcore.bench --contention signal --case 512

Suites (:data:`convcore.bench._runner.SUITES`): ``methods`` (convcore's
algorithms against each other and 'auto''s regret), ``signal`` (against
scipy.signal, numpy, scipy.ndimage, OpenCV, torch), ``nn`` and ``pool``
(against torch).  Each suite gathers the ``_cases_<section>`` modules whose
``SUITE`` names it.  Peers are optional: a missing one, or a missing
matplotlib (plots) or tqdm (progress bar), gives a one-line notice.

The method (interleaved rounds, medians, the output check): the docstring
of :mod:`convcore.bench._runner`; ``--contention``: of
:mod:`convcore.bench._contention`; the files of ``--out``:
:mod:`convcore.bench._results` (results.json's schema),
:mod:`convcore.bench._report` (results.md), :mod:`convcore.bench._plots`.
"""
import argparse
import importlib.util
import os
import sys
import time

import convcore

from . import _contention, _machine, _report, _results, _runner
from ._machine import BUSY
from ._progress import Progress
from ._runner import SUITES, Settings

# (module, what is lost without it), checked at the start of a run
PEERS = (("cv2", "the OpenCV peer of the signal suite"),
         ("torch", "the torch peers of the signal, nn and pool suites"),
         ("tqdm", "the progress bar (a plain line instead)"))


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m convcore.bench",
                                description="convcore against its peers and its own methods, "
                                            "interleaved in one process.")
    p.add_argument("suites", nargs="*", metavar="SUITE",
                   help=f"suites to run: {', '.join(SUITES)} (default: all)")
    p.add_argument("--suite", action="append", default=[],
                   help="a suite to run (repeatable or comma-separated)")
    p.add_argument("--quick", action="store_true",
                   help="fewer cases and rounds (about two minutes)")
    p.add_argument("--case", action="append", default=[],
                   help="run only cases whose name contains this text, or, ending with "
                        "'=', is this name (repeatable)")
    p.add_argument("--rounds", type=int, help="override the number of interleaved rounds")
    p.add_argument("--threads", type=int, metavar="N",
                   help="threads of convcore, cv2 and torch (default: convcore's default)")
    p.add_argument("--out", metavar="DIR",
                   help="write DIR/results.md, DIR/results.json and the plots (created if "
                        "missing)")
    p.add_argument("--list", action="store_true", help="list suites and cases, then exit")
    p.add_argument("--contention", action="store_true",
                   help="time convcore alone, idle and beside one busy process it starts: "
                        f"busy p90 <= {_contention.TARGET:g} x the idle 1-thread median")
    p.add_argument("--wait-idle", type=float, metavar="S",
                   help="before each case, wait up to S seconds while other processes "
                        "keep the CPUs busy (default 5 with --quick, else 30; 0: never)")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when a target fails or a peer is invalid")
    p.add_argument("--peak-n", type=int, metavar="N",
                   help="side of the matmul timed for the peak GFLOPS (default 2048; "
                        "smaller: a faster, less exact peak)")
    p.add_argument("--copy-mib", type=int, metavar="M",
                   help="MiB of the DRAM copy timed for the bandwidth (default 256)")
    args = p.parse_args(argv)
    wanted = [s for arg in args.suites + args.suite for s in arg.split(",") if s]
    unknown = [s for s in wanted if s not in SUITES]
    if unknown:
        p.error(f"unknown suite(s) {', '.join(unknown)}; available: {', '.join(SUITES)}")
    args.suites = [s for s in SUITES if s in wanted] or list(SUITES)
    return args


def _matches(name, text):
    """``--case text`` selects ``name``: the text is the name, or part of it
    (``text=`` selects the one case named ``text`` only)."""
    if text.endswith("="):
        return name == text[:-1]
    return text in name


def select_cases(args, package=__package__, log=None):
    """``[Section]`` of the suites asked for, in run order (suite, then the
    module's ``ORDER``), their cases filtered by ``--quick`` and ``--case``.
    A section whose module fails to load is skipped with a line on
    ``log``."""
    log = log or (lambda msg: print(msg, file=sys.stderr))
    loaded = []
    for section, source in _runner.discover_sections(package).items():
        try:
            sec = _runner.load_section(section, source)
        except Exception as exc:   # one broken section must not stop the others
            log(f"section {section} skipped: {source} failed to load: "
                f"{type(exc).__name__}: {exc}")
            continue
        if sec.suite not in args.suites:
            continue
        sec.cases = [c for c in sec.cases if (c.quick or not args.quick)
                     and (not args.case or any(_matches(c.name, s) for s in args.case))]
        if sec.cases:
            loaded.append(sec)
    rank = {s: i for i, s in enumerate(SUITES)}
    loaded.sort(key=lambda sec: (rank.get(sec.suite, len(rank)), sec.order, sec.name))
    return loaded


def settings_of(args):
    """The :class:`Settings` of the command line."""
    settings = Settings.quick() if args.quick else Settings()
    if args.rounds:
        settings.rounds = args.rounds
    if args.wait_idle is not None:
        settings.wait_idle = args.wait_idle
    if args.peak_n:
        settings.peak_n = args.peak_n
    if args.copy_mib:
        settings.dram_nbytes = args.copy_mib << 20
    return settings


def installed(name):
    """Whether module ``name`` can be found, without importing it (torch
    takes seconds to import, and cv2 brings its own BLAS into the process:
    both load only when a case needs them)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def notices(out=None):
    """One line per optional library missing: its peers or features are
    left out, the run goes on.  (A library found but failing to import
    shows on its rows as ``not importable: ...``.)"""
    wanted = PEERS + ((("matplotlib", "the plots of --out"),) if out else ())
    return [f"notice: {name} not installed: without {what} (pip install \"convcore[bench]\")"
            for name, what in wanted if not installed(name)]


def wait_quiet(settings, log):
    """Wait (bounded by ``settings.wait_idle``) for other processes to quiet down."""
    if settings.wait_idle > 0:
        waited, other = _machine.wait_quiet(settings.wait_idle, BUSY)
        if waited > 1:
            log(f"(waited {waited:.0f} s for other processes to quiet down"
                + (f"; they still use {other:.2f} CPUs)" if other is not None and other > BUSY
                   else ")"))


def run_one(case, settings, machine, log=print):
    """Wait for a quiet machine (bounded), run the case, record the load."""
    wait_quiet(settings, log)
    meter = _machine.LoadMeter().start()
    res = _runner.run_case(case, settings, machine, threads=convcore.get_num_threads())
    res.other_cpus, res.steal_cpus = meter.stop()
    if res.other_cpus is not None and res.other_cpus > BUSY:
        res.warnings.append(f"the machine was busy ({res.other_cpus:.2f} CPUs used by other "
                            "processes): multi-threaded timings are unreliable")
    return res


def geomeans(sections, results):
    """The :class:`_runner.Geomean` of every ``GEOMEAN_TARGETS`` entry of
    the sections run that some case of the run had a peer for."""
    means = [_runner.section_geomean(sec.name, prefix, target, results)
             for sec in sections for prefix, target in sec.geomean_targets.items()]
    return [g for g in means if g.ratios or g.missing]   # no case of the kind ran: no line


def section_report(sec, results, machine):
    """``(text, [(name, what, verdict)])`` of the section's closing report
    (``nn``: the methods x cases table and its %peak targets); ``("", [])``
    without one."""
    if sec.report is None:
        return "", []
    text, verdicts = sec.report(results, machine)
    return text, list(verdicts)


def list_cases(sections):
    for sec in sections:
        print(f"{sec.suite}: section {sec.name}" + "".join(
            f"  (geomean vs {p}* >= {t:g}x)" for p, t in sec.geomean_targets.items()))
        for c in sec.cases:
            print(f"  {c.name:36s} {'' if c.quick else '(full run only) '}{c.title}")


def header(settings, machine, extra=()):
    return "\n".join([f"convcore benchmarks ({settings.mode}: up to {settings.rounds} "
                      f"interleaved rounds, samples >= {settings.min_time * 1e3:g} ms, medians)",
                      _machine.format_machine(machine), *extra])


def run_sections(sections, settings, machine, progress):
    """Run every case, a suite's table printed when the suite ends.
    Returns ``(results, section verdicts, section reports)``."""
    results, extra, reports = [], [], []
    for i, sec in enumerate(sections):
        done = []
        for case in sec.cases:
            progress.start(f"{sec.suite}: {case.name}")
            done.append(run_one(case, settings, machine, log=progress.write))
            progress.advance()
        text, verdicts = section_report(sec, done, machine)
        results += done
        extra += verdicts
        reports.append(text)
        if i + 1 == len(sections) or sections[i + 1].suite != sec.suite:
            progress.write("\n" + _report.suite_table(sec.suite, results))
    return results, extra, reports


def write_outputs(out, args, argv, settings, machine, notes, sections, results, extra,
                  reports, seconds, summary_text):
    """results.md, results.json and, with matplotlib, the plots."""
    os.makedirs(out, exist_ok=True)
    means = geomeans(sections, results)
    head = _results.header("peers", argv, settings, machine, convcore, notes, args.suites)
    _results.write(os.path.join(out, "results.json"),
                   _results.peers_results(head, results, means, extra, seconds))
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(_report.markdown(machine, args.suites, results, summary_text, reports, notes,
                                 "python -m convcore.bench " + " ".join(argv)))
    written = ["results.md", "results.json"]
    if installed("matplotlib"):
        from . import _plots
        written += [os.path.basename(p)
                    for p in _plots.write_plots(results, machine, out, args.suites)]
    return written


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    settings = settings_of(args)
    if args.threads:
        convcore.set_num_threads(args.threads)
    sections = select_cases(args)
    if args.list:
        list_cases(sections)
        return 0
    if not sections:
        raise SystemExit("no case selected (see --list)")
    if args.contention:
        return main_contention(args, argv, settings, sections)

    t_start = time.perf_counter()
    notes = notices(args.out)
    for line in notes:
        print(line)
    meter = _machine.LoadMeter().start()
    machine = _machine.measure(convcore, settings)
    other, steal = meter.stop()
    print(header(settings, machine, [
        "  peers      scipy and numpy single-threaded; cv2 and torch set to convcore's "
        f"{convcore.get_num_threads()} threads"]
        + ([f"  load       other processes used {other:.2f} CPUs, the hypervisor stole "
            f"{steal:.2f} CPUs while these were measured"] if other is not None else [])),
        flush=True)

    progress = Progress(sum(len(sec.cases) for sec in sections))
    try:
        results, extra, reports = run_sections(sections, settings, machine, progress)
    finally:
        progress.close()
    seconds = time.perf_counter() - t_start
    text, fails = _report.summary(results, seconds, geomeans(sections, results), extra)
    print()
    print(text)
    if args.out:
        written = write_outputs(args.out, args, argv, settings, machine, notes, sections,
                                results, extra, reports, seconds, text)
        print(f"written to {args.out}: {', '.join(written)}")
    return 1 if (args.strict and fails) else 0


def run_contention_one(case, settings, log=print, meter=_machine.LoadMeter):
    """Wait for a quiet machine (bounded), then time the case's subject idle
    and beside one busy process (:func:`_contention.run_contention_case`)."""
    wait_quiet(settings, log)
    res = _contention.run_contention_case(case, settings, convcore.threads,
                                          convcore.get_num_threads(), meter=meter)
    _contention.load_warnings(res, BUSY)
    return res


def main_contention(args, argv, settings, sections, run=run_contention_one,
                    describe=_machine.describe):
    """``--contention``: every selected case's subject, idle then busy."""
    t_start = time.perf_counter()
    machine = describe(convcore)
    print(header(settings, machine, [
        f"  contention idle: up to {settings.rounds} interleaved rounds on 1 and "
        f"{convcore.get_num_threads()} threads; busy: {settings.busy_calls} calls timed one "
        "by one beside one busy process (python -c 'while True: pass', exits with the run)"]))
    results = []
    with _contention.sigterm_exits():
        for sec in sections:
            for case in sec.cases:
                print()
                res = run(case, settings)
                print(_contention.format_contention(res), flush=True)
                results.append(res)
    text, fails = _contention.contention_summary(results, time.perf_counter() - t_start)
    print()
    print(text)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        head = _results.header("contention", argv, settings, machine, convcore, [],
                               args.suites)
        _results.write(os.path.join(args.out, "results.json"), dict(head, contention={
            "target": _contention.TARGET, "busy_command": _contention.busy_command(),
            "cases": [r.to_dict() for r in results]}))
        print(f"written to {args.out}: results.json")
    return 1 if (args.strict and fails) else 0
