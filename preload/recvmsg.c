#include <sys/socket.h>

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

FL_EXPORT int recvmmsg(int fd, struct mmsghdr *msgs, unsigned int n, int flags,
                       struct timespec *timeout)
{
        int saved = errno;
        int result = fl_recvmmsg(fl_process(), fd, msgs, n, flags, timeout);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}
