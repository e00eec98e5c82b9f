#include "tree.h"
#include "fix_scope.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "fdinfo.h"
#include "idmap.h"
#include "inherit.h"
#include "names.h"
#include "texts.h"
#include "unloaded.h"
#include "views.h"

#define NONE    SIZE_MAX
#define TEXTMAX 72 /* columns of argv or fd description shown */

struct image {
        size_t rec;    /* its START record, or the ARGV record of an image with no record */
        size_t parent; /* image index, or NONE */
        int32_t pid, parent_pid;
        enum fl_call how;    /* the creating call, FL_CALL_EXEC in place, FL_CALL_NONE unknown */
        size_t argv;         /* ARGV record index, or NONE */
        size_t child, next;  /* first child, next sibling */
        size_t fds, last_fd; /* its inherit records, linked through tree.next_fd */
        bool alone;          /* kept no record: the parent's view at exec stands in */
        bool quiet;          /* recorded nothing, and no fd crossed: nothing to say */
};

/* What a pid is running as the records go by. */
struct proc {
        size_t image;        /* its current image, NONE before its first exec */
        size_t parent_image; /* the image that created it (a fork child runs its program) */
        size_t since;        /* the record that created it or started its image */
        int32_t parent_pid;
        enum fl_call how;
};

struct tree {
        const struct tree_input *in;
        uint8_t *view;
        uint32_t *group_of;
        struct image *images;
        size_t n_images;
        size_t *image_of;  /* record -> image it belongs to (inherit records), or NONE */
        size_t *next_fd;   /* record -> the next inherit record of its image, or NONE */
        size_t *origin_in; /* record (creating an fd) -> image it ran in */
        struct proc *procs;
        size_t n_procs;
        struct idmap pids, origins, exec_argv, spawn_argv;
};

static void *zalloc(size_t n, size_t size)
{
        void *p = calloc(n + 1, size);

        if (!p) {
                fputs("forklock: out of memory\n", stderr);
                exit(2);
        }
        return p;
}

/* Text for a terminal: printable ASCII only, cut at max columns with "...". */
static void clean(char *dst, size_t size, const char *src, size_t srclen)
{
        size_t n = 0, len = strnlen(src, srclen);

        for (size_t i = 0; i < len && n + 1 < size; i++) {
                unsigned char c = (unsigned char)src[i];

                dst[n++] = c >= 0x20 && c < 0x7f ? (char)c : c == '\n' ? ' ' : '?';
        }
        dst[n] = '\0';
        if (len >= size && size > 4)
                memcpy(dst + size - 4, "...", 4);
}

static void text_of(const struct tree *t, size_t i, char *dst, size_t size)
{
        const char *text = texts_of(t->in->texts, t->in->recs, i);

        clean(dst, size, text, t->in->texts && t->in->texts[i] ? PATH_MAX * 4 : FL_RECORD_TEXT);
}

static const char *base_name(const char *path)
{
        const char *slash = strrchr(path, '/');

        return slash && slash[1] ? slash + 1 : path;
}

/* The program an image runs: the base name of its path, or of its argv's first word. */
static void image_name(const struct tree *t, const struct image *img, char *dst, size_t size)
{
        char text[PATH_MAX];

        text_of(t, img->rec, text, sizeof(text));
        if (img->alone)
                text[strcspn(text, " ")] = '\0';
        clean(dst, size, base_name(text), sizeof(text));
        if (!dst[0])
                snprintf(dst, size, "?");
}

static struct proc *proc_of(struct tree *t, int32_t pid, bool insert)
{
        size_t *at = pid > 0 ? idmap_slot(&t->pids, (uint64_t)(uint32_t)pid, insert) : NULL;

        if (!at)
                return NULL;
        if (*at == 0) {
                if (!insert)
                        return NULL;
                *at = ++t->n_procs;
                t->procs[*at - 1] = (struct proc){NONE, NONE, 0, 0, FL_CALL_NONE};
        }
        return &t->procs[*at - 1];
}

