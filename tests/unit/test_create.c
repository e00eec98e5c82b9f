/* Scope all's creating calls over the fake syscall table: the atomic path, the fallback, the
 * remembered refusal, a genuine error, the caller's own flags and fds 0-2, per kind. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "create.h"
#include "fakesys.h"
#include "fdtable.h"
#include "shim.h"

static struct fl_shim shim;
static struct fl_record last;
static int records;

static void capture(struct fl_record *record)
{
        last = *record;
        records++;
}

static void setup(void)
{
        fl_fake_reset();
        memset(&shim, 0, sizeof(shim));
        shim.sys = &fl_fake_sys;
        shim.emit = capture;
        shim.config.scope = FL_SCOPE_ALL;
        records = 0;
}

TestSuite(open, .init = setup);
TestSuite(pipe, .init = setup);
TestSuite(anonfd, .init = setup);
TestSuite(stream, .init = setup);

Test(open, atomic_adds_o_cloexec)
{
        int fd = fl_openat(&shim, AT_FDCWD, "/etc/passwd", O_RDONLY, 0);

        cr_assert_geq(fd, 4);
        cr_expect_eq(fl_fake.last_flags, O_RDONLY | O_CLOEXEC);
        cr_expect(fl_fake.cloexec[fd]);
        cr_expect_eq(last.call, FL_CALL_OPEN);
        cr_expect_eq(last.decision, FL_DEC_ATOMIC);
        cr_expect_str_eq(last.text, "/etc/passwd");
        cr_expect_eq(fl_fake.setfd_calls, 0);
}

/* Before 2.6.23 the kernel ignores O_CLOEXEC silently: the first open's fd is checked and marked,
 * later opens take the fallback without asking the kernel for the flag. */
Test(open, ignored_o_cloexec_is_found_once_then_remembered)
{
        int fd;

        fl_fake.open_ignores_cloexec = true;
        fd = fl_openat(&shim, AT_FDCWD, "a", O_RDONLY, 0);
        cr_assert_geq(fd, 4);
        cr_expect(fl_fake.cloexec[fd], "the probed fd is marked");
        cr_expect(atomic_load(&shim.ocloexec_refused));
        fd = fl_openat(&shim, AT_FDCWD, "b", O_WRONLY | O_APPEND, 0);
        cr_expect(fl_fake.cloexec[fd]);
        cr_expect_eq(fl_fake.last_flags, O_WRONLY | O_APPEND, "no O_CLOEXEC asked of the kernel");
        cr_expect_eq(last.decision, FL_DEC_REMEMBERED_FALLBACK);
}

Test(open, honoured_o_cloexec_is_probed_once)
{
        fl_openat(&shim, AT_FDCWD, "a", O_RDONLY, 0);
        fl_openat(&shim, AT_FDCWD, "b", O_RDONLY, 0);
        cr_expect(atomic_load(&shim.ocloexec_probed));
        cr_expect_not(atomic_load(&shim.ocloexec_refused));
        cr_expect_eq(last.decision, FL_DEC_ATOMIC);
}

Test(open, simulated_einval_takes_the_fallback)
{
        int fd;

        shim.config.simulate_einval = true;
        fd = fl_openat(&shim, AT_FDCWD, "a", O_RDONLY, 0);
        cr_expect(fl_fake.cloexec[fd]);
        cr_expect_eq(fl_fake.last_flags, O_RDONLY);
        cr_expect_eq(last.decision, FL_DEC_FALLBACK);
}

Test(open, genuine_error_is_the_kernels)
{
        fl_fake.open_errno = ENOENT;
        errno = 0;
        cr_expect_eq(fl_openat(&shim, AT_FDCWD, "missing", O_RDONLY, 0), -1);
        cr_expect_eq(errno, ENOENT);
        cr_expect_eq(fl_fake.open_calls, 1, "no retry");
        cr_expect_not(atomic_load(&shim.ocloexec_refused));
}

