/* The exec-time safety net end to end: fds made past forklock's wrappers (raw syscalls) do not
 * reach a child under scope all, on every way of starting one, while the fds passed on purpose (a
 * dup2 target, an FIONCLEX fd) do; under the default scope nothing changes for them. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "fltest.h"

struct method {
        char name[16];
};

ParameterizedTestParameters(exec_net, only_what_is_passed_crosses)
{
        static struct method methods[] = {
            {"fork-exec"}, {"vfork-exec"}, {"posix_spawn"}, {"system"}, {"popen"}};
        return cr_make_param_array(struct method, methods, sizeof(methods) / sizeof(methods[0]));
}

ParameterizedTest(struct method *m, exec_net, only_what_is_passed_crosses, .timeout = 60)
{
        const char *method = m->name;
        const char *argv[] = {fl_build_path("fixtures/rawfds"), method, NULL};
        const char *all[] = {"FORKLOCK_SCOPE=all", NULL};
        const char *sockets[] = {"FORKLOCK_SCOPE=sockets", NULL};
        struct fl_run bare, scoped;

        fl_run_program(&bare, argv, NULL, false, NULL, 20);
        cr_assert_eq(bare.status, 0, "bare %s: %s", method, bare.err);
        cr_assert(strstr(bare.out, "inherited 7:"), "bare %s: %s", method, bare.out);
        fl_run_program(&scoped, argv, sockets, true, NULL, 20);
        cr_expect_str_eq(scoped.out, bare.out, "scope sockets, %s: %s", method, scoped.err);
        fl_run_program(&scoped, argv, all, true, NULL, 20);
        cr_expect_eq(scoped.status, 0, "%s: %s", method, scoped.err);
        cr_expect_str_eq(scoped.out, "inherited 2: 20=other 21=other\n", "scope all, %s: %s",
                         method, scoped.err);
}
