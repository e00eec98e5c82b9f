#include <sys/socket.h>

#include "hot.h"
#include "export.h"
#include "process.h"
#include "sockets.h"

FL_EXPORT FL_HOT int socket(int family, int type, int protocol)
{
        int saved = errno;
        int fd = fl_socket(fl_process(), family, type, protocol);

        fl_keep_errno_unless_failed(fd, saved);
        return fd;
}

FL_EXPORT int socketpair(int family, int type, int protocol, int fds[2])
{
        int saved = errno;
        int result = fl_socketpair(fl_process(), family, type, protocol, fds);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}

FL_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
        int saved = errno;
        int result = fl_accept(fl_process(), FL_CALL_ACCEPT, fd, addr, len, 0);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}

FL_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
        int saved = errno;
        int result = fl_accept(fl_process(), FL_CALL_ACCEPT4, fd, addr, len, flags);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}
