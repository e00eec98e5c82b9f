/* forklock-run: `forklock run`. Runs CMD with LD_PRELOAD set for it alone (this program does not
 * load the library), waits for it, then prints each distinct warning its images recorded in the
 * ring, once, on this program's stderr: never in CMD's own streams. Exits with CMD's status; dies
 * of CMD's signal when CMD died of one. The ring is the output: it is kept, and its path said.
 *
 * While CMD runs, SIGINT and SIGQUIT are left to CMD (the terminal sends them to both), and
 * SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 and SIGALRM sent here are passed on to CMD. */
#include "lib/launch.h"
#include "lib/warnings.h"
#include "ring_reader.h"
#include "warn.h"

#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static void usage(FILE *out)
{
        fputs(
            "usage: forklock run [OPTIONS] -- CMD [ARG...]\n"
            "Runs CMD with libforklock.so preloaded: its sockets become close-on-exec, every\n"
            "decision is recorded in a ring file (path printed on stderr), and fds reaching\n"
            "exec'd programs are audited.\n"
            "  --mode=MODE        enforce (default), audit (change nothing, record what would\n"
            "                     change), off\n"
            "  --profile=NAME     cloexec (default: only close-on-exec) or go (Go's net package)\n"
            "  --scope=SCOPE      sockets (default: only sockets and their duplicates) or all\n"
            "                     (every fd kind: files, pipes, event fds, ptys, as Go does)\n"
            "  --simulate-einval  make the atomic attempt fail, so the fallback path runs\n"
            "  --log=FILE         ring file (default: a new file in a private directory)\n"
            "  --ring=N           ring capacity in records, 64..16777216 (default 65536)\n"
            "  --inherit=LIST     fds passed on purpose: numbers, tcp:PORT or udp:PORT\n"
            "  --kernel=VER       answer as Linux VER would (seccomp filter); list: the table\n"
            "  --only=CMDS        forklock only these programs (comma-separated names)\n"
            "  --skip=CMDS        never these programs (pure pass-through)\n"
            "  --quiet            do not print the ring path\n"
            "  -h, --help         this text\n",
            out);
}

static const struct cli_option options[] = {
    LAUNCH_OPTIONS_RUN,
    LAUNCH_OPTIONS_COMMON,
    {NULL, NULL, false, 0},
};

static const struct cli cli = {"forklock run", options, usage};

static int take(int id, const char *value, void *data)
{
        return launch_take(data, id, value);
}

static void print_warnings(const char *ring)
{
        struct fl_ring_reader reader;
        struct warnings w;
        struct fl_record rec;
        char err[256];

        if (fl_ring_reader_open(&reader, ring, err, sizeof(err)) < 0)
                return;
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

static const char *default_libdir(void)
{
        static char dir[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);

        if (n <= 0)
                return ".";
        dir[n] = '\0';
        return dirname(dir);
}

int main(int argc, char **argv)
{
        struct launch l = {.cli = &cli};
        int rest, status;

        fl_warn_set_sink(fl_warn_to_fd);
        if (cli_parse(&cli, argc, argv, &rest, take, &l) != 0)
                return 2;
        l.cmd = argv + rest;
        if (!l.libdir)
                l.libdir = default_libdir();
        if (launch_check(&l) != 0 || launch_prepare(&l) != 0)
                return 2;
        status = launch_run(&l);
        print_warnings(l.ring_path);
        if (l.signal)
                die_like(l.signal);
        return status;
}
