"""Thread count API, its default, thread-count invariance and concurrent
callers."""
import json
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import convcore
from convcore._signal_methods import METHODS
from _reference import random_array, seed_for


@pytest.fixture(autouse=True)
def _restore_threads():
    before = convcore.get_num_threads()
    yield
    convcore.set_num_threads(before)


# -- the API -------------------------------------------------------------------

def test_set_get():
    convcore.set_num_threads(3)
    assert convcore.get_num_threads() == 3
    convcore.set_num_threads(1)
    assert convcore.get_num_threads() == 1
    convcore.set_num_threads(np.int64(2))  # any integer type
    assert convcore.get_num_threads() == 2
    assert type(convcore.get_num_threads()) is int


def test_context_manager_restores():
    convcore.set_num_threads(2)
    with convcore.threads(1):
        assert convcore.get_num_threads() == 1
        with convcore.threads(5):
            assert convcore.get_num_threads() == 5
        assert convcore.get_num_threads() == 1
    assert convcore.get_num_threads() == 2


def test_context_manager_restores_on_error():
    convcore.set_num_threads(2)
    with pytest.raises(KeyError):
        with convcore.threads(7):
            raise KeyError("boom")
    assert convcore.get_num_threads() == 2


@pytest.mark.parametrize("n", [0, -1, -8, 4097, 2**40])
def test_non_positive_counts_raise_value_error(n):
    convcore.set_num_threads(2)
    with pytest.raises(ValueError, match=f"n={n}"):
        convcore.set_num_threads(n)
    with pytest.raises(ValueError, match=f"n={n}"):
        with convcore.threads(n):
            pass
    assert convcore.get_num_threads() == 2


@pytest.mark.parametrize("n", [1.0, 2.5, "2", None, [2]], ids=repr)
def test_non_integers_raise_type_error(n):
    convcore.set_num_threads(2)
    with pytest.raises(TypeError):
        convcore.set_num_threads(n)
    with pytest.raises(TypeError):
        with convcore.threads(n):
            pass
    assert convcore.get_num_threads() == 2


# -- the default, in fresh interpreters -----------------------------------------

_REPORT = ("import json, os, convcore; print(json.dumps({'threads': convcore.get_num_threads(),"
           " 'affinity': len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity')"
           " else None}))")


def _report(run_python, env, prelude=""):
    proc = run_python(prelude + _REPORT, env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_default_is_the_cpus_this_process_may_use(python_subprocess):
    info = _report(python_subprocess, {"OMP_NUM_THREADS": None})
    if hasattr(os, "sched_getaffinity"):
        assert info["threads"] == info["affinity"] == len(os.sched_getaffinity(0))
    else:
        assert info["threads"] == os.cpu_count()


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"),
                    reason="pinning a process needs sched_setaffinity (Linux)")
def test_default_follows_affinity_not_cpu_count(python_subprocess):
    """Pinned to one CPU before import: one thread, whatever os.cpu_count()."""
    cpu = sorted(os.sched_getaffinity(0))[0]
    info = _report(python_subprocess, {"OMP_NUM_THREADS": None},
                   prelude=f"import os; os.sched_setaffinity(0, {{{cpu}}}); ")
    assert info["affinity"] == 1
    assert info["threads"] == 1


_STEER_CHILD = """
import json, os
import numpy as np
import convcore, convcore.nn as nn
x = np.ones((4, 16, 40, 40), np.float32)
w = np.ones((16, 16, 3, 3), np.float32)

def helpers():
    tids = []
    for tid in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{tid}/comm") as f:
            if f.read().strip() == "convcore-pool":
                tids.append(int(tid))
    return tids

with convcore.threads(2):
    nn.conv2d(x, w, padding=1, method="direct")  # starts the helper
    cpus = sorted(os.sched_getaffinity(0))
    cpu = cpus[0]
    os.sched_setaffinity(0, {cpu})               # the caller
    for tid in helpers():
        os.sched_setaffinity(tid, {cpu})          # and the helper on its CPU
    # The helper moves when it next starts a job on the caller's CPU.
    for _ in range(200):
        nn.conv2d(x, w, padding=1, method="direct")
        if all(cpu not in os.sched_getaffinity(t) for t in helpers()):
            break
    print(json.dumps({"cpu": cpu, "cpus": cpus,
                      "helpers": [sorted(os.sched_getaffinity(t)) for t in helpers()]}))
"""


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="steering threads needs sched_setaffinity (Linux) and 2 CPUs")
def test_a_helper_that_starts_a_job_on_the_callers_cpu_moves_off_it(python_subprocess):
    """The pool's helper, put on the caller's CPU, leaves it out of its
    affinity once it takes a job there (two threads sharing one core would
    run at one thread's speed)."""
    proc = python_subprocess(_STEER_CHILD)
    assert proc.returncode == 0, proc.stderr[-2000:]
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    assert info["helpers"], "no convcore-pool thread found"
    for affinity in info["helpers"]:
        assert affinity == [c for c in info["cpus"] if c != info["cpu"]]


def test_omp_num_threads_wins(python_subprocess):
    info = _report(python_subprocess, {"OMP_NUM_THREADS": "3"})
    assert info["threads"] == 3


# -- results do not depend on the thread count ------------------------------------

