"""Plain NumPy reference for the signal functions, and the tolerance helper.

The reference is written to be obviously correct, not fast: the full
convolution is a loop over the kernel taps, each adding a shifted copy of
``in1`` times one kernel value, and every mode is a window of it.  It is the
oracle where scipy refuses a dtype/rank combination (bool and float16 in N-D,
bool and float16 in convolve2d), and it checks scipy's own boundary handling.

Semantics, as NumPy's 1-D ``np.convolve`` has them:

- integers: arithmetic in the result dtype, wrapping on overflow;
- bool: ``out = OR over taps of (x AND w)``;
- float16: accumulated in float32, rounded to float16 once at the end.
"""
import zlib

import numpy as np
import pytest
from scipy import signal

__all__ = [
    "result_dtype", "mode_shape", "convolve_ref", "correlate_ref", "convolve2d_ref",
    "correlate2d_ref", "extend", "tolerance", "assert_conv_equal", "random_array",
    "seed_for", "pair_id", "LAYOUTS", "with_layout", "FUNCS", "MODES", "REFERENCE", "DTYPES",
    "DTYPE_PAIRS", "SHAPES", "SHAPE_CASES", "LAYOUT_SHAPES", "scipy_uses_numpy", "scipy_refuses",
    "expected",
]


def result_dtype(in1, in2):
    """scipy's result dtype: the promoted dtype, in native byte order."""
    return np.result_type(in1, in2).newbyteorder("=")


def _compute_dtype(dtype):
    return np.dtype(np.float32) if dtype == np.float16 else dtype


def _full(a, b, out_dtype):
    """Full N-D linear convolution of ``a`` and ``b`` (same rank >= 1),
    computed in the compute dtype of ``out_dtype`` and returned in it."""
    ct = _compute_dtype(out_dtype)
    shape = tuple(max(n1 + n2 - 1, 0) for n1, n2 in zip(a.shape, b.shape))
    out = np.zeros(shape, ct)
    if a.size == 0 or b.size == 0:
        return out.astype(out_dtype)
    ac = a.astype(ct)
    for t in np.ndindex(*b.shape):
        w = ct.type(b[t])
        window = tuple(slice(ti, ti + n) for ti, n in zip(t, a.shape))
        if ct == np.bool_:
            out[window] |= ac & w
        else:
            out[window] += ac * w
    return out.astype(out_dtype)


def mode_shape(shape1, shape2, mode):
    """Output shape of ``mode``, as scipy: 'valid' slides the smaller input
    inside the larger one (``|n1 - n2| + 1`` per axis)."""
    if mode == "full":
        return tuple(max(n1 + n2 - 1, 0) for n1, n2 in zip(shape1, shape2))
    if mode == "same":
        return tuple(shape1)
    return tuple(abs(n1 - n2) + 1 for n1, n2 in zip(shape1, shape2))


def _window(full, shape1, shape2, mode, same_start):
    """The ``mode`` part of a full result, as scipy defines the modes.  With
    an empty input every output is a sum of no terms: zero."""
    if 0 in shape1 or 0 in shape2:
        return np.zeros(mode_shape(shape1, shape2, mode), full.dtype)
    return _slice_mode(full, shape1, shape2, mode, same_start)


def _slice_mode(full, shape1, shape2, mode, same_start):
    if mode == "full":
        return full
    if mode == "same":
        index = tuple(slice(same_start(n2), same_start(n2) + n1)
                      for n1, n2 in zip(shape1, shape2))
        return full[index]
    if mode == "valid":
        # The part computed without zero padding: the smaller input slides
        # fully inside the larger one.
        index = tuple(slice(min(n1, n2) - 1, max(n1, n2))
                      for n1, n2 in zip(shape1, shape2))
        return full[index]
    raise ValueError(mode)


def _centred(n2):
    return (n2 - 1) // 2


def _corr2d_centred(n2):
    # correlate2d's 'same' starts one sample later for even kernels.
    return n2 // 2


def _flip_conj(b):
    b = b[(slice(None, None, -1),) * b.ndim]
    return np.conj(b) if b.dtype.kind == "c" else b


def convolve_ref(in1, in2, mode="full"):
    """As ``scipy.signal.convolve`` (N-D, same rank)."""
    a, b = np.asarray(in1), np.asarray(in2)
    dt = result_dtype(a, b)
    if a.ndim == 0:
        return (a * b).astype(dt)[()]
    full = _full(a, b, dt)
    return _window(full, a.shape, b.shape, mode, _centred)


