"""Deep-learning layer ops, channels-first, as ``torch.nn.functional``."""
from ._conv import choose_conv_method, conv1d, conv2d, conv3d
from ._fold import fold, unfold
from ._local import local_conv1d, local_conv2d, tiled_conv2d
from ._transpose import conv_transpose1d, conv_transpose2d, conv_transpose3d
from ._pool import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d,
                    adaptive_max_pool2d, avg_pool1d, avg_pool2d, avg_pool3d, lp_pool1d,
                    lp_pool2d, max_pool1d, max_pool2d, max_pool3d, max_unpool2d)
from . import grad

__all__ = [
    "conv1d", "conv2d", "conv3d", "choose_conv_method",
    "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "lp_pool1d", "lp_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "max_unpool2d", "grad",
    "unfold", "fold", "local_conv1d", "local_conv2d", "tiled_conv2d",
]
