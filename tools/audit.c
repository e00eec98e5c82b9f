/* forklock-audit: run a command in audit mode and report every fd that reached a new program image
 * without being passed on purpose, or report on an existing ring (--from).
 *
 *   forklock audit [--json] [--verbose] [--log=FILE] [--kernel=VER] [--quiet] -- CMD [ARG...]
 *   forklock audit [--json] [--verbose] --from=FILE
 *
 * Exit status: 3 when any leak was found; otherwise CMD's own status (128+N when killed by signal
 * N), or 0 with --from; 2 for a bad option or a ring that cannot be read; 127 when CMD cannot be
 * run. The report (one line per leak, then a summary) is on stdout; the ring path and notes on
 * stderr. */
#include "audit.h"
#include "fdinfo.h"
#include "lib/rings.h"
#include "lib/warnings.h"
#include "inherit.h"
#include "ring.h"
#include "ring_reader.h"
#include "text_record.h"
#include "warn.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LEAK_STATUS 3

struct options {
        int json, quiet, verbose;
        const char *log, *from, *kernel, *libdir;
        char **cmd;
};

static void usage(FILE *out)
{
        fputs(
            "usage: forklock audit [--json] [--verbose] [--log=FILE] [--kernel=VER] [--quiet] -- "
            "CMD [ARG...]\n"
            "       forklock audit [--json] [--verbose] --from=FILE\n"
            "Runs CMD with libforklock in audit mode (nothing is changed), waits for it, and\n"
            "reports every fd that reached a new program image without being passed on purpose.\n"
            "  --json       one JSON object per fd (leaks, and passed fds), then a summary object\n"
            "  --verbose    also list the fds passed on purpose\n"
            "  --log=FILE   ring file (default: a new file in a private directory)\n"
            "  --from=FILE  report on an existing ring (e.g. from forklock run --mode=audit)\n"
            "  --kernel=VER run CMD as Linux VER would answer (forklock-kernel)\n"
            "  --quiet      do not print the ring path\n"
            "Exit status: 3 when a leak was found, else CMD's status (0 with --from);\n"
            "2 bad option or unreadable ring; 127 CMD could not be run.\n",
            out);
}

static int bad_option(const char *what, const char *arg)
{
        fprintf(stderr, "forklock audit: %s '%s' (see 'forklock audit --help')\n", what, arg);
        return 2;
}

static const char *value_of(const char *arg, const char *name)
{
        size_t n = strlen(name);

        if (strncmp(arg, name, n) == 0 && arg[n] == '=')
                return arg + n + 1;
        return NULL;
}

static int parse_options(int argc, char **argv, struct options *o)
{
        int i;

        memset(o, 0, sizeof(*o));
        for (i = 1; i < argc; i++) {
                const char *a = argv[i], *v;

                if (strcmp(a, "--") == 0) {
                        i++;
                        break;
                }
                if (a[0] != '-')
                        break;
                if (strcmp(a, "--json") == 0)
                        o->json = 1;
                else if (strcmp(a, "--quiet") == 0)
                        o->quiet = 1;
                else if (strcmp(a, "--verbose") == 0)
                        o->verbose = 1;
                else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        usage(stdout);
                        exit(0);
                } else if ((v = value_of(a, "--log")))
                        o->log = v;
                else if ((v = value_of(a, "--from")))
                        o->from = v;
                else if ((v = value_of(a, "--kernel")))
                        o->kernel = v;
                else if ((v = value_of(a, "--libdir")))
                        o->libdir = v;
                else if ((v = value_of(a, "--forklock")))
                        ; /* the CLI's path, passed by older scripts/forklock: not needed */
                else
                        return bad_option("unknown option", a);
                if ((o->log && !o->log[0]) || (o->from && !o->from[0]) ||
                    (o->kernel && !o->kernel[0]))
                        return bad_option("empty value in", a);
        }
        o->cmd = argv + i;
        if (o->from && o->cmd[0])
                return bad_option("--from takes no command; got", o->cmd[0]);
        if (o->from && (o->log || o->kernel))
                return bad_option("--from reads a ring; it cannot be combined with",
                                  o->log ? "--log" : "--kernel");
        if (!o->from && !o->cmd[0]) {
                fputs("forklock audit: no command given (usage: forklock audit [OPTIONS] -- CMD "
                      "[ARG...])\n",
                      stderr);
                return 2;
        }
        return 0;
}

