/* Shared between ring.c, ring_file.c and ring_reader.c; not part of the API. */
#ifndef FL_RING_INTERNAL_H
#define FL_RING_INTERNAL_H

#include "msg.h"
#include "ring.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The ring's own fds are closed by the kernel, not by close(): inside libforklock.so that name is
 * forklock's wrapper, which would record the close and re-enter the shim while the constructor
 * is still joining the ring. */
static inline void fl_ring_close_fd(int fd)
{
        syscall(SYS_close, fd);
}

/* Opened by the kernel for the same reason: in scope all open() is forklock's wrapper too. */
static inline int fl_ring_open_fd(const char *path, int flags, unsigned mode)
{
        return (int)syscall(SYS_openat, -100 /* AT_FDCWD */, path, flags, mode);
}

/* The seqlock's payload ordering. Normally: relaxed word accesses bracketed by a release fence
 * (writer, after taking the slot) and an acquire fence (reader, before re-checking the slot
 * word). ThreadSanitizer does not model fences (GCC refuses them under -Werror=tsan), so there
 * every payload store is a release and every payload load an acquire: stronger, same result, and
 * on x86 the same instructions. */
#if defined(__SANITIZE_THREAD__)
#define FL_RING_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FL_RING_TSAN 1

#endif

#endif
#ifdef FL_RING_TSAN
#define FL_RING_PAYLOAD_STORE __ATOMIC_RELEASE
#define FL_RING_PAYLOAD_LOAD  __ATOMIC_ACQUIRE
#define FL_RING_FENCE(order)  ((void)0)
#else
#define FL_RING_PAYLOAD_STORE __ATOMIC_RELAXED
#define FL_RING_PAYLOAD_LOAD  __ATOMIC_RELAXED
#define FL_RING_FENCE(order)  __atomic_thread_fence(order)

#endif

uint32_t fl_ring_capacity_normalise(uint32_t capacity);
void fl_ring_header_init(struct fl_ring_header *hdr, uint32_t capacity, uint32_t flags);
/* seen: the header as this process read it, by pread when it joined (the mapping itself when it
 * made the header): the clock's join reads it, so that the mapped header's first access stays the
 * first append's write. */
void fl_ring_bind(struct fl_ring *ring, void *map, const struct fl_ring_header *seen,
                  uint32_t capacity, size_t map_len);
/* Checks the fixed header fields against each other and against the real size of the bytes
 * behind them. 0, or -1 with a one-line reason in why (NUL-terminated, cut to len). */
int fl_ring_header_check(const struct fl_ring_header *hdr, uint64_t real_size, char *why,
                         size_t len);

#endif
