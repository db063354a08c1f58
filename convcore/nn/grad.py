"""Backward passes of the layer ops: the convolutions' (re-exported from
``_conv_grad``) and the pooling ops', dL/dx given dL/d(output).

The pooling gradients share the window geometry of the forward ops
(``_window``), so a gradient is always the derivative of exactly the
forward computed with the same arguments.  Max pooling sends each output's gradient to its window's
maximum, chosen by torch's tie rule (the first of equal maxima, the last
NaN); each thread owns whole planes, so overlapping windows accumulate in
one fixed order and results do not depend on the thread count.
"""
import numpy as np

from .. import _dispatch, _pool
from .._threads import get_num_threads
from ._args import as_input, check_divisor, pool_args, three_axes
from ._conv_grad import (conv1d_input, conv1d_weight, conv2d_input, conv2d_weight,
                         conv3d_input, conv3d_weight, conv_bias)
from ._local import (local_conv1d_input, local_conv1d_weight, local_conv2d_input,
                     local_conv2d_weight, tiled_conv2d_input, tiled_conv2d_weight)
from ._window import pool_geometry

__all__ = ["conv1d_input", "conv2d_input", "conv3d_input", "conv1d_weight", "conv2d_weight",
           "conv3d_weight", "conv_bias",
           "local_conv1d_input", "local_conv2d_input", "local_conv1d_weight",
           "local_conv2d_weight", "tiled_conv2d_input", "tiled_conv2d_weight",
           "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d"]


def _grad_output(grad_output, x4, batch, out_size, op):
    g = np.asarray(grad_output)
    if g.dtype != x4.dtype:
        raise TypeError(f"{op}: grad_output must have the input's dtype {x4.dtype}, "
                        f"got grad_output.dtype={g.dtype}")
    if g.shape != batch + out_size:
        raise ValueError(f"{op}: grad_output must have the forward output's shape "
                         f"{batch + out_size}, got grad_output.shape={g.shape}")
    g = np.ascontiguousarray(g, dtype=x4.dtype)
    return g.reshape((x4.shape[0],) + three_axes(out_size))


def _max_pool_grad(rank, op, grad_output, x, kernel_size, stride, padding, dilation,
                   ceil_mode):
    x4, batch, spatial = as_input(x, rank, op, "x")
    geom = pool_args(rank, kernel_size, stride, padding, dilation)
    out_size, axes = pool_geometry(spatial, *geom, bool(ceil_mode))
    g4 = _grad_output(grad_output, x4, batch, out_size, op)
    grad_in = np.empty(x4.shape, dtype=x4.dtype)
    _pool.max_pool_bwd(x4, g4, grad_in, axes, _dispatch.isa_level, get_num_threads())
    return grad_in.reshape(batch + spatial)


def max_pool1d(grad_output, x, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode=False):
    """dL/dx of :func:`convcore.nn.max_pool1d` at ``x`` given ``grad_output``
    (shaped like its output); ties broken as torch breaks them."""
    return _max_pool_grad(1, "max_pool1d", grad_output, x, kernel_size, stride, padding,
                          dilation, ceil_mode)


def max_pool2d(grad_output, x, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode=False):
    """dL/dx of :func:`convcore.nn.max_pool2d`; see :func:`max_pool1d`."""
    return _max_pool_grad(2, "max_pool2d", grad_output, x, kernel_size, stride, padding,
                          dilation, ceil_mode)


def max_pool3d(grad_output, x, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode=False):
    """dL/dx of :func:`convcore.nn.max_pool3d`; see :func:`max_pool1d`."""
    return _max_pool_grad(3, "max_pool3d", grad_output, x, kernel_size, stride, padding,
                          dilation, ceil_mode)


def _avg_pool_grad(rank, op, grad_output, x, kernel_size, stride, padding, ceil_mode,
                   count_include_pad, divisor_override):
    x4, batch, spatial = as_input(x, rank, op, "x")
    kernel, stride, padding, _ = pool_args(rank, kernel_size, stride, padding, 1)
    divisor = check_divisor(divisor_override)
    out_size, axes = pool_geometry(spatial, kernel, stride, padding, (1,) * rank,
                                   bool(ceil_mode), bool(count_include_pad))
    g4 = _grad_output(grad_output, x4, batch, out_size, op)
    grad_in = np.empty(x4.shape, dtype=x4.dtype)
    _pool.avg_pool_bwd(g4, grad_in, axes, divisor, get_num_threads())
    return grad_in.reshape(batch + spatial)


def avg_pool1d(grad_output, x, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """dL/dx of :func:`convcore.nn.avg_pool1d` (``divisor_override`` as the
    2-D/3-D ops take it)."""
    return _avg_pool_grad(1, "avg_pool1d", grad_output, x, kernel_size, stride, padding,
                          ceil_mode, count_include_pad, divisor_override)


def avg_pool2d(grad_output, x, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """dL/dx of :func:`convcore.nn.avg_pool2d`."""
    return _avg_pool_grad(2, "avg_pool2d", grad_output, x, kernel_size, stride, padding,
                          ceil_mode, count_include_pad, divisor_override)


def avg_pool3d(grad_output, x, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """dL/dx of :func:`convcore.nn.avg_pool3d`."""
    return _avg_pool_grad(3, "avg_pool3d", grad_output, x, kernel_size, stride, padding,
                          ceil_mode, count_include_pad, divisor_override)
