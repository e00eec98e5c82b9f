/* recvmsg and recvmmsg under forklock: msg_flags is exactly what bare glibc returns, whether or not
 * the caller asked for MSG_CMSG_CLOEXEC itself (forklock adds it to the call and takes the kernel's
 * echo of it back out); the only difference is a received fd's close-on-exec bit. */
#include <criterion/criterion.h>
#include <string.h>

#include "fltest.h"

/* Same line, or the same line but for "cloexec=0" (bare) against "cloexec=1" (forklock). */
static bool same_but_cloexec(const char *bare, const char *preloaded, size_t len)
{
        const char *at = strstr(bare, "cloexec=");
        size_t cut = at ? (size_t)(at - bare) : len;

        if (strncmp(bare, preloaded, len) == 0)
                return true;
        return at && cut + 9 == len && strncmp(bare, preloaded, cut) == 0 &&
               strncmp(preloaded + cut, "cloexec=1", 9) == 0 && strncmp(at, "cloexec=0", 9) == 0;
}

static void compare(const char *mode)
{
        const char *argv[] = {fl_build_path("fixtures/recvflags"), NULL};
        const char *env[] = {mode, NULL};
        struct fl_run bare, preloaded;
        const char *b, *p;

        fl_run_program(&bare, argv, NULL, false, NULL, 20);
        cr_assert_eq(bare.status, 0);
        fl_run_program(&preloaded, argv, env, true, NULL, 20);
        cr_assert_eq(preloaded.status, 0, "%s", preloaded.err);
        cr_assert_gt(fl_count_lines(bare.out, "\n"), 10);
        for (b = bare.out, p = preloaded.out; *b;
             b = strchr(b, '\n') + 1, p = strchr(p, '\n') + 1) {
                size_t len = (size_t)(strchr(b, '\n') - b);

                cr_assert(strchr(p, '\n'), "%s: output ends early:\n%s", mode, preloaded.out);
                cr_expect(same_but_cloexec(b, p, len) && p[len] == '\n',
                          "%s:\n  bare:      %.*s\n  forklock:  %.*s", mode, (int)len, b,
                          (int)(strchr(p, '\n') - p), p);
        }
}

Test(recvflags, enforce_returns_bare_msg_flags, .timeout = 60)
{
        compare("FORKLOCK_MODE=enforce");
}

Test(recvflags, audit_returns_bare_msg_flags, .timeout = 60)
{
        compare("FORKLOCK_MODE=audit");
}

Test(recvflags, enforce_marks_received_fds_close_on_exec, .timeout = 60)
{
        const char *argv[] = {fl_build_path("fixtures/recvflags"), NULL};
        struct fl_run run;

        fl_run_program(&run, argv, NULL, true, NULL, 20);
        cr_expect(strstr(run.out, "\nfd result=1 flags=0 cloexec=1\n"), "%s", run.out);
}
