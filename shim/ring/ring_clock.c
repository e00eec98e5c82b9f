/* The ring's TSC calibration: created WAITING where the kernel's clocksource is the TSC, measured
 * once by the first append 10 ms after creation, then shared by every process appending. */
#include "ring_clock.h"
#include "clock.h"
#include "ring_internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The rate is measured over at least 10 ms between two pairs, each the tightest of five reads
 * (a vDSO call is ~50 ticks; under valgrind ~1000): a few ppm off in practice, at most
 * 4096 / 2.6e7 = 160 ppm at 2.6 GHz. A looser pair (the thread was preempted between the
 * reads) is not used: at creation the ring then stays on the clock, in an append the next
 * append tries again. */
#define MEASURE_AFTER_NS 10000000
#define MAX_PAIR_TICKS   4096
/* A process joining a calibrated ring checks it against its own clock: off by more than 1 ms
 * plus 1/1024 of the time since calibration (far beyond the measuring error) means the ring is
 * from another boot or the TSC jumped, and this process keeps to the clock. */
#define JOIN_TOLERANCE_NS 1000000
/* A join's pair is good enough when it spans at most this many ticks (0.1 ms at 2.6 GHz, 0.26 ms
 * at 1 GHz): its error is half that, far inside the tolerance, so the next tries are skipped. */
#define JOIN_PAIR_TICKS (1u << 18)

int fl_ring_clocksource_is_tsc(const char *path)
{
        char buf[16];
        int fd = fl_ring_open_fd(path, O_RDONLY | O_CLOEXEC, 0);
        long n;

        if (fd < 0)
                return 0;
        n = syscall(SYS_read, fd, buf, sizeof(buf));
        fl_ring_close_fd(fd);
        return n == 4 && memcmp(buf, "tsc\n", 4) == 0;
}

/* A TSC tick and the monotonic clock read as close together as the tries allow. */
static int64_t read_pair_from(int64_t (*clock)(clockid_t), int tries, uint64_t good_enough,
                              uint64_t *tsc, uint64_t *width)
{
        int64_t best_ns = 0;

        *tsc = 0;

        *width = UINT64_MAX;
        for (int i = 0; i < tries; i++) {
                uint64_t t0 = fl_ring_rdtsc();
                int64_t ns = clock(CLOCK_MONOTONIC);
                uint64_t t1 = fl_ring_rdtsc();

                if (t1 - t0 < *width) {
                        *width = t1 - t0;
                        *tsc = t0 + (t1 - t0) / 2;
                        best_ns = ns;
                }
                if (*width <= good_enough)
                        break;
        }
        return best_ns;
}

static int64_t read_pair(uint64_t *tsc, uint64_t *width)
{
        return read_pair_from(fl_clock_ns, 5, 0, tsc, width);
}

static int tsc_readable(void)
{
        return FL_RING_HAS_TSC && fl_clock_tsc_readable();
}

void fl_ring_clock_create(struct fl_ring_header *hdr)
{
        uint64_t width;

        hdr->base_realtime = fl_clock_ns(CLOCK_REALTIME);
        hdr->base_monotonic = fl_clock_ns(CLOCK_MONOTONIC);
        memset(&hdr->tsc, 0, sizeof(hdr->tsc));
        if (!tsc_readable() || !fl_ring_clocksource_is_tsc(FL_CLOCKSOURCE_PATH))
                return;
        hdr->base_monotonic = read_pair(&hdr->tsc.base_tsc, &width);
        if (width <= MAX_PAIR_TICKS)
                hdr->tsc.state = FL_RING_TSC_WAITING;
}

int fl_ring_clock_join(const struct fl_ring_header *hdr)
{
        const struct fl_ring_tsc *t = &hdr->tsc;
        uint32_t state = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
        uint64_t tsc, width;
        int64_t ns, off, bound;

        if (state == FL_RING_TSC_OFF || !tsc_readable())
                return 0;
        /* Through the system call: most images that join write a few records and exit, and their
         * first vDSO call would cost more than the whole check. A pair 1000 times looser than the
         * tolerance still passes it. */
        ns = read_pair_from(fl_clock_ns_syscall, 3, JOIN_PAIR_TICKS, &tsc, &width);
        if (state != FL_RING_TSC_READY)
                return tsc >= t->base_tsc && ns >= hdr->base_monotonic;
        off = (int64_t)(fl_ring_tsc_to_ns(t, tsc - t->cal_tsc) - (uint64_t)ns);
        bound = JOIN_TOLERANCE_NS + (ns - t->cal_ns) / 1024;
        return tsc >= t->cal_tsc && ns >= t->cal_ns && off < bound && off > -bound;
}

/* ns per tick as mult >> shift, with mult below 2^32; 0 when the rate is not a TSC's. */
static int rate(struct fl_ring_tsc *t, uint64_t ticks, int64_t ns)
{
        double per_tick = (double)ns / (double)ticks;
        unsigned shift = 31;

        if (!(per_tick > 0.01 && per_tick < 100))
                return 0;
        while (per_tick * (double)(1ull << shift) >= 4294967296.0)
                shift--;
        t->shift = shift;
        t->mult = (uint64_t)(int64_t)(per_tick * (double)(1ull << shift) + 0.5);
        return 1;
}

/* The first writer to get here measures; the others keep the vDSO until it is done. A writer
 * killed while measuring leaves the ring on the vDSO for good, which is only slower. */
static void measure(struct fl_ring_header *hdr, uint64_t tsc, int64_t ns)
{
        struct fl_ring_tsc *t = &hdr->tsc;
        uint32_t waiting = FL_RING_TSC_WAITING;
        int ok;

        if (!__atomic_compare_exchange_n(&t->state, &waiting, FL_RING_TSC_MEASURING, 0,
                                         __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
                return;
        ok = tsc > t->base_tsc && rate(t, tsc - t->base_tsc, ns - hdr->base_monotonic);
        t->cal_tsc = tsc;
        t->cal_ns = ns;
        __atomic_store_n(&t->state, ok ? FL_RING_TSC_READY : FL_RING_TSC_OFF, __ATOMIC_RELEASE);
}

uint64_t fl_ring_clock_slow(const struct fl_ring *ring)
{
        struct fl_ring_header *hdr = ring->hdr;
        uint64_t tsc, width;
        int64_t ns;

        if (!__atomic_load_n(&ring->tsc_ok, __ATOMIC_RELAXED) ||
            __atomic_load_n(&hdr->tsc.state, __ATOMIC_RELAXED) != FL_RING_TSC_WAITING)
                return (uint64_t)fl_clock_ns(CLOCK_MONOTONIC);
        ns = read_pair(&tsc, &width);
        if (ns - hdr->base_monotonic >= MEASURE_AFTER_NS && tsc > hdr->tsc.base_tsc &&
            width <= MAX_PAIR_TICKS)
                measure(hdr, tsc, ns);
        return (uint64_t)ns;
}

void fl_ring_forbid_tsc(struct fl_ring *ring)
{
        __atomic_store_n(&ring->tsc_ok, 0, __ATOMIC_RELAXED);
}
