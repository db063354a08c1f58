/* The kernels' thread pool (contract in cc_parallel.h).
 *
 * One job runs at a time.  Its chunks are claimed through one 64-bit
 * ticket, the job's generation in the high half and the next chunk in the
 * low half, so a helper that wakes after its job has ended (and another
 * begun) fails its claim instead of taking a chunk of a job it does not
 * know.  Items done are counted in `done`; the caller waits for that count,
 * never for the helpers themselves.
 *
 * Linux: after an idle spell the kernel may wake a helper on the CPU of the
 * thread that woke it, the caller, and the two then share one core until
 * the load balancer moves one; on a VM whose other vCPU sleeps that lasts
 * whole calls (a 2-vCPU EPYC guest ran a third to a half of its 2-thread
 * calls at one-thread speed).  A helper that starts a job on the caller's
 * CPU therefore narrows its affinity to the process's CPUs less that one,
 * which moves it at once (pool_steer).
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE  /* sched_getcpu, pthread_setaffinity_np, CPU_SET */
#endif
#include "cc_parallel.h"

cc_index_t cc_parallel_chunk(cc_index_t n, int num_threads, int per_thread)
{
    const cc_index_t parts = (cc_index_t)CC_MAX(num_threads, 1) * CC_MAX(per_thread, 1);
    return CC_MAX((cc_index_t)1, n / parts);
}

#if CC_HAVE_PTHREADS

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#define CC_POOL_MAX_HELPERS 255
/* Chunks per job: the low half of the ticket. */
#define CC_POOL_MAX_CHUNKS ((cc_index_t)0xFFFFFFF0)
/* Polls of `done` before the caller sleeps: a helper that is running
 * finishes its chunk within microseconds; one that was preempted may take
 * a time slice, and the caller then sleeps rather than take a core. */
#define CC_POOL_SPINS 2000
/* How long a helper watches for the next job before it sleeps: calls made
 * back to back (a loop over images, a layer after a layer) then find it
 * awake, where waking a sleeping thread can take longer than the call (an
 * idle vCPU of a VM wakes in 0.1 to several ms).  Short, and with the core
 * offered to other threads meanwhile, so a busy machine loses little. */
#define CC_POOL_WATCH_NS 200000
/* Helper stacks: the kernels keep small scratch on the stack. */
#define CC_POOL_STACK_BYTES ((size_t)4 << 20)

typedef struct {
    pthread_mutex_t lock;      /* guards gen, the job fields, helpers */
    pthread_cond_t wake;       /* helpers sleep here between jobs */
    pthread_cond_t finished;   /* the caller sleeps here for the last items */
    pthread_mutex_t busy;      /* held by the caller of the running job */
    int helpers;
    uint32_t gen;
    uint32_t start_gen[CC_POOL_MAX_HELPERS + 1];  /* gen when helper i started */
    /* The running job (read under lock). */
    cc_range_fn fn;
    void *ctx;
    cc_index_t n, chunk;
    int want;                  /* helpers 1..want take part */
    int caller_cpu;            /* the caller's CPU, or -1 */
    _Atomic uint64_t ticket;   /* gen << 32 | next chunk */
    _Atomic cc_index_t done;   /* items done */
} cc_pool;

static cc_pool pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                       PTHREAD_COND_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* The child of a fork has only the thread that forked: a fresh pool. */
static void pool_after_fork(void)
{
    pthread_mutex_init(&pool.lock, NULL);
    pthread_cond_init(&pool.wake, NULL);
    pthread_cond_init(&pool.finished, NULL);
    pthread_mutex_init(&pool.busy, NULL);
    pool.helpers = 0;
}

#if defined(__linux__)
static cpu_set_t pool_cpus;    /* the process's CPUs when the pool started */
static int pool_ncpus;

static int current_cpu(void) { return sched_getcpu(); }

/* Moves the calling helper off `caller`'s CPU when it runs there. */
static void pool_steer(int caller)
{
    if (caller < 0 || pool_ncpus < 2 || sched_getcpu() != caller)
        return;
    cpu_set_t set = pool_cpus;
    CPU_CLR(caller, &set);
    if (CPU_COUNT(&set) > 0)
        pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}
#else
static int current_cpu(void) { return -1; }
static void pool_steer(int caller) { (void)caller; }
#endif

static void pool_init(void)
{
    pthread_atfork(NULL, NULL, pool_after_fork);
#if defined(__linux__)
    if (sched_getaffinity(0, sizeof pool_cpus, &pool_cpus) == 0)
        pool_ncpus = CPU_COUNT(&pool_cpus);
#endif
}

/* Claims the next chunk of job `gen`: 1 and *c, or 0 when the job has
 * none left or has ended. */
static int claim(uint32_t gen, cc_index_t nchunks, cc_index_t *c)
{
    uint64_t t = atomic_load_explicit(&pool.ticket, memory_order_relaxed);
    for (;;) {
        if ((uint32_t)(t >> 32) != gen || (cc_index_t)(t & 0xFFFFFFFFu) >= nchunks)
            return 0;
        if (atomic_compare_exchange_weak_explicit(&pool.ticket, &t, t + 1,
                                                  memory_order_acquire, memory_order_relaxed)) {
            *c = (cc_index_t)(t & 0xFFFFFFFFu);
            return 1;
        }
    }
}

