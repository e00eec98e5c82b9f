#include "views.h"

#include <stdio.h>
#include <stdlib.h>

#include "audit.h"
#include "idmap.h"

enum { OPEN = 0, CONFIRMED = 1, FAILED = 2 };

struct groups {
        struct idmap open, last_exec, last_spawn;
        uint8_t *state;   /* per ARGV record */
        uint8_t *has_fds; /* per ARGV record: a parent's view of an fd belongs to it */
};

static uint64_t thread_key(const struct fl_record *r)
{
        return (uint64_t)(uint32_t)r->pid << 32 | (uint32_t)r->tid;
}

/* The parent's side groups: an ARGV record and the fd records after it from the same thread; a
 * START confirms the latest exec group of its pid, else the latest spawn group of its parent. */
static void note(struct groups *g, const struct fl_record *recs, size_t i, uint32_t *group_of)
{
        const struct fl_record *r = &recs[i];
        size_t *open, *exec, *spawn;

        if (r->call == FL_CALL_INHERIT && r->aux == FL_AUDIT_ARGV) {
                *idmap_slot(&g->open, thread_key(r), 1) = i + 1;
                *idmap_slot(r->fd2 == FL_CALL_EXEC ? &g->last_exec : &g->last_spawn,
                            (uint64_t)(uint32_t)r->pid, 1) = i + 1;
        } else if (r->call == FL_CALL_INHERIT && r->aux == FL_AUDIT_PARENT) {
                if ((open = idmap_slot(&g->open, thread_key(r), 0))) {
                        group_of[i] = (uint32_t)*open;
                        if (*open)
                                g->has_fds[*open - 1] = 1;
                }
        } else if (r->call == FL_CALL_EXEC && r->result < 0) {
                if ((open = idmap_slot(&g->open, thread_key(r), 0)) && *open)
                        g->state[*open - 1] = FAILED;
        } else if (r->call == FL_CALL_START) {
                exec = idmap_slot(&g->last_exec, (uint64_t)(uint32_t)r->pid, 0);
                spawn = idmap_slot(&g->last_spawn, (uint64_t)(uint32_t)r->child_pid, 0);
                if (exec && *exec && g->state[*exec - 1] == OPEN)
                        g->state[*exec - 1] = CONFIRMED;
                else if (spawn && *spawn && g->state[*spawn - 1] == OPEN)
                        g->state[*spawn - 1] = CONFIRMED;
        }
}

static uint8_t parent_view(const struct groups *g, const struct fl_record *recs, uint32_t group)
{
        if (!group)
                return NAMES_VIEW_PARENT;
        if (g->state[group - 1] == FAILED)
                return NAMES_VIEW_PARENT_FAILED;
        if (g->state[group - 1] == OPEN && recs[group - 1].fd2 == FL_CALL_EXEC)
                return NAMES_VIEW_PARENT_ONLY;
        return NAMES_VIEW_PARENT;
}

static uint8_t view_of(const struct groups *g, const struct fl_record *recs, size_t i,
                       uint32_t group)
{
        if (recs[i].call != FL_CALL_INHERIT)
                return NAMES_VIEW_NONE;
        switch (recs[i].aux) {
        case FL_AUDIT_CHILD:
                return NAMES_VIEW_CHILD;
        case FL_AUDIT_ARGV:
                if (g->state[i] != OPEN)
                        return NAMES_VIEW_ARGV;
                if (!g->has_fds[i])
                        return NAMES_VIEW_ARGV_QUIET;
                return recs[i].fd2 == FL_CALL_EXEC ? NAMES_VIEW_ARGV_ALONE : NAMES_VIEW_ARGV;
        case FL_AUDIT_PARENT:
                return parent_view(g, recs, group);
        default:
                return NAMES_VIEW_NONE;
        }
}

void views_resolve(const struct fl_record *recs, size_t n, uint8_t *view, uint32_t *group_of)
{
        uint32_t *groups = group_of ? group_of : calloc(n + 1, sizeof(*groups));
        struct groups g;

        g.state = calloc(n + 1, 1);
        g.has_fds = calloc(n + 1, 1);
        if (!groups || !g.state || !g.has_fds) {
                fputs("forklock: out of memory\n", stderr);
                exit(2);
        }
        idmap_init(&g.open, n / 4 + 16);
        idmap_init(&g.last_exec, n / 4 + 16);
        idmap_init(&g.last_spawn, n / 4 + 16);
        for (size_t i = 0; i < n; i++) {
                groups[i] = 0;
                note(&g, recs, i, groups);
        }
        for (size_t i = 0; i < n; i++)
                view[i] = view_of(&g, recs, i, groups[i]);
        idmap_free(&g.open);
        idmap_free(&g.last_exec);
        idmap_free(&g.last_spawn);
        free(g.state);
        free(g.has_fds);
        if (!group_of)
                free(groups);
}
