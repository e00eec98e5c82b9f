/* A bad pointer gets the kernel's EFAULT, never a signal: every exec-family call and posix_spawn(p)
 * with argv, envp or one of their strings in memory that is mapped but not readable (PROT_NONE, a
 * file page past end of file), with and without forklock, in every mode. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fltest.h"

struct efault_case {
        char call[16];
};

static const char *const shapes[] = {"argv-string",     "argv-straddle",  "argv-array",
                                     "argv-array-edge", "envp-string",    "envp-array",
                                     "argv-eof-string", "argv-eof-array", "envp-eof-array"};

static const char *const modes[] = {"enforce", "audit", "off"};

ParameterizedTestParameters(efault, exec_family)
{
        static struct efault_case cases[] = {
            {"execve"}, {"execv"},   {"execvp"},   {"execvpe"},     {"execl"},       {"execlp"},
            {"execle"}, {"fexecve"}, {"execveat"}, {"posix_spawn"}, {"posix_spawnp"}};
        return cr_make_param_array(struct efault_case, cases, sizeof(cases) / sizeof(cases[0]));
}

static void expect_like_glibc(const char *call, const char *shape, const struct fl_run *bare)
{
        char mode_var[64];
        const char *argv[] = {fl_build_path("fixtures/efault_exec"), call, shape, NULL};
        const char *env[] = {mode_var, NULL};
        struct fl_run run;

        for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
                snprintf(mode_var, sizeof(mode_var), "FORKLOCK_MODE=%s", modes[m]);
                fl_run_program(&run, argv, env, true, NULL, 20);
                cr_expect_eq(run.status, 0, "%s %s, mode %s: status %d (128+signal), stderr: %s",
                             call, shape, modes[m], run.status, run.err);
                cr_expect_str_eq(run.out, bare->out, "%s %s, mode %s", call, shape, modes[m]);
        }
}

ParameterizedTest(struct efault_case *c, efault, exec_family, .timeout = 120)
{
        for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
                const char *argv[] = {fl_build_path("fixtures/efault_exec"), c->call, shapes[s],
                                      NULL};
                struct fl_run bare;

                fl_run_program(&bare, argv, NULL, false, NULL, 20);
                /* The sanitizers' own posix_spawn interceptors read argv first and fault. */
                if (bare.status != 0 && getenv("FL_SAN") && *getenv("FL_SAN"))
                        continue;
                cr_assert_eq(bare.status, 0, "%s %s without forklock: %d %s", c->call, shapes[s],
                             bare.status, bare.err);
                cr_assert(strstr(bare.out, "err=EFAULT") || strstr(bare.out, "not applicable"),
                          "%s %s without forklock: %s", c->call, shapes[s], bare.out);
                expect_like_glibc(c->call, shapes[s], &bare);
        }
}
