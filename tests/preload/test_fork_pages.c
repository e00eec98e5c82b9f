/* fork() under forklock: after fork, every private page the parent writes is copied while the child
 * still shares it (~1.5 us each on every fork). forklock's part of the parent's fork (the lock's
 * release in its atfork handler, the FORK record) writes one page, where the lock's state sits
 * beside the decision counts (shim/util/fork_data.h): no thread-local depth, no errno rewritten
 * with its own value. */
#include <criterion/criterion.h>

#include "fltest.h"

static long faults(bool preload)
{
        const char *argv[] = {fl_build_path("fixtures/fork_pages"), NULL};
        struct fl_run run;

        fl_run_program(&run, argv, NULL, preload, NULL, 60);
        cr_assert_eq(run.status, 0, "fork_pages: status %d, stderr: %s", run.status, run.err);
        return fl_field(run.out, "faults");
}

static void expect_at_most_more(long more)
{
        long bare = faults(false), forklock = faults(true);

        if (getenv("FL_SAN") && *getenv("FL_SAN"))
                cr_skip_test("the sanitizer runtimes write their own pages around fork");
        cr_assert_leq(forklock - bare, more,
                      "fork() copied %ld pages in the parent, %ld without forklock", forklock,
                      bare);
}

Test(fork_pages, the_parent_copies_at_most_one_page_more, .timeout = 120)
{
        expect_at_most_more(1);
}

/* A parent with one thread takes no fork lock (README: the fork lock), and its FORK record writes
 * only the ring: it copies no page more than without forklock. */
Test(fork_pages, a_parent_with_one_thread_copies_no_page_more, .timeout = 120)
{
        expect_at_most_more(0);
}
