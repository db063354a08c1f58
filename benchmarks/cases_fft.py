"""FFT-family benchmark cases, as data.

Each case: (name, setup, target) where setup() returns {label: zero-arg
callable}, the first label being convcore and the second its peer, and
target is the speed-up over the peer the case should reach.  The peer is
scipy as users call it (scipy.signal.fftconvolve runs scipy.fft with
workers=None, one thread: its default).
"""
import numpy as np
import scipy.signal as ss

import convcore


def _rng():
    return np.random.default_rng(12345)


def _oa_1d():
    r = _rng()
    x, h = r.standard_normal(1_000_000), r.standard_normal(1_000)
    fft_t, oa_t = _quick_time(lambda: ss.fftconvolve(x, h)), _quick_time(lambda: ss.oaconvolve(x, h))
    peer = ss.fftconvolve if fft_t < oa_t else ss.oaconvolve
    return {"convcore.oaconvolve": lambda: convcore.oaconvolve(x, h),
            f"scipy.signal.{peer.__name__}": lambda: peer(x, h)}


def _fft_2d_same():
    r = _rng()
    x, h = r.standard_normal((1024, 1024)), r.standard_normal((64, 64))
    return {"convcore.fftconvolve": lambda: convcore.fftconvolve(x, h, "same"),
            "scipy.signal.fftconvolve": lambda: ss.fftconvolve(x, h, "same")}


def _equal_1d_auto():
    r = _rng()
    x, h = r.standard_normal(10_000), r.standard_normal(10_000)
    return {"convcore.convolve": lambda: convcore.convolve(x, h),
            "scipy.signal.convolve": lambda: ss.convolve(x, h)}


def _complex_short_auto():
    r = _rng()
    x = r.standard_normal(262_144) + 1j * r.standard_normal(262_144)
    h = r.standard_normal(63) + 1j * r.standard_normal(63)
    return {"convcore.convolve": lambda: convcore.convolve(x, h),
            "scipy.signal.convolve": lambda: ss.convolve(x, h)}


def _quick_time(fn, repeat=3):
    import time
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


CASES = [
    ("1-D f64 1e6 * 1e3 full vs best of scipy fftconvolve/oaconvolve", _oa_1d, 1.8),
    ("2-D f64 1024^2 * 64^2 same vs scipy fftconvolve", _fft_2d_same, 1.8),
    ("1-D f64 1e4 * 1e4 full, auto vs scipy convolve auto", _equal_1d_auto, 1.5),
    ("1-D c128 262144 * 63 full, auto vs scipy convolve auto", _complex_short_auto, 3.0),
]


def measure(setup, rounds=15):
    """Interleaved medians: each round runs every callable once, in turn."""
    import time
    fns = setup()
    for fn in fns.values():  # warm-up
        fn()
    times = {k: [] for k in fns}
    for _ in range(rounds):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: float(np.median(v)) for k, v in times.items()}


if __name__ == "__main__":
    import sys
    from convcore import _dispatch
    print(f"simd={_dispatch.ISA_NAMES[_dispatch.isa_level]} threads={convcore.get_num_threads()}")
    which = sys.argv[1:]
    for i, (name, setup, target) in enumerate(CASES):
        if which and str(i) not in which:
            continue
        med = measure(setup)
        (ours, t_ours), (peer, t_peer) = list(med.items())
        print(f"{name}: {ours} {t_ours * 1e3:.2f} ms, {peer} {t_peer * 1e3:.2f} ms, "
              f"ratio {t_peer / t_ours:.2f}x (target {target}x)")
