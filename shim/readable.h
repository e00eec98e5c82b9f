/* exec's argv and envp are the application's pointers; the kernel answers EFAULT for bad ones, and
 * the wrappers must not crash where the kernel would have answered. */
#ifndef FL_READABLE_H
#define FL_READABLE_H

#include <stdbool.h>

/* True when the NULL-terminated vector (NULL itself counts as empty, as Linux takes it) and every
 * string in it lie in mapped memory. Checks page by page with mincore, a few calls in all. */
bool fl_vector_readable(char *const vector[]);

#endif
