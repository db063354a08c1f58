"""Pooling layer ops, channels-first, as ``torch.nn.functional``.

Each function coerces its input, validates (torch's checks; RuntimeError
there is ValueError/TypeError here), takes its window geometry from
``_window`` and makes one compiled call into ``convcore._pool``.
"""
import numpy as np

from .. import _dispatch, _pool
from .._geometry import ntuple
from .._threads import get_num_threads
from .._validate import empty
from ._args import as_input, check_divisor, pool_args, three_axes
from ._window import adaptive_geometry, pool_geometry

__all__ = [
    "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "lp_pool1d", "lp_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "max_unpool2d",
]


def new_output(op, planes, out_spatial, dtype, return_indices=False):
    """The output (planes, D, H, W) of a pool and its int64 indices (or
    None): MemoryError when either breaks convcore's size rule
    (_validate.empty)."""
    shape = (planes,) + three_axes(out_spatial)
    out = empty(shape, dtype, f"{op}: the output")
    return out, empty(shape, np.int64, f"{op}: the indices") if return_indices else None


def _max_pool(rank, op, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x4, batch, spatial = as_input(x, rank, op)
    geom = pool_args(rank, kernel_size, stride, padding, dilation)
    out_size, axes = pool_geometry(spatial, *geom, bool(ceil_mode))
    out, idx = new_output(op, x4.shape[0], out_size, x4.dtype, return_indices)
    _pool.max_pool(x4, out, idx, axes, _dispatch.isa_level, get_num_threads())
    out = out.reshape(batch + out_size)
    if return_indices:
        return out, idx.reshape(batch + out_size)
    return out


def max_pool1d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling of (N, C, L) or (C, L), as ``torch.nn.functional.max_pool1d``.

    Parameters
    ----------
    x : array_like, float32 or float64
    kernel_size, stride, padding, dilation : int or 1-tuple
        ``stride`` defaults to ``kernel_size``; ``padding`` (implicit -inf)
        is at most half the kernel.
    ceil_mode : bool
        Round the output length up (a last window may hang over the end).
    return_indices : bool
        Also return the flat index (within each (n, c) plane) of each maximum.

    Returns
    -------
    out : ndarray of x's dtype, or ``(out, indices)`` with int64 indices.
    Ties go to the first maximum in the window, NaN is a window's maximum
    (the last NaN when several), as torch.
    """
    return _max_pool(1, "max_pool1d", x, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling of (N, C, H, W) or (C, H, W), as
    ``torch.nn.functional.max_pool2d``; see :func:`max_pool1d`.  Indices are
    ``h * W + w`` within each plane."""
    return _max_pool(2, "max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool3d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-D max pooling of (N, C, D, H, W) or (C, D, H, W), as
    ``torch.nn.functional.max_pool3d``; see :func:`max_pool1d`.  Indices are
    ``(d * H + h) * W + w`` within each plane."""
    return _max_pool(3, "max_pool3d", x, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def _avg_pool(rank, op, x, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    x4, batch, spatial = as_input(x, rank, op)
    kernel, stride, padding, _ = pool_args(rank, kernel_size, stride, padding, 1)
    divisor = check_divisor(divisor_override)
    out_size, axes = pool_geometry(spatial, kernel, stride, padding, (1,) * rank,
                                   bool(ceil_mode), bool(count_include_pad))
    out, _ = new_output(op, x4.shape[0], out_size, x4.dtype)
    _pool.avg_pool(x4, out, axes, divisor, _dispatch.isa_level, get_num_threads())
    return out.reshape(batch + out_size)


def avg_pool1d(x, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling, as ``torch.nn.functional.avg_pool1d``.

    ``count_include_pad`` counts the zero padding in the divisor; with
    ``ceil_mode`` a window hanging past the padded end divides by the part
    inside input and padding (torch's rule)."""
    return _avg_pool(1, "avg_pool1d", x, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling, as ``torch.nn.functional.avg_pool2d``;
    ``divisor_override`` (non-zero int) replaces every divisor."""
    return _avg_pool(2, "avg_pool2d", x, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool3d(x, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """3-D average pooling, as ``torch.nn.functional.avg_pool3d``."""
    return _avg_pool(3, "avg_pool3d", x, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def _lp_pool(rank, op, x, norm_type, kernel_size, stride, ceil_mode):
    if isinstance(norm_type, (bool, np.bool_)) or not isinstance(
            norm_type, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: norm_type must be a real number, got norm_type={norm_type!r}")
    if norm_type == 0:
        raise ValueError(f"{op}: norm_type must be non-zero, got norm_type={norm_type!r}")
    x = np.asarray(x)
    if x.dtype.kind != "f" or x.dtype.itemsize not in (4, 8):
        raise TypeError(f"{op}: input must be float32 or float64, got input.dtype={x.dtype}")
    kernel = ntuple(kernel_size, rank, "kernel_size")
    with np.errstate(all="ignore"):
        powered = np.power(x, x.dtype.type(norm_type))
        out = _avg_pool(rank, op, powered, kernel, stride, 0, ceil_mode, True, None)
        # torch: (sign(out) * relu(|out|)) * prod(kernel), then ** (1 / p)
        out = np.sign(out) * np.maximum(np.abs(out), 0)
        out *= out.dtype.type(np.prod(kernel))
        return np.power(out, out.dtype.type(1.0 / norm_type))


def lp_pool1d(x, norm_type, kernel_size, stride=None, ceil_mode=False):
    """1-D power-average pooling, as ``torch.nn.functional.lp_pool1d``:
    ``(sum over the window of x ** p) ** (1 / p)``, computed as torch does
    (average pooling of ``x ** p`` times the kernel size)."""
    return _lp_pool(1, "lp_pool1d", x, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(x, norm_type, kernel_size, stride=None, ceil_mode=False):
    """2-D power-average pooling, as ``torch.nn.functional.lp_pool2d``."""
    return _lp_pool(2, "lp_pool2d", x, norm_type, kernel_size, stride, ceil_mode)


def _adaptive_size(output_size, spatial, op):
    size = ntuple(output_size, len(spatial), "output_size", allow_none=True)
    size = tuple(s if o is None else o for o, s in zip(size, spatial))
    if any(o < 0 for o in size):
        raise ValueError(f"{op}: elements of output_size must be greater than or equal to 0, "
                         f"got output_size={output_size!r}")
    return size


def _adaptive(rank, op, x, output_size, kind, return_indices=False):
    x4, batch, spatial = as_input(x, rank, op)
    out_size = _adaptive_size(output_size, spatial, op)
    # The output first: its size is what the caller asked for, and the
    # window tables, which grow with it, are built only once it exists.
    out, idx = new_output(op, x4.shape[0], out_size, x4.dtype, kind == "max" and return_indices)
    axes = adaptive_geometry(spatial, out_size)
    if kind == "max":
        _pool.max_pool(x4, out, idx, axes, _dispatch.isa_level, get_num_threads())
        out = out.reshape(batch + out_size)
        return (out, idx.reshape(batch + out_size)) if return_indices else out
    _pool.avg_pool(x4, out, axes, 0, _dispatch.isa_level, get_num_threads())
    return out.reshape(batch + out_size)


def adaptive_max_pool1d(x, output_size, return_indices=False):
    """1-D adaptive max pooling, as ``torch.nn.functional.adaptive_max_pool1d``.
    Window i spans [floor(i * L / out), ceil((i + 1) * L / out))."""
    return _adaptive(1, "adaptive_max_pool1d", x, output_size, "max", return_indices)


def adaptive_max_pool2d(x, output_size, return_indices=False):
    """2-D adaptive max pooling, as ``torch.nn.functional.adaptive_max_pool2d``;
    ``None`` in ``output_size`` keeps that input size."""
    return _adaptive(2, "adaptive_max_pool2d", x, output_size, "max", return_indices)


def adaptive_avg_pool1d(x, output_size):
    """1-D adaptive average pooling, as ``torch.nn.functional.adaptive_avg_pool1d``."""
    return _adaptive(1, "adaptive_avg_pool1d", x, output_size, "avg")


def adaptive_avg_pool2d(x, output_size):
    """2-D adaptive average pooling, as ``torch.nn.functional.adaptive_avg_pool2d``;
    outputs may be larger than the input, ``None`` keeps an input size, 0
    gives an empty output."""
    return _adaptive(2, "adaptive_avg_pool2d", x, output_size, "avg")


def _unpool_output_size(spatial, kernel, stride, padding, output_size):
    """torch's _unpool_output_size: the default size and the accepted range."""
    default = tuple((n - 1) * s + k - 2 * p
                    for n, k, s, p in zip(spatial, kernel, stride, padding))
    if output_size is None:
        size = default
    else:
        if not isinstance(output_size, (tuple, list)):
            raise TypeError("output_size must be a sequence of ints, got "
                            f"output_size={output_size!r}")
        size = ntuple(output_size, len(output_size), "output_size")
        if len(size) == len(kernel) + 2:
            size = size[2:]
        if len(size) != len(kernel):
            raise ValueError(f"output_size should be a sequence containing {len(kernel)} or "
                             f"{len(kernel) + 2} elements, got output_size={output_size!r}")
        for d, (o, df, s) in enumerate(zip(size, default, stride)):
            if not df - s < o < df + s:
                raise ValueError(f"invalid output_size={output_size!r} (dim {d} must be "
                                 f"between {df - s} and {df + s}, exclusive)")
    if any(o <= 0 for o in size):
        raise ValueError(f"max_unpool2d: output size {size} must be positive "
                         f"(kernel_size={kernel}, stride={stride}, padding={padding})")
    return size


def max_unpool2d(x, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of :func:`max_pool2d`, as ``torch.nn.functional.max_unpool2d``:
    a zero array of the unpooled size with each value of ``x`` put at its index."""
    x4, batch, spatial = as_input(x, 2, "max_unpool2d")
    indices = np.asarray(indices)
    if indices.dtype.kind not in "iu" or indices.dtype.itemsize != 8:
        raise TypeError("max_unpool2d: indices must be int64, got "
                        f"indices.dtype={indices.dtype}")
    if indices.shape != batch + spatial:
        raise ValueError("max_unpool2d: indices must have the shape of the input "
                         f"{batch + spatial}, got indices.shape={indices.shape}")
    kernel, stride, padding, _ = pool_args(2, kernel_size, stride, padding, 1)
    size = _unpool_output_size(spatial, kernel, stride, padding, output_size)
    idx = np.ascontiguousarray(indices, dtype=np.int64).reshape(x4.shape)
    out = empty((x4.shape[0], 1) + size, x4.dtype, "max_unpool2d: the output")
    bad = _pool.max_unpool(x4, idx, out, get_num_threads())
    if bad is not None:
        raise ValueError(f"max_unpool2d: found an invalid max index {bad} in indices "
                         f"(output planes are of size {size[0]}x{size[1]})")
    return out.reshape(batch + size)
