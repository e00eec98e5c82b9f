/* The ring: capacity rules, header initialisation, the lock-free append, anonymous mappings. */
#include "ring.h"
#include "hot.h"
#include "ring_clock.h"
#include "ring_internal.h"
#include "warn.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define WORDS (sizeof(struct fl_record) / sizeof(uint64_t))

static uint32_t round_up_pow2(uint32_t n)
{
        uint32_t p = FL_RING_MIN_CAPACITY;

        while (p < n)
                p <<= 1;
        return p;
}

uint32_t fl_ring_capacity_normalise(uint32_t capacity)
{
        if (capacity == 0)
                return FL_RING_DEFAULT_CAPACITY;
        if (capacity > FL_RING_MAX_CAPACITY)
                return FL_RING_MAX_CAPACITY;
        return round_up_pow2(capacity);
}

uint32_t fl_ring_capacity_parse(const char *text)
{
        uint64_t value = 0;
        const char *p = text;

        if (!text || !*text)
                return FL_RING_DEFAULT_CAPACITY;
        for (; *p >= '0' && *p <= '9' && value <= FL_RING_MAX_CAPACITY; p++)
                value = value * 10 + (uint64_t)(*p - '0');
        if (*p || value < FL_RING_MIN_CAPACITY || value > FL_RING_MAX_CAPACITY) {
                fl_warn("warning: FORKLOCK_RING=", text,
                        " is not a record count in 64..16777216; using 65536", NULL);
                return FL_RING_DEFAULT_CAPACITY;
        }
        return round_up_pow2((uint32_t)value);
}

/* Everything but the magic, which the caller publishes last so that a process opening a file
 * that is still being created never sees a half-initialised header as valid. */
void fl_ring_header_init(struct fl_ring_header *hdr, uint32_t capacity, uint32_t flags)
{
        hdr->version = FL_RING_VERSION;
        hdr->header_size = FL_RING_HEADER_SIZE;
        hdr->record_size = sizeof(struct fl_record);
        hdr->capacity = capacity;
        hdr->size = fl_ring_size(capacity);
        fl_ring_clock_create(hdr);
        hdr->creator_pid = getpid();
        hdr->flags = flags;
}

void fl_ring_bind(struct fl_ring *ring, void *map, const struct fl_ring_header *seen,
                  uint32_t capacity, size_t map_len)
{
        ring->hdr = map;
        ring->slots = (struct fl_record *)((char *)map + FL_RING_HEADER_SIZE);
        ring->capacity = capacity;
        ring->mask = capacity - 1;
        ring->map_len = map_len;
        ring->tsc_ok = fl_ring_clock_join(seen);
        ring->root_pid = seen->root_pid ? seen->root_pid : seen->creator_pid;
}

int fl_ring_open_anonymous(struct fl_ring *ring, uint32_t capacity)
{
        char num[FL_NUM_TEXT];
        size_t len;
        void *map;

        capacity = fl_ring_capacity_normalise(capacity);
        len = (size_t)fl_ring_size(capacity);
        map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (map == MAP_FAILED) {
                fl_warn("cannot map an anonymous ring: ", fl_errno_name(errno, num), NULL);
                memset(ring, 0, sizeof(*ring));
                return -1;
        }
        fl_ring_header_init(map, capacity, FL_RING_ANONYMOUS);
        __atomic_store_n(&((struct fl_ring_header *)map)->magic, FL_RING_MAGIC, __ATOMIC_RELEASE);
        fl_ring_bind(ring, map, map, capacity, len);
        return 0;
}

void fl_ring_close(struct fl_ring *ring)
{
        if (ring->hdr)
                munmap(ring->hdr, ring->map_len);
        memset(ring, 0, sizeof(*ring));
}

/* Takes the slot for seq, or says why not. Never takes a BUSY slot (another writer is copying, or
 * died copying) and never replaces a newer record (this writer was lapped before it got here). */
static FL_HOT int claim_slot(struct fl_ring *ring, uint64_t *word, uint64_t seq)
{
        /* The first access is the compare-and-swap itself, with the value a slot most likely holds
         * (never written, or the record a lap ago): in a process that has not touched the slot's
         * page yet (every fork child and new image, at its first records), a load first would
         * fault the page in read-only and the swap would fault again to make it writable, ~1.5 us
         * each. A wrong guess costs nothing more: the swap fails and hands back the real value. */
        uint64_t cur = seq > ring->capacity ? seq - ring->capacity : 0;

        do {
                if ((cur & FL_RING_BUSY) || cur >= seq)
                        return -1;
        } while (!__atomic_compare_exchange_n(word, &cur, FL_RING_BUSY | seq, 1, __ATOMIC_ACQUIRE,
                                              __ATOMIC_RELAXED));
        return 0;
}

/* The record read as the words it is copied in. */
typedef uint64_t record_word __attribute__((may_alias));

FL_HOT uint64_t fl_ring_append(struct fl_ring *ring, const struct fl_record *rec)
{
        struct fl_ring_header *hdr = ring->hdr;
        const record_word *payload = (const record_word *)rec;
        uint64_t *word, seq, ts;

        if (!hdr)
                return 0;
        /* The sequence number before the clock: the header's first access in a process is then
         * a write, one page fault instead of a read fault and a write fault (the calibration the
         * clock reads sits in the same page). */
        seq = __atomic_add_fetch(&hdr->head, 1, __ATOMIC_RELAXED);
        ts = fl_ring_clock_now(ring);
        word = (uint64_t *)&ring->slots[seq & ring->mask];
        if (claim_slot(ring, word, seq) < 0) {
                __atomic_add_fetch(&hdr->dropped, 1, __ATOMIC_RELAXED);
                return 0;
        }
        /* Orders the BUSY mark before the payload stores, pairing with the reader's acquire fence:
         * a reader that saw any new payload byte then sees the slot word changed. */
        FL_RING_FENCE(__ATOMIC_RELEASE);
        /* Straight from the caller's record (its own, on its stack: a signal handler appending
         * meanwhile fills another), one load and one store per word. */
        __atomic_store_n(&word[1], ts, FL_RING_PAYLOAD_STORE);
#pragma GCC unroll 16
        for (size_t i = 2; i < WORDS; i++)
                __atomic_store_n(&word[i], payload[i], FL_RING_PAYLOAD_STORE);
        __atomic_store_n(word, seq, __ATOMIC_RELEASE);
        /* The next record (most likely this writer's, microseconds of kernel work later) lands
         * in lines nobody touched for a lap of the ring: start fetching them now. */
        __builtin_prefetch(&ring->slots[(seq + 1) & ring->mask], 1);
        __builtin_prefetch((char *)&ring->slots[(seq + 1) & ring->mask] + 64, 1);
        return seq;
}
