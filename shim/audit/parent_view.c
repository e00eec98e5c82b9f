#include "parent_view.h"

#include "audit.h"
#include "ring_reader.h"

/* One pass's question: with fd < 0, fill the view; else the latest record of fd with ino. */
struct parent_query {
        int fd;
        uint64_t ino;
        bool found;
        struct fl_parent_fd answer;
};

static bool starts_group(const struct fl_record *r, pid_t self, pid_t parent)
{
        if (r->call != FL_CALL_INHERIT || r->aux != FL_AUDIT_ARGV)
                return false;
        return r->fd2 == FL_CALL_EXEC ? r->pid == self : r->pid == parent;
}

static void note_parent_fd(struct fl_parent_view *view, struct parent_query *q,
                           const struct fl_record *r)
{
        struct fl_parent_fd fd = {r->fd, r->decision, (uint8_t)r->flags_asked, r->ino};

        if (q->fd >= 0) {
                if (r->fd == q->fd && r->ino == q->ino) {
                        q->found = true;
                        q->answer = fd;
                }
        } else if (view->n < FL_PARENT_VIEW_CACHE) {
                view->fds[view->n++] = fd;
        } else {
                view->overflow = true;
        }
}

/* Records are looked at in windows of this many, from the head back. */
#define BACK_STEP 256

/* The latest record that starts a group for this image, searched back from head: the group was
 * written just before this image's exec, so the search costs the records written since then, not
 * the ring's size (a scan from the oldest record read 256 MiB to spawn from a full 2 Mi ring). */
static bool latest_group(struct fl_ring_reader *reader, const struct fl_parent_view *view,
                         uint64_t head, struct fl_record *start)
{
        uint64_t oldest = head >= reader->capacity ? head - reader->capacity + 1 : 1;
        struct fl_record r;
        bool found = false;

        for (uint64_t hi = head, lo; hi >= oldest && !found; hi = lo - 1) {
                lo = hi - oldest >= BACK_STEP ? hi - BACK_STEP + 1 : oldest;
                if (fl_ring_reader_window(reader, lo, hi) < 0)
                        return false;
                while (fl_ring_reader_next(reader, &r) == 1)
                        if (starts_group(&r, view->self, view->parent)) {
                                *start = r;
                                found = true;
                        }
                if (lo == oldest)
                        break;
        }
        return found;
}

static void read_view(struct fl_parent_view *view, struct parent_query *q)
{
        struct fl_ring_reader reader;
        struct fl_record r, start = {0};
        uint64_t head;

        view->n = 0;
        view->overflow = false;
        if (!view->ring->hdr || fl_ring_reader_attach_lazy(&reader, view->ring) < 0)
                return;
        head = reader.stats.head;
        if (latest_group(&reader, view, head, &start) &&
            fl_ring_reader_window(&reader, start.seq + 1, head) == 0)
                while (fl_ring_reader_next(&reader, &r) == 1)
                        if (r.call == FL_CALL_INHERIT && r.aux == FL_AUDIT_PARENT &&
                            r.pid == start.pid && r.tid == start.tid)
                                note_parent_fd(view, q, &r);
        fl_ring_reader_close(&reader);
}

void fl_parent_view_read(struct fl_parent_view *view, const struct fl_ring *ring, pid_t self,
                         pid_t parent)
{
        struct parent_query fill = {.fd = -1};

        view->ring = ring;
        view->self = self;
        view->parent = parent;
        read_view(view, &fill);
}

static enum fl_pass_reason said(const struct fl_parent_fd *fd)
{
        return fd->decision == FL_DEC_PASSED ? fd->reason : FL_PASS_NONE;
}

/* Constructor only: one thread. Common storage, after every object's small variables (fdtable.c
 * says why). */
extern struct fl_parent_view fl_parent_view_rest __attribute__((visibility("hidden")));
struct fl_parent_view fl_parent_view_rest __attribute__((common));
#define rest fl_parent_view_rest

enum fl_pass_reason fl_parent_view_said(struct fl_parent_view *view, int fd, uint64_t ino)
{
        struct parent_query q = {.fd = fd, .ino = ino};

        for (int i = view->n - 1; i >= 0; i--)
                if (view->fds[i].fd == fd && view->fds[i].ino == ino)
                        return said(&view->fds[i]);
        if (!view->overflow)
                return FL_PASS_NONE;
        rest.ring = view->ring;
        rest.self = view->self;
        rest.parent = view->parent;
        read_view(&rest, &q);
        return q.found ? said(&q.answer) : FL_PASS_NONE;
}
