"""One thread count for every kernel of convcore: its own (OpenMP), its BLAS
calls and its FFTs.

The count is held here and passed explicitly to each compiled call (as
scikit-learn passes ``n_threads``); ``omp_set_num_threads`` is never called,
so other libraries sharing the OpenMP runtime keep their own setting.  BLAS
has no per-call thread argument: :func:`blas_threads` sets its pool size
around the calls through threadpoolctl and puts it back afterwards.
"""
import contextlib
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


def _check_count(n):
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"n must be an integer, got n={n!r}") from None
    if n < 1:
        raise ValueError(f"n must be a positive number of threads, got n={n}")
    return n


def set_num_threads(n):
    """Set the number of threads every convcore kernel uses.

    Parameters
    ----------
    n : int
        A positive thread count.  It governs convcore's OpenMP kernels, the
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
    """The number of threads convcore's kernels use."""
    return _num_threads


@contextlib.contextmanager
def threads(n):
    """Use ``n`` threads inside a ``with`` block, then restore the count.

    The setting is process-wide, as ``set_num_threads`` is.
    """
    n = _check_count(n)
    previous = get_num_threads()
    set_num_threads(n)
    try:
        yield n
    finally:
        set_num_threads(previous)


# -- BLAS ----------------------------------------------------------------------

_blas_lock = threading.Lock()
_blas_libraries = None  # threadpoolctl controllers of the loaded BLAS libraries
_blas_depth = 0         # blas_threads blocks open in this process
_blas_saved = []        # (controller, count it had) to restore at depth 0


def _blas_controllers():
    """threadpoolctl's controllers of every loaded BLAS, found once (as
    scikit-learn's lazily created ThreadpoolController: the search inspects
    every loaded library and takes milliseconds).  Called after convcore's
    BLAS user (scipy.linalg.cython_blas) is imported, so its BLAS is loaded."""
    global _blas_libraries
    if _blas_libraries is None:
        from threadpoolctl import ThreadpoolController

        _blas_libraries = ThreadpoolController().select(user_api="blas").lib_controllers
    return _blas_libraries


@contextlib.contextmanager
def blas_threads(n):
    """Limit every loaded BLAS to ``n`` threads inside a ``with`` block.

    Used around BLAS calls made from convcore's own OpenMP threads (one
    thread each: the parallelism is outside) or alone (``n`` threads).  The
    BLAS pool size is process-wide: blocks opened concurrently by several
    Python threads share the limit of the first one, and the sizes the BLAS
    libraries had are restored when the last one closes.  Setting a size
    directly through each library's controller costs a few microseconds,
    where ``threadpool_limits`` re-reads every library's state (~30 us).

    Parameters
    ----------
    n : int
        A positive thread count.
    """
    global _blas_depth, _blas_saved
    n = _check_count(n)
    with _blas_lock:
        if _blas_depth == 0:
            _blas_saved = []
            for lib in _blas_controllers():
                before = lib.get_num_threads()
                if before != n:
                    lib.set_num_threads(n)
                    _blas_saved.append((lib, before))
        _blas_depth += 1
    try:
        yield n
    finally:
        with _blas_lock:
            _blas_depth -= 1
            if _blas_depth == 0:
                for lib, before in _blas_saved:
                    lib.set_num_threads(before)
                _blas_saved = []
