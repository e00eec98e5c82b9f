#include "connect.h"

#include <errno.h>

#include "goprofile.h"

int fl_connect(struct fl_shim *shim, int fd, const struct sockaddr *addr, socklen_t len)
{
        int result, saved;

        if (!fl_go_active(shim))
                return shim->sys->connect(fd, addr, len);
        result = shim->sys->connect(fd, addr, len);
        saved = errno;
        if (result == 0 || saved == EINPROGRESS)
                fl_go_dialed(shim, fd, addr, len);
        errno = saved;
        return result;
}
