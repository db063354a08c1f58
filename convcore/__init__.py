"""convcore: fast, scipy-compatible N-D convolution.

The signal functions are drop-ins for their ``scipy.signal`` namesakes;
``convcore.nn`` holds the channels-first deep-learning layer ops.
"""
__version__ = "0.1.0"

from . import nn
from ._config import show_config
from ._patch import patch_scipy, unpatch_scipy
from ._signal import (choose_conv_method, convolve, convolve2d, correlate, correlate2d,
                      fftconvolve, oaconvolve)
from ._threads import get_num_threads, set_num_threads, threads

__all__ = [
    "convolve", "correlate", "convolve2d", "correlate2d", "fftconvolve", "oaconvolve",
    "choose_conv_method",
    "set_num_threads", "get_num_threads", "threads", "show_config",
    "patch_scipy", "unpatch_scipy",
]
