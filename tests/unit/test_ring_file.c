/* Ring files: creation, joining, refusals (each with one warning), racing creators. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ring.h"
#include "ring_reader.h"
#include "warn.h"

static char dir[64];
static char path[128];
static int warn_pipe[2];

static void setup(void)
{
        strcpy(dir, "/tmp/fl-ringfile-XXXXXX");
        cr_assert_not_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/ring", dir);
        cr_assert_eq(pipe2(warn_pipe, O_NONBLOCK | O_CLOEXEC), 0);
        fl_warn_fd = warn_pipe[1];
        fl_warn_set_sink(fl_warn_to_fd);
}

static void teardown(void)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        (void)!system(cmd);
}

TestSuite(ring_file, .init = setup, .fini = teardown);

/* Every warning so far, and how many lines. */
static int warnings(char *buf, size_t len)
{
        ssize_t n = read(warn_pipe[0], buf, len - 1);
        int lines = 0;

        buf[n > 0 ? n : 0] = 0;
        for (char *p = buf; *p; p++)
                lines += *p == '\n';
        return lines;
}

static int open_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        int n = 0;

        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

static void make_ring_file(const char *p, uint32_t capacity)
{
        struct fl_ring ring;

        cr_assert_eq(fl_ring_open_file(&ring, p, capacity), 0);
        fl_ring_close(&ring);
}

static void expect_refused(const char *p, const char *reason)
{
        struct fl_ring ring;
        char buf[1024];

        cr_expect_eq(fl_ring_open_file(&ring, p, 64), -1, "%s accepted", reason);
        cr_expect_null(ring.hdr);
        cr_expect_eq(warnings(buf, sizeof(buf)), 1, "one warning line: %s", buf);
        cr_expect(strstr(buf, reason), "warning should say '%s': %s", reason, buf);
        cr_expect(strstr(buf, p), "warning names the file: %s", buf);
}

Test(ring_file, creates_0600_and_keeps_no_fd)
{
        struct fl_ring ring;
        struct stat st;
        char buf[256];
        int before = open_fds();

        cr_assert_eq(fl_ring_open_file(&ring, path, 100), 0);
        cr_expect_eq(open_fds(), before, "the library keeps no fd open");
        cr_assert_eq(lstat(path, &st), 0);
        cr_expect(S_ISREG(st.st_mode));
        cr_expect_eq(st.st_mode & 07777, 0600);
        cr_expect_eq((uint64_t)st.st_size, fl_ring_size(128));
        cr_expect_eq(ring.capacity, 128);
        cr_expect_eq(ring.hdr->magic, FL_RING_MAGIC);
        cr_expect_eq(ring.hdr->version, FL_RING_VERSION);
        cr_expect_gt(ring.hdr->base_realtime, 0);
        cr_expect_eq(warnings(buf, sizeof(buf)), 0, "%s", buf);
        fl_ring_close(&ring);
}

Test(ring_file, joins_an_existing_ring_with_its_capacity)
{
        struct fl_ring a, b;
        struct fl_record rec;
        struct fl_ring_reader r;
        char err[256];

        cr_assert_eq(fl_ring_open_file(&a, path, 64), 0);
        cr_assert_eq(fl_ring_open_file(&b, path, 4096), 0);
        cr_expect_eq(b.capacity, 64, "an existing file's capacity wins");
        memset(&rec, 0, sizeof(rec));
        rec.call = FL_CALL_SOCKET;
        cr_expect_eq(fl_ring_append(&a, &rec), 1);
        cr_expect_eq(fl_ring_append(&b, &rec), 2);
        cr_assert_eq(fl_ring_reader_open(&r, path, err, sizeof(err)), 0, "%s", err);
        while (fl_ring_reader_next(&r, &rec))
                ;
        cr_expect_eq(r.stats.records, 2);
        fl_ring_reader_close(&r);
}

Test(ring_file, refuses_a_symlink)
{
        char target[160];
        struct stat st;

        snprintf(target, sizeof(target), "%s/target", dir);
        make_ring_file(target, 64);
        cr_assert_eq(symlink(target, path), 0);
        expect_refused(path, "symbolic link");
        cr_assert_eq(stat(target, &st), 0);
        /* Also a dangling one: O_EXCL must not create the target through it. */
        unlink(target);
        expect_refused(path, "symbolic link");
        cr_expect_neq(stat(target, &st), 0, "nothing created through the link");
}

Test(ring_file, refuses_a_file_owned_by_someone_else)
{
        if (geteuid() != 0)
                cr_skip_test("needs root to chown");
        make_ring_file(path, 64);
        cr_assert_eq(chown(path, 65534, 65534), 0);
        expect_refused(path, "owned by uid 65534");
}