/* ---- running the command ---- */

static char *make_ring_path(void)
{
        const char *base = getenv("XDG_RUNTIME_DIR");
        static char path[PATH_MAX];
        struct stat st;

        if (!base || !base[0] || stat(base, &st) < 0 || !S_ISDIR(st.st_mode) ||
            access(base, W_OK) < 0)
                base = "/tmp";
        snprintf(path, sizeof(path), "%s/forklock.XXXXXX", base);
        if (!mkdtemp(path)) {
                fprintf(stderr, "forklock audit: cannot create a private directory under %s: %s\n",
                        base, strerror(errno));
                return NULL;
        }
        /* Traversable, not listable: images that dropped privileges reach the drop directory
         * in it and nothing else (the ring stays 0600). */
        chmod(path, 0711);
        strncat(path, "/ring", sizeof(path) - strlen(path) - 1);
        return path;
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

/* RING.drop, 1733: images running as another user keep their own small ring there
 * (shim/ring_drop.c). Best effort: without it such images record in memory only. */
static void make_drop_dir(const char *ring_path)
{
        char drop[PATH_MAX];

        snprintf(drop, sizeof(drop), "%s" FL_RING_DROP_SUFFIX, ring_path);
        if (mkdir(drop, 0700) == 0)
                chmod(drop, 01733);
}

static int prepare_environment(const struct options *o, const char *ring_path)
{
        char lib[PATH_MAX + 8];
        char *preload;
        const char *old = getenv("LD_PRELOAD");
        struct fl_ring ring;

        snprintf(lib, sizeof(lib), "%s/libforklock.so", o->libdir);
        if (access(lib, R_OK) < 0) {
                fprintf(stderr, "forklock audit: cannot read %s: %s\n", lib, strerror(errno));
                return -1;
        }
        /* The tool creates (or checks) the ring itself, so that a command that never loads the
         * library still leaves a readable, empty ring instead of none. */
        if (fl_ring_open_file(&ring, ring_path, 0) < 0)
                return -1;
        fl_ring_close(&ring);
        make_drop_dir(ring_path);
        /* A sanitizer runtime must stay first in LD_PRELOAD; otherwise the library goes first. */
        if (old && (strstr(old, "libasan") || strstr(old, "libtsan"))) {
                if (asprintf(&preload, "%s %s", old, lib) < 0)
                        return -1;
        } else if (asprintf(&preload, "%s%s%s", lib, old && old[0] ? " " : "", old ? old : "") < 0)
                return -1;
        setenv("LD_PRELOAD", preload, 1);
        free(preload);
        setenv("FORKLOCK_MODE", "audit", 1);
        setenv("FORKLOCK_LOG", ring_path, 1);
        return 0;
}

static void exec_command(const struct options *o)
{
        if (o->kernel) {
                char kernel_tool[PATH_MAX], kernel_opt[256];
                int argc = 0;

                while (o->cmd[argc])
                        argc++;
                char *argv[argc + 4];

                snprintf(kernel_tool, sizeof(kernel_tool), "%s/forklock-kernel", o->libdir);
                snprintf(kernel_opt, sizeof(kernel_opt), "--kernel=%s", o->kernel);
                argv[0] = kernel_tool;
                argv[1] = kernel_opt;
                argv[2] = "--";
                memcpy(argv + 3, o->cmd, (size_t)(argc + 1) * sizeof(char *));
                execv(kernel_tool, argv);
                fprintf(stderr, "forklock audit: %s: %s\n", kernel_tool, strerror(errno));
                _exit(127);
        }
        execvp(o->cmd[0], o->cmd);
        fprintf(stderr, "forklock audit: %s: %s\n", o->cmd[0], strerror(errno));
        _exit(127);
}

/* As system() does: the command owns the terminal's SIGINT/SIGQUIT while it runs. */
static int run_command(const struct options *o)
{
        struct sigaction ignore = {.sa_handler = SIG_IGN}, old_int, old_quit;
        int status;
        pid_t pid;

        fflush(NULL);
        sigaction(SIGINT, &ignore, &old_int);
        sigaction(SIGQUIT, &ignore, &old_quit);
        pid = fork();
        if (pid < 0) {
                fprintf(stderr, "forklock audit: fork: %s\n", strerror(errno));
                return 127;
        }
        if (pid == 0) {
                sigaction(SIGINT, &old_int, NULL);
                sigaction(SIGQUIT, &old_quit, NULL);
                exec_command(o);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return 127;
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGQUIT, &old_quit, NULL);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return WEXITSTATUS(status);
}

/* ---- the report ---- */

/* Open addressing, keys never 0: pid -> program (index of its latest START), ino -> origin. */
struct map {
        uint64_t *keys;
        size_t *values;
        size_t mask;
};

static void map_init(struct map *m, size_t entries)
{
        size_t size = 64;

        while (size < entries * 2)
                size *= 2;
        m->keys = calloc(size, sizeof(*m->keys));
        m->values = calloc(size, sizeof(*m->values));
        m->mask = size - 1;
        if (!m->keys || !m->values) {
                fputs("forklock audit: out of memory\n", stderr);
                exit(2);
        }
}

static size_t *map_slot(struct map *m, uint64_t key, int insert)
{
        for (size_t i = (key * 0x9e3779b97f4a7c15ull) >> 7 & m->mask;; i = (i + 1) & m->mask) {
                if (m->keys[i] == key)
                        return &m->values[i];
                if (m->keys[i] == 0) {
                        if (!insert)
                                return NULL;
                        m->keys[i] = key;
                        return &m->values[i];
                }
        }
}

struct report {
        const struct options *o;
        struct fl_ring_reader *reader;
        struct fl_record *records;
        size_t count;
        struct map programs, origins, parents;
        /* Parent's side groups (an ARGV record and the fd records after it, same pid/tid). */
        struct map open_group, last_exec, last_spawn;
        char **texts;         /* record -> its text with continuations, or NULL: its own */
        uint32_t *group_of;   /* record -> index of its ARGV record + 1, 0 for none */
        uint8_t *group_state; /* per ARGV record: 1 confirmed by a START, 2 the exec failed */
        pid_t self;
        unsigned long leaks, passed, images, images_leaking;
};

/* The ring and the drop rings of images that dropped privileges, merged (tools/lib/rings.c). */
static int load_records(struct report *rep, const char *path)
{
        static struct fl_ring_reader reader;
        struct rings rs;
        char err[256];

        if (rings_load(&rs, path, &reader, err, sizeof(err)) < 0) {
                fprintf(stderr, "forklock audit: %s\n", err);
                return -1;
        }
        rings_recorrelate(&rs);
        rep->reader = &reader;
        rep->records = rs.records;
        rep->count = rs.count;
        return 0;
}

/* ---- long texts: a record and its FL_CALL_TEXT continuations (shim/text_record.h) ---- */

static const char *text_of(const struct report *rep, const struct fl_record *r)
{
        const char *full = rep->texts ? rep->texts[r - rep->records] : NULL;

        return full ? full : r->text;
}

/* The record with this seq, before index `before`: records come oldest first. */
static const struct fl_record *record_by_seq(const struct report *rep, size_t before, uint64_t seq)
{
        size_t lo = 0, hi = before;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (rep->records[mid].seq < seq)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo < before && rep->records[lo].seq == seq)
                return &rep->records[lo];
        for (size_t i = before; i-- > 0;) /* not sorted there: a reader's stale record */
                if (rep->records[i].seq == seq)
                        return &rep->records[i];
        return NULL;
}

