/* The flight recorder: a ring of fixed-size fl_record slots in a MAP_SHARED mapping (a file named
 * by FORKLOCK_LOG, or anonymous memory), shared by a whole process tree. Writers are lock-free and
 * async-signal-safe; when the ring is full the oldest records are overwritten.
 *
 * Layout of a ring (file or memory), little-endian, no pointers:
 *
 *   [0, 4096)                  struct fl_ring_header (one page, so slots start page-aligned)
 *   [4096, 4096 + cap * 128)   cap slots of struct fl_record; cap is a power of two
 *
 * Publication: a slot's first word (fl_record.seq) is its state:
 *   0                  never written
 *   S                  holds the complete record with sequence number S (S & (cap - 1) == slot)
 *   FL_RING_BUSY | S   a writer owns the slot and is copying record S into it
 * A writer claims S = ++head, then CASes the slot word from a published older value to BUSY|S (it
 * never takes a busy slot, so two writers can never copy into one slot at once: if it loses, the
 * record is dropped and counted), copies the payload, and stores S with release order. A reader
 * copies a slot only between two equal reads of that word (a seqlock), so it never returns a torn
 * or overwritten record. A writer killed while copying leaves its slot BUSY forever: readers skip
 * it and count it; later writers landing there drop their record and count it.
 */
#ifndef FL_RING_H
#define FL_RING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "record.h"

#define FL_RING_MAGIC            0x474e49524b524f46ull /* "FORKRING" in file byte order */
#define FL_RING_VERSION          1u
#define FL_RING_HEADER_SIZE      4096u
#define FL_RING_DEFAULT_CAPACITY 65536u
#define FL_RING_MIN_CAPACITY     64u
#define FL_RING_MAX_CAPACITY     16777216u /* 16 Mi records */
#define FL_RING_BUSY             (1ull << 63)

/* The ring's clock where the kernel's clocksource is the TSC (see ring_clock.c): records are
 * stamped ns = cal_ns + ((tsc - cal_tsc) * mult >> shift), the same conversion in every process and
 * ABI that appends, so timestamps stay CLOCK_MONOTONIC nanoseconds and comparable across processes.
 * A ring is created WAITING with base_tsc read together with base_monotonic; the first append 10
 * ms later measures the rate against the vDSO clock and publishes it (READY). Until then, and in
 * every other state, appends read the vDSO clock. */
enum fl_ring_tsc_state {
        FL_RING_TSC_OFF = 0,   /* clock only: not x86, clocksource not tsc, or an older ring */
        FL_RING_TSC_WAITING,   /* base pair taken, rate not measured yet */
        FL_RING_TSC_MEASURING, /* one writer is computing the rate */
        FL_RING_TSC_READY,     /* mult, shift, cal_tsc and cal_ns are set and never change */
};

struct fl_ring_tsc {
        uint32_t state;    /* enum fl_ring_tsc_state, stored with release when it changes */
        uint32_t shift;    /* 0..32 */
        uint64_t mult;     /* below 2^32 */
        uint64_t base_tsc; /* the TSC read together with the header's base_monotonic */
        uint64_t cal_tsc;  /* the pair the conversion starts from */
        int64_t cal_ns;
};

/* Where the counters are: one cache line of their own, away from the read-only fields. */
struct fl_ring_header {
        uint64_t magic;         /* FL_RING_MAGIC, stored last (release) when a ring is created */
        uint32_t version;       /* FL_RING_VERSION */
        uint32_t header_size;   /* FL_RING_HEADER_SIZE */
        uint32_t record_size;   /* sizeof(struct fl_record) == 128 */
        uint32_t capacity;      /* records, a power of two in [MIN, MAX] */
        uint64_t size;          /* header_size + capacity * record_size: the file size */
        int64_t base_realtime;  /* CLOCK_REALTIME, ns, sampled together with... */
        int64_t base_monotonic; /* ...CLOCK_MONOTONIC, ns: wall = base_realtime + ts - base_mono */
        int32_t creator_pid;
        uint32_t flags;   /* FL_RING_ANONYMOUS */
        int32_t root_pid; /* the command forklock run/audit started (its pid), or 0 */
        uint8_t reserved0[4];
        /* offset 64: written by every append */
        uint64_t head;    /* last sequence number claimed (seqs start at 1) */
        uint64_t unused;  /* was `overwritten`: readers now derive it from head and dropped */
        uint64_t dropped; /* claims never published: slot busy, or writer lapped */
        uint8_t reserved1[40];
        /* offset 128: read by every append, written once */
        struct fl_ring_tsc tsc;
        uint8_t reserved2[FL_RING_HEADER_SIZE - 128 - sizeof(struct fl_ring_tsc)];
};

