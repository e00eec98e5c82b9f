#include "exec_net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>

#include "fd_list.h"
#include "fdinfo.h"
#include "fdtable.h"
#include "ids.h"
#include "inherit.h"

/* Passed fds remembered for the gaps; beyond this, the net goes fd by fd. */
#define NET_KEPT_MAX 64

struct net_scan {
        struct fl_shim *shim;
        struct fl_inherit_env env;
        pid_t pid;
        int kept[NET_KEPT_MAX];
        int n_kept, leaks;
        bool kept_overflow, marking;
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
        scan->leaks++;
        if (scan->marking)
                scan->shim->sys->fcntl_int(fd, F_SETFD, flags | FD_CLOEXEC);
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

void fl_exec_net(struct fl_shim *shim, char *const envp[])
{
        struct net_scan scan = {.shim = shim};
        int saved = errno;

        if (shim->config.scope != FL_SCOPE_ALL || shim->config.mode != FL_MODE_ENFORCE)
                return;
        fl_inherit_from_envp(&scan.env, envp);
        scan.pid = fl_ids_pid();
        fl_audit_each_fd(net_each, &scan);
        if (scan.leaks > 0 && (scan.kept_overflow || !mark_gaps(&scan))) {
                scan.marking = true;
                scan.n_kept = 0;
                fl_audit_each_fd(net_each, &scan);
        }
        errno = saved;
}
