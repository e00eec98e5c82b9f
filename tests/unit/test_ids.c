/* The pid cache: no page mapped for a process that asks for its pid only a few times (a short
 * program's start), a right answer before and after the page exists, in fork children too, and
 * errno untouched. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ids.h"

static int count_mappings(void)
{
        char buf[4096];
        int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC), lines = 0;
        ssize_t got;

        cr_assert_geq(fd, 0);
        while ((got = read(fd, buf, sizeof(buf))) > 0)
                for (ssize_t i = 0; i < got; i++)
                        lines += buf[i] == '\n';
        close(fd);
        return lines;
}

Test(ids, a_few_questions_map_nothing)
{
        int before = count_mappings();

        fl_ids_start();
        for (int i = 0; i < 4; i++)
                cr_assert_eq(fl_ids_pid(), getpid());
        cr_expect_eq(count_mappings(), before, "a page was mapped for 4 questions");
}

static int child_answers_right(void)
{
        for (int i = 0; i < 40; i++)
                if (fl_ids_pid() != getpid() || fl_ids_tid() != gettid())
                        return 1;
        return 0;
}

Test(ids, right_before_and_after_the_page_and_in_children)
{
        int status;
        pid_t child;

        fl_ids_start();
        errno = EILSEQ;
        for (int i = 0; i < 40; i++) {
                cr_assert_eq(fl_ids_pid(), getpid(), "call %d", i);
                cr_assert_eq(fl_ids_tid(), gettid(), "call %d", i);
        }
        cr_expect_eq(errno, EILSEQ);
        child = fork();
        if (child == 0)
                _exit(child_answers_right());
        cr_assert_eq(waitpid(child, &status, 0), child);
        cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child got a stale pid");
}
