"""The direct method: windows of the full convolution by the direct kernel.

Every mode of every signal function is a window of the full linear
convolution ``p * q`` (for correlation ``q`` is ``in2`` reversed and
conjugated): its start and length per axis come from the mode, and the
direct kernel computes ``out[o] = sum_t x[o + offset + t] * w[t]`` with ``x``
one operand and ``w`` the other one reversed.
"""

import math

import numpy as np

from . import _direct, _dispatch, _validate
from ._geometry import same_start_centered, signal_window
from ._methods import dtype_class
from ._threads import get_num_threads
from ._validate import as_correlation


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


# --------------------------------------------------------------------------
# The cost model's view (_methods.Method.features): constants per dtype
# class fitted by benchmarks/calibrate.py to the features
#   1, outputs, outputs * kernel rows, multiply-adds in the row kernel
#   (whole vectors; edges included where they are padded), multiply-adds
#   in the scalar edge loop.

def _taps_before(t, a, b):
    """Multiply-adds of the full 1-D convolution of lengths a <= b in its
    outputs [0, t): output u takes min(u + 1, a, a + b - 1 - u) products."""
    t = min(max(t, 0), a + b - 1)
    rise = min(t, a)
    flat = min(max(t - a, 0), b - a)
    fall = max(t - b, 0)
    return rise * (rise + 1) // 2 + flat * a + fall * (a - 1) - fall * (fall - 1) // 2


def direct_macs(s1, s2, mode):
    """Multiply-adds the direct kernel performs on the ``mode`` window
    (taps outside the input are skipped): a product over axes."""
    out_shape, start = signal_window(mode, s1, s2)
    macs = 1
    for n1, n2, t0, m in zip(s1, s2, start, out_shape):
        a, b = min(n1, n2), max(n1, n2)
        macs *= _taps_before(t0 + m, a, b) - _taps_before(t0, a, b)
    return macs


# Elements per AVX2 vector of each class (the SIMD row kernels' width).
_LANES = {"f4": 8, "f8": 4, "c8": 4, "c16": 2, "scalar": 1}


def features(p, q, mode):
    """(('direct', dtype class), features) of the ``mode`` window of ``p *
    q``."""
    out_shape, start = signal_window(mode, p.shape, q.shape)
    macs = direct_macs(p.shape, q.shape, mode)
    row_macs = direct_macs(p.shape[-1:], q.shape[-1:], mode)  # along the last axis
    if q.shape[-1] > p.shape[-1]:
        p, q = q, p  # the signal is the operand longer along the last axis
    # The row micro-kernel runs the columns every tap of a kernel row
    # reaches.  The other (edge) columns run it too, on zero-padded copies,
    # where a SIMD kernel exists (direct_op.c); otherwise they go through a
    # scalar loop over the taps that exist.
    n, k, m = p.shape[-1], q.shape[-1], out_shape[-1]
    s = start[-1] - (k - 1)
    lo = min(max(-s, 0), m)
    hi = min(max(n - k + 1 - s, lo), m)
    lead = macs // row_macs if row_macs else 0  # multiply-adds per last-axis one
    cls = dtype_class(np.result_type(p, q))
    lanes = _LANES[cls]

    def vector_macs(cols):  # the kernel's vectors run whole
        return -(-cols // lanes) * lanes * k * lead

    n_out = math.prod(out_shape)
    rows = math.prod(q.shape[:-1])
    if cls == "scalar":
        simd, edge = vector_macs(hi - lo), macs - (hi - lo) * k * lead
    else:
        simd, edge = vector_macs(lo) + vector_macs(hi - lo) + vector_macs(m - hi), 0
    return ("direct", cls), (1.0, n_out, n_out * rows, simd, edge)
