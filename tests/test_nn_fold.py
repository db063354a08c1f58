"""convcore.nn.unfold / fold (im2col / col2im) against torch.nn.functional
(2-D) and a NumPy reference (every rank), layouts, adjointness, errors and
impossible sizes."""
import itertools
import math

import numpy as np
import pytest

import convcore
from convcore import nn

RNG = np.random.default_rng(20240611)


def _torch():
    return pytest.importorskip("torch")


def _blocks(spatial, kernel, dilation, padding, stride):
    return tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                 for n, k, d, p, s in zip(spatial, kernel, dilation, padding, stride))


def _tap_slices(kernel, dilation, stride, grid):
    """Per kernel tap (C order): the strided slices of the padded input it reads."""
    for tap in itertools.product(*(range(k) for k in kernel)):
        yield tuple(slice(t * d, t * d + (g - 1) * s + 1, s)
                    for t, d, s, g in zip(tap, dilation, stride, grid))


def unfold_ref(x, kernel, dilation, padding, stride):
    """(N, C, *spatial) -> (N, C * taps, L) by padding and strided slices."""
    rank = len(kernel)
    n, c = x.shape[:2]
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple((p, p) for p in padding))
    grid = _blocks(x.shape[2:], kernel, dilation, padding, stride)
    taps = math.prod(kernel)
    cols = np.empty((n, c, taps, math.prod(grid)), x.dtype)
    for t, sl in enumerate(_tap_slices(kernel, dilation, stride, grid)):
        cols[:, :, t] = xp[(slice(None), slice(None)) + sl].reshape(n, c, -1)
    assert rank == len(sl)
    return cols.reshape(n, c * taps, -1)


def fold_ref(cols, out_size, kernel, dilation, padding, stride):
    """(N, C * taps, L) -> (N, C, *out_size): the adjoint, in float64 sums."""
    n = cols.shape[0]
    taps = math.prod(kernel)
    c = cols.shape[1] // taps
    grid = _blocks(out_size, kernel, dilation, padding, stride)
    xp = np.zeros((n, c) + tuple(o + 2 * p for o, p in zip(out_size, padding)), np.float64)
    blocks = cols.reshape(n, c, taps, *grid).astype(np.float64)
    for t, sl in enumerate(_tap_slices(kernel, dilation, stride, grid)):
        xp[(slice(None), slice(None)) + sl] += blocks[:, :, t]
    crop = tuple(slice(p, p + o) for o, p in zip(out_size, padding))
    return xp[(slice(None), slice(None)) + crop].astype(cols.dtype)


