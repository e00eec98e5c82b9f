/* What `forklock run` and `forklock audit` share: their common options, checked before anything
 * is created; the ring path made absolute (or a private directory made for it); the library's
 * environment for CMD alone; CMD run as a child (through forklock-kernel with --kernel), waited
 * for, and with --wait every descendant too (audit is their subreaper). */
#ifndef FL_LAUNCH_H
#define FL_LAUNCH_H

#include <limits.h>
#include <stdbool.h>

#include "cli.h"

enum launch_option_id {
        LAUNCH_MODE = 1,
        LAUNCH_PROFILE,
        LAUNCH_SIMULATE,
        LAUNCH_LOG,
        LAUNCH_RING,
        LAUNCH_INHERIT,
        LAUNCH_KERNEL,
        LAUNCH_ONLY,
        LAUNCH_SKIP,
        LAUNCH_QUIET,
        LAUNCH_LIBDIR,
        LAUNCH_SCOPE,
        LAUNCH_FIRST_FREE_ID /* the tools number their own options from here */
};

/* The table entries of the options above, for a tool's own table. */
#define LAUNCH_OPTIONS_RUN                                                                         \
        {"--mode", NULL, true, LAUNCH_MODE}, {"--profile", NULL, true, LAUNCH_PROFILE},            \
            {"--simulate-einval", NULL, false, LAUNCH_SIMULATE},                                   \
        {                                                                                          \
                "--ring", NULL, true, LAUNCH_RING                                                  \
        }
#define LAUNCH_OPTIONS_COMMON                                                                      \
        {"--log", NULL, true, LAUNCH_LOG}, {"--scope", NULL, true, LAUNCH_SCOPE},                  \
            {"--inherit", NULL, true, LAUNCH_INHERIT}, {"--kernel", NULL, true, LAUNCH_KERNEL},    \
            {"--only", NULL, true, LAUNCH_ONLY}, {"--skip", NULL, true, LAUNCH_SKIP},              \
            {"--quiet", NULL, false, LAUNCH_QUIET},                                                \
        {                                                                                          \
                "--libdir", NULL, true, LAUNCH_LIBDIR                                              \
        }

struct launch {
        const struct cli *cli;
        const char *mode, *profile, *scope, *log, *ring, *inherit, *kernel, *only, *skip, *libdir;
        bool simulate, quiet, wait_all;
        char **cmd;
        char ring_path[PATH_MAX * 2]; /* absolute */
        char made_dir[PATH_MAX];      /* the private directory made here, or "" */
        char preload[PATH_MAX * 3];
        const char *unloadable; /* why CMD cannot load the library ("statically linked"), or NULL */
        bool interrupted;       /* SIGINT/SIGQUIT arrived while waiting */
        int signal;             /* the signal CMD died of, or 0 */
};

/* Takes one of the options above; 1 when id is not one of them. */
int launch_take(struct launch *l, int id, const char *value);

/* Checks every value (and that there is a command): 0, or 2 after saying what is wrong. Nothing
 * is created. --kernel=list prints the table and exits. */
int launch_check(struct launch *l);

/* Makes the ring (a private directory unless --log), its drop directory, and the environment
 * for CMD. 0, or 2 after saying why. */
int launch_prepare(struct launch *l);

/* Runs CMD and waits (for every descendant too with wait_all, until Ctrl-C). CMD's status:
 * its exit code, 128+N when killed by signal N, 127/126 when it could not be run. */
int launch_run(struct launch *l);

/* Removes what launch_prepare made for a ring nobody asked to keep. */
void launch_remove_ring(struct launch *l);

#endif
