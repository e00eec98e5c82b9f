/* musl declares recvmmsg's flags unsigned; glibc's int is kept (the same register either way). */
#define recvmmsg fl_libc_declares_recvmmsg
#include <sys/socket.h>
#undef recvmmsg

#include "export.h"
#include "process.h"
#include "sockets.h"

FL_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
        int saved = errno;
        ssize_t result = fl_recvmsg(fl_process(), fd, msg, flags);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}

int recvmmsg(int fd, struct mmsghdr *msgs, unsigned int n, int flags, struct timespec *timeout);
FL_EXPORT int recvmmsg(int fd, struct mmsghdr *msgs, unsigned int n, int flags,
                       struct timespec *timeout)
{
        int saved = errno;
        int result = fl_recvmmsg(fl_process(), fd, msgs, n, flags, timeout);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}
