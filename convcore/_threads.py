"""One thread count for every kernel of convcore: its own (the thread pool
of csrc/cc_parallel.c), its BLAS calls and its FFTs.

The count is held here and passed explicitly to each compiled call (as
scikit-learn passes ``n_threads``).  :func:`set_num_threads` sets the
process default; :func:`threads` overrides it for the calling Python thread
only (a context variable), so Python threads that hold different counts at
once (Dask's workers, a server's handlers) never see each other's.  BLAS
has no per-call thread argument: :func:`blas_threads` sets its pool size
around the calls through threadpoolctl and puts it back afterwards.
"""
import contextlib
import contextvars
import operator
import os
import threading

__all__ = ["set_num_threads", "get_num_threads", "threads", "blas_threads"]

_lock = threading.Lock()


def _default_num_threads():
    """``OMP_NUM_THREADS`` when set, else the CPUs this process may run on."""
    env = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


_num_threads = _default_num_threads()
# A threads(n) block's count, for the Python thread (and asyncio task) that
# entered it; None: the process default.  A new Python thread starts with
# an empty context, so with the default.
_override = contextvars.ContextVar("convcore_num_threads", default=None)


# The most threads a count may ask for (the kernels' pool runs at most 256,
# csrc/cc_parallel.c; BLAS and pocketfft take any count below this).
MAX_THREADS = 4096


def _check_count(n):
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"n must be an integer, got n={n!r}") from None
    if not 1 <= n <= MAX_THREADS:
        raise ValueError(f"n must be a number of threads from 1 to {MAX_THREADS}, got n={n}")
    return n


def set_num_threads(n):
    """Set the number of threads every convcore kernel uses, process-wide.

    Every Python thread without a :func:`threads` block of its own uses it.

    Parameters
    ----------
    n : int
        A positive thread count.  It governs convcore's own kernels, the
        BLAS calls it makes and the ``workers`` of its FFTs.

    Raises
    ------
    ValueError
        If ``n`` is zero or negative.
    """
    global _num_threads
    n = _check_count(n)
    with _lock:
        _num_threads = n


def get_num_threads():
    """The number of threads convcore's kernels use in the calling Python
    thread: its :func:`threads` block's count, else the process default."""
    n = _override.get()
    return _num_threads if n is None else n


@contextlib.contextmanager
def threads(n):
    """Use ``n`` threads inside a ``with`` block, in the calling Python
    thread only; other threads keep their own count.

    Blocks nest; on leaving one, the count before it applies again.
    """
    token = _override.set(_check_count(n))
    try:
        yield _override.get()
    finally:
        _override.reset(token)


# -- BLAS ----------------------------------------------------------------------

_blas_lock = threading.RLock()
_blas_libraries = None


def _get_blas_libraries():
    """threadpoolctl's controllers of the loaded BLAS libraries, found once
    (scikit-learn's lazily created controller: the search inspects every
    loaded library and takes milliseconds).  First used after convcore's
    BLAS user (scipy.linalg.cython_blas) is imported, so its BLAS is loaded."""
    global _blas_libraries
    with _blas_lock:
        if _blas_libraries is None:
            from threadpoolctl import ThreadpoolController

            controller = ThreadpoolController().select(user_api="blas")
            _blas_libraries = list(controller.lib_controllers)
    return _blas_libraries


@contextlib.contextmanager
def blas_threads(n):
    """Run the BLAS calls of a ``with`` block on ``n`` threads.

    convcore's pool threads each make their own BLAS calls inside
    ``blas_threads(1)``; a single large BLAS call would get ``n``.  A BLAS
    pool size is process-wide, and threadpoolctl lets one Python thread at
    a time change OpenBLAS's (the others' changes are silently dropped), so
    blocks entered by several Python threads take turns: each runs with
    exactly ``n`` BLAS threads, restores the sizes it found, and hands the
    control of OpenBLAS back.  The sizes are set through each library's
    controller: ``threadpool_limits`` would re-read every library's state
    on each call, about 40 us where this takes a few.

    Parameters
    ----------
    n : int
        A positive thread count.
    """
    n = _check_count(n)
    with _blas_lock:
        libraries = _get_blas_libraries()
        changed = []
        try:
            for lib in libraries:
                before = lib.get_num_threads()
                if before is not None and before != n:
                    lib.set_num_threads(n)
                    changed.append((lib, before))
            yield n
        finally:
            for lib, before in changed:
                lib.set_num_threads(before)
            for lib in libraries:
                release = getattr(lib, "clear_controlling_thread", None)
                if release is not None:
                    release()
