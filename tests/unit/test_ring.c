/* The ring's writers and reader in one process: ordering, wrap-around, abandoned and stale slots,
 * and two writers racing a reader. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ring.h"
#include "ring_reader.h"
#include "warn.h"

/* ---- warnings, captured through a pipe ---- */

static int warn_pipe[2] = {-1, -1};

static void capture_warnings(void)
{
        cr_assert_eq(pipe2(warn_pipe, O_NONBLOCK | O_CLOEXEC), 0);
        fl_warn_fd = warn_pipe[1];
        fl_warn_set_sink(fl_warn_to_fd);
}

static int count_newlines(const char *s)
{
        int n = 0;

        for (; *s; s++)
                n += *s == '\n';
        return n;
}

static int read_warnings(char *buf, size_t len)
{
        ssize_t n = read(warn_pipe[0], buf, len - 1);

        buf[n > 0 ? n : 0] = 0;
        return count_newlines(buf);
}

Test(ring_capacity, parses_bounds_and_rounds)
{
        char buf[1024];

        capture_warnings();
        cr_expect_eq(fl_ring_capacity_parse(NULL), FL_RING_DEFAULT_CAPACITY);
        cr_expect_eq(fl_ring_capacity_parse(""), FL_RING_DEFAULT_CAPACITY);
        cr_expect_eq(fl_ring_capacity_parse("1024"), 1024);
        cr_expect_eq(fl_ring_capacity_parse("64"), 64);
        cr_expect_eq(fl_ring_capacity_parse("100"), 128);
        cr_expect_eq(fl_ring_capacity_parse("16777216"), 16777216);
        cr_expect_eq(read_warnings(buf, sizeof(buf)), 0, "no warning for good values: %s", buf);

        cr_expect_eq(fl_ring_capacity_parse("63"), FL_RING_DEFAULT_CAPACITY);
        cr_expect_eq(fl_ring_capacity_parse("16777217"), FL_RING_DEFAULT_CAPACITY);
        cr_expect_eq(fl_ring_capacity_parse("99999999999999999999999"), FL_RING_DEFAULT_CAPACITY);
        cr_expect_eq(fl_ring_capacity_parse("12k"), FL_RING_DEFAULT_CAPACITY);
        cr_expect_eq(fl_ring_capacity_parse("-5"), FL_RING_DEFAULT_CAPACITY);
        cr_expect_eq(read_warnings(buf, sizeof(buf)), 5, "one warning per bad value: %s", buf);
        cr_expect(strstr(buf, "forklock: warning: FORKLOCK_RING=12k"), "%s", buf);
}

/* ---- records that check themselves ---- */

static uint64_t mix(uint64_t x)
{
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdull;
        x ^= x >> 33;
        return x;
}

/* Every payload field is derived from (writer, n); aux holds a checksum over them all, so a
 * record mixing two writes cannot validate. */
static void make_record(struct fl_record *rec, int writer, uint32_t n)
{
        uint64_t h = mix(((uint64_t)writer << 32) | n);

        memset(rec, 0, sizeof(*rec));
        rec->pid = getpid();
        rec->tid = writer;
        rec->call = (uint16_t)(h % FL_CALL_COUNT);
        rec->decision = (uint8_t)(h % FL_DEC_COUNT);
        rec->fd = (int32_t)n;
        rec->result = (int32_t)(h >> 8);
        rec->err = (int32_t)(h >> 16);
        rec->fd2 = (int32_t)(h >> 24);
        rec->family = (int32_t)(h >> 32);
        rec->type = (int32_t)~n;
        rec->protocol = writer;
        rec->flags_asked = (uint32_t)h;
        rec->flags_applied = (uint32_t)(h >> 3);
        rec->ino = h;
        rec->child_pid = (int32_t)(n * 7);
        for (int i = 0; i < FL_RECORD_TEXT; i++)
                rec->text[i] = (char)(h >> (i % 8 * 8)) ^ (char)i;
}

static int record_ok(const struct fl_record *rec)
{
        struct fl_record want;

        make_record(&want, rec->tid, (uint32_t)rec->fd);
        want.pid = rec->pid;
        return memcmp((const char *)&want + 16, (const char *)rec + 16, sizeof(want) - 16) == 0;
}

