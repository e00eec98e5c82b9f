/* The socket calls that create fds: socket, socketpair, accept and accept4 (through the one
 * algorithm, cloexec.h), and recvmsg/recvmmsg, whose SCM_RIGHTS fds arrive close-on-exec. Each
 * function behaves like the libc call it stands for: a result, or -1 with errno set. */
#ifndef FL_SOCKETS_H
#define FL_SOCKETS_H

#include <sys/socket.h>
#include <sys/types.h>

#include "shim.h"

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

#endif
