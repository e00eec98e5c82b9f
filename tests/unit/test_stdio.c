/* Fds 0-2 are never made close-on-exec by forklock: every creating call whose new fd lands on a
 * standard stream is the program's intent (close(1); dup(fd) means dup2(fd, 1)), unless the
 * caller asked for close-on-exec itself. socket/socketpair/accept run over fakesys (which hands
 * out fl_fake.next_fd), dup/fcntl over surface_fake.h (lowest free fd). */
#include <criterion/criterion.h>

#include "fakesys.h"
#include "surface_fake.h"

static void sockets_over_fakesys(enum fl_mode mode)
{
        setup_mode(mode, FL_PROFILE_CLOEXEC);
        fl_fake_reset();
        shim.sys = &fl_fake_sys;
}

static void expect_intent(int fd)
{
        struct fl_fd_info info;

        cr_expect_eq(last_record()->decision, FL_DEC_INTENT, "decision %d",
                     last_record()->decision);
        cr_expect(fl_fdtable_get(fd, &info), "fd %d is in the table", fd);
        cr_expect(info.flags & FL_FD_INTENT, "fd %d noted as intent", fd);
        cr_expect_not(info.flags & FL_FD_CLOEXEC_FORCED, "fd %d not noted as forced", fd);
}

Test(stdio, socket_landing_on_1_stays_inheritable)
{
        sockets_over_fakesys(FL_MODE_ENFORCE);
        fl_fake.next_fd = 1;
        cr_assert_eq(fl_socket(&shim, AF_INET, SOCK_STREAM, 0), 1);
        cr_expect_not(fl_fake.cloexec[1]);
        cr_expect_not(last_record()->flags_applied & SOCK_CLOEXEC);
        expect_intent(1);
}

Test(stdio, socket_asking_cloexec_on_0_keeps_it)
{
        sockets_over_fakesys(FL_MODE_ENFORCE);
        fl_fake.next_fd = 0;
        cr_assert_eq(fl_socket(&shim, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), 0);
        cr_expect(fl_fake.cloexec[0]);
        cr_expect_neq(last_record()->decision, FL_DEC_INTENT);
}

Test(stdio, socket_on_the_fallback_path_landing_on_2)
{
        sockets_over_fakesys(FL_MODE_ENFORCE);
        shim.config.simulate_einval = true;
        fl_fake.next_fd = 2;
        cr_assert_eq(fl_socket(&shim, AF_UNIX, SOCK_STREAM, 0), 2);
        cr_expect_not(fl_fake.cloexec[2]);
        expect_intent(2);
}

Test(stdio, socket_in_audit_mode_is_intent_not_would_change)
{
        sockets_over_fakesys(FL_MODE_AUDIT);
        fl_fake.next_fd = 0;
        cr_assert_eq(fl_socket(&shim, AF_INET, SOCK_STREAM, 0), 0);
        cr_expect_not(fl_fake.cloexec[0]);
        expect_intent(0);
}

Test(stdio, socketpair_end_on_2_inheritable_end_on_3_forced)
{
        struct fl_fd_info info;
        int sv[2];

        sockets_over_fakesys(FL_MODE_ENFORCE);
        fl_fake.next_fd = 2;
        cr_assert_eq(fl_socketpair(&shim, AF_UNIX, SOCK_STREAM, 0, sv), 0);
        cr_assert_eq(sv[0], 2);
        cr_assert_eq(sv[1], 3);
        cr_expect_not(fl_fake.cloexec[2]);
        cr_expect(fl_fake.cloexec[3]);
        cr_expect_eq(last_record()->decision, FL_DEC_INTENT);
        cr_expect(fl_fdtable_get(2, &info) && (info.flags & FL_FD_INTENT));
        cr_expect(fl_fdtable_get(3, &info) && (info.flags & FL_FD_CLOEXEC_FORCED));
        cr_expect_not(info.flags & FL_FD_INTENT);
}

Test(stdio, socketpair_both_ends_on_0_and_1)
{
        int sv[2];

        sockets_over_fakesys(FL_MODE_ENFORCE);
        fl_fake.next_fd = 0;
        cr_assert_eq(fl_socketpair(&shim, AF_UNIX, SOCK_STREAM, 0, sv), 0);
        cr_expect_not(fl_fake.cloexec[0]);
        cr_expect_not(fl_fake.cloexec[1]);
        cr_expect_not(last_record()->flags_applied & SOCK_CLOEXEC);
        expect_intent(0);
        expect_intent(1);
}

Test(stdio, accept_landing_on_0_inetd_style)
{
        sockets_over_fakesys(FL_MODE_ENFORCE);
        fl_fake.next_fd = 0;
        cr_assert_eq(fl_accept(&shim, FL_CALL_ACCEPT, 3, NULL, NULL, 0), 0);
        cr_expect_not(fl_fake.cloexec[0]);
        expect_intent(0);
}

Test(stdio, accept4_asking_cloexec_on_0_keeps_it)
{
        sockets_over_fakesys(FL_MODE_ENFORCE);
        fl_fake.next_fd = 0;
        cr_assert_eq(fl_accept(&shim, FL_CALL_ACCEPT4, 3, NULL, NULL, SOCK_CLOEXEC), 0);
        cr_expect(fl_fake.cloexec[0]);
        cr_expect_neq(last_record()->decision, FL_DEC_INTENT);
}

