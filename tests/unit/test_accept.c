/* accept and accept4 over the fake syscall table. fd 3 is a blocking listener. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>

#include "fakesys.h"
#include "shim.h"
#include "sockets.h"

static struct fl_shim shim;
static struct fl_record last;

static void capture(struct fl_record *record)
{
        last = *record;
}

static void setup(void)
{
        fl_fake_reset();
        memset(&shim, 0, sizeof(shim));
        shim.sys = &fl_fake_sys;
        shim.emit = capture;
}

TestSuite(accept, .init = setup);

Test(accept, plain_accept_becomes_accept4_with_sock_cloexec)
{
        int fd = fl_accept(&shim, FL_CALL_ACCEPT, 3, NULL, NULL, 0);

        cr_assert_geq(fd, 4);
        cr_assert_eq(fl_fake.accept4_calls, 1);
        cr_assert_eq(fl_fake.accept_calls, 0);
        cr_assert_eq(fl_fake.last_accept4_flags, SOCK_CLOEXEC);
        cr_assert(fl_fake.cloexec[fd]);
        cr_assert_eq(last.decision, FL_DEC_ATOMIC);
        cr_assert_eq(last.fd, 3);
        cr_assert_eq(last.result, fd);
}

static void check_fallback_on(int err)
{
        fl_fake.accept4_errno = err;
        fl_fake.accept4_exists = false;
        int fd = fl_accept(&shim, FL_CALL_ACCEPT4, 3, NULL, NULL, SOCK_NONBLOCK);

        cr_assert_geq(fd, 4, "fallback after %s", strerror(err));
        cr_assert_eq(fl_fake.accept_calls, 1);
        cr_assert(fl_fake.cloexec[fd]);
        cr_assert(fl_fake.nonblock[fd], "caller's SOCK_NONBLOCK emulated");
        cr_assert_not(fl_fake.nonblock[3], "the listener is given back blocking");
        cr_assert_eq(last.decision, FL_DEC_FALLBACK);
        cr_assert(atomic_load(&shim.accept4_missing));
}

Test(accept, fallback_on_enosys)
{
        check_fallback_on(ENOSYS);
}

Test(accept, fallback_on_einval)
{
        check_fallback_on(EINVAL);
}

Test(accept, fallback_on_eacces)
{
        check_fallback_on(EACCES);
}

Test(accept, fallback_on_efault)
{
        check_fallback_on(EFAULT);
}

Test(accept, other_errno_does_not_fall_back)
{
        fl_fake.accept4_errno = EMFILE;
        last.call = FL_CALL_NONE;
        cr_assert_eq(fl_accept(&shim, FL_CALL_ACCEPT, 3, NULL, NULL, 0), -1);
        cr_assert_eq(errno, EMFILE);
        cr_assert_eq(fl_fake.accept_calls, 0);
        cr_assert_eq(last.call, FL_CALL_NONE, "the kernel's own refusal is not recorded");
}

Test(accept, genuine_einval_from_unknown_flag_bits_comes_back_at_once)
{
        cr_assert_eq(fl_accept(&shim, FL_CALL_ACCEPT4, 3, NULL, NULL, 0x1234), -1);
        cr_assert_eq(errno, EINVAL);
        cr_assert_eq(fl_fake.accept_calls, 0, "must not become a plain accept that blocks");
        cr_assert_eq(fl_fake.poll_calls, 0);
}

Test(accept, genuine_efault_on_a_kernel_with_accept4_comes_back_at_once)
{
        fl_fake.accept4_errno = EFAULT;
        fl_fake.accept4_exists = true;
        cr_assert_eq(fl_accept(&shim, FL_CALL_ACCEPT, 3, NULL, NULL, 0), -1);
        cr_assert_eq(errno, EFAULT);
        cr_assert_eq(fl_fake.accept_calls, 0);
        cr_assert_not(atomic_load(&shim.accept4_missing));
}

Test(accept, fallback_waits_outside_the_lock_when_the_connection_was_taken)
{
        fl_fake.accept4_errno = ENOSYS;
        fl_fake.accept_eagain_times = 2;
        int fd = fl_accept(&shim, FL_CALL_ACCEPT, 3, NULL, NULL, 0);

        cr_assert_geq(fd, 4);
        cr_assert_eq(fl_fake.poll_calls, 2, "waited for readiness in poll, not in accept");
        cr_assert_eq(fl_fake.accept_calls, 3);
        cr_assert_not(fl_fake.nonblock[3]);
}

Test(accept, fallback_on_a_nonblocking_listener_returns_eagain)
{
        fl_fake.accept4_errno = ENOSYS;
        fl_fake.nonblock[3] = true;
        fl_fake.accept_eagain_times = 1;
        cr_assert_eq(fl_accept(&shim, FL_CALL_ACCEPT, 3, NULL, NULL, 0), -1);
        cr_assert_eq(errno, EAGAIN);
        cr_assert_eq(fl_fake.poll_calls, 0);
        cr_assert_not(atomic_load(&shim.accept4_missing), "a failed fallback is not remembered");
}

Test(accept, fallback_where_fd_cloexec_fails_closes_the_fd)
{
        fl_fake.accept4_errno = ENOSYS;
        fl_fake.setfd_errno = EIO;
        cr_assert_eq(fl_accept(&shim, FL_CALL_ACCEPT, 3, NULL, NULL, 0), -1);
        cr_assert_eq(errno, EIO);
        cr_assert_eq(fl_fake_open_count(), 0);
}

Test(accept, fallback_where_o_nonblock_fails_closes_the_fd)
{
        fl_fake.accept4_errno = ENOSYS;
        fl_fake.setfl_errno = EPERM;
        cr_assert_eq(fl_accept(&shim, FL_CALL_ACCEPT4, 3, NULL, NULL, SOCK_NONBLOCK), -1);
        cr_assert_eq(fl_fake_open_count(), 0);
}

Test(accept, remembered_fallback_skips_accept4)
{
        fl_fake.accept4_errno = ENOSYS;
        fl_accept(&shim, FL_CALL_ACCEPT, 3, NULL, NULL, 0);
        int before = fl_fake.accept4_calls;
        int fd = fl_accept(&shim, FL_CALL_ACCEPT, 3, NULL, NULL, 0);

        cr_assert_eq(fl_fake.accept4_calls, before);
        cr_assert(fl_fake.cloexec[fd]);
        cr_assert_eq(last.decision, FL_DEC_REMEMBERED_FALLBACK);
}

Test(accept, audit_counts_a_plain_accept)
{
        shim.config.mode = FL_MODE_AUDIT;
        int fd = fl_accept(&shim, FL_CALL_ACCEPT, 3, NULL, NULL, 0);

        cr_assert_not(fl_fake.cloexec[fd]);
        cr_assert_eq(fl_fake.accept_calls, 1);
        cr_assert_eq(last.decision, FL_DEC_AUDIT_WOULD_CHANGE);
}

/* The fallback's wait: SO_RCVTIMEO, as glibc's plain accept on a blocking listener. */
static int accept_on_fallback_path(void)
{
        shim.config.simulate_einval = true;
        return fl_accept(&shim, FL_CALL_ACCEPT, 3, NULL, NULL, 0);
}

