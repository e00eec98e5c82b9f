/* fcntl's commands that create or mark fds: F_DUPFD becomes F_DUPFD_CLOEXEC (with the fallback
 * under the fork lock when the kernel refuses it), F_SETFD without FD_CLOEXEC is intent, and so is
 * ioctl(FIONCLEX), its other spelling (CPython's os.set_inheritable). */
#include <errno.h>
#include <string.h>

#include "dupfd.h"
#include "fdtable.h"
#include "stdfds.h"
#include "fdcalls.h"

static void fill(struct fl_record *record, int fd, int cmd, int issued, int arg)
{
        memset(record, 0, sizeof(*record));
        record->call = FL_CALL_FCNTL;
        record->fd = fd;
        record->fd2 = -1;
        record->flags_asked = (uint32_t)cmd;
        record->flags_applied = (uint32_t)issued;
        record->aux = arg;
}

static int duplicate_unchanged(struct fl_shim *shim, int fd, int cmd, int arg)
{
        struct fl_record record;
        int result = shim->sys->fcntl_int(fd, cmd, arg);
        enum fl_decision decision = FL_DEC_PASSTHROUGH;
        bool stdfd = fl_stdfd_intent(shim, result, cmd == F_DUPFD_CLOEXEC, false);

        if (cmd == F_DUPFD && shim->config.mode == FL_MODE_AUDIT && fl_dupfd_in_scope(shim, fd))
                decision = stdfd ? FL_DEC_INTENT : FL_DEC_AUDIT_WOULD_CHANGE;
        fill(&record, fd, cmd, cmd, arg);
        record.fd2 = result;
        fl_dupfd_note(fd, result, FL_CALL_FCNTL, fl_fdcall_record(shim, &record, result, decision),
                      false, stdfd);
        return result;
}

/* F_DUPFD made close-on-exec, or the caller's own F_DUPFD_CLOEXEC, which a kernel before 2.6.24
 * refuses: the caller still gets its semantics, from the fallback under the lock. */
static int duplicate_cloexec(struct fl_shim *shim, int fd, int cmd, int arg)
{
        struct fl_record record;
        enum fl_decision decision;
        int result = fl_dupfd_cloexec(shim, fd, arg, &decision);
        bool stdfd = fl_stdfd_intent(shim, result, cmd == F_DUPFD_CLOEXEC, false);

        /* The caller's own F_DUPFD_CLOEXEC, taken by the kernel: forklock changed nothing. */
        if (cmd == F_DUPFD_CLOEXEC && decision == FL_DEC_ATOMIC)
                decision = FL_DEC_PASSTHROUGH;
        if (stdfd)
                decision = FL_DEC_INTENT;
        fill(&record, fd, cmd, F_DUPFD_CLOEXEC, arg);
        record.fd2 = result;
        fl_dupfd_note(fd, result, FL_CALL_FCNTL, fl_fdcall_record(shim, &record, result, decision),
                      cmd == F_DUPFD && !stdfd, stdfd);
        return result;
}

static void mark_intent(struct fl_fd_info *info, const void *arg)
{
        bool passed = *(const bool *)arg;

        info->flags &= (uint8_t) ~(FL_FD_INTENT | FL_FD_CLOEXEC_FORCED);
        if (passed)
                info->flags |= FL_FD_INTENT;
}

/* An fd the table does not know (inherited, or created by an unwrapped call) still gets an
 * entry, with no creating call, so that its intent is known. */
static void note_setfd(int fd, bool passed, uint64_t seq)
{
        struct fl_fd_info info;

        if (fl_fdtable_update(fd, mark_intent, &passed) || !passed)
                return;
        memset(&info, 0, sizeof(info));
        info.seq = seq;
        info.flags = FL_FD_INTENT;
        fl_fdtable_set(fd, &info);
}

/* F_SETFD and ioctl(FIONCLEX/FIOCLEX) alike: close-on-exec cleared is intent. */
static int record_fd_flags(struct fl_shim *shim, struct fl_record *record, int result, bool passed)
{
        uint64_t seq =
            fl_fdcall_record(shim, record, result, passed ? FL_DEC_INTENT : FL_DEC_PASSTHROUGH);

        if (result >= 0) {
                int saved = errno;
                note_setfd(record->fd, passed, seq);
                errno = saved;
        }
        return result;
}

static int set_fd_flags(struct fl_shim *shim, int fd, int arg)
{
        struct fl_record record;
        int result = shim->sys->fcntl_int(fd, F_SETFD, arg);

        fill(&record, fd, F_SETFD, F_SETFD, arg);
        return record_fd_flags(shim, &record, result, !(arg & FD_CLOEXEC));
}

int fl_ioctl_cloexec(struct fl_shim *shim, int fd, unsigned long request, unsigned long arg)
{
        struct fl_record record;
        int result = shim->sys->ioctl(fd, request, arg);

        if (shim->config.mode == FL_MODE_OFF)
                return result;
        memset(&record, 0, sizeof(record));
        record.call = FL_CALL_IOCTL;
        record.fd = fd;
        record.fd2 = -1;
        record.flags_asked = (uint32_t)request;
        record.flags_applied = (uint32_t)request;
        return record_fd_flags(shim, &record, result, (unsigned)request == FIONCLEX);
}

int fl_fcntl_int(struct fl_shim *shim, int fd, int cmd, int arg)
{
        if (shim->config.mode == FL_MODE_OFF || !fl_fcntl_watched(cmd))
                return shim->sys->fcntl_int(fd, cmd, arg);
        if (cmd == F_SETFD)
                return set_fd_flags(shim, fd, arg);
        if (shim->config.mode == FL_MODE_ENFORCE &&
            (cmd == F_DUPFD_CLOEXEC || fl_dupfd_in_scope(shim, fd)))
                return duplicate_cloexec(shim, fd, cmd, arg);
        return duplicate_unchanged(shim, fd, cmd, arg);
}
