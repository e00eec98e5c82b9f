/* forklock-run: the end of `forklock run`. Runs CMD with LD_PRELOAD set for it alone (this program
 * does not load the library), waits for it, then prints each distinct warning its images recorded
 * in the ring, once, on this program's stderr: never in CMD's own streams. Exits with CMD's status;
 * dies of CMD's signal when CMD died of one.
 *
 *   forklock-run --ring=FILE [--preload=VALUE] -- CMD [ARG...]
 *
 * While CMD runs, SIGINT and SIGQUIT are ignored here (as system() does: the terminal sends them
 * to CMD too), and SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 and SIGALRM sent here are passed on to CMD. */
#include "lib/warnings.h"
#include "ring_reader.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t child;
static const int forwarded[] = {SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM};

static void forward(int sig)
{
        int saved = errno;

        if (child > 0)
                kill(child, sig);
        errno = saved;
}

static void print_warnings(const char *ring)
{
        struct fl_ring_reader reader;
        struct warnings w;
        struct fl_record rec;
        char err[256];

        if (fl_ring_reader_open(&reader, ring, err, sizeof(err)) < 0)
                return; /* CMD never started an image with the library: nothing was said */
        warnings_init(&w);
        while (fl_ring_reader_next(&reader, &rec) == 1)
                warnings_feed(&w, &rec);
        fl_ring_reader_close(&reader);
        warnings_print(&w, stderr);
        fflush(stderr);
        warnings_free(&w);
}

static void die_like(int sig)
{
        struct rlimit no_core = {0, 0};
        sigset_t set;

        setrlimit(RLIMIT_CORE, &no_core); /* the core, if any, was CMD's */
        signal(sig, SIG_DFL);
        sigemptyset(&set);
        sigaddset(&set, sig);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        raise(sig);
}

static int start(char **cmd, const char *preload, struct sigaction *old_int,
                 struct sigaction *old_quit)
{
        pid_t pid = fork();

        if (pid != 0)
                return pid < 0 ? -1 : (child = pid, 0);
        sigaction(SIGINT, old_int, NULL);
        sigaction(SIGQUIT, old_quit, NULL);
        for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
                signal(forwarded[i], SIG_DFL);
        if (preload && preload[0])
                setenv("LD_PRELOAD", preload, 1);
        execvp(cmd[0], cmd);
        fprintf(stderr, "forklock run: %s: %s\n", cmd[0], strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
}

int main(int argc, char **argv)
{
        struct sigaction ignore = {.sa_handler = SIG_IGN}, pass = {.sa_handler = forward};
        struct sigaction old_int, old_quit;
        const char *ring = NULL, *preload = NULL;
        int i, status;

        for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
                if (strncmp(argv[i], "--ring=", 7) == 0)
                        ring = argv[i] + 7;
                else if (strncmp(argv[i], "--preload=", 10) == 0)
                        preload = argv[i] + 10;
                else
                        return fprintf(stderr, "forklock-run: unknown option '%s'\n", argv[i]), 2;
        }
        if (!ring || i + 1 >= argc)
                return fputs("usage: forklock-run --ring=FILE [--preload=VALUE] -- CMD...\n",
                             stderr),
                       2;
        sigaction(SIGINT, &ignore, &old_int);
        sigaction(SIGQUIT, &ignore, &old_quit);
        for (size_t s = 0; s < sizeof(forwarded) / sizeof(forwarded[0]); s++)
                sigaction(forwarded[s], &pass, NULL);
        if (start(argv + i + 1, preload, &old_int, &old_quit) < 0)
                return fprintf(stderr, "forklock run: fork: %s\n", strerror(errno)), 127;
        while (waitpid(child, &status, 0) < 0)
                if (errno != EINTR)
                        return 127;
        print_warnings(ring);
        if (WIFSIGNALED(status)) {
                die_like(WTERMSIG(status));
                return 128 + WTERMSIG(status);
        }
        return WEXITSTATUS(status);
}
