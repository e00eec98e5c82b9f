/* fcntl's commands that create or mark fds, over the fake kernel: F_DUPFD becomes
 * F_DUPFD_CLOEXEC, the fallback and its memory, the caller's own EINVAL, F_SETFD intent, audit and
 * off; and the argument classes. */
#include <criterion/criterion.h>

#include "surface_fake.h"

Test(fcntl, dupfd_becomes_dupfd_cloexec)
{
        int fd, dup;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fd = open_fake();
        dup = fl_fcntl_int(&shim, fd, F_DUPFD, 10);
        cr_assert_eq(dup, 10);
        cr_expect(fake.cloexec[dup]);
        cr_expect_eq(fake.dupfd_calls, 0, "never create, then mark, on the atomic path");
        cr_expect_eq(last_record()->decision, FL_DEC_ATOMIC);
        cr_expect_eq(last_record()->flags_applied, F_DUPFD_CLOEXEC);
        cr_expect_eq(last_record()->fd2, 10);
}

Test(fcntl, refused_flag_falls_back_and_is_remembered)
{
        int fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fake.dupfd_cloexec_refused = true;
        fd = open_fake();
        cr_assert_geq(fl_fcntl_int(&shim, fd, F_DUPFD, 0), 0);
        cr_expect_eq(last_record()->decision, FL_DEC_FALLBACK);
        cr_expect(shim.dupfd_cloexec_refused);
        cr_assert_geq(fl_fcntl_int(&shim, fd, F_DUPFD, 0), 0);
        cr_expect_eq(last_record()->decision, FL_DEC_REMEMBERED_FALLBACK);
        cr_expect_eq(fake.dupfd_cloexec_calls, 1, "the refusal is not asked again");
        for (int i = 0; i < FAKE_FDS; i++)
                if (fake.open[i] && i > fd)
                        cr_expect(fake.cloexec[i], "fd %d", i);
}

Test(fcntl, callers_own_dupfd_cloexec_is_emulated_on_a_refusing_kernel)
{
        int fd, dup;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fake.dupfd_cloexec_refused = true;
        fd = open_fake();
        dup = fl_fcntl_int(&shim, fd, F_DUPFD_CLOEXEC, 0);
        cr_assert_geq(dup, 0, "a kernel before 2.6.24 said EINVAL; the caller still gets a dup");
        cr_expect(fake.cloexec[dup], "with close-on-exec, as it asked");
        cr_expect_eq(last_record()->decision, FL_DEC_FALLBACK);
        cr_expect_eq(last_record()->flags_asked, F_DUPFD_CLOEXEC);
}

Test(fcntl, callers_own_einval_is_not_a_refusal)
{
        int fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fd = open_fake();
        errno = 0;
        cr_expect_eq(fl_fcntl_int(&shim, fd, F_DUPFD, -1), -1);
        cr_expect_eq(errno, EINVAL);
        cr_expect_not(shim.dupfd_cloexec_refused);
        cr_expect_eq(last_record()->decision, FL_DEC_ERROR);
        cr_expect_eq(last_record()->err, EINVAL);
}

Test(fcntl, simulated_old_kernel_takes_the_fallback)
{
        int fd, dup;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        shim.config.simulate_einval = true;
        fd = open_fake();
        dup = fl_fcntl_int(&shim, fd, F_DUPFD, 0);
        cr_assert_geq(dup, 0);
        cr_expect(fake.cloexec[dup]);
        cr_expect_eq(fake.dupfd_cloexec_calls, 0);
        cr_expect_eq(last_record()->decision, FL_DEC_FALLBACK);
}

Test(fcntl, bad_fd_is_the_kernels_error)
{
        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        errno = 0;
        cr_expect_eq(fl_fcntl_int(&shim, 77, F_DUPFD, 0), -1);
        cr_expect_eq(errno, EBADF);
        cr_expect_not(shim.dupfd_cloexec_refused);
}

Test(fcntl, audit_changes_nothing_and_says_so)
{
        int fd, dup;

        setup_mode(FL_MODE_AUDIT, FL_PROFILE_CLOEXEC);
        fd = open_fake();
        dup = fl_fcntl_int(&shim, fd, F_DUPFD, 0);
        cr_expect_not(fake.cloexec[dup]);
        cr_expect_eq(last_record()->decision, FL_DEC_AUDIT_WOULD_CHANGE);
        dup = fl_fcntl_int(&shim, fd, F_DUPFD_CLOEXEC, 0);
        cr_expect(fake.cloexec[dup]);
        cr_expect_eq(last_record()->decision, FL_DEC_PASSTHROUGH);
}

