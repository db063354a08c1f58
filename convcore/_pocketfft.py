"""scipy.fft's pocketfft transforms, called without the layer around them.

scipy.fft's public functions check their arguments and dispatch through
uarray backends: 5-15 us a call, more than a transform of a few thousand
points takes.  convcore's FFT paths have already fixed the dtypes, lengths
and padding, so they call scipy's own compiled pocketfft module directly.
Where that private module is missing or does not give the public functions'
results (checked once at import), the same transforms run through the
public functions.  Transforms are unnormalised forward and 1/n inverse, as
scipy.fft's default ``norm='backward'``.
"""
import numpy as np
import scipy.fft as sp_fft

_NORM_NONE, _NORM_1_N = 0, 2  # pocketfft's inorm codes


def _raw_module():
    """pypocketfft when it is there and agrees with scipy.fft, else None."""
    try:
        from scipy.fft._pocketfft import pypocketfft as pp
        x = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]])
        spec = pp.r2c(x, (0, 1), True, _NORM_NONE, None, 1)
        full = pp.c2c(spec, (0,), False, _NORM_1_N, None, 1)
        back = pp.c2r(full, (1,), 3, False, _NORM_1_N, None, 1)
        ok = (np.allclose(spec, sp_fft.rfftn(x)) and np.allclose(full, sp_fft.ifft(spec, axis=0))
              and np.allclose(back, x))
    except Exception:  # any failure: the public functions
        return None
    return pp if ok else None


_pp = _raw_module()

#: Whether the transforms bypass scipy.fft's public layer.
RAW = _pp is not None


def _into(y, out):
    if out is None or y is out:
        return y
    out[...] = y
    return out


def r2c(x, axes, workers, out=None):
    """Forward transform of real ``x`` along ``axes`` (no padding): the last
    axis keeps n//2 + 1 values; written into ``out`` when given."""
    axes = tuple(axes)
    if RAW:
        return _pp.r2c(x, axes, True, _NORM_NONE, out, workers)
    return _into(sp_fft.rfftn(x, axes=axes, workers=workers), out)


def c2c(x, axes, forward, workers, out=None):
    """Complex transform of ``x`` along ``axes`` (inverse: divided by the
    points); written into ``out`` (``x`` itself allowed) when given."""
    axes = tuple(axes)
    if RAW:
        return _pp.c2c(x, axes, forward, _NORM_NONE if forward else _NORM_1_N, out, workers)
    fn = sp_fft.fftn if forward else sp_fft.ifftn
    return _into(fn(x, axes=axes, workers=workers, overwrite_x=out is x), out)


def c2r(x, axes, n, workers, out=None):
    """Inverse real transform of Hermitian ``x`` along ``axes``, divided by
    the points; the last axis becomes ``n`` long; written into ``out``
    when given."""
    axes = tuple(axes)
    if RAW:
        return _pp.c2r(x, axes, n, False, _NORM_1_N, out, workers)
    s = [x.shape[a] for a in axes[:-1]] + [n]
    return _into(sp_fft.irfftn(x, s, axes=axes, workers=workers), out)
