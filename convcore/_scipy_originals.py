"""scipy.signal's own convolution functions, recorded before any patching.

What :func:`convcore.patch_scipy` replaces and puts back, and what
convcore's signal functions hand object arrays to (scipy computes them in
exact Python arithmetic).
"""
import inspect
import threading

NAMES = ("convolve", "correlate", "fftconvolve", "oaconvolve", "convolve2d", "correlate2d",
         "choose_conv_method")

_lock = threading.Lock()
_scipy = {}


def scipy_functions():
    """``{name: the object scipy.signal exports}``, recorded at the first
    call (importing scipy.signal then, not with convcore): the originals
    that patching replaces and unpatching puts back, and what convcore hands
    object arrays to.  This copy of convcore records them before it first
    patches scipy; should another copy (imported anew after its modules were
    dropped from ``sys.modules``) have patched scipy by then, that copy's
    record is taken, so these are always scipy's own functions."""
    with _lock:
        if not _scipy:
            import scipy.signal

            exported = {name: getattr(scipy.signal, name) for name in NAMES}
            bare = inspect.unwrap(exported["convolve"])
            if not (bare.__module__ or "").startswith("scipy."):
                # convcore's convolve; its module (_signal) holds its copy's record.
                other = getattr(bare, "__globals__", {}).get("_scipy_originals")
                record = getattr(other, "scipy_functions", None)
                if record is not None:
                    exported = dict(record())
            _scipy.update(exported)
    return _scipy