Test(fcntl, off_records_nothing)
{
        int fd;

        setup_mode(FL_MODE_OFF, FL_PROFILE_CLOEXEC);
        fd = open_fake();
        cr_expect_geq(fl_fcntl_int(&shim, fd, F_DUPFD, 0), 0);
        cr_expect_eq(fl_fcntl_int(&shim, fd, F_SETFD, 0), 0);
        cr_expect_eq(nrecords, 0);
}

Test(fcntl, setfd_without_cloexec_is_intent)
{
        struct fl_fd_info info;
        int fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fd = fl_socket(&shim, AF_INET, SOCK_STREAM, 0);
        cr_assert_geq(fd, 0);
        cr_expect(fl_fdtable_get(fd, &info) && (info.flags & FL_FD_CLOEXEC_FORCED));
        cr_expect_eq(fl_fcntl_int(&shim, fd, F_SETFD, 0), 0);
        cr_expect_not(fake.cloexec[fd]);
        cr_expect_eq(last_record()->decision, FL_DEC_INTENT);
        cr_expect(fl_fdtable_get(fd, &info));
        cr_expect(info.flags & FL_FD_INTENT);
        cr_expect_not(info.flags & FL_FD_CLOEXEC_FORCED);
        cr_expect_eq(info.call, FL_CALL_SOCKET, "the creator is still known");
        cr_expect_eq(fl_fcntl_int(&shim, fd, F_SETFD, FD_CLOEXEC), 0);
        cr_expect_eq(last_record()->decision, FL_DEC_PASSTHROUGH);
        cr_expect(fl_fdtable_get(fd, &info));
        cr_expect_not(info.flags & FL_FD_INTENT);
}

Test(fcntl, setfd_intent_on_an_unknown_fd_gets_an_entry)
{
        struct fl_fd_info info;
        int fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fd = open_fake();
        cr_expect_eq(fl_fcntl_int(&shim, fd, F_SETFD, 0), 0);
        cr_expect(fl_fdtable_get(fd, &info));
        cr_expect(info.flags & FL_FD_INTENT);
        cr_expect_eq(info.call, FL_CALL_NONE);
}

Test(fcntl, queries_are_not_recorded)
{
        int fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fd = open_fake();
        cr_expect_eq(fl_fcntl_int(&shim, fd, F_SETFL, O_NONBLOCK), 0);
        cr_expect_eq(nrecords, 0);
}

Test(fcntl, argument_classes)
{
        static const int none[] = {F_GETFD,    F_GETFL,      F_GETOWN,   F_GETSIG,
                                   F_GETLEASE, F_GETPIPE_SZ, F_GET_SEALS};
        static const int ints[] = {F_DUPFD,  F_DUPFD_CLOEXEC, F_SETFD,  F_SETFL,      F_SETOWN,
                                   F_SETSIG, F_SETLEASE,      F_NOTIFY, F_SETPIPE_SZ, F_ADD_SEALS};
        static const int ptrs[] = {F_GETLK,       F_SETLK,      F_SETLKW,    F_OFD_GETLK,
                                   F_OFD_SETLK,   F_OFD_SETLKW, F_GETOWN_EX, F_SETOWN_EX,
                                   F_GET_RW_HINT, F_SET_RW_HINT};

        for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
                cr_expect_eq(fl_fcntl_arg_kind(none[i]), FL_FCNTL_ARG_NONE, "%d", none[i]);
        for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
                cr_expect_eq(fl_fcntl_arg_kind(ints[i]), FL_FCNTL_ARG_INT, "%d", ints[i]);
        for (size_t i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++)
                cr_expect_eq(fl_fcntl_arg_kind(ptrs[i]), FL_FCNTL_ARG_PTR, "%d", ptrs[i]);
        cr_expect_eq(fl_fcntl_arg_kind(9999), FL_FCNTL_ARG_UNKNOWN);
        cr_expect_eq(fl_fcntl_arg_kind(-1), FL_FCNTL_ARG_UNKNOWN);
}
