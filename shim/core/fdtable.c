#include "fdtable.h"
#include "hot.h"

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#define WORDS       (sizeof(struct fl_fd_info) / sizeof(uint64_t))
#define READ_TRIES  64
#define CLAIM_SPINS 4096

/* version is odd while a writer copies; the payload is words, each an atomic, so that racing
 * readers are defined behaviour (and quiet under TSan). */
struct entry {
        _Atomic uint32_t version;
        _Atomic uint64_t words[WORDS];
} __attribute__((aligned(64)));

/* Common storage: the linker puts it after every other object's zeroed data. As an ordinary
 * static it sat in the middle, and the small variables linked after it (the recorder's, the ids',
 * the warnings') landed 256 KiB away from those before it: one more page, one more fault (~1 us),
 * in every process that starts. Hidden: the library's own, as a static would be. */
extern struct entry fl_fdtable_entries[FL_FDTABLE_SIZE] __attribute__((visibility("hidden")));
struct entry fl_fdtable_entries[FL_FDTABLE_SIZE] __attribute__((common));
#define table fl_fdtable_entries

/* The word holding the flags byte: readers test FL_FD_VALID there alone, so that close() reads and
 * writes that one word, and does not write (dirtying a cache line) for the many fds that were
 * never tracked. */
#define FLAGS_WORD  (offsetof(struct fl_fd_info, flags) / sizeof(uint64_t))
#define FLAGS_SHIFT (8 * (offsetof(struct fl_fd_info, flags) % sizeof(uint64_t)))
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "FLAGS_SHIFT assumes little-endian");

/* An entry read as the words it is stored in. */
typedef uint64_t info_word __attribute__((may_alias));

static struct entry *entry_of(int fd)
{
        if (fd < 0 || fd >= FL_FDTABLE_SIZE)
                return NULL;
        return &table[fd];
}

static void load_words(struct entry *e, struct fl_fd_info *info)
{
        uint64_t words[WORDS];

        /* Acquire, not relaxed + fence: the version re-check must not move above these loads,
         * and TSan understands this form (it rejects fences). On x86 both are plain moves. */
#pragma GCC unroll 8
        for (size_t i = 0; i < WORDS; i++)
                words[i] = atomic_load_explicit(&e->words[i], memory_order_acquire);
        memcpy(info, words, sizeof(words));
}

static void store_words(struct entry *e, const struct fl_fd_info *info)
{
        uint64_t words[WORDS];

        memcpy(words, info, sizeof(words));
#pragma GCC unroll 8
        for (size_t i = 0; i < WORDS; i++)
                atomic_store_explicit(&e->words[i], words[i], memory_order_release);
}

/* Writers exclude each other with a CAS to an odd version. The holder runs a handful of stores and
 * no calls, so the spin is short; it is bounded because the holder may be the very thread a signal
 * handler interrupted. Returns the even version claimed, or 1 when the claim failed. */
static FL_HOT uint32_t claim(struct entry *e)
{
        for (int spin = 0; spin < CLAIM_SPINS; spin++) {
                uint32_t v = atomic_load_explicit(&e->version, memory_order_relaxed);

                if (!(v & 1) && atomic_compare_exchange_weak_explicit(&e->version, &v, v + 1,
                                                                      memory_order_acquire,
                                                                      memory_order_relaxed))
                        return v;
        }
        return 1;
}

static void publish(struct entry *e, uint32_t claimed)
{
        atomic_store_explicit(&e->version, claimed + 2, memory_order_release);
}

static bool read_entry(struct entry *e, struct fl_fd_info *info)
{
        for (int i = 0; i < READ_TRIES; i++) {
                uint32_t before = atomic_load_explicit(&e->version, memory_order_acquire);

                if (before & 1)
                        continue;
                load_words(e, info);
                if (atomic_load_explicit(&e->version, memory_order_relaxed) == before)
                        return true;
        }
        return false;
}

bool fl_fdtable_get(int fd, struct fl_fd_info *info)
{
        struct entry *e = entry_of(fd);

        if (e && read_entry(e, info) && (info->flags & FL_FD_VALID))
                return true;
        memset(info, 0, sizeof(*info));
        return false;
}

FL_HOT void fl_fdtable_set(int fd, const struct fl_fd_info *info)
{
        struct entry *e = entry_of(fd);
        const info_word *words = (const info_word *)info;
        uint32_t v;

        if (!e || (v = claim(e)) == 1)
                return;
                /* VALID is added to the word, not to a copy's flags byte: a byte store reloaded as
                 * part of a word is one the processor cannot forward, and the load waits for the
                 * cache. */
#pragma GCC unroll 8
        for (size_t i = 0; i < WORDS; i++)
                atomic_store_explicit(
                    &e->words[i],
                    words[i] | (i == FLAGS_WORD ? (uint64_t)FL_FD_VALID << FLAGS_SHIFT : 0),
                    memory_order_release);
        publish(e, v);
}

bool fl_fdtable_update(int fd, void (*fn)(struct fl_fd_info *info, const void *arg),
                       const void *arg)
{
        struct entry *e = entry_of(fd);
        struct fl_fd_info info;
        uint32_t v;

        if (!e || (v = claim(e)) == 1)
                return false;
        load_words(e, &info);
        if (!(info.flags & FL_FD_VALID)) {
                atomic_store_explicit(&e->version, v, memory_order_release);
                return false;
        }
        fn(&info, arg);
        store_words(e, &info);
        publish(e, v);
        return true;
}

static bool entry_valid(struct entry *e)
{
        uint64_t word = atomic_load_explicit(&e->words[FLAGS_WORD], memory_order_relaxed);

        return (word >> FLAGS_SHIFT) & FL_FD_VALID;
}

static FL_HOT void clear_entry(struct entry *e)
{
        uint32_t v;

        if (!(atomic_load_explicit(&e->version, memory_order_relaxed) & 1) && !entry_valid(e))
                return;
        if ((v = claim(e)) == 1)
                return;
        atomic_store_explicit(&e->words[FLAGS_WORD], 0, memory_order_release);
        publish(e, v);
}

FL_HOT void fl_fdtable_clear(int fd)
{
        struct entry *e = entry_of(fd);

        if (e)
                clear_entry(e);
}

void fl_fdtable_clear_range(unsigned first, unsigned last)
{
        if (first >= FL_FDTABLE_SIZE)
                return;
        if (last >= FL_FDTABLE_SIZE)
                last = FL_FDTABLE_SIZE - 1;
        for (unsigned fd = first; fd <= last; fd++)
                clear_entry(&table[fd]);
}

static void set_ino(struct fl_fd_info *info, const void *arg)
{
        if (info->ino == 0)
                info->ino = *(const uint64_t *)arg;
}

bool fl_fdtable_verify(const struct fl_sys *sys, int fd, struct fl_fd_info *info)
{
        struct stat st;
        uint64_t ino;
        int saved = errno;

        if (!fl_fdtable_get(fd, info))
                return false;
        if (sys->fstat(fd, &st) < 0) {
                errno = saved;
                fl_fdtable_clear(fd);
                return false;
        }
        errno = saved;
        ino = (uint64_t)st.st_ino;
        if (info->ino != 0 && info->ino != ino) {
                fl_fdtable_clear(fd);
                memset(info, 0, sizeof(*info));
                return false;
        }
        if (info->ino == 0) {
                fl_fdtable_update(fd, set_ino, &ino);
                info->ino = ino;
        }
        return true;
}

#ifdef FL_TEST_BUILD
void fl_fdtable_reset(void)
{
        fl_fdtable_clear_range(0, FL_FDTABLE_SIZE - 1);
}
#endif
