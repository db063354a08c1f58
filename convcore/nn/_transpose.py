"""Transposed convolutions (``torch.nn.functional.conv_transposeNd``) and
so the input gradient of the layer convolutions: the adjoint of ``convNd``.

The adjoint of a convolution with stride ``s``, dilation ``d`` and left
padding ``pad`` splits, along each axis, into phases: output ``i`` of the
adjoint receives tap ``t`` only when ``t * d = i + pad (mod s)``, so the
outputs ``i = r + s * j`` of one residue ``r`` share one set of taps, and
for them the adjoint reads its input at ``j + (r + pad - t * d) / s``.
That is a stride-1 correlation with those taps, reversed (their spacing
``d / gcd(s, d)`` is its dilation), and the weights with their two channel
axes swapped in each group: a forward layer convolution
(:mod:`._conv_spec`), run by any forward method, whose output is every
``s``-th element of the adjoint's.  At stride 1 the one phase writes the
whole output in place.  The phase's weights, any cropped input and the
phase outputs are workspaces reused across calls (``_scratch``: fresh
megabytes would page-fault on every call).  No zero-inserted input is ever built and no tap
meets a zero it would have held; residues no tap reaches (a stride larger
than the kernel's extent) are the bias alone.
"""
import itertools
from dataclasses import dataclass

import numpy as np

from .. import _plans, _scratch, _validate, _wisdom
from .._geometry import ntuple
from . import _conv_methods
from ._args import float_array, three_axes
from ._conv import check_bias, check_nonempty, int_arg, strides
from ._conv_spec import ConvSpec