static size_t current_image(struct tree *t, int32_t pid)
{
        struct proc *p = proc_of(t, pid, false);

        if (!p)
                return NONE;
        return p->image != NONE ? p->image : p->parent_image;
}

static size_t take_argv(struct idmap *m, int32_t pid, size_t since)
{
        size_t *at = pid > 0 ? idmap_slot(m, (uint64_t)(uint32_t)pid, 0) : NULL;
        size_t argv;

        if (!at || !*at || *at - 1 < since)
                return NONE;
        argv = *at - 1;
        *at = 0;
        return argv;
}

static size_t add_image(struct tree *t, size_t rec, int32_t pid, bool alone)
{
        struct proc *p = proc_of(t, pid, true);
        struct image *img = &t->images[t->n_images];

        *img = (struct image){.rec = rec,
                              .parent = NONE,
                              .pid = pid,
                              .parent_pid = t->in->recs[rec].child_pid,
                              .how = FL_CALL_NONE,
                              .argv = NONE,
                              .child = NONE,
                              .next = NONE,
                              .fds = NONE,
                              .last_fd = NONE,
                              .alone = alone};
        if (p->image != NONE) {
                img->parent = p->image;
                img->how = FL_CALL_EXEC;
        } else if (p->how != FL_CALL_NONE) {
                img->parent = p->parent_image;
                img->how = p->how;
                img->parent_pid = p->parent_pid;
        } else {
                img->parent = current_image(t, img->parent_pid);
        }
        if (alone) {
                img->argv = rec;
                img->parent_pid = p->parent_pid;
        } else {
                img->argv = take_argv(&t->exec_argv, pid, p->since);
                if (img->argv == NONE && img->how != FL_CALL_EXEC)
                        img->argv = take_argv(&t->spawn_argv, img->parent_pid, 0);
        }
        p->image = t->n_images;
        p->since = rec;
        return t->n_images++;
}

/* A process-creating call. Its record may come after the child's first image (a vfork parent
 * records once the child has exec'd): then that image learns how it was started. */
/* A parent learnt late (note_created) may come after its child on the record: linked unless that
 * would make a loop (a reused pid). */
static bool under(const struct tree *t, size_t image, size_t k)
{
        for (size_t n = 0; image != NONE && n <= t->n_images; n++, image = t->images[image].parent)
                if (image == k)
                        return true;
        return false;
}

/* The image a spawn started that recorded nothing: its parent's argv record stands in. */
static void add_quiet_spawned(struct tree *t, const struct fl_record *r)
{
        size_t *at = idmap_slot(&t->spawn_argv, (uint64_t)(uint32_t)r->pid, 0);
        size_t argv, k;

        if (!at || !*at || t->view[*at - 1] != NAMES_VIEW_ARGV_QUIET)
                return;
        argv = *at - 1;
        *at = 0;
        k = add_image(t, argv, r->child_pid, true);
        t->images[k].quiet = true;
        t->image_of[argv] = k;
}

/* The first image a process ran on the record: its later ones descend from it by exec. */
static size_t first_image_of(const struct tree *t, size_t k)
{
        while (t->images[k].parent != NONE &&
               t->images[t->images[k].parent].pid == t->images[k].pid)
                k = t->images[k].parent;
        return k;
}

static void note_created(struct tree *t, size_t i)
{
        const struct fl_record *r = &t->in->recs[i];
        struct proc *c = proc_of(t, r->child_pid, true);
        size_t first_k = c && c->image != NONE ? first_image_of(t, c->image) : NONE;
        struct image *first = first_k != NONE ? &t->images[first_k] : NULL;

        if (!c)
                return;
        /* The image seen only at its exec, before its parent said it made the process (a vfork
         * parent, or one whose START waited for this record), learns its parent here. */
        if (first && c->how == FL_CALL_NONE && first->parent == NONE && first->parent_pid <= 0 &&
            !under(t, current_image(t, r->pid), first_k)) {
                first->parent = current_image(t, r->pid);
                first->parent_pid = r->pid;
        }
        if (first && c->how == FL_CALL_NONE && first->parent_pid == r->pid) {
                c->how = (enum fl_call)r->call;
                if (first->how == FL_CALL_NONE)
                        first->how = (enum fl_call)r->call;
                return;
        }
        /* since 0: a vfork child may have exec'd (its argv recorded) before this record */
        *c = (struct proc){NONE, current_image(t, r->pid), 0, r->pid, (enum fl_call)r->call};
        if (r->call == FL_CALL_POSIX_SPAWN || r->call == FL_CALL_SYSTEM || r->call == FL_CALL_POPEN)
                add_quiet_spawned(t, r);
}

