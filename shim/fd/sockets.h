/* The socket calls that create fds: socket, socketpair, accept and accept4 (through the one
 * algorithm, cloexec.h), and recvmsg/recvmmsg, whose SCM_RIGHTS fds arrive close-on-exec. Each
 * function behaves like the libc call it stands for: a result, or -1 with errno set. */
#ifndef FL_SOCKETS_H
#define FL_SOCKETS_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "shim.h"

/* The kernel's answer to flags it does not know: EINVAL, or EPROTONOSUPPORT (some kernels before
 * 2.6.27 read the unknown type bits as a protocol). */
static inline bool fl_socket_refusal(int err)
{
        return err == EINVAL || err == EPROTONOSUPPORT;
}

/* socket() by the general algorithm (cloexec.h), and its end after an atomic attempt gave fd. */
int fl_socket_general(struct fl_shim *shim, int family, int type, int protocol);
int fl_socket_made(struct fl_shim *shim, int family, int type, int protocol, int wanted, int fd);

/* The type socket() passes the kernel in enforce mode, or -1 when the call needs the general
 * path (another mode, a remembered refusal, type bits forklock does not know). */
static inline int fl_socket_wanted(struct fl_shim *shim, int type)
{
        if (shim->config.mode != FL_MODE_ENFORCE || shim->config.simulate_einval ||
            (type & ~(0xf | SOCK_CLOEXEC | SOCK_NONBLOCK)) ||
            atomic_load_explicit(&shim->socket_flags_refused, memory_order_relaxed))
                return -1;
        return type | SOCK_CLOEXEC | (shim->config.profile == FL_PROFILE_GO ? SOCK_NONBLOCK : 0);
}

/* Inline so that the kernel call is made from the caller's own frame: on machines that refill
 * the return-stack buffer around system calls, every frame between the program and the call
 * costs a mispredicted return after it (~7 ns each; five of them were most of what a failing
 * socket() cost). A failure that is the caller's (not a refusal of the flag) returns at once,
 * unrecorded, with the kernel's errno, as in the general path. */
static inline int fl_socket(struct fl_shim *shim, int family, int type, int protocol)
{
        int wanted = fl_socket_wanted(shim, type);
        int fd;

        if (wanted < 0)
                return shim->config.mode == FL_MODE_OFF
                           ? shim->sys->socket(family, type, protocol)
                           : fl_socket_general(shim, family, type, protocol);
        fd = shim->sys->socket(family, wanted, protocol);
        if (fd < 0 && !fl_socket_refusal(errno))
                return fd;
        return fl_socket_made(shim, family, type, protocol, wanted, fd);
}
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

#endif
