#include "forklock.h"

#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

static _Atomic uint32_t readers;
static _Atomic uint32_t writer; /* 1 while a writer holds or waits for the lock */
static atomic_bool disabled;

static __thread unsigned read_depth;
static __thread unsigned write_depth;

void fl_forklock_disable(bool value)
{
        atomic_store(&disabled, value);
}

static void futex_wait(_Atomic uint32_t *word, uint32_t expected)
{
        syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake_all(_Atomic uint32_t *word)
{
        syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

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

static bool lock_is_nested_or_off(struct fl_lock_token *token)
{
        token->acquired = false;
        return atomic_load_explicit(&disabled, memory_order_relaxed) || write_depth > 0 ||
               read_depth > 0;
}

static void leave_as_reader(void)
{
        if (atomic_fetch_sub(&readers, 1) == 1 && atomic_load(&writer) != 0)
                futex_wake_all(&readers);
}

void fl_forklock_read_lock(struct fl_lock_token *token)
{
        if (lock_is_nested_or_off(token))
                return;
        block_all_signals(&token->saved_mask);
        for (;;) {
                if (atomic_load(&writer) == 0) {
                        atomic_fetch_add(&readers, 1);
                        if (atomic_load(&writer) == 0)
                                break;
                        leave_as_reader();
                }
                futex_wait(&writer, 1);
        }
        read_depth = 1;
        token->acquired = true;
}

void fl_forklock_read_unlock(struct fl_lock_token *token)
{
        if (!token->acquired)
                return;
        read_depth = 0;
        leave_as_reader();
        restore_signals(&token->saved_mask);
}

void fl_forklock_write_lock(struct fl_lock_token *token)
{
        uint32_t count;

        if (atomic_load_explicit(&disabled, memory_order_relaxed) || write_depth > 0) {
                token->acquired = false;
                return;
        }
        block_all_signals(&token->saved_mask);
        for (uint32_t free_word = 0; !atomic_compare_exchange_weak(&writer, &free_word, 1);
             free_word = 0)
                futex_wait(&writer, 1);
        while ((count = atomic_load(&readers)) != 0)
                futex_wait(&readers, count);
        write_depth = 1;
        token->acquired = true;
}

void fl_forklock_restore_mask(const struct fl_lock_token *token)
{
        if (token->acquired)
                restore_signals(&token->saved_mask);
}

void fl_forklock_write_unlock(struct fl_lock_token *token)
{
        if (!token->acquired)
                return;
        write_depth = 0;
        atomic_store(&writer, 0);
        futex_wake_all(&writer);
        restore_signals(&token->saved_mask);
}

void fl_forklock_child_reset(struct fl_lock_token *token)
{
        atomic_store(&readers, 0);
        atomic_store(&writer, 0);
        read_depth = 0;
        write_depth = 0;
        if (token->acquired)
                restore_signals(&token->saved_mask);
        token->acquired = false;
}

bool fl_forklock_write_held_by_me(void)
{
        return write_depth > 0;
}
