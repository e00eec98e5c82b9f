/* Connects the shim's decisions to the process's ring. */
#ifndef FL_RECORDER_H
#define FL_RECORDER_H

#include <stdint.h>

#include "ring.h"
#include "shim.h"

/* Maps the ring named by log_path (NULL: anonymous shared memory, or when the file is refused; a
 * drop ring when the file belongs to the user this process dropped from) and makes it the
 * destination of shim->emit and of warnings (fl_warn): records in a ring file; in memory and said
 * once per process tree (warn_speak.h) without one. ring_text is FORKLOCK_RING. */
void fl_recorder_start(struct fl_shim *shim, const char *log_path, const char *ring_text);

/* Fills pid and tid, appends to the process's ring. */
void fl_recorder_emit(struct fl_record *record);

/* write_start (which records this image's START) runs just before the image's first other record,
 * on the thread that makes it, and never if the image records nothing. Not in a child of this
 * image: a fork or vfork child's records are its own. */
void fl_recorder_hold_start(void (*write_start)(void));

/* The program is about to forbid itself the TSC (prctl PR_SET_TSC): records no longer read it. */
void fl_recorder_forbid_tsc(void);

/* The process's ring (hdr NULL when there is none), for the audit at start-up. */
const struct fl_ring *fl_recorder_ring(void);

#endif
