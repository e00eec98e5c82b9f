/* The ring's timestamps from the TSC: the calibration is the ring's (in its header, at offset 128),
 * not the process's, and a TSC timestamp agrees with CLOCK_MONOTONIC. The header is written and
 * read by offset, as another ABI's process would see it. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"
#include "ring_clock.h"

#define TSC_STATE 128 /* uint32: 0 clock only, 1 waiting to calibrate, 2 calibrating, 3 ready */
#define TSC_SHIFT 132 /* uint32 */
#define TSC_MULT  136 /* uint64: ns = cal_ns + ((tsc - cal_tsc) * mult >> shift) */
#define TSC_CAL   152 /* uint64 cal_tsc, then int64 cal_ns */
#define READY     3
#define WAITING   1

#if defined(__x86_64__) || defined(__i386__)
static uint64_t rdtsc(void)
{
        return __builtin_ia32_rdtsc();
}
#endif

static uint32_t get32(const struct fl_ring *ring, size_t off)
{
        return __atomic_load_n((uint32_t *)((char *)ring->hdr + off), __ATOMIC_ACQUIRE);
}

static void put32(struct fl_ring *ring, size_t off, uint32_t v)
{
        __atomic_store_n((uint32_t *)((char *)ring->hdr + off), v, __ATOMIC_RELEASE);
}

static void put64(struct fl_ring *ring, size_t off, uint64_t v)
{
        memcpy((char *)ring->hdr + off, &v, sizeof(v));
}

static int64_t mono_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t append_one(struct fl_ring *ring)
{
        struct fl_record rec;
        uint64_t seq;

        memset(&rec, 0, sizeof(rec));
        rec.call = FL_CALL_SOCKET;
        seq = fl_ring_append(ring, &rec);
        cr_assert_neq(seq, 0);
        return ring->slots[seq & ring->mask].ts_ns;
}

static int clocksource_is_tsc(void)
{
        char buf[32] = {0};
        int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource", O_RDONLY);
        ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

        if (fd >= 0)
                close(fd);
        return n > 0 && strcmp(buf, "tsc\n") == 0;
}

/* A calibration planted in the header (1 ns per tick, from 10^15 ns): every process appending
 * to this ring, the one that mapped it and a child, stamps with it. */
Test(ring_tsc, the_calibration_belongs_to_the_ring)
{
#if defined(__x86_64__) || defined(__i386__)
        const uint64_t base = 1000000000000000ull;
        struct fl_ring ring;
        uint64_t ts;
        int status;
        pid_t pid;

        cr_assert_eq(fl_ring_open_anonymous(&ring, 64), 0);
        put32(&ring, TSC_SHIFT, 0);
        put64(&ring, TSC_MULT, 1);
        put64(&ring, TSC_CAL, rdtsc());
        put64(&ring, TSC_CAL + 8, base);
        put32(&ring, TSC_STATE, READY);
        ts = append_one(&ring);
        cr_expect(ts >= base && ts < base + 60000000000ull,
                  "ts %llu not from the ring's calibration", (unsigned long long)ts);
        pid = fork();
        if (pid == 0) {
                ts = append_one(&ring);
                _exit(ts >= base && ts < base + 60000000000ull ? 0 : 1);
        }
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child used its own clock");
        fl_ring_close(&ring);
#else
        cr_skip("no TSC on this architecture");
#endif
}

/* Where the kernel's clock is the TSC, a ring calibrates itself once it is 10 ms old, and its
 * timestamps then stay within a few microseconds of clock_gettime. */
Test(ring_tsc, tsc_timestamps_follow_clock_gettime)
{
        struct fl_ring ring;
        struct timespec wait = {0, 15000000};
        int64_t worst = 0;

        if (!clocksource_is_tsc())
                cr_skip("the kernel's clocksource is not tsc");
        /* A creator preempted while it read its TSC and clock pair leaves the ring on the clock:
         * a few tries, so that a loaded machine does not fail the test. */
        for (int tries = 0; tries < 5; tries++) {
                cr_assert_eq(fl_ring_open_anonymous(&ring, 1024), 0);
                if (get32(&ring, TSC_STATE) == WAITING)
                        break;
                fl_ring_close(&ring);
        }
        cr_assert(ring.hdr, "no new ring waited to calibrate in 5 tries");
        cr_expect_eq(get32(&ring, TSC_STATE), WAITING, "a new ring waits to calibrate");
        nanosleep(&wait, NULL);
        append_one(&ring);
        cr_assert_eq(get32(&ring, TSC_STATE), READY, "calibrated by the first append after 10 ms");
        for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 2000; i++) {
                        int64_t before = mono_ns();
                        int64_t ts = (int64_t)append_one(&ring);
                        int64_t after = mono_ns();
                        int64_t off = ts < before ? before - ts : ts > after ? ts - after : 0;

                        worst = off > worst ? off : worst;
                }
                nanosleep(&wait, NULL);
        }
        cr_expect_leq(worst, 20000, "a TSC timestamp %lld ns away from clock_gettime",
                      (long long)worst);
        fl_ring_close(&ring);
}

static int names_tsc(const char *text)
{
        char path[] = "/tmp/fl-clocksource-XXXXXX";
        int fd = mkstemp(path);
        int is;

        cr_assert_geq(fd, 0);
        cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        close(fd);
        is = fl_ring_clocksource_is_tsc(path);
        unlink(path);
        return is;
}

/* Only the kernel's word "tsc" turns the TSC on: tsc-early (before the TSC is checked), hpet,
 * kvm-clock, an empty or missing file do not. */
Test(ring_tsc, only_the_tsc_clocksource_counts)
{
        cr_expect_eq(names_tsc("tsc\n"), 1);
        cr_expect_eq(names_tsc("tsc-early\n"), 0);
        cr_expect_eq(names_tsc("hpet\n"), 0);
        cr_expect_eq(names_tsc("kvm-clock\n"), 0);
        cr_expect_eq(names_tsc(""), 0);
        cr_expect_eq(fl_ring_clocksource_is_tsc("/nonexistent/clocksource"), 0);
}