INVARIANCE_CASES = [
    ((300_000,), (31,), np.float64),
    ((300_000,), (31,), np.float32),
    ((700, 900), (5, 5), np.float32),
    ((700, 900), (5, 5), np.float64),
    ((40, 60, 70), (3, 4, 5), np.float64),
    ((40, 60, 70), (3, 4, 5), np.float32),
    ((300, 400), (7, 3), np.complex128),
    ((300, 400), (7, 3), np.int32),
]


@pytest.mark.parametrize("shape1, shape2, dtype", INVARIANCE_CASES,
                         ids=lambda v: np.dtype(v).name if isinstance(v, type) else str(v))
@pytest.mark.parametrize("fn", ["convolve", "correlate"])
@pytest.mark.parametrize("method", ["auto", *sorted(METHODS)])
def test_thread_count_invariance(shape1, shape2, dtype, fn, method):
    """1, 2 and 3 threads give bit-identical results, for every method."""
    rng = np.random.default_rng(seed_for(shape1, shape2, np.dtype(dtype).name))
    if np.dtype(dtype).kind == "i":
        # small enough for the FFT methods to be exact too
        a = rng.integers(-1000, 1000, shape1).astype(dtype)
        b = rng.integers(-1000, 1000, shape2).astype(dtype)
    else:
        a = random_array(rng, shape1, dtype)
        b = random_array(rng, shape2, dtype)
    mode = "same"
    results = []
    for n in (1, 2, 3):
        with convcore.threads(n):
            results.append(getattr(convcore, fn)(a, b, mode, method))
    for other in results[1:]:
        assert other.dtype == results[0].dtype
        assert np.array_equal(results[0], other)


@pytest.mark.parametrize("fn", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
def test_thread_count_invariance_2d(fn, boundary):
    rng = np.random.default_rng(1)
    a = random_array(rng, (700, 900), np.float32)
    b = random_array(rng, (5, 5), np.float32)
    with convcore.threads(1):
        one = getattr(convcore, fn)(a, b, "full", boundary, 0.5)
    with convcore.threads(2):
        two = getattr(convcore, fn)(a, b, "full", boundary, 0.5)
    assert np.array_equal(one, two)


def test_concurrent_python_threads_match_serial():
    """Eight Python threads calling at once, with mixed shapes and dtypes,
    get exactly the serial results."""
    rng = np.random.default_rng(4)
    jobs = []
    for i in range(32):
        dtype = [np.float32, np.float64, np.int16, np.complex64][i % 4]
        fn = ["convolve", "correlate", "convolve2d", "correlate2d"][(i // 4) % 4]
        shape1 = (120 + 7 * i, 90 + 5 * i)
        shape2 = (1 + i % 6, 2 + i % 5)
        mode = ["full", "same", "valid"][i % 3]
        jobs.append((fn, random_array(rng, shape1, dtype), random_array(rng, shape2, dtype),
                     mode))
    jobs.append(("convolve", random_array(rng, (200_000,), np.float64),
                 random_array(rng, (17,), np.float64), "same"))

    def run(job):
        fn, a, b, mode = job
        return getattr(convcore, fn)(a, b, mode)

    serial = [run(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(2):
            concurrent = list(pool.map(run, jobs))
            for s, c in zip(serial, concurrent):
                assert s.dtype == c.dtype
                assert np.array_equal(s, c)


# -- threads(n) belongs to the calling Python thread ---------------------------------

def test_threads_blocks_of_concurrent_python_threads_stay_apart():
    """Python threads inside threads(n) blocks at the same moment each see
    their own count; a thread without a block sees the process default,
    and set_num_threads inside a block leaves the block's count in force."""
    import threading

    convcore.set_num_threads(2)
    inside = threading.Barrier(4)
    seen = {}

    def hold(n):
        with convcore.threads(n):
            inside.wait(timeout=30)
            seen[n] = convcore.get_num_threads()
            inside.wait(timeout=30)
        seen[-n] = convcore.get_num_threads()

    def plain():
        inside.wait(timeout=30)
        seen["default"] = convcore.get_num_threads()
        inside.wait(timeout=30)

    workers = [threading.Thread(target=hold, args=(n,)) for n in (1, 5, 7)]
    workers.append(threading.Thread(target=plain))
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=60)
    assert seen == {1: 1, 5: 5, 7: 7, -1: 2, -5: 2, -7: 2, "default": 2}
    with convcore.threads(3):
        convcore.set_num_threads(4)
        assert convcore.get_num_threads() == 3
    assert convcore.get_num_threads() == 4


def test_threads_blocks_reach_the_kernels_of_their_own_thread(monkeypatch):
    """Each Python thread's calls run with its own count: the counts the
    im2col kernel receives, recorded per call, are the caller's."""
    import threading

    from convcore import _im2col

    calls = []
    real = _im2col.correlate

    def record(*args, **kwargs):
        calls.append((threading.get_ident(), args[5]))
        return real(*args, **kwargs)

    monkeypatch.setattr(_im2col, "correlate", record)
    a, b = np.ones((64, 64)), np.ones((3, 3))
    ready = threading.Barrier(2)
    idents = {}

    def run(n):
        idents[threading.get_ident()] = n
        with convcore.threads(n):
            ready.wait(timeout=30)
            for _ in range(20):
                convcore.convolve(a, b, "same", method="im2col")

    workers = [threading.Thread(target=run, args=(n,)) for n in (1, 3)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=60)
    assert len(calls) == 40
    assert all(n == idents[ident] for ident, n in calls)
