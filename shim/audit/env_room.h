/* Room for an envp too big for the stack (more than FL_ENV_STACK_WORDS pointers: 20,000 entries
 * would overflow a 128 KiB thread stack). Mapped with mmap, unmapped after the spawn or the failed
 * exec. A successful exec frees it with the address space, except in a vfork or CLONE_VM child,
 * whose mapping lands in the parent's memory: each mapping is therefore noted with its owner's tid
 * in a small table, and a later call sweeps the entries whose owner no longer shares this memory
 * (kcmp KCMP_VM, or the owner is gone). At most FL_ENV_ROOM_LENT mappings are out at once; beyond
 * that (or when mmap fails) there is no room and the envp goes unchanged. Raw syscalls, no malloc,
 * async-signal-safe. */
#ifndef FL_ENV_ROOM_H
#define FL_ENV_ROOM_H

#include <stddef.h>

#define FL_ENV_STACK_WORDS 256
#define FL_ENV_ROOM_LENT   16

/* words pointers of mapped room, or NULL. */
char **fl_env_room_map(size_t words);
void fl_env_room_unmap(char **room, size_t words);

#endif
