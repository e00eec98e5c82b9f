/* Ring files: create or join the file named by FORKLOCK_LOG, safely. Runs in the constructor of
 * every image, possibly setuid-adjacent, so: no stdio, no malloc, no fd kept, every refusal one
 * warning line and the caller goes on with anonymous memory. */
#include "ring.h"
#include "ring_internal.h"
#include "warn.h"
#include "raw_syscall.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How long a process that lost the O_EXCL race waits for the winner to publish the magic. */
#define JOIN_WAIT_STEPS 200
#define JOIN_WAIT_NS    2000000

static int is_pow2(uint32_t v)
{
        return v && !(v & (v - 1));
}

int fl_ring_header_check(const struct fl_ring_header *hdr, uint64_t real_size, char *why,
                         size_t len)
{
        struct fl_msg m = {why, len, 0};

        if (real_size >= sizeof(hdr->magic) && hdr->magic != FL_RING_MAGIC) {
                fl_msg_str(&m, "not a forklock ring (bad magic)");
        } else if (real_size < FL_RING_HEADER_SIZE) {
                fl_msg_str(&m, "truncated: ");
                fl_msg_num(&m, real_size);
                fl_msg_str(&m, " bytes, less than the 4096-byte ring header");
        } else if (hdr->version != FL_RING_VERSION) {
                fl_msg_str(&m, "ring format version ");
                fl_msg_num(&m, hdr->version);
                fl_msg_str(&m, ", this build reads version 1");
        } else if (hdr->header_size != FL_RING_HEADER_SIZE) {
                fl_msg_str(&m, "header size ");
                fl_msg_num(&m, hdr->header_size);
                fl_msg_str(&m, ", expected 4096");
        } else if (hdr->record_size != sizeof(struct fl_record)) {
                fl_msg_str(&m, "record size ");
                fl_msg_num(&m, hdr->record_size);
                fl_msg_str(&m, ", expected 128");
        } else if (!is_pow2(hdr->capacity) || hdr->capacity < FL_RING_MIN_CAPACITY ||
                   hdr->capacity > FL_RING_MAX_CAPACITY) {
                fl_msg_str(&m, "capacity ");
                fl_msg_num(&m, hdr->capacity);
                fl_msg_str(&m, " is not a power of two in 64..16777216");
        } else if (hdr->size != fl_ring_size(hdr->capacity)) {
                fl_msg_str(&m, "header says ");
                fl_msg_num(&m, hdr->size);
                fl_msg_str(&m, " bytes but capacity ");
                fl_msg_num(&m, hdr->capacity);
                fl_msg_str(&m, " needs ");
                fl_msg_num(&m, fl_ring_size(hdr->capacity));
        } else if (real_size != hdr->size) {
                fl_msg_str(&m, "size is ");
                fl_msg_num(&m, real_size);
                fl_msg_str(&m, " bytes, header says ");
                fl_msg_num(&m, hdr->size);
                fl_msg_str(&m, real_size < hdr->size ? " (truncated)" : "");
        } else {
                return 0;
        }
        return -1;
}

static int refuse(const char *path, const char *why, const char *detail)
{
        fl_warn("not using ring file ", path, ": ", why, detail, "; recording in memory only",
                NULL);
        return -1;
}

/* Zeros written through the page cache, 64 KiB a call: ext4 (like other filesystems with large
 * folios) then holds the file in 64 KiB folios, and a write fault on the mapping maps a whole
 * folio. Every process's first touch of a ring page costs ~0.2 us instead of 1.3 us (3 us for the
 * process that writes a page first), the START record's two pages included: ~1 ms once, at
 * creation, for the default 8 MiB. The blocks are reserved already (fallocate); where they were
 * not, the write reserves them. */
#define FILL_PAGE         4096
#define FILL_PAGES_A_CALL 16

static int fill_page_cache(int fd, size_t len)
{
        char zeros[FILL_PAGE];
        struct iovec chunk[FILL_PAGES_A_CALL];

        memset(zeros, 0, sizeof(zeros));
        for (int i = 0; i < FILL_PAGES_A_CALL; i++)
                chunk[i] = (struct iovec){zeros, FILL_PAGE};
        for (size_t at = 0; at < len;) {
                size_t left = len - at;
                int pages = left >= (size_t)FILL_PAGES_A_CALL * FILL_PAGE ? FILL_PAGES_A_CALL
                                                                          : (int)(left / FILL_PAGE);
                ssize_t done = pages > 0 ? pwritev(fd, chunk, pages, (off_t)at)
                                         : pwrite(fd, zeros, left, (off_t)at);

                if (done <= 0)
                        return -1;
                at += (size_t)done;
        }
        return 0;
}