# (spatial, kernel, dilation, padding, stride) per rank: tails, overhang,
# stride past the kernel, a kernel as large as the padded input.
CASES = [
    ((9,), (3,), (1,), (1,), (1,)),
    ((13,), (4,), (2,), (3,), (3,)),
    ((5,), (5,), (1,), (0,), (1,)),
    ((7,), (2,), (1,), (2,), (5,)),
    ((6, 7), (3, 3), (1, 1), (1, 1), (1, 1)),
    ((8, 5), (2, 3), (2, 1), (0, 2), (2, 1)),
    ((5, 9), (1, 1), (1, 1), (0, 0), (1, 1)),
    ((5, 9), (1, 2), (1, 3), (2, 0), (3, 2)),
    ((4, 4), (4, 6), (1, 1), (0, 1), (1, 1)),
    ((4, 5, 6), (2, 3, 2), (1, 1, 2), (1, 0, 1), (1, 2, 1)),
    ((3, 4, 5), (3, 1, 3), (1, 1, 1), (1, 1, 1), (2, 1, 3)),
]
DTYPES = [np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CASES)
def test_unfold_and_fold_match_the_numpy_reference(case, dtype):
    spatial, kernel, dilation, padding, stride = case
    x = RNG.standard_normal((2, 3) + spatial).astype(dtype)
    cols = nn.unfold(x, kernel, dilation, padding, stride)
    assert cols.dtype == dtype
    np.testing.assert_array_equal(cols, unfold_ref(x, kernel, dilation, padding, stride))
    c = RNG.standard_normal(cols.shape).astype(dtype)
    got = nn.fold(c, spatial, kernel, dilation, padding, stride)
    tol = 1e-5 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(got, fold_ref(c, spatial, kernel, dilation, padding, stride),
                               rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", [c for c in CASES if len(c[0]) == 2])
def test_2d_is_torch_bit_for_bit(case, dtype):
    torch = _torch()
    F = torch.nn.functional
    spatial, kernel, dilation, padding, stride = case
    x = RNG.standard_normal((2, 3) + spatial).astype(dtype)
    kw = dict(dilation=dilation, padding=padding, stride=stride)
    cols = nn.unfold(x, kernel, **kw)
    np.testing.assert_array_equal(cols, F.unfold(torch.from_numpy(x), kernel, **kw).numpy())
    c = RNG.standard_normal(cols.shape).astype(dtype)
    # Each element is summed in torch's col2im order: equal, not close.
    np.testing.assert_array_equal(nn.fold(c, spatial, kernel, **kw),
                                  F.fold(torch.from_numpy(c), spatial, kernel, **kw).numpy())


def test_int_arguments_and_unbatched_inputs_as_torch():
    torch = _torch()
    F = torch.nn.functional
    x = RNG.standard_normal((3, 7, 6))  # unbatched 2-D: an int kernel means 2-D
    cols = nn.unfold(x, 2, dilation=2, padding=1, stride=2)
    np.testing.assert_array_equal(
        cols, F.unfold(torch.from_numpy(x), 2, dilation=2, padding=1, stride=2).numpy())
    back = nn.fold(cols, (7, 6), 2, dilation=2, padding=1, stride=2)
    np.testing.assert_array_equal(
        back, F.fold(torch.from_numpy(cols), (7, 6), 2, dilation=2, padding=1,
                     stride=2).numpy())
    sq = nn.unfold(RNG.standard_normal((1, 2, 5, 5)), 3)
    np.testing.assert_array_equal(nn.fold(sq, 5, 3), nn.fold(sq, (5, 5), (3, 3)))


def test_rank_rules():
    # An int kernel with a 5-D input is 3-D; a 1-element sequence is 1-D.
    x5 = RNG.standard_normal((2, 2, 3, 4, 5))
    np.testing.assert_array_equal(nn.unfold(x5, 2), unfold_ref(x5, (2, 2, 2), (1,) * 3,
                                                                (0,) * 3, (1,) * 3))
    x3 = RNG.standard_normal((2, 3, 8))
    np.testing.assert_array_equal(nn.unfold(x3, (3,), padding=1),
                                  unfold_ref(x3, (3,), (1,), (1,), (1,)))
    # One axis fewer is unbatched, at every rank.
    np.testing.assert_array_equal(nn.unfold(x3[0], (3,)), nn.unfold(x3, (3,))[0])
    np.testing.assert_array_equal(nn.unfold(x5[0], (2, 2, 2)), nn.unfold(x5, 2)[0])
    cols = nn.unfold(x5, 2)
    np.testing.assert_array_equal(nn.fold(cols[1], (3, 4, 5), 2), nn.fold(cols, (3, 4, 5), 2)[1])
    assert nn.fold(nn.unfold(x3, (3,)), (8,), 3).shape == (2, 3, 8)


def test_empty_batch():
    x = np.zeros((0, 3, 5, 6), np.float32)
    cols = nn.unfold(x, 2)
    assert cols.shape == (0, 12, 20) and cols.dtype == np.float32
    assert nn.fold(cols, (5, 6), 2).shape == (0, 3, 5, 6)


LAYOUTS = {
    "fortran": lambda a: np.asfortranarray(a),
    "negative": lambda a: a[..., ::-1].copy()[..., ::-1],
    "strided": lambda a: np.repeat(a, 2, axis=-1)[..., ::2],
    "readonly": lambda a: _readonly(a),
    "bigendian": lambda a: a.astype(a.dtype.newbyteorder(">")),
}


def _readonly(a):
    a = a.copy()
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_layouts(layout, dtype):
    x = RNG.standard_normal((2, 3, 6, 7)).astype(dtype)
    want = nn.unfold(x, (2, 3), padding=1, stride=(1, 2))
    xl = LAYOUTS[layout](x)
    got = nn.unfold(xl, (2, 3), padding=1, stride=(1, 2))
    assert got.dtype == dtype and got.dtype.isnative
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(xl, x)  # inputs are never modified
    c = RNG.standard_normal(want.shape).astype(dtype)
    want_back = nn.fold(c, (6, 7), (2, 3), padding=1, stride=(1, 2))
    np.testing.assert_array_equal(nn.fold(LAYOUTS[layout](c), (6, 7), (2, 3), padding=1,
                                          stride=(1, 2)), want_back)


@pytest.mark.parametrize("case", CASES)
def test_fold_is_the_adjoint_of_unfold(case):
    spatial, kernel, dilation, padding, stride = case
    x = RNG.standard_normal((2, 3) + spatial)
    cols = nn.unfold(x, kernel, dilation, padding, stride)
    c = RNG.standard_normal(cols.shape)
    lhs = np.vdot(cols, c)
    rhs = np.vdot(x, nn.fold(c, spatial, kernel, dilation, padding, stride))
    assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-12)


