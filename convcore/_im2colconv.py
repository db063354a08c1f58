"""The im2col method: convolution as a matrix-vector product.

Each output is the dot product of the smaller operand (reversed: the
direct method's ``w``) with the window of the other one it meets.  Those
windows, unfolded one per row, form the patch matrix ``P`` (zeros where a
window hangs over the input), and the ``mode`` window of the convolution is
``P @ w``.  The compiled code builds ``P`` a bounded block at a time and
reduces each block with one BLAS call (float32, float64, complex64,
complex128; float16 runs in float32) or, where BLAS has no routine or would
round (bool, integers, long double), with a plain C loop.

The zero padding is multiplied, so an infinite or NaN value in the kernel
gives NaN where it meets the padding, as scipy's N-D direct path does (the
direct method skips those terms).
"""
import contextlib
import math

import numpy as np

from . import _im2col, _validate
from ._geometry import same_start_centered, signal_window
from ._methods import dtype_class
from ._threads import blas_threads, get_num_threads
from ._validate import as_correlation

_BLAS_CODES = frozenset(_im2col.BLAS_DTYPE_CODES)


def correlate_offsets_im2col(x, w, out_shape, offset, result,
                             block_bytes=_im2col.DEFAULT_BLOCK_BYTES):
    """``out[o] = sum_t x[o + offset + t] * w[t]`` as ``P @ w``, computed in
    the kernels' dtype and returned in ``result``'s (the contract of
    ``_directconv.correlate_offsets``).  ``block_bytes`` bounds each
    thread's patch-matrix workspace."""
    compute, code = _validate.compute_dtype(result)
    x = _validate.as_signal(x, compute)
    w = np.array(w, dtype=compute, order="C")  # a small aligned copy
    # The patch matrix is never whole (blocks of block_bytes per thread):
    # the output is the only array that grows with the problem.
    out = _validate.empty(out_shape, compute, "the output")
    # Every pool thread makes its own BLAS calls: BLAS gets one thread each.
    limit = blas_threads(1) if code in _BLAS_CODES else contextlib.nullcontext()
    with limit:
        _im2col.correlate(x, w, out, offset, code, get_num_threads(), block_bytes)
    return out if compute == result else out.astype(result)


def method_im2col(p, q, mode, same_start=same_start_centered,
                  block_bytes=_im2col.DEFAULT_BLOCK_BYTES):
    """``mode`` window of the full convolution ``p * q`` (same rank, >= 1)
    by the im2col method.

    Parameters
    ----------
    p, q : ndarray
        The operands, of one rank >= 1 (any layout, byte order or dtype the
        direct method takes).
    mode : {'full', 'same', 'valid'}
        The window, as ``scipy.signal.convolve`` defines it.
    same_start : callable, optional
        'same' window start per kernel length (as ``convolve_direct``).
    block_bytes : int, optional
        Workspace of each thread for one block of the patch matrix.

    Returns
    -------
    ndarray
        scipy's result dtype for ``p`` and ``q``.

    Notes
    -----
    Convolution commutes, so the operand with fewer elements is taken as the
    kernel: the patch matrix is then as narrow as it can be (one column per
    kernel element), and so is the work, ``outputs * kernel elements``.
    """
    return correlate_offsets_im2col(*as_correlation(p, q, mode, same_start, q.size > p.size),
                                    block_bytes=block_bytes)


def features(p, q, mode):
    """(('im2col', dtype class), features) of the ``mode`` window of ``p *
    q``: 1, outputs, outputs * kernel size (patch elements filled and
    reduced); constants fitted by benchmarks/calibrate.py."""
    out_shape, _ = signal_window(mode, p.shape, q.shape)
    n_out = math.prod(out_shape)
    return ("im2col", dtype_class(np.result_type(p, q))), (1.0, n_out, n_out * min(p.size, q.size))
