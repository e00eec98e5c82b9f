#include <sys/socket.h>

#include "export.h"
#include "fdcalls.h"
#include "process.h"

FL_EXPORT int setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
        int saved = errno;
        int result = fl_setsockopt(fl_process(), fd, level, name, value, len);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}

FL_EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
        int saved = errno;
        int result = fl_bind(fl_process(), fd, addr, len);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}

FL_EXPORT int listen(int fd, int backlog)
{
        int saved = errno;
        int result = fl_listen(fl_process(), fd, backlog);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}
