"""The FFT engine: transforms, spectral products and how a convolution runs.

The transforms are scipy.fft's pocketfft (called through ``_pocketfft``:
real transforms for real data, complex for complex, on convcore's threads
when large: ``fft_workers``).  Around them, in the shape of scipy's
``_freq_domain_conv`` and ``_apply_conv_mode``: the transform lengths, the
padding into workspaces (reused per Python thread: ``_scratch``, so
concurrent calls share nothing), the spectral product (compiled) and the
cropping to a window of the full linear convolution.  Savings over scipy's
code, none changing the arithmetic of an output sample:

- a circular convolution of length ``M`` equals the linear one on the window
  when ``M`` is at least ``_geometry.circular_length``: what wraps around
  lands outside the window.  'valid' then needs ``M >= n1`` instead of
  ``n1 + n2 - 1``, 'same' about ``n2 / 2`` less.
- large N-D transforms run one axis at a time over the lines the data
  occupies, not over the zero padding (``forward_pruned``,
  ``inverse_pruned``);
- two single lines are convolved as short polyphase lines (``_fftline``).

:class:`Plan` decides how a convolution runs (the path, the lengths, the
threads); the cost model of ``'auto'`` reads its features from the same
plan, so the two never disagree.  Users: the signal API's FFT methods and
overlap-add (``_fftconv``, ``_oa``).
"""
import math

import numpy as np
import scipy.fft as sp_fft

from . import _dispatch, _fft, _fftline, _pocketfft, _scratch
from ._geometry import circular_length
from ._threads import get_num_threads
from ._validate import MAX_BYTES, check_nbytes

_OP_MUL = _fft.OPS.index("mul")

# --------------------------------------------------------------------------
# dtypes

def _transform_dtype(a):
    """The dtype scipy.fft transforms ``a`` in: integers and bool as float64
    (scipy casts integers itself), float16 as float32."""
    if a.dtype.kind in "biu":
        return np.dtype(np.float64)
    if a.dtype == np.float16:
        return np.dtype(np.float32)
    return a.dtype.newbyteorder("=")


# work_dtype per pair of input dtypes: a few numeric dtypes, and a call
# may ask several times (about 1 us each worked out).
_WORK_DTYPES = {}


def work_dtype(in1, in2):
    """The dtype both inputs are transformed in; the result is this dtype
    (its real counterpart for real inputs), as scipy's fftconvolve returns."""
    key = (in1.dtype, in2.dtype)
    dtype = _WORK_DTYPES.get(key)
    if dtype is None:
        dtype = _WORK_DTYPES[key] = np.result_type(_transform_dtype(in1), _transform_dtype(in2))
    return dtype


# --------------------------------------------------------------------------
# The spectral product (compiled) and the transforms

def _row_offsets(x, shape):
    """Offsets (in elements) of the rows of ``x`` broadcast to ``shape``,
    None when ``x`` already has ``shape``."""
    if x.shape == shape:
        return None
    off = np.zeros(shape[:-1], np.intp)
    stride = 1
    for d in range(len(shape) - 1, -1, -1):
        if d < len(shape) - 1 and x.shape[d] != 1:
            idx = np.arange(shape[d], dtype=np.intp) * stride
            off += idx.reshape((-1,) + (1,) * (len(shape) - 2 - d))
        stride *= x.shape[d]
    return off.ravel()


def spectral_product(a, b):
    """``a * b`` with NumPy broadcasting, written into ``a`` when it has the
    broadcast shape (both are fresh spectra, C-contiguous)."""
    shape = np.broadcast_shapes(a.shape, b.shape)
    if a.dtype != b.dtype:
        dt = np.result_type(a, b)
        a, b = a.astype(dt, copy=False), b.astype(dt, copy=False)
    if a.dtype not in (np.complex64, np.complex128):
        return np.multiply(a, b)  # clongdouble: NumPy's loop
    # The kernel walks rows of the last axis; a broadcast last axis (rare:
    # a length-1 non-convolution last axis) is materialised first.
    for name in ("a", "b"):
        x = a if name == "a" else b
        if x.shape[-1] != shape[-1] or not x.flags.c_contiguous:
            x = np.ascontiguousarray(np.broadcast_to(x, x.shape[:-1] + shape[-1:]))
            a, b = (x, b) if name == "a" else (a, x)
    a_off = _row_offsets(a, shape)
    b_off = _row_offsets(b, shape)
    if a_off is None and a.flags.writeable:
        out = a
    elif b_off is None and b.flags.writeable:
        out, a, b, a_off, b_off = b, b, a, None, a_off
    else:
        out = np.empty(shape, a.dtype)
    _fft.spectral(a, a_off, b, b_off, out, _OP_MUL, _dispatch.isa_level, get_num_threads())
    return out


