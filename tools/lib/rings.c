#include "rings.h"

#include "audit.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct list {
        struct fl_record *r;
        size_t n, cap;
};

static int push(struct list *l, const struct fl_record *r)
{
        if (l->n + 1 >= l->cap) {
                size_t cap = l->cap ? 2 * l->cap : 1024;
                struct fl_record *more = realloc(l->r, cap * sizeof(*more));

                if (!more)
                        return -1;
                l->r = more;
                l->cap = cap;
        }
        l->r[l->n++] = *r;
        return 0;
}

/* ---- pids of the tree ---- */

struct pidset {
        int32_t *keys;
        size_t mask;
};

static int pidset_init(struct pidset *s, size_t entries)
{
        size_t size = 64;

        while (size < entries * 2)
                size *= 2;
        s->keys = calloc(size, sizeof(*s->keys));
        s->mask = size - 1;
        return s->keys ? 0 : -1;
}

/* Keys are pids > 0; the set is sized for every record, so it never fills. */
static int pidset_has(struct pidset *s, int32_t pid, int insert)
{
        for (size_t i = ((uint32_t)pid * 2654435761u) & s->mask;; i = (i + 1) & s->mask) {
                if (s->keys[i] == pid)
                        return 1;
                if (s->keys[i] == 0) {
                        if (insert)
                                s->keys[i] = pid;
                        return 0;
                }
        }
}

static int32_t child_of(const struct fl_record *r)
{
        switch (r->call) {
        case FL_CALL_FORK:
        case FL_CALL_VFORK:
        case FL_CALL_CLONE:
        case FL_CALL_POSIX_SPAWN:
        case FL_CALL_SYSTEM:
        case FL_CALL_POPEN:
                return r->result > 0 ? r->result : 0;
        default:
                return 0;
        }
}

/* ---- drop rings ---- */

static int drop_uid(const char *name, uid_t *uid)
{
        unsigned long v = 0;
        const char *p = name;

        for (; *p >= '0' && *p <= '9' && v < 0xffffffffu; p++)
                v = v * 10 + (unsigned long)(*p - '0');
        if (p == name || strcmp(p, ".ring") != 0 || v >= 0xffffffffu)
                return -1;
        *uid = (uid_t)v;
        return 0;
}

static void read_drop_ring(struct rings *rs, struct list *drop, int dirfd, const char *dir,
                           const char *name, int64_t since)
{
        struct fl_ring_reader reader;
        struct fl_record r;
        char path[8192], err[256];
        struct stat st;
        uid_t uid;

        if (drop_uid(name, &uid) < 0 || fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISREG(st.st_mode) || st.st_uid != uid) {
                rs->drop_refused++;
                return;
        }
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
                rs->drop_refused++;
                return;
        }
        if (fl_ring_reader_open(&reader, path, err, sizeof(err)) < 0) {
                rs->drop_refused++;
                return;
        }
        rs->drop_rings++;
        while (fl_ring_reader_next(&reader, &r) == 1)
                if ((int64_t)r.ts_ns >= since && r.pid > 0 && push(drop, &r) < 0)
                        break;
        fl_ring_reader_close(&reader);
}

static void read_drop_rings(struct rings *rs, struct list *drop, const char *path, int64_t since)
{
        char dir[4096];
        struct dirent *e;
        DIR *d;

        snprintf(dir, sizeof(dir), "%s.drop", path);
        if (!(d = opendir(dir)))
                return;
        while ((e = readdir(d)))
                if (e->d_name[0] != '.')
                        read_drop_ring(rs, drop, dirfd(d), dir, e->d_name, since);
        closedir(d);
}

