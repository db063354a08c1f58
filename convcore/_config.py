"""show_config: what was built and what runs."""
import platform

import numpy as np
import scipy

from . import _build_config, _cpu, _dispatch
from ._threads import get_num_threads


def _blas_name():
    try:
        blas = scipy.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:
        return "unknown"


def config():
    """The build and run-time configuration as a dict (what show_config prints)."""
    return {
        "convcore": __import__("convcore").__version__,
        "machine": platform.machine(),
        "compiler": f"{_build_config.COMPILER} ({_build_config.COMPILER_VERSION})",
        "cflags": " ".join(_build_config.CFLAGS),
        "ldflags": " ".join(_build_config.LDFLAGS),
        "thread pool": ("yes (convcore's own, POSIX threads)" if _cpu.has_threads()
                        else "no (kernels run single-threaded)"),
        "simd_cpu": _dispatch.ISA_NAMES[_dispatch.CPU_ISA],
        "simd_in_use": _dispatch.ISA_NAMES[_dispatch.isa_level],
        "blas": f"scipy.linalg.cython_blas -> {_blas_name()}",
        "fft": f"scipy.fft (pocketfft), scipy {scipy.__version__}",
        "numpy": np.__version__,
        "threads": get_num_threads(),
    }


def show_config():
    """Print the build (compiler, flags, thread pool) and what runs: the SIMD
    level chosen at run time, the BLAS and FFT used, the thread count."""
    for key, value in config().items():
        print(f"{key:>12}: {value}")
