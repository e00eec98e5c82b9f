/* The state of the shim in one process, and the calls preload/ makes into it. Every function here
 * behaves like the libc call it stands for: a result, or -1 with errno set. */
#ifndef FL_SHIM_H
#define FL_SHIM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "config.h"
#include "record.h"
#include "sys.h"

struct fl_shim {
        struct fl_config config;
        const struct fl_sys *sys;
        /* Set after the first fallback that succeeded: the kernel refuses the flags, so later
         * calls go straight to the fallback (as CPython does; Go retries every time). */
        atomic_bool socket_flags_refused;
        atomic_bool accept4_missing;
        _Atomic unsigned long decisions[FL_DEC_COUNT];
        /* Receives every decision; fills pid/tid and stores it. NULL records nothing. */
        void (*emit)(struct fl_record *record);
        /* Audit mode only, before emit: the audit report finds a leaked fd's origin by inode, so
         * the audit layer fills record->ino here (fl_audit_note_ino). NULL notes nothing. */
        void (*note_ino)(const struct fl_shim *shim, struct fl_record *record);
        /* The rest of the surface (fcntl.c, dup.c, goprofile.c). */
        atomic_bool dupfd_cloexec_refused; /* F_DUPFD_CLOEXEC refused: dup/F_DUPFD fall back */
        _Atomic int go_backlog;            /* listenerBacklog(), computed once; 0 = not yet */
        /* Scope all (shim/fd/create.h): one remembered refusal per kind of flag. */
        atomic_bool ocloexec_refused; /* the kernel ignores O_CLOEXEC (before 2.6.23) */
        atomic_bool ocloexec_probed;  /* whether it does was checked once, on a real fd */
        atomic_bool pipe2_refused, epoll_create1_refused, eventfd_flags_refused;
        atomic_bool timerfd_flags_refused, signalfd_flags_refused, inotify_init1_refused;
        atomic_bool memfd_flags_refused;
};

int fl_socket(struct fl_shim *shim, int family, int type, int protocol);
int fl_socketpair(struct fl_shim *shim, int family, int type, int protocol, int fds[2]);
/* call is FL_CALL_ACCEPT (flags 0) or FL_CALL_ACCEPT4. */
int fl_accept(struct fl_shim *shim, enum fl_call call, int fd, struct sockaddr *addr,
              socklen_t *len, int flags);

/* recvmsg/recvmmsg flags: in enforce mode, fds received with SCM_RIGHTS arrive close-on-exec
 * (MSG_CMSG_CLOEXEC, atomic since Linux 2.6.23, like O_CLOEXEC). Not recorded: it is the data
 * path, and the flag changes nothing else. */
static inline int fl_recv_flags(const struct fl_shim *shim, int flags)
{
        return shim->config.mode == FL_MODE_ENFORCE ? flags | MSG_CMSG_CLOEXEC : flags;
}

/* recvmsg and recvmmsg with fl_recv_flags. The caller sees what the bare call gives: the kernel's
 * echo of a MSG_CMSG_CLOEXEC it did not ask for is taken out of msg_flags, and a received fd that
 * lands on 0-2 is left inheritable (fds 0-2 are never made close-on-exec by forklock). */
ssize_t fl_recvmsg(struct fl_shim *shim, int fd, struct msghdr *msg, int flags);
int fl_recvmmsg(struct fl_shim *shim, int fd, struct mmsghdr *msgs, unsigned int n, int flags,
                struct timespec *timeout);

/* A call the kernel refused as it was passed (apart from the flag forklock added) is the kernel's
 * own verdict: returned unchanged, neither recorded nor counted. Probes such as
 * socket(AF_INET6, ...) and the EAGAIN that ends every accept loop would flood the ring, and a
 * failing call must cost what the bare call costs. Failures on the fallback path are forklock's
 * doing and are recorded as errors. */
static inline bool fl_failure_is_forklocks(enum fl_decision path)
{
        return path == FL_DEC_FALLBACK || path == FL_DEC_REMEMBERED_FALLBACK;
}

/* Counts the decision and hands the record to emit. Returns the record's ring seq when emit
 * stored one in record->seq (fl_recorder_emit does), else 0. */
uint64_t fl_shim_decide(struct fl_shim *shim, struct fl_record *record, enum fl_decision decision);

/* Records one call's outcome: result, and errno as err when it failed (then decided
 * FL_DEC_ERROR whatever decision says). errno is kept. Returns fl_shim_decide's seq. */
uint64_t fl_shim_record(struct fl_shim *shim, struct fl_record *record, int result,
                        enum fl_decision decision);

#endif
