/* The fork lock on its own: readers share, a writer excludes them and is not starved by a stream
 * of them, nesting is a no-op, signals are blocked while the read side is held, and a fork child
 * starts with the lock released. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "forklock.h"

static atomic_bool stop;
static atomic_int inside;

static void sleep_ms(long ms)
{
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

        nanosleep(&ts, NULL);
}

static void *read_forever(void *unused)
{
        (void)unused;
        while (!atomic_load(&stop)) {
                struct fl_lock_token token;

                fl_forklock_read_lock(&token);
                atomic_fetch_add(&inside, 1);
                atomic_fetch_sub(&inside, 1);
                fl_forklock_read_unlock(&token);
        }
        return NULL;
}

Test(forklock, writers_are_not_starved_by_a_stream_of_readers, .timeout = 60)
{
        pthread_t readers[3];

        atomic_store(&stop, false);
        for (int i = 0; i < 3; i++)
                pthread_create(&readers[i], NULL, read_forever, NULL);
        for (int i = 0; i < 2000; i++) {
                struct fl_lock_token token;

                fl_forklock_write_lock(&token);
                cr_assert(token.acquired);
                cr_assert_eq(atomic_load(&inside), 0, "a reader inside while the writer holds");
                fl_forklock_write_unlock(&token);
        }
        atomic_store(&stop, true);
        for (int i = 0; i < 3; i++)
                pthread_join(readers[i], NULL);
}

static atomic_int reader_got_in;

static void *read_once(void *unused)
{
        struct fl_lock_token token;

        (void)unused;
        fl_forklock_read_lock(&token);
        atomic_store(&reader_got_in, 1);
        fl_forklock_read_unlock(&token);
        return NULL;
}

Test(forklock, a_reader_waits_for_the_writer, .timeout = 30)
{
        struct fl_lock_token token;
        pthread_t reader;

        atomic_store(&reader_got_in, 0);
        fl_forklock_write_lock(&token);
        pthread_create(&reader, NULL, read_once, NULL);
        sleep_ms(100);
        cr_assert_eq(atomic_load(&reader_got_in), 0, "the reader got in under the write side");
        fl_forklock_write_unlock(&token);
        pthread_join(reader, NULL);
        cr_assert_eq(atomic_load(&reader_got_in), 1);
}

Test(forklock, readers_share_the_lock, .timeout = 30)
{
        struct fl_lock_token token;
        pthread_t reader;

        atomic_store(&reader_got_in, 0);
        fl_forklock_read_lock(&token);
        pthread_create(&reader, NULL, read_once, NULL);
        pthread_join(reader, NULL);
        cr_assert_eq(atomic_load(&reader_got_in), 1, "a second reader must not wait for the first");
        fl_forklock_read_unlock(&token);
}

Test(forklock, nesting_in_one_thread_is_a_no_op, .timeout = 30)
{
        struct fl_lock_token outer, inner, read;

        fl_forklock_write_lock(&outer);
        fl_forklock_write_lock(&inner);
        fl_forklock_read_lock(&read);
        cr_assert(outer.acquired);
        cr_assert_not(inner.acquired);
        cr_assert_not(read.acquired, "a signal handler in a writer must not wait for itself");
        fl_forklock_read_unlock(&read);
        fl_forklock_write_unlock(&inner);
        cr_assert(fl_forklock_write_held_by_me());
        fl_forklock_write_unlock(&outer);
        cr_assert_not(fl_forklock_write_held_by_me());
}

Test(forklock, signals_are_blocked_while_the_read_side_is_held)
{
        struct fl_lock_token token;
        sigset_t now;

        fl_forklock_read_lock(&token);
        pthread_sigmask(SIG_BLOCK, NULL, &now);
        cr_assert(sigismember(&now, SIGALRM));
        cr_assert(sigismember(&now, SIGTERM));
        fl_forklock_read_unlock(&token);
        pthread_sigmask(SIG_BLOCK, NULL, &now);
        cr_assert_not(sigismember(&now, SIGALRM), "the caller's mask is back");
}

Test(forklock, a_fork_child_starts_with_the_lock_released, .timeout = 30)
{
        struct fl_lock_token token;
        pid_t pid;
        int status;

        fl_forklock_write_lock(&token);
        pid = fork();
        if (pid == 0) {
                pthread_t reader;

                alarm(10); /* a reader blocked on the inherited write side would hang */
                fl_forklock_child_reset(&token);
                if (fl_forklock_write_held_by_me())
                        _exit(1);
                pthread_create(&reader, NULL, read_once, NULL);
                pthread_join(reader, NULL);
                _exit(atomic_load(&reader_got_in) == 1 ? 0 : 2);
        }
        fl_forklock_write_unlock(&token);
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
}

/* A thread's depth and mask change together. A traced child holds the write
 * side with its mask given back (as posix_spawn and exec do) and unlocks; the tracer steps it k
 * instructions into the unlock, then delivers a signal whose handler takes the write side, as a
 * SIGHUP handler that re-execs would. At every k the handler must find the lock nested or free. */
static void take_the_write_side(int sig)
{
        struct fl_lock_token token;

        (void)sig;
        fl_forklock_write_lock(&token);
        fl_forklock_write_unlock(&token);
}

static void traced_unlock(void)
{
        struct fl_lock_token token;

        signal(SIGUSR1, take_the_write_side);
        ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        fl_forklock_write_lock(&token);
        fl_forklock_restore_mask(&token);
        raise(SIGSTOP);
        fl_forklock_write_unlock(&token);
        _exit(0);
}

/* 1: the child finished the unlock within k steps; 0: signalled at step k and exited; -1: hung. */
static int signal_at_step(long k)
{
        pid_t pid = fork();
        int status;

        if (pid == 0)
                traced_unlock();
        waitpid(pid, &status, 0);
        for (long i = 0; i < k; i++) {
                ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL);
                waitpid(pid, &status, 0);
                if (WIFEXITED(status))
                        return 1;
        }
        ptrace(PTRACE_DETACH, pid, NULL, (void *)(long)SIGUSR1);
        for (int ms = 0; ms < 2000; ms++) {
                if (waitpid(pid, &status, WNOHANG) == pid)
                        return 0;
                sleep_ms(1);
        }
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return -1;
}

Test(forklock, a_signal_anywhere_in_the_unlock_finds_the_lock_nested_or_free, .timeout = 120)
{
        long k;
        int outcome = 0;

#ifdef __SANITIZE_ADDRESS__
        /* Instrumented, the unlock is thousands of steps, each a fresh traced child: minutes. */
        cr_skip_test("single-stepping the instrumented unlock takes too long");
#endif
        for (k = 0; k < 5000 && (outcome = signal_at_step(k)) == 0; k += 1)
                ;
        cr_assert_eq(outcome, 1, "the handler deadlocked when signalled %ld instructions in", k);
        fprintf(stderr, "unlock window: signalled at each of %ld instructions, no deadlock\n", k);
}
