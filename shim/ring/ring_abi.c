/* The ring file is shared across ABIs: a 32-bit image appends to the ring a 64-bit tool reads.
 * i386 aligns uint64_t to 4 inside structs, so every 64-bit field must sit at a multiple of 8 by
 * layout alone (and 8-byte aligned in the mapping, for cmpxchg8b): these offsets are the format. */
#include <stddef.h>

#include "record.h"
#include "ring.h"

_Static_assert(offsetof(struct fl_record, seq) == 0 && offsetof(struct fl_record, ts_ns) == 8,
               "record layout");
_Static_assert(offsetof(struct fl_record, pid) == 16 && offsetof(struct fl_record, fd) == 28,
               "record layout");
_Static_assert(offsetof(struct fl_record, flags_applied) == 60, "record layout");
_Static_assert(offsetof(struct fl_record, ino) == 64 && offsetof(struct fl_record, text) == 80,
               "record layout");
_Static_assert(sizeof(struct fl_record) == 128, "record layout");
_Static_assert(offsetof(struct fl_ring_header, size) == 24, "header layout");
_Static_assert(offsetof(struct fl_ring_header, base_monotonic) == 40, "header layout");
_Static_assert(offsetof(struct fl_ring_header, root_pid) == 56, "header layout");
_Static_assert(offsetof(struct fl_ring_header, head) == 64, "header layout");
_Static_assert(offsetof(struct fl_ring_header, dropped) == 80, "header layout");
_Static_assert(offsetof(struct fl_ring_header, tsc) == 128, "header layout");
_Static_assert(offsetof(struct fl_ring_header, tsc.mult) == 136, "header layout");
_Static_assert(offsetof(struct fl_ring_header, tsc.cal_tsc) == 152, "header layout");
_Static_assert(offsetof(struct fl_ring_header, tsc.cal_ns) == 160, "header layout");
