/* The dup family over the fake kernel: dup is close-on-exec (atomic or fallback), dup2/dup3
 * targets are intent, the target's old entry is replaced, the close family clears entries. */
#include <criterion/criterion.h>

#include "surface_fake.h"

Test(dup, is_close_on_exec)
{
        struct fl_fd_info info;
        int fd, d;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fd = fl_socket(&shim, AF_INET, SOCK_STREAM, 0);
        d = fl_dup(&shim, fd);
        cr_assert_geq(d, 0);
        cr_expect(fake.cloexec[d]);
        cr_expect_eq(last_record()->call, FL_CALL_DUP);
        cr_expect_eq(last_record()->decision, FL_DEC_ATOMIC);
        cr_expect(fl_fdtable_get(d, &info));
        cr_expect_eq(info.call, FL_CALL_DUP);
        cr_expect_eq(info.family, AF_INET, "a duplicate is the same socket");
        cr_expect(info.flags & FL_FD_CLOEXEC_FORCED);
}

Test(dup, falls_back_under_the_lock_sharing_fdupfds_memory)
{
        int fd, d;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fake.dupfd_cloexec_refused = true;
        fd = open_fake();
        d = fl_dup(&shim, fd);
        cr_assert_geq(d, 0);
        cr_expect(fake.cloexec[d]);
        cr_expect_eq(last_record()->decision, FL_DEC_FALLBACK);
        cr_expect_geq(fl_fcntl_int(&shim, fd, F_DUPFD, 0), 0);
        cr_expect_eq(last_record()->decision, FL_DEC_REMEMBERED_FALLBACK);
}

Test(dup, audit_would_change)
{
        int fd, d;

        setup_mode(FL_MODE_AUDIT, FL_PROFILE_CLOEXEC);
        fd = open_fake();
        d = fl_dup(&shim, fd);
        cr_expect_not(fake.cloexec[d]);
        cr_expect_eq(last_record()->decision, FL_DEC_AUDIT_WOULD_CHANGE);
}

Test(dup, bad_fd)
{
        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        errno = 0;
        cr_expect_eq(fl_dup(&shim, 99), -1);
        cr_expect_eq(errno, EBADF);
        cr_expect_eq(last_record()->decision, FL_DEC_ERROR);
}

Test(dup2, target_is_intent_and_replaces_the_entry)
{
        struct fl_fd_info info;
        int a, b;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        a = fl_socket(&shim, AF_INET6, SOCK_DGRAM, 0);
        b = fl_socket(&shim, AF_INET, SOCK_STREAM, 0);
        cr_assert_eq(fl_dup2(&shim, a, b), b);
        cr_expect_not(fake.cloexec[b]);
        cr_expect_eq(last_record()->decision, FL_DEC_INTENT);
        cr_expect(fl_fdtable_get(b, &info));
        cr_expect_eq(info.call, FL_CALL_DUP2);
        cr_expect_eq(info.family, AF_INET6, "b is now a's socket");
        cr_expect(info.flags & FL_FD_INTENT);
}

Test(dup2, same_fd_changes_nothing)
{
        int a;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        a = fl_socket(&shim, AF_INET, SOCK_STREAM, 0);
        cr_expect_eq(fl_dup2(&shim, a, a), a);
        cr_expect(fake.cloexec[a]);
        cr_expect_eq(last_record()->decision, FL_DEC_PASSTHROUGH);
}

Test(dup3, honours_o_cloexec)
{
        struct fl_fd_info info;
        int a;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        a = open_fake();
        cr_expect_eq(fl_dup3(&shim, a, 20, 0), 20);
        cr_expect_eq(last_record()->decision, FL_DEC_INTENT);
        cr_expect(fl_fdtable_get(20, &info) && (info.flags & FL_FD_INTENT));
        cr_expect_eq(fl_dup3(&shim, a, 21, O_CLOEXEC), 21);
        cr_expect(fake.cloexec[21]);
        cr_expect_eq(last_record()->decision, FL_DEC_PASSTHROUGH);
        cr_expect(fl_fdtable_get(21, &info));
        cr_expect_not(info.flags & FL_FD_INTENT);
        errno = 0;
        cr_expect_eq(fl_dup3(&shim, a, 22, 0x4000000), -1);
        cr_expect_eq(errno, EINVAL);
        cr_expect_not(fl_fdtable_get(22, &info));
}

