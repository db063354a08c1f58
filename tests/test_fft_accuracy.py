"""The FFT paths are as accurate as scipy's on the inputs users have.

Trends, DC offsets, mains hum under a high-pass filter, large dynamic range
and 2-D ramps put most of one input's energy where the other's spectrum is
small; an algorithm that mixes the two inputs' rounding (two real lines in
one complex transform) then loses digits that scipy keeps.  The contract,
per function, mode and dtype: the largest error against the exact result is
at most 4x scipy's error for the same function, plus
8*eps*(max|exact| + max|in1|*max|in2|).  The exact result is the direct sum
in long double.
"""
import numpy as np
import pytest
import scipy.signal as ss

import convcore

MODES = ("full", "same", "valid")
DTYPES = ("f8", "f4")


def _rng(seed):
    return np.random.default_rng(seed)


def _trend(n=60000):
    """A ramp with a little noise, and the second difference that
    annihilates the ramp ('valid': exactly the noise's)."""
    x = np.arange(n, dtype=float) + 1e-3 * _rng(1).standard_normal(n)
    return x, np.array([1.0, -2.0, 1.0])


def _dc_offset(n=40000):
    """A large constant with small noise, through a zero-sum band-pass."""
    x = 1000.0 + _rng(2).standard_normal(n)
    h = ss.firwin(101, [0.1, 0.3], pass_zero=False)
    return x, h - h.mean()


def _hum(n=88200, fs=44100.0):
    """Audio with 50 Hz hum through a 255-tap high-pass FIR."""
    t = np.arange(n) / fs
    x = (0.5 * np.sin(2 * np.pi * 50 * t) + 0.05 * np.sin(2 * np.pi * 440 * t)
         + 0.01 * _rng(3).standard_normal(n))
    return x, ss.firwin(255, 100, fs=fs, pass_zero=False)


def _dynamic_range(n=30000):
    """Rare spikes of 1e6 over a signal of 1e-3, through a smoothing FIR."""
    rng = _rng(4)
    x = 1e-3 * rng.standard_normal(n)
    x[rng.integers(0, n, 20)] = 1e6
    return x, ss.firwin(63, 0.2)


def _ramp_2d(shape=(300, 280)):
    """A tilted plane with texture, through a Laplacian of Gaussian."""
    y, x = np.mgrid[:shape[0], :shape[1]].astype(float)
    img = 50.0 + 3.0 * x + 2.0 * y + _rng(5).standard_normal(shape)
    g = np.exp(-0.5 * (np.arange(-7, 8) / 2.0) ** 2)
    g2 = np.outer(g, g)
    lap = ss.convolve2d(g2, [[0, 1, 0], [1, -4, 1], [0, 1, 0]], mode="same")
    return img, lap - lap.mean()


def _trend_kernel_first():
    """The long trending input as in2 (scipy's 'same' centres on in1)."""
    x, h = _trend(20000)
    return h, x


INPUTS = {"trend": _trend, "dc-offset": _dc_offset, "hum": _hum,
          "dynamic-range": _dynamic_range, "ramp-2d": _ramp_2d,
          "trend-as-in2": _trend_kernel_first}


def _exact(a, b, mode):
    a, b = a.astype(np.longdouble), b.astype(np.longdouble)
    if a.ndim == 1:
        full = np.convolve(a, b)
        win = ss._signaltools._centered if mode == "same" else None
        if mode == "full":
            return full
        if mode == "same":
            return win(full, a.shape)
        return full[b.size - 1:a.size] if a.size >= b.size else full[a.size - 1:b.size]
    return ss.convolve(a, b, mode, method="direct")


FUNCTIONS = {
    "fftconvolve": (convcore.fftconvolve, ss.fftconvolve),
    "oaconvolve": (convcore.oaconvolve, ss.oaconvolve),
    "convolve-fft": (lambda a, b, m: convcore.convolve(a, b, m, method="fft"),
                     lambda a, b, m: ss.convolve(a, b, m, method="fft")),
    "convolve-auto": (convcore.convolve, ss.convolve),
}

_EXACT = {}


def _case(name, dtype, mode):
    key = (name, dtype, mode)
    if key not in _EXACT:
        a, b = INPUTS[name]()
        a, b = a.astype(dtype), b.astype(dtype)
        _EXACT[key] = a, b, _exact(a, b, mode)
    return _EXACT[key]


def _max_error(got, exact):
    return float(np.max(np.abs(got.astype(np.longdouble) - exact), initial=0))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", INPUTS)
@pytest.mark.parametrize("func", FUNCTIONS)
def test_fft_paths_are_as_accurate_as_scipys(func, name, dtype, mode):
    a, b, exact = _case(name, dtype, mode)
    ours, theirs = FUNCTIONS[func]
    got = ours(a, b, mode)
    assert got.dtype == np.dtype(dtype) and got.shape == exact.shape
    eps = float(np.finfo(dtype).eps)
    scipy_error = _max_error(theirs(a, b, mode), exact)
    bound = 4 * scipy_error + 8 * eps * (float(np.abs(exact).max())
                                         + float(np.abs(a).max()) * float(np.abs(b).max()))
    error = _max_error(got, exact)
    assert error <= bound, f"error {error:.3g}, scipy's {scipy_error:.3g}, bound {bound:.3g}"


def test_the_hum_case_is_one_that_mixed_rounding_fails():
    """The bound is tight enough to catch two real lines packed into one
    complex transform (scaled to equal largest magnitudes), the error this
    suite guards against."""
    a, b, exact = _case("hum", "f8", "same")
    n = a.size + b.size - 1
    s = 2.0 ** (np.frexp(np.abs(a).max())[1] - np.frexp(np.abs(b).max())[1])
    z = np.fft.fft(a + 1j * s * np.pad(b, (0, a.size - b.size)), n)
    zr = np.conj(np.roll(z[::-1], 1))
    packed = np.fft.ifft((z + zr) / 2 * (z - zr) / (2j * s)).real
    got = ss._signaltools._centered(packed, a.shape)
    eps = float(np.finfo("f8").eps)
    bound = 4 * _max_error(ss.fftconvolve(a, b, "same"), exact) + 8 * eps * (
        float(np.abs(exact).max()) + float(np.abs(a).max()) * float(np.abs(b).max()))
    assert _max_error(got, exact) > bound
