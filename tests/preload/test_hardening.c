/* Hardening under LD_PRELOAD: fork from a multi-threaded process while other threads hold the read
 * side of the fork lock or append to the ring; vfork and clone; other preload libraries stacked
 * with forklock in both orders; programs that fight the library. Each suite prints its figures on
 * stderr (kept in the suite's log). */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fltest.h"

#define FAKETIME_SO   "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
#define SOCKETWRAP_SO "/usr/lib/x86_64-linux-gnu/libsocket_wrapper.so"
#define JEMALLOC_SO   "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"

static char *scratch_dir(void)
{
        char *dir = fl_scratch_dir("hard");

        cr_assert(dir, "mkdtemp");
        return dir;
}

static void remove_dir(const char *dir)
{
        cr_expect(fl_remove_dir(dir) == 0);
}

static bool is_san(const char *which)
{
        const char *san = getenv("FL_SAN");

        return san && strcmp(san, which) == 0;
}

/* Number of records of process pid in the ring file. */
static int records_of(const char *ring, long pid)
{
        char pid_opt[32];
        const char *argv[] = {fl_build_path("forklock-dump"), "--json", pid_opt, ring, NULL};
        struct fl_run run;

        snprintf(pid_opt, sizeof(pid_opt), "--pid=%ld", pid);
        fl_run_program(&run, argv, NULL, false, NULL, 30);
        cr_assert_eq(run.status, 0, "forklock-dump: %s", run.err);
        return fl_count_lines(run.out, "\"seq\"");
}

/* ---- fork from a multi-threaded process ------------------------------------------------------ */

static void fork_while_threads_work(bool fallback)
{
        char *dir = scratch_dir(), ring[128], log_var[160];
        /* TSan makes every fork of a threaded process slow (~0.1 s): fewer there. */
        const char *forks = is_san("tsan") ? "60" : "300";
        const char *argv[] = {fl_build_path("fixtures/hard_forkthreads"), forks, NULL};
        const char *env[] = {log_var, fallback ? "FORKLOCK_SIMULATE=einval" : NULL, NULL};
        struct fl_run run;
        long last;
        int records;

        snprintf(ring, sizeof(ring), "%s/ring", dir);
        snprintf(log_var, sizeof(log_var), "FORKLOCK_LOG=%s", ring);
        fl_run_program(&run, argv, env, true, NULL, 120);
        fprintf(stderr, "forkthreads (%s): %s", fallback ? "fallback" : "atomic", run.out);
        cr_assert_eq(run.status, 0, "status %d (-1: the parent hung): %s %s", run.status, run.out,
                     run.err);
        cr_expect_eq(fl_field(run.out, "deadlocks"), 0, "%s", run.out);
        cr_expect_eq(fl_field(run.out, "failures"), 0, "%s %s", run.out, run.err);
        cr_expect_eq(fl_field(run.out, "children_ok"), atol(forks), "%s", run.out);
        cr_expect_eq(fl_field(run.out, "grandchildren_ok"), atol(forks), "%s", run.out);
        cr_expect_gt(fl_field(run.out, "thread_calls"), 1000, "the threads must have been busy");
        /* The ring wraps; the last child's records are the newest. */
        last = fl_field(run.out, "last_child");
        records = records_of(ring, last);
        fprintf(stderr, "forkthreads: last child %ld recorded %d records\n", last, records);
        cr_expect_geq(records, 2, "child %ld must record its socket and its fork", last);
        remove_dir(dir);
}

Test(forkthreads, fork_while_readers_hold_the_lock_on_the_fallback_path, .timeout = 200)
{
        fork_while_threads_work(true);
}

Test(forkthreads, fork_while_threads_append_to_the_ring, .timeout = 200)
{
        fork_while_threads_work(false);
}

/* ---- vfork and clone ------------------------------------------------------------------------- */

struct vfork_case {
        char method[24];
        bool fallback;
};

