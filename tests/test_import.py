"""Importing convcore: from a build it works; from a source folder without
the compiled modules (a checkout run from its root, where ./convcore shadows
the installed package) it fails with an ImportError that says what
happened and what to do, not with a circular-import message."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import convcore


def test_the_built_package_imports(python_subprocess):
    proc = python_subprocess("import convcore, convcore.nn\n"
                             "print(convcore.convolve([1, 2], [1, 1]))")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["[1", "3", "2]"]


def test_a_source_folder_without_compiled_modules_says_so(tmp_path):
    source = Path(convcore.__file__).resolve().parent
    copy = tmp_path / "convcore"
    # The Python sources only, as a checkout holds them before a build.
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # As `python -c` from the checkout's root: the working folder comes first.
    proc = subprocess.run([sys.executable, "-c", "import convcore"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: Error importing convcore"), proc.stderr
    assert "circular import" not in proc.stderr
    for words in ("convcore._cpu", str(copy), "source folder", "another folder",
                  "python setup.py build_ext --inplace", "pip install -e ."):
        assert words in last, (words, last)
