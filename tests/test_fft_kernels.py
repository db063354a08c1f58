"""Kernel tests of the FFT family: every spectral micro-kernel the CPU runs
against the scalar reference (bit for bit) and NumPy, on odd lengths."""
import threading

import numpy as np
import pytest

from convcore import _dispatch, _fft, _fftconv
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
    b_off = _fftconv._row_offsets(b, a.shape)
    np.testing.assert_array_equal(b_off, np.tile(np.arange(3) * 37, 4))
    _fft.spectral(a, None, b, b_off, a, MUL, level, 2)  # out is a
    np.testing.assert_array_equal(a, expected)


def test_spectral_product_broadcasts_like_numpy():
    rng = np.random.default_rng(6)
    for sa, sb in [((5, 1, 9), (1, 4, 9)), ((2, 3, 1), (2, 1, 6)), ((7,), (7,))]:
        a, b = _cplx(rng, sa, np.complex128), _cplx(rng, sb, np.complex128)
        np.testing.assert_allclose(_fftconv.spectral_product(a.copy(), b), a * b,
                                   rtol=1e-15, atol=1e-15)


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
    cases = [(rng.standard_normal(20000 + 37 * i), rng.standard_normal(300 + i)) for i in range(6)]
    serial = [convcore.oaconvolve(x, h) for x, h in cases]
    got = [None] * len(cases)

    def work(i):
        for _ in range(3):
            got[i] = convcore.oaconvolve(*cases[i])

    ts = [threading.Thread(target=work, args=(i,)) for i in range(len(cases))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for s, g in zip(serial, got):
        np.testing.assert_array_equal(s, g)
