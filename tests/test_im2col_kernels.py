"""Kernel-level tests of the im2col family (csrc/im2col/, convcore._im2col).

The fill of one patch block is checked element by element against a patch
matrix built with NumPy indexing, on inputs cut out of a larger array of
sentinel values (a read outside the input shows up as a sentinel); the BLAS
reduction against the C reference reduction; the block plan against BLAS's
32-bit limits.
"""
import numpy as np
import pytest
from numpy.testing import assert_array_equal

from convcore import _direct, _im2col, _validate
from _reference import assert_conv_equal, random_array, seed_for

SENTINEL = 77
CODES = {name: i for i, name in enumerate(_direct.DTYPE_CODES)}
# One dtype per kernel code (signed integers run on the unsigned code).
CODE_DTYPES = {"b": np.bool_, "u8": np.uint8, "u16": np.uint16, "u32": np.uint32,
               "u64": np.uint64, "f32": np.float32, "f64": np.float64, "ld": np.longdouble,
               "c64": np.complex64, "c128": np.complex128, "cld": np.clongdouble}


def patch_reference(x, w_shape, out_shape, offset, o0, m, t0, kc):
    """P[o0:o0+m, t0:t0+kc] by indexing: x[o + offset + t], zero outside x."""
    nd = x.ndim
    o = np.array(np.unravel_index(np.arange(o0, o0 + m), out_shape)).reshape(nd, m).T
    t = np.array(np.unravel_index(np.arange(t0, t0 + kc), w_shape)).reshape(nd, kc).T
    idx = o[:, None, :] + np.asarray(offset) + t[None, :, :]  # (m, kc, nd)
    inside = ((idx >= 0) & (idx < np.array(x.shape))).all(axis=-1)
    patch = np.zeros((m, kc), x.dtype)
    if inside.any():
        patch[inside] = x[tuple(idx[inside].T)]
    return patch


def guarded(rng, shape, dtype, layout):
    """Random values of ``dtype`` in ``shape``, as a view into a larger array
    whose other elements are SENTINEL: 'C', or 'reversed' (negative strides
    on the leading axes), or 'gapped' (every leading axis strided by 2 and a
    padded last axis)."""
    values = random_array(rng, shape, dtype)
    if dtype == np.bool_:
        values[...] = False  # the sentinel is True: a stray read shows
    big = np.full([n + 4 for n in shape] if layout != "gapped"
                  else [2 * n + 3 for n in shape[:-1]] + [shape[-1] + 5], SENTINEL, dtype)
    if layout == "gapped":
        index = tuple(slice(1, 1 + 2 * n, 2) for n in shape[:-1]) + (slice(2, 2 + shape[-1]),)
    else:
        index = tuple(slice(2, 2 + n) for n in shape)
    big[index] = values
    view = big[index]
    if layout == "reversed":
        flip = (slice(None, None, -1),) * (len(shape) - 1) + (slice(None),)
        big[index] = values[flip]
        view = big[index][flip]
    assert_array_equal(view, values)
    return view


# Geometries: (x shape, w shape, out shape, offset), offsets reaching past
# both ends of the input on every axis in some of them.
GEOMETRIES = [
    ((11,), (4,), (14,), (-3,)),
    ((7,), (9,), (3,), (-1,)),
    ((5,), (1,), (5,), (0,)),
    ((1,), (3,), (3,), (-2,)),
    ((6, 7), (3, 2), (8, 8), (-2, -1)),
    ((4, 9), (5, 3), (4, 9), (-2, -1)),
    ((3, 5), (2, 2), (2, 4), (0, 0)),
    ((2, 3), (4, 5), (7, 9), (-4, -5)),
    ((4, 5, 6), (2, 3, 2), (5, 7, 7), (-1, -2, -1)),
    ((3, 4, 2, 5), (2, 2, 1, 3), (4, 5, 2, 7), (-1, -1, 0, -2)),
    ((1, 6), (1, 3), (1, 4), (0, 0)),
    ((6, 1), (3, 1), (8, 1), (-2, 0)),
]


def blocks(rows, taps, rng):
    """Blocks to fill: the whole matrix, one row, one column, and random
    blocks starting mid-row and mid-tap."""
    out = [(0, rows, 0, taps), (rows - 1, 1, taps - 1, 1), (0, 1, 0, taps)]
    for _ in range(4):
        o0 = int(rng.integers(0, rows))
        t0 = int(rng.integers(0, taps))
        out.append((o0, int(rng.integers(1, rows - o0 + 1)), t0,
                    int(rng.integers(1, taps - t0 + 1))))
    return out


