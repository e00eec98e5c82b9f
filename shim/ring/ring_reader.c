/* The ring reader. See ring_reader.h for what it promises; ring.h for the slot protocol. */
#include "ring_reader.h"
#include "ring_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define WORDS (sizeof(struct fl_record) / sizeof(uint64_t))

static int fail(char *err, size_t errlen, const char *what, const char *why, const char *detail)
{
        struct fl_msg m = {err, errlen, 0};

        fl_msg_str(&m, what);
        fl_msg_str(&m, ": ");
        fl_msg_str(&m, why);
        fl_msg_str(&m, detail);
        return -1;
}

/* Points the reader at validated bytes. hdr_copy is the header as checked: the fields that size the
 * slot array come from it, not from the (possibly changing) bytes at base. */
static void point_at(struct fl_ring_reader *r, const void *base, size_t size,
                     const struct fl_ring_header *hdr_copy)
{
        r->base = base;
        r->size = size;
        r->hdr = base;
        r->slots = (const struct fl_record *)((const char *)base + FL_RING_HEADER_SIZE);
        r->capacity = hdr_copy->capacity;
        r->mask = hdr_copy->capacity - 1;
        r->base_realtime = hdr_copy->base_realtime;
        r->base_monotonic = hdr_copy->base_monotonic;
}

static int first_pass(struct fl_ring_reader *r, const char *what, char *err, size_t errlen)
{
        char why[200];

        if (fl_ring_reader_rewind(r, why, sizeof(why)) == 0)
                return 0;
        fail(err, errlen, what, why, "");
        fl_ring_reader_close(r);
        return -1;
}

int fl_ring_reader_open(struct fl_ring_reader *r, const char *path, char *err, size_t errlen)
{
        struct fl_ring_header hdr;
        struct stat st;
        char why[200], num[FL_NUM_TEXT];
        void *map;
        int fd;

        memset(r, 0, sizeof(*r));
        fd = fl_ring_open_fd(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
        if (fd < 0)
                return fail(err, errlen, path, "cannot open: ", fl_errno_name(errno, num));
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                fl_ring_close_fd(fd);
                return fail(err, errlen, path, "not a regular file", "");
        }
        memset(&hdr, 0, sizeof(hdr));
        if (st.st_size > 0 &&
            pread(fd, &hdr, st.st_size < (off_t)sizeof(hdr) ? (size_t)st.st_size : sizeof(hdr), 0) <
                0) {
                fl_ring_close_fd(fd);
                return fail(err, errlen, path,
                            "cannot read the header: ", fl_errno_name(errno, num));
        }
        if (fl_ring_header_check(&hdr, (uint64_t)st.st_size, why, sizeof(why)) < 0) {
                fl_ring_close_fd(fd);
                return fail(err, errlen, path, why, "");
        }
        map = mmap(NULL, (size_t)hdr.size, PROT_READ, MAP_SHARED, fd, 0);
        fl_ring_close_fd(fd);
        if (map == MAP_FAILED)
                return fail(err, errlen, path, "cannot map: ", fl_errno_name(errno, num));
        point_at(r, map, (size_t)hdr.size, &hdr);
        r->mapped = 1;
        return first_pass(r, path, err, errlen);
}

int fl_ring_reader_from_memory(struct fl_ring_reader *r, const void *buf, size_t len, char *err,
                               size_t errlen)
{
        struct fl_ring_header hdr;
        char why[200];

        memset(r, 0, sizeof(*r));
        memset(&hdr, 0, sizeof(hdr));
        memcpy(&hdr, buf, len < sizeof(hdr) ? len : sizeof(hdr));
        if (fl_ring_header_check(&hdr, len, why, sizeof(why)) < 0)
                return fail(err, errlen, "ring", why, "");
        r->owned = malloc(len);
        if (!r->owned)
                return fail(err, errlen, "ring", "out of memory", "");
        memcpy(r->owned, buf, len);
        point_at(r, r->owned, len, &hdr);
        return first_pass(r, "ring", err, errlen);
}

int fl_ring_reader_attach(struct fl_ring_reader *r, const struct fl_ring *ring)
{
        memset(r, 0, sizeof(*r));
        if (!ring->hdr)
                return -1;
        point_at(r, ring->hdr, ring->map_len, ring->hdr);
        /* A ring of our own still gets a private capacity: the one we mapped it with. */
        r->capacity = ring->capacity;
        r->mask = ring->mask;
        return fl_ring_reader_rewind(r, NULL, 0);
}

