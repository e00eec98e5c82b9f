/* The one create-with-close-on-exec algorithm, Go's sysSocket: make the call with the flag that
 * creates the fd close-on-exec atomically; when the kernel refuses the flag (an old kernel), make
 * it without and mark the fd under the read side of the fork lock, so that no fork copies it
 * unmarked; remember the refusal, so that later calls go straight to the fallback (as CPython
 * does; Go retries every time). FORKLOCK_SIMULATE=einval takes the fallback as if the kernel had
 * refused. Every creating call goes through here and differs only in its fl_creation_ops. */
#ifndef FL_CLOEXEC_H
#define FL_CLOEXEC_H

#include <stdatomic.h>
#include <stdbool.h>

#include "shim.h"

/* A call the kernel refused as it was passed (apart from the flag forklock added) is the kernel's
 * own verdict: returned unchanged, neither recorded nor counted. Probes such as
 * socket(AF_INET6, ...) and the EAGAIN that ends every accept loop would flood the ring, and a
 * failing call must cost what the bare call costs. Failures on the fallback path are forklock's
 * doing and are recorded as errors. */
static inline bool fl_failure_is_forklocks(enum fl_decision path)
{
        return path == FL_DEC_FALLBACK || path == FL_DEC_REMEMBERED_FALLBACK;
}

/* The flags socket, socketpair and accept4 take. */
#define FL_SOCK_FLAGS (SOCK_CLOEXEC | SOCK_NONBLOCK)

struct fl_creation;

struct fl_creation_ops {
        /* The call's own spelling of close-on-exec (SOCK_CLOEXEC, O_CLOEXEC, ...) and of
         * O_NONBLOCK (0: the call has none), which the fallback sets after the lock. */
        int cloexec, nonblock;
        bool go_adds_nonblock; /* the go profile makes the new fd non-blocking (sockets) */
        /* The kernel call with these flags: the new fd, 0 when it fills c->pair, or -1 and errno.
         * The flags are the caller's, forklock's additions, or none of the two (the fallback). */
        int (*call)(const struct fl_shim *shim, const struct fl_creation *c, int flags);
        /* Whether the atomic attempt's errno means the kernel lacks the flags, rather than the
         * caller's mistake. */
        bool (*refused)(const struct fl_shim *shim, const struct fl_creation *c, int err);
        /* NULL: the call without the flags under the read side of the lock (fl_cloexec_marked).
         * Else a fallback of the call's own that leaves no window (accept must not wait inside
         * the lock). */
        int (*fallback)(const struct fl_shim *shim, const struct fl_creation *c);
        /* Fills the record's call-specific fields once the kernel answered; call, flags, result
         * and err are already set. NULL for calls that record themselves (dup, fcntl). */
        void (*describe)(const struct fl_creation *c, struct fl_record *record);
};

struct fl_creation {
        const struct fl_creation_ops *ops;
        atomic_bool *refusal; /* the remembered refusal, in struct fl_shim */
        enum fl_call call;
        int flags;    /* as the caller passed them, in the call's own spelling */
        bool is_pair; /* socketpair and pipe: the call fills pair (which may be a bad pointer) */
        int *pair;
        void *args; /* the call's own arguments, for ops */
};

/* The fd(s) a successful call made: 1 or 2 of them (pair). */
static inline int fl_creation_fd(const struct fl_creation *c, int result, int i)
{
        return c->is_pair ? c->pair[i] : result;
}

static inline int fl_creation_count(const struct fl_creation *c)
{
        return c->is_pair ? 2 : 1;
}

/* The whole call by mode: off passes it through unrecorded; audit makes it as asked and records
 * what enforce would change; enforce makes it close-on-exec. Then the 0-2 rule (stdfds.h), the
 * record and the fdtable. Returns the call's result with errno as the kernel left it. */
int fl_create(struct fl_shim *shim, const struct fl_creation *c);

/* Records a call made outside the algorithm (flags the shim does not know): applied is what was
 * passed to the kernel. */
int fl_create_finish(struct fl_shim *shim, const struct fl_creation *c, int applied, int result,
                     enum fl_decision decision);

/* The attempt and its fallback alone, for calls that record themselves (dup, fcntl): wanted is
 * the caller's flags plus close-on-exec. *decision: FL_DEC_ATOMIC, FL_DEC_FALLBACK or
 * FL_DEC_REMEMBERED_FALLBACK. */
int fl_cloexec_call(const struct fl_shim *shim, const struct fl_creation *c, int wanted,
                    enum fl_decision *decision);

/* The rest of fl_cloexec_call once the kernel refused the atomic attempt (or, remembered, without
 * one): the fallback, and the refusal remembered when the fallback worked. */
int fl_cloexec_refused(const struct fl_shim *shim, const struct fl_creation *c, int wanted,
                       bool remembered, enum fl_decision *decision);

/* Under the read side of the fork lock: make, then mark every fd it made close-on-exec; on a
 * failure to mark, close them and fail with that errno. */
int fl_cloexec_marked(const struct fl_shim *shim, const struct fl_creation *c,
                      int (*make)(const struct fl_shim *shim, const struct fl_creation *c));

#endif