Test(ring_file, refuses_a_group_writable_file)
{
        make_ring_file(path, 64);
        cr_assert_eq(chmod(path, 0620), 0);
        expect_refused(path, "writable by group or others");
}

Test(ring_file, refuses_wrong_magic)
{
        int fd = open(path, O_CREAT | O_WRONLY, 0600);
        char junk[8192];

        memset(junk, 'x', sizeof(junk));
        cr_assert_eq(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
        close(fd);
        expect_refused(path, "bad magic");
}

Test(ring_file, refuses_wrong_size)
{
        make_ring_file(path, 64);
        cr_assert_eq(truncate(path, (off_t)fl_ring_size(64) + 4096), 0);
        expect_refused(path, "size is");
        cr_assert_eq(truncate(path, (off_t)fl_ring_size(64) - 128), 0);
        expect_refused(path, "truncated");
        cr_assert_eq(truncate(path, 100), 0);
        expect_refused(path, "truncated");
}

Test(ring_file, refuses_another_version)
{
        int fd;
        uint32_t v = 2;

        make_ring_file(path, 64);
        fd = open(path, O_WRONLY);
        cr_assert_eq(pwrite(fd, &v, sizeof(v), offsetof(struct fl_ring_header, version)), 4);
        close(fd);
        expect_refused(path, "version 2");
}

Test(ring_file, refuses_a_fifo_without_blocking, .timeout = 5)
{
        cr_assert_eq(mkfifo(path, 0600), 0);
        expect_refused(path, "not a regular file");
        expect_refused(dir, "EISDIR");
}

Test(ring_file, refuses_a_file_it_cannot_create)
{
        char p[200];

        snprintf(p, sizeof(p), "%s/no/such/dir/ring", dir);
        expect_refused(p, "cannot create");
}

/* Creators racing on one path all end up on the same valid ring. */
Test(ring_file, racing_creators_share_one_ring, .timeout = 60)
{
        enum { PROCS = 4, ROUNDS = 20 };

        for (int round = 0; round < ROUNDS; round++) {
                struct fl_ring_reader r;
                struct fl_record rec;
                char err[256];
                pid_t kids[PROCS];
                int go[2];

                unlink(path);
                cr_assert_eq(pipe(go), 0);
                for (int i = 0; i < PROCS; i++) {
                        kids[i] = fork();
                        if (kids[i] == 0) {
                                struct fl_ring ring;
                                char c;

                                close(go[1]);
                                (void)!read(go[0], &c, 1); /* wait for the start */
                                if (fl_ring_open_file(&ring, path, 64) < 0)
                                        _exit(1);
                                memset(&rec, 0, sizeof(rec));
                                rec.pid = getpid();
                                _exit(fl_ring_append(&ring, &rec) ? 0 : 3);
                        }
                }
                close(go[0]);
                close(go[1]); /* all start at once */
                for (int i = 0; i < PROCS; i++) {
                        int status;

                        cr_assert_eq(waitpid(kids[i], &status, 0), kids[i]);
                        cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                                  "round %d: creator %d failed (%#x)", round, i, status);
                }
                cr_assert_eq(fl_ring_reader_open(&r, path, err, sizeof(err)), 0, "%s", err);
                while (fl_ring_reader_next(&r, &rec))
                        ;
                cr_expect_eq(r.stats.records, PROCS, "round %d: all on one ring", round);
                fl_ring_reader_close(&r);
        }
}

Test(ring_file, anonymous_ring_is_shared_with_a_fork_child)
{
        struct fl_ring ring;
        struct fl_ring_reader r;
        struct fl_record rec;
        pid_t child;

        cr_assert_eq(fl_ring_open_anonymous(&ring, 0), 0);
        cr_expect_eq(ring.capacity, FL_RING_DEFAULT_CAPACITY);
        memset(&rec, 0, sizeof(rec));
        child = fork();
        if (child == 0) {
                rec.pid = getpid();
                _exit(fl_ring_append(&ring, &rec) == 1 ? 0 : 1);
        }
        cr_assert_eq(waitpid(child, NULL, 0), child);
        rec.pid = getpid();
        cr_expect_eq(fl_ring_append(&ring, &rec), 2);
        cr_assert_eq(fl_ring_reader_attach(&r, &ring), 0);
        cr_assert(fl_ring_reader_next(&r, &rec));
        cr_expect_eq(rec.pid, child);
        cr_assert(fl_ring_reader_next(&r, &rec));
        cr_expect_eq(rec.pid, getpid());
}
