/* Which scope of enforce mode would have kept a leaked fd from crossing exec, told from the
 * records alone. Scope sockets changes the sockets libc made (socket, socketpair, accept: the only
 * creating calls whose inode the ring notes, so a leak whose inode has such an origin is one);
 * everything else, including a socket no wrapper saw (a raw syscall, one received, one held
 * before forklock started), is closed only by scope all, whose exec-time net takes every fd not
 * passed on purpose. Shared by the report and the tree so that they cannot disagree. */
#ifndef FL_FIX_SCOPE_H
#define FL_FIX_SCOPE_H

#include <stdbool.h>

#include "config.h"

/* kind: the INHERIT record's enum fl_fd_kind; created: its inode has a recorded socket origin. */
enum fl_scope fix_scope_needed(int kind, bool created);

/* "the default scope closes this", "--scope=all closes this", "the current scope (all) ..." */
const char *fix_scope_hint(enum fl_scope needed, enum fl_scope current);

/* The scope the audited command ran with: the --scope option, else FORKLOCK_SCOPE as the
 * library reads it, else the default. */
enum fl_scope fix_scope_current(const char *option);

#endif
