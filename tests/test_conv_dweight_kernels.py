"""Kernel tests of the layer convolution's weight gradient (csrc/conv/
dweight_*): every variant this CPU runs (convcore._dispatch.supported_isas())
against the scalar reference kernel and a plain NumPy reference (an einsum
over explicit windows, float64), on odd sizes: W tails, strides and
dilations 1-3, paddings 0..k and past the kernel's extent (whole windows in
the padding), groups and depthwise with a multiplier, 1x1, N=1, C=1, channel
counts off the vector and tile sizes, 1-D/2-D/3-D; dw written whole (NaN
before); bit-identical results for 1, 2 and 3 threads; NaN placement; and
torch.nn.grad.conv{1,2,3}d_weight."""
import numpy as np
import pytest

from convcore import _conv, _dispatch

ISAS = _dispatch.supported_isas()
TOL = {np.float32: 1e-4, np.float64: 1e-10}
WIDTHS = [1, 2, 3, 5, 13, 15, 17, 33]


def _out_size(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def numpy_dweight(x, dy, kernel, stride, pad, dilation, groups):
    """dw[o, c', t] of the contract: zero-pad x, take each tap's strided
    window, reduce dy times it over n and the positions (float64)."""
    n, c = x.shape[:2]
    o = dy.shape[1]
    out_size = dy.shape[2:]
    need = [(m - 1) * s + d * (k - 1) + 1
            for m, s, d, k in zip(out_size, stride, dilation, kernel)]
    pads = [(p, max(r - p - size, 0)) for p, r, size in zip(pad, need, x.shape[2:])]
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0)) + tuple(pads))
    taps = []
    for t in np.ndindex(*kernel):
        sl = tuple(slice(ti * d, ti * d + (m - 1) * s + 1, s)
                   for ti, d, m, s in zip(t, dilation, out_size, stride))
        taps.append(xp[(slice(None), slice(None)) + sl])
    cg = c // groups
    cols = np.stack(taps, axis=2).reshape((n, groups, cg, len(taps)) + tuple(out_size))
    dyg = dy.astype(np.float64).reshape((n, groups, o // groups) + tuple(out_size))
    dw = np.einsum("ngctdhw,ngodhw->goct", cols, dyg)
    return dw.reshape((o, cg) + tuple(kernel))


def dweight(x, dy, kernel, stride, pad, dilation, groups, isa, threads=2):
    dw = np.full((dy.shape[1], x.shape[1] // groups) + tuple(kernel), np.nan, x.dtype)
    _conv.dweight(x, dy, dw, stride, pad, dilation, groups, _dispatch.ISA_NAMES.index(isa),
                  threads)
    return dw


def rand(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


def check(x, dy, kernel, stride, pad, dilation, groups, isas=ISAS):
    """Every variant in isas against the NumPy reference, within the dtype's
    tolerance of the sum of |x| |dy| of each entry, and against the scalar
    reference kernel within twice that; dw written whole."""
    dtype = x.dtype.type
    exact = numpy_dweight(x, dy, kernel, stride, pad, dilation, groups)
    bound = numpy_dweight(np.abs(x), np.abs(dy), kernel, stride, pad, dilation, groups)
    tol = TOL[dtype] * bound + np.finfo(np.float64).tiny
    ref = dweight(x, dy, kernel, stride, pad, dilation, groups, "scalar")
    for isa in isas:
        dw = ref if isa == "scalar" else dweight(x, dy, kernel, stride, pad, dilation, groups,
                                                 isa)
        assert dw.shape == exact.shape and dw.dtype == x.dtype
        assert not np.isnan(dw).any(), isa
        err = np.abs(dw.astype(np.float64) - exact)
        assert np.all(err <= tol), (isa, float((err / tol).max()))
        if isa != "scalar":
            assert np.all(np.abs(dw.astype(np.float64) - ref) <= 2 * tol), isa


def case(rng, n, ci, co, size, kernel, stride, pad, dilation, groups, dtype, out_size=None):
    """x and dy of a problem (dy for the largest output unless out_size)."""
    if out_size is None:
        out_size = tuple(_out_size(*a) for a in zip(size, kernel, stride, pad, dilation))
    return rand(rng, (n, ci) + tuple(size), dtype), rand(rng, (n, co) + tuple(out_size), dtype)


def test_variants_listed():
    names = _conv.dweight_variants()
    assert ("scalar", "f32") in names and ("scalar", "f64") in names
    for isa in ISAS:
        level = _dispatch.ISA_NAMES.index(isa)
        for dt in ("f32", "f64"):
            assert (isa, dt) in names
            assert _conv.dweight_kernel_isa(dt, level) == level


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k,s,d", [(1, 1, 1), (1, 2, 1), (2, 1, 1), (3, 1, 1), (3, 2, 1),
                                   (3, 3, 1), (3, 1, 2), (3, 2, 3), (5, 1, 1), (4, 3, 2),
                                   (7, 2, 1)])
def test_widths_strides_dilations_paddings(dtype, k, s, d):
    rng = np.random.default_rng(100 * k + 10 * s + d)
    for width in WIDTHS:
        # k: the widest 'full' padding; d * (k - 1) + 2: every tap of the
        # first and last windows in the padding.
        for p in sorted({0, 1, k // 2, k, d * (k - 1) + 2}):
            if _out_size(width, k, s, p, d) < 1:
                continue
            x, dy = case(rng, 2, 3, 10, (1, 4, width), (1, 2, k), (1, 1, s), (0, 1, p),
                         (1, 1, d), 1, dtype)
            check(x, dy, (1, 2, k), (1, 1, s), (0, 1, p), (1, 1, d), 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_groups_depthwise_pointwise(dtype):
    rng = np.random.default_rng(7)
    cases = [  # (N, C_in, C_out, groups, H, W, k, s, p, d)
        (2, 6, 6, 6, 7, 17, 3, 1, 1, 1),      # depthwise
        (1, 4, 12, 4, 5, 33, 3, 2, 1, 1),     # depthwise, multiplier 3, strided
        (2, 5, 10, 5, 6, 15, 5, 1, 2, 2),     # depthwise, multiplier 2, dilated
        (1, 3, 6, 3, 4, 33, 7, 1, 3, 1),      # depthwise, right edge over two vectors
        (1, 2, 2, 2, 5, 70, 5, 3, 4, 3),      # depthwise, wide dilated edges, stride 3
        (1, 2, 40, 2, 5, 19, 3, 1, 1, 1),     # one input channel per group, many outputs
        (1, 8, 12, 2, 5, 19, 3, 1, 1, 1),     # 2 groups
        (2, 9, 27, 3, 4, 13, 3, 3, 2, 1),     # 3 groups, partial channel blocks
        (2, 16, 20, 1, 3, 17, 1, 1, 0, 1),    # 1x1
        (1, 7, 9, 1, 1, 1, 1, 1, 0, 1),       # 1x1 on one pixel
        (3, 32, 13, 1, 5, 7, 1, 1, 0, 1),     # 1x1, C_out not a block multiple
        (2, 12, 8, 4, 5, 33, 1, 1, 0, 1),     # grouped 1x1
        (1, 1, 1, 1, 9, 15, 3, 1, 1, 1),      # C=1
        (1, 1, 5, 1, 9, 15, 3, 2, 3, 1),      # C_in=1, padding = k
        (2, 3, 4, 1, 5, 7, 5, 1, 0, 1),       # kernel as tall as the input
        (1, 2, 3, 1, 3, 5, 5, 1, 1, 1),       # kernel as large as the padded input
        (1, 3, 70, 1, 3, 40, 3, 1, 1, 1),     # many channel blocks
        (2, 29, 37, 1, 6, 11, 3, 1, 1, 1),    # column blocks of uneven widths
        (1, 26, 34, 2, 7, 9, 3, 2, 5, 1),     # groups, padding past the extent
    ]
    for n, ci, co, g, h, wd, k, s, p, d in cases:
        x, dy = case(rng, n, ci, co, (1, h, wd), (1, k, k), (1, s, s), (0, p, p), (1, d, d), g,
                     dtype)
        check(x, dy, (1, k, k), (1, s, s), (0, p, p), (1, d, d), g)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_3d_and_1d_shapes(dtype):
    rng = np.random.default_rng(3)
    for n, ci, co, g, size, k, s, p, d in [(1, 3, 5, 1, (5, 6, 17), (3, 3, 3), 1, 1, 1),
                                           (2, 4, 4, 4, (4, 5, 9), (3, 2, 3), 2, 1, 1),
                                           (1, 2, 9, 1, (7, 3, 33), (2, 1, 3), 1, 2, 2),
                                           (1, 6, 3, 3, (3, 4, 5), (3, 3, 3), 1, 3, 1),
                                           (2, 17, 20, 1, (4, 5, 6), (3, 3, 3), (2, 1, 1),
                                            (1, 0, 2), 1)]:
        s3, p3 = (s if isinstance(s, tuple) else (s,) * 3), (p if isinstance(p, tuple)
                                                             else (p,) * 3)
        x, dy = case(rng, n, ci, co, size, k, s3, p3, (d,) * 3, g, dtype)
        check(x, dy, k, s3, p3, (d,) * 3, g)
    for n, ci, co, length, k, s, p, d in [(2, 5, 7, 101, 9, 2, 4, 1),   # 1-D
                                          (1, 20, 33, 600, 5, 1, 2, 1),  # rows past a chunk
                                          (2, 13, 24, 300, 3, 3, 7, 2)]:
        x, dy = case(rng, n, ci, co, (1, 1, length), (1, 1, k), (1, 1, s), (0, 0, p),
                     (1, 1, d), 1, dtype)
        check(x, dy, (1, 1, k), (1, 1, s), (0, 0, p), (1, 1, d), 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_larger_planes(dtype):
    # Several chunks of rows per plane, several items per thread.
    rng = np.random.default_rng(29)
    x, dy = case(rng, 2, 24, 40, (1, 30, 37), (1, 3, 3), (1, 1, 1), (0, 1, 1), (1, 1, 1), 1,
                 dtype)
    check(x, dy, (1, 3, 3), (1, 1, 1), (0, 1, 1), (1, 1, 1), 1)
    x, dy = case(rng, 1, 16, 16, (1, 21, 25), (1, 5, 5), (1, 2, 2), (0, 2, 2), (1, 1, 1), 1,
                 dtype)
    check(x, dy, (1, 5, 5), (1, 2, 2), (0, 2, 2), (1, 1, 1), 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_chunks_of_positions(dtype):
    # More positions than one chunk of K holds (4096 to 8192 positions per
    # chunk, by variant): segments of one long row, and several chunks of
    # rows per plane.
    rng = np.random.default_rng(31)
    x, dy = case(rng, 1, 13, 20, (1, 1, 9000), (1, 1, 5), (1, 1, 1), (0, 0, 2), (1, 1, 1), 1,
                 dtype)
    check(x, dy, (1, 1, 5), (1, 1, 1), (0, 0, 2), (1, 1, 1), 1)
    x, dy = case(rng, 1, 5, 18, (1, 40, 300), (1, 3, 3), (1, 1, 1), (0, 1, 1), (1, 1, 1), 1,
                 dtype)
    check(x, dy, (1, 3, 3), (1, 1, 1), (0, 1, 1), (1, 1, 1), 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_short_output_windows(dtype):
    # Fewer outputs than the padded input allows (the input past the last
    # window is unused), and more (windows wholly in the padding).
    rng = np.random.default_rng(5)
    for out_size in [(1, 5, 18), (1, 7, 23)]:
        x, dy = case(rng, 1, 3, 9, (1, 6, 20), (1, 4, 4), (1, 1, 1), (0, 1, 1), (1, 1, 1), 1,
                     dtype, out_size=out_size)
        check(x, dy, (1, 4, 4), (1, 1, 1), (0, 1, 1), (1, 1, 1), 1)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("case_name", ["general", "depthwise", "strided", "grouped", "1d"])
def test_threads_bit_identical(isa, case_name):
    rng = np.random.default_rng(11)
    problems = {  # (N, C_in, C_out, groups, size, kernel, stride, pad, dilation, dtype)
        "general": (2, 16, 24, 1, (1, 23, 37), (1, 3, 3), (1, 1, 1), (0, 1, 1), (1, 1, 1),
                    np.float32),
        "depthwise": (2, 16, 32, 16, (1, 23, 37), (1, 3, 3), (1, 1, 1), (0, 1, 1), (1, 1, 1),
                      np.float32),
        "strided": (2, 8, 16, 1, (1, 29, 41), (1, 5, 5), (1, 2, 3), (0, 2, 2), (1, 1, 2),
                    np.float64),
        "grouped": (2, 12, 48, 3, (2, 9, 19), (2, 3, 3), (1, 1, 1), (0, 1, 1), (1, 1, 1),
                    np.float32),
        "1d": (3, 20, 36, 1, (1, 1, 700), (1, 1, 9), (1, 1, 1), (0, 0, 4), (1, 1, 1),
               np.float32),
    }
    n, ci, co, g, size, k, s, p, d, dtype = problems[case_name]
    x, dy = case(rng, n, ci, co, size, k, s, p, d, g, dtype)
    one = dweight(x, dy, k, s, p, d, g, isa, threads=1)
    two = dweight(x, dy, k, s, p, d, g, isa, threads=2)
    three = dweight(x, dy, k, s, p, d, g, isa, threads=3)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(one, three)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("groups,co,s,p,d", [(1, 8, 1, 1, 1), (1, 8, 2, 2, 1), (4, 8, 1, 2, 2),
                                             (4, 4, 1, 1, 1), (1, 40, 3, 0, 1)])
def test_nan_in_dy_reaches_exactly_its_taps(isa, dtype, groups, co, s, p, d):
    # Taps in the padding are skipped, not multiplied by zero: a NaN in dy
    # at a position reaches dw[o, c', t] only where tap t of that position
    # lies on the input.
    rng = np.random.default_rng(13)
    x = rand(rng, (1, 4, 1, 9, 21), dtype)
    kernel, stride, pad, dil = (1, 3, 3), (1, s, s), (0, p, p), (1, d, d)
    out_size = tuple(_out_size(*a) for a in zip(x.shape[2:], kernel, stride, pad, dil))
    dy = rand(rng, (1, co) + out_size, dtype)
    for pos in [(0, 0, 0), (1, out_size[1] // 2, out_size[2] - 1),
                (co - 1, out_size[1] - 1, 0)]:
        dyn = dy.copy()
        dyn[(0, pos[0], 0) + pos[1:]] = np.nan
        dw = dweight(x, dyn, kernel, stride, pad, dil, groups, isa)
        hit = np.zeros_like(dy)
        hit[(0, pos[0], 0) + pos[1:]] = 1
        reach = numpy_dweight(np.ones_like(x), hit, kernel, stride, pad, dil, groups) > 0
        np.testing.assert_array_equal(np.isnan(dw), reach)


@pytest.mark.parametrize("isa", ISAS)
def test_empty_batch_gives_zeros(isa):
    x = np.zeros((0, 4, 1, 5, 5), np.float32)
    dy = np.zeros((0, 6, 1, 3, 3), np.float32)
    dw = dweight(x, dy, (1, 3, 3), (1, 1, 1), (0, 0, 0), (1, 1, 1), 2, isa)
    np.testing.assert_array_equal(dw, np.zeros((6, 2, 1, 3, 3), np.float32))


def test_bad_arguments():
    x = np.zeros((1, 4, 1, 5, 5), np.float32)
    dy = np.zeros((1, 6, 1, 3, 3), np.float32)
    dw = np.empty((6, 2, 1, 3, 3), np.float32)
    with pytest.raises(ValueError):  # groups inconsistent with dw
        _conv.dweight(x, dy, dw, (1, 1, 1), (0, 0, 0), (1, 1, 1), 3, 0, 1)
    with pytest.raises(ValueError):  # dtype mismatch
        _conv.dweight(x, dy.astype(np.float64), dw, (1, 1, 1), (0, 0, 0), (1, 1, 1), 2, 0, 1)
    with pytest.raises(ValueError):  # stride 0
        _conv.dweight(x, dy, dw, (1, 0, 1), (0, 0, 0), (1, 1, 1), 2, 0, 1)
    with pytest.raises(ValueError):  # batch mismatch
        _conv.dweight(x, np.zeros((2, 6, 1, 3, 3), np.float32), dw, (1, 1, 1), (0, 0, 0),
                      (1, 1, 1), 2, 0, 1)
    with pytest.raises(ValueError):  # not C-contiguous
        _conv.dweight(np.zeros((1, 4, 1, 5, 10), np.float32)[..., ::2], dy, dw, (1, 1, 1),
                      (0, 0, 0), (1, 1, 1), 2, 0, 1)
    with pytest.raises(ValueError):
        _conv.dweight(x, dy, dw, (1, 1, 1), (0, 0, 0), (1, 1, 1), 2, 0, 0)


# ---- against torch --------------------------------------------------------

@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_torch_conv_weight(isa, dtype):
    torch = pytest.importorskip("torch")
    grad = torch.nn.grad
    rng = np.random.default_rng(19)
    cases = [  # (rank, N, C_in, C_out, groups, size, k, stride, padding, dilation)
        (2, 2, 3, 8, 1, (11, 17), 3, 1, 1, 1),
        (2, 1, 4, 6, 2, (9, 15), (3, 2), (2, 1), (1, 0), (1, 2)),
        (2, 2, 8, 16, 8, (10, 33), 3, 1, 1, 1),
        (2, 2, 19, 35, 1, (13, 13), 3, 2, 1, 1),
        (2, 1, 16, 24, 1, (7, 7), 1, 1, 0, 1),
        (1, 2, 6, 10, 2, (97,), 9, 1, 4, 1),
        (1, 1, 5, 5, 5, (64,), 3, 2, 1, 2),
        (3, 1, 4, 6, 1, (5, 6, 9), 3, 1, 1, 1),
    ]
    for rank, n, ci, co, g, size, k, s, p, d in cases:
        ks = k if isinstance(k, tuple) else (k,) * rank

        def three(v, fill):
            v = v if isinstance(v, tuple) else (v,) * rank
            return (fill,) * (3 - rank) + v
        x = rand(rng, (n, ci) + size, dtype)
        out_size = tuple(_out_size(*a) for a in zip(size, ks, three(s, 1)[3 - rank:],
                                                    three(p, 0)[3 - rank:],
                                                    three(d, 1)[3 - rank:]))
        dy = rand(rng, (n, co) + out_size, dtype)
        fn = {1: grad.conv1d_weight, 2: grad.conv2d_weight, 3: grad.conv3d_weight}[rank]
        ref = fn(torch.from_numpy(x), (co, ci // g) + ks, torch.from_numpy(dy), s, p, d,
                 g).numpy()
        lead = (1,) * (3 - rank)
        dw = dweight(x.reshape((n, ci) + lead + size), dy.reshape((n, co) + lead + out_size),
                     three(ks, 1), three(s, 1), three(p, 0), three(d, 1), g, isa)
        dw = dw.reshape(ref.shape)
        scale = numpy_dweight(np.abs(x.reshape((n, ci) + lead + size)),
                              np.abs(dy.reshape((n, co) + lead + out_size)), three(ks, 1),
                              three(s, 1), three(p, 0), three(d, 1), g).reshape(ref.shape)
        np.testing.assert_array_less(np.abs(dw.astype(np.float64) - ref),
                                     2 * TOL[dtype] * scale + 1e-30)
