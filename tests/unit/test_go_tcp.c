/* The go profile's TCP defaults on accepted connections (Go's newTCPConn and accept):
 * TCP_NODELAY=1, then SO_KEEPALIVE=1 with a 15 s idle time and interval and 9 probes (current Go's
 * KeepAliveConfig defaults; Go 1.14 set the same idle and interval), unless the program disabled
 * keep-alive on the listener. Recorded as profile decisions; the program wins. */
#include <criterion/criterion.h>

#include <netinet/tcp.h>

#include "goprofile.h"
#include "surface_fake.h"

/* accept4 on listener gave conn: what the accept wrapper hands the shim. */
static void accepted(int listener, int conn)
{
        struct fl_record record;

        memset(&record, 0, sizeof(record));
        record.call = FL_CALL_ACCEPT4;
        record.fd = listener;
        record.result = conn;
        fl_fdcall_created(&shim, &record, 1);
}

static int tcp_listener(int family)
{
        int fd = fl_socket(&shim, family, SOCK_STREAM, 0);

        cr_assert_geq(fd, 0);
        return fd;
}

Test(go_tcp, accepted_connection_gets_nodelay_and_keepalive)
{
        int listener, conn;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        listener = tcp_listener(AF_INET);
        conn = open_fake();
        accepted(listener, conn);
        expect_go_tcp_defaults(conn);
}

Test(go_tcp, program_that_disabled_keepalive_on_the_listener_wins)
{
        int listener, conn, zero = 0;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        listener = tcp_listener(AF_INET6);
        fl_setsockopt(&shim, listener, SOL_SOCKET, SO_KEEPALIVE, &zero, sizeof(zero));
        conn = open_fake();
        accepted(listener, conn);
        cr_expect_eq(count_opt(FL_DEC_PROFILE, IPPROTO_TCP, TCP_NODELAY), 1, "always, as Go");
        cr_expect_eq(count_opt(FL_DEC_PROFILE, SOL_SOCKET, SO_KEEPALIVE), 0);
        cr_expect_eq(count_opt(FL_DEC_PROFILE, IPPROTO_TCP, TCP_KEEPIDLE), 0);
        cr_expect_eq(count_opt(FL_DEC_PROGRAM_WINS, SOL_SOCKET, SO_KEEPALIVE), 1);
}

Test(go_tcp, not_unix_not_datagram_not_without_the_profile_nor_in_audit)
{
        int listener;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        listener = fl_socket(&shim, AF_UNIX, SOCK_STREAM, 0);
        accepted(listener, open_fake());
        cr_expect_eq(count_opt(FL_DEC_PROFILE, IPPROTO_TCP, TCP_NODELAY), 0, "AF_UNIX");
        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        listener = tcp_listener(AF_INET);
        accepted(listener, open_fake());
        cr_expect_eq(fake.setsockopt_calls, 0, "profile cloexec");
        setup_mode(FL_MODE_AUDIT, FL_PROFILE_GO);
        listener = tcp_listener(AF_INET);
        accepted(listener, open_fake());
        cr_expect_eq(fake.setsockopt_calls, 0, "audit mode");
        cr_expect_eq(count_opt(FL_DEC_AUDIT_WOULD_CHANGE, IPPROTO_TCP, TCP_NODELAY), 1);
}

Test(go_tcp, failure_is_recorded_and_errno_kept)
{
        int listener;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_GO);
        listener = tcp_listener(AF_INET);
        fake.setsockopt_errno = ENOPROTOOPT;
        errno = 4321;
        accepted(listener, open_fake());
        cr_expect_eq(errno, 4321);
        cr_expect_geq(count_opt(FL_DEC_ERROR, IPPROTO_TCP, TCP_NODELAY), 1);
}
