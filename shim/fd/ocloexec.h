/* The O_CLOEXEC calls' shared kernel call: before Linux 2.6.23 the kernel ignores O_CLOEXEC
 * without an error, so no errno can say it was refused. The first call that passes O_CLOEXEC in
 * enforce mode is made under the read side of the fork lock and its fd checked with F_GETFD:
 * ignored, the fd is marked there and the refusal remembered, so every later call takes the
 * algorithm's fallback. */
#ifndef FL_OCLOEXEC_H
#define FL_OCLOEXEC_H

#include "cloexec.h"

typedef int (*fl_ocloexec_make)(const struct fl_shim *shim, const struct fl_creation *c, int flags);

int fl_ocloexec_call(const struct fl_shim *shim, const struct fl_creation *c, int flags,
                     fl_ocloexec_make make);

/* No errno means O_CLOEXEC was refused: the probe finds out. */
bool fl_ocloexec_never_refused(const struct fl_shim *shim, const struct fl_creation *c, int err);

/* The record of a call that made one fd (or a pipe's two): fd, fd2 and text = path (may be
 * NULL), flags in O_CLOEXEC's spelling. */
void fl_created_describe(const struct fl_creation *c, struct fl_record *record, const char *path);

#endif
