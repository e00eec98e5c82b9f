/* forklock-dump over good, killed-writer and lying ring files. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fltest.h"
#include "ring.h"
#include "ring_reader.h"

static char dir[64];
static char path[128];
static struct fl_run run;

static void setup(void)
{
        strcpy(dir, "/tmp/fl-dump-XXXXXX");
        cr_assert_not_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/ring", dir);
}

static void teardown(void)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        (void)!system(cmd);
}

TestSuite(dump, .init = setup, .fini = teardown, .timeout = 60);

static int dump(const char *a1, const char *a2, const char *a3)
{
        const char *argv[] = {fl_build_path("forklock-dump"), a1, a2, a3, NULL};

        return fl_run_program(&run, argv, NULL, false, NULL, 20);
}

static void fill(struct fl_ring *ring, int count)
{
        struct fl_record rec;

        for (int i = 0; i < count; i++) {
                memset(&rec, 0, sizeof(rec));
                rec.pid = 1000 + i % 2;
                rec.tid = rec.pid;
                rec.call = i % 3 ? FL_CALL_SOCKET : FL_CALL_EXEC;
                rec.decision = i % 3 ? FL_DEC_ATOMIC : FL_DEC_PASSTHROUGH;
                rec.fd = i;
                rec.result = i % 5 ? i : -1;
                rec.err = i % 5 ? 0 : 22;
                strcpy(rec.text, i % 3 ? "q\"uote\\ \x01 \xc3\xa9 \xff" : "/bin/true");
                fl_ring_append(ring, &rec);
        }
}

static void make_ring(int count)
{
        struct fl_ring ring;

        cr_assert_eq(fl_ring_open_file(&ring, path, 64), 0);
        fill(&ring, count);
        fl_ring_close(&ring);
}

Test(dump, table_and_summary)
{
        make_ring(10);
        cr_assert_eq(dump(path, NULL, NULL), 0, "%s", run.err);
        cr_expect_eq(fl_count_lines(run.out, " socket "), 6, "%s", run.out);
        cr_expect_eq(fl_count_lines(run.out, " exec "), 4);
        cr_expect_eq(fl_count_lines(run.out, " EINVAL"), 2, "errno by name: %s", run.out);
        cr_expect(strstr(run.out, "+0."), "relative time: %s", run.out);
        cr_expect(strstr(run.out, "10 records shown of 10 read; written 10, overwritten 0"), "%s",
                  run.out);
        cr_expect(strstr(run.out, "by decision: atomic 6, passthrough 4"), "%s", run.out);
        cr_expect_eq(strchr(run.out, '\x01'), NULL, "no control bytes from the file");
}

Test(dump, json_lines_and_filters)
{
        make_ring(10);
        cr_assert_eq(dump("--json", path, NULL), 0, "%s", run.err);
        cr_expect_eq(fl_count_lines(run.out, "{\"seq\":"), 10);
        cr_expect_eq(fl_count_lines(run.out, "\"errno\":22,\"errno_name\":\"EINVAL\""), 2);
        cr_expect(strstr(run.out, "\"text\":\"q\\\"uote\\\\ \\u0001 \xc3\xa9 \\ufffd\""), "%s",
                  run.out);
        cr_expect_eq(fl_count_lines(run.out, "summary"), 0, "JSON output is only records");

        cr_assert_eq(dump("--json", "--pid=1001", path), 0, "%s", run.err);
        cr_expect_eq(fl_count_lines(run.out, "{\"seq\":"), 5);
        cr_expect_eq(fl_count_lines(run.out, "\"pid\":1001"), 5);
        cr_assert_eq(dump("--json", "--call=exec", path), 0, "%s", run.err);
        cr_expect_eq(fl_count_lines(run.out, "\"call\":\"exec\""), 4);
        cr_expect_eq(fl_count_lines(run.out, "{\"seq\":"), 4);
}

Test(dump, options)
{
        make_ring(1);
        cr_expect_eq(dump("--help", NULL, NULL), 0);
        cr_expect(strstr(run.out, "--follow"));
        cr_expect_eq(dump("--frobnicate", path, NULL), 2);
        cr_expect(strstr(run.err, "--frobnicate"), "%s", run.err);
        cr_expect_eq(dump("--pid=abc", path, NULL), 2);
        cr_expect(strstr(run.err, "--pid"), "%s", run.err);
        cr_expect_eq(dump("--call=nosuch", path, NULL), 2);
        cr_expect(strstr(run.err, "nosuch"), "%s", run.err);
        cr_expect_eq(dump(NULL, NULL, NULL), 2);
        cr_expect(strstr(run.err, "missing FILE"), "%s", run.err);
        cr_expect_eq(dump(path, path, NULL), 2);
}

/* ---- files that are not rings, or lie ---- */

