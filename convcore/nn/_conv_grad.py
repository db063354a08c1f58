"""Gradients of the layer convolutions, as ``torch.nn.grad``: with respect
to the input (the transposed convolution: :mod:`._transpose`, the same
code), to the weight (:mod:`._conv_dweight`) and to the bias.

``input_size`` and ``weight_size`` are full shapes; the convolution they
describe must produce ``grad_output``'s shape.  Where the stride leaves a
remainder, ``input_size`` decides the extent: the samples no window reads
get a zero gradient (torch's implied output padding).
"""
import math
import operator

import numpy as np

from .. import _validate
from . import _conv_dweight, _conv_methods
from ._args import float_array
from ._conv import check_groups, check_nonempty, conv_spec, paddings, strides
from ._transpose import adjoint, check_method

__all__ = ["conv1d_input", "conv2d_input", "conv3d_input", "conv1d_weight", "conv2d_weight",
           "conv3d_weight", "conv_bias"]


def shape_arg(value, length, name, op):
    """``value`` as a tuple of ``length`` non-negative ints."""
    try:
        shape = tuple(operator.index(v) for v in value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be a sequence of ints, got {name}={value!r}") \
            from None
    if len(shape) != length or any(v < 0 for v in shape):
        raise ValueError(f"{op}: {name} must be a full shape of {length} non-negative ints, "
                         f"got {name}={value!r}")
    return shape


def grad_output_array(grad_output, rank, op):
    """``grad_output`` as a float array with a batch axis, and whether it
    had one."""
    g = float_array(grad_output, op, "grad_output")
    if g.ndim not in (rank + 1, rank + 2):
        raise ValueError(f"{op}: expected {rank + 1}-D (unbatched) or {rank + 2}-D (batched) "
                         f"grad_output, got grad_output.shape={g.shape}")
    batched = g.ndim == rank + 2
    return (g if batched else g[None]), batched


def _spec(rank, op, x_shape, w_shape, g_shape, stride, padding, dilation, groups, dtype,
          names):
    """The forward convolution's ConvSpec, checked against grad_output's
    shape; ``names`` of the (input, weight) shapes for the messages."""
    groups = check_groups(op, groups, x_shape[1], w_shape[0], w_shape[1], x_shape, w_shape,
                          names)
    check_nonempty(op, x_shape, w_shape, names)
    if g_shape[1] != w_shape[0]:
        raise ValueError(f"{op}: grad_output has {g_shape[1]} channels but the weight "
                         f"({names[1]}={w_shape}) has {w_shape[0]} output channels")
    if g_shape[0] != x_shape[0]:
        raise ValueError(f"{op}: grad_output.shape={g_shape} and {names[0]}={x_shape} have "
                         f"different batch sizes")
    stride, dilation = strides(rank, op, stride, dilation)
    pads = paddings(padding, rank, w_shape[2:], stride, dilation, op)
    spec = conv_spec(rank, op, x_shape, w_shape, groups, stride, pads, dilation, dtype)
    if spec.out_size[3 - rank:] != tuple(g_shape[2:]):
        raise ValueError(f"{op}: the convolution of {names[0]}={x_shape} with "
                         f"{names[1]}={w_shape} (stride {stride}, padding {padding!r}, "
                         f"dilation {dilation}) has output size {spec.out_size[3 - rank:]}, "
                         f"got grad_output.shape={g_shape}")
    return spec


def _conv_input(rank, op, input_size, weight, grad_output, stride, padding, dilation, groups,
                method):
    _conv_methods.check(method, op)
    weight = float_array(weight, op, "weight")
    g, batched = grad_output_array(grad_output, rank, op)
    if weight.ndim != rank + 2:
        raise ValueError(f"{op}: expected {rank + 2}-D weight (C_out, C_in / groups, "
                         f"*kernel), got weight.shape={weight.shape}")
    # (N, C_in, *spatial), or (C_in, *spatial) for an unbatched grad_output.
    x_shape = shape_arg(input_size, rank + 1 + batched, "input_size", op)
    x_shape = x_shape if batched else (1,) + x_shape
    dtype = np.result_type(g.dtype, weight.dtype).newbyteorder("=")
    spec = _spec(rank, op, x_shape, weight.shape, g.shape, stride, padding, dilation, groups,
                 dtype, ("input_size", "weight.shape"))
    _validate.check_nbytes(x_shape, dtype.itemsize, f"{op}: the input gradient")
    check_method(spec, method, op)
    y = np.ascontiguousarray(g, dtype=dtype).reshape(spec.out_shape)
    w = np.ascontiguousarray(weight, dtype=dtype).reshape(spec.w_shape)
    out = adjoint(spec, y, w, None, method).reshape(x_shape)
    return out if batched else out[0]


def _conv_weight(rank, op, input, weight_size, grad_output, stride, padding, dilation, groups,
                 method):
    _conv_dweight.check(method, op)
    x = float_array(input, op, "input")
    g, batched = grad_output_array(grad_output, rank, op)
    if x.ndim != g.ndim + (0 if batched else -1):
        raise ValueError(f"{op}: input and grad_output must both be batched or both "
                         f"unbatched, got input.shape={x.shape}, "
                         f"grad_output.shape={g.shape if batched else g.shape[1:]}")
    x = x if batched else x[None]
    w_shape = shape_arg(weight_size, rank + 2, "weight_size", op)
    dtype = np.result_type(x.dtype, g.dtype).newbyteorder("=")
    spec = _spec(rank, op, x.shape, w_shape, g.shape, stride, padding, dilation, groups,
                 dtype, ("input.shape", "weight_size"))
    dw = _validate.empty(spec.w_shape, dtype, f"{op}: the weight gradient")
    x5 = np.ascontiguousarray(x, dtype=dtype).reshape(spec.x_shape)
    y5 = np.ascontiguousarray(g, dtype=dtype).reshape(spec.out_shape)
    _conv_dweight.plan(spec, method)(x5, y5, dw)
    return dw.reshape(w_shape)


def conv_bias(grad_output):
    """dL/db of a layer convolution (or a transposed one): ``grad_output``
    (N, C_out, *spatial) summed over every axis but axis 1, shape (C_out,)
    in its dtype (an unbatched gradient is passed with a leading axis of
    1).  Summed in float64 whatever the dtype."""
    g = float_array(grad_output, "conv_bias", "grad_output")
    if g.ndim < 2:
        raise ValueError("conv_bias: expected grad_output of shape (N, C_out, *spatial), got "
                         f"grad_output.shape={g.shape}")
    planes = g.reshape(g.shape[0], g.shape[1], math.prod(g.shape[2:]))
    return planes.sum(axis=(0, 2), dtype=np.float64).astype(g.dtype.newbyteorder("="))


_INPUT_DOC = """dL/dx of :func:`convcore.nn.conv{rank}d`, as
    ``torch.nn.grad.conv{rank}d_input``: the transposed convolution of
    ``grad_output`` (:func:`convcore.nn.conv_transpose{rank}d`, the same
    code) to the extent ``input_size``.

    Parameters
    ----------
    input_size : sequence of ints
        The input's full shape, (N, C_in, {spatial}) (or (C_in, {spatial})
        with an unbatched ``grad_output``).
    weight : array_like
        (C_out, C_in / groups, {kernel}), float32 or float64.
    grad_output : array_like
        (N, C_out, {out}), the gradient of the convolution's output.
    stride, padding, dilation, groups
        The convolution's (padding also 'valid' or 'same').
    method : {{'auto', 'direct', 'im2col', 'fft', 'winograd'}}
        The forward method that runs each phase of the transposed
        convolution ('winograd': stride 1, dilation 1, 3-tap kernels, 1-D
        and 2-D).

    Returns
    -------
    ndarray
        The input's shape, in the wider of the two arrays' dtypes.
    """

_WEIGHT_DOC = """dL/dW of :func:`convcore.nn.conv{rank}d`, as
    ``torch.nn.grad.conv{rank}d_weight``.

    Parameters
    ----------
    input : array_like
        (N, C_in, {spatial}) or unbatched, float32 or float64.
    weight_size : sequence of ints
        The weight's full shape, (C_out, C_in / groups, {kernel}).
    grad_output : array_like
        (N, C_out, {out}), batched as ``input`` is.
    stride, padding, dilation, groups
        The convolution's (padding also 'valid' or 'same').
    method : {{'auto', 'direct', 'im2col'}}
        The algorithm (``convcore.nn._conv_dweight``); 'auto' picks by a
        cost model.

    Returns
    -------
    ndarray
        ``weight_size``, in the wider of the two arrays' dtypes.
    """


def conv1d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1,
                 *, method="auto"):
    return _conv_input(1, "conv1d_input", input_size, weight, grad_output, stride, padding,
                       dilation, groups, method)


