#include "ids.h"

#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The pid cache lives in a page the kernel zeroes in every child with its own memory
 * (MADV_WIPEONFORK), so that no fork, wrapped or not (daemon, forkpty, a raw clone), leaves it
 * stale. Without that page nothing is cached. */
struct pid_page {
        _Atomic pid_t pid;
};

static struct pid_page *_Atomic page;
/* While a vfork (or CLONE_VM) child may run on this memory, the caches are the parent's: ask the
 * kernel instead. Counted, since several threads may vfork at once. */
static _Atomic int shared_memory_children;
/* A thread's tid, valid only in the process it was read in: a fork child's thread keeps the
 * forking thread's copy. */
static __thread pid_t cached_tid;
static __thread pid_t cached_tid_pid;

void fl_ids_start(void)
{
        void *map;

        if (atomic_load(&page))
                return;
        map = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (map == MAP_FAILED)
                return;
        if (madvise(map, (size_t)sysconf(_SC_PAGESIZE), MADV_WIPEONFORK) != 0) {
                munmap(map, (size_t)sysconf(_SC_PAGESIZE));
                return;
        }
        atomic_store(&page, (struct pid_page *)map);
}

void fl_ids_shared_child_begin(void)
{
        atomic_fetch_add(&shared_memory_children, 1);
}

void fl_ids_shared_child_end(void)
{
        atomic_fetch_sub(&shared_memory_children, 1);
}

static bool kernel_must_answer(void)
{
        return atomic_load_explicit(&shared_memory_children, memory_order_relaxed) != 0;
}

pid_t fl_ids_pid(void)
{
        struct pid_page *cache = atomic_load_explicit(&page, memory_order_acquire);
        pid_t pid;

        if (!cache || kernel_must_answer())
                return (pid_t)syscall(SYS_getpid);
        pid = atomic_load_explicit(&cache->pid, memory_order_relaxed);
        if (pid == 0) {
                pid = (pid_t)syscall(SYS_getpid);
                atomic_store_explicit(&cache->pid, pid, memory_order_relaxed);
        }
        return pid;
}

pid_t fl_ids_tid(void)
{
        pid_t pid;

        if (kernel_must_answer() || !atomic_load_explicit(&page, memory_order_relaxed))
                return (pid_t)syscall(SYS_gettid);
        pid = fl_ids_pid();
        if (cached_tid_pid != pid) {
                cached_tid = (pid_t)syscall(SYS_gettid);
                cached_tid_pid = pid;
        }
        return cached_tid;
}

void fl_ids_child_reset(void)
{
        struct pid_page *cache = atomic_load(&page);

        if (cache)
                atomic_store(&cache->pid, 0);
}
