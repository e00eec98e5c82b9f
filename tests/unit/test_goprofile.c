/* The go profile over the fake kernel, and Go's listenerBacklog rule as a table. */
#include <criterion/criterion.h>

#include "goprofile.h"
#include "surface_fake.h"

struct backlog_case {
        const char *somaxconn, *release;
        int want;
};

Test(backlog, gos_rule)
{
        static const struct backlog_case cases[] = {
            {"4096\n", "6.1.0", 4096},
            {"128\n", "5.10.0-28-amd64", 128},
            {NULL, "6.1.0", 128},          /* read failed */
            {"0\n", "6.1.0", 128},         /* zero */
            {"", "6.1.0", 128},            /* empty */
            {"abc\n", "6.1.0", 128},       /* not a number */
            {"200000\n", "6.1.0", 200000}, /* no cap from 4.1 on */
            {"200000\n", "4.1.0", 200000},
            {"200000\n", "4.0.9", 65535}, /* uint16 backlog before 4.1 */
            {"200000\n", "3.10.0-1160", 65535},
            {"200000\n", "", 65535}, /* unknown kernel: Go's 0.0 */
            {"65535\n", "2.6.32", 65535},
            {"16777215\n", "6.1.0", 128}, /* Go's dtoi gives up at 0xFFFFFF */
            {"16777214\n", "6.1.0", 16777214},
            {"  512\n", "6.1.0", 512}, /* getFields skips leading blanks */
            {"1024 extra", "6.1.0", 1024},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                cr_expect_eq(fl_listener_backlog(cases[i].somaxconn, cases[i].release),
                             cases[i].want, "somaxconn %s on %s", cases[i].somaxconn,
                             cases[i].release);
}

Test(backlog, read_once)
{
        int fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        fd = fl_socket(&shim, AF_INET, SOCK_STREAM, 0);
        cr_expect_eq(fl_listen(&shim, fd, 5), 0);
        cr_expect_eq(fake.listen_backlog, 4096);
        cr_expect_eq(last_record()->decision, FL_DEC_PROFILE);
        cr_expect_eq(last_record()->flags_asked, 5);
        cr_expect_eq(last_record()->aux, 4096);
        fake.somaxconn = "10\n";
        cr_expect_eq(fl_listen(&shim, fd, 5), 0);
        cr_expect_eq(fake.listen_backlog, 4096);
        cr_expect_eq(fake.somaxconn_reads, 1);
}

Test(backlog, untouched_without_the_profile_and_in_audit)
{
        int fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fd = open_fake();
        fl_listen(&shim, fd, 5);
        cr_expect_eq(fake.listen_backlog, 5);
        cr_expect_eq(last_record()->decision, FL_DEC_PASSTHROUGH);
        setup_mode(FL_MODE_AUDIT, FL_PROFILE_GO);
        fd = open_fake();
        fl_listen(&shim, fd, 5);
        cr_expect_eq(fake.listen_backlog, 5);
        cr_expect_eq(last_record()->decision, FL_DEC_AUDIT_WOULD_CHANGE);
}

static int count(enum fl_decision decision, int name)
{
        int n = 0;

        for (int i = 0; i < nrecords; i++)
                n += records[i].decision == decision && records[i].call == FL_CALL_SETSOCKOPT &&
                     records[i].aux == name;
        return n;
}

Test(go, broadcast_on_datagram_sockets_at_creation)
{
        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        fl_socket(&shim, AF_INET, SOCK_DGRAM, 0);
        cr_expect_eq(fake.last_opt_name, SO_BROADCAST);
        cr_expect_eq(fake.last_opt_value, 1);
        cr_expect_eq(count(FL_DEC_PROFILE, SO_BROADCAST), 1);
        fl_socket(&shim, AF_INET, SOCK_RAW, 0);
        cr_expect_eq(count(FL_DEC_PROFILE, SO_BROADCAST), 2);
        fl_socket(&shim, AF_UNIX, SOCK_DGRAM, 0);
        fl_socket(&shim, AF_INET, SOCK_STREAM, 0);
        cr_expect_eq(count(FL_DEC_PROFILE, SO_BROADCAST), 2, "not UNIX, not stream");
}

Test(go, failing_option_is_recorded_and_the_socket_kept)
{
        int fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        fake.setsockopt_errno = ENOPROTOOPT;
        errno = 1234;
        fd = fl_socket(&shim, AF_INET, SOCK_DGRAM, 0);
        cr_expect_geq(fd, 0);
        cr_expect_eq(errno, 1234);
        cr_expect_eq(last_record()->decision, FL_DEC_ERROR);
        cr_expect_eq(last_record()->err, ENOPROTOOPT);
}

static struct sockaddr_in6 any6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
static struct sockaddr_in6 loop6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};

