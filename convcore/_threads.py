"""One thread count for every kernel of convcore: its own (OpenMP), its BLAS
calls and its FFTs.

The count is held here and passed explicitly to each compiled call (as
scikit-learn passes ``n_threads``); ``omp_set_num_threads`` is never called,
so other libraries sharing the OpenMP runtime keep their own setting.
"""
import contextlib
import operator
import os
import threading

__all__ = ["set_num_threads", "get_num_threads", "threads"]

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
