/* Finding the open fds without /proc: exact in a table of 64 slots (O_PATH fds included), and a
 * refusal, with nothing reported, when the table is bigger. Each case runs in a grandchild whose
 * table was sized at fork from the few fds left open, as a freshly spawned program's is. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd_probe.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

struct seen {
        int n;
        int fds[64];
};

static void note(int fd, void *ctx)
{
        struct seen *s = ctx;

        if (s->n < 64)
                s->fds[s->n] = fd;
        s->n++;
}

/* Runs case_fn in a grandchild with only fds 0-2 open at its fork; its exit status. */
static int in_small_table(int (*case_fn)(void))
{
        pid_t child = fork();
        int status;

        cr_assert(child >= 0);
        if (child == 0) {
                syscall(SYS_close_range, 3, ~0U, 0);
                pid_t grandchild = fork();

                if (grandchild < 0)
                        _exit(90);
                if (grandchild == 0)
                        _exit(case_fn());
                if (waitpid(grandchild, &status, 0) < 0 || !WIFEXITED(status))
                        _exit(91);
                _exit(WEXITSTATUS(status));
        }
        cr_assert(waitpid(child, &status, 0) == child);
        cr_assert(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static int lists_exactly(void)
{
        struct seen seen = {0};
        int p[2];
        int path = open("/", O_PATH); /* poll would call this one closed */

        if (path != 3 || pipe(p) != 0 || dup2(p[0], 40) != 40 || dup2(p[1], 63) != 63)
                return 10;
        close(p[1]); /* fds now: 3, 4, 40, 63 */
        if (fl_fd_probe_each(note, &seen) != 4 || seen.n != 4)
                return 11;
        if (seen.fds[0] != 3 || seen.fds[1] != 4 || seen.fds[2] != 40 || seen.fds[3] != 63)
                return 12;
        return fl_fd_probe_each(NULL, NULL) == 4 ? 0 : 13;
}

static int refuses_a_bigger_table(void)
{
        struct seen seen = {0};

        if (dup2(0, 64) != 64) /* grows the table to 128 slots */
                return 20;
        close(64); /* the table stays big: fd 100 could have been open */
        if (fl_fd_probe_each(note, &seen) != -1 || seen.n != 0)
                return 21;
        return 0;
}

/* Every fd the probe asks about beyond the small table open: none of them ready (O_PATH fds), or
 * all of them ready (a pipe with data): still refused. */
static int fills_64_to_127_with(int fd)
{
        for (int target = 64; target < 128; target++)
                if (dup2(fd, target) != target)
                        return 40;
        return fl_fd_probe_each(NULL, NULL) == -1 ? 0 : 41;
}

static int refuses_a_bigger_table_full_of_idle_fds(void)
{
        return fills_64_to_127_with(open("/", O_PATH));
}

static int refuses_a_bigger_table_full_of_ready_fds(void)
{
        int p[2];

        if (pipe(p) != 0 || write(p[1], "x", 1) != 1)
                return 42;
        return fills_64_to_127_with(p[0]);
}

static int keeps_errno(void)
{
        errno = EDOM;
        fl_fd_probe_each(NULL, NULL);
        return errno == EDOM ? 0 : 30;
}

Test(fd_probe, small_table_listed_exactly_with_o_path)
{
        cr_expect_eq(in_small_table(lists_exactly), 0);
}

Test(fd_probe, bigger_table_is_refused_with_nothing_reported)
{
        cr_expect_eq(in_small_table(refuses_a_bigger_table), 0);
}

Test(fd_probe, bigger_table_with_every_probed_fd_open_is_refused)
{
        cr_expect_eq(in_small_table(refuses_a_bigger_table_full_of_idle_fds), 0);
        cr_expect_eq(in_small_table(refuses_a_bigger_table_full_of_ready_fds), 0);
}

Test(fd_probe, errno_unchanged)
{
        cr_expect_eq(in_small_table(keeps_errno), 0);
}
