#include "exec_net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <string.h>

#include "fd_list.h"
#include "fdinfo.h"
#include "fdtable.h"
#include "ids.h"
#include "inherit.h"

/* Passed fds remembered for the gaps; beyond this, the net goes fd by fd. */
#define NET_KEPT_MAX 64
/* Marked fds recorded one by one; the rest in one record that says how many (a program holding
 * thousands of fds must not flush the ring at every exec). */
#define NET_RECORDED_MAX 64

struct net_mark {
        int fd, err; /* err: F_SETFD's errno in the walk, 0 when marked */
};

struct net_scan {
        struct fl_shim *shim;
        struct fl_inherit_env env;
        pid_t pid;
        int kept[NET_KEPT_MAX];
        int n_kept, leaks;
        bool kept_overflow, marking;
        struct net_mark marked[NET_RECORDED_MAX];
        int first_unrecorded, last_leak;
};

static bool has_intent(const struct fl_shim *shim, int fd)
{
        struct fl_fd_info info;

        return fl_fdtable_verify(shim->sys, fd, &info) && (info.flags & FL_FD_INTENT);
}

/* FORKLOCK_INHERIT's tcp:PORT items need the socket's type and port: described only then. */
static bool named(const struct net_scan *scan, int fd)
{
        struct fl_fdinfo info = {.type = 0, .local_port = 0};

        if (scan->env.value[FL_VAR_FORKLOCK_INHERIT])
                fl_fdinfo_describe(fd, &info);
        return fl_inherit_convention(&scan->env, scan->pid, fd, info.type, info.local_port) !=
               FL_PASS_NONE;
}

static bool passed(const struct net_scan *scan, int fd)
{
        return has_intent(scan->shim, fd) || named(scan, fd);
}

static void net_each(int fd, void *ctx)
{
        struct net_scan *scan = ctx;
        int flags = scan->shim->sys->fcntl_int(fd, F_GETFD, 0);

        if (flags < 0 || (flags & FD_CLOEXEC))
                return;
        if (passed(scan, fd)) {
                if (scan->n_kept < NET_KEPT_MAX)
                        scan->kept[scan->n_kept++] = fd;
                else
                        scan->kept_overflow = true;
                return;
        }
        if (scan->leaks < NET_RECORDED_MAX)
                scan->marked[scan->leaks] = (struct net_mark){fd, 0};
        else if (scan->leaks == NET_RECORDED_MAX)
                scan->first_unrecorded = fd;
        scan->last_leak = fd;
        if (scan->marking && scan->shim->sys->fcntl_int(fd, F_SETFD, flags | FD_CLOEXEC) < 0 &&
            scan->leaks < NET_RECORDED_MAX)
                scan->marked[scan->leaks].err = errno;
        scan->leaks++;
}

static bool mark_range(const struct fl_shim *shim, unsigned first, unsigned last)
{
        return first > last || shim->sys->close_range(first, last, CLOSE_RANGE_CLOEXEC) == 0;
}

/* The listing is ascending, so kept[] is sorted: one call per gap, up to the last fd. */
static bool mark_gaps(const struct net_scan *scan)
{
        unsigned first = 3;

        for (int i = 0; i < scan->n_kept; i++) {
                if (!mark_range(scan->shim, first, (unsigned)scan->kept[i] - 1))
                        return false;
                first = (unsigned)scan->kept[i] + 1;
        }
        return mark_range(scan->shim, first, ~0U);
}

/* Ids taken now, not by emit: this may be a vfork child, which shares the parent's memory. The
 * record is built on this stack and copied into the shared ring: nothing else is written. */
static void emit(const struct net_scan *scan, struct fl_record *record, int err)
{
        record->call = FL_CALL_EXEC_NET;
        record->pid = (int32_t)scan->pid;
        record->tid = (int32_t)fl_ids_tid();
        record->result = err ? -1 : 0;
        record->err = err;
        fl_shim_decide(scan->shim, record, err ? FL_DEC_ERROR : FL_DEC_EXEC_NET);
}

/* One record per marked fd, with what it is (kind, inode for the audit's origin, the start of its
 * path or address), then one for those beyond NET_RECORDED_MAX. */
static void record_marked(const struct net_scan *scan)
{
        struct fl_record record;
        struct fl_fdinfo info;

        for (int i = 0; i < scan->leaks && i < NET_RECORDED_MAX; i++) {
                memset(&record, 0, sizeof(record));
                record.fd = scan->marked[i].fd;
                record.fd2 = -1;
                if (fl_fdinfo_describe(record.fd, &info) == 0) {
                        record.protocol = info.kind;
                        record.ino = info.ino;
                        record.family = info.family;
                        record.type = info.type;
                        for (size_t c = 0; c < sizeof(record.text) && info.text[c]; c++)
                                record.text[c] = info.text[c];
                }
                emit(scan, &record, scan->marked[i].err);
        }
        if (scan->leaks <= NET_RECORDED_MAX)
                return;
        memset(&record, 0, sizeof(record));
        record.fd = scan->first_unrecorded;
        record.fd2 = scan->last_leak;
        record.aux = scan->leaks - NET_RECORDED_MAX;
        emit(scan, &record, 0);
}

/* Its own frame (5 KiB): the zeroing of a scan declared in fl_exec_net ran before the scope test,
 * on every exec, and in a fork child each stack page it wrote was a copy-on-write fault. */
static __attribute__((noinline)) void run_net(struct fl_shim *shim, char *const envp[])
{
        struct net_scan scan = {.shim = shim};
        int saved = errno;

        fl_inherit_from_envp(&scan.env, envp);
        scan.pid = fl_ids_pid();
        fl_audit_each_fd(net_each, &scan);
        if (scan.leaks > 0 && (scan.kept_overflow || !mark_gaps(&scan))) {
                scan.marking = true;
                scan.n_kept = scan.leaks = 0;
                fl_audit_each_fd(net_each, &scan);
        }
        if (scan.leaks > 0)
                record_marked(&scan);
        errno = saved;
}

void fl_exec_net(struct fl_shim *shim, char *const envp[])
{
        if (shim->config.scope == FL_SCOPE_ALL && shim->config.mode == FL_MODE_ENFORCE)
                run_net(shim, envp);
}
