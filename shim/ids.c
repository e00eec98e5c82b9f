#include "ids.h"

#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

static _Atomic pid_t cached_pid;
/* While a vfork (or CLONE_VM) child may run on this memory, the caches are the parent's: ask the
 * kernel instead. Counted, since several threads may vfork at once. */
static _Atomic int shared_memory_children;
static __thread pid_t cached_tid;
/* Bumped in each fork child, so threads' cached tids from before the fork are not trusted. */
static _Atomic unsigned generation = 1;
static __thread unsigned tid_generation;

void fl_ids_shared_child_begin(void)
{
        atomic_fetch_add(&shared_memory_children, 1);
}

void fl_ids_shared_child_end(void)
{
        atomic_fetch_sub(&shared_memory_children, 1);
}

pid_t fl_ids_pid(void)
{
        pid_t pid = atomic_load_explicit(&cached_pid, memory_order_relaxed);

        if (atomic_load_explicit(&shared_memory_children, memory_order_relaxed))
                return (pid_t)syscall(SYS_getpid);
        if (pid == 0) {
                pid = (pid_t)syscall(SYS_getpid);
                atomic_store_explicit(&cached_pid, pid, memory_order_relaxed);
        }
        return pid;
}

pid_t fl_ids_tid(void)
{
        unsigned now = atomic_load_explicit(&generation, memory_order_relaxed);

        if (atomic_load_explicit(&shared_memory_children, memory_order_relaxed))
                return (pid_t)syscall(SYS_gettid);
        if (tid_generation != now) {
                cached_tid = (pid_t)syscall(SYS_gettid);
                tid_generation = now;
        }
        return cached_tid;
}

void fl_ids_child_reset(void)
{
        atomic_store(&cached_pid, 0);
        atomic_fetch_add(&generation, 1);
}