static void append_n(struct fl_ring *ring, int writer, uint32_t from, uint32_t count)
{
        struct fl_record rec;

        for (uint32_t n = from; n < from + count; n++) {
                make_record(&rec, writer, n);
                fl_ring_append(ring, &rec);
        }
}

Test(ring, appends_in_order)
{
        struct fl_ring ring;
        struct fl_ring_reader r;
        struct fl_record rec;
        uint64_t last_ts = 0;
        uint32_t n = 0;

        cr_assert_eq(fl_ring_open_anonymous(&ring, 64), 0);
        cr_assert_eq(ring.capacity, 64);
        append_n(&ring, 1, 0, 10);
        cr_assert_eq(fl_ring_reader_attach(&r, &ring), 0);
        while (fl_ring_reader_next(&r, &rec)) {
                cr_expect_eq(rec.seq, n + 1);
                cr_expect_eq(rec.fd, (int)n);
                cr_expect(record_ok(&rec));
                cr_expect_geq(rec.ts_ns, last_ts);
                cr_expect_gt(rec.ts_ns, 0);
                last_ts = rec.ts_ns;
                n++;
        }
        cr_expect_eq(n, 10);
        cr_expect_eq(r.stats.written, 10);
        cr_expect_eq(r.stats.overwritten, 0);
        cr_expect_eq(r.stats.skipped, 0);
        fl_ring_close(&ring);
        make_record(&rec, 1, 0);
        cr_expect_eq(fl_ring_append(&ring, &rec), 0, "a closed ring takes nothing");
}

Test(ring, wraps_and_counts_overwritten)
{
        struct fl_ring ring;
        struct fl_ring_reader r;
        struct fl_record rec;
        uint64_t expect = 137;

        cr_assert_eq(fl_ring_open_anonymous(&ring, 64), 0);
        append_n(&ring, 1, 0, 200);
        cr_assert_eq(fl_ring_reader_attach(&r, &ring), 0);
        while (fl_ring_reader_next(&r, &rec)) {
                cr_expect_eq(rec.seq, expect);
                cr_expect_eq(rec.fd, (int)expect - 1);
                expect++;
        }
        cr_expect_eq(expect, 201);
        cr_expect_eq(r.stats.records, 64);
        cr_expect_eq(r.stats.overwritten, 136);
        cr_expect_eq(r.stats.written - r.stats.overwritten, r.stats.records);
}

static uint64_t *slot_word(struct fl_ring *ring, uint64_t seq)
{
        return (uint64_t *)&ring->slots[seq & ring->mask];
}

/* What a writer killed between taking a slot and publishing it leaves behind, made by hand. */
Test(ring, abandoned_slot_is_skipped_and_later_writers_drop)
{
        struct fl_ring ring;
        struct fl_ring_reader r;
        struct fl_record rec;
        uint64_t seq;

        cr_assert_eq(fl_ring_open_anonymous(&ring, 64), 0);
        append_n(&ring, 1, 0, 100);
        seq = ++ring.hdr->head; /* 101: claimed, slot taken, never published */
        *slot_word(&ring, seq) = FL_RING_BUSY | seq;

        cr_assert_eq(fl_ring_reader_attach(&r, &ring), 0);
        while (fl_ring_reader_next(&r, &rec))
                cr_expect(record_ok(&rec));
        cr_expect_eq(r.stats.records, 63);
        cr_expect_eq(r.stats.skipped, 1);
        cr_expect_eq(r.stats.written - r.stats.overwritten, r.stats.records + r.stats.skipped);

        /* A full lap later, the writer landing on the dead slot drops its record. */
        make_record(&rec, 1, 100);
        for (int i = 0; i < 63; i++)
                cr_expect_neq(fl_ring_append(&ring, &rec), 0);
        cr_expect_eq(fl_ring_append(&ring, &rec), 0, "seq 165 lands on the busy slot");
        cr_expect_eq(ring.hdr->dropped, 1);
        cr_assert_eq(fl_ring_reader_rewind(&r, NULL, 0), 0);
        while (fl_ring_reader_next(&r, &rec))
                ;
        cr_expect_eq(r.stats.records, 63 + 63);
        cr_expect_eq(r.stats.skipped, 2);
}

/* Writer A claims seq 65 and is preempted holding the slot; B laps the ring, drops the record that
 * lands on A's slot (129); A publishes. 65 is now older than the window [66, 129] but still in
 * the ring: it must be read, first, and only once. */
