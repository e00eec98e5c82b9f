/* An image that inherited no fd writes its START only before its first other record, and not at
 * all when it records nothing (shim/core/recorder.h): most exec'd programs then never write to
 * the ring. The ring's first image always writes it. Each case runs real programs under the
 * library with a ring file and reads the ring back with forklock dump. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fltest.h"

static char ring[300], log_var[320];

static char *dir;

static void make_ring_dir(void)
{
        dir = fl_scratch_dir("held");
        cr_assert_not_null(dir);
        snprintf(ring, sizeof(ring), "%s/ring", dir);
        snprintf(log_var, sizeof(log_var), "FORKLOCK_LOG=%s", ring);
}

static void remove_ring_dir(void)
{
        fl_remove_dir(dir);
}

TestSuite(held_start, .init = make_ring_dir, .fini = remove_ring_dir);

struct rec {
        long seq, pid, result;
        char call[32];
};

/* The ring's records, in order, from forklock dump's table (SEQ TIME WALL PID/TID CALL FD
 * DECISION RESULT ...); returns how many (at most max). The table is kept in text. */
static int read_ring(struct rec *recs, int max, char *text, size_t text_size)
{
        static struct fl_run dump;
        const char *argv[] = {fl_build_path("forklock-dump"), ring, NULL};
        int n = 0;

        fl_run_program(&dump, argv, NULL, false, NULL, 30);
        cr_assert_eq(dump.status, 0, "%s", dump.err);
        cr_assert(strlen(dump.out) + 1 < sizeof(dump.out), "the dump did not fit");
        snprintf(text, text_size, "%s", dump.out);
        for (char *line = strtok(dump.out, "\n"); line && n < max; line = strtok(NULL, "\n"))
                if (sscanf(line, "%ld %*s %*s %ld/%*d %31s %*s %*s %ld", &recs[n].seq, &recs[n].pid,
                           recs[n].call, &recs[n].result) == 4)
                        n++;
        return n;
}

static int find(const struct rec *recs, int n, const char *call, long pid)
{
        for (int i = 0; i < n; i++)
                if (strcmp(recs[i].call, call) == 0 && (pid == 0 || recs[i].pid == pid))
                        return i;
        return -1;
}

static int count(const struct rec *recs, int n, const char *call, long pid)
{
        int k = 0;

        for (int i = 0; i < n; i++)
                k += strcmp(recs[i].call, call) == 0 && recs[i].pid == pid;
        return k;
}

#define MAX_RECS 4096
static struct rec recs[MAX_RECS];
static char table[65536];

Test(held_start, an_exec_image_that_inherits_and_records_nothing_writes_no_start)
{
        const char *legacy[] = {fl_build_path("fixtures/legacy"), "fork-exec", NULL};
        const char *env[] = {log_var, NULL};
        struct fl_run run;
        int n, fork_at;
        long child;

        fl_run_program(&run, legacy, env, true, NULL, 30);
        cr_assert_eq(run.status, 0, "%s", run.err);
        cr_assert(strstr(run.out, "inherited 0"), "the child inherited a socket: %s", run.out);
        n = read_ring(recs, MAX_RECS, table, sizeof(table));
        fork_at = find(recs, n, "fork", 0);
        cr_assert(fork_at >= 0, "no fork record");
        child = recs[fork_at].result;
        cr_assert(find(recs, n, "exec", child) >= 0, "no exec record of pid %ld", child);
        cr_expect_eq(count(recs, n, "start", child), 0, "fdreport (pid %ld) wrote a START", child);
        cr_expect_eq(count(recs, n, "start", recs[fork_at].pid), 1,
                     "the ring's first image wrote no START");
        cr_expect(strstr(table, "argv of exec (no fd crossed; the image recorded nothing)"), "%s",
                  table);
}

/* sh is the ring's first image; legacy, run by it, inherited nothing: its START comes with its
 * first socket, before it, and names sh as its parent. */