void fl_ring_reader_close(struct fl_ring_reader *r)
{
        if (r->mapped)
                munmap((void *)r->base, r->size);
        free(r->owned);
        memset(r, 0, sizeof(*r));
}

/* Reads the live counters in the order that makes head >= dropped hold for an honest ring even
 * while writers run: both are monotonic, and every drop is of a claim already counted in head.
 * overwritten is not counted by writers (a locked add on the header's line per record cost more
 * than the rest of the append with two writers): it follows from the counters, since a claim
 * fails only on a slot already taken, so every slot a claim reached was filled once and every
 * later successful claim on it replaced a record. */
static int load_counters(struct fl_ring_reader *r, char *err, size_t errlen)
{
        uint64_t drop = __atomic_load_n(&r->hdr->dropped, __ATOMIC_ACQUIRE);
        uint64_t head = __atomic_load_n(&r->hdr->head, __ATOMIC_ACQUIRE);
        uint64_t filled = head < r->capacity ? head : r->capacity;
        struct fl_msg m = {err, err ? errlen : 0, 0};

        if (head >= FL_RING_BUSY || drop > head || head < r->stats.head) {
                fl_msg_str(&m, "header counters are impossible (head ");
                fl_msg_num(&m, head);
                fl_msg_str(&m, ", dropped ");
                fl_msg_num(&m, drop);
                fl_msg_str(&m, ")");
                return -1;
        }
        r->stats.head = head;
        r->stats.dropped = drop;
        r->stats.written = head - drop;
        r->stats.overwritten = r->stats.written > filled ? r->stats.written - filled : 0;
        return 0;
}

static const uint64_t *slot_word(const struct fl_ring_reader *r, uint64_t seq)
{
        return (const uint64_t *)&r->slots[seq & r->mask];
}

/* A published record with an older seq than the window asks for: its writer was lapped while
 * copying, or the seq for this slot is still in flight. It is older than the whole window. */
static int is_stale(const struct fl_ring_reader *r, uint64_t seq, uint64_t v)
{
        return v && !(v & FL_RING_BUSY) && v < seq && (v & r->mask) == (seq & r->mask);
}

static int in_stale_list(const struct fl_ring_reader *r, uint64_t v)
{
        for (unsigned i = 0; i < r->nstale; i++)
                if (r->stale[i] == v)
                        return 1;
        return 0;
}

static void add_stale(struct fl_ring_reader *r, uint64_t v)
{
        unsigned i = r->nstale;

        if (i == FL_RING_READER_STALE)
                return; /* the rest are returned where the pass finds them */
        for (; i > 0 && r->stale[i - 1] > v; i--)
                r->stale[i] = r->stale[i - 1];
        r->stale[i] = v;
        r->nstale++;
}

int fl_ring_reader_rewind(struct fl_ring_reader *r, char *err, size_t errlen)
{
        if (load_counters(r, err, errlen) < 0)
                return -1;
        r->end = r->stats.head;
        r->cursor = r->end >= r->capacity ? r->end - r->capacity + 1 : 1;
        r->nstale = r->stale_pos = 0;
        r->pending = 0;
        r->follow = 0;
        r->window = 0;
        /* Stale records are older than every seq of the window, so they come first. */
        for (uint64_t seq = r->cursor; seq <= r->end; seq++) {
                uint64_t v = __atomic_load_n(slot_word(r, seq), __ATOMIC_ACQUIRE);

                if (is_stale(r, seq, v))
                        add_stale(r, v);
        }
        return 0;
}

int fl_ring_reader_attach_lazy(struct fl_ring_reader *r, const struct fl_ring *ring)
{
        memset(r, 0, sizeof(*r));
        if (!ring->hdr)
                return -1;
        point_at(r, ring->hdr, ring->map_len, ring->hdr);
        r->capacity = ring->capacity;
        r->mask = ring->mask;
        r->cursor = 1; /* an empty pass: cursor > end */
        return load_counters(r, NULL, 0);
}

