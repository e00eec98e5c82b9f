/* The exec-time safety net (scope all): before a new image starts, every fd >= 3 not passed on
 * purpose becomes close-on-exec, with close_range(CLOSE_RANGE_CLOEXEC) per gap between the
 * passed fds, or fd by fd where the kernel has no close_range. Real fds of this test process. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exec_net.h"
#include "fdinfo.h"
#include "fdtable.h"
#include "names.h"
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

#define KEPT 256
static struct fl_record records[KEPT];
static int nrecords;

static void capture(struct fl_record *record)
{
        if (nrecords < KEPT)
                records[nrecords] = *record;
        nrecords++;
}

static void setup(enum fl_scope scope, enum fl_mode mode)
{
        memset(&shim, 0, sizeof(shim));
        shim.config.scope = scope;
        shim.config.mode = mode;
        shim.sys = &sys;
        shim.emit = capture;
        nrecords = 0;
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

/* The test runner's own inheritable fds would be marked (and recorded) too: they are made
 * close-on-exec first, so that the records counted are the test's. */
static void only_the_tests_fds_leak(void)
{
        cr_assert_eq(syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC), 0);
}

static const struct fl_record *net_record_of(int fd)
{
        for (int i = 0; i < nrecords && i < KEPT; i++)
                if (records[i].call == FL_CALL_EXEC_NET && records[i].fd == fd &&
                    records[i].aux == 0)
                        return &records[i];
        return NULL;
}

static int net_records(void)
{
        int n = 0;

        for (int i = 0; i < nrecords && i < KEPT; i++)
                n += records[i].call == FL_CALL_EXEC_NET;
        return n;
}

static void expect_marked_and_recorded(int fd)
{
        const struct fl_record *r = net_record_of(fd);
        struct stat st;

        cr_assert(r, "no record for fd %d", fd);
        cr_expect_eq(r->decision, FL_DEC_EXEC_NET);
        cr_expect_eq(r->result, 0);
        cr_expect_eq(r->pid, getpid());
        cr_expect_eq(fstat(fd, &st), 0);
        cr_expect_eq(r->ino, (uint64_t)st.st_ino, "fd %d's inode, for the audit's origin", fd);
        cr_expect_eq(r->protocol, FL_KIND_CHAR, "/dev/null, a character device");
        cr_expect(cloexec(fd));
}

Test(exec_net, one_record_per_fd_it_marks)
{
        int fds[4];
        struct fl_fd_info intent = {.call = 0};
        char *envp[] = {NULL};

        only_the_tests_fds_leak();
        for (int i = 0; i < 4; i++)
                fds[i] = inheritable();
        setup(FL_SCOPE_ALL, FL_MODE_ENFORCE);
        fl_fdtable_set(fds[2], &intent);
        fl_fdtable_update(fds[2], mark_intent, NULL);
        errno = 777;
        fl_exec_net(&shim, envp);
        cr_expect_eq(errno, 777);
        expect_marked_and_recorded(fds[0]);
        expect_marked_and_recorded(fds[1]);
        expect_marked_and_recorded(fds[3]);
        cr_expect_null(net_record_of(fds[2]), "a passed fd is not marked");
        cr_expect_eq(net_records(), 3);
        close_all(fds, 4);
}

Test(exec_net, the_walk_records_too)
{
        int fds[3];
        char *envp[] = {NULL};

        only_the_tests_fds_leak();
        for (int i = 0; i < 3; i++)
                fds[i] = inheritable();
        setup(FL_SCOPE_ALL, FL_MODE_ENFORCE);
        close_range_errno = ENOSYS;
        fl_exec_net(&shim, envp);
        for (int i = 0; i < 3; i++)
                expect_marked_and_recorded(fds[i]);
        cr_expect_eq(net_records(), 3);
        close_all(fds, 3);
}