@pytest.mark.parametrize("code", list(CODE_DTYPES))
@pytest.mark.parametrize("layout", ["C", "reversed", "gapped"])
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=str)
def test_fill_matches_indexing(code, layout, geometry):
    x_shape, w_shape, out_shape, offset = geometry
    rng = np.random.default_rng(seed_for(code, layout, geometry))
    x = guarded(rng, x_shape, CODE_DTYPES[code], layout)
    rows, taps = int(np.prod(out_shape)), int(np.prod(w_shape))
    for o0, m, t0, kc in blocks(rows, taps, rng):
        for ld in (m, m + 3):
            got = _im2col.fill(x, w_shape, out_shape, offset, CODES[code], o0, m, t0, kc, ld)
            ref = patch_reference(x, w_shape, out_shape, offset, o0, m, t0, kc)
            assert got.shape == (kc, ld)
            assert_array_equal(got[:, :m], ref.T, strict=True,
                               err_msg=f"block {(o0, m, t0, kc)} ld={ld}")
            assert not got[:, m:].any()  # past m: untouched


def test_fill_input_outside_every_tap():
    """An input the window never meets: all zeros, the input never read."""
    x = np.full((3, 4), np.nan)
    got = _im2col.fill(x, (2, 2), (2, 3), (5, -9), CODES["f64"], 0, 6, 0, 4)
    assert_array_equal(got, np.zeros((4, 6)))


def test_fill_rejects_out_of_range_blocks():
    x = np.ones(5)
    for o0, m, t0, kc in [(0, 8, 0, 3), (-1, 2, 0, 3), (0, 2, 1, 3), (0, 2, 0, 0),
                          (0, 0, 0, 1)]:
        with pytest.raises(ValueError, match="not inside"):
            _im2col.fill(x, (3,), (7,), (-2,), CODES["f64"], o0, m, t0, kc)
    with pytest.raises(ValueError, match="not inside"):
        _im2col.fill(x, (3,), (7,), (-2,), CODES["f64"], 0, 4, 0, 3, ld=3)


# -- the reductions ------------------------------------------------------------

def correlate_im2col(x, w, out_shape, offset, code, **kw):
    out = np.empty(out_shape, x.dtype)
    _im2col.correlate(x, w, out, offset, CODES[code], kw.pop("num_threads", 1), **kw)
    return out


def correlate_direct(x, w, out_shape, offset, code):
    from convcore import _dispatch
    out = np.empty(out_shape, x.dtype)
    _direct.correlate(x, w, out, offset, CODES[code], _dispatch.isa_level, 1)
    return out


@pytest.mark.parametrize("code", list(CODE_DTYPES))
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=str)
@pytest.mark.parametrize("block_bytes", [1, 40, 1000, 1 << 20])
def test_correlate_matches_direct_kernel(code, geometry, block_bytes):
    """The same problem through the im2col and the direct kernels; every
    block size (one element per block, chunks of taps summed in turn, the
    whole matrix), BLAS and the C reduction."""
    x_shape, w_shape, out_shape, offset = geometry
    dtype = CODE_DTYPES[code]
    rng = np.random.default_rng(seed_for(code, geometry))
    x = random_array(rng, x_shape, dtype)
    w = random_array(rng, w_shape, dtype)
    ref = correlate_direct(x, w, out_shape, offset, code)
    for use_blas in (True, False):
        got = correlate_im2col(x, w, out_shape, offset, code, block_bytes=block_bytes,
                               use_blas=use_blas)
        assert_conv_equal(got, ref, x, w, err_msg=f"use_blas={use_blas}")


@pytest.mark.parametrize("code", ["f32", "f64", "c64", "c128"])
def test_blas_reduction_matches_reference_reduction(code):
    """Several blocks, taps split in chunks: BLAS gemv against the C loop."""
    dtype = CODE_DTYPES[code]
    rng = np.random.default_rng(seed_for("blas", code))
    x = random_array(rng, (41, 57), dtype)
    w = random_array(rng, (9, 8), dtype)
    args = (x, w, (49, 64), (-8, -7), code)
    for block_bytes in (256, 4096, 1 << 16):
        blas = correlate_im2col(*args, block_bytes=block_bytes)
        ref = correlate_im2col(*args, block_bytes=block_bytes, use_blas=False)
        assert_conv_equal(blas, ref, x, w)


@pytest.mark.parametrize("code", ["u8", "u16", "u32", "u64", "b"])
def test_integer_reduction_wraps_exactly(code):
    dtype = CODE_DTYPES[code]
    info_max = 1 if dtype == np.bool_ else np.iinfo(dtype).max
    x = np.full((5, 6), info_max, dtype)
    w = np.full((2, 3), info_max, dtype)
    got = correlate_im2col(x, w, (4, 4), (0, 0), code, block_bytes=7)
    if dtype == np.bool_:
        assert got.all()
    else:
        # six products of max*max = 1 (mod 2**bits) each
        assert_array_equal(got, np.full((4, 4), 6, dtype))