def correlate_ref(in1, in2, mode="full"):
    """As ``scipy.signal.correlate``: convolution with ``in2`` reversed and
    conjugated."""
    a, b = np.asarray(in1), np.asarray(in2)
    if a.ndim == 0:
        return (a * np.conj(b) if b.dtype.kind == "c" else a * b)[()]
    return convolve_ref(a, _flip_conj(b), mode)


def extend(a, pads, boundary, fillvalue=0):
    """``a`` extended by ``pads = [(before, after), ...]`` per axis, by index
    arithmetic rather than np.pad, so that it checks both libraries:

    - 'fill': ``fillvalue`` outside;
    - 'wrap': ``a[i mod n]``;
    - 'symm': mirror with the edge repeated, period ``2n``
      (``... c b a | a b c | c b a | a b c ...``).
    """
    a = np.asarray(a)
    if boundary == "fill":
        shape = [n + lo + hi for n, (lo, hi) in zip(a.shape, pads)]
        out = np.full(shape, fillvalue, a.dtype)
        out[tuple(slice(lo, lo + n) for n, (lo, _) in zip(a.shape, pads))] = a
        return out
    index = []
    for n, (lo, hi) in zip(a.shape, pads):
        i = np.arange(-lo, n + hi)
        if boundary == "wrap":
            i = i % n
        elif boundary == "symm":
            j = i % (2 * n)
            i = np.where(j < n, j, 2 * n - 1 - j)
        else:
            raise ValueError(boundary)
        index.append(i)
    return a[np.ix_(*index)]


_BOUNDARY = {"fill": "fill", "pad": "fill", "wrap": "wrap", "circular": "wrap",
             "symm": "symm", "symmetric": "symm"}


def _conv2d(a, b, mode, boundary, fillvalue, same_start):
    dt = result_dtype(a, b)
    boundary = _BOUNDARY[boundary]
    n2 = b.shape
    if mode == "valid" or b.size == 0 or 0 in mode_shape(a.shape, n2, "full"):
        # No boundary value is ever used (an empty kernel has no taps).
        return _window(_full(a, b, dt), a.shape, b.shape, mode, same_start)
    # Extend a by n2 - 1 on every side: the 'valid' convolution of that with
    # b is the full convolution of a with the boundary applied.
    fill = np.asarray(fillvalue).reshape(())
    fill = fill.astype(dt) if dt.kind == "c" else np.real(fill).astype(dt)
    ext = extend(a.astype(dt), [(k - 1, k - 1) for k in n2], boundary, fill)
    full = _window(_full(ext, b, dt), ext.shape, b.shape, "valid", same_start)
    # (a may be empty here: the boundary still fills the full output.)
    return _slice_mode(full, a.shape, b.shape, mode, same_start)


