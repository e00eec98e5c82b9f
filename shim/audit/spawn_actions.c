#include "spawn_actions.h"

#include <stdatomic.h>
#include <stdint.h>

/* A slot is free when owner is 0, being filled when it is CLAIMING; lock-free, so a fork in
 * another thread can never leave it held. */
#define CLAIMING ((uintptr_t)1)

struct spawn_action_slot {
        _Atomic uintptr_t owner;
        int fd, newfd;
};
/* Common storage, after every object's small variables (fdtable.c says why). */
extern struct spawn_action_slot fl_spawn_action_slots[FL_SPAWN_ACTIONS_MAX]
    __attribute__((visibility("hidden")));
struct spawn_action_slot fl_spawn_action_slots[FL_SPAWN_ACTIONS_MAX] __attribute__((common));
#define slots fl_spawn_action_slots

void fl_spawn_actions_note_dup2(const posix_spawn_file_actions_t *actions, int fd, int newfd)
{
        for (int i = 0; i < FL_SPAWN_ACTIONS_MAX; i++) {
                uintptr_t free_slot = 0;

                if (!atomic_compare_exchange_strong(&slots[i].owner, &free_slot, CLAIMING))
                        continue;
                slots[i].fd = fd;
                slots[i].newfd = newfd;
                atomic_store_explicit(&slots[i].owner, (uintptr_t)actions, memory_order_release);
                return;
        }
}

void fl_spawn_actions_forget(const posix_spawn_file_actions_t *actions)
{
        for (int i = 0; i < FL_SPAWN_ACTIONS_MAX; i++) {
                uintptr_t mine = (uintptr_t)actions;

                atomic_compare_exchange_strong(&slots[i].owner, &mine, 0);
        }
}

int fl_spawn_actions_dup2s(const posix_spawn_file_actions_t *actions, struct fl_spawn_dup2 *out,
                           int max)
{
        int n = 0;

        for (int i = 0; i < FL_SPAWN_ACTIONS_MAX && n < max; i++) {
                if (atomic_load_explicit(&slots[i].owner, memory_order_acquire) !=
                    (uintptr_t)actions)
                        continue;
                out[n].fd = slots[i].fd;
                out[n].newfd = slots[i].newfd;
                n++;
        }
        return n;
}
