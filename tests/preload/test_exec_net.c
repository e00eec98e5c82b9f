/* The exec-time safety net end to end: fds made past forklock's wrappers (raw syscalls) do not
 * reach a child under scope all, on every way of starting one, while the fds passed on purpose (a
 * dup2 target, an FIONCLEX fd) do; under the default scope nothing changes for them. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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

/* Each fd the net marks is one record in the ring, named by forklock dump: the five rawfds makes
 * past the wrappers (two /dev/null, a TCP socket, a pipe's two ends), written by the process that
 * marked them (a fork or vfork child, or the parent before a spawn). */
ParameterizedTestParameters(exec_net, each_fd_marked_is_recorded)
{
        static struct method methods[] = {
            {"fork-exec"}, {"vfork-exec"}, {"posix_spawn"}, {"system"}, {"popen"}};
        return cr_make_param_array(struct method, methods, sizeof(methods) / sizeof(methods[0]));
}

ParameterizedTest(struct method *m, exec_net, each_fd_marked_is_recorded, .timeout = 60)
{
        char *dir = fl_scratch_dir("net-ring");
        char ring[512], log[600];
        const char *argv[] = {fl_build_path("fixtures/rawfds"), m->name, NULL};
        const char *env[] = {"FORKLOCK_SCOPE=all", log, NULL};
        const char *dump[] = {fl_build_path("forklock-dump"), ring, NULL};
        struct fl_run run;

        cr_assert_not_null(dir);
        snprintf(ring, sizeof(ring), "%s/ring", dir);
        snprintf(log, sizeof(log), "FORKLOCK_LOG=%s", ring);
        fl_run_program(&run, argv, env, true, NULL, 20);
        cr_assert_eq(run.status, 0, "%s: %s", m->name, run.err);
        fl_run_program(&run, dump, NULL, false, NULL, 20);
        cr_assert_eq(run.status, 0, "dump: %s", run.err);
        cr_expect_eq(fl_count_lines(run.out, "exec net: made close-on-exec before exec"), 5,
                     "%s: %s", m->name, run.out);
        cr_expect(strstr(run.out, "exec-net 5\n"), "the summary's count, %s: %s", m->name, run.out);
        cr_expect_eq(fl_count_lines(run.out, "(TCP)"), 1, "the raw socket: %s", run.out);
        cr_expect_eq(fl_count_lines(run.out, "(pipe)"), 2, "%s", run.out);
        cr_expect_eq(fl_remove_dir(dir), 0);
}

/* A recursive make -j4 under scope all: the sub-make still finds the jobserver's pipe (MAKEFLAGS
 * names it) through the shell between them, and runs its four jobs at once: each job waits until
 * all four have started, so a serial make fails. */
static const char top_makefile[] = "all:\n\t+$(MAKE) -C sub\n";
static const char sub_makefile[] =
    "all: a b c d\n"
    "a b c d:\n"
    "\t@touch $@.started; n=0; while [ $$(ls *.started | wc -l) -lt 4 ]; do "
    "n=$$((n+1)); [ $$n -gt 100 ] && echo serial && exit 1; sleep 0.05; done; echo job $@\n";

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        cr_assert_not_null(f, "%s", path);
        fputs(text, f);
        fclose(f);
}

Test(exec_net, recursive_make_keeps_its_jobserver, .timeout = 60)
{
        char *dir = fl_scratch_dir("net-make");
        char path[512];
        const char *argv[] = {"/usr/bin/make", "-s", "-j4", "-C", dir, NULL};
        const char *all[] = {"FORKLOCK_SCOPE=all", "MAKEFLAGS=", NULL};
        struct fl_run run;

        cr_assert_not_null(dir);
        snprintf(path, sizeof(path), "%s/Makefile", dir);
        write_file(path, top_makefile);
        snprintf(path, sizeof(path), "%s/sub", dir);
        cr_assert_eq(mkdir(path, 0700), 0);
        snprintf(path, sizeof(path), "%s/sub/Makefile", dir);
        write_file(path, sub_makefile);
        fl_run_program(&run, argv, all, true, NULL, 30);
        cr_expect_eq(run.status, 0, "out: %s err: %s", run.out, run.err);
        cr_expect_null(strstr(run.err, "jobserver unavailable"), "%s", run.err);
        cr_expect_null(strstr(run.out, "serial"), "%s", run.out);
        cr_expect(strstr(run.out, "job a") && strstr(run.out, "job d"), "%s", run.out);
        fl_remove_dir(dir);
}
