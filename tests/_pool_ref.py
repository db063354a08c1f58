"""Plain NumPy references of torch's pooling semantics, written from torch's
definitions independently of convcore's geometry code (convcore/nn/_window.py).
Loops over output positions and window taps, vectorised over planes: slow,
obviously correct, for small shapes only."""
import itertools

import numpy as np


def out_size(n, k, s, p, d, ceil):
    eff = d * (k - 1) + 1
    if ceil:
        o = -(-(n + 2 * p - eff) // s) + 1
        if (o - 1) * s >= n + p:
            o -= 1
    else:
        o = (n + 2 * p - eff) // s + 1
    return o


def _planes(x, rank):
    batch, spatial = x.shape[:-rank], x.shape[-rank:]
    return x.reshape((-1,) + spatial), batch, spatial


def _window_max(xp, taps, spatial):
    """Per plane, the max over ``taps`` and its flat index: torch's rule (a
    later tap wins when greater or NaN; the first tap when all are -inf)."""
    m = np.full(xp.shape[0], -np.inf, xp.dtype)
    mi = np.full(xp.shape[0], np.ravel_multi_index(taps[0], spatial), np.int64)
    for t in taps:
        v = xp[(slice(None),) + t]
        take = (v > m) | np.isnan(v)
        m = np.where(take, v, m)
        mi = np.where(take, np.ravel_multi_index(t, spatial), mi)
    return m, mi


def max_pool(x, k, s=None, p=0, d=1, ceil=False):
    """(values, flat per-plane indices), torch's tie and NaN rule."""
    rank = len(k)
    s = k if s is None else s
    xp, batch, spatial = _planes(x, rank)
    osz = tuple(out_size(n, *a, ceil) for n, a in zip(spatial, zip(k, s, p, d)))
    out = np.empty((xp.shape[0],) + osz, x.dtype)
    idx = np.empty(out.shape, np.int64)
    for o in itertools.product(*map(range, osz)):
        axes = [[st + j * dd for j in range(kk) if 0 <= st + j * dd < n]
                for st, kk, dd, n in zip((oo * ss - pp for oo, ss, pp in zip(o, s, p)), k, d,
                                         spatial)]
        out[(slice(None),) + o], idx[(slice(None),) + o] = _window_max(
            xp, list(itertools.product(*axes)), spatial)
    return out.reshape(batch + osz), idx.reshape(batch + osz)


def avg_pool(x, k, s=None, p=0, ceil=False, count_include_pad=True, divisor_override=None):
    rank = len(k)
    s = k if s is None else s
    xp, batch, spatial = _planes(x, rank)
    osz = tuple(out_size(n, kk, ss, pp, 1, ceil) for n, kk, ss, pp in zip(spatial, k, s, p))
    out = np.empty((xp.shape[0],) + osz, x.dtype)
    for o in itertools.product(*map(range, osz)):
        starts = [oo * ss - pp for oo, ss, pp in zip(o, s, p)]
        ends = [min(st + kk, n + pp) for st, kk, n, pp in zip(starts, k, spatial, p)]
        pool = int(np.prod([e - st for st, e in zip(starts, ends)]))
        rng = [range(max(st, 0), min(e, n)) for st, e, n in zip(starts, ends, spatial)]
        acc = np.zeros(xp.shape[0], x.dtype)
        for t in itertools.product(*rng):
            acc = acc + xp[(slice(None),) + t]
        if divisor_override:
            div = divisor_override
        elif count_include_pad:
            div = pool
        else:
            div = int(np.prod([len(r) for r in rng]))
        out[(slice(None),) + o] = acc / x.dtype.type(div)
    return out.reshape(batch + osz)


def adaptive_windows(n, o):
    return [(i * n // o, -(-(i + 1) * n // o)) for i in range(o)]


def adaptive_pool(x, osz, kind):
    rank = len(osz)
    xp, batch, spatial = _planes(x, rank)
    out = np.empty((xp.shape[0],) + tuple(osz), x.dtype)
    idx = np.empty(out.shape, np.int64)
    wins = [adaptive_windows(n, o) for n, o in zip(spatial, osz)]
    for o in itertools.product(*map(range, osz)):
        rng = [range(*w[oo]) for w, oo in zip(wins, o)]
        taps = list(itertools.product(*rng))
        if kind == "avg":
            acc = np.zeros(xp.shape[0], x.dtype)
            for t in taps:
                acc = acc + xp[(slice(None),) + t]
            out[(slice(None),) + o] = acc / x.dtype.type(len(taps))
        else:
            out[(slice(None),) + o], idx[(slice(None),) + o] = _window_max(xp, taps, spatial)
    return out.reshape(batch + tuple(osz)), idx.reshape(batch + tuple(osz))


def max_pool_grad(go, x, k, s=None, p=0, d=1, ceil=False):
    """Scatter of grad_output to the reference argmax, in output order."""
    rank = len(k)
    _, idx = max_pool(x, k, s, p, d, ceil)
    xp, batch, spatial = _planes(x, rank)
    gi = np.zeros(xp.shape[0] * int(np.prod(spatial)), x.dtype)
    flat = idx.reshape(xp.shape[0], -1) + np.arange(xp.shape[0])[:, None] * int(np.prod(spatial))
    np.add.at(gi, flat.ravel(), go.reshape(-1))
    return gi.reshape(x.shape)


def tied(shape, dtype, rng, nan=False, neginf=False):
    """Small integers (many ties), optionally with NaN and -inf sprinkled in."""
    x = rng.integers(-2, 3, shape).astype(dtype)
    if nan:
        x.flat[rng.integers(0, x.size, max(1, x.size // 8))] = np.nan
    if neginf:
        x.flat[rng.integers(0, x.size, max(1, x.size // 8))] = -np.inf
    return x