Test(open, callers_flags_and_unknown_bits_pass_unchanged)
{
        int odd = O_RDONLY | O_CLOEXEC | 0x40000000;

        fl_openat(&shim, AT_FDCWD, "a", odd, 0);
        cr_expect_eq(fl_fake.last_flags, odd);
        cr_expect_eq(last.flags_asked, (uint32_t)odd);
}

Test(open, landing_on_a_standard_stream_stays_inheritable)
{
        int fd;

        fl_fake.next_fd = 1;
        fd = fl_openat(&shim, AT_FDCWD, "/dev/null", O_WRONLY, 0);
        cr_assert_eq(fd, 1);
        cr_expect_not(fl_fake.cloexec[1]);
        cr_expect_eq(last.decision, FL_DEC_INTENT);
}

Test(open, audit_records_what_would_change)
{
        int fd;

        shim.config.mode = FL_MODE_AUDIT;
        fd = fl_openat(&shim, AT_FDCWD, "a", O_RDONLY, 0);
        cr_expect_not(fl_fake.cloexec[fd]);
        cr_expect_eq(last.decision, FL_DEC_AUDIT_WOULD_CHANGE);
}

Test(open, posix_openpt_adds_o_cloexec)
{
        int fd = fl_posix_openpt(&shim, O_RDWR | O_NOCTTY);

        cr_expect(fl_fake.cloexec[fd]);
        cr_expect_eq(fl_fake.last_flags, O_RDWR | O_NOCTTY | O_CLOEXEC);
        cr_expect_eq(last.call, FL_CALL_OPENPT);
}

Test(pipe, atomic_is_pipe2_o_cloexec)
{
        int fds[2];

        cr_assert_eq(fl_pipe2(&shim, fds, 0), 0);
        cr_expect_eq(fl_fake.pipe2_calls, 1);
        cr_expect_eq(fl_fake.last_flags, O_CLOEXEC);
        cr_expect(fl_fake.cloexec[fds[0]] && fl_fake.cloexec[fds[1]]);
        cr_expect_eq(last.fd, fds[0]);
        cr_expect_eq(last.fd2, fds[1]);
}

/* Go's os.Pipe before 2.6.27: pipe + CloseOnExec under the lock; the caller's O_NONBLOCK after. */
Test(pipe, missing_pipe2_falls_back_to_pipe_and_is_remembered)
{
        int fds[2];

        fl_fake.pipe2_errno = ENOSYS;
        cr_assert_eq(fl_pipe2(&shim, fds, O_NONBLOCK), 0);
        cr_expect_eq(fl_fake.pipe_calls, 1);
        cr_expect(fl_fake.cloexec[fds[0]] && fl_fake.cloexec[fds[1]]);
        cr_expect(fl_fake.nonblock[fds[0]] && fl_fake.nonblock[fds[1]]);
        cr_expect_eq(last.decision, FL_DEC_FALLBACK);
        cr_assert_eq(fl_pipe2(&shim, fds, 0), 0);
        cr_expect_eq(fl_fake.pipe2_calls, 1, "the refusal is remembered");
        cr_expect_eq(last.decision, FL_DEC_REMEMBERED_FALLBACK);
}

Test(pipe, einval_for_unknown_flags_is_the_callers)
{
        int fds[2];

        errno = 0;
        cr_expect_eq(fl_pipe2(&shim, fds, 0x10000000), -1);
        cr_expect_eq(errno, EINVAL);
        cr_expect_eq(fl_fake.pipe_calls, 0);
        cr_expect_not(atomic_load(&shim.pipe2_refused));
}

Test(pipe, callers_o_cloexec_exactly)
{
        int fds[2];

        fl_pipe2(&shim, fds, O_CLOEXEC | O_NONBLOCK);
        cr_expect_eq(fl_fake.last_flags, O_CLOEXEC | O_NONBLOCK);
}