/* A file may not grow past the process's RLIMIT_FSIZE: ftruncate or write beyond it sends
 * SIGXFSZ, which kills a program that does not ignore it (ulimit -f in a script, a sandbox). */
static bool within_file_size_limit(size_t len)
{
        struct rlimit limit;

        return getrlimit(RLIMIT_FSIZE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
               (uint64_t)len <= (uint64_t)limit.rlim_cur;
}

static int create_ring(struct fl_ring *ring, int fd, const char *path, uint32_t capacity)
{
        size_t len = (size_t)fl_ring_size(capacity);
        char num[FL_NUM_TEXT];
        void *map;

        if (!within_file_size_limit(len)) {
                unlink(path);
                fl_ring_close_fd(fd);
                return refuse(path, "its size (KiB) is over the file size limit (ulimit -f): ",
                              fl_utoa(len >> 10, num));
        }
        /* Reserve the blocks now: a sparse file on a full disk would SIGBUS the host program on
         * its first append instead of failing here. Filesystems without fallocate stay sparse. */
        if (ftruncate(fd, (off_t)len) < 0 ||
            (fallocate(fd, 0, 0, (off_t)len) < 0 && errno != EOPNOTSUPP) ||
            fill_page_cache(fd, len) < 0)
                goto fail;
        map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED)
                goto fail;
        fl_ring_close_fd(fd);
        fl_ring_header_init(map, capacity, 0);
        __atomic_store_n(&((struct fl_ring_header *)map)->magic, FL_RING_MAGIC, __ATOMIC_RELEASE);
        fl_ring_bind(ring, map, map, capacity, len);
        return 0;
fail:;
        int err = errno;
        /* We made it with O_EXCL, so it is ours to remove; a process waiting to join it times
         * out and falls back to memory as we do. */
        unlink(path);
        fl_ring_close_fd(fd);
        return refuse(path, "cannot size it: ", fl_errno_name(err, num));
}

/* A creator in progress shows an empty file, or a full-size one whose magic is still zero. */
static int still_being_created(const struct stat *st, const struct fl_ring_header *hdr, ssize_t got)
{
        return st->st_size == 0 || (got == (ssize_t)sizeof(*hdr) && hdr->magic == 0);
}

/* st holds a fresh fstat of fd: the first look needs no other. */
static int read_header(int fd, struct stat *st, struct fl_ring_header *hdr)
{
        for (int step = 0;; step++) {
                struct timespec pause = {0, JOIN_WAIT_NS};
                ssize_t got = 0;

                if (step > 0 && fstat(fd, st) < 0)
                        return -1;
                memset(hdr, 0, sizeof(*hdr));
                /* A short file is read too: its first bytes say whether it is a ring at all. */
                if (st->st_size > 0)
                        got = pread(fd, hdr,
                                    st->st_size < (off_t)sizeof(*hdr) ? (size_t)st->st_size
                                                                      : sizeof(*hdr),
                                    0);
                if (!still_being_created(st, hdr, got) || step == JOIN_WAIT_STEPS)
                        return 0;
                nanosleep(&pause, NULL);
        }
}

/* A file of another user's that this process may not use: after a privilege drop that is the
 * expected case, said by the return value, not by a warning. */
static int foreign(const char *path, uid_t *owner)
{
        struct stat st;

        if (stat(path, &st) < 0) {
                *owner = (uid_t)-1;
                return errno == EACCES; /* not even traversable: someone else's directory */
        }
        *owner = st.st_uid;
        return st.st_uid != geteuid();
}

