"""``python benchmarks/run.py ARGS`` runs ``python -m convcore.bench ARGS``
from the source tree (the tool itself: ``convcore/bench/``).

convcore is imported as installed; when that fails (a build in place, not
installed), the repository root is added to the end of ``sys.path`` and
the import retried.  The development scripts next to this file
(``calibrate.py``, ``calibrate_nn.py``, ``sweep.py``, ``fft_prune.py``)
import convcore through :func:`import_convcore` and time with
``convcore.bench._timing``.
"""
import importlib
import os
import sys
import time

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


def main(argv=None):
    import_convcore(log=lambda msg: print(msg, file=sys.stderr))
    from convcore.bench import main as bench
    return bench(argv)


if __name__ == "__main__":
    sys.exit(main())
