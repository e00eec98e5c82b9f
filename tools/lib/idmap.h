/* Open addressing from a non-zero 64-bit key (a pid, an inode, a pid/tid pair) to an index; sized
 * once for the entries expected, never grown. Exits on out of memory: the tools have nothing to
 * report without it. */
#ifndef FL_IDMAP_H
#define FL_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct idmap {
        uint64_t *keys;
        size_t *values;
        size_t mask;
};

void idmap_init(struct idmap *m, size_t entries);

/* The value slot of key: NULL when absent and !insert; a new slot holds 0. key must not be 0. */
size_t *idmap_slot(struct idmap *m, uint64_t key, int insert);

void idmap_free(struct idmap *m);

#endif