def convolve2d_ref(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """As ``scipy.signal.convolve2d``."""
    a, b = np.asarray(in1), np.asarray(in2)
    assert a.ndim == b.ndim == 2
    return _conv2d(a, b, mode, boundary, fillvalue, _centred)


def correlate2d_ref(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """As ``scipy.signal.correlate2d``: 'same' centres even kernels one
    sample later than correlate does, and in 'valid' mode with ``in2`` the
    larger input the result is conjugated (scipy swaps the inputs and
    reverses the result without conjugating back)."""
    a, b = np.asarray(in1), np.asarray(in2)
    assert a.ndim == b.ndim == 2
    out = _conv2d(a, _flip_conj(b), mode, boundary, fillvalue, _corr2d_centred)
    swapped = mode == "valid" and not all(n1 >= n2 for n1, n2 in zip(a.shape, b.shape))
    return np.conj(out) if swapped and out.dtype.kind == "c" else out


# -- tolerance ---------------------------------------------------------------

def _magnitude(x):
    x = np.asarray(x)
    if x.dtype.kind in "biu":
        return np.abs(x.astype(np.float64))
    return np.abs(x).astype(np.float64)


def tolerance(in1, in2, dtype, c=8.0, fill=0, boundary="fill", ref=None):
    """Absolute error allowed on the outputs of a convolution of ``in1``
    with ``in2`` whose result has ``dtype``, when two correct
    implementations sum in different orders.

    ``S``, the largest sum of absolute products any output can have, is
    ``min(sum|a| * max|b|, sum|b| * max|a|)``: each output pairs every
    element of one input with at most one element of the other (a non-zero
    ``fill`` counts as extra input elements; with 'wrap'/'symm' an element
    of ``in1`` can meet several taps of one output, so only
    ``sum|b| * max|a|`` holds).  A sum of ``n`` products computed in a
    precision with epsilon ``eps`` is within ``n * eps/2 * S`` of the exact
    value (complex: twice the roundings), so two such sums differ by at most
    ``max(c, n) * eps * S``.  float16 is accumulated in float32 and rounded
    once, which adds one float16 ulp of the value itself (``ref``,
    elementwise)."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "fc":
        return 0.0
    a, b = _magnitude(in1), _magnitude(in2)
    if a.size == 0 or b.size == 0:
        return 0.0
    f = abs(complex(np.asarray(fill).reshape(())))
    repeats = _BOUNDARY.get(boundary, boundary) != "fill"
    max_a = max(a.max(), f)
    bound = b.sum() * max_a
    n_terms = b.size
    if not repeats:
        bound = min(bound, (a.sum() + f * b.size) * b.max())
        if f == 0:
            n_terms = min(a.size, b.size)
    if dtype.kind == "c":
        n_terms *= 2
    real = np.finfo(dtype).dtype
    compute_eps = float(np.finfo(np.float32 if real == np.float16 else real).eps)
    atol = max(c, n_terms) * compute_eps * bound
    if real == np.float16:
        # the final rounding to float16: one ulp of the value
        magnitude = bound if ref is None else _magnitude(ref)
        atol = atol + float(np.finfo(np.float16).eps) * magnitude \
            + float(np.finfo(np.float16).smallest_subnormal)
    return atol


def assert_conv_equal(got, ref, in1=None, in2=None, c=8.0, fill=0, boundary="fill",
                      err_msg=""):
    """``got`` has ``ref``'s shape and dtype, and its values: integers and
    bool bit-exact, floating and complex within :func:`tolerance`.  NaNs
    must match; infinities must match exactly."""
    got = np.asarray(got)
    ref = np.asarray(ref)
    assert got.shape == ref.shape, f"shape {got.shape} != {ref.shape}. {err_msg}"
    assert got.dtype == ref.dtype, f"dtype {got.dtype} != {ref.dtype}. {err_msg}"
    if ref.dtype.kind not in "fc":
        np.testing.assert_array_equal(got, ref, err_msg=err_msg, strict=True)
        return
    if in1 is None:
        atol = 0.0
    else:
        atol = tolerance(in1, in2, ref.dtype, c=c, fill=fill, boundary=boundary, ref=ref)
    # Compare in the widest precision available so that the check itself
    # adds no rounding.
    wide = np.clongdouble if ref.dtype.kind == "c" else np.longdouble
    g, r = got.astype(wide), ref.astype(wide)
    finite = np.isfinite(r)
    np.testing.assert_array_equal(np.isnan(g), np.isnan(r), err_msg=f"NaNs differ. {err_msg}")
    np.testing.assert_array_equal(g[~finite & ~np.isnan(r)], r[~finite & ~np.isnan(r)],
                                  err_msg=f"infinities differ. {err_msg}")
    err = np.abs(g[finite] - r[finite])
    atol = np.broadcast_to(np.asarray(atol, np.longdouble), ref.shape)[finite]
    bad = err > atol
    if bad.any():
        worst = int(np.argmax(err - atol))
        raise AssertionError(
            f"|got - ref| > atol at {int(bad.sum())} of {err.size} elements; worst: "
            f"|{g[finite][worst]!r} - {r[finite][worst]!r}| = {float(err[worst]):.3e} > "
            f"atol {float(atol[worst]):.3e}. {err_msg}")


# -- test data ---------------------------------------------------------------

def random_array(rng, shape, dtype):
    """Random values of ``dtype``: integers over their whole range (so sums
    wrap around), bools half True, floats standard normal, complex with a
    standard normal real and imaginary part."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, shape).astype(dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, shape, dtype=dtype.newbyteorder("="),
                            endpoint=True).astype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def seed_for(*key):
    """A reproducible RNG seed from test parameters (``hash`` of a str is
    salted per process)."""
    return zlib.crc32(repr(key).encode())


def pair_id(pair):
    """Test id of a dtype pair: 'int8' or 'int8+uint8'."""
    a, b = (np.dtype(d).name for d in pair)
    return a if a == b else f"{a}+{b}"


LAYOUTS = ["C", "F", "strided", "negative", "broadcast_first", "broadcast_last",
           "readonly", "bigendian", "unaligned"]


def with_layout(arr, layout):
    """An array with ``arr``'s values (for the broadcast layouts: values of
    a zero-stride view built from ``arr``) in the given memory layout."""
    if layout == "C":
        return np.ascontiguousarray(arr)
    if layout == "F":
        return np.asfortranarray(arr)
    if layout == "strided":
        big = np.zeros([2 * n + 1 for n in arr.shape], arr.dtype)
        index = (slice(1, None, 2),) * arr.ndim
        big[index] = arr
        return big[index]
    if layout == "negative":
        flip = (slice(None, None, -1),) * arr.ndim
        return arr[flip].copy()[flip]
    if layout == "broadcast_first":
        return np.broadcast_to(arr[:1], arr.shape)
    if layout == "broadcast_last":
        return np.broadcast_to(arr[..., :1], arr.shape)
    if layout == "readonly":
        out = arr.copy()
        out.flags.writeable = False
        return out
    if layout == "bigendian":
        return arr.astype(arr.dtype.newbyteorder(">"))
    if layout == "unaligned":
        buf = np.zeros(arr.nbytes + 1, np.uint8)[1:]
        out = buf.view(arr.dtype).reshape(arr.shape)
        out[...] = arr
        assert arr.dtype.itemsize == 1 or not out.flags.aligned
        return out
    raise ValueError(layout)


# -- the shared test matrices ----------------------------------------------------

FUNCS = ["convolve", "correlate"]
MODES = ["full", "same", "valid"]
REFERENCE = {"convolve": convolve_ref, "correlate": correlate_ref}

DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
          np.uint32, np.uint64, np.float16, np.float32, np.float64, np.longdouble,
          np.complex64, np.complex128, np.clongdouble]
