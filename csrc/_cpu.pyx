# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""CPU features and the kernels' threads, as the compiled code sees them."""
cimport numpy as cnp
from cc_cpu cimport CC_ISA_COUNT, cc_cpu_best_isa, cc_isa, cc_isa_name
from cc_common cimport cc_index_t
from cc_parallel cimport CC_HAVE_PTHREADS, cc_parallel_for, cc_parallel_helpers
import numpy as np

cnp.import_array()

#: ISA level names, lowest first; the index is the level passed to kernels.
ISA_NAMES = tuple(cc_isa_name(<cc_isa>i).decode() for i in range(CC_ISA_COUNT))


def best_isa():
    """The highest ISA level this CPU supports, as an index into ISA_NAMES."""
    return <int>cc_cpu_best_isa()


def has_threads():
    """Whether the kernels' thread pool was built (else one thread runs all)."""
    return bool(CC_HAVE_PTHREADS)


def pool_helpers():
    """Helper threads this module's pool has started (each extension module
    has a pool of its own, started at its first threaded call)."""
    return cc_parallel_helpers()


cdef struct _count_job:
    long long *counts
    int *workers
    int spin


cdef void _count_items(void *ctx, cc_index_t begin, cc_index_t end, int worker) noexcept nogil:
    cdef _count_job *j = <_count_job *>ctx
    cdef cc_index_t i
    cdef int k
    cdef volatile double sink = 0
    for i in range(begin, end):
        j.counts[i] += 1
        j.workers[i] = worker
        for k in range(j.spin):
            sink = sink + k


def parallel_count(Py_ssize_t n, Py_ssize_t chunk, int num_threads, int spin=0):
    """For tests of the pool: runs items [0, n) in chunks on num_threads
    threads (chunk 0: the pool's default chunking), each item adding one to
    its count (and ``spin`` loop steps of work).  Returns (counts, worker of
    each item)."""
    if n < 0 or chunk < 0 or num_threads < 1:
        raise ValueError("n >= 0, chunk >= 0 and num_threads >= 1 required")
    counts = np.zeros(n, np.int64)
    workers = np.full(n, -1, np.intc)
    cdef _count_job j
    j.counts = <long long *>cnp.PyArray_DATA(counts)
    j.workers = <int *>cnp.PyArray_DATA(workers)
    j.spin = spin
    with nogil:
        cc_parallel_for(n, chunk, num_threads, _count_items, &j)
    return counts, workers
