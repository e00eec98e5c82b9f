#include "connect.h"

#include <errno.h>

#include "goprofile.h"

/* Go's netFD.connect reads these as "the connection is under way" and waits for it. */
static bool under_way(int err)
{
        return err == EINPROGRESS || err == EALREADY || err == EINTR;
}

int fl_connect(struct fl_shim *shim, int fd, const struct sockaddr *addr, socklen_t len)
{
        int result, saved;

        if (!fl_go_active(shim))
                return shim->sys->connect(fd, addr, len);
        result = shim->sys->connect(fd, addr, len);
        saved = errno;
        if (result == 0 || under_way(saved))
                fl_go_dialed(shim, fd, addr, len);
        errno = saved;
        return result;
}
