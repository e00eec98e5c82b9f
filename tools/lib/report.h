/* The audit's report over a ring: which fds reached a new image without being passed on purpose,
 * who received them, from which program, and which call created them; as text lines or JSON
 * Lines, to any stream. Fds the caller of the audit already held are listed apart. */
#ifndef FL_REPORT_H
#define FL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "config.h"

struct report_options {
        FILE *out;
        bool json, verbose, tree;
        int leak_status;          /* the exit status when a leak was found */
        enum fl_scope scope;      /* the command's scope: each leak says whether it closes it */
        pid_t self;               /* the audit: an image started by it came "from forklock-audit" */
        const uint64_t *held_ino; /* inodes of the fds open when the audit started */
        size_t held_count;
};

/* Reports on the ring at path (and its drop rings). status: CMD's, when ran. Returns
 * o->leak_status when a leak was found, else status (0 when !ran); 2 when the ring cannot be
 * read. Warnings the images recorded follow on stderr. */
int report_ring(const struct report_options *o, const char *path, int status, bool ran);

/* The inodes of this process's open fds >= 3 (at most cap), for held_ino. */
size_t report_held_fds(uint64_t *ino, size_t cap);

#endif
