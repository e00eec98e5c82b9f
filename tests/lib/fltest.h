/* Helpers shared by the test suites: locate the build, run a program (under forklock or not) with
 * only fds 0-2 open, and capture what it prints. */
#ifndef FL_TEST_H
#define FL_TEST_H

#include <stdbool.h>
#include <stddef.h>

struct fl_run {
        int status; /* exit code, 128+signal, or -1 on timeout */
        char out[65536];
        char err[16384];
};

/* $FL_BUILD/rel, in a rotating static buffer. */
const char *fl_build_path(const char *rel);

/* Runs argv[0] with the caller's environment minus LD_PRELOAD and FORKLOCK_*, plus env (NULL-ended
 * "K=V" list, may be NULL). With preload, LD_PRELOAD is the sanitizer runtime (if any) and
 * libforklock.so, followed by extra_preload if given. Killed after timeout_s seconds. */
int fl_run_program(struct fl_run *run, const char *const argv[], const char *const env[],
                   bool preload, const char *extra_preload, int timeout_s);

/* The same with the library named: FL_LIB_PRODUCTION (libforklock.so, what is installed) or
 * FL_LIB_TEST (libforklock-test.so, the only one that honours test switches such as
 * FORKLOCK_NO_LOCK). */
#define FL_LIB_PRODUCTION "libforklock.so"
#define FL_LIB_TEST       "libforklock-test.so"
int fl_run_program_with(struct fl_run *run, const char *const argv[], const char *const env[],
                        const char *library, const char *extra_preload, int timeout_s);

/* The sanitizer runtime of a sanitizer build (FL_SANRT), else NULL: passed as extra_preload to a
 * program run without preload (forklock run, forklock audit), which keeps it first in LD_PRELOAD.
 */
const char *fl_sanitizer_runtime(void);

/* A new private directory /tmp/forklock-TAG-XXXXXX (static buffer, one per call site's use), or
 * NULL; and its removal with everything in it (0 on success). */
char *fl_scratch_dir(const char *tag);
int fl_remove_dir(const char *dir);

/* The integer after "key=" in text, or -1. */
long fl_field(const char *text, const char *key);

/* Counts lines in text containing needle. */
int fl_count_lines(const char *text, const char *needle);

/* In a test body: skip when the suites run against the given sanitizer build (FL_SAN), saying why.
 * Every such skip is also declared in tests/expected-skips, or make check fails on it. */
/* TSan's clone interceptor takes the runtime's own locks and stops recording synchronisation
 * around the clone it forwards to forklock's (ForkBefore/ForkAfter), so readers of the fork lock
 * report false races and then wait on the runtime's lock while the writer waits for them. */
#define TSAN_CLONE_WHY                                                                             \
        "the sanitizer's clone interceptor holds its own locks around forklock's clone (its "      \
        "ForkBefore), so readers of the fork lock deadlock inside the runtime"

#define FL_SKIP_UNDER(san, why)                                                                    \
        do {                                                                                       \
                const char *fl_san_ = getenv("FL_SAN");                                            \
                if (fl_san_ && strcmp(fl_san_, san) == 0)                                          \
                        cr_skip_test("%s", why);                                                   \
        } while (0)

#endif