Test(pipe, ends_on_0_and_1_stay_inheritable)
{
        int fds[2];

        fl_fake.next_fd = 0;
        fl_pipe2(&shim, fds, 0);
        cr_assert_eq(fds[0], 0);
        cr_expect_not(fl_fake.cloexec[0]);
        cr_expect_not(fl_fake.cloexec[1]);
        cr_expect_eq(last.decision, FL_DEC_INTENT);
}

Test(pipe, off_mode_is_plain_pipe)
{
        int fds[2];

        shim.config.mode = FL_MODE_OFF;
        fl_pipe2(&shim, fds, 0);
        cr_expect_eq(fl_fake.pipe_calls, 1);
        cr_expect_eq(records, 0);
}

Test(anonfd, epoll_create_becomes_epoll_create1)
{
        int fd = fl_epoll_create(&shim, 8, 0);

        cr_expect_eq(fl_fake.epoll_create1_calls, 1);
        cr_expect_eq(fl_fake.last_flags, EPOLL_CLOEXEC);
        cr_expect(fl_fake.cloexec[fd]);
}

Test(anonfd, epoll_create_size_0_is_einval_as_the_kernel)
{
        errno = 0;
        cr_expect_eq(fl_epoll_create(&shim, 0, 0), -1);
        cr_expect_eq(errno, EINVAL);
        cr_expect_eq(fl_fake.epoll_create1_calls + fl_fake.epoll_create_calls, 0);
}

Test(anonfd, missing_epoll_create1_falls_back_and_remembers)
{
        int fd;

        fl_fake.epoll_create1_errno = ENOSYS;
        fd = fl_epoll_create(&shim, 1, 0);
        cr_expect_eq(fl_fake.epoll_create_calls, 1);
        cr_expect(fl_fake.cloexec[fd]);
        cr_expect_eq(last.decision, FL_DEC_FALLBACK);
        fl_epoll_create(&shim, 1, 0);
        cr_expect_eq(fl_fake.epoll_create1_calls, 1);
        cr_expect_eq(last.decision, FL_DEC_REMEMBERED_FALLBACK);
}

Test(anonfd, eventfd_refused_flags_fall_back_keeping_nonblock)
{
        int fd;

        fl_fake.anon_flags_errno = EINVAL;
        fd = fl_eventfd(&shim, 0, EFD_NONBLOCK);
        cr_assert_geq(fd, 4);
        cr_expect(fl_fake.cloexec[fd]);
        cr_expect(fl_fake.nonblock[fd]);
        cr_expect_eq(last.decision, FL_DEC_FALLBACK);
        cr_expect(atomic_load(&shim.eventfd_flags_refused));
}

Test(anonfd, timerfd_bad_clock_is_the_callers_einval)
{
        errno = 0;
        cr_expect_eq(fl_timerfd_create(&shim, -1, 0), -1);
        cr_expect_eq(errno, EINVAL);
        cr_expect_not(atomic_load(&shim.timerfd_flags_refused));
        cr_expect_geq(fl_timerfd_create(&shim, CLOCK_MONOTONIC, TFD_CLOEXEC), 4);
        cr_expect_eq(fl_fake.last_flags, TFD_CLOEXEC);
}

Test(anonfd, signalfd_on_an_existing_fd_passes_through)
{
        sigset_t mask;
        int fd;

        sigemptyset(&mask);
        fd = fl_signalfd(&shim, -1, &mask, 0);
        cr_expect(fl_fake.cloexec[fd]);
        records = 0;
        cr_expect_eq(fl_signalfd(&shim, fd, &mask, 0), fd);
        cr_expect_eq(records, 0, "changing a mask creates nothing");
}

Test(anonfd, inotify_init_becomes_inotify_init1_or_falls_back)
{
        int fd = fl_inotify_init1(&shim, 0);

        cr_expect_eq(fl_fake.last_flags, IN_CLOEXEC);
        cr_expect(fl_fake.cloexec[fd]);
        fl_fake.inotify_init1_errno = ENOSYS;
        fd = fl_inotify_init1(&shim, 0);
        cr_expect(fl_fake.cloexec[fd]);
        cr_expect_eq(last.decision, FL_DEC_FALLBACK);
}

