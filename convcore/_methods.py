"""The method registry of the signal API: every name runs exactly its own
algorithm, and ``'auto'`` chooses only among the names registered here."""
from ._directconv import convolve_direct
from ._fftconv import method_fft, method_oa

# name -> f(p, q, mode): the `mode` window of the full convolution p * q.
METHODS = {
    "direct": lambda p, q, mode: convolve_direct(p, q, mode),
    "fft": method_fft,
    "oa": method_oa,
}


def choose_method(p, q, mode):
    """The method ``'auto'`` runs: with direct the only registered method,
    direct."""
    return "direct"


def run_method(method, p, q, mode):
    if method == "auto":
        method = choose_method(p, q, mode)
    try:
        fn = METHODS[method]
    except (KeyError, TypeError):
        names = ", ".join(repr(m) for m in ("auto", *METHODS))
        raise ValueError(f"Acceptable method flags are {names}; got method={method!r}") from None
    return fn(p, q, mode)
