"""Kernel tests of the FFT family: every spectral micro-kernel the CPU runs
against the scalar reference (bit for bit) and NumPy, on odd lengths; the
overlap-add block kernels (oa_fill, oa_add) against plain NumPy loops, bit
for bit, and oa_window against the plain FFT path."""
import threading

import numpy as np
import pytest
import scipy.fft as sp_fft
import scipy.signal as ss

from convcore import _dispatch, _fft, _fftconv, _oa, _spectral
from convcore._geometry import crop_window
from convcore._dispatch import ISA_NAMES

ISAS = _dispatch.supported_isas()
LENGTHS = [1, 2, 3, 5, 7, 8, 15, 17, 31, 33, 1001, 4099]
MUL, MAC = _fft.OPS.index("mul"), _fft.OPS.index("mac")


def _cplx(rng, shape, dtype):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def _exact_product(a, b):
    """The reference's rounding: each multiply and add rounded once."""
    re = a.real * b.real - a.imag * b.imag
    im = a.imag * b.real + a.real * b.imag
    out = np.empty_like(a)
    out.real, out.imag = re, im
    return out


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("n", LENGTHS)
def test_spectral_kernels_match_reference(isa, dtype, n):
    rng = np.random.default_rng(n)
    level = ISA_NAMES.index(isa)
    a, b = _cplx(rng, (3, n), dtype), _cplx(rng, (3, n), dtype)
    acc0 = _cplx(rng, (3, n), dtype)
    assert _fft.kernel_isa(dtype, MUL, level) == level
    out = np.full_like(a, np.nan)
    _fft.spectral(a, None, b, None, out, MUL, level, 1)
    np.testing.assert_array_equal(out, _exact_product(a, b))
    acc = acc0.copy()
    _fft.spectral(a, None, b, None, acc, MAC, level, 1)
    np.testing.assert_array_equal(acc, acc0 + _exact_product(a, b))


@pytest.mark.parametrize("isa", ISAS)
def test_spectral_in_place_and_broadcast_rows(isa):
    rng = np.random.default_rng(5)
    level = ISA_NAMES.index(isa)
    a = _cplx(rng, (4, 3, 37), np.complex128)
    b = _cplx(rng, (1, 3, 37), np.complex128)
    expected = _exact_product(a, np.broadcast_to(b, a.shape))
    b_off = _spectral._row_offsets(b, a.shape)
    np.testing.assert_array_equal(b_off, np.tile(np.arange(3) * 37, 4))
    _fft.spectral(a, None, b, b_off, a, MUL, level, 2)  # out is a
    np.testing.assert_array_equal(a, expected)


def test_spectral_product_broadcasts_like_numpy():
    rng = np.random.default_rng(6)
    for sa, sb in [((5, 1, 9), (1, 4, 9)), ((2, 3, 1), (2, 1, 6)), ((7,), (7,))]:
        a, b = _cplx(rng, sa, np.complex128), _cplx(rng, sb, np.complex128)
        np.testing.assert_allclose(_spectral.spectral_product(a.copy(), b), a * b,
                                   rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("dtype", ["c8", "c16"])
@pytest.mark.parametrize("shapes", [((1, 1, 5), (1, 1, 5)), ((2, 3, 4, 5), (6, 3, 4, 5)),
                                    ((3, 7, 9), (2, 7, 9)), ((2, 1, 3, 2, 2), (4, 1, 3, 2, 2))],
                         ids=str)
def test_spectral_mac_reduces_over_channels(dtype, shapes):
    """out[n, o, f] = sum_c x[n, c, f] * w[o, c, f], against an explicit sum."""
    rng = np.random.default_rng(7)
    x, w = (rng.standard_normal(s) + 1j * rng.standard_normal(s) for s in shapes)
    x, w = x.astype(dtype), w.astype(dtype)
    got = _spectral.spectral_mac(x, w)
    want = np.zeros((x.shape[0], w.shape[0]) + x.shape[2:], np.complex128)
    for c in range(x.shape[1]):
        want += x[:, None, c].astype(np.complex128) * w[None, :, c]
    assert got.dtype == dtype and got.flags.c_contiguous
    np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == "c8" else 1e-12,
                               atol=1e-5 if dtype == "c8" else 1e-12)
    with pytest.raises(ValueError, match="do not share channels"):
        _spectral.spectral_mac(x, w[:, :0])


