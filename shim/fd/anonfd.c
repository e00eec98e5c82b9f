/* The anon-inode fds in scope all: epoll, eventfd, timerfd, signalfd, inotify and memfd, each
 * with its own close-on-exec flag (all O_CLOEXEC's value but MFD_CLOEXEC). The flag-taking forms
 * came in 2.6.27: epoll_create1 and inotify_init1 were missing before (ENOSYS: the old call
 * instead), eventfd, timerfd_create and signalfd refused flags (EINVAL; glibc's eventfd and
 * signalfd answer ENOSYS where eventfd2/signalfd4 are missing). */
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "compat.h"
#include "create.h"
#include "fdtable.h"
#include "ocloexec.h"

struct anon_args {
        int number;          /* epoll_create's size, eventfd's count, the clock, signalfd's fd */
        const void *pointer; /* signalfd's mask, memfd_create's name */
};

static bool missing(const struct fl_shim *shim, const struct fl_creation *c, int err)
{
        (void)shim, (void)c;
        return err == ENOSYS;
}

static bool flags_refused(const struct fl_shim *shim, const struct fl_creation *c, int err)
{
        (void)shim, (void)c;
        return err == EINVAL || err == ENOSYS;
}

static void describe(const struct fl_creation *c, struct fl_record *record)
{
        const struct anon_args *args = c->args;

        fl_created_describe(c, record, c->call == FL_CALL_MEMFD ? args->pointer : NULL);
        record->aux = args->number;
}

static int make_epoll(const struct fl_shim *shim, const struct fl_creation *c, int flags)
{
        const struct anon_args *args = c->args;

        return flags ? shim->sys->epoll_create1(flags) : shim->sys->epoll_create(args->number);
}

static const struct fl_creation_ops epoll_ops = {
    .cloexec = EPOLL_CLOEXEC, .call = make_epoll, .refused = missing, .describe = describe};

int fl_epoll_create(struct fl_shim *shim, int size, int flags)
{
        struct anon_args args = {size, NULL};
        struct fl_creation c = {
            &epoll_ops, &shim->epoll_create1_refused, FL_CALL_EPOLL, flags, false, NULL, &args};

        if (size <= 0) {
                errno = EINVAL;
                return -1;
        }
        return fl_create(shim, &c);
}

int fl_epoll_create1_compat(struct fl_shim *shim, int flags)
{
        struct anon_args args = {1, NULL};
        struct fl_creation c = {
            &epoll_ops, &shim->epoll_create1_refused, FL_CALL_EPOLL, flags, false, NULL, &args};

        return fl_create_compat(shim, &c);
}

static int make_eventfd(const struct fl_shim *shim, const struct fl_creation *c, int flags)
{
        const struct anon_args *args = c->args;

        return shim->sys->eventfd((unsigned)args->number, flags);
}

static const struct fl_creation_ops eventfd_ops = {.cloexec = EFD_CLOEXEC,
                                                   .nonblock = EFD_NONBLOCK,
                                                   .call = make_eventfd,
                                                   .refused = flags_refused,
                                                   .describe = describe};

int fl_eventfd(struct fl_shim *shim, unsigned count, int flags)
{
        struct anon_args args = {(int)count, NULL};
        struct fl_creation c = {
            &eventfd_ops, &shim->eventfd_flags_refused, FL_CALL_EVENTFD, flags, false, NULL, &args};

        return fl_create(shim, &c);
}

static int make_timerfd(const struct fl_shim *shim, const struct fl_creation *c, int flags)
{
        const struct anon_args *args = c->args;

        return shim->sys->timerfd_create(args->number, flags);
}

static const struct fl_creation_ops timerfd_ops = {.cloexec = TFD_CLOEXEC,
                                                   .nonblock = TFD_NONBLOCK,
                                                   .call = make_timerfd,
                                                   .refused = flags_refused,
                                                   .describe = describe};

int fl_timerfd_create(struct fl_shim *shim, int clock, int flags)
{
        struct anon_args args = {clock, NULL};
        struct fl_creation c = {
            &timerfd_ops, &shim->timerfd_flags_refused, FL_CALL_TIMERFD, flags, false, NULL, &args};

        return fl_create(shim, &c);
}

static int make_signalfd(const struct fl_shim *shim, const struct fl_creation *c, int flags)
{
        const struct anon_args *args = c->args;

        return shim->sys->signalfd(args->number, args->pointer, flags);
}

static const struct fl_creation_ops signalfd_ops = {.cloexec = SFD_CLOEXEC,
                                                    .nonblock = SFD_NONBLOCK,
                                                    .call = make_signalfd,
                                                    .refused = flags_refused,
                                                    .describe = describe};

int fl_signalfd(struct fl_shim *shim, int fd, const sigset_t *mask, int flags)
{
        struct anon_args args = {fd, mask};
        struct fl_creation c = {
            &signalfd_ops, &shim->signalfd_flags_refused, FL_CALL_SIGNALFD, flags, false, NULL,
            &args};

        if (fd != -1)
                return shim->sys->signalfd(fd, mask, flags);
        return fl_create(shim, &c);
}

static int make_inotify(const struct fl_shim *shim, const struct fl_creation *c, int flags)
{
        (void)c;
        return flags ? shim->sys->inotify_init1(flags) : shim->sys->inotify_init();
}

static const struct fl_creation_ops inotify_ops = {.cloexec = IN_CLOEXEC,
                                                   .nonblock = IN_NONBLOCK,
                                                   .call = make_inotify,
                                                   .refused = missing,
                                                   .describe = describe};

int fl_inotify_init1(struct fl_shim *shim, int flags)
{
        struct anon_args args = {0, NULL};
        struct fl_creation c = {
            &inotify_ops, &shim->inotify_init1_refused, FL_CALL_INOTIFY, flags, false, NULL, &args};

        return fl_create(shim, &c);
}

int fl_inotify_init1_compat(struct fl_shim *shim, int flags)
{
        struct anon_args args = {0, NULL};
        struct fl_creation c = {
            &inotify_ops, &shim->inotify_init1_refused, FL_CALL_INOTIFY, flags, false, NULL, &args};

        return fl_create_compat(shim, &c);
}

static int make_memfd(const struct fl_shim *shim, const struct fl_creation *c, int flags)
{
        const struct anon_args *args = c->args;

        return shim->sys->memfd_create(args->pointer, (unsigned)flags);
}

static const struct fl_creation_ops memfd_ops = {
    .cloexec = MFD_CLOEXEC, .call = make_memfd, .refused = flags_refused, .describe = describe};

/* The fdtable reads a created fd's flags in O_CLOEXEC's spelling, and the record keeps memfd's
 * own (MFD_CLOEXEC is 1): the entry is told here that forklock added close-on-exec. */
static void note_forced(struct fl_fd_info *info, const void *arg)
{
        (void)arg;
        if (info->call == FL_CALL_MEMFD && !(info->flags & FL_FD_INTENT))
                info->flags |= FL_FD_CLOEXEC_FORCED;
}

int fl_memfd_create(struct fl_shim *shim, const char *name, unsigned flags)
{
        struct anon_args args = {0, name};
        struct fl_creation c = {
            &memfd_ops, &shim->memfd_flags_refused, FL_CALL_MEMFD, (int)flags, false, NULL, &args};
        int fd = fl_create(shim, &c);

        if (fd >= 0 && shim->config.mode == FL_MODE_ENFORCE && !(flags & MFD_CLOEXEC))
                fl_fdtable_update(fd, note_forced, NULL);
        return fd;
}
