/* The state of the shim in one process, and how a call's decision is counted and recorded. The
 * calls preload/ makes into the shim are declared beside their definitions (shim/fd/, ...). */
#ifndef FL_SHIM_H
#define FL_SHIM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "config.h"
#include "record.h"
#include "sys.h"

struct fl_shim {
        struct fl_config config;
        const struct fl_sys *sys;
        /* Set after the first fallback that succeeded: the kernel refuses the flags, so later
         * calls go straight to the fallback (as CPython does; Go retries every time). */
        atomic_bool socket_flags_refused;
        atomic_bool accept4_missing;
        /* Receives every decision; fills pid/tid and stores it. NULL records nothing. */
        void (*emit)(struct fl_record *record);
        /* Audit mode only, before emit: the audit report finds a leaked fd's origin by inode, so
         * the audit layer fills record->ino here (fl_audit_note_ino). NULL notes nothing. */
        void (*note_ino)(const struct fl_shim *shim, struct fl_record *record);
        /* The rest of the surface (fcntl.c, dup.c, goprofile.c). */
        atomic_bool dupfd_cloexec_refused; /* F_DUPFD_CLOEXEC refused: dup/F_DUPFD fall back */
        _Atomic int go_backlog;            /* listenerBacklog(), computed once; 0 = not yet */
        /* Scope all (shim/fd/create.h): one remembered refusal per kind of flag. */
        atomic_bool ocloexec_refused; /* the kernel ignores O_CLOEXEC (before 2.6.23) */
        atomic_bool ocloexec_probed;  /* whether it does was checked once, on a real fd */
        atomic_bool pipe2_refused, epoll_create1_refused, eventfd_flags_refused;
        atomic_bool timerfd_flags_refused, signalfd_flags_refused, inotify_init1_refused;
        atomic_bool memfd_flags_refused;
};

/* Counts the decision and hands the record to emit. Returns the record's ring seq when emit
 * stored one in record->seq (fl_recorder_emit does), else 0. */
uint64_t fl_shim_decide(struct fl_shim *shim, struct fl_record *record, enum fl_decision decision);

/* Records one call's outcome: result, and errno as err when it failed (then decided
 * FL_DEC_ERROR whatever decision says). errno is kept. Returns fl_shim_decide's seq. */
uint64_t fl_shim_record(struct fl_shim *shim, struct fl_record *record, int result,
                        enum fl_decision decision);

#endif