static void write_at(off_t off, const void *data, size_t len)
{
        int fd = open(path, O_WRONLY);

        cr_assert_eq(pwrite(fd, data, len, off), (ssize_t)len);
        close(fd);
}

static void put32(size_t off, uint32_t v)
{
        write_at((off_t)off, &v, sizeof(v));
}

static void put64(size_t off, uint64_t v)
{
        write_at((off_t)off, &v, sizeof(v));
}

static void expect_rejected(const char *what, const char *reason)
{
        struct fl_ring_reader r;
        char err[256];

        cr_expect_eq(dump(path, NULL, NULL), 2, "%s: exit %d, out %s", what, run.status, run.out);
        cr_expect(strstr(run.err, path), "%s: error names the file: %s", what, run.err);
        cr_expect(strstr(run.err, reason), "%s: error says '%s': %s", what, reason, run.err);
        cr_expect_eq(fl_count_lines(run.err, "forklock dump:"), 1, "%s", run.err);
        cr_expect_eq(fl_ring_reader_open(&r, path, err, sizeof(err)), -1, "%s", what);
        unlink(path);
}

#define HDR(field) offsetof(struct fl_ring_header, field)

Test(dump, rejects_lying_headers)
{
        make_ring(3), put64(HDR(magic), 0x1234);
        expect_rejected("magic", "bad magic");
        make_ring(3), put32(HDR(version), 7);
        expect_rejected("version", "version 7");
        make_ring(3), put32(HDR(header_size), 64);
        expect_rejected("header size", "header size 64");
        make_ring(3), put32(HDR(record_size), 64);
        expect_rejected("record size", "record size 64");
        make_ring(3), put32(HDR(capacity), 100);
        expect_rejected("capacity not a power of two", "capacity 100");
        make_ring(3), put32(HDR(capacity), 1u << 30);
        expect_rejected("capacity beyond the file", "capacity 1073741824");
        make_ring(3), put32(HDR(capacity), 0);
        expect_rejected("capacity zero", "capacity 0");
        make_ring(3), put32(HDR(capacity), 128);
        expect_rejected("capacity bigger than the file", "needs");
        make_ring(3), put64(HDR(size), 1ull << 40);
        expect_rejected("size field", "header says");
        make_ring(3), put64(HDR(head), 1), put64(HDR(dropped), 2);
        expect_rejected("dropped > head", "counters are impossible");
        make_ring(3), put64(HDR(head), ~0ull);
        expect_rejected("head past 2^63", "counters are impossible");
        make_ring(3);
        cr_assert_eq(truncate(path, 8192), 0);
        expect_rejected("truncated", "truncated");
        make_ring(3);
        cr_assert_eq(truncate(path, 100), 0);
        expect_rejected("shorter than a header", "truncated");
        make_ring(3);
        cr_assert_eq(truncate(path, (off_t)fl_ring_size(64) + 1), 0);
        expect_rejected("longer than its header says", "size is");
        close(open(path, O_CREAT | O_WRONLY, 0600));
        expect_rejected("empty", "truncated");
        cr_assert_eq(mkdir(path, 0700), 0);
        expect_rejected("directory", "not a regular file");
        rmdir(path);
        expect_rejected("missing", "ENOENT");
}

