/* Dialed TCP connections under LD_PRELOAD, read back from the kernel (fixtures/dial.c): outside
 * the go profile connect changes nothing (same options and errno as without forklock); in the go
 * profile the connection gets Go's Dialer defaults (TCP_NODELAY=1, SO_KEEPALIVE=1, 15 s idle and
 * interval, 9 probes), blocking or not, unless the program set the option itself before. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fltest.h"

static const char *go_env[] = {"FORKLOCK_PROFILE=go", NULL};

/* The fixture's line for CASE: without forklock (env unused) or under it with env. */
static void dial(struct fl_run *run, const char *which, bool preload, const char *const env[])
{
        const char *argv[] = {fl_build_path("fixtures/dial"), which, NULL};

        fl_run_program(run, argv, env, preload, NULL, 30);
        cr_assert_eq(run->status, 0, "%s: status %d %s", which, run->status, run->err);
}

/* "idle=7200 intvl=75 cnt=9": the kernel's defaults, as the bare run read them. */
static const char *keepalive_defaults(const char *line)
{
        const char *at = strstr(line, "idle=");

        cr_assert(at, "%s", line);
        return at;
}

Test(dial, outside_the_go_profile_nothing_changes)
{
        struct fl_run *bare = malloc(sizeof(*bare)), *run = malloc(sizeof(*run));
        const char *cases[] = {"plain", "nonblock", "refused"};

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                dial(bare, cases[i], false, NULL);
                dial(run, cases[i], true, NULL);
                cr_expect_str_eq(run->out, bare->out, "%s", cases[i]);
        }
        cr_expect(strstr(bare->out, "connect=ECONNREFUSED errno=ECONNREFUSED"), "%s", bare->out);
        free(bare);
        free(run);
}

Test(dial, go_profile_gives_the_go_dialer_defaults)
{
        struct fl_run *run = malloc(sizeof(*run));
        const char *want = "nodelay=1 keepalive=1 idle=15 intvl=15 cnt=9";

        dial(run, "plain", true, go_env);
        cr_expect(strstr(run->out, want), "blocking socket (made non-blocking by the profile): %s",
                  run->out);
        dial(run, "nonblock", true, go_env);
        cr_expect(strstr(run->out, "connect=inprogress"), "%s", run->out);
        cr_expect(strstr(run->out, want), "non-blocking connect: %s", run->out);
        free(run);
}

Test(dial, the_program_wins)
{
        struct fl_run *bare = malloc(sizeof(*bare)), *run = malloc(sizeof(*run));
        char want[128];

        dial(run, "nodelay_off", true, go_env);
        cr_expect(strstr(run->out, "nodelay=0 keepalive=1 idle=15 intvl=15 cnt=9"), "%s", run->out);
        dial(bare, "keepalive_off", false, NULL);
        snprintf(want, sizeof(want), "nodelay=1 keepalive=0 %s", keepalive_defaults(bare->out));
        dial(run, "keepalive_off", true, go_env);
        cr_expect(strstr(run->out, want), "want %s, got %s", want, run->out);
        free(bare);
        free(run);
}
