"""Route scipy.signal's convolution functions to convcore, and back.

The patch rebinds module globals inside the scipy package: every binding
found (by identity) to one of scipy's originals is recorded as
``(module, name, original)`` and pointed at convcore's namesake; unpatching
writes the recorded originals back.  Function objects themselves are never
modified, so scipy is restored exactly.  scipy's originals are recorded
once, before convcore first patches scipy or first needs them
(``_scipy_originals``); convcore's signal functions hand object arrays to
them.
"""
import inspect
import sys
import threading

from . import _signal
from ._scipy_originals import scipy_functions

__all__ = ["patch_scipy", "unpatch_scipy"]

_lock = threading.RLock()

# scipy.signal name -> the convcore function replacing it.
# ``choose_conv_method``'s replacement answers in scipy's method names.
REPLACEMENTS = {
    "convolve": _signal.convolve, "correlate": _signal.correlate,
    "fftconvolve": _signal.fftconvolve, "oaconvolve": _signal.oaconvolve,
    "convolve2d": _signal.convolve2d, "correlate2d": _signal.correlate2d,
    "choose_conv_method": _signal.choose_conv_method_as_scipy,
}


# Kept in the module that defines scipy's convolve: there its only caller is
# scipy's own convolve, which accepts 'auto', 'direct' and 'fft' alone.  A
# reference to scipy's convolve taken before patching (out of reach) then
# still gets a method it knows, never one of convcore's own ('oa', ...).
_KEEP_IN_DEFINING_MODULE = ("choose_conv_method",)

_depth = 0           # patch_scipy() calls not yet undone
_records = []        # (module, name, original, replacement), in patching order
_known_modules = set()  # names of the scipy modules scanned at patch time


def _scipy_modules():
    """The scipy package's imported modules, ``(name, module)``; module
    ``__getattr__`` hooks (lazy and deprecated namespaces) are not run."""
    return [(name, mod) for name, mod in list(sys.modules.items())
            if (name == "scipy" or name.startswith("scipy."))
            and isinstance(getattr(mod, "__dict__", None), dict)]


def _originals():
    """``{id(original): (name, original)}`` for scipy's functions: the
    object ``scipy.signal`` exports and, where it is a wrapper (as under
    ``SCIPY_ARRAY_API=1``), the function it wraps."""
    table = {}
    for name, public in scipy_functions().items():
        for obj in (public, inspect.unwrap(public)):
            table[id(obj)] = (name, obj)
    return table


def _install():
    """Rebind every binding of a scipy original in scipy's imported modules."""
    table = _originals()
    defining = inspect.unwrap(scipy_functions()["convolve"]).__module__
    for modname, mod in _scipy_modules():
        _known_modules.add(modname)
        for key, value in list(vars(mod).items()):
            # The table holds its objects alive, so an equal id is the object.
            hit = table.get(id(value))
            if hit is None:
                continue
            name, original = hit
            if modname == defining and name in _KEEP_IN_DEFINING_MODULE:
                continue
            replacement = REPLACEMENTS[name]
            setattr(mod, key, replacement)
            _records.append((mod, key, original, replacement))


def _uninstall():
    """Write the recorded originals back, then reset the bindings that
    modules imported while patched took from the patched namespaces."""
    for mod, key, original, replacement in reversed(_records):
        # A binding someone else has changed since is theirs to restore.
        if vars(mod).get(key) is replacement:
            setattr(mod, key, original)
    _records.clear()
    # A module imported while patched most likely imported from
    # scipy.signal, so it gets what scipy.signal exports (the function
    # itself unless SCIPY_ARRAY_API wraps it).
    restore = {id(fn): scipy_functions()[name] for name, fn in REPLACEMENTS.items()}
    for modname, mod in _scipy_modules():
        if modname in _known_modules:
            continue
        for key, value in list(vars(mod).items()):
            original = restore.get(id(value))
            if original is not None:
                setattr(mod, key, original)
    _known_modules.clear()


