#include "compat.h"

#include <errno.h>
#include <fcntl.h>

static int set_nonblock(const struct fl_sys *sys, int fd)
{
        int flags = sys->fcntl_int(fd, F_GETFL, 0);

        return flags < 0 ? -1 : sys->fcntl_int(fd, F_SETFL, flags | O_NONBLOCK);
}

static void close_all(const struct fl_shim *shim, const struct fl_creation *c, int result)
{
        int saved = errno;

        for (int i = 0; i < fl_creation_count(c); i++)
                shim->sys->close(fl_creation_fd(c, result, i));
        errno = saved;
}

/* Only the non-blocking flag was asked: the old call, then O_NONBLOCK. No lock: nothing about
 * close-on-exec changes. */
__attribute__((cold)) static int old_call_nonblocking(const struct fl_shim *shim,
                                                      const struct fl_creation *c)
{
        int result = c->ops->call(shim, c, 0);

        if (result < 0)
                return result;
        for (int i = 0; i < fl_creation_count(c); i++)
                if (set_nonblock(shim->sys, fl_creation_fd(c, result, i)) < 0) {
                        close_all(shim, c, result);
                        return -1;
                }
        return result;
}

int fl_create_compat(const struct fl_shim *shim, const struct fl_creation *c)
{
        enum fl_decision decision;
        int result;

        if (c->flags & c->ops->cloexec)
                return fl_cloexec_call(shim, c, c->flags, &decision);
        result = c->ops->call(shim, c, c->flags);
        if (result >= 0 || !(c->flags & c->ops->nonblock) || !c->ops->refused(shim, c, errno))
                return result;
        return old_call_nonblocking(shim, c);
}