static void append_chunk(struct report *rep, const struct fl_record *base, const char *chunk)
{
        char **full = &rep->texts[base - rep->records];
        size_t had = *full ? strlen(*full) : strnlen(base->text, FL_RECORD_TEXT);
        size_t add = strnlen(chunk, FL_RECORD_TEXT);
        char *more = realloc(*full, had + add + 1);

        if (!more)
                return;
        if (!*full)
                memcpy(more, base->text, had);
        memcpy(more + had, chunk, add);
        more[had + add] = '\0';
        *full = more;
}

static int assemble_texts(struct report *rep)
{
        rep->texts = calloc(rep->count + 1, sizeof(*rep->texts));
        if (!rep->texts)
                return -1;
        for (size_t i = 0; i < rep->count; i++) {
                const struct fl_record *r = &rep->records[i], *base;
                uint64_t seq = fl_text_record_continues(r);

                if (seq && (base = record_by_seq(rep, i, seq)) && base->call != FL_CALL_TEXT)
                        append_chunk(rep, base, r->text);
        }
        return 0;
}

static const char *program_of(struct report *rep, int32_t pid)
{
        size_t *at = pid > 0 ? map_slot(&rep->programs, (uint64_t)pid, 0) : NULL;

        if (at)
                return rep->records[*at].text[0] ? text_of(rep, &rep->records[*at]) : "?";
        return pid == rep->self ? "forklock-audit" : "?";
}

