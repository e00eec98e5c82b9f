/* While a process has one thread, what creates a process or replaces the image takes no fork
 * lock: no other thread can be between a fallback's create and mark, and this thread's own
 * fallback holds every signal blocked, so the lock would exclude nothing (and cost a fork+exec
 * five system calls and a copied thread-local page in the child). A second thread, from
 * pthread_create or from clone(CLONE_THREAD) through the wrapper, brings the lock back.
 *
 * Criterion runs its tests on a process with threads of its own, so each case runs in a fresh
 * image of this program, from a constructor, before Criterion starts. */
#include <criterion/criterion.h>

#include <pthread.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "forklock.h"
#include "image.h"

extern char **environ;

static struct fl_shim shim = {.config = {.mode = FL_MODE_ENFORCE}};

/* 0 when an exec's write side was taken as `want` says, else 1 (or 2: still held after). */
static int exec_locks(bool want)
{
        struct fl_image_call image;
        bool took;

        fl_image_begin(&shim, &image, FL_CALL_EXEC, "/nonexistent");
        took = image.token.acquired && fl_forklock_write_held_by_me();
        fl_image_end(&shim, &image, -1, 0);
        if (fl_forklock_write_held_by_me())
                return 2;
        return took == want ? 0 : 1;
}

static void *idle(void *arg)
{
        return arg;
}

static int case_threads(void)
{
        pthread_t thread;

        if (exec_locks(false) != 0)
                return 10;
        if (pthread_create(&thread, NULL, idle, NULL) != 0 || pthread_join(thread, NULL) != 0)
                return 11;
        /* glibc never counts back down: a process that had threads keeps the lock. */
        return exec_locks(true) == 0 ? 0 : 12;
}

static int case_clone(void)
{
        if (exec_locks(false) != 0)
                return 20;
        fl_forklock_note_thread_clone();
        return exec_locks(true) == 0 ? 0 : 21;
}

__attribute__((constructor)) static void run_case_if_asked(void)
{
        const char *which = getenv("FL_ONE_THREAD_CASE");

        if (!which)
                return;
        _exit(strcmp(which, "threads") == 0 ? case_threads()
              : strcmp(which, "clone") == 0 ? case_clone()
                                            : 99);
}

static int run_case(const char *which)
{
        char setting[64];
        char *const argv[] = {"test_one_thread", NULL};
        char *const envp[] = {setting, NULL};
        int status;
        pid_t pid;

        snprintf(setting, sizeof(setting), "FL_ONE_THREAD_CASE=%s", which);
        cr_assert_eq(posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, envp), 0);
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFEXITED(status), "the case died: status %#x", status);
        return WEXITSTATUS(status);
}

Test(one_thread, an_exec_takes_the_lock_only_once_a_thread_was_created)
{
        int got = run_case("threads");

        cr_assert_eq(got, 0,
                     "case %d: 10 locked with one thread, 11 no thread, 12 not locked with two",
                     got);
}

Test(one_thread, a_thread_cloned_through_the_wrapper_counts_too)
{
        int got = run_case("clone");

        cr_assert_eq(got, 0, "case %d: 20 locked with one thread, 21 not locked after a clone",
                     got);
}
