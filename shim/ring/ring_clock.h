/* The ring's timestamp: the TSC converted with the ring's own calibration where the kernel keeps
 * time with the TSC (one rdtsc instead of a vDSO call), else the vDSO clock. Not part of the API.
 */
#ifndef FL_RING_CLOCK_H
#define FL_RING_CLOCK_H

#include <stdint.h>

#include "ring.h"

/* Where the kernel says which clocksource it uses. */
#define FL_CLOCKSOURCE_PATH "/sys/devices/system/clocksource/clocksource0/current_clocksource"

/* 1 when the file at path names the tsc clocksource, else 0 (unreadable, another clock). */
int fl_ring_clocksource_is_tsc(const char *path);

/* At creation: the wall and monotonic bases, and the TSC pair and state of a new ring. */
void fl_ring_clock_create(struct fl_ring_header *hdr);

/* At mapping: whether this process may stamp with the ring's calibration (an x86 process whose
 * TSC is readable, and whose clock agrees with the calibration already in the ring). */
int fl_ring_clock_join(const struct fl_ring_header *hdr);

/* Every other case of fl_ring_clock_now; also measures the rate once the ring is old enough. */
uint64_t fl_ring_clock_slow(const struct fl_ring *ring);

#if defined(__x86_64__) || defined(__i386__)
#define FL_RING_HAS_TSC 1
static inline uint64_t fl_ring_rdtsc(void)
{
        return __builtin_ia32_rdtsc();
}
#else
#define FL_RING_HAS_TSC 0
static inline uint64_t fl_ring_rdtsc(void)
{
        return 0;
}
#endif

/* ns = cal_ns + (d * mult >> shift), split so that i386 and x86_64 compute it alike without a
 * 128-bit product; every process sharing the ring gets the same ns from the same tick. */
static inline uint64_t fl_ring_tsc_to_ns(const struct fl_ring_tsc *t, uint64_t d)
{
        uint64_t mult = t->mult;
        unsigned shift = t->shift & 31;

        return (uint64_t)t->cal_ns + (((d >> 32) * mult) << (32 - shift)) +
               (((d & 0xffffffffu) * mult) >> shift);
}

static inline uint64_t fl_ring_clock_now(const struct fl_ring *ring)
{
        const struct fl_ring_tsc *t = &ring->hdr->tsc;

        if (__builtin_expect(__atomic_load_n(&ring->tsc_ok, __ATOMIC_RELAXED), 1) &&
            __atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == FL_RING_TSC_READY) {
                uint64_t d = fl_ring_rdtsc() - t->cal_tsc;

                if (__builtin_expect((int64_t)d >= 0, 1))
                        return fl_ring_tsc_to_ns(t, d);
        }
        return fl_ring_clock_slow(ring);
}

#endif
