"""Text of ``python -m convcore.bench``: numbers, the console's tables,
the summary and ``results.md``.

- The console gets one compact table per suite, at most 100 columns
  (:func:`suite_table`): per case convcore's time, GFLOPS (GB/s for a
  memory-bound case), its fraction of the machine's peak (the matmul peak
  of its dtype, or the copy bandwidth), and one line per peer with its
  time, ratio and verdict.  The methods suite has its own table
  (:func:`convcore.bench._cases_methods.sweep_table`).
- ``results.md`` (:func:`markdown`) holds the same tables, then every
  case's detailed block (:func:`format_case`, 110 columns: spread, sample
  counts, every percentage, targets) and the sections' closing reports.
"""
import datetime

from ._machine import BUSY, format_machine
from ._runner import INVALID
from ._timing import format_time

__all__ = ["format_time", "format_bytes", "format_case", "format_geomean", "peer_table",
           "suite_table", "summary", "markdown"]


def format_bytes(n):
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


def _num(x, fmt):
    return "-" if x is None else format(x, fmt)


def _pct(x):
    return "-" if x is None else f"{100 * x:.0f}%"


_COLUMNS = (("competitor", 30, "<"), ("time", 11, ">"), ("spread", 7, ">"),
            ("n", 6, ">"), ("GFLOPS", 8, ">"), ("%peak", 6, ">"), ("GB/s", 7, ">"),
            ("%copy(a)", 9, ">"), ("%copy(b)", 9, ">"), ("ratio", 9, ">"),
            ("target", 8, ">"), ("result", 8, "<"))


def _line(cells):
    return "  " + " ".join(format(str(c)[:w] if a == "<" else str(c), f"{a}{w}")
                           for c, (_, w, a) in zip(cells, _COLUMNS)).rstrip()


def format_case(res):
    """The table of one case as text."""
    c = res.case
    head = f"[{c.section}] {c.name}"
    if c.title:
        head += f": {c.title}"
    lines = [head,
             f"  {c.flops / 1e6:.1f} MFLOP (direct), {format_bytes(c.bytes)} moved, "
             f"copy(a) = {format_bytes(c.input_nbytes)}, "
             f"{res.threads if res.threads else '?'} convcore threads"
             + (f"; {c.note}" if c.note else ""),
             _line([name for name, _, _ in _COLUMNS])]
    for r in res.rows:
        if r.timing is None:
            lines.append(_line([r.label, r.status, "", "", "", "", "", "", "", "",
                                _target(r.target), ""]))
            continue
        mark = "*" if r.matches is False else ""
        lines.append(_line([
            r.label + mark, format_time(r.timing.median), _pct(r.timing.spread),
            f"{r.timing.inner}x{len(r.timing.samples)}",
            _num(r.gflops, ".2f"), _pct(r.pct_peak), _num(r.gbps, ".1f"),
            _pct(r.pct_copy_a), _pct(r.pct_copy_b),
            "-" if r.ratio is None else f"{r.ratio:.2f}x",
            _target(r.target) if r.role == "peer" else "", r.verdict + mark]))
    if c.bandwidth_target is not None:
        lines.append(_line([f"{c.subject} GB/s / copy(a) GB/s", "", "", "", "", "", "", "",
                            "", "-" if res.bandwidth_ratio is None
                            else f"{100 * res.bandwidth_ratio:.0f}%",
                            f">={100 * c.bandwidth_target:.0f}%", res.bandwidth_verdict]))
    if res.other_cpus is not None:
        lines.append(f"  load: other processes used {res.other_cpus:.2f} CPUs, the hypervisor "
                     f"stole {res.steal_cpus:.2f} CPUs (averages over the case)")
    for w in res.warnings:
        lines.append(f"  WARNING: {w}")
    return "\n".join(lines)


def _target(t):
    return "" if t is None else f">={t:g}x"


def format_geomean(g):
    """One summary line, e.g. ``geomean [pool] vs torch*: 3.41x over 5 cases,
    target >=3x: PASS``."""
    head = f"geomean [{g.section}] vs {g.prefix}*: "
    if g.value is None:
        text = head + "no ratio (no case ran against such a peer)"
    else:
        text = (head + f"{g.value:.2f}x over {len(g.ratios)} case"
                + ("s" if len(g.ratios) != 1 else "") + f", target {_target(g.target)}: "
                + g.verdict)
    if g.missing:
        text += f" (without {', '.join(g.missing)})"
    return text


_EXPECTED = ("ok", "n/a", "skipped")     # statuses of rows not listed as "not run"


def summary(results, seconds, means=(), extra=()):
    """The closing lines: verdict counts, section geometric means, failures,
    what did not run; ``extra``: more ``(name, what, verdict)`` (the
    sections' own targets, their ``section_report``).  Returns ``(text,
    [(name, what)] of every FAIL and INVALID)``."""
    verdicts = [(r.case.name, what, v) for r in results for what, v in r.verdicts()]
    verdicts += [v for v in extra if v[2] in ("PASS", "FAIL")]
    verdicts += [(g.section, f"geomean vs {g.prefix}*", g.verdict) for g in means
                 if g.verdict in ("PASS", "FAIL")]
    fails = [(name, what) for name, what, v in verdicts if v in ("FAIL", INVALID)]
    n_invalid = sum(v == INVALID for _, _, v in verdicts)
    lines = [f"summary: {len(verdicts) - len(fails)} PASS, {len(fails) - n_invalid} FAIL, "
             f"{n_invalid} INVALID ({seconds:.0f} s)"]
    lines += [f"  {format_geomean(g)}" for g in means]
    lines += [f"  {v} {name}: {what}" for name, what, v in verdicts if v in ("FAIL", INVALID)]
    missing = sorted({f"{r.label} ({r.status})" for res in results for r in res.rows
                      if r.timing is None and not r.status.startswith(_EXPECTED)})
    if missing:
        lines.append(f"  not run: {', '.join(missing)}")
    if any(r.matches is False for res in results for r in res.rows):
        lines.append("  * computes different numbers from convcore: INVALID, no ratio, in no "
                     "geometric mean (see WARNING lines)")
    busy = [res.case.name for res in results
            if res.other_cpus is not None and res.other_cpus > BUSY]
    if busy:
        lines.append(f"  busy machine during {', '.join(busy)}: rerun when it is quiet")
    lines.append("  ratio = peer time / convcore time; PASS when ratio >= target"
                 + ("; geomean: geometric mean over the section's cases of the ratio "
                    "against the fastest matching peer" if means else ""))
    return "\n".join(lines), fails