Test(close, clears_the_entry)
{
        struct fl_fd_info info;
        int a;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        a = fl_socket(&shim, AF_INET, SOCK_STREAM, 0);
        cr_assert(fl_fdtable_get(a, &info));
        cr_expect_eq(fl_close(&shim, a), 0);
        cr_expect_not(fl_fdtable_get(a, &info));
        cr_expect_eq(nrecords, 1, "close is not recorded");
}

Test(close, range_and_from_clear_entries)
{
        struct fl_fd_info info;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        for (int i = 0; i < 10; i++)
                fl_socket(&shim, AF_INET, SOCK_STREAM, 0); /* 3..12 */
        cr_expect_eq(fl_close_range(&shim, 5, 7, 0), 0);
        for (int fd = 3; fd <= 12; fd++)
                cr_expect_eq(fl_fdtable_get(fd, &info), fd < 5 || fd > 7, "fd %d", fd);
        cr_expect_eq(last_record()->call, FL_CALL_CLOSE_RANGE);
        cr_expect_eq(fl_close_range(&shim, 0, ~0U, 1 << 2), 0);
        cr_expect(fl_fdtable_get(3, &info), "CLOSE_RANGE_CLOEXEC closes nothing");
        cr_expect_eq(fl_close_range(&shim, 9, 8, 0), 0);
        cr_expect(fl_fdtable_get(9, &info), "first > last clears nothing");
}

/* Scope sockets: a dup'd pipe or file is the program's own (bash's {fd}>&1, expect's saved
 * stderr handed to a spawned child): left as the kernel made it, recorded as passthrough. */
Test(dup, of_a_pipe_is_left_inheritable)
{
        struct fl_fd_info info;
        int fd, d;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fd = open_fake();
        fake.not_socket[fd] = true;
        d = fl_dup(&shim, fd);
        cr_assert_geq(d, 0);
        cr_expect_not(fake.cloexec[d]);
        cr_expect_eq(last_record()->decision, FL_DEC_PASSTHROUGH);
        cr_expect(!fl_fdtable_get(d, &info) || !(info.flags & FL_FD_CLOEXEC_FORCED));
}

Test(dup, fdupfd_of_a_pipe_is_left_inheritable_callers_cloexec_kept)
{
        int fd, d;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fd = open_fake();
        fake.not_socket[fd] = true;
        d = fl_fcntl_int(&shim, fd, F_DUPFD, 10);
        cr_assert_geq(d, 10);
        cr_expect_not(fake.cloexec[d]);
        d = fl_fcntl_int(&shim, fd, F_DUPFD_CLOEXEC, 10);
        cr_assert_geq(d, 10);
        cr_expect(fake.cloexec[d]);
}

Test(dup, audit_says_nothing_would_change_for_a_pipe)
{
        int fd;

        setup_mode(FL_MODE_AUDIT, FL_PROFILE_CLOEXEC);
        fd = open_fake();
        fake.not_socket[fd] = true;
        cr_assert_geq(fl_dup(&shim, fd), 0);
        cr_expect_eq(last_record()->decision, FL_DEC_PASSTHROUGH);
        cr_assert_geq(fl_fcntl_int(&shim, fd, F_DUPFD, 0), 0);
        cr_expect_eq(last_record()->decision, FL_DEC_PASSTHROUGH);
}

/* Scope all: as in Go, a duplicate of any fd is close-on-exec; only dup2/dup3 targets cross. */
Test(dup, scope_all_makes_a_pipes_duplicate_close_on_exec)
{
        int fd, d;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        shim.config.scope = FL_SCOPE_ALL;
        fd = open_fake();
        fake.not_socket[fd] = true;
        d = fl_dup(&shim, fd);
        cr_assert_geq(d, 0);
        cr_expect(fake.cloexec[d]);
        cr_expect_eq(last_record()->decision, FL_DEC_ATOMIC);
        d = fl_fcntl_int(&shim, fd, F_DUPFD, 10);
        cr_assert_geq(d, 10);
        cr_expect(fake.cloexec[d]);
        cr_assert_eq(fl_dup2(&shim, fd, 20), 20);
        cr_expect_not(fake.cloexec[20], "a dup2 target is passed on purpose");
}