def conv2d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1,
                 *, method="auto"):
    return _conv_input(2, "conv2d_input", input_size, weight, grad_output, stride, padding,
                       dilation, groups, method)


def conv3d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1,
                 *, method="auto"):
    return _conv_input(3, "conv3d_input", input_size, weight, grad_output, stride, padding,
                       dilation, groups, method)


def conv1d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1,
                  *, method="auto"):
    return _conv_weight(1, "conv1d_weight", input, weight_size, grad_output, stride, padding,
                        dilation, groups, method)


def conv2d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1,
                  *, method="auto"):
    return _conv_weight(2, "conv2d_weight", input, weight_size, grad_output, stride, padding,
                        dilation, groups, method)


def conv3d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1,
                  *, method="auto"):
    return _conv_weight(3, "conv3d_weight", input, weight_size, grad_output, stride, padding,
                        dilation, groups, method)


_SHAPES = {1: ("L", "kL", "L_out"), 2: ("H, W", "kH, kW", "H_out, W_out"),
           3: ("D, H, W", "kD, kH, kW", "D_out, H_out, W_out")}
for _rank, (_spatial, _kernel, _out) in _SHAPES.items():
    _fmt = dict(rank=_rank, spatial=_spatial, kernel=_kernel, out=_out)
    globals()[f"conv{_rank}d_input"].__doc__ = _INPUT_DOC.format(**_fmt)
    globals()[f"conv{_rank}d_weight"].__doc__ = _WEIGHT_DOC.format(**_fmt)
