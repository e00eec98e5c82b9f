/* The go profile's TCP defaults on dialed connections (Go's Dialer: newTCPConn's TCP_NODELAY=1,
 * then keep-alive with a 15 s idle time and interval and 9 probes), set once per socket when
 * connect succeeds or is in progress; the program's own TCP_NODELAY or SO_KEEPALIVE wins. Outside
 * the profile connect is a pure pass-through. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/un.h>

#include "connect.h"
#include "goprofile.h"
#include "surface_fake.h"

static struct sockaddr_in loopback4(void)
{
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(8080)};

        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return sin;
}

static int dial(int fd)
{
        struct sockaddr_in sin = loopback4();

        return fl_connect(&shim, fd, (struct sockaddr *)&sin, sizeof(sin));
}

static int tcp_socket(int family)
{
        int fd = fl_socket(&shim, family, SOCK_STREAM, 0);

        cr_assert_geq(fd, 0);
        return fd;
}

static int after_socket(void)
{
        return nrecords;
}

Test(go_dial, connected_tcp_gets_nodelay_and_keepalive)
{
        int fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        fd = tcp_socket(AF_INET);
        cr_expect_eq(dial(fd), 0);
        expect_go_tcp_defaults(fd);
}

Test(go_dial, in_progress_connect_gets_them_and_keeps_its_errno)
{
        int fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        fd = tcp_socket(AF_INET6);
        fake.connect_errno = EINPROGRESS;
        cr_expect_eq(dial(fd), -1);
        cr_expect_eq(errno, EINPROGRESS);
        expect_go_tcp_defaults(fd);
}

/* As Go's netFD.connect: EINTR and EALREADY also mean the connection is under way. */
Test(go_dial, interrupted_connect_is_under_way_too)
{
        int fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        fd = tcp_socket(AF_INET);
        fake.connect_errno = EINTR;
        cr_expect_eq(dial(fd), -1);
        cr_expect_eq(errno, EINTR);
        expect_go_tcp_defaults(fd);
        fake.connect_errno = EALREADY;
        cr_expect_eq(dial(fd), -1);
        cr_expect_eq(errno, EALREADY);
        cr_expect_eq(fake.setsockopt_calls, 5, "once");
}

Test(go_dial, failed_connect_gets_nothing)
{
        int fd, before;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        fd = tcp_socket(AF_INET);
        before = after_socket();
        fake.connect_errno = ECONNREFUSED;
        cr_expect_eq(dial(fd), -1);
        cr_expect_eq(errno, ECONNREFUSED);
        cr_expect_eq(fake.setsockopt_calls, 0);
        cr_expect_eq(nrecords, before, "no record for a failed connect");
}

Test(go_dial, set_once_per_socket)
{
        int fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        fd = tcp_socket(AF_INET);
        fake.connect_errno = EINPROGRESS;
        dial(fd);
        fake.connect_errno = 0; /* the second connect that reports the connection established */
        cr_expect_eq(dial(fd), 0);
        cr_expect_eq(fake.setsockopt_calls, 5);
}

Test(go_dial, program_that_set_nodelay_wins)
{
        int fd, zero = 0;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        fd = tcp_socket(AF_INET);
        cr_assert_eq(fl_setsockopt(&shim, fd, IPPROTO_TCP, TCP_NODELAY, &zero, sizeof(zero)), 0);
        fake.setsockopt_calls = 0;
        dial(fd);
        cr_expect_eq(count_opt(FL_DEC_PROFILE, IPPROTO_TCP, TCP_NODELAY), 0);
        cr_expect_eq(count_opt(FL_DEC_PROGRAM_WINS, IPPROTO_TCP, TCP_NODELAY), 1);
        cr_expect_eq(value_of(IPPROTO_TCP, TCP_NODELAY), 0, "the program's value is recorded");
        cr_expect_eq(count_opt(FL_DEC_PROFILE, SOL_SOCKET, SO_KEEPALIVE), 1, "keep-alive still");
        cr_expect_eq(fake.setsockopt_calls, 4);
}

