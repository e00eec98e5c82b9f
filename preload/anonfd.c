/* epoll, eventfd, timerfd, signalfd, inotify and memfd: their own close-on-exec flag in scope all
 * (shim/fd/anonfd.c); untouched in scope sockets, but epoll_create1 and inotify_init1 where the
 * kernel lacks them (shim/fd/compat.h). */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "compat.h"
#include "create.h"
#include "export.h"
#include "process.h"
#include "real.h"

static int kept(int fd, int saved)
{
        fl_keep_errno_unless_failed(fd, saved);
        return fd;
}

FL_EXPORT int epoll_create(int size)
{
        struct fl_shim *shim = fl_process();
        int saved = errno;

        if (!fl_scope_all(shim))
                return fl_real_epoll_create()(size);
        return kept(fl_epoll_create(shim, size, 0), saved);
}

FL_EXPORT int epoll_create1(int flags)
{
        struct fl_shim *shim = fl_process();
        int saved = errno;

        if (fl_scope_all(shim))
                return kept(fl_epoll_create(shim, 1, flags), saved);
        if (shim->config.mode == FL_MODE_OFF || !flags)
                return fl_real_epoll_create1()(flags);
        return kept(fl_epoll_create1_compat(shim, flags), saved);
}

FL_EXPORT int eventfd(unsigned count, int flags)
{
        struct fl_shim *shim = fl_process();
        int saved = errno;

        if (!fl_scope_all(shim))
                return fl_real_eventfd()(count, flags);
        return kept(fl_eventfd(shim, count, flags), saved);
}

FL_EXPORT int timerfd_create(int clock, int flags)
{
        struct fl_shim *shim = fl_process();
        int saved = errno;

        if (!fl_scope_all(shim))
                return fl_real_timerfd_create()(clock, flags);
        return kept(fl_timerfd_create(shim, clock, flags), saved);
}

FL_EXPORT int signalfd(int fd, const sigset_t *mask, int flags)
{
        struct fl_shim *shim = fl_process();
        int saved = errno;

        if (!fl_scope_all(shim) || fd != -1)
                return fl_real_signalfd()(fd, mask, flags);
        return kept(fl_signalfd(shim, fd, mask, flags), saved);
}

FL_EXPORT int inotify_init(void)
{
        struct fl_shim *shim = fl_process();
        int saved = errno;

        if (!fl_scope_all(shim))
                return fl_real_inotify_init()();
        return kept(fl_inotify_init1(shim, 0), saved);
}

FL_EXPORT int inotify_init1(int flags)
{
        struct fl_shim *shim = fl_process();
        int saved = errno;

        if (fl_scope_all(shim))
                return kept(fl_inotify_init1(shim, flags), saved);
        if (shim->config.mode == FL_MODE_OFF || !flags)
                return fl_real_inotify_init1()(flags);
        return kept(fl_inotify_init1_compat(shim, flags), saved);
}

FL_EXPORT int memfd_create(const char *name, unsigned flags)
{
        struct fl_shim *shim = fl_process();
        int saved = errno;

        if (!fl_scope_all(shim))
                return fl_real_memfd_create()(name, flags);
        return kept(fl_memfd_create(shim, name, flags), saved);
}
