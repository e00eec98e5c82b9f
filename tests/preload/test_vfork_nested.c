/* vfork is re-entrant: a signal handler that interrupts a vfork on the same thread may vfork
 * itself, with and without forklock, in every mode. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fltest.h"

struct nested_case {
        char signals[8]; /* timer or thread */
        char mode[8];    /* a FORKLOCK_MODE, or "none" for the run without the library */
};

ParameterizedTestParameters(vfork, nested_in_signal_handler)
{
        static struct nested_case cases[] = {
            {"timer", "none"},  {"timer", "enforce"},  {"timer", "audit"},  {"timer", "off"},
            {"thread", "none"}, {"thread", "enforce"}, {"thread", "audit"}, {"thread", "off"}};
        return cr_make_param_array(struct nested_case, cases, sizeof(cases) / sizeof(cases[0]));
}

static bool sanitized(void)
{
        const char *san = getenv("FL_SAN");

        return san && *san;
}

/* Sanitizer builds bring their own vfork interceptor, which is not re-entrant: the run without
 * forklock crashes there too. Under it forklock's vfork is fork, which a 100 µs timer starves. */
static void skip_where_the_sanitizer_decides(const struct nested_case *c)
{
        if (sanitized() && (strcmp(c->mode, "none") == 0 || strcmp(c->signals, "chain") != 0))
                cr_skip_test("the sanitizer's own vfork interceptor is what would be tested");
}

ParameterizedTest(struct nested_case *c, vfork, nested_in_signal_handler, .timeout = 120)
{
        const char *argv[] = {fl_build_path("fixtures/vfork_nested"), "3000", c->signals, NULL};
        bool preload = strcmp(c->mode, "none") != 0;
        char mode_var[32];
        const char *env[] = {preload ? mode_var : NULL, NULL};
        struct fl_run run;

        skip_where_the_sanitizer_decides(c);
        snprintf(mode_var, sizeof(mode_var), "FORKLOCK_MODE=%s", c->mode);
        fl_run_program(&run, argv, env, preload, NULL, 60);
        fprintf(stderr, "vfork nested (%s, %s): %s", c->signals, c->mode, run.out);
        cr_assert_eq(run.status, 0, "%s, mode %s: status %d (128+signal): %s %s", c->signals,
                     c->mode, run.status, run.out, run.err);
        cr_expect_eq(fl_field(run.out, "main"), 3000, "%s", run.out);
        cr_expect_gt(fl_field(run.out, "handler"), 0, "no signal landed: %s", run.out);
        cr_expect_eq(fl_field(run.out, "unreaped"), 0, "%s", run.out);
        cr_expect_eq(fl_field(run.out, "failures"), 0, "%s", run.out);
}

/* Each vfork child vforks the next, 20 deep: past forklock's frames, and each level must come back
 * to its own call. forklock's vfork is fork in sanitizer builds, where the marks are not shared. */
ParameterizedTestParameters(vfork, chain_of_children_each_returns_to_its_own_call)
{
        static struct nested_case cases[] = {
            {"chain", "none"}, {"chain", "enforce"}, {"chain", "audit"}, {"chain", "off"}};
        return cr_make_param_array(struct nested_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct nested_case *c, vfork, chain_of_children_each_returns_to_its_own_call,
                  .timeout = 60)
{
        const char *argv[] = {fl_build_path("fixtures/vfork_nested"), "20", "chain", NULL};
        bool preload = strcmp(c->mode, "none") != 0;
        char mode_var[32];
        const char *env[] = {preload ? mode_var : NULL, NULL};
        struct fl_run run;

        skip_where_the_sanitizer_decides(c);
        snprintf(mode_var, sizeof(mode_var), "FORKLOCK_MODE=%s", c->mode);
        fl_run_program(&run, argv, env, preload, NULL, 30);
        cr_assert_eq(run.status, 0, "mode %s: status %d: %s %s", c->mode, run.status, run.out,
                     run.err);
        cr_expect_eq(fl_field(run.out, "chain"), 20, "%s", run.out);
        if (!sanitized())
                cr_expect_eq(fl_field(run.out, "wrong"), 0, "mode %s: %s", c->mode, run.out);
}