Test(held_start, an_image_that_inherits_nothing_writes_start_before_its_first_record)
{
        char script[600];
        const char *sh[] = {"/bin/sh", "-c", script, NULL};
        const char *env[] = {log_var, NULL};
        struct fl_run run;
        int n, socket_at, start_at, shell_start;
        long legacy;

        snprintf(script, sizeof(script), "%s fork-exec; true", fl_build_path("fixtures/legacy"));
        fl_run_program(&run, sh, env, true, NULL, 30);
        cr_assert_eq(run.status, 0, "%s", run.err);
        n = read_ring(recs, MAX_RECS, table, sizeof(table));
        socket_at = find(recs, n, "socket", 0);
        shell_start = find(recs, n, "start", 0);
        cr_assert(socket_at >= 0 && shell_start >= 0);
        legacy = recs[socket_at].pid;
        cr_assert_neq(legacy, recs[shell_start].pid, "legacy ran in the shell's process");
        start_at = find(recs, n, "start", legacy);
        cr_assert(start_at >= 0, "legacy (pid %ld) wrote no START", legacy);
        cr_expect_lt(start_at, socket_at, "legacy's START after its first socket");
        cr_expect_eq(count(recs, n, "start", legacy), 1);
        cr_expect_eq(recs[start_at].result, 0, "inherited");
}

/* Eight threads make the image's first records at once: one START, before all of them. */
Test(held_start, threads_that_record_first_together_get_one_start_before_them, .timeout = 60)
{
        char script[600];
        const char *sh[] = {"/bin/sh", "-c", script, NULL};
        const char *env[] = {log_var, NULL};
        struct fl_run run;

        snprintf(script, sizeof(script), "%s 8; true", fl_build_path("fixtures/held_threads"));
        for (int round = 0; round < 5; round++) {
                int n, first_socket, start_at;
                long pid;

                unlink(ring);
                fl_run_program(&run, sh, env, true, NULL, 30);
                cr_assert_eq(run.status, 0, "%s", run.err);
                n = read_ring(recs, MAX_RECS, table, sizeof(table));
                first_socket = find(recs, n, "socket", 0);
                cr_assert(first_socket >= 0);
                pid = recs[first_socket].pid;
                start_at = find(recs, n, "start", pid);
                cr_expect_eq(count(recs, n, "start", pid), 1, "round %d", round);
                cr_expect(start_at >= 0 && start_at < first_socket,
                          "round %d: START at %d, first socket at %d", round, start_at,
                          first_socket);
                cr_expect_eq(count(recs, n, "socket", pid), 8 * 20, "round %d", round);
        }
}

/* The inner sh inherited nothing and records first when it vforks true: its START is its own,
 * written then, never by the vfork child that shares its memory, and true writes none. */
Test(held_start, a_vfork_child_leaves_its_parents_start_to_the_parent)
{
        const char *sh[] = {"/bin/sh", "-c", "/bin/sh -c '/bin/true; true'; true", NULL};
        const char *env[] = {log_var, NULL};
        struct fl_run run;
        int n, starts = 0, created_at = -1;
        long inner = -1, child = -1;

        fl_run_program(&run, sh, env, true, NULL, 30);
        cr_assert_eq(run.status, 0, "%s", run.err);
        n = read_ring(recs, MAX_RECS, table, sizeof(table));
        for (int i = 0; i < n; i++)
                starts += strcmp(recs[i].call, "start") == 0;
        cr_expect_eq(starts, 2, "the two shells, and not true:\n%s", table);
        for (int i = n - 1; i >= 0 && created_at < 0; i--)
                if (strcmp(recs[i].call, "vfork") == 0 || strcmp(recs[i].call, "fork") == 0)
                        created_at = i;
        cr_assert(created_at >= 0, "%s", table);
        inner = recs[created_at].pid;
        child = recs[created_at].result;
        cr_expect_eq(count(recs, n, "start", inner), 1, "%s", table);
        cr_expect_lt(find(recs, n, "start", inner), created_at, "%s", table);
        cr_expect_eq(count(recs, n, "start", child), 0, "%s", table);
}

/* forklock run marks the command it starts as the ring's first image: /bin/true, which records
 * nothing, still writes its START, so that an audit of it sees it start. */
Test(held_start, the_command_forklock_run_starts_writes_its_start)
{
        char log_opt[340];
        const char *argv[] = {
            fl_build_path("forklock-run"), "--quiet", log_opt, "--", "/bin/true", NULL};
        struct fl_run run;
        int n;

        snprintf(log_opt, sizeof(log_opt), "--log=%s", ring);
        /* In a sanitizer build its runtime must come first: forklock run keeps it there. */
        fl_run_program(&run, argv, NULL, false, fl_sanitizer_runtime(), 30);
        cr_assert_eq(run.status, 0, "%s", run.err);
        n = read_ring(recs, MAX_RECS, table, sizeof(table));
        cr_expect_eq(n, 1, "%s", table);
        cr_expect(n >= 1 && strcmp(recs[0].call, "start") == 0, "%s", table);
        cr_expect(strstr(table, "\"/bin/true\"") || strstr(table, "/usr/bin/true"), "%s", table);
}
