"""The FFT family: fftconvolve, oaconvolve and the 'fft' and 'oa' methods.

The transforms are scipy.fft's pocketfft (called through ``_pocketfft``:
real transforms for real data, complex for complex, on convcore's threads
when large: ``fft_workers``).  Around them
convcore does, in the shape of scipy's ``_freq_domain_conv`` and
``_apply_conv_mode``: the transform lengths, the padding into workspaces
(reused per Python thread: ``_scratch``, so concurrent calls share nothing), the spectral product
and the cropping to the mode's window; for overlap-add also the cutting into
blocks and the adding of their overlaps (compiled: ``csrc/fft``).

Every output is a window ``[start, start + length)`` per axis of the full
linear convolution.  Savings over scipy's code, none changing the
arithmetic of an output sample:

- a circular convolution of length ``M`` equals the linear one on the window
  when ``M >= max(F - start, start + length, n1, n2)`` (``F`` the full
  length): what wraps around lands outside the window.  'valid' then needs
  ``M >= n1`` instead of ``n1 + n2 - 1``, 'same' about ``n2 / 2`` less.
- large N-D transforms run one axis at a time over the lines the data
  occupies, not over the zero padding (``_forward``, ``_inverse``);
- 1-D inputs are transformed as 2 or 4 short polyphase lines in one batch,
  not as one long line, the first radix step fused into the spectral
  product (``csrc/fft/split_line.c``).
"""
import functools
import math
import operator
import warnings

import numpy as np
import scipy.fft as sp_fft
from scipy.special import lambertw

from . import _dispatch, _fft, _pocketfft, _scratch
from ._threads import get_num_threads
from ._validate import MAX_BYTES, check_mode, check_nbytes, inputs_swap_needed, result_dtype

__all__ = ["fftconvolve", "oaconvolve", "method_fft", "method_oa"]

_OP_MUL = _fft.OPS.index("mul")


# --------------------------------------------------------------------------
# Arguments (scipy's _init_freq_conv_axes and its helpers)

def _as_inputs(in1, in2):
    in1 = np.asarray(in1)
    in2 = np.asarray(in2)
    for name, a in (("in1", in1), ("in2", in2)):
        if a.dtype.kind not in "biufcO":
            # scipy fails in its multiply with a UFuncTypeError (a TypeError).
            raise TypeError(f"{name} must be numeric (bool, integer, floating, complex "
                            f"or object); got {name}.dtype={a.dtype}")
    return in1, in2