def test_spectral_threads_give_identical_bits():
    rng = np.random.default_rng(7)
    a, b = _cplx(rng, (3, 70001), np.complex64), _cplx(rng, (3, 70001), np.complex64)
    outs = []
    for threads in (1, 2, 3):
        out = np.empty_like(a)
        _fft.spectral(a, None, b, None, out, MUL, _dispatch.isa_level, threads)
        outs.append(out)
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_array_equal(outs[0], outs[2])


def test_spectral_rejects_bad_arguments():
    a = np.zeros((2, 8), np.complex128)
    with pytest.raises(TypeError):
        _fft.spectral(a.real.copy(), None, a.real.copy(), None, a.real.copy(), MUL, 0, 1)
    with pytest.raises(ValueError, match="out of bounds"):
        _fft.spectral(a, None, a, np.array([0, 9], np.intp), np.empty_like(a), MUL, 0, 1)
    with pytest.raises(ValueError):
        _fft.spectral(a, None, a, None, np.empty_like(a), 7, 0, 1)
    with pytest.raises(ValueError):
        _fft.spectral(a[:, ::2], None, a[:, ::2], None, np.empty((2, 4), complex), MUL, 0, 1)


def test_forced_isa_is_used_by_the_public_functions():
    """Each ISA level gives the same bits through fftconvolve too."""
    import convcore
    rng = np.random.default_rng(8)
    x, h = rng.standard_normal(3001), rng.standard_normal(77)
    results = []
    for isa in ISAS:
        with _dispatch.forced_isa(isa):
            results.append(convcore.fftconvolve(x, h))
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])


