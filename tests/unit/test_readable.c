/* fl_vector_readable over real memory: readable, not merely mapped, with the kernel's answer taken
 * through rt_sigprocmask's copy of its set or, where seccomp refuses that, through process_vm_readv
 * or a pipe. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "readable.h"

static size_t page;

/* Two pages, the first readable and writable, the second PROT_NONE; returns the second. */
static char *guard(void)
{
        char *area;

        page = (size_t)sysconf(_SC_PAGESIZE);
        area = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        cr_assert(area != MAP_FAILED);
        cr_assert_eq(mprotect(area + page, page, PROT_NONE), 0);
        return area + page;
}

/* A file page past end of file (SIGBUS when touched). */
static char *past_eof(void)
{
        char path[] = "/tmp/forklock-readable-XXXXXX";
        int fd = mkstemp(path);
        char *area;

        cr_assert(fd >= 0 && write(fd, "x", 1) == 1);
        area = mmap(NULL, 2 * page, PROT_READ, MAP_PRIVATE, fd, 0);
        unlink(path);
        close(fd);
        cr_assert(area != MAP_FAILED);
        return area + page;
}

static int open_fds(void)
{
        DIR *dir = opendir("/proc/self/fd");
        int n = 0;

        while (dir && readdir(dir))
                n++;
        if (dir)
                closedir(dir);
        return n;
}

/* Every shape once; 0 when each answer is right and errno and the fd count are unchanged, else
 * the number of the first wrong answer. */
static int check_shapes(bool can_tell)
{
        char *none = guard(), *edge_none = guard(), *eof = past_eof();
        char *good[] = {(char *)"a", (char *)"b=c", NULL};
        char *bad_string[] = {(char *)"a", none, NULL};
        char *straddle[] = {none - 3, NULL};
        char *eof_string[] = {(char *)"a", eof, NULL};
        /* volatile: the compiler must not see through the bad addresses and refuse to build. */
        char **volatile edge = (char **)edge_none - 1, **volatile bad_vector = (char **)8;
        int fds = open_fds(), wrong = 0;

        memcpy(none - 3, "abc", 3);
        edge[0] = (char *)"a";
        errno = 1234;
        wrong = wrong ?: (fl_vector_readable(NULL) != true) * 1;
        wrong = wrong ?: (fl_vector_readable(good) != can_tell) * 2;
        wrong = wrong ?: fl_vector_readable(bad_string) * 3;
        wrong = wrong ?: fl_vector_readable(straddle) * 4;
        wrong = wrong ?: fl_vector_readable((char **)none) * 5;
        wrong = wrong ?: fl_vector_readable(edge) * 6;
        wrong = wrong ?: fl_vector_readable(eof_string) * 7;
        wrong = wrong ?: fl_vector_readable((char **)eof) * 8;
        wrong = wrong ?: fl_vector_readable(bad_vector) * 9;
        wrong = wrong ?: (errno != 1234) * 10;
        wrong = wrong ?: (open_fds() != fds) * 11;
        return wrong;
}

/* The NUL is looked for a word at a time (readable.c): found at every alignment and offset up to
 * the last byte before an unreadable page, and a string without one before that page is not
 * readable. */
Test(readable, the_nul_is_found_at_every_alignment_up_to_the_page_end)
{
        char *end = guard(), *start = end - 64;

        for (int at = 0; at < 16; at++)
                for (int nul = at; nul < 64; nul++) {
                        memset(start, 'x', 64);
                        start[nul] = '\0';
                        cr_assert(fl_string_readable(start + at, SIZE_MAX), "start %d, NUL at %d",
                                  at, nul);
                }
        memset(start, 'x', 64);
        for (int at = 0; at < 16; at++)
                cr_assert_not(fl_string_readable(start + at, SIZE_MAX), "start %d, no NUL", at);
}

Test(readable, mapped_is_not_enough)
{
        int wrong = check_shapes(true);

        cr_assert_eq(wrong, 0, "check %d went wrong", wrong);
}

/* Strings across page boundaries and a vector spanning several pages, all readable. */
Test(readable, long_vectors_across_pages)
{
        size_t count = 3000;
        char **vector = calloc(count + 1, sizeof(char *));
        char *text = malloc(count * 7);

        for (size_t i = 0; i < count; i++) {
                memcpy(text + i * 7, "K12345", 7);
                vector[i] = text + i * 7;
        }
        cr_assert(fl_vector_readable(vector));
        vector[count - 1] = guard();
        cr_assert_not(fl_vector_readable(vector));
        free(text);
        free(vector);
}

/* seccomp refuses the listed calls with EPERM, in a child; the child's exit code is the answer. */
static int with_refused(const int *nrs, int n, bool can_tell)
{
        struct sock_filter filter[16];
        int len = 0;
        pid_t pid;
        int status;

        filter[len++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                                     offsetof(struct seccomp_data, nr));
        for (int i = 0; i < n; i++) {
                filter[len++] =
                    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nrs[i], 0, 1);
                filter[len++] =
                    (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
        }
        filter[len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        pid = fork();
        if (pid == 0) {
                struct sock_fprog prog = {(unsigned short)len, filter};

                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
                    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
                        _exit(100);
                _exit(check_shapes(can_tell));
        }
        cr_assert(pid > 0);
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFEXITED(status), "child died of signal %d", WTERMSIG(status));
        return WEXITSTATUS(status);
}

/* A kernel (or an emulator: qemu-user, some sandboxes) that looks at how before it reads the set
 * answers EINVAL for every pointer, readable or not: forklock must notice that the answer says
 * nothing and ask another way. seccomp plays that kernel, in a child. */
static int with_einval_for_unknown_how(void)
{
        struct sock_filter filter[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_rt_sigprocmask, 0, 3),
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
            BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, SIG_SETMASK, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        int status;
        pid_t pid = fork();

        if (pid == 0) {
                struct sock_fprog prog = {sizeof(filter) / sizeof(filter[0]), filter};

                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
                    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
                        _exit(100);
                _exit(check_shapes(true));
        }
        cr_assert(pid > 0);
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFEXITED(status), "child died of signal %d", WTERMSIG(status));
        return WEXITSTATUS(status);
}

Test(readable, an_einval_that_says_nothing_is_not_taken_for_readable)
{
        int wrong = with_einval_for_unknown_how();

        cr_assert_eq(wrong, 0, "check %d went wrong", wrong);
}

Test(readable, through_process_vm_readv_where_seccomp_refuses_rt_sigprocmask)
{
        const int nrs[] = {SYS_rt_sigprocmask};

        int wrong = with_refused(nrs, 1, true);

        cr_assert_eq(wrong, 0, "check %d went wrong", wrong);
}

Test(readable, through_a_pipe_where_seccomp_refuses_process_vm_readv)
{
        const int nrs[] = {SYS_rt_sigprocmask, SYS_process_vm_readv};

        int wrong = with_refused(nrs, 2, true);

        cr_assert_eq(wrong, 0, "check %d went wrong", wrong);
}

/* No way to ask the kernel: nothing is called readable, and nothing crashes. */
Test(readable, unknown_is_unreadable_when_every_way_is_refused)
{
        const int nrs[] = {SYS_rt_sigprocmask, SYS_process_vm_readv, SYS_pipe2};

        int wrong = with_refused(nrs, 3, false);

        cr_assert_eq(wrong, 0, "check %d went wrong", wrong);
}