static bool creates_process(const struct fl_record *r)
{
        return (r->call == FL_CALL_FORK || r->call == FL_CALL_VFORK || r->call == FL_CALL_CLONE ||
                r->call == FL_CALL_POSIX_SPAWN || r->call == FL_CALL_SYSTEM ||
                r->call == FL_CALL_POPEN) &&
               r->child_pid > 0;
}

static bool creates_fd(const struct fl_record *r)
{
        return r->result >= 0 && r->ino != 0 &&
               (r->call == FL_CALL_SOCKET || r->call == FL_CALL_SOCKETPAIR ||
                r->call == FL_CALL_ACCEPT || r->call == FL_CALL_ACCEPT4);
}

static void note_argv(struct tree *t, size_t i)
{
        const struct fl_record *r = &t->in->recs[i];

        /* A spawned image's argv is its parent's record, before the child has a pid: a quiet one
         * becomes an image with the record that names the child (note_created). */
        if (t->view[i] == NAMES_VIEW_ARGV_ALONE ||
            (t->view[i] == NAMES_VIEW_ARGV_QUIET && r->fd2 == FL_CALL_EXEC)) {
                t->image_of[i] = add_image(t, i, r->pid, true);
                t->images[t->image_of[i]].quiet = t->view[i] == NAMES_VIEW_ARGV_QUIET;
                return;
        }
        *idmap_slot(r->fd2 == FL_CALL_EXEC ? &t->exec_argv : &t->spawn_argv,
                    (uint64_t)(uint32_t)r->pid, 1) = i + 1;
}

static void note(struct tree *t, size_t i)
{
        const struct fl_record *r = &t->in->recs[i];

        if (r->call == FL_CALL_START && r->pid > 0) {
                add_image(t, i, r->pid, false);
        } else if (creates_process(r)) {
                note_created(t, i);
        } else if (creates_fd(r)) {
                t->origin_in[i] = current_image(t, r->pid);
                *idmap_slot(&t->origins, r->ino, 1) = i + 1;
                if (r->call == FL_CALL_SOCKETPAIR && r->aux)
                        *idmap_slot(&t->origins, (uint64_t)(uint32_t)r->aux, 1) = i + 1;
        } else if (t->view[i] == NAMES_VIEW_ARGV || t->view[i] == NAMES_VIEW_ARGV_ALONE ||
                   t->view[i] == NAMES_VIEW_ARGV_QUIET) {
                note_argv(t, i);
        } else if (t->view[i] == NAMES_VIEW_CHILD) {
                t->image_of[i] = current_image(t, r->pid);
        } else if (t->view[i] == NAMES_VIEW_PARENT_ONLY && t->group_of[i]) {
                t->image_of[i] = t->image_of[t->group_of[i] - 1];
        }
}

/* The fds that crossed into each image, in record order. */
static void link_fds(struct tree *t)
{
        for (size_t i = 0; i < t->in->count; i++) {
                struct image *img;

                if (t->image_of[i] == NONE || t->view[i] == NAMES_VIEW_ARGV_ALONE ||
                    t->view[i] == NAMES_VIEW_ARGV_QUIET)
                        continue;
                img = &t->images[t->image_of[i]];
                if (img->fds == NONE)
                        img->fds = i;
                else
                        t->next_fd[img->last_fd] = i;
                img->last_fd = i;
        }
}