MIXED = [(np.int8, np.uint8), (np.int32, np.float32), (np.float32, np.complex128),
         (np.bool_, np.int64), (np.int16, np.bool_), (np.uint64, np.int64),
         (np.uint8, np.float16), (np.float16, np.float64), (np.int8, np.complex64),
         (np.longdouble, np.complex64)]
DTYPE_PAIRS = [(d, d) for d in DTYPES] + MIXED


# Shape pairs per rank: size-1 axes, kernels larger than the input (in one
# or every axis), even kernels, primes, equal shapes.  Every pair has one
# input at least as large as the other in every axis, so 'valid' exists.
SHAPES = {
    1: [((7,), (3,)), ((8,), (4,)), ((3,), (7,)), ((1,), (1,)), ((1,), (5,)),
        ((13,), (2,)), ((11,), (11,)), ((6,), (1,))],
    2: [((5, 6), (3, 2)), ((1, 7), (1, 3)), ((4, 4), (5, 6)), ((7, 1), (2, 1)),
        ((6, 5), (6, 5)), ((3, 8), (1, 1)), ((2, 11), (2, 4))],
    3: [((4, 5, 3), (2, 3, 2)), ((1, 1, 6), (1, 1, 3)), ((2, 3, 4), (3, 4, 5)),
        ((5, 1, 3), (2, 1, 2))],
    4: [((3, 4, 2, 5), (2, 2, 1, 3)), ((1, 3, 1, 4), (1, 2, 1, 2)),
        ((2, 2, 3, 2), (3, 3, 3, 3))],
}
# Neither input is the larger in every axis: 'full' and 'same' only.
CROSSED = [((3, 5), (5, 3)), ((2, 7, 3), (4, 2, 3))]

SHAPE_CASES = ([pytest.param(s1, s2, mode, id=f"{s1}-{s2}-{mode}")
                for rank in sorted(SHAPES) for s1, s2 in SHAPES[rank] for mode in MODES]
               + [pytest.param(s1, s2, mode, id=f"{s1}-{s2}-{mode}")
                  for s1, s2 in CROSSED for mode in ("full", "same")])


def scipy_uses_numpy(a, b, mode):
    """scipy's ``_np_conv_ok``: 1-D goes through np.convolve/np.correlate,
    except 'same' with in1 shorter than in2."""
    if np.ndim(a) == np.ndim(b) == 1:
        return mode != "same" or np.size(a) >= np.size(b)
    return False


def scipy_refuses(a, b, mode):
    """scipy's N-D direct path (``_correlateND``) has no bool or float16
    loop: it raises "Unsupported type".  NumPy's 1-D path has them."""
    return (not scipy_uses_numpy(a, b, mode)
            and result_dtype(a, b) in (np.bool_, np.float16))


def expected(fn, a, b, mode):
    if scipy_refuses(a, b, mode):
        return REFERENCE[fn](a, b, mode)
    return getattr(signal, fn)(a, b, mode=mode, method="direct")


# Shape pairs per rank for the memory-layout tests.
LAYOUT_SHAPES = {1: ((23,), (6,)), 2: ((9, 14), (4, 3)), 3: ((5, 6, 9), (2, 3, 4)),
                 4: ((3, 4, 2, 7), (2, 2, 1, 3))}
