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

static void read_view(struct fl_parent_view *view, struct parent_query *q)
{
        struct fl_ring_reader reader;
        struct fl_record r;
        int32_t gpid = 0, gtid = 0;

        view->n = 0;
        view->overflow = false;
        if (!view->ring->hdr || fl_ring_reader_attach(&reader, view->ring) < 0)
                return;
        while (fl_ring_reader_next(&reader, &r) == 1) {
                if (starts_group(&r, view->self, view->parent)) {
                        gpid = r.pid;
                        gtid = r.tid;
                        view->n = 0;
                        view->overflow = false;
                        q->found = false;
                } else if (r.call == FL_CALL_INHERIT && r.aux == FL_AUDIT_PARENT && gpid &&
                           r.pid == gpid && r.tid == gtid) {
                        note_parent_fd(view, q, &r);
                }
        }
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

enum fl_pass_reason fl_parent_view_said(struct fl_parent_view *view, int fd, uint64_t ino)
{
        static struct fl_parent_view rest; /* constructor only: one thread */
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
