"""Window geometry of every pooling op, computed once per shape and shared
by the forward ops (``_pool.py``) and their gradients (``grad.py``).

Everything here is dtype-independent: torch's argument checks, the
output size (``_geometry.window_count``), and per axis
and output index the first tap inside the input, the number of taps inside
and the average-pool divisor factor.  The C driver (csrc/pool/pool_op.c)
takes these tables as they are and never re-derives a padding rule.
"""
import functools

import numpy as np

from .._geometry import INT64_MAX, window_count
from .._validate import check_nbytes

__all__ = ["pool_geometry", "adaptive_geometry", "unit_axis"]


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
    # The C driver multiplies the per-axis divisor factors (at most the
    # kernel extents) in int64: a window must hold at most INT64_MAX taps.
    # (torch takes 32-bit kernel sizes on most pools, so it never gets here.)
    taps = 1
    for k in kernel:
        taps *= k
    if taps > INT64_MAX:
        raise ValueError(f"kernel_size={kernel} makes windows of {taps} taps; at most "
                         "2**63 - 1 are supported")


def _frozen(*arrays):
    t = np.ascontiguousarray(np.stack(arrays).astype(np.int64))
    t.flags.writeable = False
    return t


def unit_axis():
    """The spec of a missing leading axis: extent 1, one tap."""
    return (1, 1, 1, 1, 1, 0, 1, _frozen([0], [1], [1]))


# Outputs per step of a table's computation: its int64 temporaries stay at
# a few MB however long the axis (computed whole, they held some 100 bytes
# per output, 25 times a float32 output).
_CHUNK = 1 << 16


def _table(out, fill):
    """The read-only (3, out) int64 table of an axis of ``out`` outputs (rows:
    first tap inside the input, taps inside, divisor factor), allocated
    first and written by ``fill(o, rows)`` one chunk of output indices ``o``
    (int64) and its columns ``rows`` of the table at a time."""
    check_nbytes((3, out), 8, "the window table of an output axis")
    tab = np.empty((3, out), np.int64)
    for a in range(0, out, _CHUNK):
        b = min(a + _CHUNK, out)
        fill(np.arange(a, b, dtype=np.int64), tab[:, a:b])
    tab.flags.writeable = False
    return tab


def _pool_axis(size, out, k, s, p, d, count_include_pad):
    """The spec of one axis of max/avg pooling (check_pool_args has passed and
    ``out`` >= 1).  Every intermediate fits int64: window starts lie in
    [-p, size) (torch's output size keeps the last start inside input and
    left padding), and the extent past a start is clipped before padding is
    added to it (k and 2p may each be near 2**63)."""
    runs = []  # per chunk: (first, end, number) of outputs whose taps are all inside

    def fill(o, rows):
        start = o * s - p
        j0 = np.where(start < 0, -(start // d), 0)  # ceil(-start / d): first tap inside
        j1 = np.minimum(k - 1, (size - 1 - start) // d)
        count = np.maximum(j1 - j0 + 1, 0)
        rows[0] = start + j0 * d
        rows[1] = count
        # Average pooling (d == 1): torch's divisor, before and after clipping;
        # span = min(k, size + p - start), the window inside input and padding.
        rest = size - start
        span = np.minimum(rest, k) + np.minimum(np.maximum(k - rest, 0), p)
        if count_include_pad:
            rows[2] = span
        else:
            rows[2] = np.minimum(start + span, size) - np.maximum(start, 0)
        ok = np.flatnonzero((count == k) & (j0 == 0) & (rows[2] == k))
        if ok.size:
            runs.append((int(o[ok[0]]), int(o[ok[-1]]) + 1, ok.size))

    tab = _table(out, fill)
    lo, hi = (runs[0][0], runs[-1][1]) if runs else (0, 0)
    if sum(n for _, _, n in runs) != hi - lo:  # not one run: cannot happen; stay safe
        lo = hi = 0
    return (size, out, k, s, d, lo, hi, tab)


@functools.lru_cache(maxsize=512)
def pool_geometry(in_size, kernel, stride, padding, dilation, ceil_mode,
                  count_include_pad=True):
    """Output size and the three axis specs (D, H, W; missing leading axes
    are unit axes) of max/avg pooling of spatial size ``in_size``.

    Raises ValueError, as torch, when the output would be empty."""
    check_pool_args(kernel, stride, padding, dilation)
    out = tuple(window_count(*a, ceil_mode)
                for a in zip(in_size, kernel, stride, padding, dilation))
    if any(o < 1 for o in out):
        raise ValueError(f"Given input size: {in_size}, kernel_size={kernel}, stride={stride}, "
                         f"padding={padding}, dilation={dilation}: calculated output size "
                         f"{out} is too small (the kernel is larger than the padded input)")
    axes = tuple(_pool_axis(*a, count_include_pad)
                 for a in zip(in_size, out, kernel, stride, padding, dilation))
    axes = (unit_axis(),) * (3 - len(axes)) + axes
    return out, axes


def adaptive_windows(o, size, out):
    """(start, taps) of the adaptive windows ``o`` (int64 indices) of an axis
    of ``size`` inputs and ``out`` outputs: torch's [floor(o * size / out),
    ceil((o + 1) * size / out)).  In int64 while ``out * (size + 1)`` fits
    (it bounds every product), else in exact Python ints."""
    if out * (size + 1) > INT64_MAX:
        o = o.astype(object)
    start = o * size // out
    end = ((o + 1) * size + out - 1) // out
    return start.astype(np.int64), (end - start).astype(np.int64)


@functools.lru_cache(maxsize=512)
def adaptive_geometry(in_size, out_size):
    """The axis specs of adaptive pooling: torch's windows
    [floor(i * in / out), ceil((i + 1) * in / out)).  Callers allocate the
    output first: the tables grow with ``out_size``, not with the input."""
    axes = []
    for size, out in zip(in_size, out_size):
        widest = [1]

        def fill(o, rows, size=size, out=out, widest=widest):
            rows[0], rows[1] = adaptive_windows(o, size, out)
            rows[2] = rows[1]
            widest.append(int(rows[1].max()))

        tab = _table(out, fill)
        if out and size % out == 0:
            k = size // out  # regular windows: all interior, stride k
            spec = (size, out, k, k, 1, 0, out, tab)
        else:
            spec = (size, out, max(widest), 1, 1, 0, 0, tab)
        axes.append(spec)
    return (unit_axis(),) * (3 - len(axes)) + tuple(axes)