# --------------------------------------------------------------------------
# The console's tables

_PEER_COLUMNS = (("case / peer", 38, "<"), ("time", 11, ">"), ("rate", 11, ">"),
                 ("of peak", 8, ">"), ("ratio", 9, ">"), ("verdict", 9, "<"))


def _peer_line(cells):
    return " ".join(format(str(c)[:w] if a == "<" else str(c), f"{a}{w}")
                    for c, (_, w, a) in zip(cells, _PEER_COLUMNS)).rstrip()


def memory_bound(case):
    """Whether a case is judged by bandwidth (GB/s against the copy) rather
    than by GFLOPS against the matmul peak: it has a bandwidth target."""
    return case.bandwidth_target is not None


def _rate(case, row):
    """(rate, fraction of peak) of a row as text: GFLOPS and % of the
    dtype's matmul peak, or, memory-bound, GB/s and % of the copy (copy(a)
    when timed with the case, else the DRAM copy)."""
    if memory_bound(case):
        pct = row.pct_copy_a if row.pct_copy_a is not None else row.pct_copy_b
        return _num(row.gbps, ".1f") + " GB/s", _pct(pct) + " bw"
    return _num(row.gflops, ".1f") + " GF", _pct(row.pct_peak) + " pk"


def peer_table(results):
    """One line per case (convcore's time, rate, fraction of peak; its
    bandwidth verdict when it has one), one indented line per peer (time,
    ratio = peer time / convcore time, verdict); at most 100 columns."""
    lines = [_peer_line([name for name, _, _ in _PEER_COLUMNS])]
    for res in results:
        subject = next((r for r in res.rows if r.role == "subject"), None)
        if subject is None or subject.timing is None:
            status = subject.status if subject is not None else "no subject"
            lines.append(_peer_line([res.case.name, status[:11], "", "", "", ""]))
        else:
            rate, pct = _rate(res.case, subject)
            lines.append(_peer_line([res.case.name, format_time(subject.timing.median),
                                     rate, pct, "", res.bandwidth_verdict]))
        for r in res.rows:
            if r.role != "peer":
                continue
            if r.timing is None:
                lines.append(_peer_line(["  " + r.label, r.status.split(":")[0][:11], "", "",
                                         "", ""]))
                continue
            lines.append(_peer_line(["  " + r.label + ("*" if r.matches is False else ""),
                                     format_time(r.timing.median), "", "",
                                     "-" if r.ratio is None else f"{r.ratio:.2f}x",
                                     r.verdict]))
    return "\n".join(lines)


def suite_table(suite, results):
    """The console's table of one suite's results, with its title."""
    from . import _cases_methods
    results = [r for r in results if r.case.suite == suite]
    if not results:
        return ""
    if suite == "methods":
        title = ("[methods] 'auto' against every method (regret = auto time / fastest "
                 "method's time)")
        return title + "\n" + _cases_methods.sweep_table(results)
    title = (f"[{suite}] convcore against its peers (ratio = peer time / convcore time: "
             "how many times faster convcore is)")
    return title + "\n" + peer_table(results)


# --------------------------------------------------------------------------
# results.md


def _block(text):
    return "```\n" + text.rstrip() + "\n```\n"


CASE_LEGEND = (
    "Columns: `time` median per call; `spread` inter-quartile range / median; `n` calls "
    "per sample x samples; `GFLOPS` direct-algorithm flops (2 per multiply-add) / time; "
    "`%peak` of the dtype's matmul peak; `GB/s` inputs read once + output written once / "
    "time; `%copy(a)` of a copy of the input's size timed with the case, `%copy(b)` of "
    "the DRAM copy; `ratio` peer time / convcore time; `result` PASS (ratio >= target), "
    "FAIL, info (no target) or INVALID (`*`: the peer computes other numbers, no ratio).")


def markdown(machine, suites, results, summary_text, reports=(), notices=(), command=""):
    """The text of ``results.md``: the machine, each suite's table, the
    summary, the sections' closing reports and every case's detailed
    block."""
    out = ["# convcore benchmark results", "",
           f"{datetime.datetime.now().isoformat(timespec='seconds')}"
           + (f", `{command}`" if command else ""), "", "## Machine", "",
           _block(format_machine(machine))]
    if notices:
        out += ["Notices:", ""] + [f"- {n}" for n in notices] + [""]
    for suite in suites:
        table = suite_table(suite, results)
        if table:
            out += [f"## Suite `{suite}`", "", _block(table)]
    out += ["## Summary", "", _block(summary_text)]
    for text in reports:
        if text:
            out += [_block(text)]
    out += ["## Every case", "", CASE_LEGEND, ""]
    out += [_block(format_case(res)) for res in results]
    return "\n".join(out)