/* Children in the order they started, under their parent. */
static void link_children(struct tree *t)
{
        for (size_t k = t->n_images; k-- > 0;) {
                struct image *img = &t->images[k];

                if (img->parent == NONE || under(t, img->parent, k))
                        continue;
                img->next = t->images[img->parent].child;
                t->images[img->parent].child = k;
        }
}

static void build(struct tree *t)
{
        size_t n = t->in->count;

        t->view = zalloc(n, 1);
        t->group_of = zalloc(n, sizeof(*t->group_of));
        t->images = zalloc(n, sizeof(*t->images));
        t->image_of = zalloc(n, sizeof(*t->image_of));
        t->next_fd = zalloc(n, sizeof(*t->next_fd));
        t->origin_in = zalloc(n, sizeof(*t->origin_in));
        t->procs = zalloc(n, sizeof(*t->procs));
        for (size_t i = 0; i <= n; i++)
                t->image_of[i] = t->origin_in[i] = t->next_fd[i] = NONE;
        idmap_init(&t->pids, n / 2 + 16);
        idmap_init(&t->origins, n + 16);
        idmap_init(&t->exec_argv, n / 4 + 16);
        idmap_init(&t->spawn_argv, n / 4 + 16);
        views_resolve(t->in->recs, n, t->view, t->group_of);
        for (size_t i = 0; i < n; i++)
                note(t, i);
        link_children(t);
        link_fds(t);
}

static void release(struct tree *t)
{
        idmap_free(&t->pids);
        idmap_free(&t->origins);
        idmap_free(&t->exec_argv);
        idmap_free(&t->spawn_argv);
        free(t->view);
        free(t->group_of);
        free(t->images);
        free(t->image_of);
        free(t->next_fd);
        free(t->origin_in);
        free(t->procs);
}

static bool held(const struct tree *t, const struct fl_record *r)
{
        for (size_t i = 0; r->ino && i < t->in->held_count; i++)
                if (t->in->held_ino[i] == r->ino)
                        return true;
        return false;
}

static size_t origin_of(struct tree *t, const struct fl_record *r)
{
        size_t *at = r->ino ? idmap_slot(&t->origins, r->ino, 0) : NULL;

        return at && *at ? *at - 1 : NONE;
}

/* "accept() in fcgiwrap" */
static void origin_text(struct tree *t, size_t origin, char *dst, size_t size)
{
        const struct fl_record *o = &t->in->recs[origin];
        char name[64] = "?";

        if (t->origin_in[origin] != NONE)
                image_name(t, &t->images[t->origin_in[origin]], name, sizeof(name));
        snprintf(dst, size, "%s() in %s", fl_call_name((enum fl_call)o->call), name);
}

static void put_fd(struct tree *t, FILE *out, const char *prefix, size_t i)
{
        const struct fl_record *r = &t->in->recs[i];
        size_t origin = origin_of(t, r);
        char text[TEXTMAX + 1], from[96];

        text_of(t, i, text, sizeof(text));
        fprintf(out, "%sfd %d %s %s", prefix, r->fd, fl_fd_kind_name((enum fl_fd_kind)r->protocol),
                text);
        if (r->flags_applied & FL_STATE_LISTENING)
                fputs(" (listening)", out);
        else if (r->flags_applied & FL_STATE_CONNECTED)
                fputs(" (connected)", out);
        if (origin == NONE && held(t, r)) {
                fputs(": already open when audit started\n", out);
                return;
        }
        if (r->decision == FL_DEC_PASSED)
                fprintf(out, ": passed (%s)",
                        fl_pass_reason_name((enum fl_pass_reason)r->flags_asked));
        else
                fputs(": LEAK", out);
        if (origin != NONE) {
                origin_text(t, origin, from, sizeof(from));
                fprintf(out, ", from %s", from);
        } else if (r->decision != FL_DEC_PASSED) {
                fputs(", origin unknown", out);
        }
        if (r->decision != FL_DEC_PASSED)
                fprintf(
                    out, "; %s",
                    fix_scope_hint(fix_scope_needed(r->protocol, origin != NONE), t->in->scope));
        fputc('\n', out);
}