static int open_existing(const char *path)
{
        return fl_ring_open_fd(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
}

/* The common join, a complete ring: its header (what the check and the clock's join read) by
 * pread, not through the mapping. A read of the mapped header would fault its page in read-only,
 * and the first append, a write, would fault it again (on ext4 the write fault runs
 * page_mkwrite): 4.9 us for both, 2.9 us for the pread and the one write fault. Anything else (a
 * creator still at work, a file that is not a ring) goes the careful way below. */
static void *map_complete(int fd, const struct stat *st, struct fl_ring_header *hdr)
{
        size_t prefix = offsetof(struct fl_ring_header, tsc) + sizeof(hdr->tsc);
        char why[160];
        void *map;

        if (st->st_size < (off_t)FL_RING_HEADER_SIZE)
                return NULL;
        memset(hdr, 0, sizeof(*hdr));
        if (fl_pread(fd, hdr, prefix, 0) != (ssize_t)prefix || hdr->magic != FL_RING_MAGIC ||
            fl_ring_header_check(hdr, (uint64_t)st->st_size, why, sizeof(why)) != 0)
                return NULL;
        map = mmap(NULL, (size_t)st->st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        return map == MAP_FAILED ? NULL : map;
}

/* fd from open_existing (or -1 with its errno). */
static int join_ring(struct fl_ring *ring, int fd, const char *path, uid_t *owner)
{
        char why[160], num[FL_NUM_TEXT];
        struct fl_ring_header hdr;
        struct stat st;
        void *map;

        if (fd < 0 && owner && (errno == EACCES || errno == EPERM) && foreign(path, owner))
                return FL_RING_FOREIGN;
        if (fd < 0)
                return refuse(path, errno == ELOOP ? "it is a symbolic link" : "cannot open it: ",
                              errno == ELOOP ? "" : fl_errno_name(errno, num));
        if (fl_fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                fl_ring_close_fd(fd);
                return refuse(path, "not a regular file", "");
        }
        if (st.st_uid != geteuid()) {
                fl_ring_close_fd(fd);
                if (owner) {
                        *owner = st.st_uid;
                        return FL_RING_FOREIGN;
                }
                return refuse(path, "owned by uid ", fl_utoa(st.st_uid, num));
        }
        if (st.st_mode & (S_IWGRP | S_IWOTH)) {
                fl_ring_close_fd(fd);
                return refuse(path, "writable by group or others", "");
        }
        map = map_complete(fd, &st, &hdr);
        if (map) {
                fl_ring_close_fd(fd);
                fl_ring_bind(ring, map, &hdr, hdr.capacity, (size_t)hdr.size);
                return 0;
        }
        if (read_header(fd, &st, &hdr) < 0 ||
            fl_ring_header_check(&hdr, (uint64_t)st.st_size, why, sizeof(why)) < 0) {
                fl_ring_close_fd(fd);
                return refuse(path, why, "");
        }
        map = mmap(NULL, (size_t)hdr.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        fl_ring_close_fd(fd);
        if (map == MAP_FAILED)
                return refuse(path, "cannot map it: ", fl_errno_name(errno, num));
        fl_ring_bind(ring, map, &hdr, hdr.capacity, (size_t)hdr.size);
        return 0;
}

static int open_ring(struct fl_ring *ring, const char *path, uint32_t capacity, uid_t *owner)
{
        char num[FL_NUM_TEXT];
        int fd;

        memset(ring, 0, sizeof(*ring));
        if (!path || !*path)
                return refuse("\"\"", "empty path", "");
        capacity = fl_ring_capacity_normalise(capacity);
        /* Every image but the first joins: one path walk for them, not a failed create first. */
        fd = open_existing(path);
        if (fd >= 0 || errno != ENOENT)
                return join_ring(ring, fd, path, owner);
        fd = fl_ring_open_fd(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                             0600);
        if (fd >= 0)
                return create_ring(ring, fd, path, capacity);
        /* EACCES on create: a directory we may not write. It may still hold the ring (of its
         * owner), which says whether this is a privilege drop or a mistake. EEXIST: another
         * process created it since our first look. */
        if (errno != EEXIST && !(owner && (errno == EACCES || errno == EPERM)))
                return refuse(path, "cannot create it: ", fl_errno_name(errno, num));
        return join_ring(ring, open_existing(path), path, owner);
}

int fl_ring_open_file(struct fl_ring *ring, const char *path, uint32_t capacity)
{
        return open_ring(ring, path, capacity, NULL);
}

int fl_ring_open_mine(struct fl_ring *ring, const char *path, uint32_t capacity, uid_t *owner)
{
        return open_ring(ring, path, capacity, owner);
}
