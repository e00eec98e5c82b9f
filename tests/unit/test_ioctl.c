/* ioctl(FIONCLEX) and ioctl(FIOCLEX) over the fake kernel: intent exactly like fcntl(F_SETFD, 0)
 * and F_SETFD FD_CLOEXEC, in the fdtable and the ring; every other request is not the shim's. */
#include <criterion/criterion.h>
#include <sys/ioctl.h>

#include "surface_fake.h"

static unsigned long last_request;

static int fake_ioctl(int fd, unsigned long request, unsigned long arg)
{
        (void)arg;
        last_request = request;
        if (!valid(fd))
                return fail(EBADF);
        if (request == FIONCLEX || request == FIOCLEX)
                fake.cloexec[fd] = request == FIOCLEX;
        return 0;
}

static struct fl_sys ioctl_sys;

static void setup(enum fl_mode mode)
{
        setup_mode(mode, FL_PROFILE_CLOEXEC);
        ioctl_sys = fake_sys;
        ioctl_sys.ioctl = fake_ioctl;
        shim.sys = &ioctl_sys;
}

Test(ioctl, fionclex_is_intent_and_clears_the_forced_mark)
{
        struct fl_fd_info info;
        int fd;

        setup(FL_MODE_ENFORCE);
        fd = fl_socket(&shim, AF_INET, SOCK_STREAM, 0);
        cr_assert(fl_fdtable_get(fd, &info) && (info.flags & FL_FD_CLOEXEC_FORCED));
        cr_assert_eq(fl_ioctl_cloexec(&shim, fd, FIONCLEX, 0), 0);
        cr_expect_not(fake.cloexec[fd]);
        cr_expect_eq(last_record()->call, FL_CALL_IOCTL);
        cr_expect_eq(last_record()->decision, FL_DEC_INTENT);
        cr_expect_eq(last_record()->fd, fd);
        cr_expect_eq(last_record()->flags_asked, FIONCLEX);
        cr_expect(fl_fdtable_get(fd, &info));
        cr_expect(info.flags & FL_FD_INTENT);
        cr_expect_not(info.flags & FL_FD_CLOEXEC_FORCED);
}

Test(ioctl, fioclex_takes_intent_back)
{
        struct fl_fd_info info;
        int fd;

        setup(FL_MODE_ENFORCE);
        fd = fl_socket(&shim, AF_INET, SOCK_STREAM, 0);
        fl_ioctl_cloexec(&shim, fd, FIONCLEX, 0);
        cr_assert_eq(fl_ioctl_cloexec(&shim, fd, FIOCLEX, 0), 0);
        cr_expect(fake.cloexec[fd]);
        cr_expect_eq(last_record()->decision, FL_DEC_PASSTHROUGH);
        cr_expect(fl_fdtable_get(fd, &info));
        cr_expect_not(info.flags & FL_FD_INTENT);
}

Test(ioctl, fionclex_on_an_unknown_fd_gives_it_an_entry)
{
        struct fl_fd_info info;
        int fd;

        setup(FL_MODE_AUDIT);
        fd = open_fake();
        cr_assert_eq(fl_ioctl_cloexec(&shim, fd, FIONCLEX, 0), 0);
        cr_expect(fl_fdtable_get(fd, &info) && (info.flags & FL_FD_INTENT));
}

Test(ioctl, the_kernels_error_comes_back)
{
        setup(FL_MODE_ENFORCE);
        errno = 0;
        cr_expect_eq(fl_ioctl_cloexec(&shim, 99, FIONCLEX, 0), -1);
        cr_expect_eq(errno, EBADF);
        cr_expect_eq(last_record()->decision, FL_DEC_ERROR);
        cr_expect_not(fl_fdtable_get(99, (struct fl_fd_info[1]){0}));
}

Test(ioctl, off_mode_records_nothing)
{
        setup(FL_MODE_OFF);
        cr_assert_eq(fl_ioctl_cloexec(&shim, open_fake(), FIONCLEX, 0), 0);
        cr_expect_eq(last_request, FIONCLEX);
        cr_expect_eq(nrecords, 0);
}

Test(ioctl, only_the_two_requests_are_watched)
{
        cr_expect(fl_ioctl_watched(FIONCLEX));
        cr_expect(fl_ioctl_watched(FIOCLEX));
        /* The kernel reads the request as an unsigned int: so does the wrapper. */
        cr_expect(fl_ioctl_watched(0xffffffff00000000ul | FIONCLEX));
        cr_expect_not(fl_ioctl_watched(FIONREAD));
        cr_expect_not(fl_ioctl_watched(TIOCGWINSZ));
        cr_expect_not(fl_ioctl_watched(FIONBIO));
}
