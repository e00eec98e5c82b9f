#include "recorder.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>

#include "hot.h"
#include "clock.h"
#include "ids.h"
#include "raw_syscall.h"
#include "warn.h"
#include "warn_speak.h"

static struct fl_ring process_ring;

/* The START of an image that inherited no fd, held back until the image records anything else:
 * most exec'd programs (a shell's /bin/true, a build's compiler passes) never do, and then never
 * write to the ring at all (START, with its two first writes to the shared pages, was ~5 us of the
 * ~55 us forklock added to a fork+exec). The state is NOT_HELD, HELD, or the tid of the thread
 * writing it: a signal handler on that thread goes on, other threads wait so that START stays the
 * image's first record. */
enum { START_NOT_HELD = 0, START_HELD = -1 };
#define WAIT_FOR_START_YIELDS 10000

static _Atomic pid_t held_start_state;
static void (*held_start_write)(void);
static pid_t held_start_pid;

void fl_recorder_hold_start(void (*write_start)(void))
{
        held_start_write = write_start;
        held_start_pid = fl_ids_pid();
        atomic_store_explicit(&held_start_state, START_HELD, memory_order_release);
}

/* Out of line: inlined, its loop's registers made every record save and restore three more. */
static __attribute__((noinline, cold)) void write_held_start(void)
{
        pid_t self = fl_ids_tid(), state = START_HELD;

        /* A child of this image (fork, vfork, clone) records as itself: the START is its parent's,
         * which writes it when it records. */
        if (fl_ids_pid() != held_start_pid)
                return;
        if (atomic_compare_exchange_strong(&held_start_state, &state, self)) {
                held_start_write();
                atomic_store_explicit(&held_start_state, START_NOT_HELD, memory_order_release);
                return;
        }
        /* Bounded: a writer that never comes back (cancelled inside it) must not stop the rest. */
        for (int i = 0; state != START_NOT_HELD && state != self && i < WAIT_FOR_START_YIELDS;
             i++) {
                fl_raw_syscall(SYS_sched_yield);
                state = atomic_load_explicit(&held_start_state, memory_order_acquire);
        }
}

FL_HOT void fl_recorder_emit(struct fl_record *record)
{
        if (__builtin_expect(
                atomic_load_explicit(&held_start_state, memory_order_acquire) != START_NOT_HELD, 0))
                write_held_start();
        if (record->pid == 0) {
                record->pid = fl_ids_pid();
                record->tid = fl_ids_tid();
        }
        record->seq = fl_ring_append(&process_ring, record);
}

static void record_warning(const char *text, size_t len)
{
        int parts = (int)((len + FL_RECORD_TEXT - 1) / FL_RECORD_TEXT);

        if (parts > FL_WARNING_MAX_PARTS)
                parts = FL_WARNING_MAX_PARTS;
        for (int i = 0; i < parts || i == 0; i++) {
                struct fl_record record;
                size_t at = (size_t)i * FL_RECORD_TEXT;
                size_t n = len - at < FL_RECORD_TEXT ? len - at : FL_RECORD_TEXT;

                memset(&record, 0, sizeof(record));
                record.call = FL_CALL_WARNING;
                record.fd = i;
                record.fd2 = parts ? parts : 1;
                record.result = (int32_t)len;
                memcpy(record.text, text + at, n);
                fl_recorder_emit(&record);
        }
}

/* No ring file anyone will read: kept in memory for the audit, said to a person at most once. */
static void record_and_speak(const char *text, size_t len)
{
        record_warning(text, len);
        fl_warn_speak(text, len);
}

static int open_file_ring(const char *log_path, uint32_t capacity)
{
        uid_t owner;
        int rc = fl_ring_open_mine(&process_ring, log_path, capacity, &owner);

        if (rc == FL_RING_FOREIGN)
                rc = fl_ring_open_drop(&process_ring, log_path, owner);
        return rc;
}

void fl_recorder_start(struct fl_shim *shim, const char *log_path, const char *ring_text)
{
        uint32_t capacity = fl_ring_capacity_parse(ring_text);

        if (log_path && log_path[0] && open_file_ring(log_path, capacity) == 0) {
                fl_warn_set_sink(record_warning);
        } else {
                fl_ring_open_anonymous(&process_ring, capacity);
                fl_warn_set_sink(record_and_speak);
        }
        shim->emit = fl_recorder_emit;
}

void fl_recorder_forbid_tsc(void)
{
        fl_ring_forbid_tsc(&process_ring);
        fl_clock_forbid_vdso();
}

const struct fl_ring *fl_recorder_ring(void)
{
        return &process_ring;
}