/* The image an fd reached: its START, or for the parent's view the exec'd path (first word). */
static const char *reached_program(struct report *rep, const struct fl_record *r)
{
        static char first[PATH_MAX];
        const char *argv;
        size_t n;

        if (r->aux != FL_AUDIT_PARENT || !rep->group_of[r - rep->records])
                return program_of(rep, r->pid);
        argv = text_of(rep, &rep->records[rep->group_of[r - rep->records] - 1]);
        n = strcspn(argv, " ");
        if (n >= sizeof(first))
                n = sizeof(first) - 1;
        memcpy(first, argv, n);
        first[n] = '\0';
        return first;
}

static const char *base_name(const char *path)
{
        const char *slash = strrchr(path, '/');

        return slash && slash[1] ? slash + 1 : path;
}

static const char *state_name(const struct fl_record *r)
{
        if (r->flags_applied & FL_STATE_LISTENING)
                return "listening";
        if (r->flags_applied & FL_STATE_CONNECTED)
                return "connected";
        return "unconnected";
}

static bool is_socket_kind(int kind)
{
        return kind == FL_KIND_TCP || kind == FL_KIND_UDP || kind == FL_KIND_UNIX ||
               kind == FL_KIND_SOCKET;
}

static void json_string(const char *s)
{
        putchar('"');
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (c == '"' || c == '\\')
                        printf("\\%c", c);
                else if (c < 0x20 || c >= 0x7f)
                        printf("\\u%04x", c);
                else
                        putchar(c);
        }
        putchar('"');
}

static void print_text(struct report *rep, const struct fl_record *r,
                       const struct fl_record *origin)
{
        bool leak = r->decision == FL_DEC_LEAK;

        printf("%s: fd %d (%s %s", leak ? "leak" : "passed", r->fd,
               fl_fd_kind_name((enum fl_fd_kind)r->protocol), text_of(rep, r));
        if (is_socket_kind(r->protocol))
                printf(", %s", state_name(r));
        printf(") reached %s (pid %d) from %s (pid %d)", reached_program(rep, r), r->pid,
               base_name(program_of(rep, r->child_pid)), r->child_pid);
        if (r->aux == FL_AUDIT_PARENT)
                printf(", seen at exec (the new image kept no record of its own)");
        if (!leak)
                printf(", passed on purpose (%s)",
                       fl_pass_reason_name((enum fl_pass_reason)r->flags_asked));
        if (origin)
                printf("; created by %s() in pid %d at %+.3fs\n",
                       fl_call_name((enum fl_call)origin->call), origin->pid,
                       (double)fl_ring_reader_rel_ns(rep->reader, origin->ts_ns) / 1e9);
        else
                printf("; origin unknown (not created by a wrapped call under forklock)\n");
}

