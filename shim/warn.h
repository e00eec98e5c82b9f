/* One-line warnings on stderr, without stdio or malloc, so they are safe in a constructor that runs
 * before libc is fully up and in a fork child. */
#ifndef FL_WARN_H
#define FL_WARN_H

/* Writes "forklock: " followed by the given strings (NULL-terminated list) and a newline, in one
 * write(2). Text beyond 512 bytes is cut. errno is preserved. */
void fl_warn(const char *first, ...) __attribute__((sentinel));

/* Where warnings go; tests point it at a pipe. Defaults to 2. */
extern int fl_warn_fd;

#endif
