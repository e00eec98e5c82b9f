#include "ocloexec.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "forklock.h"

__attribute__((noinline, cold)) static int
probe(const struct fl_shim *shim, const struct fl_creation *c, int flags, fl_ocloexec_make make)
{
        struct fl_lock_token token;
        int result, saved;

        fl_forklock_read_lock(&token);
        result = make(shim, c, flags);
        saved = errno;
        if (result >= 0) {
                int fd = fl_creation_fd(c, result, 0);
                int fd_flags = shim->sys->fcntl_int(fd, F_GETFD, 0);

                if (fd_flags >= 0 && !(fd_flags & FD_CLOEXEC)) {
                        shim->sys->fcntl_int(fd, F_SETFD, fd_flags | FD_CLOEXEC);
                        atomic_store(c->refusal, true);
                }
                if (fd_flags >= 0)
                        atomic_store(&((struct fl_shim *)shim)->ocloexec_probed, true);
        }
        fl_forklock_read_unlock(&token);
        errno = saved;
        return result;
}

int fl_ocloexec_call(const struct fl_shim *shim, const struct fl_creation *c, int flags,
                     fl_ocloexec_make make)
{
        if (!(flags & O_CLOEXEC) || shim->config.mode != FL_MODE_ENFORCE ||
            atomic_load_explicit(&shim->ocloexec_probed, memory_order_relaxed))
                return make(shim, c, flags);
        return probe(shim, c, flags, make);
}

bool fl_ocloexec_never_refused(const struct fl_shim *shim, const struct fl_creation *c, int err)
{
        (void)shim, (void)c, (void)err;
        return false;
}

void fl_created_describe(const struct fl_creation *c, struct fl_record *record, const char *path)
{
        bool made = record->result >= 0;

        record->fd = c->is_pair ? (made ? c->pair[0] : -1) : record->result;
        record->fd2 = c->is_pair && made ? c->pair[1] : -1;
        if (path)
                strncpy(record->text, path, sizeof(record->text) - 1);
}