/* Slot words that lie (wrong slot, beyond head, busy) are skipped, not trusted. */
Test(dump, survives_lying_slots)
{
        uint64_t slot0 = FL_RING_HEADER_SIZE;

        make_ring(100);
        put64(slot0 + 0 * 128, 12345);             /* maps to another slot */
        put64(slot0 + 1 * 128, FL_RING_BUSY | 77); /* abandoned */
        put64(slot0 + 2 * 128, 1ull << 62);        /* far beyond head */
        put32(slot0 + 3 * 128 + offsetof(struct fl_record, call), 0xffff);
        put32(slot0 + 4 * 128 + offsetof(struct fl_record, text), 0x41414141);
        cr_expect_eq(dump(path, NULL, NULL), 0, "%s", run.err);
        cr_expect(strstr(run.out, "skipped 1 (unfinished writes), lost 2"), "%s", run.out);
        cr_expect(strstr(run.out, " unknown "), "%s", run.out);
        cr_expect_eq(dump("--json", path, NULL), 0, "%s", run.err);
}

/* ---- a writer killed mid-append, then dump ---- */

Test(dump, reads_a_ring_whose_writer_was_killed)
{
        struct fl_ring ring;
        unsigned long read, written, overwritten, skipped;
        const char *summary;
        pid_t child;

        cr_assert_eq(fl_ring_open_file(&ring, path, 1024), 0);
        child = fork();
        if (child == 0)
                for (;;)
                        fill(&ring, 1);
        while (__atomic_load_n(&ring.hdr->head, __ATOMIC_RELAXED) < 100000)
                sched_yield();
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        /* A pid that matches nothing keeps the output small: just the summary. */
        cr_assert_eq(dump("--pid=1", path, NULL), 0, "%s", run.err);
        summary = strstr(run.out, "summary: ");
        cr_assert_not_null(summary, "%s", run.out);
        cr_assert_eq(sscanf(summary,
                            "summary: 0 records shown of %lu read; written %lu, "
                            "overwritten %lu, dropped %*u, skipped %lu",
                            &read, &written, &overwritten, &skipped),
                     4, "%s", summary);
        cr_expect_geq(read, 1022, "%s", summary);
        cr_expect_leq(skipped, 1, "%s", summary);
        cr_expect_leq(written - overwritten - read - skipped, 1, "%s", summary);
}

/* ---- --follow ---- */

Test(dump, follow_prints_new_records_until_interrupted)
{
        struct fl_ring ring;
        char out[65536];
        int pipefd[2], status;
        ssize_t n, used = 0;
        pid_t pid;
        struct timespec pause = {0, 300000000};

        cr_assert_eq(fl_ring_open_file(&ring, path, 64), 0);
        fill(&ring, 2);
        cr_assert_eq(pipe(pipefd), 0);
        pid = fork();
        if (pid == 0) {
                dup2(pipefd[1], 1);
                execl(fl_build_path("forklock-dump"), "forklock-dump", "--follow", "--json", path,
                      (char *)NULL);
                _exit(127);
        }
        close(pipefd[1]);
        nanosleep(&pause, NULL);
        fill(&ring, 3);
        nanosleep(&pause, NULL);
        fill(&ring, 100); /* laps the 64-record ring between polls, maybe */
        nanosleep(&pause, NULL);
        kill(pid, SIGINT);
        while ((n = read(pipefd[0], out + used, sizeof(out) - 1 - (size_t)used)) > 0)
                used += n;
        out[used] = 0;
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
        cr_expect(strstr(out, "{\"seq\":1,"), "%s", out);
        cr_expect(strstr(out, "{\"seq\":5,"), "%s", out);
        cr_expect(strstr(out, "{\"seq\":105,"), "%s", out);
        for (int seq = 1; seq <= 105; seq++) {
                char key[32];

                snprintf(key, sizeof(key), "{\"seq\":%d,", seq);
                cr_expect_leq(fl_count_lines(out, key), 1, "seq %d printed twice", seq);
        }
}
