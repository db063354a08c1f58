"""The 'fft' method of the layer convolutions, on the FFT engine of the
signal API (``_spectral``).

Along each spatial axis, the stride-1 correlation of the input with the
dilated kernel (``dilation - 1`` zeros between taps) is the window starting
at ``K - 1 - pad`` of the linear convolution ``x * reversed(kernel)``
(``K`` the dilated extent); the output reads it at every ``stride``-th
sample.  The input and the filters are transformed once (real transforms
of the shortest fast length whose circular convolution holds the window:
``_geometry.circular_length``), the channels are reduced per frequency
(``_spectral.spectral_mac``, per group), and each output plane is
transformed back once.  Windows reaching past the convolution's ends read
zeros, as the implicit zero padding does.
"""
import math

import numpy as np

from .. import _pocketfft, _scratch
from .._geometry import circular_length
from .._methods import dtype_class
from .._spectral import check_workspace, fast_len, fft_workers, spectral_mac
from .._threads import blas_threads, get_num_threads


def _axis_plan(n, k, s, d, pad, out):
    """(transform length, first full-convolution index read, its clipped
    window (start, length) and where that lands in the stride-1 output)
    along one axis."""
    extent = d * (k - 1) + 1
    first = extent - 1 - pad                 # full-convolution index of output 0
    span = (out - 1) * s + 1                 # stride-1 outputs spanned
    lo, hi = max(first, 0), min(first + span, n + extent - 1)
    length = max(hi - lo, 0)
    m = fast_len(circular_length(n, extent, lo, max(length, 1)), True)
    return m, lo, length, lo - first


def _plans(spec):
    return [_axis_plan(*a) for a in zip(spec.in_size, spec.kernel, spec.stride,
                                        spec.dilation, spec.pad, spec.out_size)]


def _strided_read(lo, length, at, stride, out):
    """(output slice, slice of the inverse transform) along one axis: the
    outputs ``o`` whose stride-1 position ``o * stride`` falls in the window
    (which starts at ``at`` in stride-1 positions and at ``lo`` in the
    transform), and where they read."""
    first = -(-at // stride)
    last = min((at + length - 1) // stride, out - 1)
    if length <= 0 or last < first:
        return slice(0, 0), slice(0, 0)
    start = lo + first * stride - at
    return slice(first, last + 1), slice(start, start + (last - first) * stride + 1, stride)


def _missed(n, k, s, d, pad, out):
    """The outputs along one axis none of whose taps reaches the input
    (every tap in the padding or past its end): exactly zero before the
    bias, where the transforms leave rounding noise."""
    start = np.arange(out, dtype=np.int64) * s - pad
    first = np.maximum(-(start // d), 0)  # the first tap at or past the input's start
    return np.flatnonzero((first >= k) | (start + first * d >= n))


def _dilated_reversed(w, dilation):
    """``w`` (O, Cg, KD, KH, KW) with ``dilation - 1`` zeros between taps,
    reversed along the spatial axes (correlation as convolution)."""
    if any(d > 1 for d in dilation):
        shape = w.shape[:2] + tuple(d * (k - 1) + 1 for k, d in zip(w.shape[2:], dilation))
        wd = np.zeros(shape, w.dtype)
        wd[(slice(None),) * 2 + tuple(slice(None, None, d) for d in dilation)] = w
        w = wd
    return w[:, :, ::-1, ::-1, ::-1]


def make(spec):
    """The plan of ``spec`` (see :mod:`._conv_spec`)."""
    plans = _plans(spec)
    lengths = [m for m, *_ in plans]
    half = lengths[:2] + [lengths[2] // 2 + 1]
    spec_points = math.prod(half)
    # The spectra of the input, the filters and the output at once.
    check_workspace(2 * spec_points * (spec.n * spec.c_in + spec.c_out * spec.c_in_group
                                       + spec.n * spec.c_out), spec.dtype)
    axes = [2, 3, 4]
    workers = fft_workers(spec.n * spec.c_in * math.prod(lengths))
    threads = get_num_threads()  # of the channel reduction's BLAS calls
    g, cig, cog = spec.groups, spec.c_in_group, spec.c_out_group
    reads = [_strided_read(lo, length, at, st, o)
             for (_, lo, length, at), st, o in zip(plans, spec.stride, spec.out_size)]
    dest = (slice(None),) + tuple(d for d, _ in reads)
    source = (slice(None),) * 2 + tuple(r for _, r in reads)
    covered = all(d.stop - d.start == o for (d, _), o in zip(reads, spec.out_size))
    missed = [_missed(*a) for a in zip(spec.in_size, spec.kernel, spec.stride, spec.dilation,
                                       spec.pad, spec.out_size)]

    def run(x, w, bias, out):
        with _scratch.Scratch() as ws:
            ctype = np.result_type(spec.dtype, np.complex64)
            xs = _pocketfft.r2c(ws.padded(x, x.shape[:2] + tuple(lengths)), axes, workers,
                                out=ws.empty(x.shape[:2] + tuple(half), ctype))
            wr = np.ascontiguousarray(_dilated_reversed(w, spec.dilation))
            wspec = _pocketfft.r2c(ws.padded(wr, wr.shape[:2] + tuple(lengths)), axes,
                                   workers, out=ws.empty(wr.shape[:2] + tuple(half), ctype))
            if not covered:  # outputs whose windows lie in the padding alone
                out[...] = 0
            for k in range(g):
                with blas_threads(threads):
                    prod = spectral_mac(xs[:, k * cig:(k + 1) * cig],
                                        wspec[k * cog:(k + 1) * cog])
                y = _pocketfft.c2r(prod, axes, lengths[-1], workers,
                                   out=ws.empty(prod.shape[:2] + tuple(lengths), spec.dtype))
                out[(slice(None), slice(k * cog, (k + 1) * cog)) + dest[1:]] = y[source]
            for axis, idx in enumerate(missed):
                if idx.size:
                    out[(slice(None),) * (axis + 2) + (idx,)] = 0
            if bias is not None:
                out += bias.reshape(-1, 1, 1, 1)
    return run


def features(spec):
    """(('fft', dtype class), features): 1, the n*log2(n) work of the
    transforms (input, filters, output planes), the complex multiply-adds of
    the channel reduction, and the spectral elements held."""
    lengths = [m for m, *_ in _plans(spec)]
    points = math.prod(lengths)
    spec_points = points // lengths[2] * (lengths[2] // 2 + 1)
    planes = spec.n * spec.c_in + spec.c_out * spec.c_in_group + spec.n * spec.c_out
    work = planes * points * math.log2(max(points, 2))
    macs = spec.n * spec.c_out * spec.c_in_group * spec_points
    return ("fft", dtype_class(spec.dtype)), (1.0, work, macs, planes * spec_points)
