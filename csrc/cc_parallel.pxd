# The kernels' thread pool (csrc/cc_parallel.h).
from cc_common cimport cc_index_t

cdef extern from "cc_parallel.h" nogil:
    ctypedef void (*cc_range_fn)(void *ctx, cc_index_t begin, cc_index_t end,
                                 int worker) noexcept nogil
    enum:
        CC_HAVE_PTHREADS
        CC_PARALLEL_CHUNKS_PER_THREAD
    void cc_parallel_for(cc_index_t n, cc_index_t chunk, int num_threads, cc_range_fn fn,
                         void *ctx)
    cc_index_t cc_parallel_chunk(cc_index_t n, int num_threads, int per_thread)
    int cc_parallel_helpers()
