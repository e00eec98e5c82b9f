/* socket and socketpair over the fake syscall table: every branch of the algorithm. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>

#include "fakesys.h"
#include "fdtable.h"
#include "shim.h"
#include "sockets.h"

static struct fl_shim shim;
static struct fl_record last;
static int records;
static int decided[FL_DEC_COUNT];

static void capture(struct fl_record *record)
{
        last = *record;
        records++;
        decided[record->decision]++;
}

static void setup(void)
{
        fl_fake_reset();
        memset(&shim, 0, sizeof(shim));
        shim.sys = &fl_fake_sys;
        shim.emit = capture;
        records = 0;
        memset(decided, 0, sizeof(decided));
}

TestSuite(socket, .init = setup);
TestSuite(socketpair, .init = setup);

Test(socket, atomic_success_passes_sock_cloexec_to_the_kernel)
{
        int fd = fl_socket(&shim, AF_INET, SOCK_STREAM, 0);

        cr_assert_geq(fd, 4);
        cr_assert_eq(fl_fake.socket_calls, 1);
        cr_assert_eq(fl_fake.last_type, SOCK_STREAM | SOCK_CLOEXEC);
        cr_assert(fl_fake.cloexec[fd]);
        cr_assert_not(fl_fake.nonblock[fd]);
        cr_assert_eq(fl_fake.setfd_calls, 0, "no create-then-fcntl on the atomic path");
        cr_assert_eq(last.decision, FL_DEC_ATOMIC);
        cr_assert_eq(last.result, fd);
        cr_assert_eq(last.flags_asked, 0);
        cr_assert_eq(last.flags_applied, SOCK_CLOEXEC);
}

/* fl_socket_made writes the common case (atomic, above fd 2, cloexec profile) out by hand: its
 * record and fdtable entry are the general algorithm's, byte for byte, and errno is untouched. */
Test(socket, the_common_case_records_what_the_general_path_records)
{
        static const struct {
                int family, type, protocol;
        } cases[] = {
            {AF_INET, SOCK_STREAM, 0},
            {AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 17},
            {AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0},
            {AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 1},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct fl_record general, common;
                struct fl_fd_info general_fd, common_fd;
                int a = fl_socket_general(&shim, cases[i].family, cases[i].type, cases[i].protocol);
                int b;

                general = last;
                cr_assert(fl_fdtable_get(a, &general_fd));
                errno = 4321;
                b = fl_socket(&shim, cases[i].family, cases[i].type, cases[i].protocol);
                cr_assert_eq(errno, 4321);
                common = last;
                cr_assert(fl_fdtable_get(b, &common_fd));
                cr_assert_gt(b, 2);
                general.fd = general.result = b;
                cr_expect_arr_eq(&common, &general, sizeof(general), "case %zu: the record", i);
                cr_expect_arr_eq(&common_fd, &general_fd, sizeof(general_fd),
                                 "case %zu: the fdtable entry", i);
        }
}

Test(socket, go_profile_adds_sock_nonblock)
{
        shim.config.profile = FL_PROFILE_GO;
        int fd = fl_socket(&shim, AF_INET, SOCK_STREAM, 0);

        cr_assert_eq(fl_fake.last_type, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK);
        cr_assert(fl_fake.nonblock[fd]);
}

static void check_fallback_on(int err)
{
        fl_fake.socket_flagged_errno = err;
        int fd = fl_socket(&shim, AF_INET, SOCK_STREAM, 0);

        cr_assert_geq(fd, 4, "fallback after %s", strerror(err));
        cr_assert_eq(fl_fake.socket_calls, 2);
        cr_assert_eq(fl_fake.last_type, SOCK_STREAM, "plain creation on the fallback");
        cr_assert(fl_fake.cloexec[fd]);
        cr_assert_eq(fl_fake.setfd_calls, 1);
        cr_assert_eq(last.decision, FL_DEC_FALLBACK);
        cr_assert(atomic_load(&shim.socket_flags_refused));
}

Test(socket, fallback_on_einval)
{
        check_fallback_on(EINVAL);
}

Test(socket, fallback_on_eprotonosupport)
{
        check_fallback_on(EPROTONOSUPPORT);
}

Test(socket, other_errno_does_not_fall_back_and_is_the_kernels_verdict)
{
        fl_fake.socket_flagged_errno = EMFILE;
        cr_assert_eq(fl_socket(&shim, AF_INET, SOCK_STREAM, 0), -1);
        cr_assert_eq(errno, EMFILE);
        cr_assert_eq(fl_fake.socket_calls, 1);
        cr_assert_eq(records, 0, "the kernel's own refusal is returned, not recorded");
        cr_assert_not(atomic_load(&shim.socket_flags_refused));
}

Test(socket, a_failed_fallback_is_recorded_as_an_error)
{
        fl_fake.socket_flagged_errno = EINVAL;
        fl_fake.socket_plain_errno = EMFILE;
        cr_assert_eq(fl_socket(&shim, AF_INET, SOCK_STREAM, 0), -1);
        cr_assert_eq(records, 1);
        cr_assert_eq(last.decision, FL_DEC_ERROR);
        cr_assert_eq(last.err, EMFILE);
}

Test(socket, fallback_where_plain_creation_fails_is_not_remembered)
{
        fl_fake.socket_flagged_errno = EINVAL;
        fl_fake.socket_plain_errno = EAFNOSUPPORT;
        cr_assert_eq(fl_socket(&shim, AF_INET, SOCK_STREAM, 0), -1);
        cr_assert_eq(errno, EAFNOSUPPORT);
        cr_assert_eq(last.decision, FL_DEC_ERROR);
        cr_assert_not(atomic_load(&shim.socket_flags_refused));
}

