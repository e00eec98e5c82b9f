#include "stdfds.h"

#include <errno.h>
#include <fcntl.h>

#include "hot.h"
#include "fdtable.h"

static void clear_nonblock(const struct fl_sys *sys, int fd)
{
        int flags = sys->fcntl_int(fd, F_GETFL, 0);

        if (flags >= 0 && (flags & O_NONBLOCK))
                sys->fcntl_int(fd, F_SETFL, flags & ~O_NONBLOCK);
}

FL_HOT bool fl_stdfd_intent(const struct fl_shim *shim, int fd, bool caller_asked_cloexec,
                            bool added_nonblock)
{
        int saved = errno;

        if (!fl_is_stdfd(fd) || caller_asked_cloexec || shim->config.mode == FL_MODE_OFF)
                return false;
        if (shim->config.mode == FL_MODE_ENFORCE) {
                shim->sys->fcntl_int(fd, F_SETFD, 0);
                if (added_nonblock)
                        clear_nonblock(shim->sys, fd);
        }
        errno = saved;
        return true;
}

static void as_intent(struct fl_fd_info *info, const void *arg)
{
        (void)arg;
        info->flags &= (uint8_t)~FL_FD_CLOEXEC_FORCED;
        info->flags |= FL_FD_INTENT;
}

void fl_stdfd_note(int fd)
{
        int saved = errno;

        fl_fdtable_update(fd, as_intent, NULL);
        errno = saved;
}
