/* The dup family. dup becomes a close-on-exec duplicate; dup2 and dup3 name their target, which is
 * intent: dup2 clears close-on-exec by definition (how Go hands fds to children), dup3 honours
 * O_CLOEXEC. On success the target's old entry is replaced (fl_dupfd_note); a failed call closes
 * nothing, so it leaves the entry alone. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "dupfd.h"
#include "fdtable.h"
#include "stdfds.h"
#include "fdcalls.h"

static void fill(struct fl_record *record, enum fl_call call, int fd, int flags)
{
        memset(record, 0, sizeof(*record));
        record->call = (uint16_t)call;
        record->fd = fd;
        record->flags_asked = (uint32_t)flags;
}

int fl_dup(struct fl_shim *shim, int fd)
{
        struct fl_record record;
        enum fl_decision decision = FL_DEC_AUDIT_WOULD_CHANGE;
        bool enforce = shim->config.mode == FL_MODE_ENFORCE;
        bool stdfd;
        int result;

        if (shim->config.mode == FL_MODE_OFF)
                return shim->sys->dup(fd);
        if (!fl_dupfd_in_scope(shim, fd)) {
                enforce = false;
                decision = FL_DEC_PASSTHROUGH;
        }
        result = enforce ? fl_dupfd_cloexec(shim, fd, 0, &decision) : shim->sys->dup(fd);
        stdfd = fl_stdfd_intent(shim, result, false, false);
        if (stdfd)
                decision = FL_DEC_INTENT;
        fill(&record, FL_CALL_DUP, fd, 0);
        record.fd2 = result;
        record.flags_applied = enforce && !stdfd ? O_CLOEXEC : 0;
        fl_dupfd_note(fd, result, FL_CALL_DUP, fl_fdcall_record(shim, &record, result, decision),
                      enforce && !stdfd, stdfd);
        return result;
}

int fl_dup2(struct fl_shim *shim, int fd, int target)
{
        struct fl_record record;
        int result;

        if (shim->config.mode == FL_MODE_OFF)
                return shim->sys->dup2(fd, target);
        result = shim->sys->dup2(fd, target);
        fill(&record, FL_CALL_DUP2, fd, 0);
        record.fd2 = result;
        /* dup2(fd, fd) changes nothing, not even close-on-exec. */
        if (fd == target) {
                fl_fdcall_record(shim, &record, result, FL_DEC_PASSTHROUGH);
                return result;
        }
        fl_dupfd_note(fd, result, FL_CALL_DUP2,
                      fl_fdcall_record(shim, &record, result, FL_DEC_INTENT), false, true);
        return result;
}

int fl_dup3(struct fl_shim *shim, int fd, int target, int flags)
{
        struct fl_record record;
        bool passed = !(flags & O_CLOEXEC);
        int result;

        if (shim->config.mode == FL_MODE_OFF)
                return shim->sys->dup3(fd, target, flags);
        result = shim->sys->dup3(fd, target, flags);
        fill(&record, FL_CALL_DUP3, fd, flags);
        record.fd2 = result;
        record.flags_applied = (uint32_t)flags;
        fl_dupfd_note(
            fd, result, FL_CALL_DUP3,
            fl_fdcall_record(shim, &record, result, passed ? FL_DEC_INTENT : FL_DEC_PASSTHROUGH),
            false, passed);
        return result;
}