static void work(uint32_t gen, cc_range_fn fn, void *ctx, cc_index_t n, cc_index_t chunk,
                 int worker)
{
    const cc_index_t nchunks = (n + chunk - 1) / chunk;
    cc_index_t c;
    while (claim(gen, nchunks, &c)) {
        const cc_index_t begin = c * chunk, end = CC_MIN(n, begin + chunk);
        fn(ctx, begin, end, worker);
        const cc_index_t before = atomic_fetch_add_explicit(&pool.done, end - begin,
                                                            memory_order_acq_rel);
        if (worker && before + (end - begin) == n) {
            /* Under the lock: the caller checks `done` and sleeps under it. */
            pthread_mutex_lock(&pool.lock);
            pthread_cond_signal(&pool.finished);
            pthread_mutex_unlock(&pool.lock);
        }
    }
}

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Watches the ticket (CC_POOL_WATCH_NS) for a job after `seen`. */
static void watch_for_job(uint32_t seen)
{
    const int64_t until = now_ns() + CC_POOL_WATCH_NS;
    for (;;) {
        for (int i = 0; i < 64; ++i) {
            if ((uint32_t)(atomic_load_explicit(&pool.ticket, memory_order_relaxed) >> 32) != seen)
                return;
            cpu_relax();
        }
        if (now_ns() > until)
            return;
        sched_yield();
    }
}

static void *helper_main(void *arg)
{
    const int worker = (int)(intptr_t)arg;
#if defined(__linux__)
    pthread_setname_np(pthread_self(), "convcore-pool");  /* as top -H shows it */
#endif
    pthread_mutex_lock(&pool.lock);
    uint32_t seen = pool.start_gen[worker];
    for (;;) {
        while (pool.gen == seen)
            pthread_cond_wait(&pool.wake, &pool.lock);
        seen = pool.gen;
        if (worker > pool.want)
            continue;
        const cc_range_fn fn = pool.fn;
        void *const ctx = pool.ctx;
        const cc_index_t n = pool.n, chunk = pool.chunk;
        const int caller = pool.caller_cpu;
        pthread_mutex_unlock(&pool.lock);
        pool_steer(caller);
        work(seen, fn, ctx, n, chunk, worker);
        watch_for_job(seen);
        pthread_mutex_lock(&pool.lock);
    }
    return NULL;
}

/* Starts helpers up to `want` (under lock); returns how many there are. */
static int grow(int want)
{
    pthread_attr_t attr;
    if (pool.helpers >= want || pthread_attr_init(&attr) != 0)
        return CC_MIN(pool.helpers, want);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, CC_POOL_STACK_BYTES);
    while (pool.helpers < want) {
        const int worker = pool.helpers + 1;
        pthread_t thread;
        pool.start_gen[worker] = pool.gen;
        if (pthread_create(&thread, &attr, helper_main, (void *)(intptr_t)worker) != 0)
            break;  /* fewer threads, same results */
        pool.helpers = worker;
    }
    pthread_attr_destroy(&attr);
    return CC_MIN(pool.helpers, want);
}

static void wait_done(cc_index_t n)
{
    for (int i = 0; i < CC_POOL_SPINS; ++i) {
        if (atomic_load_explicit(&pool.done, memory_order_acquire) == n)
            return;
        cpu_relax();
    }
    pthread_mutex_lock(&pool.lock);
    while (atomic_load_explicit(&pool.done, memory_order_acquire) != n)
        pthread_cond_wait(&pool.finished, &pool.lock);
    pthread_mutex_unlock(&pool.lock);
}

void cc_parallel_for(cc_index_t n, cc_index_t chunk, int num_threads, cc_range_fn fn, void *ctx)
{
    if (n <= 0)
        return;
    if (chunk == CC_PARALLEL_AUTO_CHUNK)
        chunk = cc_parallel_chunk(n, num_threads, CC_PARALLEL_CHUNKS_PER_THREAD);
    chunk = CC_MAX(chunk, CC_MAX((cc_index_t)1, (n + CC_POOL_MAX_CHUNKS - 1) / CC_POOL_MAX_CHUNKS));
    const cc_index_t nchunks = (n + chunk - 1) / chunk;
    int want = (int)CC_MIN((cc_index_t)CC_MIN(num_threads - 1, CC_POOL_MAX_HELPERS), nchunks - 1);
    if (want <= 0 || pthread_mutex_trylock(&pool.busy) != 0) {
        fn(ctx, 0, n, 0);
        return;
    }
    pthread_once(&pool_once, pool_init);
    pthread_mutex_lock(&pool.lock);
    want = grow(want);
    const uint32_t gen = ++pool.gen;
    pool.fn = fn;
    pool.ctx = ctx;
    pool.n = n;
    pool.chunk = chunk;
    pool.want = want;
    pool.caller_cpu = current_cpu();
    atomic_store_explicit(&pool.done, 0, memory_order_relaxed);
    atomic_store_explicit(&pool.ticket, (uint64_t)gen << 32, memory_order_release);
    if (want > 0)
        pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    work(gen, fn, ctx, n, chunk, 0);
    wait_done(n);
    pthread_mutex_unlock(&pool.busy);
}

int cc_parallel_helpers(void)
{
    pthread_mutex_lock(&pool.lock);
    const int helpers = pool.helpers;
    pthread_mutex_unlock(&pool.lock);
    return helpers;
}

#else  /* no threads: the caller runs everything */

void cc_parallel_for(cc_index_t n, cc_index_t chunk, int num_threads, cc_range_fn fn, void *ctx)
{
    (void)chunk;
    (void)num_threads;
    if (n > 0)
        fn(ctx, 0, n, 0);
}

int cc_parallel_helpers(void)
{
    return 0;
}

#endif
