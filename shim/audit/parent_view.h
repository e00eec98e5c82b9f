/* What the parent said about the fds it left open for this image: the records of the latest
 * ARGV group that started it (an exec by this pid, or a spawn by the parent), read from the ring.
 */
#ifndef FL_PARENT_VIEW_H
#define FL_PARENT_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "inherit.h"
#include "ring.h"

/* The group's records as far as they fit; a group with more (a parent with that many inheritable
 * fds) is searched in the ring again for the rest. */
#define FL_PARENT_VIEW_CACHE 256

struct fl_parent_fd {
        int fd;
        uint8_t decision, reason;
        uint64_t ino;
};

struct fl_parent_view {
        const struct fl_ring *ring;
        pid_t self, parent;
        int n;
        bool overflow;
        struct fl_parent_fd fds[FL_PARENT_VIEW_CACHE];
};

void fl_parent_view_read(struct fl_parent_view *view, const struct fl_ring *ring, pid_t self,
                         pid_t parent);

/* The reason the parent passed fd (with inode ino) for, or FL_PASS_NONE. */
enum fl_pass_reason fl_parent_view_said(struct fl_parent_view *view, int fd, uint64_t ino);

#endif
