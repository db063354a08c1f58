"""Shared test configuration: markers and hypothesis profiles."""
import importlib.abc
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Hypothesis: ~100 examples per property normally; the sanitizer run
# (tools/sanitize.sh sets CONVCORE_SANITIZER_RUN=1) is ~10x slower, so it runs
# fewer.  No deadline: a shared 2-core machine makes timings meaningless.
settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile("sanitizer", max_examples=15, deadline=None)
SANITIZER_RUN = os.environ.get("CONVCORE_SANITIZER_RUN") == "1"
settings.load_profile("sanitizer" if SANITIZER_RUN else "default")

# torch is a reference, not part of convcore, and it aborts inside its own
# kernels under the preloaded ASan runtime; so does matplotlib (the
# benchmark tool's plots, pure Python on convcore's side) while importing
# its compiled modules.  The sanitizer run therefore leaves both
# unimportable (their tests run in the normal suite); every NumPy-reference
# comparison still runs there.  A finder refuses the import (sys.modules
# stays clean: scipy looks torch up there).
LEFT_OUT = ("torch", "matplotlib")


class _LeftOut(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in LEFT_OUT:
            raise ModuleNotFoundError(f"{name} is left out of the sanitizer run")
        return None


if SANITIZER_RUN:
    sys.meta_path.insert(0, _LeftOut())


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "bigmem: needs several GB of memory (arrays past 2**31 elements); the "
        "sanitizer run deselects it with -m 'not bigmem' (ASan shadow memory)")


def package_root():
    """The folder holding the convcore this process imported (in-place
    build or installed)."""
    import convcore

    return str(Path(convcore.__file__).resolve().parent.parent)


def child_env(env=None):
    """This process's environment for a child interpreter that imports the
    same convcore (see :func:`package_root`), with ``env`` entries set (a
    value of None removes the variable)."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (package_root(), full_env.get("PYTHONPATH")) if p)
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    return full_env


def run_python(code, env=None, timeout=120, **kwargs):
    """Run ``code`` in a fresh interpreter that imports the same convcore
    this process imported, with ``env`` as :func:`child_env` takes it,
    killed after ``timeout`` seconds (subprocess.TimeoutExpired)."""
    return subprocess.run([sys.executable, "-c", code], env=child_env(env), cwd=package_root(),
                          capture_output=True, text=True, timeout=timeout, **kwargs)


@pytest.fixture
def python_subprocess():
    """The :func:`run_python` helper, as a fixture."""
    return run_python
