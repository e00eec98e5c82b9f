/* forklock-audit: run a command in audit mode and report every fd that reached a new program image
 * without being passed on purpose, or report on an existing ring (--from). The options and the
 * running are shared with forklock-run (tools/lib/launch.c), the report is tools/lib/report.c.
 *
 * The report goes to stderr, or to -o FILE: never to stdout, which is the command's. Exit status:
 * --error-exitcode (3) when any leak was found; otherwise CMD's own status (128+N when killed by
 * signal N), or 0 with --from; 2 for a bad option or a ring that cannot be read; 127 when CMD
 * cannot be run. */
#include "lib/fix_scope.h"
#include "lib/launch.h"
#include "lib/report.h"
#include "warn.h"

#include <libgen.h>
#include <signal.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HELD_MAX 1024

enum { JSON = LAUNCH_FIRST_FREE_ID, OUTPUT, ERROR_EXITCODE, WAIT, KEEP, VERBOSE, FROM, TREE };

struct audit {
        struct launch launch;
        struct report_options report;
        const char *output, *from;
        bool keep;
};

static void usage(FILE *out)
{
        fputs("usage: forklock audit [OPTIONS] -- CMD [ARG...]\n"
              "       forklock audit [--json|--tree] [--verbose] [-o FILE] --from=FILE\n"
              "Runs CMD with libforklock in audit mode (nothing is changed), waits for it, and\n"
              "reports every fd that reached a new program image without being passed on purpose,\n"
              "on stderr (never on CMD's stdout).\n"
              "  --json              JSON Lines: one object per fd, then a summary object\n"
              "  -o, --output=FILE   write the report to FILE instead of stderr\n"
              "  --error-exitcode=N  exit status when a leak was found (default 3)\n"
              "  --wait              also wait for every descendant (daemons that fork away)\n"
              "  --verbose           also list the fds passed on purpose\n"
              "  --tree              draw the process tree (how each image started, the fds that\n"
              "                      crossed into it) and the leaks grouped by origin\n"
              "  --keep              keep the ring (default: removed unless --log)\n"
              "  --log=FILE          ring file (kept; default: a private directory)\n"
              "  --scope=SCOPE       sockets (default) or all: which fds enforce would change\n"
              "  --from=FILE         report on an existing ring; runs nothing\n"
              "  --inherit=LIST      fds passed on purpose: numbers, tcp:PORT, udp:PORT\n"
              "  --kernel=VER        run CMD as Linux VER would answer (forklock-kernel)\n"
              "  --only=CMDS         audit only these programs (comma-separated names)\n"
              "  --skip=CMDS         never audit these programs\n"
              "  --quiet             do not print the ring path\n"
              "  -h, --help          this text\n"
              "Exit status: N (3) when a leak was found, else CMD's status (0 with --from);\n"
              "2 bad option or unreadable ring; 127 CMD could not be run.\n",
              out);
}

static const struct cli_option options[] = {
    LAUNCH_OPTIONS_COMMON,
    {"--json", NULL, false, JSON},
    {"-o", "--output", true, OUTPUT},
    {"--error-exitcode", NULL, true, ERROR_EXITCODE},
    {"--wait", NULL, false, WAIT},
    {"--keep", NULL, false, KEEP},
    {"--verbose", NULL, false, VERBOSE},
    {"--from", NULL, true, FROM},
    {"--tree", NULL, false, TREE},
    {NULL, NULL, false, 0},
};

static const struct cli cli = {"forklock audit", options, usage};

static int take(int id, const char *value, void *data)
{
        struct audit *a = data;
        long n;

        if (launch_take(&a->launch, id, value) == 0)
                return 0;
        switch (id) {
        case JSON:
                a->report.json = true;
                break;
        case OUTPUT:
                a->output = value;
                break;
        case WAIT:
                a->launch.wait_all = true;
                break;
        case KEEP:
                a->keep = true;
                break;
        case VERBOSE:
                a->report.verbose = true;
                break;
        case FROM:
                a->from = value;
                break;
        case TREE:
                a->report.tree = true;
                break;
        case ERROR_EXITCODE:
                if (cli_number(&cli, "--error-exitcode", value, 1, 255, &n) < 0)
                        return 2;
                a->report.leak_status = (int)n;
                break;
        }
        return 0;
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

static int check(struct audit *a, char **rest)
{
        if (a->report.tree && a->report.json)
                return cli_fail(&cli, "--tree draws text; it cannot be combined with --json");
        if (a->from && rest[0])
                return cli_fail(&cli, "--from takes no command; got '%s'", rest[0]);
        if (a->from && (a->launch.log || a->launch.kernel))
                return cli_fail(&cli, "--from reads a ring; it cannot be combined with %s",
                                a->launch.log ? "--log" : "--kernel");
        if (a->from)
                return 0;
        a->launch.cmd = rest;
        return launch_check(&a->launch);
}

/* Opened before anything runs: a report file that cannot be written is a bad option. */
static int open_output(struct audit *a)
{
        a->report.out = stderr;
        if (!a->output)
                return 0;
        a->report.out = fopen(a->output, "we");
        if (!a->report.out)
                return cli_fail(&cli, "--output: cannot write %s: %m", a->output);
        return 0;
}

static int finish(struct audit *a, int status)
{
        if (a->report.out != stderr && fclose(a->report.out) != 0) {
                cli_fail(&cli, "--output: write error on %s: %m", a->output);
                return 2;
        }
        return status;
}

int main(int argc, char **argv)
{
        static uint64_t held[HELD_MAX];
        struct audit a = {.launch = {.cli = &cli, .mode = "audit"},
                          .report = {.leak_status = 3, .self = getpid(), .held_ino = held}};
        int rest, status;

        fl_warn_set_sink(fl_warn_to_fd);
        signal(SIGPIPE, SIG_IGN); /* a closed report stream must not cost the gate's status */
        if (cli_parse(&cli, argc, argv, &rest, take, &a) != 0 || check(&a, argv + rest) != 0)
                return 2;
        a.report.scope = fix_scope_current(a.launch.scope);
        if (!a.launch.libdir)
                a.launch.libdir = default_libdir();
        if (!a.from)
                a.report.held_count = report_held_fds(held, HELD_MAX);
        if (open_output(&a) != 0)
                return 2;
        if (a.from)
                return finish(&a, report_ring(&a.report, a.from, 0, false));
        if (launch_prepare(&a.launch) != 0)
                return 2;
        status = launch_run(&a.launch);
        status = report_ring(&a.report, a.launch.ring_path, status, true);
        if (!a.keep && !a.launch.log)
                launch_remove_ring(&a.launch);
        return finish(&a, status);
}
