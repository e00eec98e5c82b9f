/* `forklock audit --tree` and `forklock dump --tree`: the process tree of a ring, pstree-style:
 * each program image, how it was started (fork+exec, vfork+exec, posix_spawn, system, popen, exec
 * in place), the fds that crossed into it (leaks marked, with the call and program that created
 * them); then the leaks grouped by origin: "fd from accept() in fcgiwrap → leaked into fds.cgi ×2".
 * Reads only the records: the same ring always draws the same tree. */
#ifndef FL_TREE_H
#define FL_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "config.h"
#include "record.h"

struct tree_input {
        const struct fl_record *recs; /* oldest first */
        size_t count;
        char *const *texts;       /* reassembled texts (tools/lib/texts.h), or NULL */
        pid_t self;               /* the audit's pid (its images hang under "forklock audit"), 0 */
        const uint64_t *held_ino; /* inodes of the fds the audit's caller held */
        size_t held_count;
        enum fl_scope scope; /* the command's scope, for what would close each leak */
};

void tree_print(FILE *out, const struct tree_input *in);

#endif