def _transformable(a, name):
    """``a`` as scipy.fft transforms it: an object array becomes float64
    element by element (so a complex element raises TypeError, a string
    ValueError, as in scipy); other arrays are returned as they are."""
    if a.dtype.kind != "O":
        return a
    try:
        return np.asarray(a, np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise type(exc)(f"{name} is an object array, which the FFT converts to float64 "
                        f"as scipy does, and an element cannot be converted: {exc}") from None


def _normalize_axes(axes, ndim):
    """scipy.fft's axes rules: int or iterable of ints, negative allowed,
    unique, within the rank."""
    if axes is None:
        return list(range(ndim))
    try:
        axes = [operator.index(axes)]
    except TypeError:
        try:
            axes = [operator.index(a) for a in axes]
        except TypeError:
            raise ValueError("axes must be a scalar or iterable of integers; "
                             f"got axes={axes!r}") from None
    if any(a >= ndim or a < -ndim for a in axes):
        raise ValueError(f"axes exceeds dimensionality of input; got axes={axes} "
                         f"for inputs of rank {ndim}")
    axes = [a + ndim if a < 0 else a for a in axes]
    if len(set(axes)) != len(axes):
        raise ValueError(f"all axes must be unique; got axes={axes}")
    return axes


def _init_axes(in1, in2, mode, axes):
    """(in1, in2, axes): axes normalised and stripped of length-1 axes (those
    broadcast), inputs swapped when 'valid' needs in2 as the larger."""
    s1, s2 = in1.shape, in2.shape
    given = axes is not None
    axes = _normalize_axes(axes, in1.ndim)
    if given and not axes:
        raise ValueError("when provided, axes cannot be empty; got axes=[]")
    axes = [a for a in axes if s1[a] != 1 and s2[a] != 1]
    if not all(s1[a] == s2[a] or s1[a] == 1 or s2[a] == 1
               for a in range(in1.ndim) if a not in axes):
        raise ValueError(f"incompatible shapes for in1 and in2: {s1} and {s2}")
    if inputs_swap_needed(mode, s1, s2, axes):
        in1, in2 = in2, in1
    return in1, in2, axes


def conv_window(mode, s1, s2, axes):
    """Per axis (start, length) of the output in the full result, as scipy's
    _apply_conv_mode crops: on the convolution axes a window of the full
    convolution, elsewhere of the broadcast extent."""
    win = []
    for a, (n1, n2) in enumerate(zip(s1, s2)):
        if a in axes:
            full = n1 + n2 - 1
            if mode == "full":
                win.append((0, full))
            elif mode == "same":
                win.append(((full - n1) // 2, n1))
            else:
                win.append((n2 - 1, n1 - n2 + 1))
        else:
            b = max(n1, n2)
            win.append(((b - n1) // 2, n1) if mode == "same" else (0, b))
    return win


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


# --------------------------------------------------------------------------
# Plain FFT convolution

def _crop(ret, win):
    sl = tuple(slice(s, s + n) for s, n in win)
    if all(s == 0 and n == m for (s, n), m in zip(win, ret.shape)):
        return ret
    return ret[sl].copy()


def _product(in1, in2, win):
    """The window ``win`` of the broadcast product ``in1 * in2`` (no axis
    convolved), its size checked first (_validate.check_nbytes)."""
    check_nbytes(np.broadcast_shapes(in1.shape, in2.shape), np.result_type(in1, in2).itemsize,
                 "the broadcast product")
    return _crop(in1 * in2, win)


def _check_workspace(elements, dtype):
    """MemoryError before any workspace is taken when the call's workspaces,
    about ``elements`` values of the transforms' complex dtype in all, break
    convcore's size rule (_validate.check_nbytes).  They follow the padded
    transform, not the output: inputs long along different axes make them
    far larger than a 'same' or 'valid' output."""
    check_nbytes((elements,), dtype.itemsize * (1 if dtype.kind == "c" else 2),
                 "the FFT workspace")


def line_need(s1, s2, a, win):
    """The shortest circular convolution along axis ``a`` that holds the
    window ``win``."""
    start, length = win[a]
    full = s1[a] + s2[a] - 1
    return max(full - start, start + length, s1[a], s2[a])


def _fast_len(n, real):
    """``scipy.fft.next_fast_len(n, real)`` of a transform that could exist:
    MemoryError when ``n`` points of 8 bytes (complex64, the least) break
    convcore's size rule; next_fast_len itself gives up past about 2**60.5
    points with a ValueError about FFTs."""
    if n * 8 > MAX_BYTES:
        check_nbytes((n,), 8, "the FFT workspace")
    return sp_fft.next_fast_len(n, real)


def fft_lengths(s1, s2, axes, win, real):
    """Per convolution axis the transform length of :func:`fft_window`: the
    shortest fast length whose circular convolution holds the window."""
    return [_fast_len(line_need(s1, s2, a, win), real) for a in axes]


def _padded_shape(shape, axes, lengths):
    shape = list(shape)
    for a, n in zip(axes, lengths):
        shape[a] = n
    return shape


def _spectrum_shape(shape, axes, lengths, real):
    shape = _padded_shape(shape, axes, lengths)
    if real:
        shape[axes[-1]] = lengths[-1] // 2 + 1
    return shape


def _forward_whole(x, lengths, axes, real, workers, ws, overwrite_x=False):
    """The transform of ``x`` zero-padded to ``lengths`` along ``axes``, in
    one call, in workspaces of ``ws`` (a _scratch.Scratch); complex: in
    place when ``x`` may be overwritten."""
    xp = ws.padded(x, _padded_shape(x.shape, axes, lengths))
    if not real and (xp is not x or overwrite_x):
        out = xp
    else:
        out = ws.empty(_spectrum_shape(x.shape, axes, lengths, real),
                       np.result_type(x, np.complex64))
    if real:
        return _pocketfft.r2c(xp, axes, workers, out=out)
    return _pocketfft.c2c(xp, axes, True, workers, out=out)


def _inverse_whole(spec, lengths, axes, real, workers, ws):
    """The inverse transform of ``spec`` (overwritten) along ``axes``, in
    ``spec`` or a workspace of ``ws``."""
    if real:
        shape = _padded_shape(spec.shape, axes[-1:], lengths[-1:])
        out = ws.empty(shape, np.finfo(spec.dtype).dtype)
        return _pocketfft.c2r(spec, axes, lengths[-1], workers, out=out)
    return _pocketfft.c2c(spec, axes, False, workers, out=spec)


def _forward(x, lengths, axes, real, workers, ws):
    """The transform of ``x`` zero-padded to ``lengths`` along ``axes``, one
    axis at a time from the last, in one workspace: each 1-D pass runs only
    over the lines the input occupies in the axes not yet transformed (a
    padded N-D transform would also transform the padding's zero lines),
    and writes in place, so the padding is never copied."""
    last = axes[-1]
    spec = ws.empty(_spectrum_shape(x.shape, axes, lengths, real),
                    np.result_type(x.dtype, np.complex64))
    region = [slice(0, m) for m in x.shape]
    region[last] = slice(None)
    occupied = spec[tuple(region)]
    _scratch.zero_outside(spec, occupied.shape)
    if real:
        line_shape = _padded_shape(x.shape, [last], lengths[-1:])
        _pocketfft.r2c(ws.padded(x, line_shape), [last], workers, out=occupied)
    else:
        _pocketfft.c2c(_scratch.fill_padded(occupied, x), [last], True, workers, out=occupied)
    for a in reversed(axes[:-1]):
        region[a] = slice(None)
        occupied = spec[tuple(region)]
        _pocketfft.c2c(occupied, [a], True, workers, out=occupied)
    return spec


def _inverse(spec, lengths, axes, win, real, workers, ws):
    """The window ``win`` of the inverse transform of ``spec`` (overwritten):
    each axis but the last is cropped as soon as it is transformed, so the
    later passes run over the window's lines only."""
    y = spec
    for a in axes[:-1]:
        _pocketfft.c2c(y, [a], False, workers, out=y)
        start, length = win[a]
        y = y[(slice(None),) * a + (slice(start, start + length),)]
    y = _inverse_whole(y, lengths[-1:], axes[-1:], real, workers, ws)
    return _crop(y, [(0, n) if a in axes[:-1] else win[a] for a, n in enumerate(y.shape)])


# Below this many transform points an N-D transform is one pocketfft call
# per input: pruning would save less than its extra calls cost (measured on
# the calibration machine through scipy.fft's public functions: about 25 us
# per call, 0.1-0.3 ns per n*log2(n); direct calls cost less, so this errs
# towards fewer calls).
PRUNE_MIN_POINTS = 1 << 16

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
    """split_layout of the lines fft_window convolves along ``axis`` in
    work dtype ``dtype`` (two real lines take the bytes of one complex)."""
    return split_layout(line_need(s1, s2, axis, win), np.result_type(dtype, np.complex64).itemsize)


@functools.lru_cache(maxsize=32)
def _twiddles(phases, m, count, dtype):
    tw = _fft.split_twiddles(phases, m, count, dtype)
    if tw is not None:
        tw.flags.writeable = False
    return tw


def fft_path(s1, s2, axes, lengths, dtype):
    """How fft_window transforms inputs of work dtype ``dtype``: for one
    line per input, 'split' (float32/64, complex64/128: polyphase lines,
    _split_line) or 'line' (one transform per line); else 'whole' (one N-D
    call per transform) or 'pruned' (_forward and _inverse, one axis at a
    time)."""
    if len(axes) == 1 and math.prod(s1) == s1[axes[0]] and math.prod(s2) == s2[axes[0]]:
        return "split" if dtype in _SPLIT_DTYPES else "line"
    if len(axes) > 1 and math.prod(lengths) >= PRUNE_MIN_POINTS:
        return "pruned"
    return "whole"


_SPLIT_DTYPES = tuple(map(np.dtype, ("f4", "f8", "c8", "c16")))


def _interleaved(phases, m, dtype, axis, ndim, win):
    """A fresh line of phases*m points, as the (phases, m) view the inverse
    transforms of the phases write, and the window ``win`` of it reshaped
    to ``ndim`` dimensions (the line along ``axis``)."""
    line = np.empty(phases * m, dtype)
    start, length = win[axis]
    window = line[start:start + length].reshape([length if a == axis else 1
                                                 for a in range(ndim)])
    return line.reshape(m, phases).T, window


def _split_line(x1, x2, axis, win, ws):
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


def fft_window(in1, in2, axes, win):
    """The window ``win`` of ``in1 * in2`` (convolution along ``axes``,
    broadcasting elsewhere) by one FFT of each input."""
    dtype = work_dtype(in1, in2)
    real = dtype.kind != "c"
    fshape = fft_lengths(in1.shape, in2.shape, axes, win, real)
    # Two spectra and an inverse transform of this size at most (as the cost
    # model counts them: _methods._fft_features).
    points = transform_points(in1.shape, in2.shape, axes, fshape)
    _check_workspace(3 * points, dtype)
    path = fft_path(in1.shape, in2.shape, axes, fshape, dtype)
    x1, x2 = in1.astype(dtype, copy=False), in2.astype(dtype, copy=False)
    with _scratch.Scratch() as ws:
        if path == "split":
            return _split_line(x1, x2, axes[0], win, ws)
        workers = fft_workers(points)
        if path == "pruned":
            sp1 = _forward(x1, fshape, axes, real, workers, ws)
            sp2 = _forward(x2, fshape, axes, real, workers, ws)
            return ws.detach(_inverse(spectral_product(sp1, sp2), fshape, axes, win, real,
                                      workers, ws))
        sp1 = _forward_whole(x1, fshape, axes, real, workers, ws)
        sp2 = _forward_whole(x2, fshape, axes, real, workers, ws)
        # The circular result is indexed from 0 like the full one: crop directly.
        y = _inverse_whole(spectral_product(sp1, sp2), fshape, axes, real, workers, ws)
        return ws.detach(_crop(y, win))


# --------------------------------------------------------------------------
# Overlap-add

def fft_cost(n):
    """The FFT cost model: n*log2(n) per transform of n points."""
    return n * math.log2(n) if n > 1 else 0.0


def block_candidates(n_long, n_short, real):
    """Block lengths N for one axis: fast lengths whose step N - K + 1 holds
    the K - 1 overlap (so each tail meets only the next block), up to the
    plain FFT's length, which means one block (no blocking)."""
    k = n_short
    plain = _fast_len(n_long + k - 1, real)
    cands = {plain}
    if k > 2:
        # scipy's choice (_calc_oa_lens: the optimum of N*log2(2N)/(N-K+1)),
        # so the minimum over the candidates can only be at least as good.
        opt = -(k - 1) * lambertw(-1 / (2 * math.e * (k - 1)), k=-1).real
        cands.add(_fast_len(math.ceil(opt), real))
    n = max(2 * k - 2, 2)
    while n < plain:
        cands.add(_fast_len(n, real))
        n = int(n * 1.08) + 1
    return sorted(c for c in cands if c <= plain and (c == plain or c - k + 1 >= k - 1))


def oa_cost(plan):
    """Model cost of an overlap-add plan: every block transform of both
    inputs and the inverse of every output block, n*log2(n) each.  ``plan``
    is a list of per-axis (N, nsteps_long) with nsteps_long == 1 meaning the
    axis is not blocked."""
    size = 1
    nblocks = 1
    for n, steps in plan:
        size *= n
        nblocks *= steps
    # long input: nblocks blocks, short input: 1, output: nblocks.
    return (2 * nblocks + 1) * fft_cost(size)


def _steps(n_long, n_short, n):
    return math.ceil(n_long / (n - n_short + 1))


def plan_oa(lens, real):
    """Per axis block length N minimising oa_cost (coordinate descent from
    the plain FFT on every axis).  ``lens``: per convolution axis (n1, n2).
    Returns (per-axis (N, nsteps) pairs, model cost)."""
    return _plan_oa(tuple((a, b) for a, b in lens), real)


@functools.lru_cache(maxsize=256)
def _plan_oa(lens, real):
    """plan_oa on a hashable ``lens``; cached, since the search costs about a
    millisecond of Python per call."""
    cands = [block_candidates(max(a, b), min(a, b), real) for a, b in lens]
    choice = [c[-1] for c in cands]  # plain everywhere

    def plan(ch):
        return [(n, _steps(max(a, b), min(a, b), n) if n != c[-1] else 1)
                for n, (a, b), c in zip(ch, lens, cands)]

    best = oa_cost(plan(choice))
    for _ in range(2):
        changed = False
        for i, c in enumerate(cands):
            for n in c:
                trial = choice[:i] + [n] + choice[i + 1:]
                cost = oa_cost(plan(trial))
                if cost < best:
                    best, choice, changed = cost, trial, True
        if not changed:
            break
    return tuple(plan(choice)), best


def _blocks(x, dtype, cuts, workers, ws):
    """The workspace of ``x``: every axis ``d`` in ``cuts`` becomes the pair
    (block, position) of ``cuts[d] = (step, steps, n)``, block s holding
    samples [s*step, s*step + step) then zeros up to n (steps == 1, step ==
    x.shape[d]: the axis zero-padded to n).  One compiled pass over every
    axis, straight from ``x`` when it has the dtype and its rows are
    contiguous."""
    m = max(cuts) + 1
    x = np.asarray(x, dtype)
    if x.size and not x[(0,) * (m - 1)].flags.c_contiguous:
        x = np.ascontiguousarray(x)
    per_axis = [cuts.get(d, (max(x.shape[d], 1), 1, x.shape[d])) for d in range(m)]
    blocks = ws.empty(tuple(v for _, steps, n in per_axis for v in (steps, n)) + x.shape[m:],
                      dtype)
    _fft.oa_fill(x, per_axis, blocks, workers)
    # Axes not in cuts are copied whole: drop their block axis of length 1.
    return blocks.reshape(tuple(v for d in range(x.ndim) for v in
                                ((x.shape[d],) if d not in cuts else cuts[d][1:])))


def oa_window(in1, in2, axes, win, plan):
    """The window ``win`` of ``in1 * in2`` by overlap-add with ``plan`` (per
    convolution axis (N, nsteps); nsteps == 1: that axis is transformed
    whole at length N)."""
    dtype = work_dtype(in1, in2)
    plans = dict(zip(axes, plan))
    # The long input's blocks, the short input and the output blocks, over
    # the broadcast axes too (as _methods._oa_features counts them).
    nblocks = math.prod(steps for _, steps in plan)
    _check_workspace((2 * nblocks + 1) * math.prod(n for n, _ in plan)
                     * transform_points(in1.shape, in2.shape, axes, []), dtype)
    # The longer input is cut into blocks of step N - K + 1 (in1 on a tie),
    # the other zero-padded to N; K - 1 <= step, so each block's tail meets
    # only the next block.
    cuts = ({}, {})
    for d, (n, steps) in plans.items():
        k = min(in1.shape[d], in2.shape[d])
        longer = 0 if in1.shape[d] >= in2.shape[d] else 1
        for i, x in enumerate((in1, in2)):
            blocked = steps > 1 and i == longer
            cuts[i][d] = (n - k + 1, steps, n) if blocked else (x.shape[d], 1, n)
    with _scratch.Scratch() as ws:
        return ws.detach(_oa_blocks(in1, in2, axes, win, plans, cuts, dtype, ws))


def _oa_blocks(in1, in2, axes, win, plans, cuts, dtype, ws):
    """oa_window's transforms and overlap-add, in workspaces of ``ws``."""
    real = dtype.kind != "c"
    # Workspace axes: every convolution axis d is the pair at d + (number of
    # convolution axes before d).
    fft_axes = [d + i + 1 for i, d in enumerate(axes)]
    lengths = [plans[d][0] for d in axes]
    specs, points = [], []
    threads = get_num_threads()  # of the compiled block passes
    for x, c in zip((in1, in2), cuts):
        blocks = _blocks(x, dtype, c, threads, ws)
        workers = fft_workers(blocks.size)
        specs.append(_forward_whole(blocks, lengths, fft_axes, real, workers, ws,
                                    overwrite_x=True))
        points.append(blocks.size)
    prod = spectral_product(specs[0], specs[1])
    del specs
    y = np.ascontiguousarray(_inverse_whole(prod, lengths, fft_axes, real,
                                            fft_workers(max(points)), ws))
    # Overlap-add and crop, one convolution axis at a time from the last, so
    # the pairs before it keep their positions; the first pass reads the
    # inverse transform, the last writes the result.
    for i in range(len(axes) - 1, -1, -1):
        d = axes[i]
        n, steps = plans[d]
        step = n - min(in1.shape[d], in2.shape[d]) + 1 if steps > 1 else n
        start, length = win[d]
        p = d + i  # position of axis d's pair
        shape = y.shape[:p] + (length,) + y.shape[p + 2:]
        out = ws.empty(shape, y.dtype) if i else np.empty(shape, y.dtype)
        _fft.oa_add(y, p, step, start, out, threads)
        y = out
    # Axes not convolved: the broadcast extent, cropped by 'same' (rare).
    return _crop(y, [(0, m) if d in plans else win[d] for d, m in enumerate(y.shape)])


# --------------------------------------------------------------------------
# Public functions

def _early(in1, in2):
    """scipy's early returns: 0-d inputs multiply; empty inputs give []."""
    if in1.ndim == in2.ndim == 0:
        return in1 * in2
    if in1.ndim != in2.ndim:
        raise ValueError("in1 and in2 should have the same dimensionality; got "
                         f"in1.ndim={in1.ndim} and in2.ndim={in2.ndim}")
    if in1.size == 0 or in2.size == 0:
        return np.asarray([])
    return None


def fftconvolve(in1, in2, mode="full", axes=None):
    """Convolve two N-dimensional arrays using FFT, as
    ``scipy.signal.fftconvolve``.

    Parameters
    ----------
    in1, in2 : array_like
        Inputs of the same rank.
    mode : {'full', 'valid', 'same'}
        Output size, as scipy.
    axes : int or sequence of int, optional
        Axes to convolve along (default: all); the others broadcast as NumPy
        does, so there the inputs must match or have length 1.

    Returns
    -------
    ndarray
        float (or complex) as scipy: float32/complex64 stay single
        precision, integers and bool give float64.  Object arrays are
        converted to float64 (element by element: a complex element raises
        TypeError), as scipy.fft converts them; where no axis is transformed
        (inputs of length 1 there) they are multiplied as objects, as scipy.
    """
    return _public_conv(in1, in2, mode, axes, fft_window)


def oaconvolve(in1, in2, mode="full", axes=None):
    """Convolve two N-dimensional arrays using the overlap-add method, as
    ``scipy.signal.oaconvolve``.

    The block length along each axis minimises a model of the total FFT work
    (n*log2(n) per block transform, :func:`plan_oa`); where one block is
    cheapest the axis is transformed whole, and with one block on every axis
    this is :func:`fftconvolve` (as scipy's oaconvolve falls back to it).
    Parameters and result as :func:`fftconvolve`.
    """
    return _public_conv(in1, in2, mode, axes, _oa_or_fft)


def _public_conv(in1, in2, mode, axes, compute):
    """fftconvolve and oaconvolve: scipy's checks and early returns, then
    ``compute(in1, in2, sorted axes, window)`` for the convolved axes."""
    in1, in2 = _as_inputs(in1, in2)
    early = _early(in1, in2)
    if early is not None:
        return early
    check_mode(mode, wording="acceptable")
    p, q, axes = _init_axes(in1, in2, mode, axes)
    axes = sorted(axes)
    win = conv_window(mode, p.shape, q.shape, axes)
    check_nbytes([n for _, n in win], work_dtype(p, q).itemsize, "the output")
    if not axes:
        return _product(p, q, win)  # object arrays stay object, as in scipy
    p, q = (_transformable(x, "in1" if x is in1 else "in2") for x in (p, q))
    return compute(p, q, axes, win)


def _oa_or_fft(in1, in2, axes, win):
    real = work_dtype(in1, in2).kind != "c"
    plan, _ = plan_oa([(in1.shape[a], in2.shape[a]) for a in axes], real)
    if all(steps == 1 for _, steps in plan):
        return fft_window(in1, in2, axes, win)
    return oa_window(in1, in2, axes, win, plan)


# --------------------------------------------------------------------------
# The 'fft' and 'oa' methods of convolve/correlate

def _isfinite(value):
    """np.isfinite of the first output, which scipy tests: an object array
    multiplied without a transform (every axis of length 1) may hold values
    NumPy cannot test, where scipy fails with a TypeError."""
    try:
        return np.isfinite(value)
    except TypeError:
        raise TypeError(f"the FFT methods test the first output for NaN and inf, as scipy "
                        f"does, and cannot test a {type(value).__name__} (from object "
                        "inputs with every axis of length 1); method='direct' computes "
                        "object arrays exactly") from None


def _to_result(out, result):
    """scipy's post-processing of FFT results: integers rounded, then cast
    to the result dtype.  bool is rounded too before testing for non-zero
    (scipy forgets, and turns 1e-17 into True)."""
    if out.size and not _isfinite(out.flat[0]):
        warnings.warn("Use of fft convolution on input with NAN or inf results in "
                      "NAN or inf output. Consider using method='direct' instead.",
                      RuntimeWarning, stacklevel=4)
    if result.kind == "b":
        return np.round(out) != 0
    if result.kind in "iu":
        out = np.round(out)
    return out.astype(result, copy=False)


def _check_nonempty(p, q):
    for name, a in (("in1", p), ("in2", q)):
        if a.size == 0:
            raise ValueError(f"{name} cannot be empty; got {name}.shape={a.shape}")


def method_setup(p, q, mode):
    """(p, q, axes, window) as the 'fft' and 'oa' methods transform: 'valid'
    windows count from the larger input (convolve has checked that one is),
    and, as in fftconvolve, axes where an input has length 1 are a broadcast
    product, not a transform (so all-length-1 integers multiply exactly)."""
    if mode == "valid" and any(a < b for a, b in zip(p.shape, q.shape)):
        p, q = q, p
    axes = [a for a in range(p.ndim) if p.shape[a] != 1 and q.shape[a] != 1]
    return p, q, axes, conv_window(mode, p.shape, q.shape, axes)


def _method(p, q, mode, compute):
    """The mode window of ``p * q`` by ``compute(p, q, axes, window)`` on
    the axes of :func:`method_setup`, post-processed as scipy's FFT path."""
    result = result_dtype(p, q, objects=True)
    _check_nonempty(p, q)
    first = p
    p, q, axes, win = method_setup(p, q, mode)
    if not axes:
        return _to_result(_product(p, q, win), result)
    p, q = (_transformable(x, "in1" if x is first else "in2") for x in (p, q))
    return _to_result(compute(p, q, axes, win), result)


def method_fft(p, q, mode):
    """'fft': the mode window of ``p * q`` by one FFT of each input."""
    return _method(p, q, mode, fft_window)


def method_oa(p, q, mode):
    """'oa': the mode window of ``p * q`` by overlap-add (one block on every
    axis is the plain FFT, as in scipy)."""
    return _method(p, q, mode, _oa_or_fft)
