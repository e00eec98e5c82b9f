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

/* A child's first record in a ring: the header and the slot's page, one fault each. The child
 * first appends to another ring so that its code and stack are already faulted in. */
Test(ring_faults, first_record_in_a_child_faults_each_page_once)
{
        struct fl_ring warm, ring;
        int status;
        pid_t pid;

        skip_under_sanitizers();

        open_ring(&warm, "warm");
        open_ring(&ring, "ring");
        append(&warm);
        append(&ring);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                long before;

                minor_faults();
                append(&warm);
                before = minor_faults();
                append(&ring);
                _exit((int)(minor_faults() - before));
        }
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFEXITED(status));
        cr_expect_leq(WEXITSTATUS(status), 2, "%d faults for the header and one slot page",
                      WEXITSTATUS(status));
        fl_ring_close(&warm);
        fl_ring_close(&ring);
}

/* A process joining a ring someone else made (every new image under `forklock run`): the join and
 * its first record fault the header and one slot page once each. The child joins another ring
 * first, so that the code and the stack of a join are already faulted in. */
Test(ring_faults, joining_and_first_record_fault_each_page_once)
{
        struct fl_ring warm, ring;
        int status;
        pid_t pid;

        skip_under_sanitizers();

        open_ring(&warm, "warm");
        open_ring(&ring, "ring");
        append(&warm);
        append(&ring);
        fl_ring_close(&warm);
        fl_ring_close(&ring);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                long before;

                minor_faults();
                open_ring(&warm, "warm");
                append(&warm);
                before = minor_faults();
                open_ring(&ring, "ring");
                append(&ring);
                _exit((int)(minor_faults() - before));
        }
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFEXITED(status));
        cr_expect_leq(WEXITSTATUS(status), 2, "%d faults for the join and its first record",
                      WEXITSTATUS(status));
}

/* Faults a fork child takes writing one byte in each page of a shared mapping of path. */
static long child_faults_writing_each_page(const char *path, size_t len)
{
        int status, fd = open(path, O_RDWR | O_CLOEXEC);
        char *map;
        pid_t pid;

        cr_assert_geq(fd, 0, "cannot open %s", path);
        map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        close(fd);
        cr_assert_neq(map, MAP_FAILED);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                long before = minor_faults();

                for (size_t at = FL_RING_HEADER_SIZE; at < len; at += 4096)
                        map[at] = 1;
                _exit((int)((minor_faults() - before) > 250 ? 250 : minor_faults() - before));
        }
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFEXITED(status));
        munmap(map, len);
        return WEXITSTATUS(status);
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
