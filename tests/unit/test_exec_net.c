/* The exec-time safety net (scope all): before a new image starts, every fd >= 3 not passed on
 * purpose becomes close-on-exec, with close_range(CLOSE_RANGE_CLOEXEC) per gap between the
 * passed fds, or fd by fd where the kernel has no close_range. Real fds of this test process. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exec_net.h"
#include "fdtable.h"
#include "shim.h"

static int close_range_calls, close_range_errno;

static int real_fcntl_int(int fd, int cmd, int arg)
{
        return (int)syscall(SYS_fcntl, fd, cmd, arg);
}

static int counted_close_range(unsigned first, unsigned last, int flags)
{
        close_range_calls++;
        if (close_range_errno) {
                errno = close_range_errno;
                return -1;
        }
        return (int)syscall(SYS_close_range, first, last, flags);
}

static int real_fstat(int fd, struct stat *st)
{
        return fstat(fd, st);
}

static struct fl_sys sys = {
    .fcntl_int = real_fcntl_int, .close_range = counted_close_range, .fstat = real_fstat};

static struct fl_shim shim;

static void setup(enum fl_scope scope, enum fl_mode mode)
{
        memset(&shim, 0, sizeof(shim));
        shim.config.scope = scope;
        shim.config.mode = mode;
        shim.sys = &sys;
        close_range_calls = 0;
        close_range_errno = 0;
        fl_fdtable_reset();
}

static bool cloexec(int fd)
{
        return fcntl(fd, F_GETFD) & FD_CLOEXEC;
}

static void mark_intent(struct fl_fd_info *info, const void *arg)
{
        (void)arg;
        info->flags |= FL_FD_INTENT;
}

static int inheritable(void)
{
        return open("/dev/null", O_RDONLY);
}

static void close_all(const int *fds, int n)
{
        for (int i = 0; i < n; i++)
                close(fds[i]);
}

Test(exec_net, marks_leaks_and_keeps_what_is_passed)
{
        int fds[6];
        struct fl_fd_info intent = {.call = 0};
        char inherit_value[32];
        char *envp[] = {inherit_value, NULL};

        for (int i = 0; i < 6; i++)
                fds[i] = inheritable();
        snprintf(inherit_value, sizeof(inherit_value), "FORKLOCK_INHERIT=%d", fds[3]);
        setup(FL_SCOPE_ALL, FL_MODE_ENFORCE);
        fl_fdtable_set(fds[1], &intent);
        fl_fdtable_update(fds[1], mark_intent, NULL);
        fl_exec_net(&shim, envp);
        cr_expect(cloexec(fds[0]), "a leak");
        cr_expect(!cloexec(fds[1]), "a dup2/F_SETFD target");
        cr_expect(cloexec(fds[2]), "a leak between passed fds");
        cr_expect(!cloexec(fds[3]), "named by FORKLOCK_INHERIT");
        cr_expect(cloexec(fds[4]) && cloexec(fds[5]), "leaks above the last passed fd");
        cr_expect(!cloexec(0) && !cloexec(1) && !cloexec(2), "0-2 untouched");
        cr_expect_geq(close_range_calls, 1);
        cr_expect_leq(close_range_calls, 4, "one call per gap, got %d", close_range_calls);
        close_all(fds, 6);
}

Test(exec_net, walks_where_close_range_is_missing)
{
        int fds[3];
        char *envp[] = {NULL};

        for (int i = 0; i < 3; i++)
                fds[i] = inheritable();
        setup(FL_SCOPE_ALL, FL_MODE_ENFORCE);
        close_range_errno = ENOSYS;
        errno = 1234;
        fl_exec_net(&shim, envp);
        cr_expect_eq(errno, 1234, "errno kept");
        for (int i = 0; i < 3; i++)
                cr_expect(cloexec(fds[i]), "fd %d", fds[i]);
        close_all(fds, 3);
}

Test(exec_net, nothing_to_do_costs_no_call)
{
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        char *envp[] = {NULL};

        setup(FL_SCOPE_ALL, FL_MODE_ENFORCE);
        fl_exec_net(&shim, envp);
        close_range_calls = 0;
        fl_exec_net(&shim, envp);
        cr_expect_eq(close_range_calls, 0, "the second time, every fd is close-on-exec already");
        close(fd);
}

Test(exec_net, only_scope_all_in_enforce_mode)
{
        int fd = inheritable();
        char *envp[] = {NULL};

        setup(FL_SCOPE_SOCKETS, FL_MODE_ENFORCE);
        fl_exec_net(&shim, envp);
        cr_expect(!cloexec(fd), "scope sockets");
        setup(FL_SCOPE_ALL, FL_MODE_AUDIT);
        fl_exec_net(&shim, envp);
        cr_expect(!cloexec(fd), "audit mode changes nothing");
        close(fd);
}

Test(exec_net, a_jobserver_pipe_stays)
{
        int p[2];
        char makeflags[64];
        char *envp[] = {makeflags, NULL};

        cr_assert_eq(pipe(p), 0);
        snprintf(makeflags, sizeof(makeflags), "MAKEFLAGS= -j4 --jobserver-auth=%d,%d", p[0], p[1]);
        setup(FL_SCOPE_ALL, FL_MODE_ENFORCE);
        fl_exec_net(&shim, envp);
        cr_expect(!cloexec(p[0]) && !cloexec(p[1]));
        close_all(p, 2);
}
