/* What the fd calls share: recording one call, and noting created fds. */
#include "fdcalls.h"

#include <errno.h>
#include <string.h>

#include "hot.h"
#include "fdtable.h"
#include "goprofile.h"

uint64_t fl_fdcall_record(struct fl_shim *shim, struct fl_record *record, int result,
                          enum fl_decision decision)
{
        return fl_shim_record(shim, record, result, decision);
}

static FL_HOT void note_created(int fd, const struct fl_record *record, uint64_t seq, int family)
{
        struct fl_fd_info info;

        memset(&info, 0, sizeof(info));
        info.seq = seq;
        info.call = record->call;
        info.family = (int16_t)family;
        info.type = (int16_t)record->type;
        if (!(record->flags_asked & SOCK_CLOEXEC) && (record->flags_applied & SOCK_CLOEXEC))
                info.flags = FL_FD_CLOEXEC_FORCED;
        fl_fdtable_set(fd, &info);
}

FL_HOT void fl_fdcall_created(struct fl_shim *shim, const struct fl_record *record, uint64_t seq)
{
        struct fl_fd_info listener;
        int saved = errno;

        if (record->result < 0)
                return;
        if (record->call == FL_CALL_ACCEPT || record->call == FL_CALL_ACCEPT4) {
                /* The new fd is a connection of the listener's family and type. */
                struct fl_record copy = *record;

                fl_fdtable_get(record->fd, &listener);
                copy.type = listener.type;
                note_created(record->result, &copy, seq, listener.family);
                fl_go_accepted(shim, record->result, &listener);
                errno = saved;
                return;
        }
        note_created(record->fd, record, seq, record->family);
        if (record->call == FL_CALL_SOCKETPAIR)
                note_created(record->fd2, record, seq, record->family);
        else
                fl_go_created(shim, record->fd, record->family, record->type);
        errno = saved;
}
