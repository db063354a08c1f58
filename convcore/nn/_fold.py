"""``unfold`` (im2col) and ``fold`` (col2im), as ``torch.nn.functional``,
in 1-D, 2-D and 3-D.

Both read top to bottom: find the spatial rank, coerce the array, check
torch's rules (its RuntimeError is ValueError here, TypeError for a bad
type, and messages name the argument and its value), size the result
before allocating it, and make one call into the column kernels of
``csrc/im2col/unfold.h`` (the same unfold the 'im2col' convolution runs).
"""
import math

import numpy as np

from .. import _im2col, _validate
from .._im2col import GEOMETRY_LIMIT  # past it, the kernels' int64 sums could wrap
from .._geometry import ntuple, window_count
from .._threads import get_num_threads
from ._args import float_array, three_axes

__all__ = ["unfold", "fold"]


def _rank_of(kernel_size, ndim, op):
    """The spatial rank: len(kernel_size) for a sequence; for an int 2, or 3
    for a 5-D input (the API's rule; torch has 2-D only)."""
    if isinstance(kernel_size, (tuple, list)):
        if not 1 <= len(kernel_size) <= 3:
            raise ValueError(f"{op}: kernel_size must be an int or a sequence of 1 to 3 ints, "
                             f"got kernel_size={kernel_size!r}")
        return len(kernel_size)
    return 3 if ndim == 5 else 2


def _as_float(a, op, name):
    """``a`` as a C-contiguous, aligned, native float32/float64 array."""
    a = float_array(a, op, name)
    return np.require(a, a.dtype.newbyteorder("="), ["C_CONTIGUOUS", "ALIGNED"])


def _hyper(rank, op, kernel_size, dilation, padding, stride):
    """(kernel, dilation, padding, stride) as rank-tuples, checked as torch
    checks them."""
    kernel = ntuple(kernel_size, rank, "kernel_size")
    dilation = ntuple(dilation, rank, "dilation")
    padding = ntuple(padding, rank, "padding")
    stride = ntuple(stride, rank, "stride")
    for name, values in (("kernel_size", kernel), ("dilation", dilation), ("stride", stride)):
        if any(v <= 0 for v in values):
            raise ValueError(f"{op}: {name} must be positive, got {name}={values}")
    if any(p < 0 for p in padding):
        raise ValueError(f"{op}: padding must be non-negative, got padding={padding}")
    for name, values in (("kernel_size", kernel), ("dilation", dilation),
                         ("padding", padding), ("stride", stride)):
        if any(v >= GEOMETRY_LIMIT for v in values):
            raise ValueError(f"{op}: {name} must be below 2**62, got {name}={values}")
    return kernel, dilation, padding, stride


