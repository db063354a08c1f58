"""Plain NumPy reference of the layer convolutions (``convcore.nn.convNd``,
torch's semantics), the tolerance rule and the shared test matrices.

The reference is written to be obviously correct, independently of
convcore's geometry code: the input is padded explicitly with ``np.pad``
(torch's padding modes: 'zeros' constant 0, 'reflect' without repeating the
edge, 'replicate' the edge, 'circular' wrapped), every window of the padded
input is taken with ``sliding_window_view`` over the dilated extent, the
dilation and the stride are slices of it, and each group is one ``einsum``.
It accumulates in float64 (longdouble is not needed at these sizes).
"""
import itertools
import zlib

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "PADDING_MODES", "NP_PAD_MODE", "explicit_pads", "pad_input", "conv_ref", "conv_bound",
    "result_dtype", "max_error_ratio", "assert_conv_close", "TOL", "seed_for", "random_case",
    "GEOMETRY_AXES", "GEOMETRY_CASES", "geometry_problem", "geometry_id", "SHAPE_CASES",
    "pairwise", "with_layout", "snapshot", "raises", "method_covers", "covered_pairs",
]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
NP_PAD_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "edge",
               "circular": "wrap"}

# Error allowed per output, relative to the largest over the outputs of
# sum |x| * |w| over the window + |b|.
TOL = {np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-10}


def _per_axis(value, rank):
    if isinstance(value, (tuple, list)):
        value = tuple(value)
        return value * rank if len(value) == 1 else value
    return (value,) * rank


def explicit_pads(padding, kernel, dilation):
    """Per axis (left, right) padding: an int or a tuple (both sides),
    'valid' (none) or 'same' (torch's split of d * (k - 1): the left side
    gets the total // 2)."""
    rank = len(kernel)
    dilation = _per_axis(dilation, rank)
    if padding == "valid":
        return ((0, 0),) * rank
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    return tuple((p, p) for p in _per_axis(padding, rank))


def pad_input(x, pads, padding_mode):
    """``x`` (N, C, *spatial) padded by ``pads`` on its spatial axes."""
    return np.pad(x, ((0, 0), (0, 0)) + tuple(pads), mode=NP_PAD_MODE[padding_mode])


def result_dtype(x, w):
    """The wider of the input's and the weight's float dtypes, native order."""
    return np.result_type(np.asarray(x).dtype, np.asarray(w).dtype).newbyteorder("=")


def _correlate(xp, w, stride, dilation, groups):
    """Valid cross-correlation of the padded ``xp`` (N, C_in, *P) with ``w``
    (C_out, C_in / groups, *K), in float64."""
    rank = w.ndim - 2
    kernel = w.shape[2:]
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    # (N, C, *positions, *extent): every window at every stride-1 position.
    win = sliding_window_view(xp, extent, axis=tuple(range(2, 2 + rank)))
    win = win[(slice(None), slice(None))
              + tuple(slice(None, None, s) for s in stride)      # positions: stride
              + tuple(slice(None, None, d) for d in dilation)]   # taps: dilation
    assert win.shape[2 + rank:] == kernel
    c_in_g, c_out_g = w.shape[1], w.shape[0] // groups
    pos, taps = "xyz"[:rank], "ijk"[:rank]
    spec = f"nc{pos}{taps},oc{taps}->no{pos}"
    out = [np.einsum(spec, win[:, g * c_in_g:(g + 1) * c_in_g],
                     w[g * c_out_g:(g + 1) * c_out_g], optimize=True)
           for g in range(groups)]
    return np.concatenate(out, axis=1)