Test(exec_net, nothing_to_do_records_nothing)
{
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        char *envp[] = {NULL};

        only_the_tests_fds_leak();
        setup(FL_SCOPE_ALL, FL_MODE_ENFORCE);
        fl_exec_net(&shim, envp);
        cr_expect_eq(nrecords, 0);
        close(fd);
}

/* Thousands of fds must not flush the ring at every exec: the first ones one by one, then one
 * record for the rest. */
Test(exec_net, many_fds_cost_a_bounded_number_of_records)
{
        enum { N = 100, ONE_BY_ONE = 64 };
        int fds[N];
        char *envp[] = {NULL};
        const struct fl_record *rest = NULL;

        only_the_tests_fds_leak();
        for (int i = 0; i < N; i++)
                fds[i] = inheritable();
        setup(FL_SCOPE_ALL, FL_MODE_ENFORCE);
        fl_exec_net(&shim, envp);
        for (int i = 0; i < ONE_BY_ONE; i++)
                cr_expect(net_record_of(fds[i]), "fd %d", fds[i]);
        for (int i = 0; i < nrecords && i < KEPT; i++)
                if (records[i].call == FL_CALL_EXEC_NET && records[i].aux > 0)
                        rest = &records[i];
        cr_assert(rest, "one record for the rest");
        cr_expect_eq(rest->aux, N - ONE_BY_ONE);
        cr_expect_eq(rest->fd, fds[ONE_BY_ONE]);
        cr_expect_eq(rest->fd2, fds[N - 1]);
        cr_expect_eq(net_records(), ONE_BY_ONE + 1);
        for (int i = 0; i < N; i++)
                cr_expect(cloexec(fds[i]), "fd %d", fds[i]);
        close_all(fds, N);
}

Test(exec_net, dump_and_audit_name_it)
{
        struct fl_record r = {.call = FL_CALL_EXEC_NET, .decision = FL_DEC_EXEC_NET, .fd = 7};
        char text[256];
        struct names_buf b = {text, sizeof(text), 0};

        r.protocol = FL_KIND_FILE;
        cr_expect_str_eq(fl_call_name(FL_CALL_EXEC_NET), "exec_net");
        cr_expect_str_eq(fl_decision_name(FL_DEC_EXEC_NET), "exec-net");
        names_detail(&b, &r, NAMES_VIEW_NONE);
        cr_expect(strstr(text, "exec net: made close-on-exec before exec"), "%s", text);
        r.fd2 = 900;
        r.aux = 36;
        b.len = 0;
        names_detail(&b, &r, NAMES_VIEW_NONE);
        cr_expect(strstr(text, "36 more fds (7..900)"), "%s", text);
}

/* Outside scope all the net runs on every exec and does nothing: it must not write the stack of
 * its scan either, which in a fork child costs a copy-on-write fault a page. Run on a 4 KiB stack
 * just above a page that may not be touched: a frame that zeroes its 5 KiB scan first dies there.
 */
static ucontext_t caller, on_small_stack;

static void net_outside_scope_all(void)
{
        char *envp[] = {NULL};

        fl_exec_net(&shim, envp);
}

Test(exec_net, outside_scope_all_it_writes_no_scan_on_the_stack)
{
        int status;
        pid_t pid;

        setup(FL_SCOPE_SOCKETS, FL_MODE_ENFORCE);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                char *area = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
                                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

                if (area == MAP_FAILED || mprotect(area, 4096, PROT_NONE) != 0)
                        _exit(2);
                getcontext(&on_small_stack);
                on_small_stack.uc_stack.ss_sp = area + 4096;
                on_small_stack.uc_stack.ss_size = 4096;
                on_small_stack.uc_link = &caller;
                makecontext(&on_small_stack, net_outside_scope_all, 0);
                swapcontext(&caller, &on_small_stack);
                _exit(0);
        }
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the net outside scope all touched more than 4 KiB of stack (status 0x%x)",
                  status);
}
