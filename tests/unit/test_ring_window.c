/* A windowed pass: exactly the seqs asked for that the ring still holds, oldest first. */
#include <criterion/criterion.h>

#include <string.h>

#include "ring.h"
#include "ring_reader.h"

static void fill(struct fl_ring *ring, unsigned n)
{
        struct fl_record r;

        memset(&r, 0, sizeof(r));
        for (unsigned i = 0; i < n; i++) {
                r.fd = (int)i;
                fl_ring_append(ring, &r);
        }
}

static void expect_pass(struct fl_ring_reader *reader, uint64_t first, uint64_t last)
{
        struct fl_record r;
        uint64_t want = first;

        while (fl_ring_reader_next(reader, &r) == 1) {
                cr_expect_eq(r.seq, want);
                cr_expect_eq(r.fd, (int)(want - 1));
                want++;
        }
        cr_expect_eq(want, last + 1, "pass ended at %lu, not %lu", (unsigned long)want - 1,
                     (unsigned long)last);
}

Test(ring_window, exact_and_clamped)
{
        struct fl_ring ring;
        struct fl_ring_reader reader;

        cr_assert_eq(fl_ring_open_anonymous(&ring, 64), 0);
        fill(&ring, 200); /* seqs 137..200 are still held */
        cr_assert_eq(fl_ring_reader_attach_lazy(&reader, &ring), 0);
        cr_expect_eq(reader.stats.head, 200);
        cr_expect_eq(fl_ring_reader_next(&reader, &(struct fl_record){0}), 0, "no pass yet");
        cr_assert_eq(fl_ring_reader_window(&reader, 150, 160), 0);
        expect_pass(&reader, 150, 160);
        cr_assert_eq(fl_ring_reader_window(&reader, 1, 140), 0);
        expect_pass(&reader, 137, 140);
        cr_assert_eq(fl_ring_reader_window(&reader, 195, 1000), 0);
        expect_pass(&reader, 195, 200);
        fl_ring_reader_close(&reader);
        fl_ring_close(&ring);
}
