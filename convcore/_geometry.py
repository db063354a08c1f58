"""Where windows sit: output shapes and window positions of every op.

Two families of rules, kept apart because they disagree on purpose:

- scipy.signal's modes.  Every output of convolve, correlate, convolve2d
  and the FFT functions is a window of the full linear convolution
  ``in1 * in2`` (length ``n1 + n2 - 1`` per axis): :func:`signal_window`
  gives its shape and start, :func:`correlation_offsets` restates it as the
  ``out[o] = sum_t x[o + offset + t] * w[t]`` the compiled kernels compute,
  and :func:`crop_window` adds the axes the FFT functions broadcast.
  scipy centres 'same' on ``(n2 - 1) // 2`` (``correlate2d``: ``n2 // 2``).
- torch's layer rules (pooling and the layer convolutions):
  per-axis arguments (:func:`ntuple`), and the number of windows of extent
  ``dilation * (kernel - 1) + 1`` a padded, strided axis holds
  (:func:`window_count`).

Everything here is integer arithmetic on shapes: no arrays, no dtypes.
"""
import operator

import numpy as np

# torch's layer geometry reaches C as int64 (cc_index_t).
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


# --------------------------------------------------------------------------
# scipy.signal's modes

def same_start_centered(n2):
    """'same' window start of convolve, correlate and convolve2d."""
    return (n2 - 1) // 2


def same_start_corr2d(n2):
    """'same' window start of correlate2d, which centres even kernels the
    other way."""
    return n2 // 2


def signal_window(mode, shape1, shape2, same_start=same_start_centered):
    """(output shape, start in the full convolution) of ``mode`` for inputs
    of shapes ``shape1`` and ``shape2`` (same rank)."""
    if mode == "full":
        return tuple([max(a + b - 1, 0) for a, b in zip(shape1, shape2)]), (0,) * len(shape1)
    if mode == "same":
        return tuple(shape1), tuple([same_start(b) for b in shape2])
    return (tuple([abs(a - b) + 1 for a, b in zip(shape1, shape2)]),
            tuple([min(a, b) - 1 for a, b in zip(shape1, shape2)]))


def correlation_offsets(start, kernel_shape):
    """Per axis the ``offset`` of ``out[o] = sum_t x[o + offset + t] *
    w[t]`` (``w`` the kernel reversed) whose outputs are the full
    convolution's from ``start`` on."""
    return tuple(s - (k - 1) for s, k in zip(start, kernel_shape))


def crop_window(mode, s1, s2, axes):
    """Per axis (start, length) of the output in the full result, as scipy's
    ``_apply_conv_mode`` crops: on the convolution ``axes`` the
    :func:`signal_window` of ``mode`` (``s2`` no longer than ``s1`` there in
    'valid'), elsewhere a window of the broadcast extent."""
    win = []
    for a, (n1, n2) in enumerate(zip(s1, s2)):
        if a in axes:
            shape, start = signal_window(mode, (n1,), (n2,))
            win.append((start[0], shape[0]))
        else:
            b = max(n1, n2)
            win.append(((b - n1) // 2, n1) if mode == "same" else (0, b))
    return win


def circular_length(n1, n2, start, length):
    """The shortest circular convolution of lines of ``n1`` and ``n2``
    points that holds the window ``[start, start + length)`` of the linear
    one: what wraps around lands outside the window when the period is at
    least ``full - start`` and ``start + length`` (and holds both lines)."""
    full = n1 + n2 - 1
    return max(full - start, start + length, n1, n2)


# --------------------------------------------------------------------------
# torch's layer rules

def ntuple(value, n, name, *, allow_none=False):
    """``value`` as an n-tuple of ints: an int, or a sequence of 1 or n ints
    (torch's rule).  TypeError for non-integers, ValueError for bad lengths
    and for values past int64."""
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
            v = operator.index(v)
        except TypeError:
            raise TypeError(f"{name} must hold integers, got {name}={value!r}") from None
        # torch fails to unpack such a value (its catch-all error); here it
        # would overflow the int64 tables or the conversion to C.
        if not INT64_MIN <= v <= INT64_MAX:
            raise ValueError(f"{name} must hold 64-bit integers, got {name}={value!r}")
        out.append(v)
    return tuple(out)


def window_count(size, kernel, stride, padding, dilation, ceil_mode=False):
    """Windows along one axis of ``size`` inputs padded by ``padding`` on
    both sides: torch's output size of convolution and pooling
    (``pooling_output_shape``; ``ceil_mode`` counts a last partial window
    when it starts inside the input or its left padding)."""
    extent = dilation * (kernel - 1) + 1
    out = (size + 2 * padding - extent + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out
