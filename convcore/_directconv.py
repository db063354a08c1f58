"""The direct method: windows of the full convolution by the direct kernel.

Every mode of every signal function is a window of the full linear
convolution ``p * q`` (for correlation ``q`` is ``in2`` reversed and
conjugated): its start and length per axis come from the mode, and the
direct kernel computes ``out[o] = sum_t x[o + offset + t] * w[t]`` with ``x``
one operand and ``w`` the other one reversed.
"""

from . import _direct, _dispatch, _validate
from ._threads import get_num_threads
from ._validate import reverse


def same_start_centered(n2):
    """'same' window start of convolve, correlate and convolve2d."""
    return (n2 - 1) // 2


def same_start_corr2d(n2):
    """'same' window start of correlate2d, which centres even kernels the
    other way."""
    return n2 // 2


def window(mode, shape1, shape2, same_start=same_start_centered):
    """(output shape, start in the full convolution) of ``mode``."""
    if mode == "full":
        return tuple([max(a + b - 1, 0) for a, b in zip(shape1, shape2)]), (0,) * len(shape1)
    if mode == "same":
        return tuple(shape1), tuple([same_start(b) for b in shape2])
    return (tuple([abs(a - b) + 1 for a, b in zip(shape1, shape2)]),
            tuple([min(a, b) - 1 for a, b in zip(shape1, shape2)]))


def _correlator(out_shape, offset, result, isa, threads, flip=False):
    """``run(x, w)``: the one compiled call ``out[o] = sum_t x[o + offset +
    t] * w[t]`` (``w`` read reversed when ``flip``), computed in the
    kernels' dtype and returned in ``result``'s, on ``threads`` threads at
    ISA level ``isa`` (_direct.Correlator)."""
    compute, code = _validate.compute_dtype(result)
    _validate.check_nbytes(out_shape, compute.itemsize, "the output")
    return _direct.Correlator(out_shape, offset, compute, code, result, isa, threads, flip,
                              _validate.as_signal)


def correlate_offsets(x, w, out_shape, offset, result):
    """``out[o] = sum_t x[o + offset + t] * w[t]`` in ``result``'s dtype
    (_correlator)."""
    return _correlator(out_shape, offset, result, _dispatch.isa_level, get_num_threads())(x, w)


def check_output(p, q, mode, same_start=same_start_centered):
    """MemoryError when the ``mode`` window of ``p * q`` breaks convcore's
    size rule (_validate.check_nbytes), whatever the method: checked before
    'auto' models the methods, whose arithmetic assumes sizes that exist."""
    out_shape, _ = window(mode, p.shape, q.shape, same_start)
    _validate.check_nbytes(out_shape, _validate.result_dtype(p, q, objects=True).itemsize,
                           "the output")


def as_correlation(p, q, mode, same_start, swap):
    """``(x, w, out_shape, offset, result)``: the ``mode`` window of the full
    convolution ``p * q`` as ``out[o] = sum_t x[o + offset + t] * w[t]``,
    with ``q`` as the signal ``x`` when ``swap`` (convolution commutes)."""
    result = _validate.result_dtype(p, q)
    out_shape, start = window(mode, p.shape, q.shape, same_start)
    if swap:
        p, q = q, p
    offset = tuple(s - (k - 1) for s, k in zip(start, q.shape))
    return p, reverse(q), out_shape, offset, result


def direct_plan(p, q, mode, same_start=same_start_centered):
    """``run(p, q)``: the ``mode`` window of the full convolution ``p * q``
    for operands of these shapes and dtypes (same rank, >= 1), its geometry
    worked out once.

    The operand longer along the last axis plays the signal: the SIMD
    kernel then covers most of each row."""
    swap = q.shape[-1] > p.shape[-1]
    _, _, out_shape, offset, result = as_correlation(p, q, mode, same_start, swap)
    # Worked out once: a plan is kept per thread count and ISA level (_plans).
    # The kernel operand is read reversed by the compiled call.
    correlate = _correlator(out_shape, offset, result, _dispatch.isa_level, get_num_threads(),
                            flip=True)
    if not swap:
        return correlate
    return lambda p, q: correlate(q, p)


def convolve_direct(p, q, mode, same_start=same_start_centered):
    """``mode`` window of the full convolution ``p * q`` (same rank, >= 1)."""
    return direct_plan(p, q, mode, same_start)(p, q)