#define FL_RING_ANONYMOUS 1u

_Static_assert(sizeof(struct fl_ring_header) == FL_RING_HEADER_SIZE, "header is one page");

/* A process's handle on a mapped ring. capacity and mask are private copies: a writer never
 * indexes with a value read from shared memory, so a corrupted header cannot send it out of
 * bounds. All zero (hdr == NULL) means "no ring": fl_ring_append then does nothing. */
struct fl_ring {
        struct fl_ring_header *hdr;
        struct fl_record *slots;
        uint32_t capacity;
        uint32_t mask;
        size_t map_len;
        int tsc_ok; /* this process may stamp with the ring's TSC calibration (set when mapped) */
        /* The ring's first image: the command forklock run/audit started, else its creator. */
        pid_t root_pid;
};

/* FORKLOCK_RING: decimal record count. NULL or "" -> default. Not a number, or outside
 * [FL_RING_MIN_CAPACITY, FL_RING_MAX_CAPACITY] -> one fl_warn line and the default. Other values
 * are rounded up to a power of two. */
uint32_t fl_ring_capacity_parse(const char *text);

/* MAP_SHARED|MAP_ANONYMOUS: survives fork, not exec. 0, or -1 with one warning. capacity is
 * rounded/bounded as by fl_ring_capacity_parse (0 -> default). */
int fl_ring_open_anonymous(struct fl_ring *ring, uint32_t capacity);

/* Create (0600, O_CREAT|O_EXCL|O_NOFOLLOW) or join an existing ring file. An existing file is used
 * only if it is a regular file owned by geteuid(), not writable by group/others, with the right
 * magic, version, record size and file size; its capacity comes from its header. Keeps no fd
 * open. 0, or -1 with one fl_warn line (the caller then falls back to anonymous memory). */
int fl_ring_open_file(struct fl_ring *ring, const char *path, uint32_t capacity);

#define FL_RING_FOREIGN 1

/* As fl_ring_open_file, but a ring this process may not use because it belongs to another user
 * (the program dropped privileges: EACCES/EPERM on a file or directory that is not its euid's, or
 * a file owned by another uid) is expected, not an error: FL_RING_FOREIGN without a warning, the
 * file's owner in *owner ((uid_t)-1 when even that cannot be seen). */
int fl_ring_open_mine(struct fl_ring *ring, const char *path, uint32_t capacity, uid_t *owner);

/* The drop ring of an image whose euid is not the owner of the ring at log_path (see ring_drop.c):
 * <log_path>.drop/<euid>.ring, FL_RING_DROP_CAPACITY records. 0, or -1 (silently: a caller that
 * did not make a drop directory did not ask for one). */
#define FL_RING_DROP_CAPACITY 4096u
#define FL_RING_DROP_SUFFIX   ".drop"
int fl_ring_open_drop(struct fl_ring *ring, const char *log_path, uid_t owner);

/* From now on this process stamps its records with the vDSO clock, never the TSC: called before
 * the program's prctl(PR_SET_TSC, PR_TSC_SIGSEGV), after which reading the TSC faults (in the
 * thread that asked, and in every thread and child it starts). Async-signal-safe. */
void fl_ring_forbid_tsc(struct fl_ring *ring);

/* Unmaps; the ring becomes "no ring". */
void fl_ring_close(struct fl_ring *ring);

/* Copies *rec (except seq and ts_ns) into the next slot, stamping ts_ns (CLOCK_MONOTONIC ns: the
 * ring's TSC calibration, or the vDSO) and seq. Lock-free, async-signal-safe, no
 * malloc/stdio/locks, errno preserved: callable from a signal handler and a vfork child. Returns
 * the record's seq, or 0 if there is no ring or the record was dropped (counted in the header). */
uint64_t fl_ring_append(struct fl_ring *ring, const struct fl_record *rec);

/* Expected total size of a ring of this capacity. */
static inline uint64_t fl_ring_size(uint32_t capacity)
{
        return FL_RING_HEADER_SIZE + (uint64_t)capacity * sizeof(struct fl_record);
}

#endif
