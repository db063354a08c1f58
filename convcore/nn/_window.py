"""Window geometry of every pooling op, computed once per shape and shared
by the forward ops (``_pool.py``) and their gradients (``grad.py``).

Everything here is dtype-independent: torch's output-size rule (padding,
dilation, ``ceil_mode``), the argument checks that go with it, and per axis
and output index the first tap inside the input, the number of taps inside
and the average-pool divisor factor.  The C driver (csrc/pool/pool_op.c)
takes these tables as they are and never re-derives a padding rule.
"""
import functools
import operator

import numpy as np

__all__ = ["ntuple", "pool_geometry", "adaptive_geometry", "unit_axis"]


def ntuple(value, n, name, *, allow_none=False):
    """``value`` as an n-tuple of ints: an int, or a sequence of 1 or n ints
    (torch's rule).  TypeError for non-integers, ValueError for bad lengths."""
    if isinstance(value, (tuple, list)):
        items = tuple(value)
        if len(items) == 1:
            items = items * n
        if len(items) != n:
            raise ValueError(f"{name} must be an int or a sequence of {n} ints, "
                             f"got {name}={value!r}")
    else:
        items = (value,) * n
    out = []
    for v in items:
        if v is None and allow_none:
            out.append(None)
            continue
        if isinstance(v, (bool, np.bool_)):
            raise TypeError(f"{name} must hold integers, got {name}={value!r}")
        try:
            out.append(operator.index(v))
        except TypeError:
            raise TypeError(f"{name} must hold integers, got {name}={value!r}") from None
    return tuple(out)


def pool_output_size(size, k, s, p, d, ceil_mode):
    """torch's pooling_output_shape for one axis."""
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    # The last window must start inside the input or its left padding.
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def check_pool_args(kernel, stride, padding, dilation):
    """torch's checks of the pooling hyper-parameters (RuntimeError there,
    ValueError here)."""
    if any(k <= 0 for k in kernel):
        raise ValueError(f"kernel_size should be greater than zero, got kernel_size={kernel}")
    if any(s <= 0 for s in stride):
        raise ValueError(f"stride should be greater than zero, got stride={stride}")
    if any(d <= 0 for d in dilation):
        raise ValueError(f"dilation should be greater than zero, got dilation={dilation}")
    if any(p < 0 for p in padding):
        raise ValueError(f"padding should be non-negative, got padding={padding}")
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError("padding should be at most half of kernel_size, got "
                         f"padding={padding} and kernel_size={kernel}")


def _frozen(*arrays):
    t = np.ascontiguousarray(np.stack(arrays).astype(np.int64))
    t.flags.writeable = False
    return t


def unit_axis():
    """The spec of a missing leading axis: extent 1, one tap."""
    return (1, 1, 1, 1, 1, 0, 1, _frozen([0], [1], [1]))


def _interior(ok):
    """[lo, hi) of the run of True in ok (it is one run), or (0, 0)."""
    where = np.flatnonzero(ok)
    if where.size == 0:
        return 0, 0
    lo, hi = int(where[0]), int(where[-1]) + 1
    if not ok[lo:hi].all():  # cannot happen for regular windows; stay safe
        return 0, 0
    return lo, hi


def _pool_axis(size, out, k, s, p, d, count_include_pad):
    o = np.arange(out, dtype=np.int64)
    start = o * s - p
    j0 = np.where(start < 0, (-start + d - 1) // d, 0)
    j1 = np.minimum(k - 1, (size - 1 - start) // d)
    count = np.maximum(j1 - j0 + 1, 0)
    first = start + j0 * d
    # Average pooling (d == 1): torch's divisor, before and after clipping.
    end_padded = np.minimum(start + k, size + p)
    clipped = np.minimum(end_padded, size) - np.maximum(start, 0)
    fac = (end_padded - start) if count_include_pad else clipped
    lo, hi = _interior((count == k) & (j0 == 0) & (fac == k))
    return (size, out, k, s, d, lo, hi, _frozen(first, count, fac))


@functools.lru_cache(maxsize=512)
def pool_geometry(in_size, kernel, stride, padding, dilation, ceil_mode,
                  count_include_pad=True):
    """Output size and the three axis specs (D, H, W; missing leading axes
    are unit axes) of max/avg pooling of spatial size ``in_size``.

    Raises ValueError, as torch, when the output would be empty."""
    check_pool_args(kernel, stride, padding, dilation)
    out = tuple(pool_output_size(*a, ceil_mode)
                for a in zip(in_size, kernel, stride, padding, dilation))
    if any(o < 1 for o in out):
        raise ValueError(f"Given input size: {in_size}, kernel_size={kernel}, stride={stride}, "
                         f"padding={padding}, dilation={dilation}: calculated output size "
                         f"{out} is too small (the kernel is larger than the padded input)")
    axes = tuple(_pool_axis(*a, count_include_pad)
                 for a in zip(in_size, out, kernel, stride, padding, dilation))
    axes = (unit_axis(),) * (3 - len(axes)) + axes
    return out, axes


@functools.lru_cache(maxsize=512)
def adaptive_geometry(in_size, out_size):
    """The axis specs of adaptive pooling: torch's windows
    [floor(i * in / out), ceil((i + 1) * in / out))."""
    axes = []
    for size, out in zip(in_size, out_size):
        o = np.arange(out, dtype=np.int64)
        start = (o * size) // out if out else o
        end = ((o + 1) * size + out - 1) // out if out else o
        count = end - start
        if out and size % out == 0:
            k = size // out  # regular windows: all interior, stride k
            spec = (size, out, k, k, 1, 0, out, _frozen(start, count, count))
        else:
            k = int(count.max()) if out else 1
            spec = (size, out, max(k, 1), 1, 1, 0, 0, _frozen(start, count, count))
        axes.append(spec)
    return (unit_axis(),) * (3 - len(axes)) + tuple(axes)
