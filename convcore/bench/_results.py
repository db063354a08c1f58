"""``results.json``: every number of a run, for other programs.

Schema, version 1 (``"schema": "convcore.bench.results"``, ``"version":
1``; a change that renames or removes a key increments the version, a new
key does not).  Every figure that was not measured, or not valid, is
``null``: never NaN, infinity or 0 (the file is written with
``allow_nan=False``).  Times in seconds, rates in GFLOPS and GB/s (1 GB =
1e9 bytes), fractions as fractions (0.45, not 45).

Top level:

``schema``, ``version``
    as above.
``kind``
    ``"peers"`` (suites against their peers) or ``"contention"``.
``created``
    ISO 8601 local time of the run's end.
``command``
    the argument list the tool ran with.
``settings``
    the measurement settings (``convcore.bench._runner.Settings``: rounds,
    min_rounds, min_time, budget, ...).
``machine``
    ``cpu_model``, ``cpus``, ``simd_in_use``, ``simd_cpu``,
    ``thread_pool``, ``threads`` (convcore's), ``blas``, ``blas_threads``,
    ``peak_gflops`` (``{"float32": GFLOPS, "float64": GFLOPS}`` of
    ``np.matmul``, empty under contention), ``peak_spread``, ``peak_n``,
    ``dram_gbps`` (``np.copyto`` bandwidth, read + write; null under
    contention), ``dram_spread``, ``dram_nbytes``, ``convcore_version``,
    ``convcore_path``, ``numpy``, ``python``.
``versions``
    ``{library: version string or null when not installed}`` for convcore,
    numpy, scipy, threadpoolctl, torch, cv2, matplotlib, tqdm.
``threads``
    ``{library: thread count or null}``: convcore, numpy_blas, torch, cv2,
    scipy (1: scipy's convolutions run one thread).
``notices``
    the one-line notices of the run (a peer or plotting library missing).
``suites``
    the suites run, in order.

For ``"peers"`` also:

``cases``
    one object per case run: ``name``, ``suite``, ``section``, ``title``,
    ``dtype``, ``flops`` (direct-algorithm flops, 2 per multiply-add),
    ``bytes`` (moved: inputs once, output once), ``input_nbytes``,
    ``subject`` (the label the ratios divide by), ``threads``, ``sweep``
    (methods suite: ``family``, ``line``, ``input``, ``kernel``,
    ``auto_method``; else null), ``warnings``, ``other_cpus``,
    ``steal_cpus`` (load while the case ran), ``bandwidth_target``,
    ``bandwidth_ratio``, ``bandwidth_verdict``, and ``competitors``:
    ``{label: {...}}`` with ``role`` (``subject``, ``peer``,
    ``reference``), ``status`` (``ok``, ``not installed``, ``n/a: ...``,
    ``skipped: ...``, ``error: ...``), ``valid`` (true: same numbers as the
    subject; false: other numbers, the row is invalid; null: not compared),
    ``median_s``, ``spread`` (IQR / median), ``inner`` (calls per sample),
    ``samples_s`` (every sample: seconds per call), ``gflops``, ``gbps``,
    ``pct_peak``, ``pct_copy_a``, ``pct_copy_b``, ``ratio`` (peer time /
    subject time; null when either did not run or the peer is invalid),
    ``target``, ``verdict`` (``PASS``, ``FAIL``, ``INVALID``, ``info``
    or ``""``).
``geomeans``
    per section target: ``section``, ``prefix``, ``target``, ``ratios``
    (``{case: [peer label, ratio]}``), ``missing`` (cases without a valid
    ratio), ``value`` (null without ratios), ``verdict``.
``section_verdicts``
    ``[[case, what, verdict]]`` of the sections' own targets (``nn``'s
    %peak).
``methods``
    ``points``: per methods-suite case ``case``, ``line``, ``kernel``,
    ``auto_method``, ``fastest``, ``regret`` (auto time / fastest method's
    time); ``crossovers``: ``line``, ``kernel_below``, ``kernel_above``,
    ``from``, ``to`` (the fastest method on either side).
``summary``
    ``pass``, ``fail``, ``invalid`` (verdict counts), ``seconds``.

For ``"contention"`` also ``contention``: ``target``, ``busy_command`` and
``cases`` (``ContentionResult.to_dict`` in ``convcore.bench._contention``).
"""
import dataclasses
import datetime
import importlib.metadata
import json
import math
import platform
import sys

from . import _cases_methods

SCHEMA = "convcore.bench.results"
VERSION = 1

# {module name: distribution names to ask for its version}
_DISTRIBUTIONS = {
    "convcore": ("convcore",), "numpy": ("numpy",), "scipy": ("scipy",),
    "threadpoolctl": ("threadpoolctl",), "torch": ("torch",),
    "cv2": ("opencv-python-headless", "opencv-python", "opencv-contrib-python"),
    "matplotlib": ("matplotlib",), "tqdm": ("tqdm",),
}


def library_versions():
    """``{library: version or None}``: the imported module's
    ``__version__`` when loaded, else the installed distribution's (without
    importing it), else ``None`` (also for a module whose import is
    blocked, ``sys.modules[name] = None``)."""
    out = {}
    for name, dists in _DISTRIBUTIONS.items():
        if name in sys.modules and sys.modules[name] is None:   # import blocked: not usable
            out[name] = None
            continue
        version = getattr(sys.modules.get(name), "__version__", None)
        for dist in dists if version is None else ():
            try:
                version = importlib.metadata.version(dist)
                break
            except importlib.metadata.PackageNotFoundError:
                continue
        out[name] = None if version is None else str(version)
    out["python"] = platform.python_version()
    return out