Test(ring, lapped_writer_record_is_read_first)
{
        struct fl_ring ring;
        struct fl_ring_reader r;
        struct fl_record rec, a;
        uint64_t seqs[80];
        int n = 0;

        cr_assert_eq(fl_ring_open_anonymous(&ring, 64), 0);
        append_n(&ring, 1, 0, 64);
        cr_assert_eq(++ring.hdr->head, 65);
        *slot_word(&ring, 65) = FL_RING_BUSY | 65;
        append_n(&ring, 2, 0, 64);
        cr_expect_eq(ring.hdr->dropped, 1);
        make_record(&a, 3, 65);
        a.ts_ns = 1;
        memcpy((char *)slot_word(&ring, 65) + 8, (char *)&a + 8, sizeof(a) - 8);
        __atomic_store_n(slot_word(&ring, 65), 65, __ATOMIC_RELEASE);

        cr_assert_eq(fl_ring_reader_attach(&r, &ring), 0);
        while (n < 80 && fl_ring_reader_next(&r, &rec)) {
                cr_expect(record_ok(&rec));
                seqs[n++] = rec.seq;
        }
        cr_assert_eq(n, 64);
        cr_expect_eq(seqs[0], 65);
        for (int i = 1; i < n; i++)
                cr_expect_eq(seqs[i], 65 + (uint64_t)i);
        cr_expect_eq(r.stats.written - r.stats.overwritten, r.stats.records);
}

/* ---- two writers and a reader, concurrently ---- */

#define CONC_RING    1024
#define CONC_APPENDS 1000000u

static struct fl_ring conc_ring;
static volatile int conc_done;

static void *conc_writer(void *arg)
{
        append_n(&conc_ring, (int)(long)arg, 0, CONC_APPENDS);
        return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return x < y ? -1 : x > y;
}

struct pass {
        uint64_t records, bad, dup_seq, dup_payload, order;
};

/* One full pass: every record checks itself; no seq and no (writer, n) twice; for one writer,
 * a higher seq means a later n. */
static void read_pass(struct fl_ring_reader *r, struct pass *p)
{
        static uint64_t seqs[CONC_RING + FL_RING_READER_STALE],
            keys[CONC_RING + FL_RING_READER_STALE];
        struct fl_record rec;
        uint64_t last_seq[3] = {0}, last_n[3] = {0};
        size_t n = 0;

        while (n < CONC_RING + FL_RING_READER_STALE && fl_ring_reader_next(r, &rec)) {
                if (!record_ok(&rec) || rec.tid < 1 || rec.tid > 2) {
                        p->bad++;
                        continue;
                }
                if (last_seq[rec.tid] && rec.seq > last_seq[rec.tid] &&
                    (uint64_t)(uint32_t)rec.fd <= last_n[rec.tid])
                        p->order++;
                last_seq[rec.tid] = rec.seq;
                last_n[rec.tid] = (uint32_t)rec.fd;
                seqs[n] = rec.seq;
                keys[n++] = ((uint64_t)rec.tid << 32) | (uint32_t)rec.fd;
        }
        cr_assert_eq(fl_ring_reader_next(r, &rec), 0, "a pass yields at most the ring");
        qsort(seqs, n, sizeof(seqs[0]), cmp_u64);
        qsort(keys, n, sizeof(keys[0]), cmp_u64);
        for (size_t i = 1; i < n; i++) {
                p->dup_seq += seqs[i] == seqs[i - 1];
                p->dup_payload += keys[i] == keys[i - 1];
        }
        p->records += n;
}

