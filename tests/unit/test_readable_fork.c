/* fl_vector_readable in a fork child, where exec's argv and envp usually sit in pages the child
 * still shares with its parent: asking whether they are readable must not copy them. A pinning read
 * (process_vm_readv) makes the kernel give the child its own copy of every page it probes
 * (FAULT_FLAG_UNSHARE): a page allocated and copied per probed page on every fork+exec. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "readable.h"
#include "safecopy.h"

#define PM_EXCLUSIVE (1ULL << 56) /* /proc/PID/pagemap: page mapped by this process only */

/* -1 when pagemap cannot say. */
static int exclusive(const void *addr)
{
        uint64_t entry = 0;
        long page = sysconf(_SC_PAGESIZE);
        int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
        off_t at = (off_t)((uintptr_t)addr / (uintptr_t)page * sizeof(entry));
        bool got = fd >= 0 && pread(fd, &entry, sizeof(entry), at) == (ssize_t)sizeof(entry);

        if (fd >= 0)
                close(fd);
        if (!got || !(entry & (1ULL << 63)))
                return -1;
        return (entry & PM_EXCLUSIVE) != 0;
}

static bool vector_readable(void *vector)
{
        return fl_vector_readable(vector);
}

/* The argv label and the exec record's program are copied with fl_safe_copy_string. */
static bool string_copied(void *vector)
{
        char copy[64];
        const char *text = ((char **)vector)[0];

        return fl_safe_copy_string(copy, sizeof(copy), text) == strlen(text) &&
               strcmp(copy, text) == 0;
}

/* Exit codes: 0 still shared, 1 copied by the probe, 2 not readable, 3 pagemap cannot tell. */
static int probe_in_child(char **vector, bool (*read)(void *))
{
        if (exclusive(vector) != 0)
                return 3;
        if (!read(vector))
                return 2;
        return exclusive(vector) == 0 ? 0 : 1;
}

/* The exit code of read run in a fork child on a page shared with this process. */
static int in_fork_child(bool (*read)(void *))
{
        long page = sysconf(_SC_PAGESIZE);
        char **vector =
            mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        char *text = (char *)vector + page / 2;
        int status;
        pid_t pid;

        cr_assert(vector != MAP_FAILED);
        strcpy(text, "PATH=/usr/bin");
        vector[0] = text;
        vector[1] = NULL;
        pid = fork();
        cr_assert(pid >= 0);
        if (pid == 0)
                _exit(probe_in_child(vector, read));
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        munmap(vector, (size_t)page);
        cr_assert(WIFEXITED(status));
        if (WEXITSTATUS(status) == 3)
                cr_skip_test("pagemap does not show whether the page is shared");
        cr_assert_neq(WEXITSTATUS(status), 2, "readable memory was called unreadable");
        return WEXITSTATUS(status);
}

Test(readable_fork, probing_does_not_copy_shared_pages)
{
        cr_assert_eq(in_fork_child(vector_readable), 0,
                     "the probe gave the child its own copy of the parent's page");
}

Test(readable_fork, copying_a_string_does_not_copy_its_page)
{
        cr_assert_eq(in_fork_child(string_copied), 0,
                     "the copy gave the child its own copy of the parent's page");
}
