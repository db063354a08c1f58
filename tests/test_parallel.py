"""The kernels' thread pool (csrc/cc_parallel.c), through the test entry
point convcore._cpu.parallel_count: every item runs exactly once, on a
worker below the thread count, whatever the chunking, the callers and the
forks."""
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from convcore import _cpu

pytestmark = pytest.mark.skipif(not _cpu.has_threads(), reason="built without the thread pool")


@pytest.mark.parametrize("threads", [1, 2, 3, 8])
@pytest.mark.parametrize("n, chunk", [(0, 1), (1, 1), (2, 1), (7, 3), (1000, 1), (1000, 999),
                                      (100_003, 17), (50, 1000)])
def test_every_item_runs_once(n, chunk, threads):
    counts, workers = _cpu.parallel_count(n, chunk, threads, spin=20)
    assert counts.shape == (n,) and (counts == 1).all()
    assert ((workers >= 0) & (workers < threads)).all()
    # A chunk runs on one worker.
    for start in range(0, n, chunk):
        assert len(set(workers[start:start + chunk])) == 1


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_default_chunking_runs_every_item_once(threads):
    counts, workers = _cpu.parallel_count(100_003, 0, threads, spin=20)
    assert (counts == 1).all() and ((workers >= 0) & (workers < threads)).all()


def test_helpers_take_part():
    """With slow items, the caller does not run them all."""
    _, workers = _cpu.parallel_count(64, 1, 2, spin=200_000)
    assert 1 in workers and _cpu.pool_helpers() >= 1


def test_callers_from_many_python_threads():
    """Python threads calling at once each get every item once (a caller
    that finds the pool busy runs its items itself)."""
    def run(i):
        counts, workers = _cpu.parallel_count(5000 + i, 1 + i % 7, 1 + i % 4, spin=5)
        return bool((counts == 1).all()) and bool((workers < 1 + i % 4).all())

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert all(pool.map(run, range(60)))


def test_a_caller_finding_the_pool_busy_does_not_wait_for_it():
    """While a slow job (about a second) holds the pool and its helpers,
    another caller's job runs on its own thread and returns first."""
    slow = threading.Thread(target=_cpu.parallel_count, args=(3, 1, 3, 250_000_000))
    slow.start()
    try:
        counts, workers = _cpu.parallel_count(1000, 1, 3)
        assert (counts == 1).all()
        assert slow.is_alive()
    finally:
        slow.join(timeout=120)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_gets_a_pool_of_its_own(python_subprocess):
    """After fork the child has no helper threads; its first threaded call
    starts its own instead of waiting for the parent's."""
    code = (
        "import os, sys\n"
        "from convcore import _cpu\n"
        "_cpu.parallel_count(1000, 1, 2, 1000)\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    counts, workers = _cpu.parallel_count(1000, 1, 2, 1000)\n"
        "    os._exit(0 if (counts == 1).all() else 3)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "sys.exit(os.waitstatus_to_exitcode(status))\n")
    proc = python_subprocess(code)
    assert proc.returncode == 0, proc.stderr


def test_bad_arguments():
    for args in ((-1, 1, 1), (5, -1, 1), (5, 1, 0)):
        with pytest.raises(ValueError):
            _cpu.parallel_count(*args)
    counts, _ = _cpu.parallel_count(3, 1, 1)
    assert np.array_equal(counts, [1, 1, 1])
