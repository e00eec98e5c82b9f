/* A fork child that asks for its ids a few times before exec (the exec record, the audit) asks
 * the kernel: the pid page, which the kernel wiped for it, would cost a page fault (a fresh zeroed
 * page) for a handful of answers a system call gives in a tenth of that. Past a few questions it
 * is used again, and every answer is right throughout. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ids.h"

#define MAPS_MAX 512

/* Start addresses of the private anonymous one-page mappings. */
static int one_page_maps(uintptr_t *starts)
{
        FILE *maps = fopen("/proc/self/maps", "re");
        char line[512];
        int n = 0;

        cr_assert(maps);
        while (n < MAPS_MAX && fgets(line, sizeof(line), maps)) {
                unsigned long lo, hi, inode;
                char perms[8];

                if (sscanf(line, "%lx-%lx %7s %*s %*s %lu", &lo, &hi, perms, &inode) == 4 &&
                    hi - lo == 4096 && strcmp(perms, "rw-p") == 0 && inode == 0)
                        starts[n++] = lo;
        }
        fclose(maps);
        return n;
}

/* The mapping in after that is not in before: the pid page. */
static uintptr_t new_page(const uintptr_t *before, int n_before, const uintptr_t *after,
                          int n_after)
{
        for (int i = 0; i < n_after; i++) {
                bool old = false;

                for (int j = 0; j < n_before; j++)
                        old = old || after[i] == before[j];
                if (!old)
                        return after[i];
        }
        return 0;
}

static bool present(uintptr_t addr)
{
        uint64_t entry = 0;
        int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
        bool got = pread(fd, &entry, sizeof(entry), (off_t)(addr / 4096 * sizeof(entry))) ==
                   (ssize_t)sizeof(entry);

        close(fd);
        return got && (entry & (1ULL << 63));
}

/* Exit codes: 0 fine, 1 a wrong answer, 2 the pid page was touched for the first answers. */
static int child_checks(uintptr_t pid_page)
{
        pid_t pid = getpid(), tid = gettid(), got[8];

        fl_ids_child_reset();
        for (int i = 0; i < 8; i += 2) {
                got[i] = fl_ids_pid();
                got[i + 1] = fl_ids_tid();
        }
        if (present(pid_page))
                return 2;
        for (int i = 0; i < 8; i += 2)
                if (got[i] != pid || got[i + 1] != tid)
                        return 1;
        for (int i = 0; i < 80; i++)
                if (fl_ids_pid() != pid || fl_ids_tid() != tid)
                        return 1;
        return 0;
}

Test(ids_fork, a_fork_child_asks_the_kernel_for_its_first_answers)
{
        uintptr_t before[MAPS_MAX], after[MAPS_MAX], pid_page;
        int n_before = one_page_maps(before), n_after, status;
        pid_t child;

        fl_ids_start();
        for (int i = 0; i < 40; i++)
                cr_assert_eq(fl_ids_pid(), getpid());
        n_after = one_page_maps(after);
        pid_page = new_page(before, n_before, after, n_after);
        cr_assert_neq(pid_page, 0, "no pid page was made");
        cr_assert(present(pid_page), "the parent's pid page is not in memory");
        child = fork();
        if (child == 0)
                _exit(child_checks(pid_page));
        cr_assert_eq(waitpid(child, &status, 0), child);
        cr_assert(WIFEXITED(status));
        cr_assert_neq(WEXITSTATUS(status), 1, "a wrong pid or tid in the child");
        cr_assert_eq(WEXITSTATUS(status), 0, "the child touched the pid page for its first ids");
        cr_assert_eq(fl_ids_pid(), getpid());
}
