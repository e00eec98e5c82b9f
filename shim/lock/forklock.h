/* The process-wide fork lock, as Go's syscall.ForkLock: the read side is held across "create an fd
 * + mark it close-on-exec" on the fallback path, the write side across every call that creates a
 * process or replaces the image. Async-signal-safe: futexes and atomics only, no pthread objects,
 * so a fork child can simply reset it. */
#ifndef FL_FORKLOCK_H
#define FL_FORKLOCK_H

#include <signal.h>
#include <stdbool.h>

struct fl_lock_token {
        sigset_t saved_mask;
        bool acquired;        /* false when nested, or when the lock is disabled */
        bool mask_given_back; /* fl_forklock_restore_mask was called */
};

#ifdef FL_TEST_BUILD
/* FORKLOCK_NO_LOCK=1: both sides become no-ops. */
void fl_forklock_disable(bool disabled);
#endif

/* Blocks all signals, then waits while a writer holds or wants the lock, so that writers are not
 * starved. Nested use in one thread (or inside the write side) is a no-op. */
void fl_forklock_read_lock(struct fl_lock_token *token);
void fl_forklock_read_unlock(struct fl_lock_token *token);

/* Blocks all signals and takes the write side: shared with other writers, exclusive against
 * readers; a writer that arrives while readers wait lets them in first. Nested use is a no-op.
 * Every function here leaves errno as it found it. */
void fl_forklock_write_lock(struct fl_lock_token *token);
/* Restores the caller's signal mask while the lock stays held: exec, posix_spawn, vfork and clone
 * pass the current mask on to the new program, which must get the caller's own. */
void fl_forklock_restore_mask(struct fl_lock_token *token);
/* Blocks signals again (when the mask was given back) before the depth is cleared and the lock
 * released, then restores the caller's mask. */
void fl_forklock_write_unlock(struct fl_lock_token *token);

/* The write side across fork(), from forklock's atfork handlers: no code of forklock's or the
 * program's runs between them, and the parent then writes only the lock's own page (see
 * forklock.c). fl_forklock_child_reset ends it in the child. */
void fl_forklock_fork_prepare(struct fl_lock_token *token);
void fl_forklock_fork_parent(const struct fl_lock_token *token);

/* In the child of fork/_Fork/clone (own memory): the lock starts out released, the mask restored.
 */
void fl_forklock_child_reset(struct fl_lock_token *token);

bool fl_forklock_write_held_by_me(void);

/* True while the process has one thread (glibc's __libc_single_threaded, and no thread cloned
 * through the library's clone wrapper; false where libc does not say). The write side then
 * excludes nothing: no other thread can be between a fallback's create and mark, and this
 * thread's own fallback holds every signal blocked. */
bool fl_forklock_one_thread(void);
void fl_forklock_note_thread_clone(void);

#endif
