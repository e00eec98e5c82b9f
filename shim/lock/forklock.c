#include "forklock.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
#include <sys/single_threaded.h>
#define FL_HAVE_SINGLE_THREADED 1
#endif

#include "errno_keep.h"
#include "fork_data.h"
#include "raw_syscall.h"

/* Who is inside and who waits; changed only under guard, with every signal blocked. */
struct lock_state {
        uint32_t readers;
        uint32_t writers; /* the write side is shared among writers, as Go's forking count */
        uint32_t readers_waiting;
        uint32_t writers_waiting;
        /* Waiting readers let in ahead of waiting writers when the last writer left, so that
         * neither side starves the other. */
        uint32_t readers_admitted;
};

static volatile struct lock_state state FL_FORK_DATA;
static _Atomic uint32_t guard FL_FORK_DATA; /* 0 free, 1 taken, 2 taken with waiters */
static _Atomic uint32_t changes FL_FORK_DATA;

static __thread unsigned read_depth;
static __thread unsigned write_depth;
/* The thread holding the write side across fork() (its atfork handlers), 0 when none: kept
 * beside the lock's state, which the parent writes after fork anyway, not in the thread-local
 * depth, whose page the parent would otherwise copy on every fork. */
static _Atomic pthread_t fork_holder FL_FORK_DATA;

/* Threads that libc does not count: clone(CLONE_THREAD) through the library's wrapper. */
static atomic_bool threads_cloned;

void fl_forklock_note_thread_clone(void)
{
        atomic_store_explicit(&threads_cloned, true, memory_order_relaxed);
}

bool fl_forklock_one_thread(void)
{
#ifdef FL_HAVE_SINGLE_THREADED
        return __libc_single_threaded &&
               !atomic_load_explicit(&threads_cloned, memory_order_relaxed);
#else
        return false;
#endif
}

#ifdef FL_TEST_BUILD
static atomic_bool disabled;

void fl_forklock_disable(bool value)
{
        atomic_store(&disabled, value);
}

static bool lock_disabled(void)
{
        return atomic_load_explicit(&disabled, memory_order_relaxed);
}
#else
/* The installed library has no way to turn the fork lock off. */
static bool lock_disabled(void)
{
        return false;
}
#endif

static void futex_wait(_Atomic uint32_t *word, uint32_t expected)
{
        fl_raw_syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *word, int count)
{
        fl_raw_syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
}

static void guard_lock(void)
{
        uint32_t seen = 0;

        if (atomic_compare_exchange_strong(&guard, &seen, 1))
                return;
        if (seen != 2)
                seen = atomic_exchange(&guard, 2);
        while (seen != 0) {
                futex_wait(&guard, 2);
                seen = atomic_exchange(&guard, 2);
        }
}

static void guard_unlock(void)
{
        if (atomic_exchange(&guard, 0) == 2)
                futex_wake(&guard, 1);
}

/* Called under guard; the waiter re-checks its condition once woken. */
static void wait_for_change(void)
{
        uint32_t seen = atomic_load(&changes);

        guard_unlock();
        futex_wait(&changes, seen);
        guard_lock();
}

static void announce_change(void)
{
        atomic_fetch_add(&changes, 1);
        if (state.readers_waiting || state.writers_waiting)
                futex_wake(&changes, INT_MAX);
}

static bool reader_may_enter(void)
{
        return state.writers == 0 && (state.writers_waiting == 0 || state.readers_admitted > 0);
}

/* Writers join each other (a posix_spawn blocked in a file action must not keep out a system()
 * that would unblock it), except when readers wait: then they let them in first. */
static bool writer_may_enter(void)
{
        return state.readers == 0 && state.readers_admitted == 0 &&
               (state.writers == 0 || state.readers_waiting == 0);
}

#ifdef __SANITIZE_THREAD__
/* ThreadSanitizer follows the mask through libc's calls, to hold signals back while it must. */
static void block_all_signals(sigset_t *saved)
{
        sigset_t all;

        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, saved);
}

static void restore_signals(const sigset_t *saved)
{
        pthread_sigmask(SIG_SETMASK, saved, NULL);
}
#else
/* The kernel's call, not libc's: a fork child runs these before exec, and libc's sigfillset and
 * pthread_sigmask sit on text pages that nothing else runs there, each a page fault in every fork
 * child. libc's rule is kept: its own signals (glibc's SIGCANCEL 32 and SIGSETXID 33, musl's
 * timer and cancel signals 32 and 33) are never blocked, or a thread could hang in cancellation
 * or setuid. The kernel reads and writes only its own 8-byte set at the front of a sigset_t. */
#define KERNEL_SET_BYTES 8
#define LIBC_SIGNALS     ((1ULL << (32 - 1)) | (1ULL << (33 - 1)))

static void block_all_signals(sigset_t *saved)
{
        static const unsigned long long all = ~LIBC_SIGNALS;

        fl_raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, saved, KERNEL_SET_BYTES);
}

static void restore_signals(const sigset_t *saved)
{
        fl_raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, saved, NULL, KERNEL_SET_BYTES);
}
#endif

static bool forking_here(void)
{
        pthread_t holder = atomic_load_explicit(&fork_holder, memory_order_relaxed);

        return holder != 0 && pthread_equal(holder, pthread_self());
}

static bool writing_here(void)
{
        return write_depth > 0 || forking_here();
}

static bool lock_is_nested_or_off(struct fl_lock_token *token)
{
        token->acquired = false;
        token->mask_given_back = false;
        return lock_disabled() || writing_here() || read_depth > 0;
}

