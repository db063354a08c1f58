"""An opt-in, per-machine cache of measured method choices (FFTW's wisdom).

Set ``CONVCORE_WISDOM`` to a file path before importing convcore.  Then every
``choose_conv_method(..., measure=True)`` records its timings there, and
``method='auto'`` runs the method measured fastest for a problem of the same
key (the op family names its problems: the signal API by mode, shapes and
dtypes), thread count and SIMD level, falling back to the cost model for
problems never measured.  Unset (the default), nothing is read or
written.

Several processes may share one file: a writer holds an exclusive lock on
``<path>.lock`` while it reads, merges and rewrites the file, and the new
content replaces the old one atomically (``os.replace``), so a reader sees
either version, never half of one.
"""
import contextlib
import json
import os
import tempfile

from . import _dispatch
from ._threads import get_num_threads

_FORMAT = 1
_loaded = {"path": None, "mtime": None, "entries": {}}

#: The cache file, or None when the cache is off (read once: 'auto' asks on
#: every call).
PATH = os.environ.get("CONVCORE_WISDOM") or None


def _full_key(key):
    """The caller's problem ``key`` and everything else the fastest method
    depends on, as one string."""
    return f"{key}|threads={get_num_threads()}|isa={_dispatch.isa_level}"


def _read(file):
    try:
        with open(file) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


def _entries(file):
    """The file's entries, re-read only when it changed."""
    try:
        mtime = os.stat(file).st_mtime_ns
    except OSError:
        return {}
    if _loaded["path"] != file or _loaded["mtime"] != mtime:
        _loaded.update(path=file, mtime=mtime, entries=_read(file))
    return _loaded["entries"]


def lookup(key):
    """The method measured fastest for the problem named ``key``, or None."""
    file = PATH
    if file is None:
        return None
    entry = _entries(file).get(_full_key(key))
    return entry.get("method") if isinstance(entry, dict) else None


@contextlib.contextmanager
def _locked(file):
    """An exclusive lock between processes (POSIX; elsewhere the atomic
    replace alone keeps the file whole, but two writers may drop an entry)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(file + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def record(key, method, times):
    """Store the measured choice for the problem named ``key`` (a no-op
    when the cache is off)."""
    file = PATH
    if file is None:
        return
    with _locked(file):
        entries = _read(file)
        entries[_full_key(key)] = {"method": method, "times": times}
        directory = os.path.dirname(os.path.abspath(file))
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".convcore-wisdom-")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump({"format": _FORMAT, "entries": entries}, f, indent=0)
            os.replace(tmp, file)
        except BaseException:
            os.unlink(tmp)
            raise
