/* Why an image deeper in the tree ran without the library, told from the file its argv names. */
#ifndef FL_UNLOADED_H
#define FL_UNLOADED_H

#include <stddef.h>

/* For an image that kept no record of its own, from its argv as the parent recorded it at exec
 * (at most max bytes: a record's own text need not end in NUL):
 * "static", "setuid", "setgid" or "capabilities" when the program its first word names (a path,
 * or a name found in PATH as execvp would) cannot have the library preloaded; NULL when the file
 * does not tell (a program that dropped privileges, a file gone since, a relative path that meant
 * another directory). Judged by the auditor's own identity and PATH. */
const char *unloaded_why(const char *argv, size_t max);

#endif
