/* What `forklock run` and `forklock audit` can tell about CMD before running it: whether ld.so
 * will load a preloaded library into it at all. */
#ifndef FL_TARGET_H
#define FL_TARGET_H

#include <stddef.h>

/* NULL when the library can be preloaded into the program execvp(cmd) would start; otherwise
 * why not, as a phrase ("statically linked", "setuid", ...), and the file it found in path.
 * A script is judged by its interpreter. Anything it cannot read or parse: NULL (the exec will
 * say what is wrong). */
const char *fl_target_unloadable(const char *cmd, char *path, size_t size);

#endif
