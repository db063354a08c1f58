/* Variant selection, the one idiom of every family's config: a table of
 * variants, each tagged with the ISA level it needs and what it computes
 * (a family's key: a dtype code, or a (dtype, op) pair folded into one int),
 * searched for the best one a call may run.
 *
 * A family's variant struct starts with a cc_variant_tag, so a table of
 * them is searched through the tag alone.  The scalar reference of each key
 * is in the table at CC_ISA_SCALAR, so every valid key finds one.
 */
#ifndef CC_DISPATCH_H
#define CC_DISPATCH_H

#include "cc_common.h"
#include "cc_cpu.h"

typedef void (*cc_fnptr)(void);  /* any function; cast back before calling */

typedef struct {
    cc_isa isa;  /* the level the variant needs */
    int key;     /* what it computes, in the family's numbering */
} cc_variant_tag;

/* The index of the variant for `key` at the highest level <= isa and <= the
 * CPU's (the first such in table order), or -1 when none has the key.
 * table: count entries of entry_size bytes, each starting with its tag.
 * *chosen (if not NULL) gets the variant's level, CC_ISA_SCALAR when none. */
CC_INLINE ptrdiff_t cc_select_variant(const void *table, size_t count, size_t entry_size,
                                      int key, cc_isa isa, cc_isa *chosen)
{
    ptrdiff_t best = -1;
    cc_isa level = CC_ISA_SCALAR;
    /* Never above what the CPU has, whatever the caller asks. */
    isa = CC_MIN(isa, cc_cpu_best_isa());
    for (size_t i = 0; i < count; ++i) {
        const cc_variant_tag *v =
            (const cc_variant_tag *)((const char *)table + i * entry_size);
        if (v->key == key && v->isa <= isa && (best < 0 || v->isa > level)) {
            best = (ptrdiff_t)i;
            level = v->isa;
        }
    }
    if (chosen)
        *chosen = level;
    return best;
}

/* cc_select_variant over a whole array of variant structs. */
#define CC_SELECT_VARIANT(table, key, isa, chosen) \
    cc_select_variant((table), sizeof(table) / sizeof((table)[0]), sizeof((table)[0]), \
                      (key), (isa), (chosen))

#endif
