/* forklock-dump: print a ring file. `forklock dump ...` execs this with the same arguments.
 * Exit status: 0 done, 2 bad option or a file that is not a readable ring, 1 output error. */
#include "lib/dump_format.h"
#include "lib/rings.h"
#include "lib/texts.h"
#include "lib/tree.h"
#include "lib/views.h"
#include "ring_reader.h"
#include "text_record.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define POLL_NS 100000000 /* --follow: 10 polls a second */

struct options {
        int json, follow, tree;
        int pid_set, pid;
        int call; /* -1: all */
        const char *path;
};

static volatile sig_atomic_t stop;
static const char *bus_path = "ring";

static void usage(FILE *out)
{
        fputs("usage: forklock dump [--json] [--follow] [--pid=N] [--call=NAME] FILE\n"
              "       forklock dump --tree FILE\n"
              "Print the records of a forklock ring file, oldest first.\n"
              "  --json       one JSON object per line (seq, ts_ns, pid, tid, call, fd, result,\n"
              "               errno, decision, ...) and no summary\n"
              "  --follow     keep printing new records until interrupted (SIGINT/SIGTERM)\n"
              "  --pid=N      only records of process N\n"
              "  --call=NAME  only records of one call (socket, accept4, fork, exec, ...)\n"
              "  --tree       the process tree instead (how each image started, the fds that\n"
              "               crossed into it, leaks marked) and the leaks grouped by origin\n"
              "  --help       this text\n"
              "Exit status: 0 success, 2 bad option or not a readable ring file.\n",
              out);
}

static int bad_option(const char *fmt, const char *what)
{
        fputs("forklock dump: ", stderr);
        fprintf(stderr, fmt, what);
        fputs("\n(try forklock dump --help)\n", stderr);
        return 2;
}

static int parse_pid(const char *text, int *pid)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(text, &end, 10);
        if (errno || end == text || *end || v < 0 || v > INT_MAX)
                return -1;
        *pid = (int)v;
        return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
        static const struct option longopts[] = {
            {"json", no_argument, NULL, 'j'},
            {"follow", no_argument, NULL, 'f'},
            {"pid", required_argument, NULL, 'p'},
            {"call", required_argument, NULL, 'c'},
            {"help", no_argument, NULL, 'h'},
            {"tree", no_argument, NULL, 't'},
            {NULL, 0, NULL, 0},
        };
        int c;

        memset(o, 0, sizeof(*o));
        o->call = -1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
                switch (c) {
                case 'j':
                        o->json = 1;
                        break;
                case 'f':
                        o->follow = 1;
                        break;
                case 't':
                        o->tree = 1;
                        break;
                case 'p':
                        if (parse_pid(optarg, &o->pid) < 0)
                                return bad_option("--pid: '%s' is not a process id", optarg);
                        o->pid_set = 1;
                        break;
                case 'c':
                        if ((o->call = fl_call_from_name(optarg)) < 0)
                                return bad_option("--call: unknown call '%s'", optarg);
                        break;
                case 'h':
                        usage(stdout);
                        exit(0);
                default:
                        if (optopt && strchr("pc", optopt) == NULL)
                                return bad_option("unknown option '-%c'", (char[]){optopt, 0});
                        return bad_option(optopt ? "option '%s' needs a value"
                                                 : "unknown option '%s'",
                                          argv[optind - 1]);
                }
        }
        if (optind != argc - 1)
                return bad_option("%s", optind == argc ? "missing FILE" : "more than one FILE");
        o->path = argv[optind];
        if (o->tree && (o->json || o->follow || o->pid_set || o->call >= 0))
                return bad_option("%s", "--tree draws the whole ring: it takes no other option");
        return 0;
}

/* The tree reads the ring as the audit does: with the drop rings beside it, texts whole. */
static int print_tree(const char *path)
{
        static struct fl_ring_reader reader;
        struct rings rs;
        char err[256], **texts;

        if (rings_load(&rs, path, &reader, err, sizeof(err)) < 0) {
                fprintf(stderr, "forklock dump: %s\n", err);
                return 2;
        }
        rings_recorrelate(&rs);
        texts = texts_assemble(rs.records, rs.count);
        tree_print(stdout,
                   &(struct tree_input){rs.records, rs.count, texts, 0, NULL, 0, FL_SCOPE_SOCKETS});
        texts_free(texts, rs.count);
        rings_free(&rs);
        fl_ring_reader_close(&reader);
        return 0;
}