def _grid(spatial, kernel, dilation, padding, stride, op, what):
    """Window positions per axis; ValueError when the kernel does not fit
    the padded input (or the sizes pass the geometry limit)."""
    for n, k, d, p in zip(spatial, kernel, dilation, padding):
        if n + 2 * p >= GEOMETRY_LIMIT or d * (k - 1) + 1 >= GEOMETRY_LIMIT:
            raise ValueError(f"{op}: the padded {what} (size {tuple(spatial)}, padding "
                             f"{padding}) or the kernel extent (kernel_size={kernel}, "
                             f"dilation={dilation}) is 2**62 or more")
    grid = tuple(window_count(n, k, s, p, d)
                 for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation))
    if any(g < 1 for g in grid):
        raise ValueError(f"{op}: the kernel (kernel_size={kernel}, dilation={dilation}) is "
                         f"larger than the padded {what} (size {tuple(spatial)}, padding="
                         f"{padding}): calculated block grid {grid}")
    return grid


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding local blocks (im2col), as ``torch.nn.functional.unfold``,
    in 1-D, 2-D and 3-D.

    Parameters
    ----------
    x : array_like
        float32 or float64, ``(N, C, *spatial)`` or unbatched ``(C, *spatial)``.
    kernel_size : int or sequence of 1 to 3 ints
        The block size; its length is the spatial rank.  An int means 2-D,
        or 3-D for a 5-D input.
    dilation, padding, stride : int or sequence of ints
        Per spatial axis, as torch (padding: zeros on both sides).

    Returns
    -------
    ndarray
        ``(N, C * prod(kernel_size), L)`` (unbatched: without ``N``), ``L``
        the number of blocks; row ``c * prod(kernel_size) + t`` holds
        kernel tap ``t`` (C order) of channel ``c`` for every block.
    """
    op = "unfold"
    xa = np.asarray(x)
    rank = _rank_of(kernel_size, xa.ndim, op)
    xa = _as_float(xa, op, "input")
    if xa.ndim not in (rank + 1, rank + 2):
        raise ValueError(f"{op}: expected {rank + 1}-D (unbatched) or {rank + 2}-D (batched) "
                         f"input for a {rank}-D kernel_size={kernel_size!r}, "
                         f"got input.shape={xa.shape}")
    if any(n == 0 for n in xa.shape[-rank - 1:]):
        raise ValueError(f"{op}: expected input with non-zero channel and spatial sizes, "
                         f"got input.shape={xa.shape}")
    kernel, dilation, padding, stride = _hyper(rank, op, kernel_size, dilation, padding, stride)
    batched = xa.ndim == rank + 2
    x5 = xa if batched else xa[None]
    n, c = x5.shape[:2]
    spatial = x5.shape[2:]
    grid = _grid(spatial, kernel, dilation, padding, stride, op, "input")
    shape = (n, c * math.prod(kernel), math.prod(grid))
    cols = _validate.empty(shape, x5.dtype, f"{op}: the output")
    _im2col.unfold(x5.reshape((n, c) + three_axes(spatial)), cols, three_axes(grid),
                   three_axes(kernel), three_axes(stride), three_axes(padding, 0),
                   three_axes(dilation), get_num_threads())
    return cols if batched else cols[0]


def fold(cols, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Combine sliding local blocks into an array (col2im), as
    ``torch.nn.functional.fold``, in 1-D, 2-D and 3-D: the adjoint of
    :func:`unfold` (overlapping blocks add up).

    Parameters
    ----------
    cols : array_like
        float32 or float64, ``(N, C * prod(kernel_size), L)`` or unbatched
        ``(C * prod(kernel_size), L)``, ``L`` the number of blocks of
        ``output_size``.
    output_size : int or sequence of 1 to 3 ints
        The spatial size of the result; its length is the spatial rank (an
        int means 2-D, as torch).
    kernel_size, dilation, padding, stride : int or sequence of ints
        As for :func:`unfold`.

    Returns
    -------
    ndarray
        ``(N, C, *output_size)`` (unbatched: without ``N``).
    """
    op = "fold"
    if isinstance(output_size, (tuple, list)):
        if not 1 <= len(output_size) <= 3:
            raise ValueError(f"{op}: output_size must be an int or a sequence of 1 to 3 ints, "
                             f"got output_size={output_size!r}")
        rank = len(output_size)
    else:
        rank = 2
    ca = _as_float(cols, op, "input")
    out_spatial = ntuple(output_size, rank, "output_size")
    if any(s <= 0 for s in out_spatial):
        raise ValueError(f"{op}: output_size must be positive, got output_size={out_spatial}")
    kernel, dilation, padding, stride = _hyper(rank, op, kernel_size, dilation, padding, stride)
    if ca.ndim not in (2, 3):
        raise ValueError(f"{op}: expected 2-D (unbatched) or 3-D (batched) input "
                         f"(N, C * prod(kernel_size), L), got input.shape={ca.shape}")
    if any(s == 0 for s in ca.shape[-2:]):
        raise ValueError(f"{op}: expected input with non-zero sizes for non-batch axes, "
                         f"got input.shape={ca.shape}")
    batched = ca.ndim == 3
    c3 = ca if batched else ca[None]
    n, rows, blocks = c3.shape
    taps = math.prod(kernel)
    if rows % taps:
        raise ValueError(f"{op}: expected input.shape[{ca.ndim - 2}]={rows} to be divisible "
                         f"by the product of kernel_size={kernel} ({taps})")
    grid = _grid(out_spatial, kernel, dilation, padding, stride, op, "output")
    if math.prod(grid) != blocks:
        raise ValueError(f"{op}: given output_size={out_spatial}, kernel_size={kernel}, "
                         f"dilation={dilation}, padding={padding}, stride={stride}, expected "
                         f"input.shape[{ca.ndim - 1}] to match the number of sliding blocks "
                         f"{' * '.join(map(str, grid))} = {math.prod(grid)}, "
                         f"got input.shape[{ca.ndim - 1}]={blocks}")
    c = rows // taps
    out = _validate.empty((n, c) + out_spatial, c3.dtype, f"{op}: the output")
    _im2col.fold(c3, out.reshape((n, c) + three_axes(out_spatial)), three_axes(grid),
                 three_axes(kernel), three_axes(stride), three_axes(padding, 0),
                 three_axes(dilation), get_num_threads())
    return out if batched else out[0]
