/* Runs a shell script as a real program tree, bare or under `forklock run`, in its own work
 * directory, and collects what it did in a form two runs can be compared by: its streams and exit
 * status, the files it left, and the fd lists its children wrote (tests/fixtures/fdlist). Used by
 * the e2e suites that check real Debian programs behave the same with and without forklock. */
#ifndef FL_RUN_H
#define FL_RUN_H

#include <stdbool.h>

struct fl_tree_run {
        int status;      /* exit code, 128+signal, or -1 on timeout */
        int port;        /* the free loopback port the script got as $PORT */
        char work[256];  /* the work directory (cwd and $HOME of the script) */
        char *out, *err; /* its stdout and stderr, normalised (see fl_normalise) */
        char *files;     /* one sorted line per file or directory left in work, fds/ excluded */
        char *fds;       /* the fd lists children wrote into work/fds, sorted, sockets >= 3 cut */
        int sockets;     /* how many sockets >= 3 those lists held */
        /* With FORKLOCK_SCOPE=all in env (bare or not, so that both runs compare alike): every fd
         * >= 3 is cut from fds, and the non-socket ones counted here. */
        bool scope_all;
        int others;
        int fd_lines; /* how many fd lists were written */
};

/* Runs `/bin/sh -c script` in base/name (created 0755 with fds/ 1777 inside) with stdin
 * /dev/null, PATH limited to Debian's directories, LC_ALL=C, HOME=work, and $PORT, $FDLIST (the
 * fixture), $FDS (the report directory) set, plus env (NULL-ended "K=V", may be NULL). Under
 * forklock it runs through the build's `forklock run --quiet --log=base/name.ring` (or the
 * library preloaded after the sanitizer runtime in a sanitizer build). Killed after timeout_s;
 * every process of the run is killed afterwards, daemons included. Returns run->status. */
int fl_tree_run(struct fl_tree_run *run, const char *base, const char *name, const char *script,
                const char *const env[], bool forklock, int timeout_s);
void fl_tree_run_free(struct fl_tree_run *run);

/* The whole file at path (malloc'd, "" when it cannot be read). */
char *fl_slurp(const char *path);

/* A copy of text with every occurrence of the work directory and the port replaced by @W@ and
 * @PORT@, and HTTP Date header values by @DATE@: what legitimately differs between two runs. */
char *fl_normalise(const char *text, const char *work, int port);

/* A TCP port on 127.0.0.1 nobody listens on right now. */
int fl_free_port(void);

/* First line where a and b differ, for messages: "line N: 'a...' vs 'b...'" (static buffer). */
const char *fl_first_difference(const char *a, const char *b);

#endif