Test(anonfd, memfd_adds_mfd_cloexec)
{
        int fd = fl_memfd_create(&shim, "buf", MFD_ALLOW_SEALING);

        cr_expect_eq(fl_fake.last_flags, MFD_ALLOW_SEALING | MFD_CLOEXEC);
        cr_expect(fl_fake.cloexec[fd]);
        cr_expect_str_eq(last.text, "buf");
}

/* MFD_CLOEXEC is spelled 1, not O_CLOEXEC: the fdtable must still say forklock added it (the
 * audit's "forced" bit), and must not when the caller asked for it or in audit mode. */
Test(anonfd, memfd_without_mfd_cloexec_is_noted_forced)
{
        struct fl_fd_info info;
        int fd = fl_memfd_create(&shim, "buf", 0);

        cr_assert_geq(fd, 4);
        cr_assert(fl_fdtable_get(fd, &info), "fd %d is in the table", fd);
        cr_expect(info.flags & FL_FD_CLOEXEC_FORCED, "memfd fd %d not noted as forced", fd);
        fd = fl_memfd_create(&shim, "asked", MFD_CLOEXEC);
        cr_assert(fl_fdtable_get(fd, &info));
        cr_expect_not(info.flags & FL_FD_CLOEXEC_FORCED, "the caller asked for MFD_CLOEXEC");
        shim.config.mode = FL_MODE_AUDIT;
        fd = fl_memfd_create(&shim, "audit", 0);
        cr_assert(fl_fdtable_get(fd, &info));
        cr_expect_not(info.flags & FL_FD_CLOEXEC_FORCED, "audit mode adds nothing");
}

Test(stream, fopen_adds_the_e_mode)
{
        FILE *f = fl_fopen(&shim, "/etc/passwd", "r", NULL);

        cr_assert(f);
        cr_expect_str_eq(fl_fake.last_mode, "re");
        cr_expect_eq(last.call, FL_CALL_FOPEN);
        fclose(f);
        f = fl_fopen(&shim, "x", "a+,ccs=UTF-8", NULL);
        cr_expect_str_eq(fl_fake.last_mode, "ae+,ccs=UTF-8");
        fclose(f);
}

Test(stream, a_mode_with_e_is_unchanged)
{
        FILE *f = fl_fopen(&shim, "x", "rbe", NULL);

        cr_expect_str_eq(fl_fake.last_mode, "rbe");
        cr_expect_eq(last.flags_asked, O_CLOEXEC);
        fclose(f);
}

Test(stream, fallback_drops_e_and_marks)
{
        FILE *f;

        shim.config.simulate_einval = true;
        f = fl_fopen(&shim, "x", "re", NULL);
        cr_assert(f);
        cr_expect_str_eq(fl_fake.last_mode, "r");
        cr_expect_eq(last.decision, FL_DEC_FALLBACK);
        fclose(f);
}

Test(stream, fopen_failure_is_the_callers)
{
        fl_fake.open_errno = EACCES;
        errno = 0;
        cr_expect_null(fl_fopen(&shim, "x", "w", NULL));
        cr_expect_eq(errno, EACCES);
}

Test(stream, mkostemps_passes_o_cloexec_and_the_callers_flags)
{
        char name[] = "/tmp/xXXXXXX";
        int fd = fl_mkostemps(&shim, name, 0, O_APPEND);

        cr_expect_eq(fl_fake.last_flags, O_APPEND | O_CLOEXEC);
        cr_expect(fl_fake.cloexec[fd]);
        cr_expect_eq(last.call, FL_CALL_MKSTEMP);
}

Test(stream, tmpfile_is_o_tmpfile_with_o_cloexec)
{
        FILE *f = fl_tmpfile(&shim);

        cr_assert(f);
        cr_expect_eq(fl_fake.last_flags, O_RDWR | O_TMPFILE | O_EXCL | O_CLOEXEC);
        cr_expect_eq(last.call, FL_CALL_TMPFILE);
        fclose(f);
}
