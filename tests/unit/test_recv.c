/* recvmsg and recvmmsg over a fake kernel that echoes MSG_CMSG_CLOEXEC in msg_flags (as Linux
 * does) and installs one fd with SCM_RIGHTS per message: msg_flags comes back as the bare call
 * gives it, received fds are close-on-exec in enforce mode, except on 0-2. */
#include <criterion/criterion.h>

#include "surface_fake.h"

static int passed_fd_lands; /* where the kernel installs the received fd; -1: no fd passed */
static int issued_flags;

static void deliver(struct msghdr *msg, int flags)
{
        struct cmsghdr *c;

        msg->msg_flags = (flags & MSG_CMSG_CLOEXEC) | MSG_EOR;
        if (passed_fd_lands < 0 || !msg->msg_control) {
                msg->msg_controllen = 0;
                return;
        }
        fake.open[passed_fd_lands] = true;
        fake.cloexec[passed_fd_lands] = flags & MSG_CMSG_CLOEXEC;
        c = CMSG_FIRSTHDR(msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &passed_fd_lands, sizeof(int));
        msg->msg_controllen = CMSG_SPACE(sizeof(int));
        passed_fd_lands++;
}

static ssize_t fake_recvmsg(int fd, struct msghdr *msg, int flags)
{
        (void)fd;
        issued_flags = flags;
        deliver(msg, flags);
        return 1;
}

static int fake_recvmmsg(int fd, struct mmsghdr *msgs, unsigned int n, int flags,
                         struct timespec *timeout)
{
        (void)fd, (void)timeout;
        issued_flags = flags;
        for (unsigned i = 0; i < n && i < 2; i++)
                deliver(&msgs[i].msg_hdr, flags);
        return n < 2 ? (int)n : 2;
}

static struct fl_sys recv_sys;

struct message {
        char control[CMSG_SPACE(sizeof(int))];
        struct msghdr hdr;
};

static void prepare(struct message *m)
{
        memset(m, 0, sizeof(*m));
        m->hdr.msg_control = m->control;
        m->hdr.msg_controllen = sizeof(m->control);
}

static void setup(enum fl_mode mode, int lands)
{
        setup_mode(mode, FL_PROFILE_CLOEXEC);
        recv_sys = fake_sys;
        recv_sys.recvmsg = fake_recvmsg;
        recv_sys.recvmmsg = fake_recvmmsg;
        shim.sys = &recv_sys;
        passed_fd_lands = lands;
}

Test(recvmsg, enforce_adds_the_flag_and_hides_its_echo)
{
        struct message m;

        setup(FL_MODE_ENFORCE, 5);
        prepare(&m);
        cr_assert_eq(fl_recvmsg(&shim, 3, &m.hdr, 0), 1);
        cr_expect_eq(issued_flags, MSG_CMSG_CLOEXEC);
        cr_expect_eq(m.hdr.msg_flags, MSG_EOR, "msg_flags %#x", m.hdr.msg_flags);
        cr_expect(fake.cloexec[5]);
        cr_expect_eq(nrecords, 0, "the data path is not recorded");
}

Test(recvmsg, the_callers_own_flag_is_echoed)
{
        struct message m;

        setup(FL_MODE_ENFORCE, 5);
        prepare(&m);
        cr_assert_eq(fl_recvmsg(&shim, 3, &m.hdr, MSG_CMSG_CLOEXEC), 1);
        cr_expect_eq(m.hdr.msg_flags, MSG_EOR | MSG_CMSG_CLOEXEC);
        cr_expect(fake.cloexec[5]);
}

Test(recvmsg, audit_and_off_pass_the_flags_unchanged)
{
        struct message m;

        for (int mode = FL_MODE_AUDIT; mode <= FL_MODE_OFF; mode++) {
                setup((enum fl_mode)mode, 5);
                prepare(&m);
                cr_assert_eq(fl_recvmsg(&shim, 3, &m.hdr, MSG_PEEK), 1);
                cr_expect_eq(issued_flags, MSG_PEEK);
                cr_expect_eq(m.hdr.msg_flags, MSG_EOR);
                cr_expect_not(fake.cloexec[5]);
        }
}

Test(recvmsg, an_fd_landing_on_0_stays_inheritable)
{
        struct message m;

        setup(FL_MODE_ENFORCE, 0);
        fake.open[0] = false;
        prepare(&m);
        cr_assert_eq(fl_recvmsg(&shim, 3, &m.hdr, 0), 1);
        cr_expect_not(fake.cloexec[0]);
        cr_expect_eq(m.hdr.msg_flags, MSG_EOR);
}

Test(recvmsg, an_fd_landing_on_0_keeps_the_callers_own_flag)
{
        struct message m;

        setup(FL_MODE_ENFORCE, 0);
        prepare(&m);
        cr_assert_eq(fl_recvmsg(&shim, 3, &m.hdr, MSG_CMSG_CLOEXEC), 1);
        cr_expect(fake.cloexec[0]);
}

Test(recvmsg, no_control_buffer)
{
        struct message m;

        setup(FL_MODE_ENFORCE, 5);
        prepare(&m);
        m.hdr.msg_control = NULL;
        m.hdr.msg_controllen = 0;
        cr_assert_eq(fl_recvmsg(&shim, 3, &m.hdr, 0), 1);
        cr_expect_eq(m.hdr.msg_flags, MSG_EOR);
}

Test(recvmmsg, each_returned_header_as_bare_and_no_further)
{
        struct message m[3];
        struct mmsghdr v[3];

        setup(FL_MODE_ENFORCE, 1);
        fake.open[1] = fake.open[2] = false;
        for (int i = 0; i < 3; i++) {
                prepare(&m[i]);
                memset(&v[i], 0, sizeof(v[i]));
                v[i].msg_hdr = m[i].hdr;
                v[i].msg_hdr.msg_control = m[i].control;
        }
        v[2].msg_hdr.msg_flags = MSG_CMSG_CLOEXEC; /* past the result: left as it was */
        cr_assert_eq(fl_recvmmsg(&shim, 3, v, 3, 0, NULL), 2);
        cr_expect_eq(issued_flags, MSG_CMSG_CLOEXEC);
        cr_expect_eq(v[0].msg_hdr.msg_flags, MSG_EOR);
        cr_expect_eq(v[1].msg_hdr.msg_flags, MSG_EOR);
        cr_expect_eq(v[2].msg_hdr.msg_flags, MSG_CMSG_CLOEXEC);
        cr_expect_not(fake.cloexec[1], "fd 1 received: a standard stream");
        cr_expect_not(fake.cloexec[2]);
}

Test(recvmmsg, the_callers_own_flag_is_echoed)
{
        struct message m;
        struct mmsghdr v;

        setup(FL_MODE_ENFORCE, 7);
        prepare(&m);
        memset(&v, 0, sizeof(v));
        v.msg_hdr = m.hdr;
        cr_assert_eq(fl_recvmmsg(&shim, 3, &v, 1, MSG_CMSG_CLOEXEC, NULL), 1);
        cr_expect_eq(v.msg_hdr.msg_flags, MSG_EOR | MSG_CMSG_CLOEXEC);
        cr_expect(fake.cloexec[7]);
}
