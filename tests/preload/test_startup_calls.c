/* What a new image's start costs in system calls (issue 18): /bin/true started with only fds 0-2
 * open, joining an existing ring file, its system calls counted with ptrace from the exec on and
 * compared with the same start without forklock. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fltest.h"

#define MAX_NR 512

struct calls {
        int n[MAX_NR];
        int total;
        int prot_none_maps; /* mmap(..., PROT_NONE, ...) */
};

static void count(struct calls *calls, const struct __ptrace_syscall_info *info)
{
        unsigned long long nr = info->entry.nr;

        calls->total++;
        if (nr < MAX_NR)
                calls->n[nr]++;
        if (nr == SYS_mmap && info->entry.args[2] == PROT_NONE)
                calls->prot_none_maps++;
}

static bool shell_table; /* the next start's fd table has 256 slots, as a shell's children have */

/* Returns the exit status of /bin/true, -1 if it could not be traced. */
static int trace_true(const char *const env[], struct calls *calls)
{
        char *const argv[] = {"/bin/true", NULL};
        int status;
        pid_t pid;

        memset(calls, 0, sizeof(*calls));
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                syscall(SYS_close_range, 3, ~0U, 0);
                if (shell_table && (dup2(0, 255) != 255 || close(255) != 0))
                        _exit(126);
                if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0)
                        execve(argv[0], argv, (char *const *)env);
                _exit(127);
        }
        /* The first stop is the SIGTRAP after exec: from here on every call is the new image's. */
        if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status) ||
            ptrace(PTRACE_SETOPTIONS, pid, NULL, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL) < 0) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                return -1;
        }
        for (int signal = 0;; signal = 0) {
                if (ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)signal) < 0 ||
                    waitpid(pid, &status, 0) != pid)
                        return -1;
                if (WIFEXITED(status))
                        return WEXITSTATUS(status);
                if (WIFSIGNALED(status))
                        return 128 + WTERMSIG(status);
                if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
                        struct __ptrace_syscall_info info;

                        if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof(info), &info) > 0 &&
                            info.op == PTRACE_SYSCALL_INFO_ENTRY)
                                count(calls, &info);
                } else {
                        signal = WSTOPSIG(status);
                }
        }
}

struct starts {
        struct calls bare, forklock;
};

static void trace_both(struct starts *s)
{
        char *dir, preload[4200], log[4200];
        const char *forklock_env[] = {preload, "FORKLOCK_MODE=enforce", log, NULL};
        const char *bare_env[] = {"FORKLOCK_MODE=enforce", log, NULL};

        FL_SKIP_UNDER("asan", "the sanitizer runtime, preloaded first, makes its own system calls");
        FL_SKIP_UNDER("tsan", "the sanitizer runtime, preloaded first, makes its own system calls");
        dir = fl_scratch_dir("startup");
        cr_assert(dir);
        snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", fl_build_path("libforklock.so"));
        snprintf(log, sizeof(log), "FORKLOCK_LOG=%s/ring", dir);
        /* The first start creates the ring; the one measured joins it, as every later image does.
         */
        cr_assert_eq(trace_true(forklock_env, &s->forklock), 0);
        cr_assert_eq(trace_true(forklock_env, &s->forklock), 0);
        cr_assert_eq(trace_true(bare_env, &s->bare), 0);
        fl_remove_dir(dir);
}

/* One pread, of the ring's header: read through the mapping instead, its page would fault twice
 * (read, then the first append's write), which costs more than the pread (tests/unit/
 * test_ring_faults.c). */
Test(startup_calls, joining_the_ring_reads_its_header_once_and_copies_no_memory, .timeout = 30)
{
        struct starts s;

        trace_both(&s);
        cr_expect_eq(s.forklock.n[SYS_pread64], s.bare.n[SYS_pread64] + 1,
                     "pread64: %d under forklock, %d bare", s.forklock.n[SYS_pread64],
                     s.bare.n[SYS_pread64]);
        cr_expect_eq(s.forklock.n[SYS_process_vm_readv], 0, "process_vm_readv: %d",
                     s.forklock.n[SYS_process_vm_readv]);
}

Test(startup_calls, a_short_program_maps_no_pid_page, .timeout = 30)
{
        struct starts s;

        trace_both(&s);
        cr_expect_eq(s.forklock.n[SYS_madvise], s.bare.n[SYS_madvise],
                     "madvise: %d under forklock, %d bare", s.forklock.n[SYS_madvise],
                     s.bare.n[SYS_madvise]);
}

/* The probe of the fd table's size needs no page of its own: no PROT_NONE guard, no mprotect. */
Test(startup_calls, listing_a_small_table_maps_nothing, .timeout = 30)
{
        struct starts s;

        trace_both(&s);
        cr_expect_eq(s.forklock.prot_none_maps, s.bare.prot_none_maps,
                     "PROT_NONE mappings: %d under forklock, %d bare", s.forklock.prot_none_maps,
                     s.bare.prot_none_maps);
        cr_expect_eq(s.forklock.n[SYS_pselect6], 1, "pselect6: %d", s.forklock.n[SYS_pselect6]);
}

/* A shell's children inherit a table of 256 slots (its fd 255 sized it) with nothing open above
 * fd 2: the count of open fds says so, without a listing of /proc/self/fd. */
Test(startup_calls, a_shell_child_with_nothing_inherited_lists_nothing, .timeout = 30)
{
        struct starts s;

        shell_table = true;
        trace_both(&s);
        cr_expect_eq(s.forklock.n[SYS_getdents64], 0, "getdents64: %d",
                     s.forklock.n[SYS_getdents64]);
}