static void enter_as_reader(void)
{
        guard_lock();
        if (!reader_may_enter()) {
                state.readers_waiting++;
                do
                        wait_for_change();
                while (!reader_may_enter());
                state.readers_waiting--;
        }
        state.readers++;
        if (state.readers_admitted > 0)
                state.readers_admitted--;
        guard_unlock();
}

static void leave_as_reader(void)
{
        guard_lock();
        if (--state.readers == 0)
                announce_change();
        guard_unlock();
}

static void enter_as_writer(void)
{
        guard_lock();
        if (!writer_may_enter()) {
                state.writers_waiting++;
                do
                        wait_for_change();
                while (!writer_may_enter());
                state.writers_waiting--;
        }
        state.writers++;
        guard_unlock();
}

static void leave_as_writer(void)
{
        guard_lock();
        if (--state.writers == 0)
                state.readers_admitted = state.readers_waiting;
        announce_change();
        guard_unlock();
}

/* The depth changes only while every signal is blocked, so that a handler on this thread finds
 * either the lock not held or held and nested, never held and not nested. */
void fl_forklock_read_lock(struct fl_lock_token *token)
{
        int saved = errno;

        if (lock_is_nested_or_off(token))
                return;
        block_all_signals(&token->saved_mask);
        enter_as_reader();
        read_depth = 1;
        token->acquired = true;
        fl_errno_keep(saved);
}

void fl_forklock_read_unlock(struct fl_lock_token *token)
{
        int saved = errno;

        if (!token->acquired)
                return;
        read_depth = 0;
        leave_as_reader();
        restore_signals(&token->saved_mask);
        fl_errno_keep(saved);
}

void fl_forklock_write_lock(struct fl_lock_token *token)
{
        int saved = errno;

        token->acquired = false;
        token->mask_given_back = false;
        if (lock_disabled() || writing_here())
                return;
        block_all_signals(&token->saved_mask);
        enter_as_writer();
        write_depth = 1;
        token->acquired = true;
        fl_errno_keep(saved);
}

/* The token is thread-local: each field is written only when it changes, so that in a program
 * that forks again and again with the same mask, the parent writes no thread-local page at all. */
static void keep_mask(struct fl_lock_token *token, const sigset_t *mask)
{
        const unsigned long *now = (const void *)mask;
        unsigned long *kept = (void *)&token->saved_mask;

        for (size_t i = 0; i < sizeof(*mask) / sizeof(*now); i++)
                if (kept[i] != now[i])
                        kept[i] = now[i];
}

void fl_forklock_fork_prepare(struct fl_lock_token *token)
{
        sigset_t mask = {0};
        int saved = errno;

        if (token->mask_given_back)
                token->mask_given_back = false;
        if (lock_disabled() || writing_here()) {
                if (token->acquired)
                        token->acquired = false;
                return;
        }
        block_all_signals(&mask);
        enter_as_writer();
        atomic_store_explicit(&fork_holder, pthread_self(), memory_order_relaxed);
        keep_mask(token, &mask);
        if (!token->acquired)
                token->acquired = true;
        fl_errno_keep(saved);
}

/* Writes the lock's page and nothing thread-local: token->acquired stays as it is (the next
 * prepare looks at it again), errno is rewritten only if it changed. */
void fl_forklock_fork_parent(const struct fl_lock_token *token)
{
        int saved = errno;

        if (!token->acquired)
                return;
        atomic_store_explicit(&fork_holder, 0, memory_order_relaxed);
        leave_as_writer();
        restore_signals(&token->saved_mask);
        fl_errno_keep(saved);
}

void fl_forklock_restore_mask(struct fl_lock_token *token)
{
        if (!token->acquired)
                return;
        token->mask_given_back = true;
        restore_signals(&token->saved_mask);
}

void fl_forklock_write_unlock(struct fl_lock_token *token)
{
        int saved = errno;

        if (!token->acquired)
                return;
        if (token->mask_given_back)
                block_all_signals(&(sigset_t){0});
        write_depth = 0;
        leave_as_writer();
        restore_signals(&token->saved_mask);
        token->acquired = false;
        fl_errno_keep(saved);
}

/* Runs in a child of fork, where only this thread exists. A fork that ThreadSanitizer does not see
 * (_Fork, the one a signal handler may call) leaves it believing the parent's threads still run
 * here, so it would report these writes against them and, holding its report lock in a child
 * whose other threads are gone, hang there. */
__attribute__((no_sanitize("thread"))) void fl_forklock_child_reset(struct fl_lock_token *token)
{
        int saved = errno;

        /* Written only when held or waited on: a fork the lock was not taken for (one thread)
         * leaves it as a fresh lock is, and the child need not copy the page for nothing. */
        if (state.readers || state.writers || state.readers_waiting || state.writers_waiting ||
            state.readers_admitted)
                state = (struct lock_state){0};
        if (atomic_load(&guard))
                atomic_store(&guard, 0);
        if (atomic_load(&changes))
                atomic_store(&changes, 0);
        if (atomic_load(&fork_holder))
                atomic_store(&fork_holder, 0);
        /* The thread-local page is written only when something there changes. */
        if (read_depth)
                read_depth = 0;
        if (write_depth)
                write_depth = 0;
        if (token->acquired) {
                restore_signals(&token->saved_mask);
                token->acquired = false;
        }
        fl_errno_keep(saved);
}

bool fl_forklock_write_held_by_me(void)
{
        return writing_here();
}
