/* FORKLOCK_SCOPE under LD_PRELOAD: the legacy_all fixture creates every kind of fd the old way and
 * starts a child by each path. Scope all: the child gets only what was passed on purpose (a dup2
 * target, an fd cleared with FIONCLEX) and the raw syscall's socket, which no wrapper sees (the
 * exec-time safety net, helper "net"'s part, closes that one). Scope sockets: no socket made
 * through libc crosses, every other kind still does. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fltest.h"

static const char *const methods[] = {"fork-exec", "vfork-exec", "posix_spawn", "system", "popen"};

struct listing {
        int raw, handed, cleared, count;
        int fds[256];
        char kinds[256][8];
};

static void run_all(struct fl_run *run, const char *method, const char *scope)
{
        const char *argv[] = {fl_build_path("fixtures/legacy_all"), method, NULL};
        char scope_var[64];
        const char *env[] = {scope_var, NULL};

        snprintf(scope_var, sizeof(scope_var), "FORKLOCK_SCOPE=%s", scope);
        fl_run_program(run, argv, env, true, NULL, 30);
        cr_assert_eq(run->status, 0, "%s under %s: status %d, stderr: %s", method, scope,
                     run->status, run->err);
}

static void parse(const char *out, struct listing *l)
{
        const char *p = strstr(out, "inherited ");
        int n, used;

        memset(l, 0, sizeof(*l));
        cr_assert_eq(sscanf(out, "raw=%d passed=%d,%d", &l->raw, &l->handed, &l->cleared), 3, "%s",
                     out);
        cr_assert(p && sscanf(p, "inherited %d:%n", &l->count, &used) == 1, "%s", out);
        p += used;
        for (n = 0; n < l->count && n < 256; n++) {
                cr_assert_eq(sscanf(p, " %d=%7[a-z?]%n", &l->fds[n], l->kinds[n], &used), 2, "%s",
                             out);
                p += used;
        }
}

static bool has(const struct listing *l, int fd)
{
        for (int i = 0; i < l->count; i++)
                if (l->fds[i] == fd)
                        return true;
        return false;
}

Test(scope, all_leaves_the_child_only_what_was_passed, .timeout = 120)
{
        struct fl_run run;
        struct listing l;

        for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
                run_all(&run, methods[i], "all");
                parse(run.out, &l);
                cr_expect(has(&l, l.handed), "%s: dup2 target missing: %s", methods[i], run.out);
                cr_expect(has(&l, l.cleared), "%s: FIONCLEX fd missing: %s", methods[i], run.out);
                for (int j = 0; j < l.count; j++)
                        cr_expect(
                            l.fds[j] == l.handed || l.fds[j] == l.cleared || l.fds[j] == l.raw,
                            "%s: fd %d=%s leaked: %s", methods[i], l.fds[j], l.kinds[j], run.out);
        }
}

Test(scope, sockets_closes_every_libc_socket_and_nothing_else, .timeout = 120)
{
        struct fl_run run;
        struct listing l;

        for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
                run_all(&run, methods[i], "sockets");
                parse(run.out, &l);
                for (int j = 0; j < l.count; j++)
                        cr_expect(strcmp(l.kinds[j], "socket") != 0 || l.fds[j] == l.raw,
                                  "%s: socket %d crossed: %s", methods[i], l.fds[j], run.out);
                cr_expect_gt(l.count, 20, "%s: files and pipes are the program's: %s", methods[i],
                             run.out);
        }
}

Test(scope, bad_value_is_the_default_scope, .timeout = 60)
{
        struct fl_run run;
        struct listing l;

        run_all(&run, "fork-exec", "everything");
        parse(run.out, &l);
        cr_expect_gt(l.count, 20, "sockets scope: %s", run.out);
        cr_expect_eq(strstr(run.out, "FORKLOCK_SCOPE"), NULL, "nothing in the program's stdout");
}