static void print_json(struct report *rep, const struct fl_record *r,
                       const struct fl_record *origin)
{
        bool leak = r->decision == FL_DEC_LEAK;

        printf("{\"fd\":%d,\"kind\":", r->fd);
        json_string(fl_fd_kind_name((enum fl_fd_kind)r->protocol));
        printf(",\"description\":");
        json_string(text_of(rep, r));
        printf(",\"state\":");
        if (is_socket_kind(r->protocol))
                json_string(state_name(r));
        else
                printf("null");
        printf(",\"ino\":%llu,\"program\":", (unsigned long long)r->ino);
        json_string(reached_program(rep, r));
        printf(",\"pid\":%d,\"parent_program\":", r->pid);
        json_string(program_of(rep, r->child_pid));
        printf(",\"parent_pid\":%d,\"intent\":\"%s\",\"reason\":", r->child_pid,
               leak ? "leak" : "passed");
        if (leak)
                printf("null");
        else
                json_string(fl_pass_reason_name((enum fl_pass_reason)r->flags_asked));
        printf(",\"seq\":%llu,\"origin\":", (unsigned long long)r->seq);
        if (origin)
                printf(
                    "{\"call\":\"%s\",\"pid\":%d,\"tid\":%d,\"fd\":%d,\"seq\":%llu,\"at_s\":%.6f}",
                    fl_call_name((enum fl_call)origin->call), origin->pid, origin->tid,
                    origin->result >= 0 && origin->call != FL_CALL_SOCKETPAIR ? origin->result
                                                                              : origin->fd,
                    (unsigned long long)origin->seq,
                    (double)fl_ring_reader_rel_ns(rep->reader, origin->ts_ns) / 1e9);
        else
                printf("null");
        printf("}\n");
}

static bool creates_fd(const struct fl_record *r)
{
        return r->result >= 0 && r->ino != 0 &&
               (r->call == FL_CALL_SOCKET || r->call == FL_CALL_SOCKETPAIR ||
                r->call == FL_CALL_ACCEPT || r->call == FL_CALL_ACCEPT4);
}

static uint64_t thread_key(const struct fl_record *r)
{
        return (uint64_t)(uint32_t)r->pid << 32 | (uint32_t)r->tid;
}

/* The parent's side: which exec/spawn each survivor record belongs to, and whether the new image
 * recorded itself (then its own records are the report) or not (then the parent's are). */
static void note_group(struct report *rep, size_t i)
{
        const struct fl_record *r = &rep->records[i];
        size_t *open;

        if (r->call == FL_CALL_INHERIT && r->aux == FL_AUDIT_ARGV) {
                *map_slot(&rep->open_group, thread_key(r), 1) = i + 1;
                *map_slot(r->fd2 == FL_CALL_EXEC ? &rep->last_exec : &rep->last_spawn,
                          (uint64_t)r->pid, 1) = i + 1;
        } else if (r->call == FL_CALL_INHERIT && r->aux == FL_AUDIT_PARENT) {
                if ((open = map_slot(&rep->open_group, thread_key(r), 0)))
                        rep->group_of[i] = (uint32_t)*open;
        } else if (r->call == FL_CALL_EXEC && r->result < 0) {
                if ((open = map_slot(&rep->open_group, thread_key(r), 0)) && *open)
                        rep->group_state[*open - 1] = 2;
        } else if (r->call == FL_CALL_START) {
                size_t *g = map_slot(&rep->last_exec, (uint64_t)r->pid, 0);
                size_t *sp = map_slot(&rep->last_spawn, (uint64_t)r->child_pid, 0);

                if (g && *g && rep->group_state[*g - 1] == 0)
                        rep->group_state[*g - 1] = 1;
                else if (sp && *sp && rep->group_state[*sp - 1] == 0)
                        rep->group_state[*sp - 1] = 1;
        }
}

