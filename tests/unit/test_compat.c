/* Old kernels in every scope (shim/fd/compat.h): pipe2, epoll_create1 and inotify_init1 missing
 * (ENOSYS before 2.6.27) become the old call with the flags the program asked for applied;
 * close-on-exec under the lock, the refusal remembered; a genuine error is the kernel's answer;
 * flags the program did not ask for are not added; nothing is recorded. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/inotify.h>

#include "compat.h"
#include "fakesys.h"
#include "shim.h"

static struct fl_shim shim;
static int records;

static void capture(struct fl_record *record)
{
        (void)record;
        records++;
}

static void setup(void)
{
        fl_fake_reset();
        memset(&shim, 0, sizeof(shim));
        shim.sys = &fl_fake_sys;
        shim.emit = capture;
        shim.config.scope = FL_SCOPE_SOCKETS;
        records = 0;
}

TestSuite(compat, .init = setup);

Test(compat, pipe2_atomic_where_the_kernel_has_it)
{
        int fds[2];

        cr_assert_eq(fl_pipe2_compat(&shim, fds, O_CLOEXEC), 0);
        cr_expect_eq(fl_fake.pipe2_calls, 1);
        cr_expect_eq(fl_fake.pipe_calls, 0);
        cr_expect(fl_fake.cloexec[fds[0]] && fl_fake.cloexec[fds[1]]);
        cr_expect_eq(records, 0);
}

Test(compat, missing_pipe2_becomes_pipe_with_the_flags_asked_and_is_remembered)
{
        int fds[2];

        fl_fake.pipe2_errno = ENOSYS;
        cr_assert_eq(fl_pipe2_compat(&shim, fds, O_CLOEXEC | O_NONBLOCK), 0);
        cr_expect_eq(fl_fake.pipe_calls, 1);
        for (int i = 0; i < 2; i++) {
                cr_expect(fl_fake.cloexec[fds[i]], "fd %d close-on-exec", fds[i]);
                cr_expect(fl_fake.nonblock[fds[i]], "fd %d non-blocking", fds[i]);
        }
        cr_expect(atomic_load(&shim.pipe2_refused));
        cr_assert_eq(fl_pipe2_compat(&shim, fds, O_CLOEXEC), 0);
        cr_expect_eq(fl_fake.pipe2_calls, 1, "never asked twice");
        cr_expect_not(fl_fake.nonblock[fds[0]], "O_NONBLOCK only when asked");
        cr_expect_eq(records, 0, "nothing recorded in scope sockets");
}

Test(compat, missing_pipe2_with_only_o_nonblock_adds_no_close_on_exec)
{
        int fds[2];

        fl_fake.pipe2_errno = ENOSYS;
        cr_assert_eq(fl_pipe2_compat(&shim, fds, O_NONBLOCK), 0);
        cr_expect_eq(fl_fake.pipe_calls, 1);
        cr_expect(fl_fake.nonblock[fds[0]] && fl_fake.nonblock[fds[1]]);
        cr_expect_not(fl_fake.cloexec[fds[0]] || fl_fake.cloexec[fds[1]]);
}

Test(compat, a_genuine_pipe2_error_is_the_kernels_answer)
{
        int fds[2];

        cr_expect_eq(fl_pipe2_compat(&shim, fds, O_CLOEXEC | 0x1), -1);
        cr_expect_eq(errno, EINVAL);
        cr_expect_eq(fl_fake.pipe_calls, 0);
        cr_expect_not(atomic_load(&shim.pipe2_refused));
}

Test(compat, missing_epoll_create1_becomes_epoll_create_close_on_exec)
{
        int fd;

        fl_fake.epoll_create1_errno = ENOSYS;
        fd = fl_epoll_create1_compat(&shim, EPOLL_CLOEXEC);
        cr_assert_geq(fd, 4);
        cr_expect_eq(fl_fake.epoll_create_calls, 1);
        cr_expect(fl_fake.cloexec[fd]);
        cr_expect(atomic_load(&shim.epoll_create1_refused));
        fd = fl_epoll_create1_compat(&shim, EPOLL_CLOEXEC);
        cr_expect_eq(fl_fake.epoll_create1_calls, 1, "never asked twice");
        cr_expect(fl_fake.cloexec[fd]);
}

Test(compat, epoll_create1_with_a_bad_flag_is_einval)
{
        fl_fake.epoll_create1_errno = EINVAL;
        cr_expect_eq(fl_epoll_create1_compat(&shim, EPOLL_CLOEXEC | 0x1), -1);
        cr_expect_eq(errno, EINVAL);
        cr_expect_eq(fl_fake.epoll_create_calls, 0);
}

Test(compat, missing_inotify_init1_becomes_inotify_init_with_the_flags_asked)
{
        int fd;

        fl_fake.inotify_init1_errno = ENOSYS;
        fd = fl_inotify_init1_compat(&shim, IN_CLOEXEC | IN_NONBLOCK);
        cr_assert_geq(fd, 4);
        cr_expect(fl_fake.cloexec[fd]);
        cr_expect(fl_fake.nonblock[fd]);
        fd = fl_inotify_init1_compat(&shim, IN_NONBLOCK);
        cr_assert_geq(fd, 4);
        cr_expect_not(fl_fake.cloexec[fd], "close-on-exec only when asked");
        cr_expect(fl_fake.nonblock[fd]);
}

Test(compat, the_fallback_fails_cleanly_when_marking_fails)
{
        int fds[2];
        int open_before = fl_fake_open_count();

        fl_fake.pipe2_errno = ENOSYS;
        fl_fake.setfd_errno = EBADF;
        cr_expect_eq(fl_pipe2_compat(&shim, fds, O_CLOEXEC), -1);
        cr_expect_eq(errno, EBADF);
        cr_expect_eq(fl_fake_open_count(), open_before, "both ends closed");
}