def spectral_mac(x, w):
    """The multiply-accumulate over channels of the layer convolutions'
    spectra: ``out[n, o, f...] = sum_c x[n, c, f...] * w[o, c, f...]`` for
    ``x`` of shape (N, C, F...) and ``w`` of shape (O, C, F...), channels
    first as in torch, on the same frequencies F... (complex, promoted as
    NumPy does).  One complex matrix product (N, C) @ (C, O) per frequency,
    batched over the frequencies (BLAS where NumPy's matmul has it);
    returns a C-contiguous (N, O, F...)."""
    if x.shape[1] != w.shape[1] or x.shape[2:] != w.shape[2:]:
        raise ValueError(f"spectra of shapes {x.shape} and {w.shape} do not share channels "
                         "and frequencies")
    freq = x.shape[2:]
    xf = x.reshape(x.shape[:2] + (-1,)).transpose(2, 0, 1)  # (F, N, C)
    wf = w.reshape(w.shape[:2] + (-1,)).transpose(2, 1, 0)  # (F, C, O)
    out = np.matmul(xf, wf)                                  # (F, N, O)
    return np.ascontiguousarray(out.transpose(1, 2, 0)).reshape(
        (x.shape[0], w.shape[0]) + freq)


# --------------------------------------------------------------------------
# Plain FFT convolution

def crop(ret, win):
    sl = tuple(slice(s, s + n) for s, n in win)
    if all(s == 0 and n == m for (s, n), m in zip(win, ret.shape)):
        return ret
    return ret[sl].copy()


def check_workspace(elements, dtype):
    """MemoryError before any workspace is taken when the call's workspaces,
    about ``elements`` values of the transforms' complex dtype in all, break
    convcore's size rule (_validate.check_nbytes).  They follow the padded
    transform, not the output: inputs long along different axes make them
    far larger than a 'same' or 'valid' output."""
    check_nbytes((elements,), dtype.itemsize * (1 if dtype.kind == "c" else 2),
                 "the FFT workspace")


def fast_len(n, real):
    """``scipy.fft.next_fast_len(n, real)`` of a transform that could exist:
    MemoryError when ``n`` points of 8 bytes (complex64, the least) break
    convcore's size rule; next_fast_len itself gives up past about 2**60.5
    points with a ValueError about FFTs."""
    if n * 8 > MAX_BYTES:
        check_nbytes((n,), 8, "the FFT workspace")
    return sp_fft.next_fast_len(n, real)


def fft_lengths(s1, s2, axes, win, real):
    """Per convolution axis the transform length of :func:`fft_window`: the
    shortest fast length whose circular convolution holds the window
    (_geometry.circular_length)."""
    return [fast_len(circular_length(s1[a], s2[a], *win[a]), real) for a in axes]


def padded_shape(shape, axes, lengths):
    shape = list(shape)
    for a, n in zip(axes, lengths):
        shape[a] = n
    return shape


def spectrum_shape(shape, axes, lengths, real):
    shape = padded_shape(shape, axes, lengths)
    if real:
        shape[axes[-1]] = lengths[-1] // 2 + 1
    return shape


def forward_whole(x, lengths, axes, real, workers, ws, overwrite_x=False):
    """The transform of ``x`` zero-padded to ``lengths`` along ``axes``, in
    one call, in workspaces of ``ws`` (a _scratch.Scratch); complex: in
    place when ``x`` may be overwritten."""
    xp = ws.padded(x, padded_shape(x.shape, axes, lengths))
    if not real and (xp is not x or overwrite_x):
        out = xp
    else:
        out = ws.empty(spectrum_shape(x.shape, axes, lengths, real),
                       np.result_type(x, np.complex64))
    if real:
        return _pocketfft.r2c(xp, axes, workers, out=out)
    return _pocketfft.c2c(xp, axes, True, workers, out=out)


def inverse_whole(spec, lengths, axes, real, workers, ws):
    """The inverse transform of ``spec`` (overwritten) along ``axes``, in
    ``spec`` or a workspace of ``ws``."""
    if real:
        shape = padded_shape(spec.shape, axes[-1:], lengths[-1:])
        out = ws.empty(shape, np.finfo(spec.dtype).dtype)
        return _pocketfft.c2r(spec, axes, lengths[-1], workers, out=out)
    return _pocketfft.c2c(spec, axes, False, workers, out=spec)


