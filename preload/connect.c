#include <sys/socket.h>

#include "connect.h"
#include "export.h"
#include "process.h"

FL_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
        int saved = errno;
        int result = fl_connect(fl_process(), fd, addr, len);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}
