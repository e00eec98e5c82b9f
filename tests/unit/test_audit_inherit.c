/* The hand-over conventions (LISTEN_FDS/LISTEN_PID, NGINX, FORKLOCK_INHERIT; the others in
 * test_conventions.c), fd descriptions, the fd listing and the environment carried across exec. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "audit.h"
#include "carry.h"
#include "fdinfo.h"
#include "inherit.h"

Test(inherit, systemd)
{
        cr_expect(fl_inherit_systemd("2", "100", 100, 3));
        cr_expect(fl_inherit_systemd("2", "100", 100, 4));
        cr_expect(!fl_inherit_systemd("2", "100", 100, 5));
        cr_expect(!fl_inherit_systemd("2", "100", 100, 2));
        cr_expect(!fl_inherit_systemd("2", "101", 100, 3), "another pid's fds");
        cr_expect(!fl_inherit_systemd("2", NULL, 100, 3), "LISTEN_PID is required");
        cr_expect(!fl_inherit_systemd("x", "100", 100, 3));
        cr_expect(!fl_inherit_systemd("99999999999", "100", 100, 3));
        cr_expect(!fl_inherit_systemd("", "100", 100, 3));
}

Test(inherit, nginx)
{
        cr_expect(fl_inherit_nginx("6;7;", 6));
        cr_expect(fl_inherit_nginx("6;7;", 7));
        cr_expect(fl_inherit_nginx("6:7:", 7));
        cr_expect(!fl_inherit_nginx("6;7", 7), "unterminated, as nginx reads it");
        cr_expect(!fl_inherit_nginx("6;7;", 8));
        cr_expect(!fl_inherit_nginx(";;", 0));
        cr_expect(!fl_inherit_nginx(NULL, 6));
}

Test(inherit, forklock_inherit)
{
        cr_expect(fl_inherit_listed("5,tcp:8080,udp:53", 5, 0, 0));
        cr_expect(fl_inherit_listed("5,tcp:8080,udp:53", 9, SOCK_STREAM, 8080));
        cr_expect(!fl_inherit_listed("5,tcp:8080,udp:53", 9, SOCK_DGRAM, 8080));
        cr_expect(fl_inherit_listed("5,tcp:8080,udp:53", 9, SOCK_DGRAM, 53));
        cr_expect(!fl_inherit_listed("5,tcp:8080", 6, SOCK_STREAM, 80));
        cr_expect(fl_inherit_list_valid("5,tcp:8080,udp:53"));
        cr_expect(fl_inherit_list_valid(""));
        cr_expect(!fl_inherit_list_valid("tcp:0"));
        cr_expect(!fl_inherit_list_valid("tcp:70000"));
        cr_expect(!fl_inherit_list_valid("five"));
        cr_expect(!fl_inherit_list_valid("sctp:5"));
}

Test(inherit, from_envp_and_convention)
{
        char *envp[] = {"A=1",      "LISTEN_FDS=1",       "LISTEN_PID=42",
                        "NGINX=8;", "FORKLOCK_INHERIT=9", NULL};
        struct fl_inherit_env env;

        fl_inherit_from_envp(&env, envp);
        cr_expect_eq(fl_inherit_convention(&env, 42, 3, 0, 0), FL_PASS_SYSTEMD);
        cr_expect_eq(fl_inherit_convention(&env, 43, 3, 0, 0), FL_PASS_NONE);
        cr_expect_eq(fl_inherit_convention(&env, 42, 8, 0, 0), FL_PASS_NGINX);
        cr_expect_eq(fl_inherit_convention(&env, 42, 9, 0, 0), FL_PASS_INHERIT);
        cr_expect_eq(fl_inherit_convention(&env, 42, 10, 0, 0), FL_PASS_NONE);
        fl_inherit_from_envp(&env, NULL);
        cr_expect_eq(fl_inherit_convention(&env, 42, 3, 0, 0), FL_PASS_NONE);
}

Test(fdinfo, kinds)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        struct fl_fdinfo info;
        int l = socket(AF_INET, SOCK_STREAM, 0), p[2], e = eventfd(0, 0);
        int f = open("/etc/hostname", O_RDONLY), u = socket(AF_INET, SOCK_DGRAM, 0);

        cr_assert(l >= 0 && bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 1) == 0);
        cr_assert_eq(fl_fdinfo_describe(l, &info), 0);
        cr_expect_eq(info.kind, FL_KIND_TCP);
        cr_expect(info.state & FL_STATE_LISTENING);
        cr_expect(info.local_port > 0);
        cr_expect(strncmp(info.text, "127.0.0.1:", 10) == 0, "%s", info.text);
        cr_expect(info.ino != 0);
        cr_assert_eq(pipe(p), 0);
        fl_fdinfo_describe(p[0], &info);
        cr_expect_eq(info.kind, FL_KIND_PIPE, "%s", info.text);
        fl_fdinfo_describe(e, &info);
        cr_expect_eq(info.kind, FL_KIND_EVENTFD, "%s", info.text);
        fl_fdinfo_describe(u, &info);
        cr_expect_eq(info.kind, FL_KIND_UDP);
        if (f >= 0) {
                fl_fdinfo_describe(f, &info);
                cr_expect_eq(info.kind, FL_KIND_FILE);
                cr_expect_str_eq(info.text, "/etc/hostname");
        }
        cr_expect_eq(fl_fdinfo_describe(1000, &info), -1);
        cr_expect_eq(fl_fd_kind_of_link("anon_inode:[eventpoll]"), FL_KIND_EPOLL);
        cr_expect_eq(fl_fd_kind_of_link("anon_inode:[timerfd]"), FL_KIND_ANON);
}

struct listing {
        int n, fds[2048];
};

static void note_fd(int fd, void *ctx)
{
        struct listing *l = ctx;

        if (l->n < 2048)
                l->fds[l->n++] = fd;
}

static bool listed(const struct listing *l, int fd)
{
        for (int i = 0; i < l->n; i++)
                if (l->fds[i] == fd)
                        return true;
        return false;
}

Test(audit, each_fd)
{
        static struct listing l;
        int e = eventfd(0, 0);

        cr_expect_eq(fl_audit_each_fd(note_fd, &l), l.n);
        for (int i = 0; i < l.n; i++) {
                cr_expect(l.fds[i] >= 3);
                if (i > 0)
                        cr_expect(l.fds[i] > l.fds[i - 1], "ascending");
        }
        cr_expect(listed(&l, e), "eventfd %d listed", e);
        close(e);
        l.n = 0;
        fl_audit_each_fd(note_fd, &l);
        cr_expect(!listed(&l, e), "closed fd listed");
}

/* No cap: every one of 600 fds is listed, the last one included. */
Test(audit, each_fd_has_no_cap)
{
        static struct listing l;
        int last = -1;

        for (int i = 0; i < 600; i++)
                last = dup(0);
        cr_assert_geq(last, 600);
        cr_expect_geq(fl_audit_each_fd(note_fd, &l), 600);
        cr_expect(listed(&l, last), "fd %d not listed (%d listed)", last, l.n);
}

