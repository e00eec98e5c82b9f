/* FL_FORK_DATA: a variable that both sides of a fork may write soon after it (the fork lock's
 * state, the pid cache's bookkeeping). After fork every private page is shared copy-on-write, so
 * each page either side writes costs a page fault and, while the other side still shares it, a
 * copy: in the parent of every fork and in every child before its exec. Placed in .data, beside
 * the library's shim state (preload/init.c), so that all of it is one page instead of three. In a
 * process with one thread the lock is not taken and no record writes this page: the parent of a
 * fork copies no page of the library's. Zero-initialized still. */
#ifndef FL_FORK_DATA_H
#define FL_FORK_DATA_H

#define FL_FORK_DATA __attribute__((section(".data")))

#endif