Test(accept, fallback_wait_ends_with_eagain_after_so_rcvtimeo)
{
        fl_fake.rcvtimeo_us = 300000;
        fl_fake.poll_no_client = true;
        fl_fake.accept_eagain_times = 100;
        errno = 0;
        cr_assert_eq(accept_on_fallback_path(), -1);
        cr_expect_eq(errno, EAGAIN, "EAGAIN, not ETIMEDOUT: %s", strerror(errno));
        cr_expect_eq(fl_fake.poll_calls, 1);
        cr_expect_eq(fl_fake.last_poll_timeout, 300);
        cr_expect_eq(fl_fake.now_ns, 300000000LL);
        cr_expect_not(fl_fake.nonblock[3], "the listener is given back blocking");
}

Test(accept, fallback_budget_is_shared_by_every_retry)
{
        /* Each wake-up finds the connection gone (another process took it) 100 ms later. */
        fl_fake.rcvtimeo_us = 250000;
        fl_fake.poll_takes_ns = 100000000LL;
        fl_fake.accept_eagain_times = 100;
        errno = 0;
        cr_assert_eq(accept_on_fallback_path(), -1);
        cr_expect_eq(errno, EAGAIN);
        cr_expect_eq(fl_fake.poll_calls, 3);
        cr_expect_eq(fl_fake.last_poll_timeout, 50, "what is left: %d ms",
                     fl_fake.last_poll_timeout);
}

Test(accept, fallback_rounds_a_sub_millisecond_timeout_up)
{
        fl_fake.rcvtimeo_us = 1500;
        fl_fake.poll_no_client = true;
        fl_fake.accept_eagain_times = 100;
        cr_assert_eq(accept_on_fallback_path(), -1);
        cr_expect_eq(fl_fake.last_poll_timeout, 2);
}

Test(accept, fallback_without_so_rcvtimeo_waits_forever)
{
        fl_fake.poll_no_client = true;
        fl_fake.accept_eagain_times = 100;
        errno = 0;
        cr_assert_eq(accept_on_fallback_path(), -1);
        cr_expect_eq(fl_fake.last_poll_timeout, -1);
        cr_expect_eq(errno, EINTR, "poll's own error comes back");
}

Test(accept, fallback_connection_within_the_timeout)
{
        fl_fake.rcvtimeo_us = 300000;
        fl_fake.poll_takes_ns = 10000000LL;
        fl_fake.accept_eagain_times = 1;
        cr_assert_geq(accept_on_fallback_path(), 4);
        cr_expect_eq(fl_fake.poll_calls, 1);
        cr_expect_eq(fl_fake.last_poll_timeout, 300);
}

Test(accept, fallback_non_blocking_listener_never_waits)
{
        fl_fake.nonblock[3] = true;
        fl_fake.rcvtimeo_us = 300000;
        fl_fake.accept_eagain_times = 1;
        errno = 0;
        cr_assert_eq(accept_on_fallback_path(), -1);
        cr_expect_eq(errno, EAGAIN);
        cr_expect_eq(fl_fake.poll_calls, 0);
}
