"""convcore: fast, scipy-compatible N-D convolution.

The signal functions are drop-ins for their ``scipy.signal`` namesakes;
``convcore.nn`` holds the channels-first deep-learning layer ops.
"""
__version__ = "0.1.0"


def _load_compiled():
    """Import the compiled modules first.  Imported from its source folder
    (the root of a checkout, where ./convcore shadows the installed
    package), convcore has none, and the first submodule to need one would
    fail with a misleading circular-import message: say what happened and
    what to do instead, as NumPy does from its source directory."""
    import importlib
    import os

    names = [f"{__name__}.{n}" for n in ("_cpu", "_direct", "_fft", "_im2col", "_pool")]
    try:
        for name in names:
            importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name not in names:
            raise  # something else is missing: its own message says what
        raise ImportError(
            f"Error importing convcore: its compiled module {exc.name} is not in "
            f"{os.path.dirname(os.path.abspath(__file__))}.  You are likely importing "
            "convcore from its source folder (e.g. running Python from the root of a "
            "checkout, whose ./convcore folder shadows the installed package).  Run "
            "Python from another folder to use the installed convcore, or build the "
            "compiled modules in place with `python setup.py build_ext --inplace` (or "
            "install in development mode with `pip install -e .`).") from exc


_load_compiled()
del _load_compiled

from . import nn
from ._config import show_config
from ._convmatrix import convolution_matrix
from ._geometry import conv_output_shape, receptive_field
from ._patch import patch_scipy, unpatch_scipy
from ._signal import (choose_conv_method, convolve, convolve2d, correlate, correlate2d,
                      fftconvolve, oaconvolve)
from ._threads import get_num_threads, set_num_threads, threads

__all__ = [
    "convolve", "correlate", "convolve2d", "correlate2d", "fftconvolve", "oaconvolve",
    "choose_conv_method",
    "set_num_threads", "get_num_threads", "threads", "show_config",
    "patch_scipy", "unpatch_scipy",
    "conv_output_shape", "receptive_field", "convolution_matrix",
]
