/* Per-fd state: what forklock knows about each fd a wrapped call created or touched.
 *
 * Bounded memory: a direct-mapped array for fds below FL_FDTABLE_SIZE (4096 entries of one cache
 * line, 256 KiB of BSS that the kernel only materialises for the pages used), nothing beyond. It
 * never grows with RLIMIT_NOFILE; fds >= FL_FDTABLE_SIZE are simply not tracked (every lookup
 * says "unknown", and the go profile leaves such sockets' options alone).
 *
 * Lock-free: each entry is a seqlock. Readers never wait (they retry a few times and then report
 * "unknown"); writers claim the entry with one CAS and give up after a bounded spin rather than
 * wait on a thread (or a signal handler below them) that holds it. Async-signal-safe, no malloc.
 *
 * Never attributed to a different file: close, close_range, closefrom, and dup2/dup3 over an fd
 * clear or replace its entry; every creation through a wrapper replaces it. An fd closed behind
 * forklock's back (glibc's internal close in fclose, a raw syscall) can leave a stale entry, so
 * decisions that rely on an entry verify it by inode first (fl_fdtable_verify): the inode is taken
 * at the first such use, not at creation, because fstat would cost ~6% of socket()+close(). The
 * table is plain memory: a fork child inherits it with the fds, exec discards it with the image. */
#ifndef FL_FDTABLE_H
#define FL_FDTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "sys.h"

#define FL_FDTABLE_SIZE 4096

enum fl_fd_flag {
        FL_FD_VALID = 1u << 0,          /* the entry describes the fd */
        FL_FD_CLOEXEC_FORCED = 1u << 1, /* forklock set close-on-exec the caller did not ask for */
        FL_FD_INTENT = 1u << 2,         /* close-on-exec cleared on purpose: never re-forced */
        FL_FD_BOUND = 1u << 3,
        FL_FD_LISTENING = 1u << 4,
        FL_FD_DIALED = 1u << 5, /* the go profile gave the connection its defaults */
};

/* Socket options the go profile cares about, as bits of opts_program / opts_profile. */
enum fl_fd_opt {
        FL_OPT_REUSEADDR = 1u << 0,
        FL_OPT_V6ONLY = 1u << 1,
        FL_OPT_BROADCAST = 1u << 2,
        FL_OPT_KEEPALIVE = 1u << 3,
        FL_OPT_NODELAY = 1u << 4, /* noted in the go profile only (sockopt.c) */
};

struct fl_fd_info {
        uint64_t seq;         /* ring record of the creating call; 0 when none */
        uint64_t ino;         /* 0 until the entry was first verified */
        uint16_t call;        /* enum fl_call that created the fd */
        uint8_t flags;        /* enum fl_fd_flag */
        uint8_t opts_program; /* options the program set (the kernel accepted them) */
        uint8_t opts_profile; /* options the go profile set */
        uint8_t opts_value;   /* the program's value of each option in opts_program, 0 or 1 */
        int16_t family;       /* socket family, 0 for other fds */
        int16_t type;         /* socket type without flags */
        uint16_t port;        /* bound port (host order), INET/INET6 */
        int32_t backlog;      /* as passed to the kernel by listen */
        uint8_t addr[16];     /* bound address: IPv4 in the first 4 bytes, IPv6, or a path prefix */
};

_Static_assert(sizeof(struct fl_fd_info) == 48, "six words, copied with atomics");

/* A copy of fd's entry; false (and *info zeroed) when the fd is not tracked. */
bool fl_fdtable_get(int fd, struct fl_fd_info *info);

/* Replaces fd's entry (a creation); the VALID flag is added. Fds out of range are ignored. */
void fl_fdtable_set(int fd, const struct fl_fd_info *info);

/* Read-modify-write of a valid entry: fn edits the copy. False when the fd is not tracked or the
 * entry stayed busy. */
bool fl_fdtable_update(int fd, void (*fn)(struct fl_fd_info *info, const void *arg),
                       const void *arg);

void fl_fdtable_clear(int fd);
/* Clears [first, last] clipped to the table: at most FL_FDTABLE_SIZE entries. */
void fl_fdtable_clear_range(unsigned first, unsigned last);

/* Before relying on fd's entry: compares the fd's inode with the one recorded (recording it on
 * first use). On a mismatch, or when fstat fails, the entry is stale and cleared. True when the
 * entry is valid and verified; *info then holds it. */
bool fl_fdtable_verify(const struct fl_sys *sys, int fd, struct fl_fd_info *info);

#ifdef FL_TEST_BUILD
/* Empties the table between tests. */
void fl_fdtable_reset(void);
#endif

#endif
