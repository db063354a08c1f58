"""The transforms convcore calls (convcore._pocketfft) against scipy.fft's
public functions, both when they bypass scipy.fft's public layer and when
they fall back to it."""
import numpy as np
import pytest
import scipy.fft as sp_fft

from convcore import _pocketfft

RNG = np.random.default_rng(7)
DTYPES = [np.float32, np.float64, np.longdouble]
SHAPES_AXES = [((17,), (0,)), ((6, 9), (1,)), ((6, 9), (0, 1)), ((4, 5, 8), (0, 2)),
               ((3, 1, 10), (2,)), ((1,), (0,))]


@pytest.fixture(params=["raw", "public"])
def backend(request, monkeypatch):
    if request.param == "raw" and not _pocketfft.RAW:
        pytest.skip("scipy's pocketfft module is not usable here")
    monkeypatch.setattr(_pocketfft, "RAW", request.param == "raw")
    return request.param


def _close(got, ref):
    assert got.shape == ref.shape and got.dtype == ref.dtype
    eps = np.finfo(ref.dtype).eps
    np.testing.assert_allclose(got, ref, rtol=0, atol=100 * eps * max(1.0, np.abs(ref).max()))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape_axes", SHAPES_AXES, ids=str)
def test_transforms_match_scipy_fft(backend, dtype, shape_axes):
    shape, axes = shape_axes
    x = RNG.standard_normal(shape).astype(dtype)
    spec = _pocketfft.r2c(x, axes, 2)
    _close(spec, sp_fft.rfftn(x, axes=axes))
    z = spec.copy()
    _close(_pocketfft.c2c(z, axes[:1], True, 1), sp_fft.fftn(spec, axes=axes[:1]))
    _close(_pocketfft.c2c(z, axes, False, 2), sp_fft.ifftn(spec, axes=axes))
    np.testing.assert_array_equal(z, spec)  # inputs are not modified
    n = shape[axes[-1]]
    back = _pocketfft.c2r(spec, axes, n, 1)
    _close(back, sp_fft.irfftn(spec, [shape[a] for a in axes], axes=axes))
    _close(back, x)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_results_go_into_out(backend, dtype):
    x = (RNG.standard_normal((8, 6)) + 1j * RNG.standard_normal((8, 6))).astype(dtype)
    ref = sp_fft.fft(x, axis=0)
    inplace = x.copy()
    assert _pocketfft.c2c(inplace, (0,), True, 1, out=inplace) is inplace
    _close(inplace, ref)
    ws = np.full((10, 4), np.nan, dtype)
    real = x.real.copy()
    got = _pocketfft.r2c(real, (1,), 1, out=ws[1:9])
    _close(ws[1:9], sp_fft.rfft(real, axis=1))
    assert got.base is ws or got is ws[1:9] or np.shares_memory(got, ws)
    assert np.isnan(ws[0]).all() and np.isnan(ws[9]).all()


def test_inverse_real_goes_into_strided_out(backend):
    """The split-line path writes polyphase lines interleaved: out is a
    transposed view."""
    x = RNG.standard_normal((4, 6))
    spec = sp_fft.rfft(x, axis=1)
    line = np.full(24, np.nan)
    _pocketfft.c2r(spec, (1,), 6, 1, out=line.reshape(6, 4).T)
    _close(line.reshape(6, 4).T, x)