static int by_time(const void *a, const void *b)
{
        const struct fl_record *x = a, *y = b;

        return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

/* The children the tree's drop records created are in the tree too, whatever the order of the
 * records: a forked child often starts (and records) before its parent's fork record. */
static void grow_tree(struct pidset *tree, const struct list *drop)
{
        bool grew = true;

        while (grew) {
                grew = false;
                for (size_t k = 0; k < drop->n; k++)
                        if (child_of(&drop->r[k]) && pidset_has(tree, drop->r[k].pid, 0) &&
                            !pidset_has(tree, child_of(&drop->r[k]), 0))
                                grew = pidset_has(tree, child_of(&drop->r[k]), 1) >= 0;
        }
}

/* The main ring keeps its own order; drop records (sorted by time) go in before the first main
 * record that is later than them. Drop records of pids outside the tree are left out. */
static int merge(struct rings *rs, struct list *main, struct list *drop)
{
        struct list out = {0};
        struct pidset tree;
        size_t i = 0, j = 0;

        if (pidset_init(&tree, main->n + drop->n + 16) < 0)
                return -1;
        for (size_t k = 0; k < main->n; k++) {
                pidset_has(&tree, main->r[k].pid, 1);
                if (child_of(&main->r[k]))
                        pidset_has(&tree, child_of(&main->r[k]), 1);
        }
        if (drop->n) /* qsort wants a non-null array even for none */
                qsort(drop->r, drop->n, sizeof(*drop->r), by_time);
        grow_tree(&tree, drop);
        while (i < main->n || j < drop->n) {
                if (j == drop->n || (i < main->n && main->r[i].ts_ns <= drop->r[j].ts_ns)) {
                        if (push(&out, &main->r[i++]) < 0)
                                goto fail;
                        continue;
                }
                const struct fl_record *r = &drop->r[j++];

                if (!pidset_has(&tree, r->pid, 0))
                        continue;
                rs->drop_records++;
                if (push(&out, r) < 0)
                        goto fail;
        }
        free(tree.keys);
        free(main->r);
        rs->records = out.r;
        rs->count = out.n;
        return 0;
fail:
        free(tree.keys);
        free(out.r);
        return -1;
}

int rings_load(struct rings *rs, const char *path, struct fl_ring_reader *main, char *err,
               size_t errlen)
{
        struct list mine = {0}, drop = {0};
        struct fl_record r;
        int rc;

        memset(rs, 0, sizeof(*rs));
        if (fl_ring_reader_open(main, path, err, errlen) < 0)
                return -1;
        while (fl_ring_reader_next(main, &r) == 1)
                if (push(&mine, &r) < 0)
                        goto oom;
        if (push(&mine, &r) < 0) /* one spare slot, and never an empty array */
                goto oom;
        mine.n--;
        read_drop_rings(rs, &drop, path, main->base_monotonic);
        rc = merge(rs, &mine, &drop);
        free(drop.r);
        if (rc == 0)
                return 0;
        mine.r = NULL;
oom:
        free(mine.r);
        free(drop.r);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
}

static bool starts_group_of(const struct fl_record *g, const struct fl_record *r)
{
        if (g->call != FL_CALL_INHERIT || g->aux != FL_AUDIT_ARGV)
                return false;
        return g->fd2 == FL_CALL_EXEC ? g->pid == r->pid : g->pid == r->child_pid;
}

/* What the parent said at exec about (fd, ino) in the group starting at g, or NULL. */
static const struct fl_record *parent_said(const struct rings *rs, size_t g,
                                           const struct fl_record *r)
{
        const struct fl_record *grp = &rs->records[g];

        for (size_t k = g + 1; k < rs->count; k++) {
                const struct fl_record *p = &rs->records[k];

                if (p->pid != grp->pid || p->tid != grp->tid || p->call != FL_CALL_INHERIT)
                        continue;
                if (p->aux == FL_AUDIT_ARGV)
                        return NULL;
                if (p->aux == FL_AUDIT_PARENT && p->fd == r->fd && p->ino == r->ino)
                        return p;
        }
        return NULL;
}

void rings_recorrelate(struct rings *rs)
{
        for (size_t i = 0; rs->drop_records && i < rs->count; i++) {
                struct fl_record *r = &rs->records[i];
                const struct fl_record *p;

                if (r->call != FL_CALL_INHERIT || r->aux != FL_AUDIT_CHILD ||
                    r->decision != FL_DEC_LEAK)
                        continue;
                for (size_t g = i; g-- > 0;) {
                        if (!starts_group_of(&rs->records[g], r))
                                continue;
                        if ((p = parent_said(rs, g, r)) && p->decision == FL_DEC_PASSED) {
                                r->decision = FL_DEC_PASSED;
                                r->flags_asked = p->flags_asked;
                        }
                        break;
                }
        }
}

void rings_free(struct rings *rs)
{
        free(rs->records);
        memset(rs, 0, sizeof(*rs));
}