static void note_record(struct report *rep, size_t i)
{
        const struct fl_record *r = &rep->records[i];

        note_group(rep, i);

        if (r->call == FL_CALL_START && r->pid > 0) {
                *map_slot(&rep->programs, (uint64_t)r->pid, 1) = i;
                rep->images++;
        } else if ((r->call == FL_CALL_FORK || r->call == FL_CALL_VFORK ||
                    r->call == FL_CALL_CLONE) &&
                   r->result > 0) {
                /* A fork child runs its parent's program until it execs. */
                size_t *parent = map_slot(&rep->programs, (uint64_t)r->pid, 0);

                if (parent)
                        *map_slot(&rep->programs, (uint64_t)r->result, 1) = *parent;
                *map_slot(&rep->parents, (uint64_t)r->result, 1) = (size_t)r->pid;
        } else if (creates_fd(r)) {
                *map_slot(&rep->origins, r->ino, 1) = i;
                if (r->call == FL_CALL_SOCKETPAIR && r->aux != 0)
                        *map_slot(&rep->origins, (uint64_t)(uint32_t)r->aux, 1) = i;
        }
}

static void report_fd(struct report *rep, const struct fl_record *r, int32_t *last_leaking_pid)
{
        size_t *at = r->ino ? map_slot(&rep->origins, r->ino, 0) : NULL;
        const struct fl_record *origin = at ? &rep->records[*at] : NULL;

        if (r->decision == FL_DEC_LEAK) {
                rep->leaks++;
                if (*last_leaking_pid != r->pid)
                        rep->images_leaking++;
                *last_leaking_pid = r->pid;
        } else {
                rep->passed++;
        }
        if (rep->o->json)
                print_json(rep, r, origin);
        else if (r->decision == FL_DEC_LEAK || rep->o->verbose)
                print_text(rep, r, origin);
}

static void report_parent_view(struct report *rep, const struct fl_record *r,
                               int32_t *last_leaking_pid)
{
        struct fl_record copy = *r;
        size_t *parent = map_slot(&rep->parents, (uint64_t)r->pid, 0);

        copy.child_pid = parent ? (int32_t)*parent : 0;
        rep->group_of[rep->count] = rep->group_of[r - rep->records];
        rep->texts[rep->count] = rep->texts[r - rep->records];
        rep->records[rep->count] = copy; /* room: load_records keeps one spare slot */
        report_fd(rep, &rep->records[rep->count], last_leaking_pid);
}

static void summary(struct report *rep, int status, bool ran)
{
        const struct fl_ring_stats *st = &rep->reader->stats;

        if (rep->o->json) {
                printf("{\"summary\":true,\"leaks\":%lu,\"images_leaking\":%lu,\"passed\":%lu,"
                       "\"images\":%lu,\"records\":%zu,\"lost\":%llu",
                       rep->leaks, rep->images_leaking, rep->passed, rep->images, rep->count,
                       (unsigned long long)(st->overwritten + st->lost));
                if (ran)
                        printf(",\"status\":%d", status);
                printf("}\n");
        } else if (rep->leaks) {
                printf("forklock audit: %lu leak%s in %lu image%s (%lu images started, %lu fd%s "
                       "passed on purpose)\n",
                       rep->leaks, rep->leaks == 1 ? "" : "s", rep->images_leaking,
                       rep->images_leaking == 1 ? "" : "s", rep->images, rep->passed,
                       rep->passed == 1 ? "" : "s");
        } else {
                printf(
                    "forklock audit: no leaks (%lu images started, %lu fd%s passed on purpose)\n",
                    rep->images, rep->passed, rep->passed == 1 ? "" : "s");
        }
        if (!rep->o->json && ran)
                printf("forklock audit: command exited with status %d\n", status);
        if (rep->images == 0)
                fputs("forklock audit: note: no program started with libforklock (a static binary? "
                      "setuid?); nothing was audited\n",
                      stderr);
        if (st->overwritten + st->lost)
                fprintf(
                    stderr,
                    "forklock audit: note: the ring overwrote %llu records; raise FORKLOCK_RING "
                    "for a complete report\n",
                    (unsigned long long)(st->overwritten + st->lost));
}

