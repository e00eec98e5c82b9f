/* The records of an audited tree: its ring, plus the drop rings beside it (<ring>.drop/<uid>.ring,
 * written by images that dropped privileges and could not open the ring: see
 * shim/ring/ring_drop.c), merged into one list by time. */
#ifndef FL_RINGS_H
#define FL_RINGS_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "ring_reader.h"

struct rings {
        struct fl_record *records; /* main ring in seq order, drop records merged in by ts_ns */
        size_t count;              /* room is left for one more record */
        size_t drop_rings, drop_records, drop_refused;
};

/* Reads the ring at path with *main (opened here, kept open for its stats and clock) and every
 * drop ring beside it. A drop record is kept only when its pid belongs to the tree: a pid the
 * main ring knows, or a child a kept record forked; and only from a file named <uid>.ring owned
 * by that uid, written after the main ring was created. 0, or -1 with a message in err. */
int rings_load(struct rings *rs, const char *path, struct fl_ring_reader *main, char *err,
               size_t errlen);

/* An image that recorded into a drop ring could not read its parent's records (they are in the
 * main ring), so it called every inherited fd a leak: re-decide each from the parent's view at
 * exec (same fd and inode, passed on purpose there). */
void rings_recorrelate(struct rings *rs);

void rings_free(struct rings *rs);

#endif