Test(go, v6only_off_on_the_wildcard_and_reuseaddr_before_bind)
{
        int fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        fd = fl_socket(&shim, AF_INET6, SOCK_STREAM, 0);
        cr_expect_eq(fl_bind(&shim, fd, (struct sockaddr *)&any6, sizeof(any6)), 0);
        cr_expect_eq(count(FL_DEC_PROFILE, IPV6_V6ONLY), 1);
        cr_expect_eq(count(FL_DEC_PROFILE, SO_REUSEADDR), 1);
        cr_expect_eq(last_record()->call, FL_CALL_BIND);
        cr_expect_str_eq(last_record()->text, "[::]:0");
}

Test(go, no_v6only_change_on_a_specific_address)
{
        int fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        fd = fl_socket(&shim, AF_INET6, SOCK_DGRAM, 0);
        fl_bind(&shim, fd, (struct sockaddr *)&loop6, sizeof(loop6));
        cr_expect_eq(count(FL_DEC_PROFILE, IPV6_V6ONLY), 0);
        cr_expect_eq(count(FL_DEC_PROFILE, SO_REUSEADDR), 0, "datagram: no SO_REUSEADDR");
}

Test(go, bad_address_pointer_is_the_kernels_business)
{
        int fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        fd = fl_socket(&shim, AF_INET6, SOCK_STREAM, 0);
        fl_bind(&shim, fd, (struct sockaddr *)8, sizeof(any6));
        cr_expect_eq(count(FL_DEC_PROFILE, IPV6_V6ONLY), 0);
}

Test(go, program_wins)
{
        int fd, zero = 0, one = 1;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        fd = fl_socket(&shim, AF_INET6, SOCK_STREAM, 0);
        fl_setsockopt(&shim, fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        fl_setsockopt(&shim, fd, SOL_SOCKET, SO_REUSEADDR, &zero, sizeof(zero));
        fl_bind(&shim, fd, (struct sockaddr *)&any6, sizeof(any6));
        cr_expect_eq(count(FL_DEC_PROFILE, IPV6_V6ONLY), 0);
        cr_expect_eq(count(FL_DEC_PROFILE, SO_REUSEADDR), 0);
        cr_expect_eq(count(FL_DEC_PROGRAM_WINS, IPV6_V6ONLY), 1);
        cr_expect_eq(count(FL_DEC_PROGRAM_WINS, SO_REUSEADDR), 1);
        cr_expect_eq(fake.last_opt_value, 0, "the program's SO_REUSEADDR=0 stands");
}

Test(go, program_overriding_a_profile_option_is_recorded)
{
        int fd, zero = 0;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        fd = fl_socket(&shim, AF_INET, SOCK_DGRAM, 0);
        fl_setsockopt(&shim, fd, SOL_SOCKET, SO_BROADCAST, &zero, sizeof(zero));
        cr_expect_eq(last_record()->decision, FL_DEC_PROGRAM_WINS);
        cr_expect_eq(last_record()->type, 0);
}

Test(go, setsockopt_failure_is_not_noted)
{
        struct fl_fd_info info;
        int fd, one = 1;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        fd = fl_socket(&shim, AF_INET, SOCK_STREAM, 0);
        fake.setsockopt_errno = EINVAL;
        cr_expect_eq(fl_setsockopt(&shim, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), -1);
        cr_expect_eq(errno, EINVAL);
        fl_fdtable_get(fd, &info);
        cr_expect_eq(info.opts_program, 0);
}

Test(go, audit_would_change_and_changes_nothing)
{
        int fd;

        setup_mode(FL_MODE_AUDIT, FL_PROFILE_GO);
        fd = fl_socket(&shim, AF_INET6, SOCK_STREAM, 0);
        fl_bind(&shim, fd, (struct sockaddr *)&any6, sizeof(any6));
        cr_expect_eq(fake.setsockopt_calls, 0);
        cr_expect_eq(count(FL_DEC_AUDIT_WOULD_CHANGE, IPV6_V6ONLY), 1);
        cr_expect_eq(count(FL_DEC_AUDIT_WOULD_CHANGE, SO_REUSEADDR), 1);
}
