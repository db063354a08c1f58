"""Section ``fft``: convcore's FFT paths against scipy.signal, as users call
scipy (scipy.fft runs one thread, its default ``workers=None``; convcore uses
its default thread count).

GFLOPS here are *effective*: ``flops`` is the direct-algorithm count of the
same convolution (2 per real multiply-add, 8 per complex one), not the FFTs'
work, for convcore and its peers alike.  Inputs: standard normal, fixed seed.

The targeted cases time ``convcore.convolve`` (auto: the method convcore
chooses for the problem); an untargeted companion times the same algorithm
as the scipy peer (``convcore.oaconvolve``, ``convcore.fftconvolve``).

Case ``fft1d_f64_1M_k1000_full``: its target is 1.8x against the
faster of scipy.signal.fftconvolve and scipy.signal.oaconvolve.  Both are
peers with the same 1.8x target: the ratio against the faster peer is the
smaller one, so both rows PASS exactly when convcore is 1.8x faster than the
faster peer; the slower peer's row adds no condition of its own.
"""
import numpy as np

from ._runner import Case, bytes_moved, direct_flops

SUITE = "signal"
ORDER = 10

FFT = "scipy.signal.fftconvolve"
OA = "scipy.signal.oaconvolve"
SS = "scipy.signal.convolve"


def _inputs(in_shape, k_shape, dtype, seed=12345):
    rng = np.random.default_rng(seed)

    def draw(shape):
        if np.dtype(dtype).kind == "c":
            return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
        return rng.standard_normal(shape)
    return draw(in_shape).astype(dtype), draw(k_shape).astype(dtype)


# Subjects and peers: ``f(x, k, mode)`` -> zero-arg callable.

def _cc_fft(x, k, mode):
    import convcore
    return lambda: convcore.fftconvolve(x, k, mode)


def _cc_oa(x, k, mode):
    import convcore
    return lambda: convcore.oaconvolve(x, k, mode)


def _cc_auto(x, k, mode):
    import convcore
    return lambda: convcore.convolve(x, k, mode=mode)


def _scipy(name, **kw):
    def make(x, k, mode):
        from scipy import signal
        fn = getattr(signal, name)
        return lambda: fn(x, k, mode=mode, **kw)
    return make


def _case(name, title, in_shape, k_shape, dtype, mode, subject, peers, targets, **kw):
    """``peers``: ``{label: f(x, k, mode)}``; convcore runs ``subject``."""
    dt = np.dtype(dtype)
    per_mac = 4 if dt.kind == "c" else 1        # a complex multiply-add: 8 real flops

    def setup():
        x, k = _inputs(in_shape, k_shape, dt)
        competitors = {"convcore": subject(x, k, mode)}
        competitors.update({label: make(x, k, mode) for label, make in peers.items()})
        return competitors

    return Case(name=name, section="fft", title=title, setup=setup,
                flops=per_mac * direct_flops(in_shape, k_shape, mode),
                bytes=bytes_moved(in_shape, k_shape, mode, dt.itemsize),
                dtype=dt.name, input_nbytes=dt.itemsize * int(np.prod(in_shape)),
                targets=targets, **kw)


CASES = [
    _case("fft1d_f64_1M_k1000_full",
          "1-D float64 1,000,000 * 1,000 'full', convcore.convolve (auto)",
          (1_000_000,), (1_000,), np.float64, "full", _cc_auto,
          {FFT: _scipy("fftconvolve"), OA: _scipy("oaconvolve")},
          {FFT: 1.8, OA: 1.8},
          note="effective GFLOPS; target 1.8x vs the faster scipy peer (on both rows)"),
    _case("oa1d_f64_1M_k1000_full",
          "1-D float64 1,000,000 * 1,000 'full', convcore.oaconvolve",
          (1_000_000,), (1_000,), np.float64, "full", _cc_oa,
          {OA: _scipy("oaconvolve")}, {}, quick=False,
          note="the same algorithm on both sides; effective GFLOPS"),
    _case("fft2d_f64_1024_k64_same",
          "2-D float64 1024x1024 * 64x64 'same', convcore.convolve (auto)",
          (1024, 1024), (64, 64), np.float64, "same", _cc_auto,
          {FFT: _scipy("fftconvolve")}, {FFT: 1.8},
          note="effective GFLOPS"),
    _case("fftconvolve2d_f64_1024_k64_same",
          "2-D float64 1024x1024 * 64x64 'same', convcore.fftconvolve",
          (1024, 1024), (64, 64), np.float64, "same", _cc_fft,
          {FFT: _scipy("fftconvolve")}, {}, quick=False,
          note="the same algorithm on both sides; effective GFLOPS"),
    _case("auto1d_f64_10k_k10k_full",
          "1-D float64 10,000 * 10,000 'full', convcore.convolve (auto)",
          (10_000,), (10_000,), np.float64, "full", _cc_auto,
          {SS: _scipy("convolve", method="auto")}, {SS: 1.5},
          note="both pick their method; effective GFLOPS"),
    _case("auto1d_c128_262144_k63_full",
          "1-D complex128 262,144 * 63 'full', convcore.convolve (auto)",
          (262_144,), (63,), np.complex128, "full", _cc_auto,
          {SS: _scipy("convolve", method="auto")}, {SS: 3},
          note="both pick their method; 8 flops per complex multiply-add; no complex peak"),
]