def test_concurrent_calls_give_the_serial_result():
    import convcore
    rng = np.random.default_rng(9)
    # small and pooled (convcore._scratch) workspaces, every FFT path
    cases = [(convcore.oaconvolve, rng.standard_normal(20000 + 37 * i), rng.standard_normal(300 + i))
             for i in range(4)]
    cases += [(convcore.oaconvolve, rng.standard_normal(200000 + i), rng.standard_normal(500))
              for i in range(2)]
    cases += [(convcore.fftconvolve, rng.standard_normal(40000 + i), rng.standard_normal(3000))
              for i in range(2)]
    cases += [(convcore.fftconvolve, rng.standard_normal((300 + i, 280)), rng.standard_normal((40, 31)))
              for i in range(2)]
    serial = [f(x, h) for f, x, h in cases]
    got = [None] * len(cases)

    def work(i):
        f, x, h = cases[i]
        for _ in range(3):
            got[i] = f(x, h)

    ts = [threading.Thread(target=work, args=(i,)) for i in range(len(cases))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for s, g in zip(serial, got):
        np.testing.assert_array_equal(s, g)


# -- overlap-add blocks ---------------------------------------------------------

OA_DTYPES = [np.float32, np.float64, np.complex64, np.complex128, np.longdouble,
             np.clongdouble]


def _rand_of(rng, shape, dtype):
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _fill_ref(x, cuts):
    """oa_fill by plain loops over the blocks, one axis at a time."""
    ws = x
    for a in range(len(cuts) - 1, -1, -1):
        step, steps, n = cuts[a]
        xm = np.moveaxis(ws, a, -1)
        out = np.zeros(xm.shape[:-1] + (steps, n), x.dtype)
        for s in range(steps):
            seg = xm[..., s * step:s * step + min(step, n)]
            out[..., s, :seg.shape[-1]] = seg
        ws = np.moveaxis(out, (-2, -1), (a, a + 1))
    return ws


def _add_ref(y, axis, step, start, length):
    """oa_add position by position: block s's head, then + block s-1's tail."""
    ym = np.moveaxis(y, (axis, axis + 1), (-2, -1))
    steps, n = ym.shape[-2:]
    tail = n - step
    out = np.empty(ym.shape[:-2] + (length,), y.dtype)
    for p in range(length):
        s, j = divmod(start + p, step)
        v = ym[..., s, j].copy() if s < steps else np.zeros(ym.shape[:-2], y.dtype)
        if s >= 1 and j < tail:
            v = v + ym[..., s - 1, j + step]
        out[..., p] = v
    return np.moveaxis(out, -1, axis)


def _same_bits(a, b):
    """Equal values and signs, so that -0.0 != 0.0 and NaN == NaN (long
    double's padding bytes are not compared)."""
    assert a.shape == b.shape and a.dtype == b.dtype
    if a.dtype == np.float32:  # no padding: compare the bits themselves
        assert np.array_equal(np.ascontiguousarray(a).view(np.uint32),
                              np.ascontiguousarray(b).view(np.uint32))
        return
    ra, rb = (np.stack([np.real(x), np.imag(x)]) for x in (a, b))
    np.testing.assert_array_equal(ra, rb)
    np.testing.assert_array_equal(np.signbit(ra), np.signbit(rb))


# (shape of x, cuts): tails, steps == 1 (zero padding, or a copy when
# n == nx), a last block starting exactly at the end, blocks shorter than
# the step, several axes at once, trailing axes copied with each position,
# empty axes.
FILL_CASES = [
    ((37,), [(10, 4, 13)]), ((7,), [(7, 1, 12)]), ((20,), [(10, 3, 12)]),
    ((4, 23), [(4, 1, 4), (5, 5, 9)]), ((29, 3), [(6, 5, 11)]),
    ((2, 3, 17, 2, 5), [(2, 1, 2), (3, 1, 3), (4, 5, 7)]), ((3, 20, 2), [(3, 1, 5), (10, 2, 6)]),
    ((1,), [(1, 1, 1)]), ((0, 5), [(1, 1, 0), (2, 3, 4)]), ((2, 9, 0), [(2, 1, 2), (3, 3, 5)]),
    ((0,), [(3, 1, 4)]), ((13, 11), [(4, 4, 6), (5, 3, 8)]), ((9, 4, 10), [(3, 3, 5), (4, 1, 4)]),
    ((10, 3, 12, 2), [(4, 3, 6), (3, 1, 5), (5, 3, 7)]),
]


@pytest.mark.parametrize("dtype", OA_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", FILL_CASES, ids=str)
def test_oa_fill_matches_reference(dtype, case):
    shape, cuts = case
    rng = np.random.default_rng(sum(shape) + len(cuts))
    x = _rand_of(rng, shape, dtype)
    pairs = tuple(v for _, steps, n in cuts for v in (steps, n)) + shape[len(cuts):]
    m = len(cuts)
    # Leading axes may have any strides: reversed, and every other element.
    views = [x]
    if m > 1 and x.size:
        views.append(x[::-1])
        big = np.repeat(x, 2, axis=0)[::-2]  # negative stride of two rows
        views.append(big)
    for v in views:
        ws = np.full(pairs, np.nan, dtype)  # every element is written
        _fft.oa_fill(v, cuts, ws, 1)
        _same_bits(ws, _fill_ref(v, cuts))


# (lead, steps, n, step, rest): tail 0 (step == n), tail == step, one block,
# outer and inner sizes; windows are chosen per case below.
ADD_CASES = [
    ((), 4, 13, 10, ()), ((), 5, 8, 8, ()), ((), 3, 12, 6, ()), ((), 1, 9, 9, ()),
    ((), 1, 9, 6, ()), ((3,), 6, 7, 5, ()), ((), 4, 11, 7, (3,)), ((2, 3), 5, 6, 4, (2, 3)),
    ((2,), 7, 3, 2, (1,)), ((), 2, 2, 1, ()),
]


def _windows(steps, step):
    full = (steps + 1) * step
    mid = full // 3
    return [(0, full), (0, 1), (mid, max(1, full // 3)), (full - 5 if full > 5 else 0,
            min(5, full)), (step, steps * step - step + 1), (3 if full > 3 else 0, 0)]


@pytest.mark.parametrize("dtype", OA_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", ADD_CASES, ids=str)
def test_oa_add_matches_reference(dtype, case):
    lead, steps, n, step, rest = case
    rng = np.random.default_rng(steps * 31 + n)
    y = _rand_of(rng, lead + (steps, n) + rest, dtype)
    y.flat[::5] = -0.0  # 0.0 + -0.0 is +0.0: the tail-only block keeps NumPy's sign
    axis = len(lead)
    for start, length in _windows(steps, step):
        if length < 0 or start + length > (steps + 1) * step:
            continue
        out = np.full(lead + (length,) + rest, np.nan, dtype)
        _fft.oa_add(y, axis, step, start, out, 1)
        _same_bits(out, _add_ref(y, axis, step, start, length))


def test_oa_blocks_threads_give_identical_bits():
    """Outputs just past the parallel threshold, so 2 threads split the work."""
    rng = np.random.default_rng(10)
    n, step = 4096, 3000
    steps = _fft.OA_PARALLEL_MIN // (2 * 4 * n) + 2
    x = rng.random((2, steps * step - 7), np.float32)[::-1]
    cuts = [(2, 1, 2), (step, steps, n)]
    fills = []
    for threads in (1, 2):
        ws = np.empty((1, 2, steps, n), np.float32)
        assert ws.nbytes >= _fft.OA_PARALLEL_MIN
        _fft.oa_fill(x, cuts, ws, threads)
        fills.append(ws)
    _same_bits(fills[0], fills[1])
    ws = fills[0][0]
    np.testing.assert_array_equal(ws[:, :, :step].reshape(2, -1)[:, :x.shape[1]], x)
    assert not ws[:, :, step:].any() and not ws[:, -1, step - 7:].any()
    del fills, ws

    n, step = 4096, 4000
    steps = _fft.OA_PARALLEL_MIN // (2 * 4 * step) + 2
    y = rng.random((2, steps, n), np.float32) - 0.5
    adds = []
    for threads in (1, 2):
        out = np.empty((2, steps * step + 11), np.float32)
        assert out.nbytes >= _fft.OA_PARALLEL_MIN
        _fft.oa_add(y, 1, step, 5, out, threads)
        adds.append(out)
    _same_bits(adds[0], adds[1])
    # NumPy's overlap-add: heads, then the tails added into the next block.
    z = np.zeros((2, steps + 1, step), np.float32)
    z[:, :steps] = y[:, :, :step]
    z[:, 1:, :n - step] += y[:, :, step:]
    _same_bits(adds[0], z.reshape(2, -1)[:, 5:5 + out.shape[1]])


def test_oa_blocks_reject_bad_arguments():
    x = np.zeros((3, 10))
    ws = np.empty((1, 3, 2, 8))
    cuts = [(3, 1, 3), (5, 2, 8)]
    _fft.oa_fill(x, cuts, ws, 1)
    _fft.oa_fill(x, [(1, 3, 1)], np.empty((3, 1, 10)), 1)
    for args, exc in [
        ((x, cuts, np.empty((1, 3, 2, 8), np.float32), 1), TypeError),  # dtypes differ
        ((x.astype(int), cuts, np.empty((1, 3, 2, 8), int), 1), TypeError),  # not float
        ((np.asfortranarray(x), cuts, ws, 1), ValueError),     # rows not contiguous
        ((x[:, ::2], [(3, 1, 3), (5, 1, 8)], np.empty((1, 3, 1, 8)), 1), ValueError),
        ((x, [], ws, 1), ValueError),                          # no axis
        ((x, cuts + [(1, 1, 1)], ws, 1), ValueError),          # more axes than x
        ((x, cuts, np.empty((1, 3, 2, 8, 1)), 1), ValueError),  # shape
        ((x, cuts, np.empty((3, 2, 8)), 1), ValueError),
        ((x, [(3, 1, 3), (0, 2, 8)], ws, 1), ValueError),      # step < 1
        ((x, [(3, 1, 3), (3, 5, 8)], np.empty((1, 3, 5, 8)), 1), ValueError),  # past the end
        ((x, [(3, 1, 3), (5, 0, 8)], np.empty((1, 3, 0, 8)), 1), ValueError),  # no block
        ((x, [(3, 1, 3), (5, 2, -1)], ws, 1), ValueError),     # negative length
        ((x, cuts, ws[..., ::2].copy()[..., ::-1], 1), ValueError),  # ws not C-contiguous
        ((x, cuts, ws, 0), ValueError),                        # threads
    ]:
        with pytest.raises(exc):
            _fft.oa_fill(*args)
    ro = np.empty((1, 3, 2, 8))
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        _fft.oa_fill(x, cuts, ro, 1)
    buf = np.zeros(200)
    with pytest.raises(ValueError, match="overlap"):
        _fft.oa_fill(buf[:30].reshape(3, 10), [(5, 2, 8)], buf[20:68].reshape(3, 2, 8), 1)

    y = np.zeros((3, 4, 8))
    _fft.oa_add(y, 1, 5, 0, np.empty((3, 25)), 1)
    for args, exc in [
        ((y, 1, 5, 0, np.empty((3, 25), np.float32), 1), TypeError),  # dtypes differ
        ((y.astype(int), 1, 5, 0, np.empty((3, 25), int), 1), TypeError),
        ((y.astype(">f8"), 1, 5, 0, np.empty((3, 25), ">f8"), 1), TypeError),  # byte order
        ((y[:, :, ::2], 1, 5, 0, np.empty((3, 4)), 1), ValueError),  # not C-contiguous
        ((y, 2, 5, 0, np.empty((3, 4)), 1), ValueError),               # no pair at axis 2
        ((y, 1, 5, 0, np.empty((3, 25, 1)), 1), ValueError),           # shape
        ((y, 1, 5, 0, np.empty((2, 25)), 1), ValueError),
        ((y, 1, 0, 0, np.empty((3, 25)), 1), ValueError),              # step < 1
        ((y, 1, 9, 0, np.empty((3, 25)), 1), ValueError),              # step > n
        ((y, 1, 3, 0, np.empty((3, 10)), 1), ValueError),              # tail 5 > step 3
        ((y, 1, 5, 0, np.empty((3, 26)), 1), ValueError),              # past (steps+1)*step
        ((y, 1, 5, 20, np.empty((3, 6)), 1), ValueError),
        ((y, 1, 5, -1, np.empty((3, 5)), 1), ValueError),              # start < 0
        ((y, 1, 5, 2**62, np.empty((3, 5)), 1), ValueError),           # no overflow
        ((y, 1, 5, 0, np.empty((3, 25)), 0), ValueError),              # threads
    ]:
        with pytest.raises(exc):
            _fft.oa_add(*args)
    buf = np.zeros(200)
    with pytest.raises(ValueError, match="overlap"):
        _fft.oa_add(buf[:96].reshape(3, 4, 8), 1, 5, 0, buf[90:165].reshape(3, 25), 1)


def _plan_for(s1, s2, n_of):
    """A hand-made overlap-add plan: n_of[i] the block length of convolution
    axis i (None: that axis whole, at the plain FFT length)."""
    plan = []
    for (a, b), n in zip(zip(s1, s2), n_of):
        k, big = min(a, b), max(a, b)
        if n is None:
            plan.append((sp_fft.next_fast_len(a + b - 1), 1))
        else:
            assert n - k + 1 >= k - 1
            plan.append((n, -(-big // (n - k + 1))))
    return plan


@pytest.mark.parametrize("d1, d2", [("f8", "f8"), ("f4", "f4"), ("c16", "f8"), ("c8", "c8"),
                                    ("g", "g"), ("G", "g"), ("i2", "f4")])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("s1, s2, n_of", [
    ((300,), (41,), [100]), ((41,), (300,), [80]), ((301,), (3,), [4]),
    ((6, 120), (6, 9), [None, 20]), ((120, 40), (7, 9), [16, None]),
    ((50, 60), (5, 7), [12, 16]), ((3, 70, 2, 33), (1, 6, 2, 5), [None, 15, None, 9]),
    ((2, 90, 1), (1, 8, 3), [None, 15, None]),
])
def test_oa_window_matches_fft_window(d1, d2, mode, s1, s2, n_of):
    """Every layout the workspace takes: blocked and whole convolution axes,
    broadcast axes ('same' crops them), strided, Fortran and big-endian
    inputs, every dtype the FFT path has."""
    rng = np.random.default_rng(len(s1) * 100 + s1[-1])
    a, b = (_rand_of(rng, s, np.complex128 if np.dtype(d).kind == "c" else np.float64)
            .astype(d) for s, d in ((s1, d1), (s2, d2)))
    a, b, axes = _fftconv._init_axes(a, b, mode, None)
    axes = sorted(axes)
    win = crop_window(mode, a.shape, b.shape, axes)
    plan = _plan_for([a.shape[d] for d in axes], [b.shape[d] for d in axes],
                     [n_of[d] for d in axes])
    expected = _spectral.fft_window(a, b, axes, win)
    tol = 1e3 * np.finfo(expected.dtype).eps * max(1.0, np.abs(expected).max())
    layouts = [(a, b), (np.asfortranarray(a), b[..., ::-1].copy()[..., ::-1]),
               (a.astype(a.dtype.newbyteorder(">")), np.repeat(b, 2, axis=-1)[..., ::2]),
               (a[::-1].copy()[::-1], np.repeat(b, 2, axis=0)[::2])]
    for x, h in layouts:
        got = _oa.oa_window(x, h, axes, win, plan)
        assert got.shape == expected.shape and got.dtype == expected.dtype
        assert got.flags.c_contiguous
        np.testing.assert_allclose(got, expected, rtol=0, atol=tol)
    if d1 == d2 == "f8" and mode == "full" and len(axes) == a.ndim:
        np.testing.assert_allclose(got, ss.convolve(a, b, method="direct"), rtol=0, atol=tol)
