/* The hand-over conventions beyond systemd and nginx, each through the one table
 * (fl_inherit_convention): make's jobserver, Server::Starter, einhorn, gunicorn, unicorn. */
#include <criterion/criterion.h>
#include <sys/socket.h>
#include <unistd.h>

#include "inherit.h"

static enum fl_pass_reason reason_in(char *envp[], int fd)
{
        struct fl_inherit_env env;

        fl_inherit_from_envp(&env, envp);
        return fl_inherit_convention(&env, 42, fd, 0, 0);
}

/* make's R and W: the two ends of one pipe, at the numbers MAKEFLAGS names. */
static void pipe_at(int r, int w)
{
        int p[2];

        cr_assert_eq(pipe(p), 0);
        cr_assert_eq(dup2(p[0], r), r);
        cr_assert_eq(dup2(p[1], w), w);
        close(p[0]);
        close(p[1]);
}

Test(conventions, make_jobserver_auth)
{
        char *envp[] = {"MAKEFLAGS= -j4 --jobserver-auth=15,16", NULL};

        pipe_at(15, 16);
        cr_expect_eq(reason_in(envp, 15), FL_PASS_JOBSERVER);
        cr_expect_eq(reason_in(envp, 16), FL_PASS_JOBSERVER);
        cr_expect_eq(reason_in(envp, 14), FL_PASS_NONE);
        cr_expect_eq(reason_in(envp, 17), FL_PASS_NONE);
}

Test(conventions, make_jobserver_fds_old_make)
{
        char *envp[] = {"MAKEFLAGS=w -j --jobserver-fds=13,14", NULL};

        pipe_at(13, 14);
        cr_expect_eq(reason_in(envp, 13), FL_PASS_JOBSERVER);
        cr_expect_eq(reason_in(envp, 14), FL_PASS_JOBSERVER);
}

/* Every program make runs sees MAKEFLAGS, also a test suite run by `make -j2 check` whose fds at
 * those numbers are its own socket and file (make closed its pipe there): not the jobserver. */
Test(conventions, make_jobserver_numbers_that_are_not_one_pipe)
{
        char *envp[] = {"MAKEFLAGS= -j2 --jobserver-auth=13,14", NULL};
        int sv[2], p[2], q[2];

        cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        cr_assert_eq(dup2(sv[0], 13), 13);
        cr_assert_eq(dup2(sv[1], 14), 14);
        cr_expect_eq(reason_in(envp, 13), FL_PASS_NONE, "a socket pair");
        cr_assert_eq(pipe(p), 0);
        cr_assert_eq(pipe(q), 0);
        cr_assert_eq(dup2(p[0], 13), 13);
        cr_assert_eq(dup2(q[1], 14), 14);
        cr_expect_eq(reason_in(envp, 13), FL_PASS_NONE, "two different pipes");
        close(14);
        cr_expect_eq(reason_in(envp, 13), FL_PASS_NONE, "W closed");
}

Test(conventions, make_fifo_jobserver_names_no_fd)
{
        char *fifo[] = {"MAKEFLAGS= -j4 --jobserver-auth=fifo:/tmp/GMfifo5", NULL};
        char *plain[] = {"MAKEFLAGS=-k --no-print-directory", NULL};
        char *lookalike[] = {"MAKEFLAGS=X=--jobserver-auth=5,6x", NULL};

        cr_expect_eq(reason_in(fifo, 5), FL_PASS_NONE);
        cr_expect_eq(reason_in(plain, 3), FL_PASS_NONE);
        cr_expect_eq(reason_in(lookalike, 5), FL_PASS_NONE, "not a word of its own");
}

Test(conventions, server_starter)
{
        char *envp[] = {"SERVER_STARTER_PORT=0.0.0.0:80=3;127.0.0.1:8080=4;8081=7", NULL};

        cr_expect_eq(reason_in(envp, 3), FL_PASS_SERVER_STARTER);
        cr_expect_eq(reason_in(envp, 4), FL_PASS_SERVER_STARTER);
        cr_expect_eq(reason_in(envp, 7), FL_PASS_SERVER_STARTER);
        cr_expect_eq(reason_in(envp, 80), FL_PASS_NONE, "a port is not an fd");
        cr_expect_eq(reason_in(envp, 8080), FL_PASS_NONE);
}

Test(conventions, einhorn)
{
        char *envp[] = {"EINHORN_FD_0=5", "EINHORN_FD_COUNT=2", "EINHORN_FD_1=9", "EINHORN_FD_2=11",
                        NULL};
        char *no_count[] = {"EINHORN_FD_0=5", NULL};

        cr_expect_eq(reason_in(envp, 5), FL_PASS_EINHORN);
        cr_expect_eq(reason_in(envp, 9), FL_PASS_EINHORN);
        cr_expect_eq(reason_in(envp, 11), FL_PASS_NONE, "beyond EINHORN_FD_COUNT");
        cr_expect_eq(reason_in(envp, 2), FL_PASS_NONE);
        cr_expect_eq(reason_in(no_count, 5), FL_PASS_NONE);
}

Test(conventions, gunicorn_and_unicorn)
{
        char *envp[] = {"GUNICORN_FD=3,4", "UNICORN_FD=8,10", NULL};

        cr_expect_eq(reason_in(envp, 3), FL_PASS_GUNICORN);
        cr_expect_eq(reason_in(envp, 4), FL_PASS_GUNICORN);
        cr_expect_eq(reason_in(envp, 8), FL_PASS_UNICORN);
        cr_expect_eq(reason_in(envp, 10), FL_PASS_UNICORN);
        cr_expect_eq(reason_in(envp, 1), FL_PASS_NONE);
}

Test(conventions, any_named_and_names)
{
        char *none[] = {"PATH=/bin", "MAKEFLAGS=-k", NULL};
        char *some[] = {"UNICORN_FD=8", NULL};
        struct fl_inherit_env env;

        fl_inherit_from_envp(&env, none);
        cr_expect(!fl_inherit_names_any(&env));
        fl_inherit_from_envp(&env, some);
        cr_expect(fl_inherit_names_any(&env));
        cr_expect_str_eq(fl_pass_reason_name(FL_PASS_JOBSERVER), "make jobserver");
        cr_expect_str_eq(fl_pass_reason_name(FL_PASS_EINHORN), "EINHORN_FD");
}
