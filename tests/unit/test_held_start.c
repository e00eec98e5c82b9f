/* The START of an image that inherited nothing waits for the image's first other record
 * (recorder.h): written once, just before that record, whichever thread makes it; never by a
 * child of the image; never when the image records nothing else. Here on an anonymous ring, which
 * a fork child shares. */
#include <criterion/criterion.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "recorder.h"
#include "ring.h"

#define THREADS            8
#define RECORDS_PER_THREAD 50

static struct fl_shim shim;
static atomic_int start_writes;
static atomic_bool release_writer;
static atomic_bool writer_blocks;
static atomic_int nested_records;
static atomic_bool slow_start;

/* A START that takes a while to write, as one does in a new image (its text, two first writes to
 * the ring's pages): long enough that a thread that did not wait would record before it. */
static void take_a_while(void)
{
        struct timespec t0, t;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        do
                clock_gettime(CLOCK_MONOTONIC, &t);
        while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 2000000L);
}

static void record(enum fl_call call, int fd)
{
        struct fl_record r;

        memset(&r, 0, sizeof(r));
        r.call = (uint16_t)call;
        r.fd = fd;
        r.fd2 = -1;
        fl_recorder_emit(&r);
}

static void write_start(void)
{
        atomic_fetch_add(&start_writes, 1);
        /* What a signal handler on the writing thread would do: record before START is out. */
        for (int i = 0; i < atomic_load(&nested_records); i++)
                record(FL_CALL_WARNING, i);
        while (atomic_load(&writer_blocks) && !atomic_load(&release_writer))
                sched_yield();
        if (atomic_load(&slow_start))
                take_a_while();
        record(FL_CALL_START, -1);
}

static void setup(void)
{
        memset(&shim, 0, sizeof(shim));
        fl_recorder_start(&shim, NULL, NULL);
        cr_assert_not_null(fl_recorder_ring()->hdr, "no anonymous ring");
}

TestSuite(held_start, .init = setup);

static uint64_t head(void)
{
        return atomic_load((_Atomic uint64_t *)&fl_recorder_ring()->hdr->head);
}

static const struct fl_record *at(uint64_t seq)
{
        const struct fl_ring *ring = fl_recorder_ring();

        return &ring->slots[seq & ring->mask];
}

Test(held_start, an_image_that_records_nothing_writes_nothing)
{
        fl_recorder_hold_start(write_start);
        cr_expect_eq(head(), 0);
        cr_expect_eq(atomic_load(&start_writes), 0);
}

Test(held_start, is_written_once_just_before_the_first_record)
{
        fl_recorder_hold_start(write_start);
        record(FL_CALL_SOCKET, 3);
        record(FL_CALL_CLOSE, 3);
        cr_assert_eq(head(), 3);
        cr_expect_eq(at(1)->call, FL_CALL_START);
        cr_expect_eq(at(2)->call, FL_CALL_SOCKET);
        cr_expect_eq(at(3)->call, FL_CALL_CLOSE);
        cr_expect_eq(atomic_load(&start_writes), 1);
        cr_expect_eq(at(1)->pid, getpid());
}

Test(held_start, a_fork_child_records_as_itself_and_leaves_the_parents_start)
{
        pid_t child;
        int status;

        fl_recorder_hold_start(write_start);
        child = fork();
        cr_assert(child >= 0);
        if (child == 0) {
                record(FL_CALL_EXEC, -1);
                _exit(atomic_load(&start_writes) == 0 ? 0 : 1);
        }
        cr_assert_eq(waitpid(child, &status, 0), child);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child wrote the START");
        cr_assert_eq(head(), 1);
        cr_expect_eq(at(1)->call, FL_CALL_EXEC);
        cr_expect_eq(at(1)->pid, child);
        record(FL_CALL_FORK, -1);
        cr_assert_eq(head(), 3);
        cr_expect_eq(at(2)->call, FL_CALL_START);
        cr_expect_eq(at(2)->pid, getpid());
        cr_expect_eq(at(3)->call, FL_CALL_FORK);
}