Test(stdio, accept_on_the_fallback_path_landing_on_0)
{
        sockets_over_fakesys(FL_MODE_ENFORCE);
        shim.config.simulate_einval = true;
        fl_fake.next_fd = 0;
        cr_assert_eq(fl_accept(&shim, FL_CALL_ACCEPT, 3, NULL, NULL, 0), 0);
        cr_expect_not(fl_fake.cloexec[0]);
        expect_intent(0);
}

Test(stdio, accept_in_audit_mode_is_intent)
{
        sockets_over_fakesys(FL_MODE_AUDIT);
        fl_fake.next_fd = 1;
        cr_assert_eq(fl_accept(&shim, FL_CALL_ACCEPT, 3, NULL, NULL, 0), 1);
        expect_intent(1);
}

Test(stdio, close_1_then_dup_is_dup2)
{
        int fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fd = open_fake();
        fake.open[1] = false;
        cr_assert_eq(fl_dup(&shim, fd), 1);
        cr_expect_not(fake.cloexec[1]);
        expect_intent(1);
        /* The next dup lands above 2: close-on-exec as always. */
        cr_assert_eq(fl_dup(&shim, fd), 4);
        cr_expect(fake.cloexec[4]);
        cr_expect_eq(last_record()->decision, FL_DEC_ATOMIC);
}

Test(stdio, dup_on_the_fallback_path_landing_on_0)
{
        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fake.dupfd_cloexec_refused = true;
        fake.open[0] = false;
        cr_assert_eq(fl_dup(&shim, open_fake()), 0);
        cr_expect_not(fake.cloexec[0]);
        expect_intent(0);
}

Test(stdio, dup_in_audit_mode_is_intent)
{
        setup_mode(FL_MODE_AUDIT, FL_PROFILE_CLOEXEC);
        fake.open[2] = false;
        cr_assert_eq(fl_dup(&shim, open_fake()), 2);
        cr_expect_not(fake.cloexec[2]);
        expect_intent(2);
}

Test(stdio, fcntl_dupfd_landing_on_0)
{
        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fake.open[0] = false;
        cr_assert_eq(fl_fcntl_int(&shim, open_fake(), F_DUPFD, 0), 0);
        cr_expect_not(fake.cloexec[0]);
        expect_intent(0);
}

Test(stdio, fcntl_dupfd_in_audit_mode_is_intent)
{
        setup_mode(FL_MODE_AUDIT, FL_PROFILE_CLOEXEC);
        fake.open[1] = false;
        cr_assert_eq(fl_fcntl_int(&shim, open_fake(), F_DUPFD, 1), 1);
        expect_intent(1);
}

Test(stdio, fcntl_dupfd_cloexec_on_0_is_honoured)
{
        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fake.open[0] = false;
        cr_assert_eq(fl_fcntl_int(&shim, open_fake(), F_DUPFD_CLOEXEC, 0), 0);
        cr_expect(fake.cloexec[0]);
        cr_expect_eq(last_record()->decision, FL_DEC_PASSTHROUGH);
}

Test(stdio, fcntl_dupfd_cloexec_refused_on_0_is_still_honoured)
{
        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fake.dupfd_cloexec_refused = true;
        fake.open[0] = false;
        cr_assert_eq(fl_fcntl_int(&shim, open_fake(), F_DUPFD_CLOEXEC, 0), 0);
        cr_expect(fake.cloexec[0]);
        cr_expect_eq(last_record()->decision, FL_DEC_FALLBACK);
}

Test(stdio, off_mode_touches_nothing)
{
        setup_mode(FL_MODE_OFF, FL_PROFILE_CLOEXEC);
        fake.open[1] = false;
        cr_assert_eq(fl_dup(&shim, open_fake()), 1);
        cr_expect_not(fake.cloexec[1]);
        cr_expect_eq(nrecords, 0);
}

/* The go profile adds SOCK_NONBLOCK; a child's stdin or stdout must block (cat reading a
 * non-blocking stdin fails with EAGAIN), as Go's File.Fd() makes an fd it hands on blocking. */
Test(stdio, go_profile_socket_landing_on_0_blocks)
{
        sockets_over_fakesys(FL_MODE_ENFORCE);
        shim.config.profile = FL_PROFILE_GO;
        fl_fake.next_fd = 0;
        cr_assert_eq(fl_socket(&shim, AF_INET, SOCK_STREAM, 0), 0);
        cr_expect_not(fl_fake.cloexec[0]);
        cr_expect_not(fl_fake.nonblock[0], "the O_NONBLOCK forklock added is taken off");
        expect_intent(0);
}

Test(stdio, go_profile_keeps_the_callers_own_nonblock_on_1)
{
        sockets_over_fakesys(FL_MODE_ENFORCE);
        shim.config.profile = FL_PROFILE_GO;
        fl_fake.next_fd = 1;
        cr_assert_eq(fl_socket(&shim, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), 1);
        cr_expect(fl_fake.nonblock[1]);
        expect_intent(1);
}
