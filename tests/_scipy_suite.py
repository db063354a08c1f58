"""scipy's own signal tests, run with convcore patched in: scipy's test suite
as an oracle for ``convcore.patch_scipy()``.

Run by ``tests/test_patch.py`` in a fresh interpreter, or by hand::

    python tests/_scipy_suite.py            # the CI selection
    python tests/_scipy_suite.py --all      # every case (OA's 9730 take ~1 min)
    python tests/_scipy_suite.py --raw      # no expected failures: see them all

scipy is patched before pytest starts, so the test modules' own
``from scipy.signal import convolve, ...`` bind convcore's functions; a
check after collection proves they did.  Expected failures are strict
xfails: one that starts passing fails the run, so this list cannot go stale.
Extra arguments go to pytest.
"""
import os
import sys

import pytest

import convcore
from convcore import _patch, _scipy_originals

NAMES = _scipy_originals.NAMES

# Made against scipy 1.17.1 (numpy backend; SCIPY_ARRAY_API unset).
SELECTION = {
    "test_signaltools.py": [
        "TestConvolve", "TestConvolve2d", "TestCorrelate2d", "TestFFTConvolve",
        "TestOAConvolve", "TestAllFreqConvolves", "TestCorrelateReal", "TestCorrelate",
        "TestCorrelateComplex", "test_convolve_longdtype_input",
        "test_choose_conv_method", "test_choose_conv_method_2",
        # scipy's own callers of the patched functions
        "TestWiener", "TestDeconvolve",
    ],
    "test_peak_finding.py": ["TestFindPeaksCwt"],   # find_peaks_cwt -> _cwt -> convolve
    "test_wavelets.py": ["TestWavelets"],           # _cwt -> convolve
}

# Parametrised tests too large for CI: every n-th case runs (--all runs all).
SAMPLE_EVERY = {
    "test_signaltools.py::TestOAConvolve::test_real_manylens": 20,   # 9730 cases
}

# Failures under the patch, each with its reason (keys: file::test[params]).
EXPECTED_FAILURES = {
}


def _key(item):
    """``file::test[params]``, the same wherever pytest's rootdir is."""
    return f"{item.path.name}::{item.nodeid.split('::', 1)[1]}"



class ScipySuitePlugin:
    """Samples the large parametrisations, marks the expected failures and
    checks that the collected modules run on convcore."""

    def __init__(self, sample=True, expected=True):
        self.sample = sample
        self.expected = EXPECTED_FAILURES if expected else {}

    def pytest_collection_modifyitems(self, config, items):
        counts = {}
        kept, dropped = [], []
        for item in items:
            test = _key(item).split("[", 1)[0]
            n = counts[test] = counts.get(test, -1) + 1
            every = SAMPLE_EVERY.get(test) if self.sample else None
            (kept if every is None or n % every == 0 else dropped).append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept
        listed = set(self.expected)
        for item in items:
            reason = self.expected.get(_key(item))
            if reason is not None:
                listed.discard(_key(item))
                item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
        if listed:
            raise pytest.UsageError(
                "expected failures not collected (list made for scipy 1.17.1): "
                + ", ".join(sorted(listed)))

    def pytest_collection_finish(self, session):
        modules = {item.module for item in session.items}
        for mod in modules:
            for name in NAMES:
                if name in vars(mod) and vars(mod)[name] is not _patch.REPLACEMENTS[name]:
                    raise pytest.UsageError(
                        f"{mod.__name__}.{name} is not convcore's: scipy was not patched "
                        "before the test module was imported")


def _share_capabilities():
    """scipy's tests look each tested function up in scipy's array-API
    capabilities table (``make_xp_test_case(convolve)``); give the functions
    the patch puts in scipy the entries of those they stand in for."""
    import scipy.signal
    from scipy._lib import _array_api

    table = getattr(_array_api, "xp_capabilities_table", None)
    if table is None:  # scipy without array-API test markers
        return
    for name in NAMES:
        original = getattr(scipy.signal, name)
        if original in table:
            table[_patch.REPLACEMENTS[name]] = table[original]


def main(argv):
    import scipy

    flags = {"--all", "--raw"}
    opts = {a for a in argv if a in flags}
    extra = [a for a in argv if a not in flags]
    tests_dir = os.path.join(os.path.dirname(scipy.__file__), "signal", "tests")
    if not os.path.isfile(os.path.join(tests_dir, "test_signaltools.py")):
        sys.exit(f"scipy's tests are not installed (no {tests_dir})")

    _share_capabilities()           # reads scipy's originals: before patching
    convcore.patch_scipy()          # before pytest imports any scipy test module
    targets = [os.path.join(tests_dir, f) + "::" + name
               for f, names in SELECTION.items() for name in names]
    args = [*targets,
            "-p", "scipy.conftest",       # scipy's xp fixture and markers
            "--confcutdir", tests_dir,    # ... loaded once, as that plugin
            "-p", "no:cacheprovider", "-p", "no:benchmark", "-q", *extra]
    plugin = ScipySuitePlugin(sample="--all" not in opts, expected="--raw" not in opts)
    return pytest.main(args, plugins=[plugin])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
