#include "ids.h"
#include "fork_data.h"
#include "hot.h"
#include "raw_syscall.h"

#include <errno.h>
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

static struct pid_page *_Atomic page FL_FORK_DATA;
/* While a vfork (or CLONE_VM) child may run on this memory, the caches are the parent's: ask the
 * kernel instead. Counted, since several threads may vfork at once. */
static _Atomic int shared_memory_children FL_FORK_DATA;
/* A thread's tid, valid only in the process it was read in: a fork child's thread keeps the
 * forking thread's copy. */
static __thread pid_t cached_tid;
static __thread pid_t cached_tid_pid;

/* The page costs a mapping, a madvise and a fault: most of what a short program (a shell's
 * /bin/true, a build's compiler driver) would spend on ids. It is made once a process has asked
 * for its pid a few times, so that such a program never pays for it. */
#define CALLS_BEFORE_PAGE 16

static _Atomic bool started FL_FORK_DATA;
static _Atomic int uncached_calls FL_FORK_DATA;
/* In a fork child the page is left alone (the kernel wiped it: its first touch is a fault and a
 * fresh zeroed page) until the child has asked as often as a new process would before its page
 * is made: a child that execs soon asks the kernel a few times instead. */
static _Atomic bool page_cold FL_FORK_DATA;

void fl_ids_start(void)
{
        atomic_store(&started, true);
}

static bool kernel_must_answer(void)
{
        return atomic_load_explicit(&shared_memory_children, memory_order_relaxed) != 0;
}

/* Async-signal-safe (system calls only, no lock): two makers racing keep the first page. A kernel
 * that cannot wipe it (before 4.14) is not asked again. */
static struct pid_page *make_page(void)
{
        struct pid_page *none = NULL;
        size_t size = sizeof(struct pid_page); /* the kernel rounds it up to a page */
        int saved = errno;
        void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        if (map != MAP_FAILED && madvise(map, size, MADV_WIPEONFORK) != 0) {
                munmap(map, size);
                map = MAP_FAILED;
        }
        if (map == MAP_FAILED)
                atomic_store(&started, false);
        else if (!atomic_compare_exchange_strong(&page, &none, (struct pid_page *)map))
                munmap(map, size);
        errno = saved;
        return atomic_load(&page);
}

static bool page_warm(void)
{
        if (!atomic_load_explicit(&page_cold, memory_order_relaxed))
                return true;
        if (atomic_fetch_add_explicit(&uncached_calls, 1, memory_order_relaxed) < CALLS_BEFORE_PAGE)
                return false;
        atomic_store_explicit(&page_cold, false, memory_order_relaxed);
        return true;
}

static struct pid_page *pid_cache(void)
{
        struct pid_page *cache = atomic_load_explicit(&page, memory_order_acquire);

        if (cache)
                return page_warm() ? cache : NULL;
        if (!atomic_load_explicit(&started, memory_order_relaxed) ||
            atomic_fetch_add_explicit(&uncached_calls, 1, memory_order_relaxed) < CALLS_BEFORE_PAGE)
                return cache;
        return make_page();
}

void fl_ids_shared_child_begin(void)
{
        atomic_fetch_add(&shared_memory_children, 1);
}

void fl_ids_shared_child_end(void)
{
        atomic_fetch_sub(&shared_memory_children, 1);
}

FL_HOT pid_t fl_ids_pid(void)
{
        struct pid_page *cache;
        pid_t pid;

        if (kernel_must_answer() || !(cache = pid_cache()))
                return (pid_t)fl_raw_syscall(SYS_getpid);
        pid = atomic_load_explicit(&cache->pid, memory_order_relaxed);
        if (pid == 0) {
                pid = (pid_t)fl_raw_syscall(SYS_getpid);
                atomic_store_explicit(&cache->pid, pid, memory_order_relaxed);
        }
        return pid;
}

FL_HOT pid_t fl_ids_tid(void)
{
        pid_t pid;

        if (kernel_must_answer() || !atomic_load_explicit(&page, memory_order_relaxed) ||
            atomic_load_explicit(&page_cold, memory_order_relaxed))
                return (pid_t)fl_raw_syscall(SYS_gettid);
        pid = fl_ids_pid();
        if (cached_tid_pid != pid) {
                cached_tid = (pid_t)fl_raw_syscall(SYS_gettid);
                cached_tid_pid = pid;
        }
        return cached_tid;
}

/* The page itself needs no reset: it is wiped in every child with its own memory. */
void fl_ids_child_reset(void)
{
        if (!atomic_load_explicit(&page, memory_order_relaxed))
                return;
        atomic_store_explicit(&uncached_calls, 0, memory_order_relaxed);
        atomic_store_explicit(&page_cold, true, memory_order_relaxed);
}