def forward_pruned(x, lengths, axes, real, workers, ws):
    """The transform of ``x`` zero-padded to ``lengths`` along ``axes``, one
    axis at a time from the last, in one workspace: each 1-D pass runs only
    over the lines the input occupies in the axes not yet transformed (a
    padded N-D transform would also transform the padding's zero lines),
    and writes in place, so the padding is never copied."""
    last = axes[-1]
    spec = ws.empty(spectrum_shape(x.shape, axes, lengths, real),
                    np.result_type(x.dtype, np.complex64))
    region = [slice(0, m) for m in x.shape]
    region[last] = slice(None)
    occupied = spec[tuple(region)]
    _scratch.zero_outside(spec, occupied.shape)
    if real:
        line_shape = padded_shape(x.shape, [last], lengths[-1:])
        _pocketfft.r2c(ws.padded(x, line_shape), [last], workers, out=occupied)
    else:
        _pocketfft.c2c(_scratch.fill_padded(occupied, x), [last], True, workers, out=occupied)
    for a in reversed(axes[:-1]):
        region[a] = slice(None)
        occupied = spec[tuple(region)]
        _pocketfft.c2c(occupied, [a], True, workers, out=occupied)
    return spec


def inverse_pruned(spec, lengths, axes, win, real, workers, ws):
    """The window ``win`` of the inverse transform of ``spec`` (overwritten):
    each axis but the last is cropped as soon as it is transformed, so the
    later passes run over the window's lines only."""
    y = spec
    for a in axes[:-1]:
        _pocketfft.c2c(y, [a], False, workers, out=y)
        start, length = win[a]
        y = y[(slice(None),) * a + (slice(start, start + length),)]
    y = inverse_whole(y, lengths[-1:], axes[-1:], real, workers, ws)
    return crop(y, [(0, n) if a in axes[:-1] else win[a] for a, n in enumerate(y.shape)])


# From this many transform points on an N-D transform runs one axis at a
# time over the occupied lines (forward_pruned); below, one pocketfft call
# per transform costs less than pruning saves.  Measured with
# benchmarks/fft_prune.py (AMD EPYC Zen 5, 2 threads, direct pocketfft
# calls): pruned / whole medians 1.04 below 2**14 points (0.92-1.14),
# 0.91 from 2**14 to 2**15 (none above 0.97), 0.87 to 2**16, 0.80 beyond.
PRUNE_MIN_POINTS = 1 << 14

# Below this many points per transform (all lines of a call) pocketfft runs
# on one thread: its thread hand-offs cost more than a second core gives
# (measured on the calibration machine: complex 23x25x22 and real 349x296
# transforms ran 1.3-2x slower on two threads, 1080x1080 1.2x faster).
FFT_THREADS_MIN_POINTS = 1 << 18


def transform_points(s1, s2, axes, lengths):
    """Points of the transform of the broadcast product: ``lengths`` along
    ``axes``, the broadcast extent along the others."""
    return math.prod(lengths) * math.prod(max(a, b) for d, (a, b) in enumerate(zip(s1, s2))
                                          if d not in axes)


def fft_workers(points):
    """pocketfft's thread count for transforms of ``points`` points."""
    return get_num_threads() if points >= FFT_THREADS_MIN_POINTS else 1


# --------------------------------------------------------------------------
# How a convolution runs, and what it costs

class Passes:
    """Tally of 1-D transform passes: calls into pocketfft, lines
    transformed, and n*log2(n) work, the latter split by whether the pass
    runs on several threads (pocketfft's threads split lines, when
    ``threaded``: fft_workers) or on one."""

    def __init__(self, threaded):
        self.threaded = threaded
        self.calls = self.lines = self.parallel = self.serial = 0

    def add(self, extents, axis, n, calls=1):
        lines = math.prod(extents) // max(extents[axis], 1)
        work = lines * n * math.log2(max(n, 2))
        self.calls += calls
        self.lines += lines
        if lines > 1 and self.threaded:
            self.parallel += work
        else:
            self.serial += work

    def features(self, elements):
        """The cost model's features (_methods): 1, calls, lines, workspace
        ``elements``, threaded and single-threaded n*log2(n) work."""
        return (1.0, self.calls, self.lines, elements, self.parallel, self.serial)


