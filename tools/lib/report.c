#include "report.h"

#include "audit.h"
#include "fix_scope.h"
#include "idmap.h"
#include "fdinfo.h"
#include "inherit.h"
#include "rings.h"
#include "ring.h"
#include "ring_reader.h"
#include "texts.h"
#include "tree.h"
#include "unloaded.h"
#include "views.h"
#include "warnings.h"

#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* pid -> program (index of its latest START), ino -> origin, ... (tools/lib/idmap.h) */
struct report {
        const struct report_options *o;
        struct fl_ring_reader *reader;
        struct fl_record *records;
        size_t count;
        struct idmap programs, origins, parents;
        char **texts;       /* record -> its text with continuations, or NULL: its own */
        uint32_t *group_of; /* record -> index of its ARGV record + 1, 0 for none */
        uint8_t *view;      /* record -> enum names_view (tools/lib/views.h) */
        uint32_t *previous; /* START record -> index + 1 of the image its pid ran before, 0 */
        pid_t self;
        unsigned long leaks, passed, held, images, images_leaking;
        unsigned long leaks_needing_all; /* leaks only scope all closes */
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

/* ---- long texts: a record and its FL_CALL_TEXT continuations (shim/ring/text_record.h) ---- */

static const char *text_of(const struct report *rep, const struct fl_record *r)
{
        const char *full = rep->texts ? rep->texts[r - rep->records] : NULL;

        return full ? full : r->text;
}

static int assemble_texts(struct report *rep)
{
        rep->texts = texts_assemble(rep->records, rep->count);
        return rep->texts ? 0 : -1;
}

static const char *base_name(const char *path)
{
        const char *slash = strrchr(path, '/');

        return slash && slash[1] ? slash + 1 : path;
}

static const char *program_of(struct report *rep, int32_t pid)
{
        size_t *at = pid > 0 ? idmap_slot(&rep->programs, (uint64_t)pid, 0) : NULL;

        if (at)
                return rep->records[*at].text[0] ? text_of(rep, &rep->records[*at]) : "?";
        return pid == rep->self ? "forklock-audit" : "?";
}

/* Who handed the fd over: the image the same pid ran before this one (the fork child of its
 * parent, or the program that exec'd in place), else the parent process as far as it is known. */
static const char *from_program(struct report *rep, const struct fl_record *r, char *buf,
                                size_t size)
{
        size_t *at = r->pid > 0 ? idmap_slot(&rep->programs, (uint64_t)r->pid, 0) : NULL;
        char path[64];
        FILE *f;

        if (at && rep->records[*at].pid == r->pid && rep->previous[*at])
                return base_name(text_of(rep, &rep->records[rep->previous[*at] - 1]));
        if (r->child_pid == rep->self)
                return "forklock-audit";
        if ((at = r->child_pid > 0 ? idmap_slot(&rep->programs, (uint64_t)r->child_pid, 0) : NULL))
                return base_name(text_of(rep, &rep->records[*at]));
        snprintf(path, sizeof(path), "/proc/%d/comm", r->child_pid);
        if (r->child_pid > 1 && (f = fopen(path, "r"))) {
                char comm[32] = "";

                if (fgets(comm, sizeof(comm), f))
                        comm[strcspn(comm, "\n")] = '\0';
                fclose(f);
                if (comm[0]) {
                        snprintf(buf, size, "%s, outside forklock", comm);
                        return buf;
                }
        }
        return "outside forklock";
}

/* The argv the parent recorded at exec, for the parent's view of an fd; NULL otherwise. */
static const char *exec_argv(const struct report *rep, const struct fl_record *r)
{
        if (r->aux != FL_AUDIT_PARENT || !rep->group_of[r - rep->records])
                return NULL;
        return text_of(rep, &rep->records[rep->group_of[r - rep->records] - 1]);
}

/* Why the image the parent's view of an fd stands in for ran without the library, or NULL. */
static const char *unloaded(const struct report *rep, const struct fl_record *r)
{
        const char *argv = exec_argv(rep, r);
        size_t group = rep->group_of[r - rep->records];

        return argv ? unloaded_why(argv, rep->texts[group - 1] ? SIZE_MAX : FL_RECORD_TEXT) : NULL;
}

/* The image an fd reached: its START, or for the parent's view the exec'd path (first word). */
static const char *reached_program(struct report *rep, const struct fl_record *r)
{
        static char first[PATH_MAX];
        const char *argv = exec_argv(rep, r);
        size_t n;

        if (!argv)
                return program_of(rep, r->pid);
        n = strcspn(argv, " ");
        if (n >= sizeof(first))
                n = sizeof(first) - 1;
        memcpy(first, argv, n);
        first[n] = '\0';
        return first;
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

static void json_string(FILE *out, const char *s)
{
        fputc('"', out);
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (c == '"' || c == '\\')
                        fprintf(out, "\\%c", c);
                else if (c < 0x20 || c >= 0x7f)
                        fprintf(out, "\\u%04x", c);
                else
                        fputc(c, out);
        }
        fputc('"', out);
}

static const char *hint(const struct report *rep, const struct fl_record *r,
                        const struct fl_record *origin)
{
        return fix_scope_hint(fix_scope_needed(r->protocol, origin != NULL), rep->o->scope);
}

/* An image that kept no record: not under forklock at all, where its file tells. */
static void seen_at_exec(const struct report *rep, const struct fl_record *r)
{
        const char *why = unloaded(rep, r);

        if (why)
                fprintf(rep->o->out, ", seen at exec, not under forklock (%s)", why);
        else
                fprintf(rep->o->out, ", seen at exec (the new image kept no record of its own)");
}

/* "preloaded": true for an image's own record, false where its file says the library cannot be
 * loaded there, null when it kept no record for a reason the file does not tell. */
static void print_json_preloaded(const struct report *rep, const struct fl_record *r)
{
        const char *why = unloaded(rep, r);

        fprintf(rep->o->out, ",\"preloaded\":%s,\"why\":",
                r->aux != FL_AUDIT_PARENT ? "true"
                : why                     ? "false"
                                          : "null");
        if (why)
                json_string(rep->o->out, why);
        else
                fprintf(rep->o->out, "null");
}

static void print_text(struct report *rep, const struct fl_record *r,
                       const struct fl_record *origin, bool held)
{
        FILE *out = rep->o->out;
        bool leak = r->decision == FL_DEC_LEAK;
        char from[64];

        fprintf(out, "%s: fd %d (%s %s",
                held   ? "already open when audit started"
                : leak ? "leak"
                       : "passed",
                r->fd, fl_fd_kind_name((enum fl_fd_kind)r->protocol), text_of(rep, r));
        if (is_socket_kind(r->protocol))
                fprintf(out, ", %s", state_name(r));
        fprintf(out, ") reached %s (pid %d) from %s (pid %d)", reached_program(rep, r), r->pid,
                from_program(rep, r, from, sizeof(from)), r->child_pid);
        if (r->aux == FL_AUDIT_PARENT)
                seen_at_exec(rep, r);
        if (held)
                fprintf(out, "; not the command's leak\n");
        if (held)
                return;
        if (!leak)
                fprintf(out, ", passed on purpose (%s)",
                        fl_pass_reason_name((enum fl_pass_reason)r->flags_asked));
        if (origin)
                fprintf(out, "; created by %s() in pid %d at %+.3fs",
                        fl_call_name((enum fl_call)origin->call), origin->pid,
                        (double)fl_ring_reader_rel_ns(rep->reader, origin->ts_ns) / 1e9);
        else
                fprintf(out, "; origin unknown (not created by a wrapped call under forklock)");
        if (leak)
                fprintf(out, "; %s", hint(rep, r, origin));
        fputc('\n', out);
}

static void print_json(struct report *rep, const struct fl_record *r,
                       const struct fl_record *origin, bool held)
{
        FILE *out = rep->o->out;
        bool leak = r->decision == FL_DEC_LEAK && !held;
        char from[64];

        fprintf(out, "{\"fd\":%d,\"kind\":", r->fd);
        json_string(out, fl_fd_kind_name((enum fl_fd_kind)r->protocol));
        fprintf(out, ",\"description\":");
        json_string(out, text_of(rep, r));
        fprintf(out, ",\"state\":");
        if (is_socket_kind(r->protocol))
                json_string(out, state_name(r));
        else
                fprintf(out, "null");
        fprintf(out, ",\"ino\":%llu,\"program\":", (unsigned long long)r->ino);
        json_string(out, reached_program(rep, r));
        fprintf(out, ",\"pid\":%d,\"parent_program\":", r->pid);
        json_string(out, from_program(rep, r, from, sizeof(from)));
        fprintf(out, ",\"parent_pid\":%d,\"intent\":\"%s\",\"reason\":", r->child_pid,
                held   ? "held"
                : leak ? "leak"
                       : "passed");
        if (leak || held)
                fprintf(out, "null");
        else
                json_string(out, fl_pass_reason_name((enum fl_pass_reason)r->flags_asked));
        fprintf(out, ",\"seq\":%llu,\"origin\":", (unsigned long long)r->seq);
        if (origin)
                fprintf(
                    out,
                    "{\"call\":\"%s\",\"pid\":%d,\"tid\":%d,\"fd\":%d,\"seq\":%llu,\"at_s\":%.6f}",
                    fl_call_name((enum fl_call)origin->call), origin->pid, origin->tid,
                    origin->result >= 0 && origin->call != FL_CALL_SOCKETPAIR ? origin->result
                                                                              : origin->fd,
                    (unsigned long long)origin->seq,
                    (double)fl_ring_reader_rel_ns(rep->reader, origin->ts_ns) / 1e9);
        else
                fprintf(out, "null");
        fprintf(out, ",\"fixed_by\":");
        if (leak)
                json_string(out, fl_scope_name(fix_scope_needed(r->protocol, origin != NULL)));
        else
                fprintf(out, "null");
        print_json_preloaded(rep, r);
        fprintf(out, "}\n");
}

static bool creates_fd(const struct fl_record *r)
{
        return r->result >= 0 && r->ino != 0 &&
               (r->call == FL_CALL_SOCKET || r->call == FL_CALL_SOCKETPAIR ||
                r->call == FL_CALL_ACCEPT || r->call == FL_CALL_ACCEPT4);
}

/* Whether child already recorded an image of its own started from parent: a fork child that
 * execs often records its START before the parent writes the fork record. */
static bool started_by(struct report *rep, int32_t child, int32_t parent)
{
        size_t *at = child > 0 ? idmap_slot(&rep->programs, (uint64_t)child, 0) : NULL;
        const struct fl_record *image = at ? &rep->records[*at] : NULL;

        return image && image->call == FL_CALL_START && image->pid == child &&
               image->child_pid == parent;
}

static void note_record(struct report *rep, size_t i)
{
        const struct fl_record *r = &rep->records[i];

        if (r->call == FL_CALL_START && r->pid > 0) {
                size_t *before = idmap_slot(&rep->programs, (uint64_t)r->pid, 0);

                rep->previous[i] = before ? (uint32_t)*before + 1 : 0;
                *idmap_slot(&rep->programs, (uint64_t)r->pid, 1) = i;
                rep->images++;
        } else if ((r->call == FL_CALL_FORK || r->call == FL_CALL_VFORK ||
                    r->call == FL_CALL_CLONE) &&
                   r->result > 0) {
                /* A fork child runs its parent's program until it execs. */
                size_t *parent = idmap_slot(&rep->programs, (uint64_t)r->pid, 0);

                if (parent && !started_by(rep, r->result, r->pid))
                        *idmap_slot(&rep->programs, (uint64_t)r->result, 1) = *parent;
                *idmap_slot(&rep->parents, (uint64_t)r->result, 1) = (size_t)r->pid;
        } else if (creates_fd(r)) {
                *idmap_slot(&rep->origins, r->ino, 1) = i;
                if (r->call == FL_CALL_SOCKETPAIR && r->aux != 0)
                        *idmap_slot(&rep->origins, (uint64_t)(uint32_t)r->aux, 1) = i;
        }
}

static bool held_by_caller(const struct report *rep, uint64_t ino)
{
        for (size_t i = 0; ino && i < rep->o->held_count; i++)
                if (rep->o->held_ino[i] == ino)
                        return true;
        return false;
}

static void report_fd(struct report *rep, const struct fl_record *r, int32_t *last_leaking_pid)
{
        size_t *at = r->ino ? idmap_slot(&rep->origins, r->ino, 0) : NULL;
        const struct fl_record *origin = at ? &rep->records[*at] : NULL;
        bool held = !origin && r->decision == FL_DEC_LEAK && held_by_caller(rep, r->ino);

        if (held) {
                rep->held++;
        } else if (r->decision == FL_DEC_LEAK) {
                rep->leaks++;
                if (fix_scope_needed(r->protocol, origin != NULL) == FL_SCOPE_ALL)
                        rep->leaks_needing_all++;
                if (*last_leaking_pid != r->pid)
                        rep->images_leaking++;
                *last_leaking_pid = r->pid;
        } else {
                rep->passed++;
        }
        if (rep->o->json)
                print_json(rep, r, origin, held);
        else if (!rep->o->tree && (r->decision == FL_DEC_LEAK || rep->o->verbose))
                print_text(rep, r, origin, held);
}

static void report_parent_view(struct report *rep, const struct fl_record *r,
                               int32_t *last_leaking_pid)
{
        struct fl_record copy = *r;
        size_t *parent = idmap_slot(&rep->parents, (uint64_t)r->pid, 0);

        copy.child_pid = parent ? (int32_t)*parent : 0;
        rep->group_of[rep->count] = rep->group_of[r - rep->records];
        rep->texts[rep->count] = rep->texts[r - rep->records];
        rep->records[rep->count] = copy; /* room: load_records keeps one spare slot */
        report_fd(rep, &rep->records[rep->count], last_leaking_pid);
}

static enum fl_scope recommended(const struct report *rep)
{
        return rep->leaks_needing_all ? FL_SCOPE_ALL : FL_SCOPE_SOCKETS;
}

/* The smallest scope that closes every leak found. */
static void recommend(const struct report *rep)
{
        FILE *out = rep->o->out;

        if (recommended(rep) == FL_SCOPE_SOCKETS)
                fputs("forklock audit: the default scope closes every leak found\n", out);
        else if (rep->o->scope == FL_SCOPE_ALL)
                fputs("forklock audit: the current scope (all) closes every leak found\n", out);
        else
                fprintf(out,
                        "forklock audit: run with --scope=all to close all %lu leak%s (the default "
                        "scope closes %lu)\n",
                        rep->leaks, rep->leaks == 1 ? "" : "s",
                        rep->leaks - rep->leaks_needing_all);
}

static void summary(struct report *rep, int status, bool ran)
{
        FILE *out = rep->o->out;
        const struct fl_ring_stats *st = &rep->reader->stats;

        if (rep->o->json) {
                fprintf(out,
                        "{\"summary\":true,\"leaks\":%lu,\"images_leaking\":%lu,\"passed\":%lu,"
                        "\"held\":%lu,\"images\":%lu,\"records\":%zu,\"lost\":%llu",
                        rep->leaks, rep->images_leaking, rep->passed, rep->held, rep->images,
                        rep->count, (unsigned long long)(st->overwritten + st->lost));
                if (ran)
                        fprintf(out, ",\"status\":%d", status);
                fprintf(out, ",\"recommended_scope\":");
                if (rep->leaks)
                        json_string(out, fl_scope_name(recommended(rep)));
                else
                        fprintf(out, "null");
                fprintf(out, "}\n");
        } else if (rep->leaks) {
                fprintf(out,
                        "forklock audit: %lu leak%s in %lu image%s (%lu images started, %lu fd%s "
                        "passed on purpose)\n",
                        rep->leaks, rep->leaks == 1 ? "" : "s", rep->images_leaking,
                        rep->images_leaking == 1 ? "" : "s", rep->images, rep->passed,
                        rep->passed == 1 ? "" : "s");
        } else {
                fprintf(
                    out,
                    "forklock audit: no leaks (%lu images started, %lu fd%s passed on purpose)\n",
                    rep->images, rep->passed, rep->passed == 1 ? "" : "s");
        }
        if (!rep->o->json && rep->leaks)
                recommend(rep);
        if (!rep->o->json && rep->held)
                fprintf(out,
                        "forklock audit: %lu fd%s already open when audit started (not counted)\n",
                        rep->held, rep->held == 1 ? "" : "s");
        if (!rep->o->json && ran)
                fprintf(out, "forklock audit: command exited with status %d\n", status);
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

static void report_free(struct report *rep)
{
        struct idmap *maps[] = {&rep->programs, &rep->origins, &rep->parents};

        for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
                idmap_free(maps[i]);
        for (size_t i = 0; rep->texts && i < rep->count; i++) /* [count]: a borrowed copy */
                free(rep->texts[i]);
        free(rep->texts);
        free(rep->group_of);
        free(rep->view);
        free(rep->previous);
        free(rep->records);
        if (rep->reader)
                fl_ring_reader_close(rep->reader);
}

static void print_tree(const struct report *rep)
{
        struct tree_input in = {rep->records,     rep->count,         rep->texts,   rep->self,
                                rep->o->held_ino, rep->o->held_count, rep->o->scope};

        tree_print(rep->o->out, &in);
        fputc('\n', rep->o->out);
}

static int report_records(struct report *rep, int status, bool ran)
{
        int32_t last_leaking_pid = 0;

        idmap_init(&rep->programs, rep->count / 4 + 16);
        idmap_init(&rep->origins, rep->count + 16);
        idmap_init(&rep->parents, rep->count / 4 + 16);
        rep->group_of = calloc(rep->count + 1, sizeof(*rep->group_of));
        rep->view = calloc(rep->count + 1, 1);
        rep->previous = calloc(rep->count + 1, sizeof(*rep->previous));
        if (!rep->group_of || !rep->previous || !rep->view || assemble_texts(rep) < 0)
                return 2;
        views_resolve(rep->records, rep->count, rep->view, rep->group_of);
        for (size_t i = 0; i < rep->count; i++) {
                const struct fl_record *r = &rep->records[i];

                note_record(rep, i);
                /* An image that inherited nothing and recorded nothing has no START of its own. */
                if (rep->view[i] == NAMES_VIEW_ARGV_QUIET)
                        rep->images++;
                if (r->call == FL_CALL_INHERIT && r->aux == FL_AUDIT_CHILD)
                        report_fd(rep, r, &last_leaking_pid);
        }
        /* Images that kept no record (a server that dropped privileges cannot open the ring; a
         * static binary never loads the library): the parent's view at exec stands in. */
        for (size_t i = 0; i < rep->count; i++)
                if (rep->view[i] == NAMES_VIEW_PARENT_ONLY)
                        report_parent_view(rep, &rep->records[i], &last_leaking_pid);
        if (rep->o->tree)
                print_tree(rep);
        summary(rep, status, ran);
        fflush(rep->o->out);
        if (rep->leaks)
                return rep->o->leak_status;
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

int report_ring(const struct report_options *o, const char *path, int status, bool ran)
{
        struct report rep = {.o = o, .self = o->self};
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

size_t report_held_fds(uint64_t *ino, size_t cap)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        size_t n = 0;

        if (!d)
                return 0;
        while ((e = readdir(d)) && n < cap) {
                int fd = atoi(e->d_name);
                struct stat st;

                if (fd >= 3 && fd != dirfd(d) && fstat(fd, &st) == 0)
                        ino[n++] = (uint64_t)st.st_ino;
        }
        closedir(d);
        return n;
}
