/* The threads of convcore's kernels: a small pool of our own (cc_parallel.c).
 *
 * Work is a range of items cut into fixed chunks.  The caller posts the
 * range, wakes the helpers and works through chunks itself; any thread
 * takes the next chunk (an atomic counter), and the call returns when every
 * *item* is done, not when every thread has arrived.  A helper the OS has
 * not scheduled (the machine is busy) wakes later, finds nothing left and
 * costs nothing; OpenMP's end-of-region barrier would wait a time slice for
 * it.  A helper watches for the next job a moment after each (yielding its
 * core to other threads meanwhile), then sleeps: no long spinning, which
 * takes a core from whatever else the user runs.
 *
 * Results do not depend on the thread count as long as each item writes
 * its own outputs and computes them the same way whichever thread runs it.
 * Calls from several threads at once, or from inside an item, run on the
 * calling thread alone rather than wait for the pool.  After fork() the
 * child starts a pool of its own.  Without pthreads (CC_HAVE_PTHREADS 0)
 * everything runs on the calling thread.
 */
#ifndef CC_PARALLEL_H
#define CC_PARALLEL_H

#include "cc_common.h"

#if defined(CONVCORE_NO_THREADS) || !(defined(__unix__) || defined(__APPLE__))
#define CC_HAVE_PTHREADS 0
#else
#define CC_HAVE_PTHREADS 1
#endif

/* Items [begin, end) of a job, run by `worker`: 0 is the calling thread,
 * 1 .. num_threads-1 the helpers (for per-thread scratch: a worker runs one
 * chunk at a time). */
typedef void (*cc_range_fn)(void *ctx, cc_index_t begin, cc_index_t end, int worker);

/* Runs fn over the items [0, n) in chunks of `chunk` (the last one
 * shorter; CC_PARALLEL_AUTO_CHUNK: cc_parallel_chunk with
 * CC_PARALLEL_CHUNKS_PER_THREAD), every item exactly once, on up to
 * num_threads threads, the caller among them; returns when all are done.
 * fn must not fail: a kernel records errors in its ctx (with atomics when
 * chunks may race). */
#define CC_PARALLEL_AUTO_CHUNK 0
void cc_parallel_for(cc_index_t n, cc_index_t chunk, int num_threads, cc_range_fn fn, void *ctx);

/* A chunk length for n items on num_threads threads: about `per_thread`
 * chunks per thread, so a late or slow thread leaves little behind. */
#define CC_PARALLEL_CHUNKS_PER_THREAD 8
cc_index_t cc_parallel_chunk(cc_index_t n, int num_threads, int per_thread);

/* Helper threads started so far (0 before the first threaded job). */
int cc_parallel_helpers(void);

#endif
