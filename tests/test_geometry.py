"""Window geometry (convcore/_geometry.py): scipy's modes, FFT crops and
circular lengths, torch's window counts."""
import itertools

import numpy as np
import pytest
import scipy.signal as ss

from convcore import _geometry as g

try:
    import torch
except ImportError:  # the torch rows check the formula's own properties only
    torch = None

SHAPES = [((7,), (3,)), ((3,), (7,)), ((6,), (6,)), ((5, 8), (2, 3)), ((4, 9, 2), (4, 2, 2))]


@pytest.mark.parametrize("s1, s2", SHAPES, ids=str)
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_signal_window_is_scipys_window_of_the_full_convolution(s1, s2, mode):
    if mode == "valid" and not (all(a >= b for a, b in zip(s1, s2))
                                or all(a <= b for a, b in zip(s1, s2))):
        pytest.skip("scipy refuses 'valid' with neither input larger")
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(s1), rng.standard_normal(s2)
    shape, start = g.signal_window(mode, s1, s2)
    full = ss.convolve(a, b, "full", method="direct")
    window = full[tuple(slice(s, s + n) for s, n in zip(start, shape))]
    np.testing.assert_allclose(window, ss.convolve(a, b, mode, method="direct"), atol=1e-12)


def test_correlate2d_same_start_centres_even_kernels_the_other_way():
    assert [g.same_start_centered(n) for n in (1, 2, 3, 4)] == [0, 0, 1, 1]
    assert [g.same_start_corr2d(n) for n in (1, 2, 3, 4)] == [0, 1, 1, 2]


def test_correlation_offsets_restate_the_window_for_the_kernels():
    """out[o] = sum_t x[o + offset + t] * w[t], w the kernel reversed, is
    the full convolution from ``start`` on."""
    rng = np.random.default_rng(2)
    x, k = rng.standard_normal(9), rng.standard_normal(4)
    full = np.convolve(x, k)
    for start in range(len(full)):
        (offset,) = g.correlation_offsets((start,), k.shape)
        w = k[::-1]
        out0 = sum(x[offset + t] * w[t] for t in range(len(w)) if 0 <= offset + t < len(x))
        assert np.isclose(out0, full[start])


def test_crop_window_broadcasts_the_other_axes():
    assert g.crop_window("same", (5, 1, 8), (3, 4, 2), [0, 2]) == [(1, 5), (1, 1), (0, 8)]
    assert g.crop_window("full", (5, 1), (3, 4), [0]) == [(0, 7), (0, 4)]
    assert g.crop_window("valid", (5, 4), (3, 4), [0]) == [(2, 3), (0, 4)]


@pytest.mark.parametrize("n1, n2", [(1, 1), (7, 3), (3, 7), (10, 10), (16, 5)])
def test_circular_length_holds_the_window(n1, n2):
    """The circular convolution of that period equals the linear one on the
    window, and one point less would wrap into it (for some window)."""
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal(n1), rng.standard_normal(n2)
    full = np.convolve(a, b)
    tight = False
    for start, length in itertools.product(range(n1 + n2 - 1), range(1, n1 + n2)):
        if start + length > n1 + n2 - 1:
            continue
        m = g.circular_length(n1, n2, start, length)
        circ = np.real(np.fft.ifft(np.fft.fft(a, m) * np.fft.fft(b, m)))
        np.testing.assert_allclose(circ[start:start + length], full[start:start + length],
                                   atol=1e-9)
        if max(n1, n2) < m - 1 >= start + length:
            shorter = np.real(np.fft.ifft(np.fft.fft(a, m - 1) * np.fft.fft(b, m - 1)))
            tight |= not np.allclose(shorter[start:start + length],
                                     full[start:start + length], atol=1e-9)
    assert tight or n1 + n2 - 1 <= max(n1, n2)


def test_ntuple_follows_torch():
    assert g.ntuple(3, 2, "stride") == (3, 3)
    assert g.ntuple([2], 3, "stride") == (2, 2, 2)
    assert g.ntuple((1, None), 2, "size", allow_none=True) == (1, None)
    with pytest.raises(ValueError, match="stride"):
        g.ntuple((1, 2, 3), 2, "stride")
    with pytest.raises(TypeError, match="stride"):
        g.ntuple(1.5, 2, "stride")
    with pytest.raises(TypeError, match="stride"):
        g.ntuple(True, 2, "stride")
    with pytest.raises(ValueError, match="64-bit"):
        g.ntuple(1 << 63, 1, "padding")


GEOMETRIES = [(size, k, s, p, d) for size in (1, 5, 8, 13) for k in (1, 2, 3)
              for s in (1, 2, 3) for p in (0, 1) for d in (1, 2)
              if size + 2 * p >= d * (k - 1) + 1]


@pytest.mark.parametrize("size, k, s, p, d", GEOMETRIES)
def test_window_count_is_torchs_output_size(size, k, s, p, d):
    count = g.window_count(size, k, s, p, d)
    # Every counted window fits in the padded axis, the next would not.
    extent = d * (k - 1) + 1
    assert (count - 1) * s + extent <= size + 2 * p < count * s + extent
    if torch is not None:
        x = torch.zeros(1, 1, size, dtype=torch.float64)
        w = torch.zeros(1, 1, k, dtype=torch.float64)
        out = torch.nn.functional.conv1d(x, w, stride=s, padding=p, dilation=d)
        assert out.shape[-1] == count
        if p <= k // 2:
            for ceil in (False, True):
                pooled = torch.nn.functional.max_pool1d(x, k, s, p, d, ceil_mode=ceil)
                assert pooled.shape[-1] == g.window_count(size, k, s, p, d, ceil)