Test(ring, two_writers_and_a_reader, .timeout = 120)
{
        pthread_t w1, w2;
        struct fl_ring_reader r;
        struct pass live = {0}, final = {0};
        int passes = 0;

        cr_assert_eq(fl_ring_open_anonymous(&conc_ring, CONC_RING), 0);
        cr_assert_eq(fl_ring_reader_attach(&r, &conc_ring), 0);
        pthread_create(&w1, NULL, conc_writer, (void *)1L);
        pthread_create(&w2, NULL, conc_writer, (void *)2L);
        while (__atomic_load_n(&conc_ring.hdr->head, __ATOMIC_RELAXED) < 2 * CONC_APPENDS) {
                cr_assert_eq(fl_ring_reader_rewind(&r, NULL, 0), 0);
                read_pass(&r, &live);
                passes++;
        }
        pthread_join(w1, NULL);
        pthread_join(w2, NULL);

        cr_expect_eq(live.bad, 0, "torn records read while writing: %lu", (unsigned long)live.bad);
        cr_expect_eq(live.dup_seq + live.dup_payload, 0, "records read twice in a pass");
        cr_expect_eq(live.order, 0);
        cr_log_info("%d live passes, %lu records, lost %lu, skipped %lu", passes,
                    (unsigned long)live.records, (unsigned long)r.stats.lost,
                    (unsigned long)r.stats.skipped);

        cr_assert_eq(fl_ring_reader_rewind(&r, NULL, 0), 0);
        read_pass(&r, &final);
        cr_expect_eq(final.bad + final.dup_seq + final.dup_payload + final.order, 0);
        cr_expect_eq(r.stats.head, 2 * CONC_APPENDS);
        cr_expect_eq(r.stats.written + r.stats.dropped, 2 * CONC_APPENDS);
        cr_expect_eq(r.stats.written - r.stats.overwritten, final.records,
                     "written %lu - overwritten %lu != present %lu", (unsigned long)r.stats.written,
                     (unsigned long)r.stats.overwritten, (unsigned long) final.records);
        cr_expect_leq(final.records, CONC_RING);
        cr_expect_geq(final.records, CONC_RING - 2);
}

/* ---- a writer killed with SIGKILL in the middle of appending ---- */

Test(ring, killed_writer_leaves_a_readable_ring, .timeout = 60)
{
        struct fl_ring ring;
        struct fl_ring_reader r;
        struct fl_record rec;
        pid_t child;
        int status;

        cr_assert_eq(fl_ring_open_anonymous(&ring, 1024), 0);
        child = fork();
        cr_assert_geq(child, 0);
        if (child == 0)
                for (uint32_t n = 0;; n++)
                        append_n(&ring, 1, n, 1);
        while (__atomic_load_n(&ring.hdr->head, __ATOMIC_RELAXED) < 200000)
                sched_yield();
        kill(child, SIGKILL);
        cr_assert_eq(waitpid(child, &status, 0), child);
        cr_expect(WIFSIGNALED(status));

        cr_assert_eq(fl_ring_reader_attach(&r, &ring), 0);
        while (fl_ring_reader_next(&r, &rec))
                cr_expect(record_ok(&rec), "record %lu", (unsigned long)rec.seq);
        cr_expect_geq(r.stats.records, 1022);
        cr_expect_leq(r.stats.skipped, 1);
        /* At most one claim is unaccounted: the one the kill interrupted. */
        cr_expect_leq(r.stats.written - r.stats.overwritten - r.stats.records - r.stats.skipped, 1);

        /* The parent appends on: at most the dead slot is lost to it. */
        append_n(&ring, 2, 0, 2048);
        cr_assert_eq(fl_ring_reader_rewind(&r, NULL, 0), 0);
        r.stats.records = 0;
        while (fl_ring_reader_next(&r, &rec))
                cr_expect(record_ok(&rec));
        cr_expect_geq(r.stats.records, 1023);
}

/* ---- the reader from memory, as the fuzz target drives it ---- */

Test(ring_reader, memory_copy_of_a_ring)
{
        struct fl_ring ring;
        struct fl_ring_reader r;
        struct fl_record rec;
        char err[256];
        char *copy;

        cr_assert_eq(fl_ring_open_anonymous(&ring, 64), 0);
        append_n(&ring, 1, 0, 70);
        copy = malloc(ring.map_len + 1);
        memcpy(copy + 1, ring.hdr, ring.map_len); /* misaligned on purpose */
        cr_assert_eq(fl_ring_reader_from_memory(&r, copy + 1, ring.map_len, err, sizeof(err)), 0,
                     "%s", err);
        while (fl_ring_reader_next(&r, &rec))
                cr_expect(record_ok(&rec));
        cr_expect_eq(r.stats.records, 64);
        fl_ring_reader_close(&r);
        cr_expect_eq(fl_ring_reader_from_memory(&r, copy + 1, ring.map_len - 1, err, sizeof(err)),
                     -1);
        cr_expect(strstr(err, "size"), "%s", err);
        free(copy);
}
