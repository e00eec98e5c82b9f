/* The ring's clock, read where no other preload can fake it (libfaketime interposes
 * clock_gettime): the kernel's vDSO entry found by symbol lookup in the vDSO image itself, or the
 * system call when there is no vDSO. Async-signal-safe; errno untouched. */
#ifndef FL_CLOCK_H
#define FL_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Nanoseconds on clock id (CLOCK_MONOTONIC, CLOCK_REALTIME), 0 on failure. */
int64_t fl_clock_ns(clockid_t id);

/* The same, always from the system call: ~0.1 us, against the two page faults (the vDSO's code
 * page and its data page, ~2 us) that a process's first vDSO call costs. For a process that
 * reads the clock a few times only: a new image checking the ring's calibration. */
int64_t fl_clock_ns_syscall(clockid_t id);

/* Whether this thread may read the TSC (x86: prctl PR_GET_TSC says PR_TSC_ENABLE; elsewhere 1).
 * A system call: for start-up and mapping, not for every record. */
int fl_clock_tsc_readable(void);

/* From now on fl_clock_ns asks the kernel, never the vDSO (which reads the TSC on x86): for a
 * process about to forbid itself the TSC. */
void fl_clock_forbid_vdso(void);

#endif
