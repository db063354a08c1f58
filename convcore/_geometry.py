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


# --------------------------------------------------------------------------
# Public shape helpers

def _shape(value, name):
    """``value`` (an int or a sequence of ints) as a tuple of Python ints."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if not items:
        raise ValueError(f"{name} must have at least one axis; got {name}={value!r}")
    return ntuple(items, len(items), name)


def conv_output_shape(input_shape, kernel_shape, stride=1, padding=0, dilation=1,
                      ceil_mode=False):
    """Spatial output shape of a convolution or pooling layer.

    Parameters
    ----------
    input_shape : int or sequence of ints
        The spatial axes of the input (no batch or channel axes); an int is
        a 1-D input.  Its length is the number of spatial axes.
    kernel_shape, stride, padding, dilation : int or sequence of ints
        Per axis, as torch takes them: an int for every axis, or a sequence
        of one value or one value per axis.  ``padding`` is added on both
        sides of each axis.
    ceil_mode : bool, optional
        Round the window count up, as torch's pooling does with
        ``ceil_mode=True``; a last window that would start past the input
        and its left padding is not counted.

    Returns
    -------
    tuple of int
        ``floor((W + 2*P - D*(F - 1) - 1) / S) + 1`` per axis (``ceil`` with
        ``ceil_mode``), in exact Python integers.

    Raises
    ------
    ValueError
        For a negative input size or padding, a kernel size, stride or
        dilation below 1, per-axis sequences of the wrong length, values
        past 64-bit integers, and an output size below 1 on any axis.
    TypeError
        For values that are not integers.

    Examples
    --------
    >>> import convcore
    >>> convcore.conv_output_shape((224, 224), 7, stride=2, padding=3)
    (112, 112)
    >>> convcore.conv_output_shape(6, 3, stride=2, ceil_mode=True)
    (3,)
    """
    size = _shape(input_shape, "input_shape")
    n = len(size)
    given = {"input_shape": input_shape, "kernel_shape": kernel_shape, "stride": stride,
             "padding": padding, "dilation": dilation}
    args = {name: size if name == "input_shape" else ntuple(value, n, name)
            for name, value in given.items()}
    for name, low in (("input_shape", 0), ("kernel_shape", 1), ("stride", 1),
                      ("padding", 0), ("dilation", 1)):
        if any(v < low for v in args[name]):
            raise ValueError(f"{name} must be at least {low}; got {name}={given[name]!r}")
    out = []
    for axis, (w, f, s, p, d) in enumerate(zip(*args.values())):
        count = window_count(w, f, s, p, d, bool(ceil_mode))
        if count < 1:
            raise ValueError(
                f"the output size along axis {axis} would be {count}: the window of "
                f"kernel_shape={kernel_shape!r} with dilation={dilation!r} spans "
                f"{d * (f - 1) + 1} samples, more than the {w + 2 * p} of "
                f"input_shape={input_shape!r} with padding={padding!r}")
        out.append(count)
    return tuple(out)


def _layer(index, layer):
    """The ``(kernel, stride, padding, dilation)`` of ``layers[index]`` as
    Python ints."""
    where = f"layers[{index}]"
    if not isinstance(layer, (tuple, list)) or len(layer) != 4:
        raise ValueError(f"{where} must be a (kernel, stride, padding, dilation) tuple; "
                         f"got {where}={layer!r}")
    values = []
    for v in layer:
        if isinstance(v, (bool, np.bool_)):
            raise TypeError(f"{where} must hold integers; got {where}={layer!r}")
        try:
            values.append(operator.index(v))
        except TypeError:
            raise TypeError(f"{where} must hold integers; got {where}={layer!r}") from None
    kernel, stride, padding, dilation = values
    if kernel < 1 or stride < 1 or dilation < 1 or padding < 0:
        raise ValueError(f"{where} must have kernel, stride and dilation at least 1 and "
                         f"padding at least 0; got {where}={layer!r}")
    return values


def receptive_field(layers):
    """Receptive field of a stack of convolution and pooling layers, along
    one axis.

    Parameters
    ----------
    layers : sequence of (kernel, stride, padding, dilation) tuples
        The layers from the input on, each as integers; pooling layers in
        the same form.  ``padding`` is added on both sides.

    Returns
    -------
    size : int
        The number of input samples one unit of the last layer sees.
    jump : int
        The distance, in input samples, between neighbouring units of the
        last layer: the product of the strides.
    start : int or float
        The input coordinate (0-based, sample ``i`` at ``i``) of the centre
        of the first unit's field; a float when it falls between two samples
        (even kernels), negative when padding moves it left of the input.

    Raises
    ------
    ValueError
        For a layer that is not a 4-tuple, or with a kernel, stride or
        dilation below 1 or a negative padding; the message names the layer
        by its index.
    TypeError
        For a layer holding values that are not integers.

    Notes
    -----
    With ``k = dilation * (kernel - 1) + 1`` the extent of a layer's window,
    and starting from ``size = jump = 1``, ``start = 0`` (one input sample),
    each layer applies::

        size  += (k - 1) * jump
        start += ((k - 1) / 2 - padding) * jump
        jump  *= stride

    Examples
    --------
    >>> import convcore
    >>> convcore.receptive_field([(3, 1, 0, 1)] * 3)
    (7, 1, 3)
    >>> convcore.receptive_field([(3, 1, 1, 1), (2, 2, 0, 1)])
    (4, 2, 0.5)
    """
    size, jump, twice_start = 1, 1, 0   # twice the start: an exact integer
    for index, layer in enumerate(layers):
        kernel, stride, padding, dilation = _layer(index, layer)
        extent = dilation * (kernel - 1) + 1
        size += (extent - 1) * jump
        twice_start += (extent - 1 - 2 * padding) * jump
        jump *= stride
    start = twice_start // 2 if twice_start % 2 == 0 else twice_start / 2
    return size, jump, start
