"""The 1-D FFT convolution of two lines, as short polyphase lines.

A line of ``M`` points is transformed as ``phases`` (2 or 4) interleaved
lines of ``M / phases`` points in one batch: pocketfft runs a batch of
short lines with SIMD across them, where one long line leaves the caches.
The first radix step, which joins the phases, is fused into the spectral
product (``csrc/fft/split_line.c``); real inputs transform each phase by a
real FFT (half spectra).
"""
import functools

import numpy as np
import scipy.fft as sp_fft

from . import _fft, _pocketfft
from ._geometry import circular_length
from ._threads import get_num_threads

# Work dtypes with a compiled split product; other dtypes run one line.
SPLIT_DTYPES = tuple(map(np.dtype, ("f4", "f8", "c8", "c16")))


# A line of PHASES_MIN_POINTS or more is transformed as 2 or 4 polyphase
# lines (csrc/fft/split_line.c): pocketfft runs a batch of short lines
# with SIMD across them, and one long line leaves the caches.  Zen 3, one
# thread, the transforms of two real lines of 2,000,000 points: 4
# lines took 0.48x the time of one (a second thread saved nothing); of
# 16,000 points: 2 lines 0.8x.  Four lines from FOUR_PHASES_MIN_BYTES of
# workspace on, where two lines of half of it no longer share the 512 KiB
# L2 (32,000 complex128 points: 4 lines 0.46x the time of 2); below, the
# radix-4 step costs more than it saves.
PHASES_MIN_POINTS = 1 << 10
FOUR_PHASES_MIN_BYTES = 256 << 10


def split_layout(need, itemsize):
    """(phases, m) of a line split for a circular convolution of at least
    ``need`` points, with complex values of ``itemsize`` bytes: ``phases``
    lines of the fast length ``m``."""
    if need < PHASES_MIN_POINTS:
        phases = 1
    else:
        phases = 4 if need * itemsize >= FOUR_PHASES_MIN_BYTES else 2
    return phases, sp_fft.next_fast_len(-(-need // phases), False)


def line_layout(s1, s2, axis, win, dtype):
    """split_layout of the lines of shapes ``s1`` and ``s2`` convolved
    along ``axis`` to the window ``win``, in work dtype ``dtype`` (two real
    lines take the bytes of one complex)."""
    need = circular_length(s1[axis], s2[axis], *win[axis])
    return split_layout(need, np.result_type(dtype, np.complex64).itemsize)


@functools.lru_cache(maxsize=32)
def _twiddles(phases, m, count, dtype):
    tw = _fft.split_twiddles(phases, m, count, dtype)
    if tw is not None:
        tw.flags.writeable = False
    return tw


def _interleaved(phases, m, dtype, axis, ndim, win):
    """A fresh line of phases*m points, as the (phases, m) view the inverse
    transforms of the phases write, and the window ``win`` of it reshaped
    to ``ndim`` dimensions (the line along ``axis``)."""
    line = np.empty(phases * m, dtype)
    start, length = win[axis]
    window = line[start:start + length].reshape([length if a == axis else 1
                                                 for a in range(ndim)])
    return line.reshape(m, phases).T, window


def split_line(x1, x2, axis, win, ws):
    """The window ``win`` of the convolution of two lines (every axis but
    ``axis`` of length 1): both inputs' polyphase components (split_layout)
    in one batch of transforms (real ones: half spectra), the product with
    the first radix step (_fft.split_product), then the inverse transforms
    of the result's components, written interleaved."""
    dtype = x1.dtype
    real = dtype.kind == "f"
    phases, m = line_layout(x1.shape, x2.shape, axis, win, dtype)
    z = ws.empty((2, phases, m), dtype)
    for zx, x in zip(z, (x1, x2)):
        line = x.reshape(-1)
        for r in range(phases):
            part = line[r::phases]
            zx[r, :part.size] = part
            zx[r, part.size:] = 0
    if real:
        spec = _pocketfft.r2c(z, [2], 1, out=ws.empty((2, phases, m // 2 + 1),
                                                      np.result_type(dtype, np.complex64)))
    else:
        spec = _pocketfft.c2c(z, [2], True, 1, out=z)
    d = _fft.split_product(spec[0], spec[1], m, _twiddles(phases, m, spec.shape[2], spec.dtype),
                           get_num_threads())
    phased, window = _interleaved(phases, m, dtype, axis, x1.ndim, win)
    if real:
        _pocketfft.c2r(d, [1], m, 1, out=phased)
    else:
        _pocketfft.c2c(d, [1], False, 1, out=phased)
    return window
