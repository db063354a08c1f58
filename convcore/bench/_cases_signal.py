"""Section ``signal``: convcore.convolve against scipy.signal (auto and its
methods), numpy.convolve (1-D), scipy.ndimage, OpenCV and torch, all cores in use (convcore's default thread count; cv2 and
torch set to the same count; scipy runs single-threaded, as it comes).

Every case convolves uniform [0, 1) random data (fixed seed) and checks,
before timing, that each peer computes the numbers convcore computes.
"""
import numpy as np

from ._runner import Case, Missing, bytes_moved, direct_flops, optional_import

SUITE = "signal"
ORDER = 0

SS = "scipy.signal.convolve"
SS_DIRECT = "scipy.signal.convolve(direct)"
SS_FFT = "scipy.signal.convolve(fft)"
NP = "numpy.convolve"
ND = "scipy.ndimage.convolve"
CV = "cv2.filter2D"
TORCH = "torch.nn.functional.conv{}d"


def _threads():
    import convcore
    return convcore.get_num_threads()


def _inputs(in_shape, k_shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random(in_shape).astype(dtype), rng.random(k_shape).astype(dtype)


# Peers: each returns a zero-arg callable, or Missing.  Conversions of the
# inputs (flipped kernels, tensors) happen here, once, outside the timing.

def _convcore(x, k, mode):
    import convcore
    return lambda: convcore.convolve(x, k, mode=mode)


def _scipy_signal(x, k, mode, method="auto"):
    from scipy import signal
    return lambda: signal.convolve(x, k, mode=mode, method=method)


def _numpy(x, k, mode):
    return lambda: np.convolve(x, k, mode=mode)


def _ndimage(x, k):
    # ndimage.convolve centres odd kernels as signal's 'same' does, with
    # zero padding for mode='constant', cval=0 (checked at set-up anyway).
    from scipy import ndimage
    return lambda: ndimage.convolve(x, k, mode="constant", cval=0.0)


def _cv2(x, k):
    cv2 = optional_import("cv2")
    if isinstance(cv2, Missing):
        return cv2
    cv2.setNumThreads(_threads())
    kf = np.ascontiguousarray(cv2.flip(k, -1))   # filter2D correlates
    return lambda: cv2.filter2D(x, -1, kf, borderType=cv2.BORDER_CONSTANT)


def _torch(x, k):
    torch = optional_import("torch")
    if isinstance(torch, Missing):
        return torch
    torch.set_num_threads(_threads())
    conv = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d,
            3: torch.nn.functional.conv3d}[x.ndim]
    xt = torch.from_numpy(x)[None, None]
    kt = torch.from_numpy(np.ascontiguousarray(k[(slice(None, None, -1),) * k.ndim]))[None, None]

    def run():
        with torch.no_grad():
            return conv(xt, kt, padding="same")
    return run


def _case(name, title, in_shape, k_shape, dtype, mode, peers, targets, **kw):
    """A convolution case; ``peers(x, k, mode)`` returns ``{label: callable}``."""
    itemsize = np.dtype(dtype).itemsize

    def setup():
        x, k = _inputs(in_shape, k_shape, dtype)
        competitors = {"convcore": _convcore(x, k, mode)}
        competitors.update(peers(x, k, mode))
        return competitors

    return Case(name=name, section="signal", title=title, setup=setup,
                flops=direct_flops(in_shape, k_shape, mode),
                bytes=bytes_moved(in_shape, k_shape, mode, itemsize),
                dtype=np.dtype(dtype).name, input_nbytes=itemsize * int(np.prod(in_shape)),
                targets=targets, **kw)


CASES = [
    _case("conv2d_f64_512_k5_same", "2-D float64 512x512 * 5x5 'same'",
          (512, 512), (5, 5), np.float64, "same",
          lambda x, k, mode: {SS: _scipy_signal(x, k, mode),
                              ND: _ndimage(x, k),
                              SS_DIRECT: _scipy_signal(x, k, mode, "direct"),
                              SS_FFT: _scipy_signal(x, k, mode, "fft"),
                              CV: _cv2(x, k),
                              TORCH.format(2): _torch(x, k)},
          {SS: 10, ND: 5, SS_DIRECT: 100, CV: 1.5},
          max_rounds={SS_DIRECT: 5},
          note="scipy.signal.convolve picks FFT here"),
    _case("conv2d_f32_512_k5_same", "2-D float32 512x512 * 5x5 'same'",
          (512, 512), (5, 5), np.float32, "same",
          lambda x, k, mode: {CV: _cv2(x, k),
                              SS: _scipy_signal(x, k, mode),
                              ND: _ndimage(x, k)},
          {CV: 1.5}),
    _case("conv2d_f32_2048_k3_same", "2-D float32 2048x2048 * 3x3 'same' (memory-bound)",
          (2048, 2048), (3, 3), np.float32, "same",
          lambda x, k, mode: {CV: _cv2(x, k),
                              SS: _scipy_signal(x, k, mode),
                              TORCH.format(2): _torch(x, k)},
          {CV: 1.5}, bandwidth_target=0.95),
    _case("conv1d_f64_1M_k31_full", "1-D float64 1,000,000 * 31 'full'",
          (1_000_000,), (31,), np.float64, "full",
          lambda x, k, mode: {SS: _scipy_signal(x, k, mode),
                              NP: _numpy(x, k, mode)},
          {SS: 5}, note="scipy.signal.convolve calls np.convolve here"),
    _case("conv2d_f64_64_k3_same", "2-D float64 64x64 * 3x3 'same', per call",
          (64, 64), (3, 3), np.float64, "same",
          lambda x, k, mode: {SS: _scipy_signal(x, k, mode)},
          {SS: 5}, note="small: call overhead; times are per call"),
    _case("conv3d_f32_64_k5_same", "3-D float32 64^3 * 5^3 'same'",
          (64, 64, 64), (5, 5, 5), np.float32, "same",
          lambda x, k, mode: {ND: _ndimage(x, k),
                              TORCH.format(3): _torch(x, k)},
          {ND: 10}),
]
