/* The ring's clock, read where no other preload can fake it (libfaketime interposes
 * clock_gettime): the kernel's vDSO entry found by symbol lookup in the vDSO image itself, or the
 * system call when there is no vDSO. Async-signal-safe; errno untouched. */
#ifndef FL_CLOCK_H
#define FL_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Nanoseconds on clock id (CLOCK_MONOTONIC, CLOCK_REALTIME), 0 on failure. */
int64_t fl_clock_ns(clockid_t id);

#endif
