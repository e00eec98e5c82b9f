/* forklock-kernel: run a command as if on an older kernel. A seccomp filter, inherited by every
 * child and kept across exec, refuses what that kernel lacked with the errno it gave. The
 * environment (LD_PRELOAD, FORKLOCK_*) passes through untouched; nothing else is opened or set. */
#include "lib/kernel_filter.h"
#include "lib/kernel_table.h"
#include "msg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_USAGE     2
#define EXIT_NOT_EXEC  126
#define EXIT_NOT_FOUND 127

static const char usage_text[] =
    "usage: forklock-kernel --kernel=VER [--] CMD [ARG...]\n"
    "       forklock-kernel --kernel=list\n"
    "\n"
    "Runs CMD under a seccomp filter that makes the running kernel answer as kernel VER\n"
    "would: calls added after VER fail with the errno VER gave (ENOSYS, or EINVAL for\n"
    "flags it did not know). VER is 2.6.18 up to the running kernel, as X.Y or X.Y.Z;\n"
    "'current' means the running kernel. The filter applies to CMD and every child.\n"
    "--kernel=list prints what each version takes away.\n"
    "\n"
    "Exit status: CMD's, or 2 for bad usage, 1 if the filter cannot be installed,\n"
    "126 if CMD cannot be executed, 127 if it is not found.\n";

static int usage_error(const char *what, const char *detail)
{
        fprintf(stderr, "forklock-kernel: %s%s\n", what, detail);
        fputs("usage: forklock-kernel --kernel=VER [--] CMD [ARG...]  (see --help)\n", stderr);
        return EXIT_USAGE;
}

static void print_boundary(const struct fl_kernel_boundary *b)
{
        char since[24], num[FL_NUM_TEXT];

        fl_kernel_format(b->since, since, sizeof(since));
        printf("%-8s %-42s %-30s %-7s %s\n", since, b->call, b->when, fl_errno_name(b->err, num),
               b->note ? b->note : "");
}

static void print_gap(const struct fl_kernel_gap *gap)
{
        char since[24];

        fl_kernel_format(gap->since, since, sizeof(since));
        printf("%-8s %-42s %s\n", since, gap->call, gap->why);
}

static int print_table(void)
{
        printf("Below SINCE, a call that matches WHEN fails with ANSWER.\n\n");
        printf("%-8s %-42s %-30s %-7s %s\n", "SINCE", "CALL", "WHEN", "ANSWER", "NOTE");
        for (size_t i = 0; i < fl_kernel_boundary_count; i++)
                print_boundary(&fl_kernel_boundaries[i]);
        printf("\nNot emulated:\n");
        for (size_t i = 0; i < fl_kernel_gap_count; i++)
                print_gap(&fl_kernel_gaps[i]);
        return fflush(stdout) == 0 ? 0 : 1;
}

/* Parses and checks VER; on failure says why, naming the argument. */
static int resolve_version(const char *text, uint32_t *version)
{
        uint32_t running;
        const char *refusal;
        char shown[24];

        if (fl_kernel_running(&running) != 0) {
                fprintf(stderr, "forklock-kernel: cannot read the running kernel's version\n");
                return -1;
        }
        if (strcmp(text, "current") == 0) {
                *version = running;
                return 0;
        }
        if (fl_kernel_parse(text, version) != 0) {
                fprintf(stderr,
                        "forklock-kernel: --kernel=%s: not a kernel version (expected X.Y or "
                        "X.Y.Z, e.g. 2.6.26 or 5.9)\n",
                        text);
                return -1;
        }
        refusal = fl_kernel_refusal(*version, running);
        if (refusal) {
                fl_kernel_format(running, shown, sizeof(shown));
                fprintf(stderr, "forklock-kernel: --kernel=%s: %s (accepted: 2.6.18 to %s)\n", text,
                        refusal, shown);
                return -1;
        }
        return 0;
}

static int run_under(uint32_t version, char **command)
{
        int err;

        if (fl_kernel_install_filter(version) != 0) {
                fprintf(stderr, "forklock-kernel: cannot install the seccomp filter: %s\n",
                        strerror(errno));
                return 1;
        }
        execvp(command[0], command);
        err = errno;
        fprintf(stderr, "forklock-kernel: %s: %s\n", command[0], strerror(err));
        return err == ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_EXEC;
}

int main(int argc, char **argv)
{
        const char *kernel = NULL;
        uint32_t version;
        int i = 1;

        for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
                if (strcmp(argv[i], "--") == 0) {
                        i++;
                        break;
                }
                if (strcmp(argv[i], "--help") == 0) {
                        fputs(usage_text, stdout);
                        return 0;
                }
                if (strncmp(argv[i], "--kernel=", 9) == 0)
                        kernel = argv[i] + 9;
                else if (strcmp(argv[i], "--kernel") == 0 && i + 1 < argc)
                        kernel = argv[++i];
                else
                        return usage_error("unknown option ", argv[i]);
        }
        if (!kernel)
                return usage_error("missing --kernel=VER", "");
        if (strcmp(kernel, "list") == 0)
                return i < argc ? usage_error("--kernel=list takes no command", "") : print_table();
        if (resolve_version(kernel, &version) != 0)
                return EXIT_USAGE;
        if (i >= argc)
                return usage_error("missing CMD", "");
        return run_under(version, argv + i);
}
