#include "env_room.h"

#include <errno.h>
#include <linux/kcmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CLAIMING ((uintptr_t)1)

static struct {
        _Atomic uintptr_t addr; /* 0 free, CLAIMING being filled, else the mapping */
        size_t len;
        pid_t owner;
} lent[FL_ENV_ROOM_LENT];

static size_t bytes_of(size_t words)
{
        size_t page = 4096;

        return (words * sizeof(char *) + page - 1) / page * page;
}

/* The owner exec'd (its memory is no longer ours) or is gone: the mapping is garbage here. */
static bool owner_left(pid_t owner, pid_t self_tid)
{
        long same;

        if (owner == self_tid)
                return false;
        same = syscall(SYS_kcmp, syscall(SYS_getpid), owner, KCMP_VM, 0, 0);
        return same > 0 || (same < 0 && errno == ESRCH);
}

static void sweep(void)
{
        pid_t self = (pid_t)syscall(SYS_gettid);

        for (int i = 0; i < FL_ENV_ROOM_LENT; i++) {
                uintptr_t addr = atomic_load(&lent[i].addr);
                size_t len = lent[i].len;

                if (addr <= CLAIMING || !owner_left(lent[i].owner, self) ||
                    !atomic_compare_exchange_strong(&lent[i].addr, &addr, 0))
                        continue;
                syscall(SYS_munmap, addr, len);
        }
}

static bool lend(void *addr, size_t len)
{
        for (int i = 0; i < FL_ENV_ROOM_LENT; i++) {
                uintptr_t free_slot = 0;

                if (!atomic_compare_exchange_strong(&lent[i].addr, &free_slot, CLAIMING))
                        continue;
                lent[i].len = len;
                lent[i].owner = (pid_t)syscall(SYS_gettid);
                atomic_store(&lent[i].addr, (uintptr_t)addr);
                return true;
        }
        return false;
}

char **fl_env_room_map(size_t words)
{
        int saved = errno;
        size_t len = bytes_of(words);
        long addr;

        sweep();
        addr = syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                       0);
        if (addr == -1 || !lend((void *)addr, len)) {
                if (addr != -1)
                        syscall(SYS_munmap, addr, len);
                errno = saved;
                return NULL;
        }
        errno = saved;
        return (char **)addr;
}

void fl_env_room_unmap(char **room, size_t words)
{
        int saved = errno;

        for (int i = 0; room && i < FL_ENV_ROOM_LENT; i++) {
                uintptr_t addr = (uintptr_t)room;

                if (atomic_compare_exchange_strong(&lent[i].addr, &addr, 0)) {
                        syscall(SYS_munmap, room, bytes_of(words));
                        break;
                }
        }
        errno = saved;
}
