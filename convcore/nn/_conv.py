"""Layer convolutions, channels-first, as ``torch.nn.functional.convNd``.

Each function reads top to bottom: coerce the arrays, check the arguments
as torch does (its RuntimeError is ValueError/TypeError here, naming the
argument), apply a padding mode other than 'zeros' to the input, describe
the problem as a :class:`~._conv_spec.ConvSpec`, pick the method
(``_conv_methods``), allocate the output and make one call into it.
"""

import numpy as np

from .. import _validate
from .._geometry import ntuple, window_count
from . import _conv_methods
from ._args import float_array, three_axes
from ._conv_spec import ConvSpec

__all__ = ["conv1d", "conv2d", "conv3d", "choose_conv_method"]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_NP_PAD_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def check_positive(values, op, name):
    if any(v <= 0 for v in values):
        raise ValueError(f"{op}: {name} must be positive, got {name}={values}")


def int_arg(value, op, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op}: {name} must be an int, got {name}={value!r}")
    return int(value)


def paddings(padding, rank, kernel, stride, dilation, op):
    """Per axis (left, right) zero padding of ``padding``: an int or a
    sequence (both sides), 'valid' (none) or 'same' (torch's split of
    ``dilation * (kernel - 1)``: left the half rounded down)."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * rank
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' is not supported for strided "
                                 f"convolutions, got stride={stride}")
            total = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in total)
        raise ValueError(f"{op}: padding must be an int, a tuple of ints, 'valid' or 'same', "
                         f"got padding={padding!r}")
    pads = ntuple(padding, rank, "padding")
    if any(p < 0 for p in pads):
        raise ValueError(f"{op}: padding must be non-negative, got padding={padding!r}")
    return tuple((p, p) for p in pads)


def _apply_padding_mode(x, pads, padding_mode, op):
    """``x`` (N, C, *spatial) padded by ``pads`` with ``padding_mode`` (not
    'zeros'), with torch's limits: 'reflect' below the input size,
    'circular' at most the input size."""
    spatial = x.shape[2:]
    for (left, right), n in zip(pads, spatial):
        if padding_mode == "reflect" and max(left, right) >= n:
            raise ValueError(f"{op}: padding_mode='reflect' needs padding smaller than the "
                             f"input size, got padding={pads} for spatial size {spatial}")
        if padding_mode == "circular" and max(left, right) > n:
            raise ValueError(f"{op}: padding_mode='circular' needs padding at most the "
                             f"input size, got padding={pads} for spatial size {spatial}")
    padded = [n + left + right for (left, right), n in zip(pads, spatial)]
    _validate.check_nbytes(x.shape[:2] + tuple(padded), x.dtype.itemsize,
                           f"{op}: the padded input")
    return np.pad(x, ((0, 0), (0, 0)) + tuple(pads), mode=_NP_PAD_MODE[padding_mode])


def check_groups(op, groups, c_in, c_out, c_in_group, x_shape, w_shape,
                 names=("input.shape", "weight.shape")):
    """``groups`` as an int, checked against the channel counts as torch
    checks them (``x_shape``, ``w_shape`` and their ``names`` for the
    messages)."""
    groups = int_arg(groups, op, "groups")
    if groups <= 0:
        raise ValueError(f"{op}: groups must be positive, got groups={groups}")
    if c_in % groups or c_out % groups:
        raise ValueError(f"{op}: input channels ({c_in}) and output channels ({c_out}) must "
                         f"both be divisible by groups={groups}")
    if c_in_group * groups != c_in:
        raise ValueError(f"{op}: {names[1]}={w_shape} expects {c_in_group * groups} "
                         f"input channels (C_in / groups = {c_in_group}, groups={groups}), "
                         f"got {names[0]}={x_shape}")
    return groups


def strides(rank, op, stride, dilation):
    """(stride, dilation) as per-axis tuples, each positive."""
    stride = ntuple(stride, rank, "stride")
    dilation = ntuple(dilation, rank, "dilation")
    check_positive(stride, op, "stride")
    check_positive(dilation, op, "dilation")
    return stride, dilation


def conv_spec(rank, op, x_shape, w_shape, groups, stride, pads, dilation, dtype):
    """The :class:`ConvSpec` of a convolution of an (N, C_in, *spatial)
    input with a (C_out, C_in / groups, *kernel) weight, checked arguments
    and ``pads`` per axis (left, right) zero padding; ValueError when the
    kernel does not fit the padded input."""
    spatial, kernel = tuple(x_shape[2:]), tuple(w_shape[2:])
    out = tuple(window_count(size + left + right, k, s, 0, d)
                for size, k, s, d, (left, right) in zip(spatial, kernel, stride, dilation, pads))
    if any(o < 1 for o in out):
        raise ValueError(f"{op}: the kernel (size {kernel}, dilation {dilation}) is larger "
                         f"than the padded input (size {spatial}, padding "
                         f"{pads}): calculated output size {out}")
    return ConvSpec(n=x_shape[0], c_in=x_shape[1], c_out=w_shape[0], groups=groups,
                    in_size=three_axes(spatial), kernel=three_axes(kernel),
                    stride=three_axes(stride), dilation=three_axes(dilation),
                    pad=three_axes([left for left, _ in pads], 0),
                    out_size=three_axes(out), dtype=np.dtype(dtype), rank=rank)


def check_nonempty(op, x_shape, w_shape, names=("input.shape", "weight.shape")):
    """ValueError for empty channels, kernel or spatial axes (an empty
    batch is fine)."""
    if w_shape[0] == 0 or any(k == 0 for k in w_shape[2:]) or any(s == 0 for s in x_shape[1:]):
        raise ValueError(f"{op}: expected non-empty channels, kernel and spatial axes, got "
                         f"{names[0]}={x_shape}, {names[1]}={w_shape}")


def check_bias(bias, c_out, dtype, op):
    """``bias`` (None or (c_out,)) as a contiguous array of ``dtype``."""
    if bias is None:
        return None
    bias = float_array(bias, op, "bias")
    if bias.shape != (c_out,):
        raise ValueError(f"{op}: bias must have shape ({c_out},) (one value per output "
                         f"channel), got bias.shape={bias.shape}")
    return np.ascontiguousarray(bias, dtype=dtype)


def conv_problem(rank, op, x, weight, bias, stride, padding, dilation, groups, padding_mode):
    """(x5, w5, bias, spec, batched): the arguments of ``op`` checked as
    torch checks them and laid out as the methods take them
    (:mod:`._conv_spec`); ``batched`` False for an unbatched input."""
    x = float_array(x, op, "input")
    weight = float_array(weight, op, "weight")
    if x.ndim not in (rank + 1, rank + 2):
        raise ValueError(f"{op}: expected {rank + 1}-D (unbatched) or {rank + 2}-D (batched) "
                         f"input, got input.shape={x.shape}")
    if weight.ndim != rank + 2:
        raise ValueError(f"{op}: expected {rank + 2}-D weight (C_out, C_in / groups, "
                         f"*kernel), got weight.shape={weight.shape}")
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"{op}: padding_mode must be one of {PADDING_MODES}, "
                         f"got padding_mode={padding_mode!r}")
    batched = x.ndim == rank + 2
    if not batched:
        x = x[None]
    dtype = np.result_type(x.dtype, weight.dtype).newbyteorder("=")
    shown = x.shape if batched else x.shape[1:]
    groups = check_groups(op, groups, x.shape[1], weight.shape[0], weight.shape[1], shown,
                          weight.shape)
    check_nonempty(op, shown, weight.shape)
    bias = check_bias(bias, weight.shape[0], dtype, op)
    stride, dilation = strides(rank, op, stride, dilation)
    pads = paddings(padding, rank, weight.shape[2:], stride, dilation, op)
    if padding_mode != "zeros" and any(p for pair in pads for p in pair):
        x = _apply_padding_mode(x, pads, padding_mode, op)
        pads = ((0, 0),) * rank
    spec = conv_spec(rank, op, x.shape, weight.shape, groups, stride, pads, dilation, dtype)
    x5 = np.ascontiguousarray(x, dtype=dtype).reshape(spec.x_shape)
    w5 = np.ascontiguousarray(weight, dtype=dtype).reshape(spec.w_shape)
    return x5, w5, bias, spec, batched


def _conv(rank, op, x, weight, bias, stride, padding, dilation, groups, padding_mode, method):
    _conv_methods.check(method, op)
    x5, w5, bias, spec, batched = conv_problem(rank, op, x, weight, bias, stride, padding,
                                               dilation, groups, padding_mode)
    _conv_methods.check_spec(method, spec, op)
    out = _validate.empty(spec.out_shape, spec.dtype, f"{op}: the output")
    if out.size:  # an empty batch (N = 0) has nothing to compute, as in torch
        _conv_methods.plan(spec, method)(x5, w5, bias, out)
    shape = spec.out_shape[:2] + spec.out_size[3 - rank:]
    out = out.reshape(shape)
    return out if batched else out[0]


_DOC = """{rank}-D convolution (cross-correlation) of {layout} input, as
    ``torch.nn.functional.conv{rank}d``.

    Parameters
    ----------
    x : array_like
        float32 or float64, {layout} or unbatched (C_in, {spatial}).
    weight : array_like
        (C_out, C_in / groups, {kernel}).
    bias : array_like, optional
        (C_out,).
    stride, dilation : int or tuple of {rank} ints
    padding : int, tuple of {rank} ints, 'valid' or 'same'
        'same' splits ``dilation * (kernel - 1)`` as torch: the left side
        gets the half rounded down (stride 1 only).
    groups : int
        Input and output channels are split into ``groups`` groups, each
        output group seeing its input group (``groups == C_in``: depthwise).
    padding_mode : {{'zeros', 'reflect', 'replicate', 'circular'}}
        How the input is extended by ``padding``, as ``torch.nn.Conv{rank}d``.
    method : {{'auto', 'direct', 'im2col', 'fft', 'winograd'}}
        The algorithm; 'auto' picks by a cost model
        (:func:`convcore.nn.choose_conv_method` says which).  'winograd'
        covers 3-tap kernels (3, 3x3) at stride 1 and dilation 1 in conv1d
        and conv2d; elsewhere asking for it raises ValueError.

    Returns
    -------
    ndarray
        (N, C_out, {out}) in the wider of the input's and the weight's dtypes.
    """


def conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *,
           padding_mode="zeros", method="auto"):
    return _conv(1, "conv1d", x, weight, bias, stride, padding, dilation, groups, padding_mode,
                 method)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *,
           padding_mode="zeros", method="auto"):
    return _conv(2, "conv2d", x, weight, bias, stride, padding, dilation, groups, padding_mode,
                 method)


def conv3d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *,
           padding_mode="zeros", method="auto"):
    return _conv(3, "conv3d", x, weight, bias, stride, padding, dilation, groups, padding_mode,
                 method)


conv1d.__doc__ = _DOC.format(rank=1, layout="(N, C_in, L)", spatial="L", kernel="kL",
                             out="L_out")
conv2d.__doc__ = _DOC.format(rank=2, layout="(N, C_in, H, W)", spatial="H, W",
                             kernel="kH, kW", out="H_out, W_out")
conv3d.__doc__ = _DOC.format(rank=3, layout="(N, C_in, D, H, W)", spatial="D, H, W",
                             kernel="kD, kH, kW", out="D_out, H_out, W_out")


def choose_conv_method(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *,
                       padding_mode="zeros", explain=False, measure=False):
    """The method ``conv{1,2,3}d(..., method='auto')`` runs for these
    arguments (the rank from ``weight``), as the signal API's
    :func:`convcore.choose_conv_method`: with ``measure=True`` also the
    ``{method: seconds}`` timings (the fastest returned), with
    ``explain=True`` the cost model's estimate of each method."""
    weight = np.asarray(weight)
    rank = weight.ndim - 2
    if not 1 <= rank <= 3:
        raise ValueError("choose_conv_method: expected a 3-D, 4-D or 5-D weight (C_out, "
                         f"C_in / groups, *kernel), got weight.shape={weight.shape}")
    op = f"conv{rank}d"
    x5, w5, b, spec, _ = conv_problem(rank, op, x, weight, bias, stride, padding, dilation,
                                      groups, padding_mode)
    # As the convolution would, before any model or timing.
    _validate.check_nbytes(spec.out_shape, spec.dtype.itemsize, f"{op}: the output")
    if measure:
        return _conv_methods.measure(spec, x5, w5, b)
    if explain:
        return _conv_methods.choose(spec), _conv_methods.METHODS.estimate_costs(
            _conv_methods.METHODS.candidates(spec), spec)
    return _conv_methods.choose(spec)
