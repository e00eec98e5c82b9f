/* recvmsg and recvmmsg: fds passed with SCM_RIGHTS are sockets too (nginx's master hands its
 * channels to workers this way), and should not reach an exec'd program either. The kernel echoes
 * MSG_CMSG_CLOEXEC back in msg_flags; a caller that did not ask for it must not see it (code that
 * rejects unexpected flags exists: CPython's testSendAndRecvFds). */
#include <errno.h>
#include <string.h>

#include "shim.h"
#include "sockets.h"
#include "stdfds.h"

/* A received fd lands on the lowest free number like any other creation: on 0-2 it is a standard
 * stream the program will hand on, and keeps the state the bare call gives it. Rare, so the scan
 * runs only when a control message came back. */
static void keep_stdfds_inheritable(const struct fl_shim *shim, struct msghdr *msg)
{
        for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
                const unsigned char *data = CMSG_DATA(c);
                size_t n;

                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < n; i++) {
                        int fd;

                        memcpy(&fd, data + i * sizeof(int), sizeof(fd));
                        fl_stdfd_intent(shim, fd, false, false);
                }
        }
}

static void as_bare(const struct fl_shim *shim, struct msghdr *msg)
{
        msg->msg_flags &= ~MSG_CMSG_CLOEXEC;
        if (msg->msg_controllen > 0)
                keep_stdfds_inheritable(shim, msg);
}

ssize_t fl_recvmsg(struct fl_shim *shim, int fd, struct msghdr *msg, int flags)
{
        int issued = fl_recv_flags(shim, flags);
        ssize_t result = shim->sys->recvmsg(fd, msg, issued);

        if (result >= 0 && issued != flags) {
                int saved = errno;
                as_bare(shim, msg);
                errno = saved;
        }
        return result;
}

int fl_recvmmsg(struct fl_shim *shim, int fd, struct mmsghdr *msgs, unsigned int n, int flags,
                struct timespec *timeout)
{
        int issued = fl_recv_flags(shim, flags);
        int result = shim->sys->recvmmsg(fd, msgs, n, issued, timeout);

        if (result > 0 && issued != flags) {
                int saved = errno;
                for (int i = 0; i < result; i++)
                        as_bare(shim, &msgs[i].msg_hdr);
                errno = saved;
        }
        return result;
}
