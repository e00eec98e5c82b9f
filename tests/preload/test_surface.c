/* The rest of the surface under LD_PRELOAD: the differential transparency run (>= 100,000 calls,
 * identical results and errno in audit mode, only close-on-exec differences in enforce mode, bad
 * pointers answered with EFAULT), duplicates and intent as a child sees them after exec, and the go
 * profile read back from the kernel. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fltest.h"

#include "goprofile.h"

#define CALLS "120000"

static char dir[] = "/tmp/forklock-surface-XXXXXX";

static void make_dir(void)
{
        cr_assert(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
}

static void remove_dir(void)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        cr_expect(system(cmd) == 0);
}

/* Runs the generator; mode NULL: without forklock. */
static void generate(const char *log, const char *mode, const char *seed)
{
        const char *argv[] = {fl_build_path("fixtures/surface_gen"), log, CALLS, seed, NULL};
        char mode_var[64];
        const char *env[] = {mode_var, NULL};
        struct fl_run *run = malloc(sizeof(*run));

        snprintf(mode_var, sizeof(mode_var), "FORKLOCK_MODE=%s", mode ? mode : "off");
        fl_run_program(run, argv, env, mode != NULL, NULL, 300);
        cr_assert_eq(run->status, 0, "surface_gen (%s): status %d, stderr: %s",
                     mode ? mode : "plain", run->status, run->err);
        free(run);
}

static FILE *open_log(const char *path)
{
        FILE *f = fopen(path, "r");

        cr_assert(f, "%s: %s", path, strerror(errno));
        return f;
}

/* A line allowed to differ in enforce mode: an F_GETFD whose only difference is close-on-exec
 * set by forklock (dup, F_DUPFD, socket without SOCK_CLOEXEC). */
static bool cloexec_difference(const char *plain, const char *forked)
{
        const char *p = strstr(plain, " cloexec=0"), *f = strstr(forked, " cloexec=1");

        return p && f && p - plain == f - forked &&
               strncmp(plain, forked, (size_t)(p - plain)) == 0;
}

/* Compares two logs line by line; returns the number of lines that differ in the allowed way and
 * fails on any other difference. */
static long compare(const char *a, const char *b, bool allow_cloexec, long *efaults)
{
        FILE *fa = open_log(a), *fb = open_log(b);
        char la[512], lb[512];
        long lines = 0, allowed = 0;

        *efaults = 0;
        while (fgets(la, sizeof(la), fa)) {
                cr_assert(fgets(lb, sizeof(lb), fb), "%s ends early at line %ld", b, lines);
                lines++;
                *efaults += strstr(la, " EFAULT ") != NULL;
                if (strcmp(la, lb) == 0)
                        continue;
                cr_assert(allow_cloexec && cloexec_difference(la, lb),
                          "line %ld differs:\n  without: %s  with:    %s", lines, la, lb);
                allowed++;
        }
        cr_assert_not(fgets(lb, sizeof(lb), fb), "%s has extra lines", b);
        cr_assert_geq(lines, 100000, "only %ld calls", lines);
        fclose(fa);
        fclose(fb);
        return allowed;
}

static void log_path(char *buf, size_t size, const char *name)
{
        snprintf(buf, size, "%s/%s.log", dir, name);
}

Test(surface, audit_is_transparent_on_every_call, .init = make_dir, .fini = remove_dir)
{
        char plain[256], audit[256];
        long efaults;

        log_path(plain, sizeof(plain), "plain");
        log_path(audit, sizeof(audit), "audit");
        generate(plain, NULL, "1");
        generate(audit, "audit", "1");
        cr_expect_eq(compare(plain, audit, false, &efaults), 0);
        cr_expect_gt(efaults, 100, "bad pointers reached the kernel only %ld times", efaults);
}

Test(surface, enforce_differs_only_in_close_on_exec, .init = make_dir, .fini = remove_dir)
{
        char plain[256], enforce[256];
        long efaults;

        log_path(plain, sizeof(plain), "plain");
        log_path(enforce, sizeof(enforce), "enforce");
        generate(plain, NULL, "2");
        generate(enforce, "enforce", "2");
        cr_expect_gt(compare(plain, enforce, true, &efaults), 0,
                     "enforce mode should have made some duplicates close-on-exec");
}

Test(surface, off_is_transparent, .init = make_dir, .fini = remove_dir)
{
        char plain[256], off[256];
        long efaults;

        log_path(plain, sizeof(plain), "plain");
        log_path(off, sizeof(off), "off");
        generate(plain, NULL, "3");
        generate(off, "off", "3");
        cr_expect_eq(compare(plain, off, false, &efaults), 0);
}

static void run_intent(struct fl_run *run, const char *mode, const char *log)
{
        const char *argv[] = {fl_build_path("fixtures/surface_intent"),
                              fl_build_path("fixtures/fdreport"), NULL};
        char mode_var[64], log_var[300];
        const char *env[] = {mode_var, log ? log_var : NULL, NULL};

        snprintf(mode_var, sizeof(mode_var), "FORKLOCK_MODE=%s", mode);
        snprintf(log_var, sizeof(log_var), "FORKLOCK_LOG=%s", log ? log : "");
        fl_run_program(run, argv, env, true, NULL, 30);
        cr_assert_eq(run->status, 0, "status %d, stderr: %s", run->status, run->err);
}

