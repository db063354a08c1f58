/* A scratch buffer per calling thread, kept between calls.
 *
 * The first write to each page of a fresh multi-megabyte allocation is a
 * page fault (some 3 us each on the 2-vCPU EPYC dev box, a VM), and
 * whether malloc hands back mapped pages depends on what else the process
 * did: once torch had run a convolution in the same process, every 3x3
 * 256->256 14x14 N=8 direct convolution faulted 544 times on its 2.4 MB of
 * packed weights (0 before torch ran, 0 with this buffer).  A driver takes
 * its one large buffer per call from here: the calling thread's buffer,
 * grown when too small and kept (up to CC_SCRATCH_KEEP bytes) for its next
 * call, freed when the thread exits.  One holder per thread at a time; a
 * second acquire before the release gets a plain allocation.  The pool's
 * workers may use the buffer while the holder's call runs. */
#ifndef CC_SCRATCH_H
#define CC_SCRATCH_H

#include <stddef.h>

/* Largest buffer a thread keeps between calls. */
#define CC_SCRATCH_KEEP ((size_t)64 << 20)

/* At least `bytes` (malloc's alignment), or NULL when out of memory. */
void *cc_scratch_acquire(size_t bytes);
/* Gives back what cc_scratch_acquire returned (NULL is fine). */
void cc_scratch_release(void *p);

#endif