__all__ = ["conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]


@dataclass(frozen=True)
class _AxisPhase:
    """The outputs ``first, first + s, ...`` (``count`` of them) of one axis
    and the forward correlation that computes them: ``taps`` (indices into
    the kernel, in the correlation's order), its dilation and left padding,
    and the ``crop`` leading input samples it does not read."""
    first: int
    count: int
    taps: tuple
    dilation: int
    pad: int
    crop: int


def _axis_phases(n, m, k, s, d, pad):
    """The phases of one axis of the adjoint of a convolution whose input
    has ``n`` samples and output ``m`` (kernel ``k``, stride ``s``, dilation
    ``d``, left padding ``pad``), and whether they cover every output (the
    others are the bias alone).  Only residues some tap reaches: at most
    ``min(k, s)`` of them, whatever the stride."""
    phases = []
    for r in sorted({(t * d - pad) % s for t in range(k)}):
        if r >= n:
            continue
        taps = tuple(t for t in range(k - 1, -1, -1) if (r + pad - t * d) % s == 0)
        offsets = [(r + pad - t * d) // s for t in taps]  # ascending
        dilation = offsets[1] - offsets[0] if len(taps) > 1 else 1
        crop = max(offsets[0], 0)
        if crop >= m:  # every tap reads past the input's end
            continue
        phases.append(_AxisPhase(r, (n - r + s - 1) // s, taps, dilation, crop - offsets[0],
                                 crop))
    covered = len(phases) == min(s, n)
    return phases, covered


# The crop of a phase that reads its whole input.
_WHOLE = (slice(None),) * 2 + (slice(0, None),) * 3


def _descending(taps):
    """The slice of the kernel axis holding ``taps``: decreasing, evenly
    spaced indices."""
    step = taps[0] - taps[1] if len(taps) > 1 else 1
    stop = taps[-1] - step
    return slice(taps[0], stop if stop >= 0 else None, -step)


def _adjoint_weight(w, groups, taps, ws):
    """The taps ``taps`` (a slice per spatial axis) of ``w`` (C_out, C_in /
    groups, *kernel) as a weight of the adjoint (C_in, C_out / groups,
    *taps): the channel axes swapped per group, copied into a workspace of
    ``ws`` (a :class:`~convcore._scratch.Scratch`)."""
    c_out, cig = w.shape[:2]
    grouped = w.reshape((groups, c_out // groups, cig) + w.shape[2:])
    picked = grouped.swapaxes(1, 2)[(slice(None),) * 3 + taps]
    out = ws.empty(picked.shape, w.dtype)
    np.copyto(out, picked)
    return out.reshape((groups * cig, c_out // groups) + picked.shape[3:])


def _phases(spec):
    """([(forward spec, taps, crop, target)], covered): the phases of the
    adjoint of ``spec``, each the forward convolution that computes it, the
    weight taps it uses (a slice per axis), the input it reads (``crop``)
    and the outputs it writes (``target``); ``covered`` False when some
    outputs get no tap (they are the bias alone)."""
    axes = [_axis_phases(*a) for a in zip(spec.in_size, spec.out_size, spec.kernel,
                                          spec.stride, spec.dilation, spec.pad)]
    phases = []
    for combo in itertools.product(*(p for p, _ in axes)):
        fwd = ConvSpec(n=spec.n, c_in=spec.c_out, c_out=spec.c_in, groups=spec.groups,
                       in_size=tuple(m - a.crop for m, a in zip(spec.out_size, combo)),
                       kernel=tuple(len(a.taps) for a in combo), stride=(1, 1, 1),
                       dilation=tuple(a.dilation for a in combo),
                       pad=tuple(a.pad for a in combo),
                       out_size=tuple(a.count for a in combo), dtype=spec.dtype,
                       rank=spec.rank)
        taps = tuple(_descending(a.taps) for a in combo)
        crop = (slice(None),) * 2 + tuple(slice(a.crop, None) for a in combo)
        target = (slice(None),) * 2 + tuple(slice(a.first, None, s)
                                            for a, s in zip(combo, spec.stride))
        phases.append((fwd, taps, crop, target))
    return phases, all(c for _, c in axes)


def choose(spec):
    """The forward methods 'auto' runs for the phases of the adjoint of
    ``spec``, each once, in order."""
    return list(dict.fromkeys(_conv_methods.choose(fwd) for fwd, *_ in _phases(spec)[0]))


def check_method(spec, method, op):
    """ValueError naming ``op`` when ``method`` (a checked name) cannot run
    some phase of the adjoint of ``spec``, with the method's reason."""
    if method == "auto":  # every phase runs a method that covers it
        return
    where = "" if spec.stride == (1, 1, 1) else (
        f" (in a phase of the stride {spec.stride[3 - spec.rank:]})")
    for fwd, *_ in _phases(spec)[0]:
        _conv_methods.check_spec(method, fwd, op, where)


def _plan(spec, method):
    """``run(y, w, bias, out)``: ``out`` (N, C_in, *in_size) = the adjoint of
    the convolution ``spec`` (:mod:`._conv_spec`) applied to ``y`` (N, C_out,
    *out_size) with its weight ``w`` (C_out, C_in / groups, *kernel), plus
    ``bias`` (C_in,) or None; ``method`` runs every phase."""
    key = ("adjoint", spec, method)
    run = _plans.lookup(key)
    if run is not None:
        return run
    phases, covered = _phases(spec)
    runs = [_conv_methods.plan(fwd, method) for fwd, *_ in phases]
    in_place = covered and spec.stride == (1, 1, 1)

    def run(y, w, bias, out):
        if not covered:
            out[...] = 0 if bias is None else bias.reshape(-1, 1, 1, 1)
        with _scratch.Scratch() as ws:
            for (fwd, taps, crop, target), fwd_run in zip(phases, runs):
                yp = y if crop == _WHOLE else ws.empty(fwd.x_shape, spec.dtype)
                if yp is not y:
                    np.copyto(yp, y[crop])
                wp = _adjoint_weight(w, spec.groups, taps, ws)
                if in_place:
                    fwd_run(yp, wp, bias, out)
                    continue
                part = ws.empty(fwd.out_shape, spec.dtype)
                fwd_run(yp, wp, bias, part)
                out[target] = part

    if _wisdom.PATH is None:
        _plans.store(key, run)
    return run


def adjoint(spec, y, w, bias, method):
    """The adjoint of the convolution ``spec`` on ``y`` (N, C_out,
    *out_size) as a new (N, C_in, *in_size) array (see :func:`_plan`)."""
    out = _validate.empty(spec.x_shape, spec.dtype, "the output")
    if out.size:
        _plan(spec, method)(y, w, bias, out)
    return out


def _non_negative(value, rank, name, op):
    values = ntuple(value, rank, name)
    if any(v < 0 for v in values):
        raise ValueError(f"{op}: {name} must be non-negative, got {name}={value!r}")
    return values


def _conv_transpose(rank, op, x, weight, bias, stride, padding, output_padding, groups,
                    dilation, method):
    _conv_methods.check(method, op)
    x = float_array(x, op, "input")
    weight = float_array(weight, op, "weight")
    if x.ndim not in (rank + 1, rank + 2):
        raise ValueError(f"{op}: expected {rank + 1}-D (unbatched) or {rank + 2}-D (batched) "
                         f"input, got input.shape={x.shape}")
    if weight.ndim != rank + 2:
        raise ValueError(f"{op}: expected {rank + 2}-D weight (C_in, C_out / groups, "
                         f"*kernel), got weight.shape={weight.shape}")
    batched = x.ndim == rank + 2
    shown = x.shape if batched else x.shape[1:]
    x = x if batched else x[None]
    dtype = np.result_type(x.dtype, weight.dtype).newbyteorder("=")
    groups = int_arg(groups, op, "groups")
    if groups <= 0:
        raise ValueError(f"{op}: groups must be positive, got groups={groups}")
    if x.shape[1] % groups:
        raise ValueError(f"{op}: input channels ({x.shape[1]}) must be divisible by "
                         f"groups={groups}")
    if weight.shape[0] != x.shape[1]:
        raise ValueError(f"{op}: weight.shape={weight.shape} expects {weight.shape[0]} input "
                         f"channels (weight: C_in, C_out / groups, *kernel), got "
                         f"input.shape={shown}")
    c_out = weight.shape[1] * groups
    check_nonempty(op, shown, weight.shape)
    bias = check_bias(bias, c_out, dtype, op)
    stride, dilation = strides(rank, op, stride, dilation)
    pads = _non_negative(padding, rank, "padding", op)
    extra = _non_negative(output_padding, rank, "output_padding", op)
    if any(e >= max(s, d) for e, s, d in zip(extra, stride, dilation)):
        raise ValueError(f"{op}: output_padding must be smaller than either stride or "
                         f"dilation, got output_padding={output_padding!r}, stride={stride}, "
                         f"dilation={dilation}")
    kernel = weight.shape[2:]
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + e + 1
                 for n, s, p, d, k, e in zip(x.shape[2:], stride, pads, dilation, kernel, extra))
    if any(n < 1 for n in size):
        raise ValueError(f"{op}: the output would be empty: calculated output size {size} "
                         f"for input size {x.shape[2:]}, kernel {kernel}, stride {stride}, "
                         f"padding {pads}, dilation {dilation}, output_padding {extra}")
    _validate.check_nbytes((x.shape[0], c_out) + size, dtype.itemsize, f"{op}: the output")
    spec = transpose_spec(rank, x.shape, weight.shape, groups, size, stride, pads, dilation,
                          dtype)
    check_method(spec, method, op)
    y = np.ascontiguousarray(x, dtype=dtype).reshape(spec.out_shape)
    w = np.ascontiguousarray(weight, dtype=dtype).reshape(spec.w_shape)
    out = adjoint(spec, y, w, bias, method).reshape((x.shape[0], c_out) + size)
    return out if batched else out[0]


def transpose_spec(rank, y_shape, w_shape, groups, size, stride, pads, dilation, dtype):
    """The :class:`ConvSpec` of the convolution whose adjoint maps ``y``
    (N, C, *y_spatial) with weight (C, C' / groups, *kernel) to (N, C',
    *size): its input is the adjoint's output and its output the adjoint's
    input."""
    return ConvSpec(n=y_shape[0], c_in=w_shape[1] * groups, c_out=w_shape[0], groups=groups,
                    in_size=three_axes(size), kernel=three_axes(w_shape[2:]),
                    stride=three_axes(stride), dilation=three_axes(dilation),
                    pad=three_axes(pads, 0), out_size=three_axes(y_shape[2:]),
                    dtype=np.dtype(dtype), rank=rank)


_DOC = """{rank}-D transposed convolution of {layout} input, as
    ``torch.nn.functional.conv_transpose{rank}d``: the adjoint of
    :func:`convcore.nn.conv{rank}d` (its gradient with respect to its input).

    Parameters
    ----------
    x : array_like
        float32 or float64, {layout} or unbatched (C_in, {spatial}).
    weight : array_like
        (C_in, C_out / groups, {kernel}).
    bias : array_like, optional
        (C_out,).
    stride, padding, dilation : int or tuple of {rank} ints
        Those of the convolution whose adjoint this is.
    output_padding : int or tuple of {rank} ints
        Samples added at the end of each axis of the output, each smaller
        than the axis's stride or its dilation.
    groups : int
    method : {{'auto', 'direct', 'im2col', 'fft', 'winograd'}}
        The forward method that runs each phase ('winograd': stride 1,
        dilation 1 and 3-tap kernels, 1-D and 2-D; see the module
        ``convcore.nn._transpose``); 'auto' picks per phase by the forward
        cost model.

    Returns
    -------
    ndarray
        (N, C_out, {out}), ``out = (in - 1) * stride - 2 * padding +
        dilation * (kernel - 1) + output_padding + 1`` per axis, in the
        wider of the input's and the weight's dtypes.
    """


def conv_transpose1d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1, *, method="auto"):
    return _conv_transpose(1, "conv_transpose1d", x, weight, bias, stride, padding,
                           output_padding, groups, dilation, method)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1, *, method="auto"):
    return _conv_transpose(2, "conv_transpose2d", x, weight, bias, stride, padding,
                           output_padding, groups, dilation, method)


def conv_transpose3d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1, *, method="auto"):
    return _conv_transpose(3, "conv_transpose3d", x, weight, bias, stride, padding,
                           output_padding, groups, dilation, method)


conv_transpose1d.__doc__ = _DOC.format(rank=1, layout="(N, C_in, L)", spatial="L",
                                       kernel="kL", out="L_out")
conv_transpose2d.__doc__ = _DOC.format(rank=2, layout="(N, C_in, H, W)", spatial="H, W",
                                       kernel="kH, kW", out="H_out, W_out")
conv_transpose3d.__doc__ = _DOC.format(rank=3, layout="(N, C_in, D, H, W)",
                                       spatial="D, H, W", kernel="kD, kH, kW",
                                       out="D_out, H_out, W_out")