Test(go_dial, program_that_set_keepalive_wins_over_all_keepalive_options)
{
        int fd, one = 1;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        fd = tcp_socket(AF_INET);
        cr_assert_eq(fl_setsockopt(&shim, fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)), 0);
        fake.setsockopt_calls = 0;
        dial(fd);
        cr_expect_eq(count_opt(FL_DEC_PROFILE, IPPROTO_TCP, TCP_NODELAY), 1, "nodelay still");
        cr_expect_eq(count_opt(FL_DEC_PROFILE, SOL_SOCKET, SO_KEEPALIVE), 0);
        cr_expect_eq(count_opt(FL_DEC_PROFILE, IPPROTO_TCP, TCP_KEEPIDLE), 0);
        cr_expect_eq(count_opt(FL_DEC_PROFILE, IPPROTO_TCP, TCP_KEEPCNT), 0);
        cr_expect_eq(count_opt(FL_DEC_PROGRAM_WINS, SOL_SOCKET, SO_KEEPALIVE), 1);
        cr_expect_eq(fake.setsockopt_calls, 1);
}

Test(go_dial, not_datagram_not_unix_not_untracked_not_a_disconnect)
{
        struct sockaddr_un sun = {.sun_family = AF_UNIX, .sun_path = "/tmp/x"};
        struct sockaddr unspec = {.sa_family = AF_UNSPEC};
        int udp, unix_fd, fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        udp = fl_socket(&shim, AF_INET, SOCK_DGRAM, 0);
        fake.setsockopt_calls = 0; /* SO_BROADCAST at creation */
        dial(udp);
        cr_expect_eq(fake.setsockopt_calls, 0, "UDP");
        unix_fd = fl_socket(&shim, AF_UNIX, SOCK_STREAM, 0);
        fl_connect(&shim, unix_fd, (struct sockaddr *)&sun, sizeof(sun));
        cr_expect_eq(fake.setsockopt_calls, 0, "AF_UNIX");
        dial(open_fake());
        cr_expect_eq(fake.setsockopt_calls, 0, "a socket forklock did not see created");
        fd = tcp_socket(AF_INET);
        cr_expect_eq(fl_connect(&shim, fd, &unspec, sizeof(unspec)), 0);
        cr_expect_eq(fake.setsockopt_calls, 0, "connect(AF_UNSPEC) dissolves an association");
        cr_expect_eq(dial(fd), 0);
        cr_expect_eq(fake.setsockopt_calls, 5, "the real dial after it");
}

Test(go_dial, audit_mode_says_what_it_would_set)
{
        setup_mode(FL_MODE_AUDIT, FL_PROFILE_GO);
        dial(tcp_socket(AF_INET));
        cr_expect_eq(fake.setsockopt_calls, 0);
        cr_expect_eq(count_opt(FL_DEC_AUDIT_WOULD_CHANGE, IPPROTO_TCP, TCP_NODELAY), 1);
        cr_expect_eq(count_opt(FL_DEC_AUDIT_WOULD_CHANGE, SOL_SOCKET, SO_KEEPALIVE), 1);
}

Test(go_dial, pure_pass_through_outside_the_profile)
{
        int fd, before;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fd = tcp_socket(AF_INET);
        before = nrecords;
        errno = 4321;
        cr_expect_eq(dial(fd), 0);
        cr_expect_eq(errno, 4321);
        fake.connect_errno = ECONNREFUSED;
        cr_expect_eq(dial(fd), -1);
        cr_expect_eq(errno, ECONNREFUSED);
        cr_expect_eq(fake.connect_calls, 2);
        cr_expect_eq(fake.setsockopt_calls, 0);
        cr_expect_eq(nrecords, before, "nothing recorded");
}

Test(go_dial, option_failure_is_recorded_and_connect_errno_kept)
{
        int fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        fd = tcp_socket(AF_INET);
        fake.connect_errno = EINPROGRESS;
        fake.setsockopt_errno = ENOPROTOOPT;
        cr_expect_eq(dial(fd), -1);
        cr_expect_eq(errno, EINPROGRESS);
        cr_expect_geq(count_opt(FL_DEC_ERROR, IPPROTO_TCP, TCP_NODELAY), 1);
}