/* An image that kept no record: not under forklock at all, where its file tells. */
static void put_alone_note(const struct tree *t, FILE *out, const struct image *img)
{
        bool full = t->in->texts && t->in->texts[img->rec];
        const char *why = unloaded_why(texts_of(t->in->texts, t->in->recs, img->rec),
                                       full ? SIZE_MAX : FL_RECORD_TEXT);

        if (why)
                fprintf(out,
                        " [no record of its own, not under forklock (%s): as its parent saw "
                        "it at exec]",
                        why);
        else
                fputs(" [no record of its own: as its parent saw it at exec]", out);
}

static void put_image_line(struct tree *t, FILE *out, const struct image *img)
{
        char name[64], argv[TEXTMAX + 1];

        image_name(t, img, name, sizeof(name));
        fprintf(out, "%s (pid %d, %s)", name, img->pid, names_how(img->how));
        if (img->alone && !img->quiet)
                put_alone_note(t, out, img);
        if (img->argv != NONE) {
                text_of(t, img->argv, argv, sizeof(argv));
                fprintf(out, ": %s", argv);
        }
        fputc('\n', out);
}

static void put_subtree(struct tree *t, FILE *out, size_t k, const char *prefix, bool last,
                        int depth)
{
        const struct image *img = &t->images[k];
        char inner[512], fds[520];

        fprintf(out, "%s%s", prefix, last ? "└─ " : "├─ ");
        put_image_line(t, out, img);
        snprintf(inner, sizeof(inner), "%s%s", prefix, last ? "   " : "│  ");
        snprintf(fds, sizeof(fds), "%s%s", inner, img->child != NONE ? "│    " : "     ");
        for (size_t i = img->fds; i != NONE; i = t->next_fd[i])
                put_fd(t, out, fds, i);
        if (depth > 200 || strlen(inner) > 400) { /* a hostile ring cannot recurse forever */
                if (img->child != NONE)
                        fprintf(out, "%s└─ ...\n", inner);
                return;
        }
        for (size_t c = img->child; c != NONE; c = t->images[c].next)
                put_subtree(t, out, c, inner, t->images[c].next == NONE, depth + 1);
}

static void put_root(struct tree *t, FILE *out, int32_t parent_pid)
{
        size_t last = NONE;

        if (parent_pid > 0 && parent_pid == t->in->self)
                fprintf(out, "forklock audit (pid %d)\n", parent_pid);
        else
                fprintf(out, "pid %d (outside forklock)\n", parent_pid);
        for (size_t k = 0; k < t->n_images; k++)
                if (t->images[k].parent == NONE && t->images[k].parent_pid == parent_pid)
                        last = k;
        for (size_t k = 0; k < t->n_images; k++)
                if (t->images[k].parent == NONE && t->images[k].parent_pid == parent_pid)
                        put_subtree(t, out, k, "", k == last, 0);
}

static void put_tree(struct tree *t, FILE *out)
{
        for (size_t k = 0; k < t->n_images; k++) {
                bool first = true;

                if (t->images[k].parent != NONE)
                        continue;
                for (size_t j = 0; j < k && first; j++)
                        first = !(t->images[j].parent == NONE &&
                                  t->images[j].parent_pid == t->images[k].parent_pid);
                if (first)
                        put_root(t, out, t->images[k].parent_pid);
        }
        if (t->n_images == 0)
                fputs("(no program started with libforklock)\n", out);
}

/* ---- the leaks grouped by origin ---- */

struct receiver {
        char name[64];
        unsigned count;
};

struct group {
        char key[160];
        struct receiver *receivers;
        size_t n;
};

struct groups {
        struct group *items;
        size_t n;
};