static pthread_barrier_t barrier;

static void *record_many(void *arg)
{
        (void)arg;
        pthread_barrier_wait(&barrier);
        for (int i = 0; i < RECORDS_PER_THREAD; i++)
                record(FL_CALL_SOCKET, 3 + i);
        return NULL;
}

/* In a child of the test (a new image of its own for the recorder): its threads race to make its
 * first record; 0 when START came first among its records, and once. */
static int race_in_child(void)
{
        pthread_t threads[THREADS];
        uint64_t first = 0;
        int starts = 0;
        pid_t self = getpid();

        fl_recorder_hold_start(write_start);
        pthread_barrier_init(&barrier, NULL, THREADS);
        for (int i = 0; i < THREADS; i++)
                pthread_create(&threads[i], NULL, record_many, NULL);
        for (int i = 0; i < THREADS; i++)
                pthread_join(threads[i], NULL);
        for (uint64_t seq = 1; seq <= head(); seq++) {
                if (at(seq)->pid != self)
                        continue;
                if (!first)
                        first = seq;
                starts += at(seq)->call == FL_CALL_START;
        }
        return first && at(first)->call == FL_CALL_START && starts == 1 ? 0 : 1;
}

Test(held_start, threads_racing_to_record_first_find_start_first_and_once, .timeout = 60)
{
        atomic_store(&slow_start, true);
        for (int round = 0; round < 5; round++) {
                pid_t child = fork();
                int status;

                cr_assert(child >= 0);
                if (child == 0)
                        _exit(race_in_child());
                cr_assert_eq(waitpid(child, &status, 0), child);
                cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                          "round %d: a record before START, or two STARTs", round);
        }
        cr_expect_eq(atomic_load(&start_writes), 0, "the parent wrote a START");
}

/* Such a record cannot wait for START, which its own thread is writing: it goes first, at once.
 * Were it to wait for itself, each of these would sit out the whole bounded wait (10,000 yields,
 * a few ms): together far past the timeout. */
#define NESTED 2000

Test(held_start, a_record_made_on_the_thread_writing_start_goes_first_at_once, .timeout = 3)
{
        atomic_store(&nested_records, NESTED);
        fl_recorder_hold_start(write_start);
        record(FL_CALL_SOCKET, 3);
        cr_assert_eq(head(), NESTED + 2);
        cr_expect_eq(at(1)->call, FL_CALL_WARNING);
        cr_expect_eq(at(NESTED + 1)->call, FL_CALL_START);
        cr_expect_eq(at(NESTED + 2)->call, FL_CALL_SOCKET);
}

static void *record_one(void *arg)
{
        record(FL_CALL_SOCKET, *(int *)arg);
        return NULL;
}

/* A writer that does not come back (cancelled, stopped in a debugger) holds the others only for
 * a bounded wait: their records go on without it. */
Test(held_start, other_threads_wait_for_a_stuck_writer_only_so_long, .timeout = 30)
{
        pthread_t writer, other;
        int writer_fd = 3, other_fd = 4;

        atomic_store(&writer_blocks, true);
        fl_recorder_hold_start(write_start);
        pthread_create(&writer, NULL, record_one, &writer_fd);
        while (atomic_load(&start_writes) == 0)
                sched_yield();
        pthread_create(&other, NULL, record_one, &other_fd);
        pthread_join(other, NULL);
        cr_expect_eq(head(), 1, "the other thread's record did not go on without START");
        cr_expect_eq(at(1)->fd, other_fd);
        atomic_store(&release_writer, true);
        pthread_join(writer, NULL);
        cr_assert_eq(head(), 3);
        cr_expect_eq(at(2)->call, FL_CALL_START);
        cr_expect_eq(at(3)->fd, writer_fd);
}
