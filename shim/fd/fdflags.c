#include "fdflags.h"

#include <fcntl.h>

int fl_mark_cloexec(const struct fl_sys *sys, int fd)
{
        return sys->fcntl_int(fd, F_SETFD, FD_CLOEXEC);
}

int fl_set_nonblock(const struct fl_sys *sys, int fd)
{
        int flags = sys->fcntl_int(fd, F_GETFL, 0);

        if (flags < 0)
                return -1;
        if (flags & O_NONBLOCK)
                return 0;
        return sys->fcntl_int(fd, F_SETFL, flags | O_NONBLOCK);
}
