/* ioctl(FIONCLEX) is intent exactly like fcntl(F_SETFD, 0): CPython's os.set_inheritable uses it.
 * An fd made inheritable that way reaches the exec'd program, and `forklock audit` reports it
 * passed on purpose, not leaked; FIOCLEX takes the intent back. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fltest.h"

#define PYTHON "/usr/bin/python3"

/* A listener made inheritable with os.set_inheritable(fd, inheritable), then exec of fdreport. */
static void python_execs(struct fl_run *run, bool audit, const char *inheritable)
{
        char script[1024];
        const char *audit_argv[] = {fl_build_path("forklock-audit"),
                                    "--quiet",
                                    "-o",
                                    "/dev/stdout",
                                    "--",
                                    PYTHON,
                                    "-c",
                                    script,
                                    NULL};
        const char *plain_argv[] = {PYTHON, "-c", script, NULL};

        snprintf(script, sizeof(script),
                 "import os, socket\n"
                 "s = socket.socket()\n"
                 "s.bind(('127.0.0.1', 0))\n"
                 "s.listen()\n"
                 "os.set_inheritable(s.fileno(), True)\n"
                 "os.set_inheritable(s.fileno(), %s)\n"
                 "os.execv('%s', ['fdreport'])\n",
                 inheritable, fl_build_path("fixtures/fdreport"));
        if (audit)
                fl_run_program(run, audit_argv, NULL, false, fl_sanitizer_runtime(), 60);
        else
                fl_run_program(run, plain_argv, NULL, true, NULL, 60);
}

Test(ioctl, fionclex_fd_reaches_the_child_under_enforce, .timeout = 90)
{
        struct fl_run run;

        python_execs(&run, false, "True");
        cr_assert_eq(run.status, 0, "%s", run.err);
        cr_expect(strstr(run.out, "inherited 1: 3=socket"), "%s", run.out);
}

Test(ioctl, fionclex_is_passed_not_leaked_in_the_audit, .timeout = 90)
{
        struct fl_run run;

        python_execs(&run, true, "True");
        cr_expect(strstr(run.out, "inherited 1: 3=socket"), "%s", run.out);
        cr_expect_not(strstr(run.out, "leak: fd 3 "), "%s", run.out);
        cr_expect(strstr(run.out, "1 fds passed on purpose") || strstr(run.out, "no leaks"), "%s",
                  run.out);
        cr_expect_eq(run.status, 0, "status %d: %s", run.status, run.out);
}

Test(ioctl, fioclex_takes_the_intent_back, .timeout = 90)
{
        struct fl_run run;

        python_execs(&run, true, "False");
        cr_expect(strstr(run.out, "inherited 0"), "%s", run.out);
        cr_expect_eq(run.status, 0, "status %d: %s", run.status, run.out);
}