class _Patch:
    """What :func:`patch_scipy` returns: leaving its ``with`` block undoes
    that one call, as :func:`unpatch_scipy` would."""

    def __init__(self):
        self._undone = False

    def __enter__(self):
        if self._undone:
            raise RuntimeError("this patch_scipy() call has been undone already; "
                               "call patch_scipy() again to patch scipy")
        return self

    def __exit__(self, exc_type, exc, tb):
        with _lock:
            if not self._undone:
                self._undone = True
                unpatch_scipy()
        return False

    def __repr__(self):
        return f"<convcore.patch_scipy {'undone' if self._undone else 'active'}>"


def patch_scipy():
    """Run scipy.signal's convolution functions on convcore.

    Every module-level binding inside the scipy package to ``convolve``,
    ``correlate``, ``fftconvolve``, ``oaconvolve``, ``convolve2d``,
    ``correlate2d`` or ``choose_conv_method`` of ``scipy.signal`` is pointed
    at convcore's namesake: ``scipy.signal.convolve is convcore.convolve``,
    and scipy's own functions that call them (``wiener``, ``deconvolve``,
    ``find_peaks_cwt``, ...) run on convcore too.  Existing code that calls
    ``scipy.signal.convolve(...)`` or ``signal.convolve(...)`` gets faster
    without edits.  ``choose_conv_method`` is replaced by a variant of
    convcore's that answers in the method names scipy accepts, ``'direct'``
    and ``'fft'`` (``'im2col'`` is reported as ``'direct'``, ``'oa'`` as
    ``'fft'``), so that any code validating the name accepts it.

    Returns
    -------
    context manager
        ``with convcore.patch_scipy(): ...`` patches for the block only
        (scipy is patched by the call; leaving the block undoes it, also
        on an exception).  Called plainly, scipy stays patched until
        :func:`unpatch_scipy`.

    See Also
    --------
    unpatch_scipy

    Notes
    -----
    What is reached: bindings of scipy's functions (found by identity, under
    any name) in every ``scipy.*`` module imported when the first call
    patches.  The first call imports ``scipy.signal`` and records its
    functions (unless an object array has made convcore record them
    already), nothing more.  A scipy
    module imported later while patched takes convcore's functions from the
    patched namespaces, and is reset by :func:`unpatch_scipy`.

    What is not reached: a name bound outside the scipy package before
    patching, e.g. ``from scipy.signal import convolve`` at the top of a
    module imported earlier, keeps scipy's function (patch first, or call
    ``signal.convolve`` through the module); so do references held in
    containers or objects rather than module globals.  Such a stale
    reference to scipy's ``convolve`` or ``correlate`` still works: its
    inner calls to the other functions run on convcore, while it keeps
    scipy's ``choose_conv_method``.  Conversely, a module imported while
    patched that binds ``from scipy.signal import convolve`` (outside the
    scipy package) keeps convcore's function after unpatching.

    convcore works on NumPy arrays: while patched, these functions no longer
    delegate other array types (CuPy, JAX, ...) as scipy does under
    ``SCIPY_ARRAY_API=1``.

    Calls nest: each ``patch_scipy()`` is undone by one ``unpatch_scipy()``
    or by leaving its ``with`` block, and scipy is restored when the last
    one is undone.  The patch is process-wide (every thread sees it);
    patching and unpatching are serialised by a lock.

    Examples
    --------
    >>> import scipy.signal
    >>> import convcore
    >>> with convcore.patch_scipy():
    ...     scipy.signal.convolve is convcore.convolve
    True
    >>> scipy.signal.convolve is convcore.convolve
    False
    """
    global _depth
    with _lock:
        if _depth == 0:
            try:
                _install()
            except BaseException:
                _uninstall()  # no half-patched scipy
                raise
        _depth += 1
        return _Patch()


def unpatch_scipy():
    """Undo one :func:`patch_scipy` call; the last one puts scipy back.

    Restoring writes back exactly the objects that were replaced, in the
    modules and under the names they were found: afterwards each binding
    is the very object it was before patching.  Bindings to convcore's
    functions in scipy modules imported while patched are reset to scipy's
    functions.  A binding changed by someone else while patched is left
    as they set it.  Without a patch in place, this does nothing.

    See Also
    --------
    patch_scipy
    """
    global _depth
    with _lock:
        if _depth == 0:
            return
        _depth -= 1
        if _depth == 0:
            _uninstall()
