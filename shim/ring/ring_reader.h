/* Reading a ring: validates everything before touching a slot, then yields consistent records
 * oldest first while writers may still be appending. Used by `forklock dump` and the audit.
 *
 * Nothing read from the ring is trusted: the fixed header fields are checked against each other
 * and against the real size at open and copied (never re-read), the live counters are checked on
 * every pass, and a slot is only returned between two equal reads of its sequence word. A hostile
 * or truncated file therefore gives an error, never an out-of-bounds read. (A file truncated by
 * another process *after* it was mapped raises SIGBUS on access, as any mapping does: the dump
 * tool handles that signal.) No malloc except fl_ring_reader_from_memory's copy; no stdio. */
#ifndef FL_RING_READER_H
#define FL_RING_READER_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "ring.h"

struct fl_ring_stats {
        /* The header's counters at the last rewind/poll. written = head - dropped. */
        uint64_t head, written, overwritten, dropped;
        /* This reader's passes, cumulative since open. */
        uint64_t records;     /* records returned */
        uint64_t skipped;     /* slots found BUSY: being written, or abandoned by a killed writer */
        uint64_t lost;        /* records overwritten by writers while this reader got to them */
        uint64_t unpublished; /* claimed seqs not in their slot: in flight, dropped or abandoned */
};

#define FL_RING_READER_STALE 32

struct fl_ring_reader {
        const unsigned char *base;
        size_t size;
        void *owned; /* from_memory's private copy, freed by close */
        int mapped;  /* base was mmapped by open, unmapped by close */
        int follow;  /* set by poll: wait for in-flight records instead of skipping them */
        int window;  /* set by window: records older than the pass are not returned */
        const struct fl_ring_header *hdr;
        const struct fl_record *slots;
        uint32_t capacity, mask; /* private copies, validated at open */
        int64_t base_realtime;   /* wall-clock base, copied at open */
        int64_t base_monotonic;
        uint64_t cursor, end;                 /* seqs still to visit in this pass: [cursor, end] */
        uint64_t stale[FL_RING_READER_STALE]; /* older records found in window slots, sorted */
        unsigned nstale, stale_pos;
        unsigned pending; /* polls spent waiting on the record at cursor */
        struct fl_ring_stats stats;
};

/* How many polls --follow waits for an in-flight record before counting it unpublished. */
#define FL_RING_READER_PATIENCE 20

/* Open a ring file read-only (any owner: reading is not trusting). 0, or -1 with "PATH: reason"
 * in err. The first pass is ready (as after fl_ring_reader_rewind). */
int fl_ring_reader_open(struct fl_ring_reader *r, const char *path, char *err, size_t errlen);

/* The same checks over bytes in memory (copied, so any alignment is fine): the fuzzing entry. */
int fl_ring_reader_from_memory(struct fl_ring_reader *r, const void *buf, size_t len, char *err,
                               size_t errlen);

/* Read a ring this process has mapped for writing (the audit, tests). */
int fl_ring_reader_attach(struct fl_ring_reader *r, const struct fl_ring *ring);

/* The same with no pass yet: nothing is read but the header's counters, so attaching costs the
 * same whatever the ring's size. Passes are then made with fl_ring_reader_window. */
int fl_ring_reader_attach_lazy(struct fl_ring_reader *r, const struct fl_ring *ring);

void fl_ring_reader_close(struct fl_ring_reader *r);

/* Start a pass over everything now in the ring, oldest first. -1 with a reason in err when the
 * header counters are impossible (head < dropped, or head past 2^63). */
int fl_ring_reader_rewind(struct fl_ring_reader *r, char *err, size_t errlen);

/* Start a pass over seqs [first, last] only, clamped to what the ring holds now (stats.head is
 * the head it saw). Without rewind's scan for stale records: it touches the window's slots and no
 * others, and returns no record older than the window. -1 when the counters are impossible. */
int fl_ring_reader_window(struct fl_ring_reader *r, uint64_t first, uint64_t last);

/* Extend the current pass to records appended since, without repeating any already returned
 * (tail -f). Switches the reader to follow mode: a record still being written makes next()
 * return 0 and is retried on the next poll, up to FL_RING_READER_PATIENCE polls. */
int fl_ring_reader_poll(struct fl_ring_reader *r, char *err, size_t errlen);

/* The next consistent record of the pass into *out (seq filled in): 1, or 0 at the end. */
int fl_ring_reader_next(struct fl_ring_reader *r, struct fl_record *out);

/* ts_ns of a record as nanoseconds since the epoch, and since the ring was created. */
int64_t fl_ring_reader_wall_ns(const struct fl_ring_reader *r, uint64_t ts_ns);
int64_t fl_ring_reader_rel_ns(const struct fl_ring_reader *r, uint64_t ts_ns);

/* Reverse of fl_call_name/fl_decision_name: the enum value, or -1. */
int fl_call_from_name(const char *name);
int fl_decision_from_name(const char *name);

#endif
