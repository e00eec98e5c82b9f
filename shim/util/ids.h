/* pid and tid for records, cached: glibc no longer caches getpid, and a syscall per record would
 * cost more than the record. The cache is wiped by the kernel in every child with its own memory;
 * before fl_ids_start, for a process's first few questions, or where the kernel cannot wipe it
 * (before Linux 4.14), nothing is cached. */
#ifndef FL_IDS_H
#define FL_IDS_H

#include <stdbool.h>
#include <sys/types.h>

void fl_ids_start(void);
pid_t fl_ids_pid(void);
pid_t fl_ids_tid(void);
void fl_ids_child_reset(void);
/* Around vfork and clone(CLONE_VM): the child shares these caches, so both sides ask the kernel
 * until the child has exec'd or exited. */
void fl_ids_shared_child_begin(void);
void fl_ids_shared_child_end(void);

#endif
