/* The per-thread scratch buffer (contract in cc_scratch.h): a slot per
 * thread behind a pthread key, whose destructor frees it at thread exit. */
#include <pthread.h>
#include <stdlib.h>

#include "cc_scratch.h"

typedef struct {
    void *buf;
    size_t size;
    int busy;
} slot;

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int have_key;

static void slot_free(void *v)
{
    slot *s = (slot *)v;
    free(s->buf);
    free(s);
}

static void make_key(void) { have_key = pthread_key_create(&key, slot_free) == 0; }

/* This thread's slot, created on first use; NULL when none can be had. */
static slot *this_slot(void)
{
    pthread_once(&once, make_key);
    if (!have_key)
        return NULL;
    slot *s = (slot *)pthread_getspecific(key);
    if (!s) {
        s = (slot *)calloc(1, sizeof *s);
        if (s && pthread_setspecific(key, s) != 0) {
            free(s);
            s = NULL;
        }
    }
    return s;
}

void *cc_scratch_acquire(size_t bytes)
{
    slot *s = this_slot();
    if (bytes == 0)
        bytes = 1;
    if (!s || s->busy)
        return malloc(bytes);
    if (s->size < bytes) {
        free(s->buf);
        s->buf = malloc(bytes);
        s->size = s->buf ? bytes : 0;
        if (!s->buf)
            return NULL;
    }
    s->busy = 1;
    return s->buf;
}

void cc_scratch_release(void *p)
{
    slot *s = have_key ? (slot *)pthread_getspecific(key) : NULL;
    if (s && s->busy && p == s->buf) {
        s->busy = 0;
        if (s->size > CC_SCRATCH_KEEP) {
            free(s->buf);
            s->buf = NULL;
            s->size = 0;
        }
        return;
    }
    free(p);
}