int fl_ring_reader_window(struct fl_ring_reader *r, uint64_t first, uint64_t last)
{
        uint64_t oldest;

        if (load_counters(r, NULL, 0) < 0)
                return -1;
        oldest = r->stats.head >= r->capacity ? r->stats.head - r->capacity + 1 : 1;
        r->cursor = first > oldest ? first : oldest;
        r->end = last < r->stats.head ? last : r->stats.head;
        r->nstale = r->stale_pos = 0;
        r->pending = 0;
        r->follow = 0;
        r->window = 1;
        return 0;
}

int fl_ring_reader_poll(struct fl_ring_reader *r, char *err, size_t errlen)
{
        uint64_t first;

        if (load_counters(r, err, errlen) < 0)
                return -1;
        r->follow = 1;
        r->end = r->stats.head;
        first = r->end >= r->capacity ? r->end - r->capacity + 1 : 1;
        if (r->cursor < first) {
                r->stats.lost += first - r->cursor; /* lapped while we slept */
                r->cursor = first;
                r->pending = 0;
        }
        return 0;
}

/* The seqlock read: the payload counts only if the slot word was `want` before and after. */
static int copy_slot(const struct fl_ring_reader *r, uint64_t slot_seq, uint64_t want,
                     struct fl_record *out)
{
        const uint64_t *word = slot_word(r, slot_seq);
        uint64_t buf[WORDS];

        if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != want)
                return 0;
        for (size_t i = 1; i < WORDS; i++)
                buf[i] = __atomic_load_n(&word[i], FL_RING_PAYLOAD_LOAD);
        FL_RING_FENCE(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(word, __ATOMIC_RELAXED) != want)
                return 0;
        buf[0] = want;
        memcpy(out, buf, sizeof(buf));
        return 1;
}

static int got(struct fl_ring_reader *r)
{
        r->stats.records++;
        return 1;
}

/* Follow mode: leave the cursor on a record still being written, up to a patience limit. */
static int wait_for(struct fl_ring_reader *r)
{
        if (!r->follow || r->pending >= FL_RING_READER_PATIENCE)
                return 0;
        r->pending++;
        r->cursor--;
        return 1;
}

static int visit(struct fl_ring_reader *r, uint64_t seq, struct fl_record *out, int *done)
{
        uint64_t v = __atomic_load_n(slot_word(r, seq), __ATOMIC_ACQUIRE);

        if (v == seq) {
                if (copy_slot(r, seq, seq, out))
                        return got(r);
                r->stats.lost++;
        } else if (v & FL_RING_BUSY) {
                if ((v & ~FL_RING_BUSY) == seq && wait_for(r))
                        return *done = 1, 0;
                r->stats.skipped++;
        } else if (v > seq) {
                r->stats.lost++;
        } else if (wait_for(r)) {
                return *done = 1, 0;
        } else {
                r->stats.unpublished++;
                /* A stale record the first scan did not list (it was published since, or the
                 * list was full) is returned here: out of order, but not lost. */
                if (!r->follow && !r->window && is_stale(r, seq, v) && !in_stale_list(r, v)) {
                        if (copy_slot(r, seq, v, out))
                                return got(r);
                        r->stats.lost++;
                }
        }
        r->pending = 0;
        return 0;
}

int fl_ring_reader_next(struct fl_ring_reader *r, struct fl_record *out)
{
        int done = 0;

        while (r->stale_pos < r->nstale) {
                uint64_t v = r->stale[r->stale_pos++];

                if (copy_slot(r, v, v, out))
                        return got(r);
                r->stats.lost++;
        }
        while (!done && r->cursor <= r->end) {
                uint64_t seq = r->cursor++;

                if (visit(r, seq, out, &done)) {
                        r->pending = 0;
                        return 1;
                }
        }
        return 0;
}

int64_t fl_ring_reader_wall_ns(const struct fl_ring_reader *r, uint64_t ts_ns)
{
        /* Unsigned arithmetic: hostile values wrap instead of overflowing a signed sum. */
        return (int64_t)((uint64_t)r->base_realtime + (uint64_t)fl_ring_reader_rel_ns(r, ts_ns));
}

int64_t fl_ring_reader_rel_ns(const struct fl_ring_reader *r, uint64_t ts_ns)
{
        return (int64_t)(ts_ns - (uint64_t)r->base_monotonic);
}
