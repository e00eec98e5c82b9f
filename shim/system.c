/* Follows glibc's do_system: SIGINT and SIGQUIT ignored and SIGCHLD blocked in the caller while it
 * waits; the child gets the caller's mask and default SIGINT/SIGQUIT; 127 if the shell cannot run.
 */
#include "system.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int run_shell(const char *command, fl_spawn_fn spawn, const sigset_t *caller_mask,
                     const struct sigaction *old_int, const struct sigaction *old_quit)
{
        char *argv[] = {(char *)"sh", (char *)"-c", (char *)command, NULL};
        posix_spawnattr_t attr;
        sigset_t defaults;
        pid_t pid;
        int status = -1;
        int err;

        sigemptyset(&defaults);
        if (old_int->sa_handler != SIG_IGN)
                sigaddset(&defaults, SIGINT);
        if (old_quit->sa_handler != SIG_IGN)
                sigaddset(&defaults, SIGQUIT);
        posix_spawnattr_init(&attr);
        posix_spawnattr_setsigmask(&attr, caller_mask);
        posix_spawnattr_setsigdefault(&attr, &defaults);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
        err = spawn(&pid, "/bin/sh", NULL, &attr, argv, environ);
        posix_spawnattr_destroy(&attr);
        if (err != 0)
                return W_EXITCODE(127, 0);
        while (waitpid(pid, &status, 0) < 0) {
                if (errno != EINTR)
                        return -1;
        }
        return status;
}

int fl_system(const char *command, fl_spawn_fn spawn)
{
        struct sigaction ignore = {.sa_handler = SIG_IGN}, old_int, old_quit;
        sigset_t child_blocked, caller_mask;
        int status, saved;

        if (command == NULL)
                return fl_system("exit 0", spawn) == 0;
        sigemptyset(&ignore.sa_mask);
        sigaction(SIGINT, &ignore, &old_int);
        sigaction(SIGQUIT, &ignore, &old_quit);
        sigemptyset(&child_blocked);
        sigaddset(&child_blocked, SIGCHLD);
        sigprocmask(SIG_BLOCK, &child_blocked, &caller_mask);
        status = run_shell(command, spawn, &caller_mask, &old_int, &old_quit);
        saved = errno;
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGQUIT, &old_quit, NULL);
        sigprocmask(SIG_SETMASK, &caller_mask, NULL);
        errno = saved;
        return status;
}