class Plan:
    """How :func:`fft_window` convolves inputs of shapes ``s1`` and ``s2``
    along ``axes`` (sorted; the other axes broadcast) to the window ``win``
    in work dtype ``dtype``: the transform lengths, pocketfft's threads and
    the path:

    - 'split': one line per input in a dtype with a compiled split product
      (_fftline.split_line, one thread);
    - 'line': one line per input otherwise, one transform per line;
    - 'pruned': several axes and PRUNE_MIN_POINTS or more, one axis at a
      time (forward_pruned, inverse_pruned);
    - 'whole': one N-D call per transform.
    """

    def __init__(self, s1, s2, axes, win, dtype):
        self.s1, self.s2, self.axes, self.win, self.dtype = s1, s2, axes, win, dtype
        self.real = dtype.kind != "c"
        self.lengths = fft_lengths(s1, s2, axes, win, self.real)
        self.points = transform_points(s1, s2, axes, self.lengths)
        one_line = (len(axes) == 1 and math.prod(s1) == s1[axes[0]]
                    and math.prod(s2) == s2[axes[0]])
        if one_line:
            self.path = "split" if dtype in _fftline.SPLIT_DTYPES else "line"
        elif len(axes) > 1 and math.prod(self.lengths) >= PRUNE_MIN_POINTS:
            self.path = "pruned"
        else:
            self.path = "whole"
        self.workers = 1 if self.path == "split" else fft_workers(self.points)

    def features(self):
        """The cost model's features of this run (Passes.features): the
        1-D passes each path makes, and its workspace elements."""
        s1, s2, axes, lengths = self.s1, self.s2, self.axes, self.lengths
        passes = Passes(self.workers > 1)
        if not axes:  # a broadcast product: costed as one call's overhead
            passes.add([1], 0, 1)
        elif self.path == "split":
            phases, m = _fftline.line_layout(s1, s2, axes[0], self.win, self.dtype)
            lengths = [phases * m]
            # both inputs' lines in one call, then the inverse ones
            passes.add([2 * phases, m], 1, m)
            passes.add([phases, m], 1, m)
        elif self.path == "line":
            n = lengths[0]
            for _ in range(3):
                passes.add([n], 0, n)
        else:
            pruned = self.path == "pruned"
            for shape in (s1, s2):  # forward: last axis first
                ext = list(shape)
                if not pruned:
                    for a, length in zip(axes, lengths):
                        ext[a] = length
                for i, (a, length) in enumerate(reversed(list(zip(axes, lengths)))):
                    passes.add(ext, a, length, calls=pruned or i == 0)
                    ext[a] = length
            ext = [max(a, b) for a, b in zip(s1, s2)]
            for a, length in zip(axes, lengths):
                ext[a] = length
            for i, (a, length) in enumerate(zip(axes, lengths)):  # inverse
                passes.add(ext, a, length, calls=pruned or i == 0)
                if pruned:
                    ext[a] = self.win[a][1]
        batch = transform_points(s1, s2, axes, [])
        return passes.features(3 * math.prod(lengths) * batch)

    def run(self, x1, x2):
        """The window of ``x1 * x2`` (both of the work dtype)."""
        axes, lengths, real, workers = self.axes, self.lengths, self.real, self.workers
        with _scratch.Scratch() as ws:
            if self.path == "split":
                return _fftline.split_line(x1, x2, axes[0], self.win, ws)
            if self.path == "pruned":
                sp1 = forward_pruned(x1, lengths, axes, real, workers, ws)
                sp2 = forward_pruned(x2, lengths, axes, real, workers, ws)
                return ws.detach(inverse_pruned(spectral_product(sp1, sp2), lengths, axes,
                                                self.win, real, workers, ws))
            sp1 = forward_whole(x1, lengths, axes, real, workers, ws)
            sp2 = forward_whole(x2, lengths, axes, real, workers, ws)
            # The circular result is indexed from 0 like the full one: crop directly.
            y = inverse_whole(spectral_product(sp1, sp2), lengths, axes, real, workers, ws)
            return ws.detach(crop(y, self.win))


def fft_window(in1, in2, axes, win):
    """The window ``win`` of ``in1 * in2`` (convolution along ``axes``,
    broadcasting elsewhere) by one FFT of each input."""
    dtype = work_dtype(in1, in2)
    plan = Plan(in1.shape, in2.shape, axes, win, dtype)
    # Two spectra and an inverse transform of this size at most (as
    # Plan.features counts them).
    check_workspace(3 * plan.points, dtype)
    return plan.run(in1.astype(dtype, copy=False), in2.astype(dtype, copy=False))
