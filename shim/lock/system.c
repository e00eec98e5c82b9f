/* glibc 2.36's do_system (sysdeps/posix/system.c), step for step: the first of concurrent callers
 * sets SIGINT and SIGQUIT to SIG_IGN and the last restores them; SIGCHLD is blocked while the
 * caller waits; the shell gets the caller's mask and default SIGINT/SIGQUIT (unless they were
 * ignored before the first caller); cancellation kills and reaps the shell; 127 and errno set to
 * the spawn error if the shell cannot start; errno untouched otherwise. The argv is glibc 2.36's:
 * "sh", "-c", line (the "--" came in a later release). */
#include "system.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int callers;
static struct sigaction old_int, old_quit;

struct cancel_args {
        pid_t pid;
};

/* Also gives the signals the shell resets to default: those the first caller found not ignored
 * (read under the lock, where glibc reads them without). */
static void ignore_interrupts(sigset_t *defaults)
{
        struct sigaction ignore = {.sa_handler = SIG_IGN};

        sigemptyset(&ignore.sa_mask);
        sigemptyset(defaults);
        pthread_mutex_lock(&lock);
        if (callers++ == 0) {
                sigaction(SIGINT, &ignore, &old_int);
                sigaction(SIGQUIT, &ignore, &old_quit);
        }
        if (old_int.sa_handler != SIG_IGN)
                sigaddset(defaults, SIGINT);
        if (old_quit.sa_handler != SIG_IGN)
                sigaddset(defaults, SIGQUIT);
        pthread_mutex_unlock(&lock);
}

static void restore_interrupts(void)
{
        pthread_mutex_lock(&lock);
        if (--callers == 0) {
                sigaction(SIGINT, &old_int, NULL);
                sigaction(SIGQUIT, &old_quit, NULL);
        }
        pthread_mutex_unlock(&lock);
}

static void kill_and_reap(void *arg)
{
        const struct cancel_args *args = arg;
        int saved = errno, state;

        kill(args->pid, SIGKILL);
        errno = saved;
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &state);
        while (waitpid(args->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        pthread_setcancelstate(state, NULL);
        restore_interrupts();
}

static int spawn_shell(const char *line, fl_spawn_fn spawn, const sigset_t *caller_mask,
                       const sigset_t *defaults, pid_t *pid)
{
        char *argv[] = {(char *)"sh", (char *)"-c", (char *)line, NULL};
        posix_spawnattr_t attr;
        int err;

        posix_spawnattr_init(&attr);
        posix_spawnattr_setsigmask(&attr, caller_mask);
        posix_spawnattr_setsigdefault(&attr, defaults);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
        err = spawn(pid, "/bin/sh", NULL, &attr, argv, environ);
        posix_spawnattr_destroy(&attr);
        return err;
}

/* waitpid is the cancellation point; the cleanup handler runs only if the thread is cancelled. */
static int wait_for_shell(pid_t pid)
{
        struct cancel_args args = {.pid = pid};
        int status = -1;
        pid_t got;

        pthread_cleanup_push(kill_and_reap, &args);
        do
                got = waitpid(pid, &status, 0);
        while (got < 0 && errno == EINTR);
        if (got != pid)
                status = -1;
        pthread_cleanup_pop(0);
        return status;
}

static int do_system(const char *line, fl_spawn_fn spawn)
{
        sigset_t child_blocked, caller_mask, defaults;
        pid_t pid;
        int status, err;

        ignore_interrupts(&defaults);
        sigemptyset(&child_blocked);
        sigaddset(&child_blocked, SIGCHLD);
        sigprocmask(SIG_BLOCK, &child_blocked, &caller_mask);
        err = spawn_shell(line, spawn, &caller_mask, &defaults, &pid);
        status = err == 0 ? wait_for_shell(pid) : W_EXITCODE(127, 0);
        restore_interrupts();
        sigprocmask(SIG_SETMASK, &caller_mask, NULL);
        if (err != 0)
                errno = err;
        return status;
}

int fl_system(const char *command, fl_spawn_fn spawn)
{
        if (command == NULL)
                return do_system("exit 0", spawn) == 0;
        return do_system(command, spawn);
}