static void group_add(struct groups *g, const char *key, const char *receiver)
{
        struct group *grp = NULL;
        size_t i;

        for (i = 0; i < g->n && strcmp(g->items[i].key, key); i++)
                ;
        if (i == g->n) {
                struct group *more = realloc(g->items, (g->n + 1) * sizeof(*more));

                if (!more)
                        return;
                g->items = more;
                grp = &g->items[g->n++];
                *grp = (struct group){.receivers = NULL, .n = 0};
                snprintf(grp->key, sizeof(grp->key), "%s", key);
        }
        grp = &g->items[i];
        for (i = 0; i < grp->n && strcmp(grp->receivers[i].name, receiver); i++)
                ;
        if (i == grp->n) {
                struct receiver *more = realloc(grp->receivers, (grp->n + 1) * sizeof(*more));

                if (!more)
                        return;
                grp->receivers = more;
                snprintf(grp->receivers[grp->n].name, sizeof(more->name), "%s", receiver);
                grp->receivers[grp->n++].count = 0;
        }
        grp->receivers[i].count++;
}

static void group_key(struct tree *t, size_t i, char *key, size_t size)
{
        const struct fl_record *r = &t->in->recs[i];
        size_t origin = origin_of(t, r);
        char text[TEXTMAX + 1], from[96];

        if (origin != NONE) {
                origin_text(t, origin, from, sizeof(from));
                snprintf(key, size, "fd from %s", from);
                return;
        }
        text_of(t, i, text, sizeof(text));
        snprintf(key, size, "%s %s, origin unknown", fl_fd_kind_name((enum fl_fd_kind)r->protocol),
                 text);
}

/* "fd 10 char device /dev/null": the caller's fd, by number (the same in every image). */
static void held_key(struct tree *t, size_t i, char *key, size_t size)
{
        const struct fl_record *r = &t->in->recs[i];
        char text[TEXTMAX + 1];

        text_of(t, i, text, sizeof(text));
        snprintf(key, size, "fd %d %s %s", r->fd, fl_fd_kind_name((enum fl_fd_kind)r->protocol),
                 text);
}

static void put_groups(FILE *out, const struct groups *g, const char *title, const char *verb)
{
        fprintf(out, "%s%s\n", title, g->n ? ":" : ": none");
        for (size_t i = 0; i < g->n; i++) {
                fprintf(out, "  %s → %s", g->items[i].key, verb);
                for (size_t k = 0; k < g->items[i].n; k++)
                        fprintf(out, "%s %s ×%u", k ? "," : "", g->items[i].receivers[k].name,
                                g->items[i].receivers[k].count);
                fputc('\n', out);
        }
}

static void free_groups(struct groups *g)
{
        for (size_t i = 0; i < g->n; i++)
                free(g->items[i].receivers);
        free(g->items);
}

static void put_summary(struct tree *t, FILE *out)
{
        struct groups leaks = {NULL, 0}, caller = {NULL, 0};

        for (size_t i = 0; i < t->in->count; i++) {
                const struct fl_record *r = &t->in->recs[i];
                char key[160], name[64];
                bool mine;

                if (t->image_of[i] == NONE || t->view[i] == NAMES_VIEW_ARGV_ALONE ||
                    t->view[i] == NAMES_VIEW_ARGV_QUIET || r->decision != FL_DEC_LEAK)
                        continue;
                mine = origin_of(t, r) != NONE || !held(t, r);
                image_name(t, &t->images[t->image_of[i]], name, sizeof(name));
                if (mine)
                        group_key(t, i, key, sizeof(key));
                else
                        held_key(t, i, key, sizeof(key));
                group_add(mine ? &leaks : &caller, key, name);
        }
        fputc('\n', out);
        put_groups(out, &leaks, "leaks by origin", "leaked into");
        if (caller.n)
                put_groups(out, &caller, "already open when audit started (not counted)",
                           "reached");
        free_groups(&leaks);
        free_groups(&caller);
}

void tree_print(FILE *out, const struct tree_input *in)
{
        struct tree t = {.in = in};

        build(&t);
        put_tree(&t, out);
        put_summary(&t, out);
        release(&t);
}