def test_output_written_whole_over_garbage():
    """np.empty outputs with NaN garbage: every block is written, not
    accumulated into."""
    x = np.arange(30.0).reshape(5, 6)
    w = np.ones((2, 2))
    for use_blas in (True, False):
        out = np.full((6, 7), np.nan)
        _im2col.correlate(x, w, out, (-1, -1), CODES["f64"], 2, 64, use_blas)
        assert np.isfinite(out).all()
        assert_array_equal(out, correlate_direct(x, w, (6, 7), (-1, -1), "f64"))


def test_empty_kernel_gives_zeros():
    out = np.full((3, 4), 5.0)
    _im2col.correlate(np.ones((2, 3)), np.ones((0, 2)), out, (0, 0), CODES["f64"], 1)
    assert_array_equal(out, np.zeros((3, 4)))


# -- the block plan ----------------------------------------------------------------

INT_MAX = 2**31 - 1


@pytest.mark.parametrize("rows, taps, itemsize, block_bytes", [
    (10**6, 31, 8, 256 * 1024), (100, 31, 8, 256 * 1024), (10**6, 10**5, 8, 256 * 1024),
    (5, 3, 4, 1), (1, 1, 32, 1), (3 * 2**31, 1, 1, 2**40), (2**40, 2**40, 16, 2**62),
    (7, 3 * 2**31, 1, 2**62), (2**33, 2, 8, 2**36),
])
def test_plan_bounds(rows, taps, itemsize, block_bytes):
    mb, kc = _im2col.plan(rows, taps, itemsize, block_bytes)
    assert 1 <= mb <= min(rows, INT_MAX)
    assert 1 <= kc <= min(taps, INT_MAX)
    # about block_bytes: never more, except one element that does not fit
    assert mb * kc * itemsize <= max(block_bytes, itemsize)
    if taps * itemsize * min(rows, _im2col.MIN_BLOCK_ROWS) <= block_bytes:
        assert kc == min(taps, INT_MAX)  # split only when a block cannot hold them


def test_plan_is_independent_of_everything_but_the_problem():
    assert _im2col.plan(10**6, 31, 8, 256 * 1024) == (1057, 31)
    assert _im2col.plan(10**6, 10**5, 8, 256 * 1024) == (256, 128)


@pytest.mark.parametrize("args", [(0, 1, 8, 1), (1, 0, 8, 1), (1, 1, 0, 1), (1, 1, 8, 0)])
def test_plan_rejects_non_positive(args):
    with pytest.raises(ValueError):
        _im2col.plan(*args)


# -- argument checks of the compiled entry ----------------------------------------

def test_correlate_argument_checks():
    x, w = np.ones((4, 5)), np.ones((2, 2))
    f8 = CODES["f64"]
    with pytest.raises(ValueError, match="dtype_code"):
        _im2col.correlate(x, w, np.empty((3, 4)), (0, 0), 99, 1)
    with pytest.raises(ValueError, match="itemsize"):
        _im2col.correlate(x, w, np.empty((3, 4)), (0, 0), CODES["f32"], 1)
    with pytest.raises(ValueError, match="num_threads"):
        _im2col.correlate(x, w, np.empty((3, 4)), (0, 0), f8, 0)
    with pytest.raises(ValueError, match="block_bytes"):
        _im2col.correlate(x, w, np.empty((3, 4)), (0, 0), f8, 1, 0)
    with pytest.raises(ValueError, match="C-contiguous"):
        _im2col.correlate(x, w, np.empty((4, 3)).T, (0, 0), f8, 1)
    with pytest.raises(ValueError, match="last axis"):
        _im2col.correlate(np.ones((4, 10))[:, ::2], w, np.empty((3, 4)), (0, 0), f8, 1)
    with pytest.raises(ValueError, match="rank"):
        _im2col.correlate(x, w, np.empty(12), (0, 0), f8, 1)
    out = np.empty((3, 4))
    out.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        _im2col.correlate(x, w, out, (0, 0), f8, 1)


def test_signal_prologue_gives_the_kernels_what_they_take():
    """as_signal + compute_dtype hand correlate inputs it accepts, for the
    layouts it refuses raw (big-endian, strided last axis, float16)."""
    for a in (np.ones((4, 10))[:, ::2], np.ones((4, 5), ">f8"), np.ones((4, 5), np.float16)):
        compute, code = _validate.compute_dtype(np.result_type(a).newbyteorder("="))
        x = _validate.as_signal(a, compute)
        out = np.empty((3, 4), compute)
        _im2col.correlate(x, np.ones((2, 2), compute), out, (0, 0), code, 1)
        assert_array_equal(out, np.full((3, 4), 4.0))