def thread_counts(convcore, machine):
    """``{library: threads or None}`` as the run set them."""
    torch, cv2 = sys.modules.get("torch"), sys.modules.get("cv2")
    return {"convcore": convcore.get_num_threads(),
            "numpy_blas": getattr(machine, "blas_threads", None),
            "torch": torch.get_num_threads() if torch is not None else None,
            "cv2": cv2.getNumThreads() if cv2 is not None else None,
            "scipy": 1}


def clean(x):
    """``x`` as JSON holds it: NaN and infinities -> ``None``, tuples ->
    lists, dataclasses -> dicts, other objects -> their text."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if x is None or isinstance(x, (bool, int, str)):
        return x
    if isinstance(x, dict):
        return {str(k): clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return clean(dataclasses.asdict(x))
    if hasattr(x, "item"):                      # NumPy scalars
        return clean(x.item())
    return str(x)


def methods_summary(results):
    """The ``methods`` entry: per sweep point and the crossovers."""
    points = []
    for res in results:
        if not res.case.sweep:
            continue
        fastest, _ = _cases_methods.fastest(res)
        points.append({"case": res.case.name, "line": res.case.sweep["line"],
                       "kernel": res.case.sweep["kernel"],
                       "auto_method": res.case.sweep.get("auto_method"),
                       "fastest": fastest, "regret": _cases_methods.regret(res)})
    return {"points": points, "crossovers": _cases_methods.crossovers(results)}


def header(kind, argv, settings, machine, convcore, notices, suites):
    """The keys every kind of results file has."""
    return {"schema": SCHEMA, "version": VERSION, "kind": kind,
            "created": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "command": list(argv), "settings": dataclasses.asdict(settings),
            "machine": dataclasses.asdict(machine), "versions": library_versions(),
            "threads": thread_counts(convcore, machine), "notices": list(notices),
            "suites": list(suites)}


def peers_results(head, results, means, section_verdicts, seconds):
    """The whole ``"peers"`` object from :func:`header` and the run's results."""
    verdicts = [v for r in results for _, v in r.verdicts()]
    verdicts += [v for _, _, v in section_verdicts]
    verdicts += [g.verdict for g in means]
    return dict(head, cases=[r.to_dict() for r in results],
                geomeans=[g.to_dict() for g in means],
                section_verdicts=[list(v) for v in section_verdicts],
                methods=methods_summary(results),
                summary={"pass": verdicts.count("PASS"), "fail": verdicts.count("FAIL"),
                         "invalid": verdicts.count("INVALID"), "seconds": seconds})


def write(path, data):
    """Write ``data`` (cleaned) as JSON; a NaN left over would raise."""
    with open(path, "w") as f:
        json.dump(clean(data), f, indent=1, allow_nan=False)
        f.write("\n")


_TOP = {"schema": str, "version": int, "kind": str, "created": str, "command": list,
        "settings": dict, "machine": dict, "versions": dict, "threads": dict,
        "notices": list, "suites": list}
_PEERS = {"cases": list, "geomeans": list, "section_verdicts": list, "methods": dict,
          "summary": dict}
_CASE = {"name": str, "suite": str, "section": str, "dtype": str, "subject": str,
         "competitors": dict, "warnings": list}
_ROW = ("role", "status", "valid", "median_s", "spread", "inner", "samples_s", "gflops",
        "gbps", "pct_peak", "pct_copy_a", "pct_copy_b", "ratio", "target", "verdict")


def _need(obj, spec, where):
    for key, kind in spec.items():
        if key not in obj:
            raise ValueError(f"{where}: missing key {key!r}")
        if not isinstance(obj[key], kind):
            raise ValueError(f"{where}: {key!r} is {type(obj[key]).__name__}, "
                             f"expected {kind.__name__}")


def validate(data):
    """Raise ``ValueError`` where ``data`` (a loaded results.json) breaks
    the schema: keys and types, a ratio on an invalid or untimed row, a
    NaN.  Returns ``data``."""
    _need(data, _TOP, "results")
    if data["schema"] != SCHEMA or data["version"] != VERSION:
        raise ValueError(f"results: schema {data['schema']!r} version {data['version']!r}")
    if data["kind"] != "peers":
        return data
    _need(data, _PEERS, "results")
    for case in data["cases"]:
        _need(case, _CASE, f"case {case.get('name')!r}")
        for label, row in case["competitors"].items():
            where = f"case {case['name']!r}, {label!r}"
            missing = [k for k in _ROW if k not in row]
            if missing:
                raise ValueError(f"{where}: missing {missing}")
            for key, value in row.items():
                if isinstance(value, float) and not math.isfinite(value):
                    raise ValueError(f"{where}: {key} is {value}")
            timed = row["median_s"] is not None
            if not timed and any(row[k] is not None for k in ("samples_s", "ratio", "gflops")):
                raise ValueError(f"{where}: figures on a row that did not run")
            if row["valid"] is False and (row["ratio"] is not None
                                          or row["verdict"] != "INVALID"):
                raise ValueError(f"{where}: an invalid row has a ratio or verdict "
                                 f"{row['verdict']!r}")
            if timed and not (isinstance(row["samples_s"], list) and row["samples_s"]):
                raise ValueError(f"{where}: timed without samples")
    return data