def test_fold_of_ones_counts_the_windows():
    # Each output element is the number of windows that read it.
    cols = np.ones((1, 9, 16))
    got = nn.fold(cols, (6, 6), 3, padding=0)
    counts = np.convolve(np.ones(4), np.ones(3))
    np.testing.assert_array_equal(got[0, 0], np.outer(counts, counts))


def test_thread_count_gives_identical_results():
    x = RNG.standard_normal((4, 16, 23, 21)).astype(np.float32)
    with convcore.threads(1):
        c1 = nn.unfold(x, 3, padding=1)
        f1 = nn.fold(c1, (23, 21), 3, padding=1)
    with convcore.threads(2):
        c2 = nn.unfold(x, 3, padding=1)
        f2 = nn.fold(c2, (23, 21), 3, padding=1)
    np.testing.assert_array_equal(c1, c2)
    np.testing.assert_array_equal(f1, f2)


@pytest.mark.parametrize("kwargs, match", [
    (dict(kernel_size=0), "kernel_size must be positive, got kernel_size=\\(0, 0\\)"),
    (dict(kernel_size=(2, -1)), "kernel_size must be positive"),
    (dict(kernel_size=2, stride=0), "stride must be positive, got stride=\\(0, 0\\)"),
    (dict(kernel_size=2, dilation=(1, 0)), "dilation must be positive"),
    (dict(kernel_size=2, padding=-1), "padding must be non-negative, got padding=\\(-1, -1\\)"),
    (dict(kernel_size=7), "larger than the padded input"),
    (dict(kernel_size=(3, 3), dilation=4, padding=1), "larger than the padded input"),
    (dict(kernel_size=(2, 2, 2, 2)), "kernel_size must be an int or a sequence of 1 to 3"),
    (dict(kernel_size=(2, 2), stride=(1, 1, 1)), "stride must be an int or a sequence of 2"),
    (dict(kernel_size=2, padding=1 << 62), "padding must be below 2\\*\\*62"),
])
def test_unfold_errors(kwargs, match):
    x = np.zeros((1, 2, 5, 6))
    with pytest.raises(ValueError, match=match):
        nn.unfold(x, **kwargs)


def test_unfold_type_and_shape_errors():
    with pytest.raises(TypeError, match="input must be float32 or float64, got input.dtype=int64"):
        nn.unfold(np.zeros((1, 2, 5, 6), np.int64), 2)
    with pytest.raises(TypeError, match="kernel_size must hold integers"):
        nn.unfold(np.zeros((1, 2, 5, 6)), 2.5)
    with pytest.raises(ValueError, match="expected 3-D \\(unbatched\\) or 4-D"):
        nn.unfold(np.zeros((5, 6)), 2)
    with pytest.raises(ValueError, match="expected 2-D \\(unbatched\\) or 3-D"):
        nn.unfold(np.zeros((1, 2, 5, 6)), (2,))
    with pytest.raises(ValueError, match="non-zero channel and spatial sizes"):
        nn.unfold(np.zeros((1, 0, 5, 6)), 2)


def test_fold_errors():
    c = np.zeros((2, 12, 20))
    with pytest.raises(ValueError, match="number of sliding blocks 4 \\* 4 = 16, got "
                                         "input.shape\\[2\\]=20"):
        nn.fold(c, (5, 6), (2, 3))
    with pytest.raises(ValueError, match="input.shape\\[1\\]=12 to be divisible by the product "
                                         "of kernel_size=\\(5, 1\\) \\(5\\)"):
        nn.fold(c, (8, 6), (5, 1))
    with pytest.raises(ValueError, match="input.shape\\[0\\]=12 to be divisible"):
        nn.fold(c[0], (8, 6), (5, 1))
    with pytest.raises(ValueError, match="output_size must be positive"):
        nn.fold(c, (0, 6), 2)
    with pytest.raises(ValueError, match="larger than the padded output"):
        nn.fold(c, (1, 6), 2)
    with pytest.raises(ValueError, match="expected 2-D \\(unbatched\\) or 3-D"):
        nn.fold(np.zeros((1, 2, 12, 20)), (5, 6), 2)
    with pytest.raises(ValueError, match="stride must be positive"):
        nn.fold(c, (5, 6), 2, stride=0)
    with pytest.raises(ValueError, match="padding must be non-negative"):
        nn.fold(c, (5, 6), 2, padding=-2)
    with pytest.raises(ValueError, match="output_size must be an int or a sequence of 1 to 3"):
        nn.fold(c, (5, 6, 7, 8), 2)
    with pytest.raises(TypeError, match="input must be float32 or float64"):
        nn.fold(c.astype(np.complex128), (5, 6), 2)
