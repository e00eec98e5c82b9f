/* An exec wrapper asks once per call whether envp can be read (the carry plan, the audit and the
 * safety net share the answer), and argv once: each walk of envp probes every page it spans, in
 * every fork child before its exec. Counted with ptrace from the fixture's marker to its execve:
 * the probes (rt_sigprocmask with no valid how, shim/util/readable.c) and process_vm_readv. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fltest.h"

#define HOW_NONE   0x7fffffff
#define ENVP_PAGES 5 /* the vector's page and one per string (exec_probes.c) */
/* argv (vector, string), the exec record's program, the argv label: a second walk of envp would
 * add ENVP_PAGES more. */
#define OTHER_PROBES_MAX 8

struct probes {
        int sigmask, vm_readv;
};

static bool stopped_at_call(pid_t pid, struct __ptrace_syscall_info *info)
{
        return ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof(*info), info) > 0 &&
               info->op == PTRACE_SYSCALL_INFO_ENTRY;
}

/* Counts from the marker to the execve of /bin/true; -1 if the run went wrong. */
static int count_probes(const char *const env[], struct probes *p)
{
        const char *fixture = fl_build_path("fixtures/exec_probes");
        int status, signal = 0;
        bool marked = false;
        pid_t pid = fork();

        if (pid == 0) {
                char *const argv[] = {(char *)fixture, NULL};

                if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0)
                        execve(fixture, argv, (char *const *)env);
                _exit(127);
        }
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status) ||
            ptrace(PTRACE_SETOPTIONS, pid, NULL, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL) < 0)
                return -1;
        for (;; signal = 0) {
                struct __ptrace_syscall_info info;

                if (ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)signal) < 0 ||
                    waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
                        return -1;
                if (WSTOPSIG(status) != (SIGTRAP | 0x80)) {
                        signal = WSTOPSIG(status) == SIGTRAP ? 0 : WSTOPSIG(status);
                        continue;
                }
                if (!stopped_at_call(pid, &info))
                        continue;
                if (info.entry.nr == SYS_sched_yield)
                        marked = true;
                else if (marked && info.entry.nr == SYS_execve)
                        break;
                else if (marked && info.entry.nr == SYS_rt_sigprocmask &&
                         (int)info.entry.args[0] == HOW_NONE)
                        p->sigmask++;
                else if (marked && info.entry.nr == SYS_process_vm_readv)
                        p->vm_readv++;
        }
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return 0;
}

Test(exec_probes, envp_is_walked_once_per_exec, .timeout = 60)
{
        char preload[4200];
        const char *env[] = {preload, "FORKLOCK_MODE=enforce", NULL};
        struct probes p = {0, 0};

        FL_SKIP_UNDER("asan", "the sanitizer runtime, preloaded first, makes its own system calls");
        FL_SKIP_UNDER("tsan", "the sanitizer runtime, preloaded first, makes its own system calls");
        snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", fl_build_path("libforklock.so"));
        cr_assert_eq(count_probes(env, &p), 0, "the traced run went wrong");
        cr_log_info("probes: %d, process_vm_readv: %d", p.sigmask, p.vm_readv);
        cr_expect_eq(p.vm_readv, 0, "process_vm_readv: %d", p.vm_readv);
        cr_expect_geq(p.sigmask, ENVP_PAGES, "envp's %d pages were not probed: %d probes",
                      ENVP_PAGES, p.sigmask);
        cr_expect_leq(p.sigmask, ENVP_PAGES + OTHER_PROBES_MAX,
                      "%d probes: envp (%d pages) walked more than once", p.sigmask, ENVP_PAGES);
}