static void on_stop(int sig)
{
        (void)sig;
        stop = 1;
}

/* A ring truncated by someone else while mapped: report, do not dump core. */
static void on_bus(int sig)
{
        static const char a[] = "forklock dump: ", b[] = ": file shrank while being read\n";

        (void)sig;
        (void)!write(2, a, sizeof(a) - 1);
        (void)!write(2, bus_path, strlen(bus_path));
        (void)!write(2, b, sizeof(b) - 1);
        _exit(2);
}

static void install_signals(void)
{
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_bus;
        sigaction(SIGBUS, &sa, NULL);
        sa.sa_handler = on_stop; /* no SA_RESTART: the poll sleep ends at once */
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
}

struct counts {
        uint64_t shown;
        uint64_t by_decision[FL_DEC_COUNT + 1];
};

static int wanted(const struct options *o, const struct fl_record *rec)
{
        return (!o->pid_set || rec->pid == o->pid) && (o->call < 0 || rec->call == o->call);
}

/* One pass's records, so that --json can give each record its whole text: a text longer than a
 * record continues in FL_CALL_TEXT records (shim/ring/text_record.h), merged into the record they
 * continue when it is in the same pass, shown on their own otherwise. */
struct batch {
        struct fl_record *recs;
        char **texts;
        size_t n, cap;
        unsigned held_polls;
};

static int batch_add(struct batch *b, const struct fl_record *rec)
{
        if (b->n == b->cap) {
                size_t cap = b->cap ? 2 * b->cap : 1024;
                struct fl_record *more = realloc(b->recs, cap * sizeof(*more));

                if (!more)
                        return -1;
                b->recs = more;
                b->cap = cap;
        }
        b->recs[b->n++] = *rec;
        return 0;
}

static struct fl_record *batch_find(struct batch *b, size_t before, uint64_t seq)
{
        for (size_t i = before; i-- > 0;) /* continuations follow their record closely */
                if (b->recs[i].seq == seq)
                        return &b->recs[i];
        return NULL;
}

static bool batch_merge(struct batch *b, size_t i)
{
        struct fl_record *base = batch_find(b, i, fl_text_record_continues(&b->recs[i]));
        char **full;
        size_t had, add;
        char *more;

        if (!base || base->call == FL_CALL_TEXT)
                return false;
        full = &b->texts[base - b->recs];
        had = *full ? strlen(*full) : strnlen(base->text, FL_RECORD_TEXT);
        add = strnlen(b->recs[i].text, FL_RECORD_TEXT);
        if (!(more = realloc(*full, had + add + 1)))
                return false;
        if (!*full)
                memcpy(more, base->text, had);
        memcpy(more + had, b->recs[i].text, add);
        more[had + add] = '\0';
        *full = more;
        return true;
}

static void print_one(struct fl_ring_reader *r, const struct options *o, struct counts *n,
                      const struct fl_record *rec, const char *text, enum names_view view)
{
        enum fl_decision shown = names_shown_decision(rec, view);

        if (!wanted(o, rec))
                return;
        n->shown++;
        n->by_decision[shown < FL_DEC_COUNT ? shown : FL_DEC_COUNT]++;
        if (o->json)
                dump_json_line_view(stdout, r, rec, text, view);
        else
                dump_table_row_view(stdout, r, rec, view);
}

/* --follow: the records from the first exec whose new image has not started yet are held back
 * (at most HOLD_POLLS polls), so that its fds are shown once, from the image's own view, and not
 * first from the parent's. An exec with no fd after its argv yet is held one poll: its fds, if
 * any, were being written right behind the argv; with none, the image has nothing to say and
 * never starts on the record. Returns the index of the first record held (b->n: none). */
#define HOLD_POLLS 10

