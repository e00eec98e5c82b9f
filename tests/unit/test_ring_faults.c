/* What a process's first records cost in page faults. A fork child (and every new image) has none
 * of the ring's pages mapped: each page it touches is one fault, ~1.5 us on a VM, and a page first
 * read then written is two. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fltest.h"
#include "ring.h"

static char dir[64];

static void setup(void)
{
        strcpy(dir, "/tmp/fl-ringfaults-XXXXXX");
        cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        (void)!system(cmd);
}

TestSuite(ring_faults, .init = setup, .fini = teardown);

static void skip_under_sanitizers(void)
{
        FL_SKIP_UNDER("asan", "the sanitizer's shadow memory faults pages of its own");
        FL_SKIP_UNDER("tsan", "the sanitizer's shadow memory faults pages of its own");
}

static void open_ring(struct fl_ring *ring, const char *name)
{
        char path[128];

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        cr_assert_eq(fl_ring_open_file(ring, path, 64), 0);
}

static long minor_faults(void)
{
        struct rusage usage;

        getrusage(RUSAGE_SELF, &usage);
        return usage.ru_minflt;
}

static void append(struct fl_ring *ring)
{
        struct fl_record rec;

        memset(&rec, 0, sizeof(rec));
        rec.call = FL_CALL_SOCKET;
        cr_assert_neq(fl_ring_append(ring, &rec), 0);
}

/* A child's first record in a ring: the header and the slot's page, one fault each. The child
 * first appends to another ring so that its code and stack are already faulted in. */
Test(ring_faults, first_record_in_a_child_faults_each_page_once)
{
        struct fl_ring warm, ring;
        int status;
        pid_t pid;

        skip_under_sanitizers();

        open_ring(&warm, "warm");
        open_ring(&ring, "ring");
        append(&warm);
        append(&ring);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                long before;

                minor_faults();
                append(&warm);
                before = minor_faults();
                append(&ring);
                _exit((int)(minor_faults() - before));
        }
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFEXITED(status));
        cr_expect_leq(WEXITSTATUS(status), 2, "%d faults for the header and one slot page",
                      WEXITSTATUS(status));
        fl_ring_close(&warm);
        fl_ring_close(&ring);
}

/* A process joining a ring someone else made (every new image under `forklock run`): the join and
 * its first record fault the header and one slot page once each. The child joins another ring
 * first, so that the code and the stack of a join are already faulted in. */
Test(ring_faults, joining_and_first_record_fault_each_page_once)
{
        struct fl_ring warm, ring;
        int status;
        pid_t pid;

        skip_under_sanitizers();

        open_ring(&warm, "warm");
        open_ring(&ring, "ring");
        append(&warm);
        append(&ring);
        fl_ring_close(&warm);
        fl_ring_close(&ring);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                long before;

                minor_faults();
                open_ring(&warm, "warm");
                append(&warm);
                before = minor_faults();
                open_ring(&ring, "ring");
                append(&ring);
                _exit((int)(minor_faults() - before));
        }
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFEXITED(status));
        cr_expect_leq(WEXITSTATUS(status), 2, "%d faults for the join and its first record",
                      WEXITSTATUS(status));
}
