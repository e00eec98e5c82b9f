/* FL_FORK_DATA: a variable that both sides of a fork write soon after it (the fork lock's state,
 * the pid cache's bookkeeping). After fork every private page is shared copy-on-write, so each
 * page either side writes costs a page fault and, while the other side still shares it, a copy:
 * in the parent of every fork and in every child before its exec. Placed in .data, which holds
 * little else: the library's shim state (preload/init.c), whose decision counts every record
 * updates, so all of it shares that one page instead of three. Zero-initialized still. */
#ifndef FL_FORK_DATA_H
#define FL_FORK_DATA_H

#define FL_FORK_DATA __attribute__((section(".data")))

#endif
