"""The method registry of the signal API: every name runs exactly its own
algorithm, and ``'auto'`` chooses only among the names registered here."""
import math

import numpy as np
import scipy.fft as sp_fft

from ._directconv import convolve_direct
from ._fftconv import conv_window, method_fft, method_oa, plan_oa
from ._im2colconv import method_im2col

# name -> f(p, q, mode): the `mode` window of the full convolution p * q.
METHODS = {
    "direct": lambda p, q, mode: convolve_direct(p, q, mode),
    "fft": method_fft,
    "oa": method_oa,
    "im2col": method_im2col,
}

# Provisional cost model of 'auto' (the calibrated one replaces this table
# and choose_method).  Seconds per unit, fitted by hand on the development
# machine (AMD EPYC Zen 3, 2 cores, AVX2+FMA, 2 threads, float64, medians
# of 5 runs of convolve(method=...) on the shapes below, machine loaded by
# other jobs, so rough):
#   direct: per multiply-add of the direct kernel (1-D 20000x500 and
#           1e6x16: 0.066-0.084 ns; 2-D 512^2x7^2 .. 256^2x31^2:
#           0.07-0.11 ns; complex128 runs the scalar kernel: 1.45 ns)
#   fft:    per n*log2(n) of each of the 3 transforms (0.4-1.6 ns; complex
#           transforms cost about twice a real one)
#   oa:     per unit of _fftconv.oa_cost (0.8-1.7 ns)
#   fixed:  the FFT paths' per-call overhead over direct (~60 us)
_DIRECT_S = {"f8": 0.08e-9, "f4": 0.05e-9, "c": 1.5e-9, "int": 0.4e-9}
_FFT_S = {"real": 1.0e-9, "complex": 2.0e-9}
_OA_S = {"real": 1.2e-9, "complex": 2.4e-9}
_FFT_FIXED_S = 60e-6


def _direct_macs(s1, s2, mode):
    """Multiply-adds the direct kernel performs (taps outside the input are
    skipped): a product over axes of each axis' tap count."""
    macs = 1
    for n1, n2 in zip(s1, s2):
        if mode == "full":
            macs *= n1 * n2
        elif mode == "valid":
            macs *= (max(n1, n2) - min(n1, n2) + 1) * min(n1, n2)
        else:
            macs *= n1 * n2 - (n2 // 2) * ((n2 + 1) // 2) if n1 >= n2 else n1 * n2
    return macs


def _exact_in_float(p, q, result):
    """scipy's rule for integer results through floating FFTs: the largest
    possible sum of products must stay below 2**52.  convcore also keeps it
    inside the result dtype, so 'auto' never trades the direct method's
    wrap-around for a float-to-int cast."""
    def peak(a):
        if a.dtype.kind == "b":
            return int(a.any())
        return max(abs(int(a.max())), abs(int(a.min())))
    bound = peak(p) * peak(q) * min(p.size, q.size)
    return bound <= 2 ** np.finfo(np.float64).nmant - 1 and bound <= np.iinfo(result).max


def choose_method(p, q, mode):
    """The method ``'auto'`` runs for the ``mode`` window of ``p * q``:
    'direct', 'fft' or 'oa', whichever the provisional cost model says is
    fastest, among those that give the direct method's answer: never an FFT
    for bool results, nor for integer results that floats could get wrong."""
    if p.ndim == 0 or p.size == 0 or q.size == 0:
        return "direct"
    result = np.result_type(p, q)
    if result.kind == "b" or result.kind not in "iufc":
        return "direct"
    if result.kind in "iu" and not _exact_in_float(p, q, result):
        return "direct"
    if result.kind in "iu":
        direct_s = _DIRECT_S["int"]
    elif result.kind == "c":
        direct_s = _DIRECT_S["c"]
    else:
        direct_s = _DIRECT_S["f4"] if result.itemsize <= 4 else _DIRECT_S["f8"]
    kind = "complex" if result.kind == "c" else "real"
    t_direct = direct_s * _direct_macs(p.shape, q.shape, mode)
    if t_direct < _FFT_FIXED_S:
        return "direct"
    if mode == "valid" and any(a < b for a, b in zip(p.shape, q.shape)):
        p, q = q, p
    axes = list(range(p.ndim))
    size = 1
    for (start, length), n1, n2 in zip(conv_window(mode, p.shape, q.shape, axes),
                                       p.shape, q.shape):
        need = max(n1 + n2 - 1 - start, start + length, n1, n2)
        size *= sp_fft.next_fast_len(need, kind == "real")
    t_fft = _FFT_FIXED_S + _FFT_S[kind] * 3 * size * math.log2(max(size, 2))
    lens = tuple(zip(p.shape, q.shape))
    if min(t_direct, t_fft) <= _FFT_FIXED_S + _OA_S[kind] * _oa_cost_floor(lens):
        # Overlap-add cannot win: skip planning it (a search over block sizes).
        return "direct" if t_direct <= t_fft else "fft"
    _, oa_units = plan_oa(lens, kind == "real")
    t_oa = _FFT_FIXED_S + _OA_S[kind] * oa_units
    best = min((t_direct, "direct"), (t_fft, "fft"), (t_oa, "oa"))
    return best[1]


def _oa_cost_floor(lens):
    """A lower bound of ``_fftconv.oa_cost`` over every plan: the blocks of
    each axis cover its longer length (nsteps * N >= n_long), every block is
    at least max(2K - 2, 2) long, and the long input's blocks are transformed
    forward and back (2 * nblocks * size * log2(size))."""
    covered = math.prod(max(a, b) for a, b in lens)
    smallest_block = math.prod(max(2 * min(a, b) - 2, 2) for a, b in lens)
    return 2 * covered * math.log2(smallest_block)


def run_method(method, p, q, mode):
    if method == "auto":
        method = choose_method(p, q, mode)
    try:
        fn = METHODS[method]
    except (KeyError, TypeError):
        names = ", ".join(repr(m) for m in ("auto", *METHODS))
        raise ValueError(f"Acceptable method flags are {names}; got method={method!r}") from None
    return fn(p, q, mode)
