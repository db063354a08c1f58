"""Overlap-add: the FFT convolution of a long input in blocks.

Along each blocked axis the longer input is cut into blocks of step
``N - K + 1`` (``K`` the shorter input's length), each block and the
shorter input are transformed at length ``N``, multiplied, transformed
back, and the blocks' overlaps added (compiled: ``csrc/fft/oa_blocks.c``).
The block lengths minimise a model of the FFT work (:func:`plan_oa`); one
block on every axis is the plain FFT (``_spectral.fft_window``), as scipy's
oaconvolve falls back to fftconvolve.
"""
import functools
import math

import numpy as np
from scipy.special import lambertw

from . import _fft, _scratch
from ._spectral import (Passes, check_workspace, crop, fast_len, fft_window, fft_workers,
                        forward_whole, inverse_whole, spectral_product, transform_points,
                        work_dtype)
from ._threads import get_num_threads

def fft_cost(n):
    """The FFT cost model: n*log2(n) per transform of n points."""
    return n * math.log2(n) if n > 1 else 0.0


def block_candidates(n_long, n_short, real):
    """Block lengths N for one axis: fast lengths whose step N - K + 1 holds
    the K - 1 overlap (so each tail meets only the next block), up to the
    plain FFT's length, which means one block (no blocking)."""
    k = n_short
    plain = fast_len(n_long + k - 1, real)
    cands = {plain}
    if k > 2:
        # scipy's choice (_calc_oa_lens: the optimum of N*log2(2N)/(N-K+1)),
        # so the minimum over the candidates can only be at least as good.
        opt = -(k - 1) * lambertw(-1 / (2 * math.e * (k - 1)), k=-1).real
        cands.add(fast_len(math.ceil(opt), real))
    n = max(2 * k - 2, 2)
    while n < plain:
        cands.add(fast_len(n, real))
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
    # the broadcast axes too (as features counts them).
    nblocks = math.prod(steps for _, steps in plan)
    check_workspace((2 * nblocks + 1) * math.prod(n for n, _ in plan)
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
        specs.append(forward_whole(blocks, lengths, fft_axes, real, workers, ws,
                                    overwrite_x=True))
        points.append(blocks.size)
    prod = spectral_product(specs[0], specs[1])
    del specs
    y = np.ascontiguousarray(inverse_whole(prod, lengths, fft_axes, real,
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
    return crop(y, [(0, m) if d in plans else win[d] for d, m in enumerate(y.shape)])


def features(in1_shape, in2_shape, axes, plan):
    """The cost model's features (_spectral.Passes.features) of oa_window
    with ``plan`` (some axis blocked): the long input's blocks, the short
    input and the output blocks, each transformed over every block axis."""
    block = [n for n, _ in plan]
    nblocks = math.prod(s for _, s in plan)
    batch = transform_points(in1_shape, in2_shape, axes, [])
    passes = Passes(fft_workers(nblocks * math.prod(block) * batch) > 1)
    for count in (nblocks, 1, nblocks):
        for i, n in enumerate(block):
            passes.add([count * batch] + block, i + 1, n)
    return passes.features((2 * nblocks + 1) * math.prod(block) * batch)


def blocked(plan):
    """True when ``plan`` cuts some axis into blocks (else it is the plain
    FFT)."""
    return any(steps > 1 for _, steps in plan)


def overlap_add(in1, in2, axes, win):
    """The window ``win`` of ``in1 * in2`` by overlap-add with the plan of
    least modelled work (the plain FFT when no axis is blocked)."""
    real = work_dtype(in1, in2).kind != "c"
    plan, _ = plan_oa([(in1.shape[a], in2.shape[a]) for a in axes], real)
    if not blocked(plan):
        return fft_window(in1, in2, axes, win)
    return oa_window(in1, in2, axes, win, plan)
