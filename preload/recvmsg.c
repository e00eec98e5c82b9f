/* recvmsg and recvmmsg: fds passed with SCM_RIGHTS are sockets too (nginx's master hands its
 * channels to workers this way), and should not reach an exec'd program either. */
#include <sys/socket.h>

#include "process.h"
#include "real.h"

__attribute__((visibility("default"))) ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
        ssize_t (*real)(int, struct msghdr *, int) = fl_real_recvmsg();

        if (!real) {
                errno = ENOSYS;
                return -1;
        }
        return real(fd, msg, fl_recv_flags(fl_process(), flags));
}

__attribute__((visibility("default"))) int recvmmsg(int fd, struct mmsghdr *msgs, unsigned int n,
                                                    int flags, struct timespec *timeout)
{
        int (*real)(int, struct mmsghdr *, unsigned int, int, struct timespec *) =
            fl_real_recvmmsg();

        if (!real) {
                errno = ENOSYS;
                return -1;
        }
        return real(fd, msgs, n, fl_recv_flags(fl_process(), flags), timeout);
}