def conv_ref(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros"):
    """torch.nn.functional.convNd (and torch.nn.ConvNd's padding modes) in
    NumPy: rank from ``w``, ``x`` batched (N, C, *spatial) or unbatched
    (C, *spatial).  Computed in float64, returned in the result dtype."""
    x, w = np.asarray(x), np.asarray(w)
    rank = w.ndim - 2
    dtype = result_dtype(x, w)
    unbatched = x.ndim == rank + 1
    x64 = x.astype(np.float64)[None] if unbatched else x.astype(np.float64)
    stride, dilation = _per_axis(stride, rank), _per_axis(dilation, rank)
    pads = explicit_pads(padding, w.shape[2:], dilation)
    xp = pad_input(x64, pads, padding_mode)
    out = _correlate(xp, w.astype(np.float64), stride, dilation, groups)
    if b is not None:
        out += np.asarray(b, np.float64).reshape((-1,) + (1,) * rank)
    out = out.astype(dtype)
    return out[0] if unbatched else out


def conv_bound(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros"):
    """Per output, sum over its window of |x| * |w|, plus |b|."""
    return conv_ref(np.abs(np.asarray(x, np.float64)), np.abs(np.asarray(w, np.float64)),
                    None if b is None else np.abs(np.asarray(b, np.float64)), stride,
                    padding, dilation, groups, padding_mode)


def max_error_ratio(got, ref, bound, dtype):
    """max |got - ref| over the tolerance (<= 1 passes)."""
    scale = TOL[np.dtype(dtype)] * float(np.max(bound, initial=0.0))
    err = float(np.max(np.abs(np.asarray(got, np.float64) - np.asarray(ref, np.float64)),
                       initial=0.0))
    if scale == 0.0:
        return 0.0 if err == 0.0 else np.inf
    return err / scale


def assert_conv_close(got, ref, bound, dtype, what=""):
    got, ref = np.asarray(got), np.asarray(ref)
    assert got.shape == ref.shape, f"{what}: shape {got.shape} != {ref.shape}"
    assert np.all(np.isfinite(got)), f"{what}: non-finite output"
    ratio = max_error_ratio(got, ref, bound, dtype)
    assert ratio <= 1.0, (f"{what}: error {ratio:.3g} x the tolerance "
                          f"({TOL[np.dtype(dtype)]:g} of max bound {np.max(bound):.3g})")


def seed_for(*key):
    return zlib.crc32(repr(key).encode())


def random_case(rng, x_shape, w_shape, dtype, bias=True):
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype) if bias else None
    return x, w, b


def pairwise(axes, valid=lambda row: True):
    """A fixed list of rows (dicts) of the product of ``axes`` ({name:
    values}) covering every valid pair of values of two axes at least once:
    greedy, deterministic (rows of the product in order, each time the one
    covering most uncovered pairs)."""
    names = list(axes)
    rows = [dict(zip(names, values)) for values in itertools.product(*axes.values())]
    rows = [r for r in rows if valid(r)]

    def pairs(row):
        return {(a, repr(row[a]), b, repr(row[b])) for a, b in itertools.combinations(names, 2)}

    row_pairs = [pairs(r) for r in rows]
    uncovered = set().union(*row_pairs)
    chosen = []
    while uncovered:
        best = max(range(len(rows)), key=lambda i: len(row_pairs[i] & uncovered))
        chosen.append(rows[best])
        uncovered -= row_pairs[best]
    return chosen


# -- the geometry matrix: rank x stride x padding x padding_mode x dilation x
# groups x dtype, pairwise.  Even kernels (so 'same' splits unevenly) and
# sizes that strides do not tile.
SPATIAL = {1: (13,), 2: (7, 9), 3: (5, 6, 7)}
KERNEL = {1: (4,), 2: (3, 2), 3: (2, 3, 2)}
# (C_in, C_out, groups): plain, grouped, depthwise, depthwise with multiplier 2
GROUPS = {"g1": (3, 4, 1), "g2": (4, 6, 2), "depthwise": (3, 3, 3),
          "depthwise_x2": (3, 6, 3)}
PADDINGS = ("0", "1", "tuple", "valid", "same")
GEOMETRY_AXES = {
    "rank": (1, 2, 3),
    "stride": ("1", "2", "3", "tuple"),
    "padding": PADDINGS,
    "padding_mode": PADDING_MODES,
    "dilation": ("1", "2", "tuple"),
    "groups": tuple(GROUPS),
    "dtype": ("float32", "float64"),
}


def _axis_value(kind, rank, tuple_values):
    if kind == "tuple":
        return tuple(tuple_values[-rank:])
    return int(kind)


def geometry_problem(case):
    """(x_shape, w_shape, kwargs, dtype) of a row of GEOMETRY_CASES."""
    rank = case["rank"]
    c_in, c_out, groups = GROUPS[case["groups"]]
    padding = case["padding"]
    if padding not in ("valid", "same"):
        padding = _axis_value(padding, rank, (2, 0, 1))
    kwargs = dict(stride=_axis_value(case["stride"], rank, (2, 1, 3)), padding=padding,
                  dilation=_axis_value(case["dilation"], rank, (1, 3, 2)), groups=groups,
                  padding_mode=case["padding_mode"])
    return ((2, c_in) + SPATIAL[rank], (c_out, c_in // groups) + KERNEL[rank], kwargs,
            np.dtype(case["dtype"]))


def _valid_geometry(case):
    """torch accepts it: 'same' unstrided (test_nn_conv_errors checks the
    refusal), reflect/circular padding within the input, an output."""
    if case["padding"] == "same" and case["stride"] != "1":
        return False
    x_shape, w_shape, kw, _ = geometry_problem(case)
    rank = len(w_shape) - 2
    stride, dilation = _per_axis(kw["stride"], rank), _per_axis(kw["dilation"], rank)
    pads = explicit_pads(kw["padding"], w_shape[2:], dilation)
    for n, k, s, d, (left, right) in zip(x_shape[2:], w_shape[2:], stride, dilation, pads):
        if kw["padding_mode"] == "reflect" and max(left, right) >= n:
            return False
        if kw["padding_mode"] == "circular" and max(left, right) > n:
            return False
        if n + left + right < d * (k - 1) + 1:
            return False
    return True


def _geometry_cases(extra=30):
    """Pairwise rows, then ``extra`` more drawn at random (fixed seed) from
    the valid product, so that common triples occur too."""
    rows = pairwise(GEOMETRY_AXES, _valid_geometry)
    rng = np.random.default_rng(20240611)
    while extra:
        row = {a: v[rng.integers(len(v))] for a, v in GEOMETRY_AXES.items()}
        if _valid_geometry(row) and row not in rows:
            rows.append(row)
            extra -= 1
    return rows


GEOMETRY_CASES = _geometry_cases()


def geometry_id(case):
    return "-".join(f"{v}" for v in case.values())


# -- odd shapes: (name, x_shape, w_shape, kwargs)
SHAPE_CASES = [
    ("1x1-spatial", (2, 3, 1, 1), (4, 3, 1, 1), {}),
    ("1x1-spatial-padded", (2, 3, 1, 1), (4, 3, 3, 3), dict(padding=1)),
    ("N1", (1, 3, 6, 5), (2, 3, 3, 3), {}),
    ("C1", (2, 1, 6, 5), (1, 1, 2, 3), dict(padding=1)),
    ("C1-1d", (3, 1, 9), (1, 1, 9), {}),
    ("kernel-equals-padded-input", (2, 2, 5, 6), (3, 2, 7, 8), dict(padding=1)),
    ("kernel-equals-input-3d", (1, 2, 3, 4, 5), (2, 2, 3, 4, 5), {}),
    ("kernel-equals-padded-dilated", (1, 2, 9), (2, 2, 4), dict(padding=1, dilation=3)),
    ("61-tap-1d", (2, 2, 100), (3, 2, 61), {}),
    ("61-tap-1d-same", (1, 3, 70), (2, 3, 61), dict(padding="same")),
    ("61-tap-1d-strided", (2, 1, 130), (2, 1, 61), dict(stride=4, padding=3, dilation=2)),
    ("stride-larger-than-input", (1, 2, 5, 5), (2, 2, 2, 2), dict(stride=7)),
    ("long-thin-3d", (1, 2, 1, 1, 40), (3, 2, 1, 1, 5), dict(padding=(0, 0, 2))),
    ("many-channels", (1, 32, 4, 4), (16, 32, 3, 3), dict(padding=1)),
    ("depthwise-wide", (2, 16, 6, 6), (16, 1, 3, 3), dict(groups=16, padding=1)),
    ("empty-batch", (0, 4, 7, 8), (6, 2, 3, 2), dict(groups=2)),
]


def with_layout(a, layout):
    """An array equal to ``a`` laid out as ``layout``."""
    if layout == "C":
        return np.ascontiguousarray(a)
    if layout == "F":
        return np.asfortranarray(a)
    if layout == "transposed":
        axes = tuple(range(a.ndim))[::-1]
        return np.ascontiguousarray(a.transpose(axes)).transpose(axes)
    if layout == "negative":
        flip = (slice(None, None, -1),) * a.ndim
        return np.ascontiguousarray(a[flip])[flip]
    if layout == "strided":
        big = np.zeros(tuple(2 * n + 1 for n in a.shape), a.dtype)
        view = big[(slice(1, None, 2),) * a.ndim]
        view[...] = a
        return view
    if layout == "readonly":
        r = a.copy()
        r.setflags(write=False)
        return r
    if layout == "bigendian":
        return a.astype(a.dtype.newbyteorder(">"))
    raise ValueError(layout)


def snapshot(a):
    """Everything about ``a`` a call could change."""
    return (a.tobytes(), a.dtype.str, a.shape, a.strides, a.flags.c_contiguous,
            a.flags.f_contiguous, a.flags.writeable, a.flags.owndata)


def raises(exc, words, fn, *args, exact=False, **kwargs):
    """The message of the ``exc`` that ``fn(*args, **kwargs)`` raises
    (exactly that type with ``exact``), holding each of ``words``."""
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    if exact:
        assert type(info.value) is exc, type(info.value)
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    return message


def method_covers(method, w_shape, kw):
    """Whether ``method`` runs a convolution with this weight shape and these
    arguments, by the rule the API states (not convcore's code): 'winograd'
    covers conv1d and conv2d with 3 taps on every spatial axis, stride 1 and
    dilation 1; every other method covers everything."""
    if method != "winograd":
        return True
    rank = len(w_shape) - 2
    ones = (1,) * rank
    return (rank in (1, 2) and all(k == 3 for k in w_shape[2:])
            and _per_axis(kw.get("stride", 1), rank) == ones
            and _per_axis(kw.get("dilation", 1), rank) == ones)


def covered_pairs(methods, cases, geometry):
    """(method, case) for every method and case the method covers
    (``geometry(case) -> (w_shape, kwargs)``), for parametrize."""
    return [(m, c) for c in cases for m in methods if method_covers(m, *geometry(c))]
