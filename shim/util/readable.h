/* exec's argv and envp are the application's pointers; the kernel answers EFAULT for bad ones, and
 * the wrappers must not crash where the kernel would have answered. Mapped is not enough: a
 * PROT_NONE page or a file page past end of file is mapped, and touching it raises a signal. */
#ifndef FL_READABLE_H
#define FL_READABLE_H

#include <stdbool.h>
#include <stddef.h>

/* True when the NULL-terminated vector (NULL itself counts as empty, as Linux takes it) and every
 * string in it can be read. False also when readability cannot be established (no way to ask the
 * kernel): the caller then leaves the vector alone and lets the kernel decide. errno is kept;
 * async-signal-safe; no fd stays open. */
bool fl_vector_readable(char *const vector[]);

/* True when the string at text can be read up to its NUL or up to max bytes, whichever comes
 * first. NULL is not readable. The same ways of asking, the same guarantees. */
bool fl_string_readable(const char *text, size_t max);

#endif
