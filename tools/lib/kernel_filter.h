/* The classic-BPF seccomp program that makes the running kernel answer as an older one. */
#ifndef FL_KERNEL_FILTER_H
#define FL_KERNEL_FILTER_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

/* Room for every boundary on both architectures with arguments checked, with margin. */
#define FL_FILTER_MAX 512

/* Writes the program for `version` into `out`; returns its length, or 0 if `cap` is too small.
 * The program dispatches on the architecture first (x86_64, aarch64, i386; anything else, such as
 * 32-bit ARM compat, kills the process, since our numbers do not apply),
 * refuses x32 calls with ENOSYS, then refuses each boundary above `version` with its errno. */
size_t fl_kernel_build_filter(uint32_t version, struct sock_filter *out, size_t cap);

/* PR_SET_NO_NEW_PRIVS, then the filter for `version`, for this process and all it starts.
 * Returns 0, or -1 with errno set. */
int fl_kernel_install_filter(uint32_t version);

#endif