ParameterizedTestParameters(vfork, children)
{
        static struct vfork_case cases[] = {
            {"vfork-exec", false},       {"vfork-exec", true},   {"vfork-exit", false},
            {"vfork-exit", true},        {"clone-vfork", false}, {"clone-vfork", true},
            {"clone-fork", false},       {"clone-fork", true},   {"clone-fork-socket", false},
            {"clone-fork-socket", true},
        };
        return cr_make_param_array(struct vfork_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct vfork_case *c, vfork, children, .timeout = 120)
{
        const char *argv[] = {fl_build_path("fixtures/hard_vfork"), c->method, "40",
                              getenv("FL_SAN") && *getenv("FL_SAN") ? "--fork-semantics" : NULL,
                              NULL};
        const char *env[] = {c->fallback ? "FORKLOCK_SIMULATE=einval" : NULL, NULL};
        struct fl_run run;

        if (strncmp(c->method, "clone", 5) == 0)
                FL_SKIP_UNDER("tsan", TSAN_CLONE_WHY);
        fl_run_program(&run, argv, env, true, NULL, 60);
        fprintf(stderr, "vfork (%s): %s", c->fallback ? "fallback" : "atomic", run.out);
        cr_assert_eq(run.status, 0, "%s: status %d: %s %s", c->method, run.status, run.out,
                     run.err);
        cr_expect_eq(fl_field(run.out, "children"), 40, "%s", run.out);
        cr_expect_eq(fl_field(run.out, "leaks"), 0, "%s", run.out);
        cr_expect_eq(fl_field(run.out, "failures"), 0, "%s %s", run.out, run.err);
}

Test(vfork, without_forklock_the_children_see_the_sockets)
{
        static const char *const methods[] = {"vfork-exec", "clone-vfork", "clone-fork"};

        for (size_t i = 0; i < 3; i++) {
                const char *argv[] = {fl_build_path("fixtures/hard_vfork"), methods[i], "3", NULL};
                struct fl_run run;

                fl_run_program(&run, argv, NULL, false, NULL, 30);
                cr_expect_eq(fl_field(run.out, "leaks"), 3, "%s: %s", methods[i], run.out);
        }
}

/* ---- programs that fight the library --------------------------------------------------------- */

struct fight_case {
        char how[16];
};

ParameterizedTestParameters(fight, program)
{
        static struct fight_case cases[] = {
            {"close-loop"}, {"closefrom"}, {"close-range"}, {"reexec"}, {"dup2"}};
        return cr_make_param_array(struct fight_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct fight_case *c, fight, program, .timeout = 60)
{
        const char *how = c->how;
        const char *argv[] = {fl_build_path("fixtures/hard_fight"), how, NULL};
        const char *fallback[] = {"FORKLOCK_SIMULATE=einval", NULL};
        struct fl_run run;

        fl_run_program(&run, argv, NULL, true, NULL, 30);
        cr_expect_eq(run.status, 0, "%s: %s %s", how, run.out, run.err);
        cr_expect_eq(fl_field(run.out, "failures"), 0, "%s: %s", how, run.out);
        fl_run_program(&run, argv, fallback, true, NULL, 30);
        cr_expect_eq(run.status, 0, "%s (fallback): %s %s", how, run.out, run.err);
        fprintf(stderr, "fight %s: %d checks passed\n", how, fl_count_lines(run.out, "ok: "));
}

/* ---- other preload libraries ----------------------------------------------------------------- */

/* LD_PRELOAD as given (the sanitizer runtime first, when there is one). */
static void run_stacked(struct fl_run *run, const char *preload, const char *const env[],
                        const char *arg)
{
        const char *argv[] = {fl_build_path("fixtures/hard_coexist"), arg, NULL};
        const char *sanrt = getenv("FL_SANRT");
        static char list[2048];

        snprintf(list, sizeof(list), "%s %s", sanrt && *sanrt ? sanrt : "", preload);
        fl_run_program(run, argv, env, false, list, 30);
        cr_assert_eq(run->status, 0, "%s: status %d: %s %s", preload, run->status, run->out,
                     run->err);
}

static const char *stack_of(const char *first, const char *second)
{
        static char buf[2][1024];
        static int next;
        char *out = buf[next++ % 2];

        snprintf(out, sizeof(buf[0]), "%s %s", first, second);
        return out;
}

Test(coexist, libfaketime_in_both_orders)
{
        const char *forklock = fl_build_path("libforklock.so");
        const char *env[] = {"FAKETIME=@2001-02-03 04:05:06", NULL};
        const char *orders[] = {stack_of(forklock, FAKETIME_SO), stack_of(FAKETIME_SO, forklock)};
        struct fl_run run;

        if (access(FAKETIME_SO, R_OK) != 0)
                cr_skip_test("libfaketime is not installed (apt-get install libfaketime)");
        for (int i = 0; i < 2; i++) {
                run_stacked(&run, orders[i], env, NULL);
                fprintf(stderr, "coexist faketime %s: %s", i ? "first" : "second", run.out);
                cr_expect(strstr(run.out, "year=2001"), "faketime's clock: %s", run.out);
                cr_expect(strstr(run.out, "cloexec=5 of 5"), "%s: %s", orders[i], run.out);
                /* libfaketime keeps its own (non-socket) fds; no socket may cross exec. */
                cr_expect(strstr(run.out, "inherited") && !strstr(run.out, "=socket"), "%s: %s",
                          orders[i], run.out);
        }
}

static int count_entries(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *e;
        int n = 0;

        while (d && (e = readdir(d)))
                n += e->d_name[0] != '.';
        if (d)
                closedir(d);
        return n;
}

Test(coexist, libsocket_wrapper_in_both_orders)
{
        const char *forklock = fl_build_path("libforklock.so");
        char *dir = scratch_dir(), dir_var[128], ring[128], log_var[160];
        const char *env[] = {dir_var, "SOCKET_WRAPPER_DEFAULT_IFACE=10", log_var,
                             "SOCKET_WRAPPER_DISABLE_DEEPBIND=1", NULL};
        struct fl_run run;

        if (access(SOCKETWRAP_SO, R_OK) != 0)
                cr_skip_test("libsocket-wrapper is not installed");
        snprintf(dir_var, sizeof(dir_var), "SOCKET_WRAPPER_DIR=%s", dir);
        snprintf(ring, sizeof(ring), "%s/ring", dir);
        snprintf(log_var, sizeof(log_var), "FORKLOCK_LOG=%s", ring);

        /* forklock first: its socket wrappers call socket_wrapper's, which fakes the network. */
        run_stacked(&run, stack_of(forklock, SOCKETWRAP_SO), env, "127.0.0.10");
        fprintf(stderr, "coexist socket_wrapper second: %s", run.out);
        cr_expect(strstr(run.out, "bound=1"), "%s %s", run.out, run.err);
        cr_expect_gt(count_entries(dir), 1, "socket_wrapper made no socket file in %s", dir);
        cr_expect(strstr(run.out, "cloexec=5 of 5"), "%s", run.out);
        cr_expect(strstr(run.out, "inherited 0:"), "%s", run.out);

        /* socket_wrapper first: it binds libc's socket() through its own dlopen("libc.so.6")
         * handle, so forklock never sees those calls (a limit of any preload placed after it).
         * forklock's own wrappers still resolve the next definition: fork and exec work and are
         * recorded, and socket_wrapper's effect is intact. */
        run_stacked(&run, stack_of(SOCKETWRAP_SO, forklock), env, "127.0.0.10");
        fprintf(stderr, "coexist socket_wrapper first: %s", run.out);
        cr_expect(strstr(run.out, "bound=1"), "%s %s", run.out, run.err);
        cr_expect(strstr(run.out, "inherited"), "fork+exec under both: %s", run.out);
        cr_expect_geq(fl_count_lines(run.out, "cloexec="), 1, "%s", run.out);
        fprintf(stderr, "NOTE: socket_wrapper before forklock: %s", strstr(run.out, "cloexec="));
        remove_dir(dir);
}

Test(coexist, jemalloc)
{
        const char *forklock = fl_build_path("libforklock.so");
        const char *argv[] = {fl_build_path("fixtures/storm"), "500", NULL};
        const char *fallback[] = {"FORKLOCK_SIMULATE=einval", NULL};
        struct fl_run run;

        if (access(JEMALLOC_SO, R_OK) != 0)
                cr_skip_test("libjemalloc2 is not installed");
        if (is_san("asan") || is_san("tsan"))
                cr_skip_test("jemalloc cannot replace a sanitizer's allocator");
        for (int i = 0; i < 2; i++) {
                const char *order =
                    i ? stack_of(JEMALLOC_SO, forklock) : stack_of(forklock, JEMALLOC_SO);
                run_stacked(&run, order, NULL, NULL);
                cr_expect(strstr(run.out, "cloexec=5 of 5"), "%s: %s", order, run.out);
                cr_expect(strstr(run.out, "inherited 0:"), "%s: %s", order, run.out);
                /* The signal storm with jemalloc's own fork handlers in play. */
                fl_run_program(&run, argv, fallback, false, order, 60);
                fprintf(stderr, "coexist jemalloc storm: %s", run.out);
                cr_expect_eq(run.status, 0, "storm under %s: %d %s", order, run.status, run.err);
                cr_expect_eq(fl_field(run.out, "leaks"), 0, "%s", run.out);
        }
}