static size_t held_from(const struct batch *b, const uint8_t *view)
{
        size_t hold = b->n;

        for (size_t i = 0; i < b->n && i < hold; i++)
                if (view[i] == NAMES_VIEW_ARGV_ALONE ||
                    (view[i] == NAMES_VIEW_ARGV_QUIET && b->held_polls < 1))
                        hold = i;
        return hold;
}

static void print_batch(struct fl_ring_reader *r, const struct options *o, struct counts *n,
                        struct batch *b, bool final)
{
        uint8_t *view = calloc(b->n + 1, 1);
        uint32_t *group_of = calloc(b->n + 1, sizeof(*group_of));
        bool *merged = calloc(b->n + 1, sizeof(*merged));
        size_t upto = b->n;

        b->texts = calloc(b->n + 1, sizeof(*b->texts));
        if (!view || !group_of) {
                fputs("forklock dump: out of memory\n", stderr);
                exit(2);
        }
        views_resolve(b->recs, b->n, view, group_of);
        if (!final && b->held_polls < HOLD_POLLS)
                upto = held_from(b, view);
        b->held_polls = upto < b->n ? b->held_polls + 1 : 0;
        for (size_t i = 0; o->json && b->texts && merged && i < upto; i++)
                merged[i] = fl_text_record_continues(&b->recs[i]) && batch_merge(b, i);
        for (size_t i = 0; i < upto; i++)
                if (!(merged && merged[i]))
                        print_one(r, o, n, &b->recs[i], b->texts ? b->texts[i] : NULL, view[i]);
        for (size_t i = 0; b->texts && i < b->n; i++)
                free(b->texts[i]);
        free(b->texts);
        b->texts = NULL;
        memmove(b->recs, b->recs + upto, (b->n - upto) * sizeof(*b->recs));
        b->n -= upto;
        free(merged);
        free(view);
        free(group_of);
        fflush(stdout);
}

static void print_pending(struct fl_ring_reader *r, const struct options *o, struct counts *n,
                          struct batch *b, bool final)
{
        struct fl_record rec;

        while (fl_ring_reader_next(r, &rec))
                if (batch_add(b, &rec) < 0)
                        break;
        print_batch(r, o, n, b, final);
}

static int follow(struct fl_ring_reader *r, const struct options *o, struct counts *n,
                  struct batch *b)
{
        char err[256];

        while (!stop) {
                struct timespec pause = {0, POLL_NS};

                nanosleep(&pause, NULL);
                if (stop)
                        break;
                if (fl_ring_reader_poll(r, err, sizeof(err)) < 0) {
                        fprintf(stderr, "forklock dump: %s: %s\n", o->path, err);
                        return 2;
                }
                print_pending(r, o, n, b, false);
        }
        print_batch(r, o, n, b, true);
        return 0;
}

int main(int argc, char **argv)
{
        struct fl_ring_reader r;
        struct options o;
        struct counts n;
        struct batch b = {0};
        char err[256];
        int status;

        if ((status = parse_options(argc, argv, &o)) != 0)
                return status;
        bus_path = o.path;
        install_signals();
        if (o.tree && (status = print_tree(o.path)) != 0)
                return status;
        if (o.tree)
                return fflush(stdout) == EOF || ferror(stdout) ? 1 : 0;
        if (fl_ring_reader_open(&r, o.path, err, sizeof(err)) < 0) {
                fprintf(stderr, "forklock dump: %s\n", err);
                return 2;
        }
        memset(&n, 0, sizeof(n));
        if (!o.json)
                dump_table_heading(stdout);
        print_pending(&r, &o, &n, &b, !o.follow);
        if (o.follow)
                status = follow(&r, &o, &n, &b);
        free(b.recs);
        if (!o.json && status == 0)
                dump_summary(stdout, &r.stats, n.shown, n.by_decision);
        fl_ring_reader_close(&r);
        if (status == 0 && (fflush(stdout) == EOF || ferror(stdout))) {
                fprintf(stderr, "forklock dump: write error: %s\n", strerror(errno));
                return 1;
        }
        return status;
}
