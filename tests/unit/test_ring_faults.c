/* What a process's first records cost in page faults. A fork child (and every new image) has none
 * of the ring's pages mapped: each page it touches is one fault, ~1.5 us on a VM, and a page first
 * read then written is two. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fltest.h"
#include "ring.h"

static char dir[64];

static void setup(void)
{
        strcpy(dir, "/tmp/fl-ringfaults-XXXXXX");
        cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        (void)!system(cmd);
}

TestSuite(ring_faults, .init = setup, .fini = teardown);

static void skip_under_sanitizers(void)
{
        FL_SKIP_UNDER("asan", "the sanitizer's shadow memory faults pages of its own");
        FL_SKIP_UNDER("tsan", "the sanitizer's shadow memory faults pages of its own");
}

static void open_ring(struct fl_ring *ring, const char *name)
{
        char path[128];

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        cr_assert_eq(fl_ring_open_file(ring, path, 64), 0);
}

static long minor_faults(void)
{
        struct rusage usage;

        getrusage(RUSAGE_SELF, &usage);
        return usage.ru_minflt;
}

static void append(struct fl_ring *ring)
{
        struct fl_record rec;

        memset(&rec, 0, sizeof(rec));
        rec.call = FL_CALL_SOCKET;
        cr_assert_neq(fl_ring_append(ring, &rec), 0);
}

/* The minor faults a fork child takes in measured(ctx), after warm(ctx) (NULL: none) has faulted
 * in what the step itself needs but does not measure; capped at 250 to fit an exit status. */
static long faults_in_child(void (*warm)(void *), void (*measured)(void *), void *ctx)
{
        int status;
        pid_t pid = fork();

        cr_assert_geq(pid, 0);
        if (pid == 0) {
                long before;

                minor_faults();
                if (warm)
                        warm(ctx);
                before = minor_faults();
                measured(ctx);
                before = minor_faults() - before;
                _exit((int)(before > 250 ? 250 : before));
        }
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFEXITED(status));
        return WEXITSTATUS(status);
}

struct two_rings {
        struct fl_ring warm, ring;
};

/* Both rings made here, each with a record: a child then finds their pages in the page cache. */
static void open_both_with_a_record(struct two_rings *r)
{
        open_ring(&r->warm, "warm");
        open_ring(&r->ring, "ring");
        append(&r->warm);
        append(&r->ring);
}

static void append_warm(void *ctx)
{
        append(&((struct two_rings *)ctx)->warm);
}

static void append_ring(void *ctx)
{
        append(&((struct two_rings *)ctx)->ring);
}

static void join_and_append_warm(void *ctx)
{
        struct two_rings *r = ctx;

        open_ring(&r->warm, "warm");
        append(&r->warm);
}

static void join_and_append_ring(void *ctx)
{
        struct two_rings *r = ctx;

        open_ring(&r->ring, "ring");
        append(&r->ring);
}

/* A child's first record in a ring: the header and the slot's page, one fault each. The child
 * first appends to another ring so that its code and stack are already faulted in. */
Test(ring_faults, first_record_in_a_child_faults_each_page_once)
{
        struct two_rings r;
        long faults;

        skip_under_sanitizers();

        open_both_with_a_record(&r);
        faults = faults_in_child(append_warm, append_ring, &r);
        cr_expect_leq(faults, 2, "%ld faults for the header and one slot page", faults);
        fl_ring_close(&r.warm);
        fl_ring_close(&r.ring);
}

/* A process joining a ring someone else made (every new image under `forklock run`): the join and
 * its first record fault the header and one slot page once each. The child joins another ring
 * first, so that the code and the stack of a join are already faulted in. */
Test(ring_faults, joining_and_first_record_fault_each_page_once)
{
        struct two_rings r;
        long faults;

        skip_under_sanitizers();

        open_both_with_a_record(&r);
        fl_ring_close(&r.warm);
        fl_ring_close(&r.ring);
        faults = faults_in_child(join_and_append_warm, join_and_append_ring, &r);
        cr_expect_leq(faults, 2, "%ld faults for the join and its first record", faults);
}

struct mapped_file {
        char *map;
        size_t len;
};

static void write_each_page(void *ctx)
{
        const struct mapped_file *f = ctx;

        for (size_t at = FL_RING_HEADER_SIZE; at < f->len; at += 4096)
                f->map[at] = 1;
}

/* Faults a fork child takes writing one byte in each page of a shared mapping of path. */
static long child_faults_writing_each_page(const char *path, size_t len)
{
        struct mapped_file f = {NULL, len};
        int fd = open(path, O_RDWR | O_CLOEXEC);
        long faults;

        cr_assert_geq(fd, 0, "cannot open %s", path);
        f.map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        close(fd);
        cr_assert_neq(f.map, MAP_FAILED);
        faults = faults_in_child(NULL, write_each_page, &f);
        munmap(f.map, len);
        return faults;
}

/* Files made the two ways a ring file could be: reserved only (ftruncate, fallocate: how rings
 * were made before), or written through in 64 KiB writes (what the filesystem does with those is
 * what a ring made now gets). */
static void make_file(const char *path, size_t len, bool written)
{
        static const char zeros[65536];
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

        cr_assert_geq(fd, 0);
        cr_assert_eq(ftruncate(fd, (off_t)len), 0);
        (void)fallocate(fd, 0, 0, (off_t)len);
        for (size_t at = 0; written && at < len; at += sizeof(zeros))
                cr_assert_eq(pwrite(fd, zeros, sizeof(zeros), (off_t)at), (ssize_t)sizeof(zeros));
        close(fd);
}

/* A new ring is written through at creation (ring_file.c, fill_page_cache): where the filesystem
 * keeps written files in large folios (ext4 on Linux 6.x), every process's first write to a ring
 * page maps a whole folio, a fraction of the faults of a ring only reserved (one a page). Where
 * a written file faults page by page as well, there is nothing to compare. */
Test(ring_faults, a_new_rings_pages_fault_in_by_the_folio)
{
        char ring_path[128], reserved_path[128], written_path[128];
        const size_t len = FL_RING_HEADER_SIZE + 4096 * sizeof(struct fl_record);
        struct fl_ring ring;
        long ring_faults, reserved_faults, written_faults;

        skip_under_sanitizers();

        snprintf(ring_path, sizeof(ring_path), "%s/big", dir);
        snprintf(reserved_path, sizeof(reserved_path), "%s/reserved", dir);
        snprintf(written_path, sizeof(written_path), "%s/written", dir);
        cr_assert_eq(fl_ring_open_file(&ring, ring_path, 4096), 0);
        cr_assert_eq(ring.map_len, len);
        fl_ring_close(&ring);
        make_file(reserved_path, len, false);
        make_file(written_path, len, true);
        reserved_faults = child_faults_writing_each_page(reserved_path, len);
        written_faults = child_faults_writing_each_page(written_path, len);
        ring_faults = child_faults_writing_each_page(ring_path, len);
        if (written_faults >= reserved_faults / 2)
                cr_skip_test("this filesystem faults written files page by page too (%ld, %ld)",
                             written_faults, reserved_faults);
        cr_expect_lt(ring_faults, reserved_faults / 2,
                     "writing each page of a new ring: %ld faults, of a reserved file: %ld, of a "
                     "written one: %ld",
                     ring_faults, reserved_faults, written_faults);
}
