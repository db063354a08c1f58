"""Argument handling shared by the layer ops of ``convcore.nn``: inputs as
the kernels take them, and torch's per-axis hyper-parameters.

torch's RuntimeError for a bad value is ValueError here, TypeError for a
bad type, and every message names the argument and its value.
"""
import math
import operator

import numpy as np

from .._geometry import INT64_MAX, INT64_MIN, ntuple


def float_array(a, op, name):
    """``a`` as an array: TypeError unless float32 or float64, the layer
    ops' dtypes."""
    a = np.asarray(a)
    if a.dtype.kind != "f" or a.dtype.itemsize not in (4, 8):
        raise TypeError(f"{op}: {name} must be float32 or float64, got {name}.dtype={a.dtype}")
    return a


def three_axes(values, fill=1):
    """A per-axis tuple of a 1- to 3-D op as the kernels' three axes (D, H,
    W): missing leading axes get ``fill`` (extent or stride 1, padding 0)."""
    return (fill,) * (3 - len(values)) + tuple(values)


def as_input(x, rank, op, name="input"):
    """x as a C-contiguous native float array shaped (planes, D, H, W), its
    batch shape (every axis before the spatial ones) and its spatial size.
    torch's rule: (C, *spatial) or (N, C, *spatial), non-batch axes non-empty."""
    x = float_array(x, op, name)
    if x.ndim not in (rank + 1, rank + 2):
        raise ValueError(f"{op}: expected {rank + 1}-D (unbatched) or {rank + 2}-D (batched) "
                         f"{name}, got {name}.shape={x.shape}")
    if any(n == 0 for n in x.shape[x.ndim - rank - 1:]):
        raise ValueError(f"{op}: expected {name} with non-zero sizes for non-batch axes, "
                         f"got {name}.shape={x.shape}")
    batch, spatial = x.shape[:-rank], x.shape[-rank:]
    x = np.ascontiguousarray(x, dtype=x.dtype.newbyteorder("="))
    planes = math.prod(batch)
    return x.reshape((planes,) + three_axes(spatial)), batch, spatial


def pool_args(rank, kernel_size, stride, padding, dilation):
    """(kernel, stride, padding, dilation) of a pool as rank-tuples; stride
    None (or empty) is the kernel size, as torch."""
    kernel = ntuple(kernel_size, rank, "kernel_size")
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and
                                          len(stride) == 0) else ntuple(stride, rank, "stride")
    return kernel, stride, ntuple(padding, rank, "padding"), ntuple(dilation, rank, "dilation")


def check_divisor(divisor_override):
    """``divisor_override`` as the pool driver takes it: 0 for none, else a
    non-zero int64 (torch's checks)."""
    if divisor_override is None:
        return 0
    if isinstance(divisor_override, (bool, np.bool_)):
        raise TypeError(f"divisor_override must be an int, got divisor_override={divisor_override!r}")
    try:
        d = operator.index(divisor_override)
    except TypeError:
        raise TypeError("divisor_override must be an int, got "
                        f"divisor_override={divisor_override!r}") from None
    if d == 0:
        raise ValueError("divisor_override must be non-zero, got divisor_override=0")
    if not INT64_MIN <= d <= INT64_MAX:  # it reaches C as int64
        raise ValueError("divisor_override must be a 64-bit integer, got "
                         f"divisor_override={divisor_override!r}")
    return d
