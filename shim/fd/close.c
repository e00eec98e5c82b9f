/* close, close_range, closefrom: pass-through, clearing the fdtable entries first. Before, not
 * after: once the fd is closed another thread may get the number back and note a new entry, which
 * a late clear would wipe. close is hot and decides nothing, so it is not recorded. */
#include <string.h>

#include "hot.h"
#include "fdtable.h"
#include "fdcalls.h"

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

FL_HOT int fl_close(struct fl_shim *shim, int fd)
{
        if (shim->config.mode != FL_MODE_OFF)
                fl_fdtable_clear(fd);
        return shim->sys->close(fd);
}

static void fill(struct fl_record *record, enum fl_call call, int first, int last, int flags)
{
        memset(record, 0, sizeof(*record));
        record->call = (uint16_t)call;
        record->fd = first;
        record->fd2 = last;
        record->aux = flags;
}

static void no_longer_passed(struct fl_fd_info *info, const void *arg)
{
        (void)arg;
        info->flags &= (uint8_t)~FL_FD_INTENT;
}

int fl_close_range(struct fl_shim *shim, unsigned first, unsigned last, int flags)
{
        struct fl_record record;
        bool valid = first <= last && !(flags & ~(int)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC));
        int result;

        if (shim->config.mode == FL_MODE_OFF)
                return shim->sys->close_range(first, last, flags);
        /* CLOSE_RANGE_CLOEXEC closes nothing: it marks the range, ending any intent, afterwards. */
        if (valid && !(flags & CLOSE_RANGE_CLOEXEC))
                fl_fdtable_clear_range(first, last);
        result = shim->sys->close_range(first, last, flags);
        if (result == 0 && (flags & CLOSE_RANGE_CLOEXEC))
                for (unsigned fd = first; fd <= last && fd < FL_FDTABLE_SIZE; fd++)
                        fl_fdtable_update((int)fd, no_longer_passed, NULL);
        fill(&record, FL_CALL_CLOSE_RANGE, (int)first, (int)last, flags);
        fl_fdcall_record(shim, &record, result, FL_DEC_PASSTHROUGH);
        return result;
}

void fl_closefrom(struct fl_shim *shim, int first)
{
        struct fl_record record;

        if (shim->config.mode == FL_MODE_OFF) {
                shim->sys->closefrom(first);
                return;
        }
        /* glibc treats a negative first as 0. */
        fl_fdtable_clear_range(first < 0 ? 0 : (unsigned)first, FL_FDTABLE_SIZE - 1);
        shim->sys->closefrom(first);
        fill(&record, FL_CALL_CLOSEFROM, first, -1, 0);
        fl_fdcall_record(shim, &record, 0, FL_DEC_PASSTHROUGH);
}