Test(socket, fallback_where_fd_cloexec_fails_closes_the_fd)
{
        fl_fake.socket_flagged_errno = EINVAL;
        fl_fake.setfd_errno = EIO;
        cr_assert_eq(fl_socket(&shim, AF_INET, SOCK_STREAM, 0), -1);
        cr_assert_eq(errno, EIO);
        cr_assert_eq(fl_fake_open_count(), 0, "the unmarked fd must not survive");
        cr_assert_not(atomic_load(&shim.socket_flags_refused));
}

Test(socket, fallback_where_o_nonblock_fails_closes_the_fd)
{
        fl_fake.socket_flagged_errno = EINVAL;
        fl_fake.setfl_errno = EPERM;
        cr_assert_eq(fl_socket(&shim, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), -1);
        cr_assert_eq(errno, EPERM);
        cr_assert_eq(fl_fake_open_count(), 0);
        cr_assert_eq(fl_fake.close_calls, 1);
        cr_assert_not(atomic_load(&shim.socket_flags_refused));
}

Test(socket, caller_requested_flags_are_emulated_on_the_fallback)
{
        fl_fake.socket_flagged_errno = EINVAL;
        int fd = fl_socket(&shim, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

        cr_assert_geq(fd, 4);
        cr_assert(fl_fake.cloexec[fd]);
        cr_assert(fl_fake.nonblock[fd]);
        cr_assert_eq(last.flags_asked, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

Test(socket, successful_fallback_is_remembered)
{
        fl_fake.socket_flagged_errno = EINVAL;
        fl_socket(&shim, AF_INET, SOCK_STREAM, 0);
        cr_assert_eq(fl_fake.socket_calls, 2);
        int fd = fl_socket(&shim, AF_INET, SOCK_STREAM, 0);

        cr_assert_eq(fl_fake.socket_calls, 3, "straight to the fallback: one call, not two");
        cr_assert(fl_fake.cloexec[fd]);
        cr_assert_eq(last.decision, FL_DEC_REMEMBERED_FALLBACK);
}

Test(socket, genuine_einval_comes_back_at_once)
{
        cr_assert_eq(fl_socket(&shim, AF_INET, SOCK_STREAM | 0x40000000, 0), -1);
        cr_assert_eq(errno, EINVAL);
        cr_assert_eq(fl_fake.socket_calls, 1, "no retry for the caller's own bad bits");
        cr_assert_not(atomic_load(&shim.socket_flags_refused));
}

Test(socket, simulate_einval_takes_the_fallback_without_the_kernel_refusing)
{
        shim.config.simulate_einval = true;
        int fd = fl_socket(&shim, AF_INET, SOCK_STREAM, 0);

        cr_assert_eq(fl_fake.socket_calls, 1, "the atomic attempt never reached the kernel");
        cr_assert_eq(fl_fake.last_type, SOCK_STREAM);
        cr_assert(fl_fake.cloexec[fd]);
        cr_assert_eq(last.decision, FL_DEC_FALLBACK);
}

Test(socket, audit_changes_nothing_and_counts_what_enforce_would_change)
{
        shim.config.mode = FL_MODE_AUDIT;
        int fd = fl_socket(&shim, AF_INET, SOCK_STREAM, 0);
        int fd2 = fl_socket(&shim, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        cr_assert_not(fl_fake.cloexec[fd]);
        cr_assert(fl_fake.cloexec[fd2]);
        cr_assert_eq(fl_fake.last_type, SOCK_STREAM | SOCK_CLOEXEC);
        cr_assert_eq(decided[FL_DEC_AUDIT_WOULD_CHANGE], 1);
        cr_assert_eq(decided[FL_DEC_PASSTHROUGH], 1);
}

Test(socket, off_is_pure_passthrough)
{
        shim.config.mode = FL_MODE_OFF;
        int fd = fl_socket(&shim, AF_INET, SOCK_STREAM, 0);

        cr_assert_not(fl_fake.cloexec[fd]);
        cr_assert_eq(records, 0);
}

Test(socketpair, both_ends_marked_on_each_path)
{
        int pair[2];

        cr_assert_eq(fl_socketpair(&shim, AF_UNIX, SOCK_STREAM, 0, pair), 0);
        cr_assert(fl_fake.cloexec[pair[0]] && fl_fake.cloexec[pair[1]]);
        cr_assert_eq(last.call, FL_CALL_SOCKETPAIR);
        cr_assert_eq(last.fd, pair[0]);
        cr_assert_eq(last.fd2, pair[1]);
        fl_fake.socket_flagged_errno = EINVAL;
        cr_assert_eq(fl_socketpair(&shim, AF_UNIX, SOCK_STREAM, 0, pair), 0);
        cr_assert(fl_fake.cloexec[pair[0]] && fl_fake.cloexec[pair[1]]);
        cr_assert_eq(last.decision, FL_DEC_FALLBACK);
}

Test(socketpair, failed_marking_closes_both_ends)
{
        int pair[2] = {-1, -1};

        fl_fake.socket_flagged_errno = EINVAL;
        fl_fake.setfd_errno = EIO;
        cr_assert_eq(fl_socketpair(&shim, AF_UNIX, SOCK_STREAM, 0, pair), -1);
        cr_assert_eq(errno, EIO);
        cr_assert_eq(fl_fake_open_count(), 0);
}