/* "/bin/sh" stands for a library path that resolves, "/nonexistent/..." for one that does not
 * (as after a chroot). */
static char *const *complete(char *const envp[], char **room, size_t size)
{
        struct fl_carry plan;
        size_t words = fl_carry_plan(envp, &plan);

        cr_assert_leq(words, size);
        return fl_carry_complete(envp, &plan, words ? room : NULL);
}

Test(carry, completes_only_what_is_missing)
{
        char *start[] = {"LD_PRELOAD=/bin/sh", "FORKLOCK_LOG=/r", "FORKLOCK_INHERIT=5", "HOME=/",
                         NULL};
        char *bare[] = {"PATH=/bin", NULL};
        char *own[] = {"LD_PRELOAD=/other.so", NULL};
        char *room[8];
        struct fl_carry plan;
        char *const *out;

        fl_carry_reset();
        fl_carry_save(start);
        cr_assert_eq(fl_carry_plan(start, &plan), 0, "nothing missing");
        cr_assert_eq(fl_carry_plan(bare, &plan), 4);
        out = complete(bare, room, 8);
        cr_expect_str_eq(out[0], "PATH=/bin");
        cr_expect_str_eq(out[1], "LD_PRELOAD=/bin/sh");
        cr_expect_str_eq(out[2], "FORKLOCK_LOG=/r");
        cr_expect_null(out[3], "FORKLOCK_INHERIT is not carried");
        out = complete(own, room, 8);
        cr_expect_str_eq(out[0], "LD_PRELOAD=/other.so", "the program's own value is kept");
        cr_expect_str_eq(out[1], "FORKLOCK_LOG=/r");
        fl_carry_reset();
}

Test(carry, only_the_preloaded_paths_that_resolve)
{
        char *start[] = {"LD_PRELOAD=/bin/sh /nonexistent/libx.so:libasan.so.8",
                         "FORKLOCK_MODE=audit", NULL};
        char *bare[] = {"PATH=/bin", NULL};
        char *room[64];
        char *const *out;

        fl_carry_reset();
        fl_carry_save(start);
        out = complete(bare, room, 64);
        cr_expect_str_eq(out[1], "LD_PRELOAD=/bin/sh libasan.so.8");
        cr_expect_str_eq(out[2], "FORKLOCK_MODE=audit");
        cr_expect_null(out[3]);
        fl_carry_reset();
}

Test(carry, nothing_when_the_library_does_not_resolve)
{
        char *start[] = {"LD_PRELOAD=/nonexistent/libforklock.so", "FORKLOCK_MODE=audit", NULL};
        char *bare[] = {"PATH=/bin", NULL};
        char *room[8];
        struct fl_carry plan;

        fl_carry_reset();
        fl_carry_save(start);
        cr_expect_eq(fl_carry_plan(bare, &plan), 0);
        cr_expect_eq(complete(bare, room, 8), bare);
        fl_carry_reset();
}

Test(carry, forklock_carry_0_carries_nothing)
{
        char *start[] = {"LD_PRELOAD=/bin/sh", "FORKLOCK_CARRY=0", NULL};
        char *bare[] = {"PATH=/bin", NULL};
        struct fl_carry plan;

        fl_carry_reset();
        fl_carry_save(start);
        cr_expect_eq(fl_carry_plan(bare, &plan), 0);
        fl_carry_reset();
}

/* A sanitizer runtime (or any other preload) that resolves is not worth carrying FORKLOCK_* for
 * when forklock's own entry does not: seen under check-asan, where libasan stayed resolvable. */
Test(carry, nothing_when_only_another_preload_resolves)
{
        char *start[] = {"LD_PRELOAD=/bin/sh /nonexistent/libforklock.so", "FORKLOCK_MODE=audit",
                         NULL};
        char *bare[] = {"PATH=/bin", NULL};
        struct fl_carry plan;

        fl_carry_reset();
        fl_carry_save(start);
        cr_expect_eq(fl_carry_plan(bare, &plan), 0);
        fl_carry_reset();
}
