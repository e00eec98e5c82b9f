/* What a fork child runs before exec makes its system calls itself (shim/util/raw_syscall.h), not
 * through libc's syscall(): that function's text page is one more page fault in every fork child,
 * and each refusal it reports writes errno. This suite defines syscall() itself, so the shim linked
 * into it calls this one, which counts the calls and passes them on. */
#include <criterion/criterion.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fd_list.h"
#include "forklock.h"
#include "ids.h"
#include "raw_syscall.h"
#include "readable.h"
#include "safecopy.h"

extern char **environ;

static int libc_syscalls;
static long (*libc_syscall)(long, ...);

long syscall(long nr, ...)
{
        long a[6];
        long got;
        va_list ap;

        va_start(ap, nr);
        for (int i = 0; i < 6; i++)
                a[i] = va_arg(ap, long);
        va_end(ap);
        __atomic_fetch_add(&libc_syscalls, 1, __ATOMIC_RELAXED);
        if (!libc_syscall)
                libc_syscall = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
        got = libc_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        return got;
}

static void count_fd(int fd, void *ctx)
{
        (void)fd;
        ++*(int *)ctx;
}

Test(raw_syscall, a_refused_call_answers_minus_errno_and_leaves_errno_alone)
{
        int closed = 1000;

        errno = 4242;
        cr_assert_eq(fl_raw_syscall(SYS_fcntl, closed, F_GETFD), -EBADF);
        cr_assert_eq(errno, 4242);
        cr_assert_eq(fl_raw_syscall(SYS_getpid), getpid());
}

Test(raw_syscall, the_fd_listing_calls_the_kernel_itself)
{
        int fds[2], seen = 0;

        cr_assert_eq(pipe(fds), 0);
        libc_syscalls = 0;
        fl_audit_each_fd(count_fd, &seen);
        cr_assert_eq(libc_syscalls, 0, "the listing made %d calls through libc's syscall()",
                     libc_syscalls);
        cr_assert_geq(seen, 2);
}

Test(raw_syscall, the_readability_probes_call_the_kernel_themselves)
{
        char text[] = "a string";
        char *unreadable[] = {(char *)(uintptr_t)4096, NULL};

        libc_syscalls = 0;
        cr_assert(fl_vector_readable(environ));
        cr_assert(fl_string_readable(text, sizeof(text)));
        cr_assert_not(fl_vector_readable(unreadable));
        cr_assert_eq(libc_syscalls, 0, "the probes made %d calls through libc's syscall()",
                     libc_syscalls);
}

Test(raw_syscall, a_safe_copy_calls_the_kernel_itself)
{
        char from[] = "copied", to[sizeof(from)];

        libc_syscalls = 0;
        cr_assert(fl_safe_copy_bytes(to, from, sizeof(from)));
        cr_assert_str_eq(to, "copied");
        cr_assert_eq(libc_syscalls, 0);
}

Test(raw_syscall, the_pid_and_tid_come_from_the_kernel_directly)
{
        libc_syscalls = 0;
        cr_assert_eq(fl_ids_pid(), getpid());
        cr_assert_eq(fl_ids_tid(), gettid());
        cr_assert_eq(libc_syscalls, 0);
}

Test(raw_syscall, the_fork_lock_sets_the_signal_mask_itself)
{
        struct fl_lock_token token;

        libc_syscalls = 0;
        fl_forklock_write_lock(&token);
        fl_forklock_restore_mask(&token);
        fl_forklock_write_unlock(&token);
        cr_assert(token.acquired == false);
        cr_assert_eq(libc_syscalls, 0);
}