static void map_free(struct map *m)
{
        free(m->keys);
        free(m->values);
}

static void report_free(struct report *rep)
{
        struct map *maps[] = {&rep->programs,   &rep->origins,   &rep->parents,
                              &rep->open_group, &rep->last_exec, &rep->last_spawn};

        for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
                map_free(maps[i]);
        for (size_t i = 0; rep->texts && i < rep->count; i++) /* [count]: a borrowed copy */
                free(rep->texts[i]);
        free(rep->texts);
        free(rep->group_of);
        free(rep->group_state);
        free(rep->records);
        if (rep->reader)
                fl_ring_reader_close(rep->reader);
}

static int report_records(struct report *rep, int status, bool ran)
{
        int32_t last_leaking_pid = 0;

        map_init(&rep->programs, rep->count / 4 + 16);
        map_init(&rep->origins, rep->count + 16);
        map_init(&rep->parents, rep->count / 4 + 16);
        map_init(&rep->open_group, rep->count / 4 + 16);
        map_init(&rep->last_exec, rep->count / 4 + 16);
        map_init(&rep->last_spawn, rep->count / 4 + 16);
        rep->group_of = calloc(rep->count + 1, sizeof(*rep->group_of));
        rep->group_state = calloc(rep->count + 1, 1);
        if (!rep->group_of || !rep->group_state || assemble_texts(rep) < 0)
                return 2;
        for (size_t i = 0; i < rep->count; i++) {
                const struct fl_record *r = &rep->records[i];

                note_record(rep, i);
                if (r->call == FL_CALL_INHERIT && r->aux == FL_AUDIT_CHILD)
                        report_fd(rep, r, &last_leaking_pid);
        }
        /* Images that kept no record (a server that dropped privileges cannot open the ring; a
         * static binary never loads the library): the parent's view at exec stands in. */
        for (size_t i = 0; i < rep->count; i++)
                if (rep->group_of[i] && rep->group_state[rep->group_of[i] - 1] == 0 &&
                    rep->records[rep->group_of[i] - 1].fd2 == FL_CALL_EXEC)
                        report_parent_view(rep, &rep->records[i], &last_leaking_pid);
        summary(rep, status, ran);
        fflush(stdout);
        if (rep->leaks)
                return LEAK_STATUS;
        return ran ? status : 0;
}

/* What the images said (bad FORKLOCK_* values, unusable ring files): each distinct text once. */
static void print_warnings(const struct report *rep)
{
        struct warnings w;

        warnings_init(&w);
        for (size_t i = 0; i < rep->count; i++)
                warnings_feed(&w, &rep->records[i]);
        warnings_print(&w, stderr);
        warnings_free(&w);
}

static int report(const struct options *o, const char *path, int status, bool ran)
{
        struct report rep = {.o = o, .self = getpid()};
        int result;

        if (load_records(&rep, path) < 0) {
                report_free(&rep);
                return 2;
        }
        result = report_records(&rep, status, ran);
        print_warnings(&rep);
        report_free(&rep);
        return result;
}

int main(int argc, char **argv)
{
        struct options o;
        const char *path;
        int status;

        fl_warn_set_sink(fl_warn_to_fd);
        if (parse_options(argc, argv, &o) != 0)
                return 2;
        if (o.from)
                return report(&o, o.from, 0, false);
        if (!o.libdir)
                o.libdir = default_libdir();
        path = o.log ? o.log : make_ring_path();
        if (!path || prepare_environment(&o, path) < 0)
                return 2;
        if (!o.quiet)
                fprintf(stderr, "forklock audit: ring: %s\n", path);
        status = run_command(&o);
        return report(&o, path, status, true);
}