Test(intent, enforce_passes_only_what_the_program_passed, .init = make_dir, .fini = remove_dir)
{
        static const char *const expected[] = {"socket fd=3 cloexec=1",
                                               "F_DUPFD fd=20 cloexec=1",
                                               "dup fd=4 cloexec=1",
                                               "dup2 fd=30 cloexec=0",
                                               "dup3 fd=31 cloexec=0",
                                               "dup3_cloexec fd=32 cloexec=1",
                                               "setfd0 fd=40 cloexec=0",
                                               "setfd1 fd=41 cloexec=1",
                                               "inherited 3: 30=socket 31=socket 40=socket"};
        struct fl_run *run = malloc(sizeof(*run));

        run_intent(run, "enforce", NULL);
        for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
                cr_expect(strstr(run->out, expected[i]), "missing \"%s\" in:\n%s", expected[i],
                          run->out);
        free(run);
}

Test(intent, audit_and_off_change_nothing)
{
        struct fl_run *run = malloc(sizeof(*run));

        run_intent(run, "audit", NULL);
        cr_expect(strstr(run->out, "inherited 7: 3=socket 4=socket 20=socket 30=socket 31=socket "
                                   "40=socket 41=socket") == NULL);
        cr_expect(strstr(run->out, "inherited 6: 3=socket 4=socket 20=socket 30=socket 31=socket "
                                   "40=socket"),
                  "%s", run->out);
        run_intent(run, "off", NULL);
        cr_expect(strstr(run->out, "inherited 6: 3=socket 4=socket 20=socket 30=socket 31=socket "
                                   "40=socket"),
                  "%s", run->out);
        free(run);
}

/* The ring says which were passed on purpose: dup2, dup3 without O_CLOEXEC, F_SETFD 0. */
Test(intent, recorded_in_the_ring, .init = make_dir, .fini = remove_dir)
{
        char ring[256], cmd[600], line[1024];
        int intents = 0, forced = 0;
        struct fl_run *run = malloc(sizeof(*run));
        FILE *dump;

        snprintf(ring, sizeof(ring), "%s/ring", dir);
        run_intent(run, "enforce", ring);
        snprintf(cmd, sizeof(cmd), "%s --json %s", fl_build_path("forklock-dump"), ring);
        dump = popen(cmd, "r");
        cr_assert(dump);
        while (fgets(line, sizeof(line), dump)) {
                if (strstr(line, "\"decision\":\"intent\""))
                        intents++;
                if (strstr(line, "\"decision\":\"atomic\"") &&
                    (strstr(line, "\"call\":\"dup\"") || strstr(line, "\"call\":\"fcntl\"")))
                        forced++;
        }
        pclose(dump);
        cr_expect_eq(intents, 3, "dup2, dup3(0), F_SETFD 0");
        cr_expect_eq(forced, 3, "dup, F_DUPFD 20, F_DUPFD 41");
        free(run);
}

struct go_case {
        const char *name;
        const char *plain_state; /* without the profile: the kernel's defaults */
        const char *go_state;    /* with it; %ld is Go's backlog */
};

static long go_backlog(void)
{
        char text[64] = "";
        struct utsname u;
        FILE *f = fopen("/proc/sys/net/core/somaxconn", "r");

        if (f) {
                if (!fgets(text, sizeof(text), f))
                        text[0] = '\0';
                fclose(f);
        }
        uname(&u);
        return fl_listener_backlog(f ? text : NULL, u.release);
}

Test(go_profile, each_rule_read_back_from_the_kernel)
{
        static const struct go_case cases[] = {
            {"tcp", "broadcast=0 v6only=-1 reuseaddr=0 backlog=5",
             "broadcast=0 v6only=-1 reuseaddr=1 backlog=%ld"},
            {"tcp6", "broadcast=0 v6only=0 reuseaddr=0 backlog=5",
             "broadcast=0 v6only=0 reuseaddr=1 backlog=%ld"},
            {"tcp6_own_v6only", "broadcast=0 v6only=1 reuseaddr=0 backlog=5",
             "broadcast=0 v6only=1 reuseaddr=1 backlog=%ld"},
            {"tcp_own_noreuse", "broadcast=0 v6only=-1 reuseaddr=0 backlog=5",
             "broadcast=0 v6only=-1 reuseaddr=0 backlog=%ld"},
            {"udp", "broadcast=0 v6only=-1 reuseaddr=0 backlog=-1",
             "broadcast=1 v6only=-1 reuseaddr=0 backlog=-1"},
            {"udp6", "broadcast=0 v6only=0 reuseaddr=0 backlog=-1",
             "broadcast=1 v6only=0 reuseaddr=0 backlog=-1"},
            {"udp_own_nobroadcast", "broadcast=0 v6only=-1 reuseaddr=0 backlog=-1",
             "broadcast=0 v6only=-1 reuseaddr=0 backlog=-1"},
            {"unixgram", "broadcast=0 v6only=-1 reuseaddr=0 backlog=-1",
             "broadcast=0 v6only=-1 reuseaddr=0 backlog=-1"},
        };
        struct fl_run *run = malloc(sizeof(*run));
        long backlog = go_backlog();

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const char *argv[] = {fl_build_path("fixtures/surface_go"), cases[i].name, NULL};
                const char *go_env[] = {"FORKLOCK_PROFILE=go", NULL};
                char want[128];

                fl_run_program(run, argv, NULL, true, NULL, 30);
                cr_assert_eq(run->status, 0, "%s: status %d %s", cases[i].name, run->status,
                             run->err);
                cr_expect(strstr(run->out, cases[i].plain_state), "%s, profile cloexec: %s",
                          cases[i].name, run->out);
                fl_run_program(run, argv, go_env, true, NULL, 30);
                cr_assert_eq(run->status, 0, "%s: status %d %s", cases[i].name, run->status,
                             run->err);
                snprintf(want, sizeof(want), cases[i].go_state, backlog);
                cr_expect(strstr(run->out, want), "%s, profile go: want %s, got %s", cases[i].name,
                          want, run->out);
        }
        free(run);
}
