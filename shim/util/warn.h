/* Warnings, without stdio or malloc, safe in a constructor that runs before libc is fully up and in
 * a fork child. The library never writes a warning to the program's fds: a warning goes to a sink,
 * which the recorder sets once it knows where (the ring, or a person: see warn_speak.h). Until
 * then warnings wait in a small static queue. */
#ifndef FL_WARN_H
#define FL_WARN_H

#include <stddef.h>

#define FL_WARN_MAX   512 /* bytes of one warning's text, NUL excluded; longer text is cut */
#define FL_WARN_QUEUE 8   /* warnings kept before a sink exists; later ones are dropped */

/* The text is the strings given (NULL-terminated list) joined, without a "forklock: " prefix or a
 * newline. errno is preserved. */
void fl_warn(const char *first, ...) __attribute__((sentinel));

typedef void (*fl_warn_sink)(const char *text, size_t len);

/* Sends every queued warning to sink, oldest first, then each new one as it comes. NULL: queue
 * again. Called once by the recorder at start-up; the tools set fl_warn_to_fd. */
void fl_warn_set_sink(fl_warn_sink sink);

/* A sink for the tools and tests: "forklock: TEXT\n" in one write(2) to fl_warn_fd (default 2). */
extern int fl_warn_fd;
void fl_warn_to_fd(const char *text, size_t len);

#endif
