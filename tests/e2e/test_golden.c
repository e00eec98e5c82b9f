/* Golden output: forklock dump's table, its JSON, dump --tree and audit --tree on a FIXED ring
 * (made here, record by record, with fixed pids, inodes and timestamps), compared byte for byte
 * with tests/golden/. After a deliberate change of output, `make golden` rewrites the files
 * (FL_GOLDEN_UPDATE=1) and the diff is reviewed like code. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "fdinfo.h"
#include "fltest.h"
#include "inherit.h"
#include "ring.h"

#define BASE_REALTIME  1700000000000000000ll /* 2023-11-14 22:13:20 UTC */
#define BASE_MONOTONIC 5000000000000ll
#define AUDIT_PID      100
#define FCGIWRAP       200

static struct fl_ring ring, drop;
static struct fl_ring *cur = &ring; /* the ring add() writes */
static uint64_t head, ts;
static char ring_path[256];

static struct fl_record *add(enum fl_call call, enum fl_decision decision, int pid, int fd,
                             int result)
{
        struct fl_record *r = &cur->slots[(cur->hdr->head + 1) & cur->mask];

        memset(r, 0, sizeof(*r));
        r->seq = ++cur->hdr->head;
        r->ts_ns = (uint64_t)BASE_MONOTONIC + ++ts * 250000; /* a quarter millisecond apart */
        r->pid = r->tid = pid;
        r->call = (uint16_t)call;
        r->decision = (uint8_t)decision;
        r->fd = fd;
        r->fd2 = -1;
        r->result = result;
        head = cur->hdr->head;
        return r;
}

/* A text longer than a record: the record keeps the first chunk, FL_CALL_TEXT records the rest. */
static void set_text(struct fl_record *r, const char *text)
{
        size_t chunk = FL_RECORD_TEXT - 1, len = strlen(text), parts = (len + chunk - 1) / chunk;
        uint64_t seq = r->seq;
        int pid = r->pid;

        snprintf(r->text, sizeof(r->text), "%.*s", (int)chunk, text);
        for (size_t i = 1; i < parts; i++) {
                struct fl_record *more = add(FL_CALL_TEXT, FL_DEC_NONE, pid, -1, 0);

                more->ino = seq;
                more->aux = (int)i;
                more->flags_asked = (uint32_t)(parts - 1);
                snprintf(more->text, sizeof(more->text), "%.*s", (int)chunk, text + i * chunk);
        }
}

static void start(int pid, int parent, const char *path, int inherited, int leaks)
{
        struct fl_record *r = add(FL_CALL_START, FL_DEC_NONE, pid, -1, inherited);

        r->child_pid = parent;
        r->aux = leaks;
        set_text(r, path);
}

/* One fd seen crossing exec: view FL_AUDIT_CHILD (parent is the parent pid) or FL_AUDIT_PARENT. */
static void crossed(int pid, enum fl_audit_view view, int parent, int fd, enum fl_pass_reason why,
                    enum fl_fd_kind kind, unsigned state, uint64_t ino, const char *text)
{
        struct fl_record *r = add(FL_CALL_INHERIT, why ? FL_DEC_PASSED : FL_DEC_LEAK, pid, fd, 0);

        r->aux = view;
        r->child_pid = view == FL_AUDIT_CHILD ? parent : 0;
        r->flags_asked = why;
        r->protocol = kind;
        r->flags_applied = state;
        r->ino = ino;
        if (kind == FL_KIND_TCP) {
                r->family = AF_INET;
                r->type = SOCK_STREAM;
                r->fd2 = 8080;
        }
        set_text(r, text);
}

static void argv_of(int pid, enum fl_call how, const char *argv)
{
        struct fl_record *r = add(FL_CALL_INHERIT, FL_DEC_NONE, pid, -1, 0);

        r->aux = FL_AUDIT_ARGV;
        r->fd2 = how;
        set_text(r, argv);
}

static void exec_ok(int pid, const char *path)
{
        set_text(add(FL_CALL_EXEC, FL_DEC_PASSTHROUGH, pid, -1, 0), path);
}

static struct fl_record *created(enum fl_call call, int pid, int child)
{
        struct fl_record *r = add(call, FL_DEC_PASSTHROUGH, pid, -1, child);

        r->child_pid = child;
        return r;
}

static void server_setup(void)
{
        struct fl_record *r;

        start(FCGIWRAP, AUDIT_PID, "/usr/sbin/fcgiwrap", 1, 0);
        crossed(FCGIWRAP, FL_AUDIT_CHILD, AUDIT_PID, 3, FL_PASS_SYSTEMD, FL_KIND_UNIX,
                FL_STATE_LISTENING, 900, "unix:/run/fcgiwrap.socket");
        r = add(FL_CALL_SOCKET, FL_DEC_AUDIT_WOULD_CHANGE, FCGIWRAP, 4, 4);
        r->family = AF_INET, r->type = SOCK_STREAM, r->ino = 1004;
        r = add(FL_CALL_SOCKET, FL_DEC_ATOMIC, FCGIWRAP, 6, 6);
        r->family = AF_INET6, r->type = SOCK_DGRAM, r->flags_asked = SOCK_NONBLOCK;
        r->flags_applied = SOCK_NONBLOCK | SOCK_CLOEXEC, r->ino = 1006;
        r = add(FL_CALL_SETSOCKOPT, FL_DEC_PROFILE, FCGIWRAP, 4, 0);
        r->protocol = SOL_SOCKET, r->aux = SO_REUSEADDR, r->type = 1;
        snprintf(r->text, sizeof(r->text), "go SO_REUSEADDR=1");
        r = add(FL_CALL_BIND, FL_DEC_PASSTHROUGH, FCGIWRAP, 4, 0);
        r->family = AF_INET;
        snprintf(r->text, sizeof(r->text), "127.0.0.1:8080");
        r = add(FL_CALL_LISTEN, FL_DEC_PROFILE, FCGIWRAP, 4, 0);
        r->flags_asked = 128, r->aux = 4096, r->type = 4096;
        r = add(FL_CALL_LISTEN, FL_DEC_AUDIT_WOULD_CHANGE, FCGIWRAP, 6, -1);
        r->flags_asked = 16, r->aux = 16, r->type = 4096, r->err = 95; /* EOPNOTSUPP */
        r = add(FL_CALL_SOCKETPAIR, FL_DEC_FALLBACK, FCGIWRAP, 7, 0);
        r->family = AF_UNIX, r->type = SOCK_STREAM, r->flags_asked = SOCK_CLOEXEC, r->fd2 = 8;
        r->ino = 1007, r->aux = 1008;
        r = add(FL_CALL_FCNTL, FL_DEC_ATOMIC, FCGIWRAP, 7, 10);
        r->flags_asked = F_DUPFD, r->flags_applied = F_DUPFD_CLOEXEC, r->aux = 10, r->fd2 = 10;
        r = add(FL_CALL_FCNTL, FL_DEC_AUDIT_WOULD_CHANGE, FCGIWRAP, 7, 11);
        r->flags_asked = F_DUPFD, r->flags_applied = F_DUPFD, r->aux = 10, r->fd2 = 11;
        r = add(FL_CALL_FCNTL, FL_DEC_INTENT, FCGIWRAP, 3, 0);
        r->flags_asked = r->flags_applied = F_SETFD;
        r = add(FL_CALL_IOCTL, FL_DEC_INTENT, FCGIWRAP, 8, 0);
        r->flags_asked = r->flags_applied = 0x5450; /* FIONCLEX */
        r = add(FL_CALL_DUP3, FL_DEC_PASSTHROUGH, FCGIWRAP, 8, 12);
        r->flags_asked = r->flags_applied = O_CLOEXEC, r->fd2 = 12;
        r = add(FL_CALL_CLOSE_RANGE, FL_DEC_PASSTHROUGH, FCGIWRAP, 11, 0);
        r->fd2 = 12, r->aux = 4; /* CLOSE_RANGE_CLOEXEC */
}

/* fcgiwrap accepts a request and runs the CGI with fork+exec; the connection leaks into it. */
static void request(int cgi, int conn, uint64_t ino, int port)
{
        char peer[64];
        struct fl_record *r = add(FL_CALL_ACCEPT4, FL_DEC_AUDIT_WOULD_CHANGE, FCGIWRAP, 4, conn);

        r->fd2 = conn, r->ino = ino;
        snprintf(peer, sizeof(peer), "127.0.0.1:8080 <- 127.0.0.1:%d", port);
        created(FL_CALL_FORK, FCGIWRAP, cgi);
        add(FL_CALL_DUP2, FL_DEC_INTENT, cgi, 3, 0)->fd2 = 0;
        exec_ok(cgi, "/usr/lib/cgi-bin/fds.cgi");
        argv_of(cgi, FL_CALL_EXEC, "/usr/lib/cgi-bin/fds.cgi");
        crossed(cgi, FL_AUDIT_PARENT, 0, conn, 0, FL_KIND_TCP, FL_STATE_CONNECTED, ino, peer);
        start(cgi, FCGIWRAP, "/usr/lib/cgi-bin/fds.cgi", 1, 1);
        crossed(cgi, FL_AUDIT_CHILD, FCGIWRAP, conn, 0, FL_KIND_TCP, FL_STATE_CONNECTED, ino, peer);
}

/* The CGI vforks ls (the parent's vfork record after the child's), execs a static tool (no record
 * of its own), tries a missing program, and execs sh in place. */
static void cgi_children(int cgi, int conn, uint64_t ino, int ls)
{
        static const char peer[] = "127.0.0.1:8080 <- 127.0.0.1:40000";
        struct fl_record *r;

        exec_ok(ls, "/bin/ls");
        argv_of(ls, FL_CALL_EXEC, "ls -l --time-style=long-iso --color=never /proc/self/fd/");
        crossed(ls, FL_AUDIT_PARENT, 0, conn, 0, FL_KIND_TCP, FL_STATE_CONNECTED, ino, peer);
        start(ls, cgi, "/usr/bin/ls", 1, 1);
        crossed(ls, FL_AUDIT_CHILD, cgi, conn, 0, FL_KIND_TCP, FL_STATE_CONNECTED, ino, peer);
        created(FL_CALL_VFORK, cgi, ls);
        argv_of(cgi, FL_CALL_EXEC, "/nonexistent/tool");
        crossed(cgi, FL_AUDIT_PARENT, 0, conn, 0, FL_KIND_TCP, FL_STATE_CONNECTED, ino, peer);
        r = add(FL_CALL_EXEC, FL_DEC_ERROR, cgi, -1, -1);
        r->err = 2; /* ENOENT */
        set_text(r, "/nonexistent/tool");
        exec_ok(cgi, "/bin/sh");
        argv_of(cgi, FL_CALL_EXEC, "sh -c exec /usr/local/bin/static-tool --once");
        crossed(cgi, FL_AUDIT_PARENT, 0, conn, 0, FL_KIND_TCP, FL_STATE_CONNECTED, ino, peer);
        start(cgi, FCGIWRAP, "/bin/sh", 1, 1);
        crossed(cgi, FL_AUDIT_CHILD, FCGIWRAP, conn, 0, FL_KIND_TCP, FL_STATE_CONNECTED, ino, peer);
        exec_ok(cgi, "/usr/local/bin/static-tool");
        argv_of(cgi, FL_CALL_EXEC, "/usr/local/bin/static-tool --once");
        crossed(cgi, FL_AUDIT_PARENT, 0, conn, 0, FL_KIND_TCP, FL_STATE_CONNECTED, ino, peer);
}

/* fcgiwrap spawns a logger on purpose (a posix_spawn dup2 target) and runs system(). */
static void spawns(void)
{
        argv_of(FCGIWRAP, FL_CALL_POSIX_SPAWN, "/usr/bin/logger -t fcgiwrap");
        crossed(FCGIWRAP, FL_AUDIT_PARENT, 0, 9, FL_PASS_SPAWN_DUP2, FL_KIND_PIPE, 0, 1009,
                "pipe:[1009]");
        start(203, FCGIWRAP, "/usr/bin/logger", 1, 0);
        crossed(203, FL_AUDIT_CHILD, FCGIWRAP, 9, FL_PASS_SPAWN_DUP2, FL_KIND_PIPE, 0, 1009,
                "pipe:[1009]");
        created(FL_CALL_POSIX_SPAWN, FCGIWRAP, 203)->result = 0;
        argv_of(FCGIWRAP, FL_CALL_SYSTEM, "sh -c date");
        created(FL_CALL_SYSTEM, FCGIWRAP, 204)->result = 0;
        start(204, FCGIWRAP, "/bin/sh", 1, 1);
        crossed(204, FL_AUDIT_CHILD, FCGIWRAP, 5, 0, FL_KIND_FILE, 0, 555, "/var/log/fcgiwrap.log");
}

static void save_ring(void);

static void open_ring(void)
{
        cr_assert_eq(fl_ring_open_anonymous(&ring, 256), 0);
        ring.hdr->base_realtime = BASE_REALTIME;
        ring.hdr->base_monotonic = BASE_MONOTONIC;
        ring.hdr->creator_pid = AUDIT_PID;
        head = ts = 0;
        cur = &ring;
}

static void make_ring(void)
{
        char warning[] = "forklock: FORKLOCK_RING='10' is below 64; using 65536";
        struct fl_record *r;

        open_ring();
        r = add(FL_CALL_WARNING, FL_DEC_NONE, FCGIWRAP, 0, (int)strlen(warning));
        r->fd2 = 2;
        memcpy(r->text, warning, FL_RECORD_TEXT);
        r = add(FL_CALL_WARNING, FL_DEC_NONE, FCGIWRAP, 1, (int)strlen(warning));
        r->fd2 = 2;
        snprintf(r->text, sizeof(r->text), "%s", warning + FL_RECORD_TEXT);
        server_setup();
        request(201, 5, 7001, 40000);
        cgi_children(201, 5, 7001, 202);
        spawns();
        request(205, 13, 7002, 40002);
        save_ring();
}

static void write_ring(const char *path, const struct fl_ring *r)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        cr_assert(fd >= 0 && write(fd, r->hdr, r->map_len) == (ssize_t)r->map_len, "%s", path);
        close(fd);
}

static void save_ring(void)
{
        snprintf(ring_path, sizeof(ring_path), "%s/golden.ring", fl_scratch_dir("golden"));
        write_ring(ring_path, &ring);
}

static void read_file(const char *path, char *buf, size_t size)
{
        FILE *f = fopen(path, "r");
        size_t n;

        cr_assert(f, "cannot read %s (make golden writes it)", path);
        n = fread(buf, 1, size - 1, f);
        buf[n] = '\0';
        fclose(f);
}

static void first_difference(const char *want, const char *got, const char *name)
{
        int line = 1;
        const char *w = want, *g = got;

        for (; *w && *w == *g; w++, g++)
                if (*w == '\n')
                        line++;
        while (w > want && w[-1] != '\n')
                w--, g--;
        cr_assert_fail("tests/golden/%s differs at line %d (run 'make golden' after a deliberate "
                       "change)\nwant: %.*s\ngot:  %.*s",
                       name, line, (int)strcspn(w, "\n"), w, (int)strcspn(g, "\n"), g);
}

/* Runs argv (TZ=UTC: the wall-clock column), then compares stdout with tests/golden/name. */
static void check(const char *name, const char *const argv[])
{
        static struct fl_run run;
        static char want[sizeof(run.out)];
        const char *env[] = {"TZ=UTC", NULL};
        char path[512];
        const char *update = getenv("FL_GOLDEN_UPDATE");

        fl_run_program(&run, argv, env, false, NULL, 30);
        cr_assert(run.status == 0 || run.status == 3, "%s: status %d\n%s", name, run.status,
                  run.err);
        snprintf(path, sizeof(path), "%s/tests/golden/%s", getenv("FL_SRC"), name);
        if (update && strcmp(update, "1") == 0) {
                FILE *f = fopen(path, "w");

                cr_assert(f && fputs(run.out, f) >= 0 && fclose(f) == 0, "cannot write %s", path);
                return;
        }
        read_file(path, want, sizeof(want));
        if (strcmp(want, run.out) != 0)
                first_difference(want, run.out, name);
}

static void cleanup(void)
{
        char *slash = strrchr(ring_path, '/');

        if (slash) {
                *slash = '\0';
                fl_remove_dir(ring_path);
        }
        fl_ring_close(&ring);
}

TestSuite(golden, .fini = cleanup);

Test(golden, dump_table)
{
        const char *argv[] = {fl_build_path("forklock-dump"), ring_path, NULL};

        make_ring();
        check("dump.txt", argv);
}

Test(golden, dump_json)
{
        const char *argv[] = {fl_build_path("forklock-dump"), "--json", ring_path, NULL};

        make_ring();
        check("dump.jsonl", argv);
}

Test(golden, dump_tree)
{
        const char *argv[] = {fl_build_path("forklock-dump"), "--tree", ring_path, NULL};

        make_ring();
        check("tree.txt", argv);
}

Test(golden, audit_tree)
{
        char from[300];
        const char *argv[] = {
            fl_build_path("forklock-audit"), "--tree", "-o", "/dev/stdout", from, NULL};

        make_ring();
        snprintf(from, sizeof(from), "--from=%s", ring_path);
        check("audit-tree.txt", argv);
}

/* Not golden but the rule the golden files show: dump --json lists each leak once (the parent's
 * view at exec only for the image that kept no record of its own), as many as the audit counts. */
Test(golden, each_leak_once)
{
        static struct fl_run dump, audit;
        char from[300];
        const char *dump_argv[] = {fl_build_path("forklock-dump"), "--json", ring_path, NULL};
        const char *audit_argv[] = {
            fl_build_path("forklock-audit"), "--json", "-o", "/dev/stdout", from, NULL};

        make_ring();
        snprintf(from, sizeof(from), "--from=%s", ring_path);
        fl_run_program(&dump, dump_argv, NULL, false, NULL, 30);
        fl_run_program(&audit, audit_argv, NULL, false, NULL, 30);
        cr_assert_eq(dump.status, 0, "%s", dump.err);
        cr_assert(strstr(audit.out, "\"leaks\":6,"), "%s", audit.out);
        cr_expect_eq(fl_count_lines(dump.out, "\"decision\":\"leak\""), 6, "%s", dump.out);
        cr_expect_eq(fl_count_lines(dump.out, "\"recorded_decision\":\"leak\""), 5, "%s", dump.out);
}

/* A fork child often execs and records its START before its parent writes the fork record (the
 * parent was descheduled right after fork): the report must name the image an fd reached by that
 * image's own START, also for the fds it reports after the late fork record, not by the parent's
 * program the fork record says the child ran. Here sh (301) forks 302, which execs fdreport. */
Test(golden, late_fork_record_keeps_the_childs_own_name)
{
        static struct fl_run audit;
        char from[300];
        const char *audit_argv[] = {fl_build_path("forklock-audit"), "-o", "/dev/stdout", from,
                                    NULL};
        struct fl_record *r;

        open_ring();
        start(300, AUDIT_PID, "/usr/bin/legacy", 0, 0);
        r = add(FL_CALL_SOCKET, FL_DEC_PASSTHROUGH, 300, 3, 3);
        r->family = AF_INET, r->type = SOCK_STREAM, r->ino = 3003;
        created(FL_CALL_POPEN, 300, 301)->result = 0;
        start(301, 300, "/bin/sh", 1, 1);
        crossed(301, FL_AUDIT_CHILD, 300, 3, 0, FL_KIND_TCP, FL_STATE_LISTENING, 3003, "x");
        start(302, 301, "/usr/bin/fdreport", 2, 2);
        crossed(302, FL_AUDIT_CHILD, 301, 3, 0, FL_KIND_TCP, FL_STATE_LISTENING, 3003, "x");
        created(FL_CALL_FORK, 301, 302);
        crossed(302, FL_AUDIT_CHILD, 301, 4, 0, FL_KIND_TCP, FL_STATE_LISTENING, 3003, "x");
        save_ring();
        snprintf(from, sizeof(from), "--from=%s", ring_path);
        fl_run_program(&audit, audit_argv, NULL, false, NULL, 30);
        cr_expect_eq(fl_count_lines(audit.out, "reached /usr/bin/fdreport (pid 302)"), 2, "%s",
                     audit.out);
        cr_expect_eq(fl_count_lines(audit.out, "reached /bin/sh (pid 302)"), 0, "%s", audit.out);
}

/* Most exec'd images inherit nothing and record nothing, so they write no START: make (301)
 * writes its own only with its first record, the vfork of cc (302), after cc's exec was
 * recorded; cc writes none, nor does date, which sh spawned. The tree still puts cc under make,
 * make and date under sh, the audit counts all four images, and the dump says of cc that nothing
 * crossed, not that it kept no record of its own. */
Test(golden, quiet_images_and_a_start_written_late)
{
        static struct fl_run tree, audit, dump;
        char from[300];
        const char *tree_argv[] = {fl_build_path("forklock-dump"), "--tree", ring_path, NULL};
        const char *audit_argv[] = {fl_build_path("forklock-audit"), "-o", "/dev/stdout", from,
                                    NULL};
        const char *dump_argv[] = {fl_build_path("forklock-dump"), ring_path, NULL};

        open_ring();
        start(300, AUDIT_PID, "/bin/sh", 0, 0);
        exec_ok(301, "/usr/bin/make");
        argv_of(301, FL_CALL_EXEC, "make all");
        created(FL_CALL_VFORK, 300, 301);
        exec_ok(302, "/usr/bin/cc");
        argv_of(302, FL_CALL_EXEC, "cc -c a.c");
        start(301, 300, "/usr/bin/make", 0, 0);
        created(FL_CALL_VFORK, 301, 302);
        argv_of(300, FL_CALL_POSIX_SPAWN, "date -u");
        created(FL_CALL_POSIX_SPAWN, 300, 303)->result = 0;
        save_ring();
        snprintf(from, sizeof(from), "--from=%s", ring_path);
        fl_run_program(&tree, tree_argv, NULL, false, NULL, 30);
        cr_assert_eq(tree.status, 0, "%s", tree.err);
        cr_expect(strstr(tree.out, "pid 100 (outside forklock)\n"
                                   "└─ sh (pid 300, exec)\n"
                                   "   ├─ make (pid 301, vfork+exec): make all\n"
                                   "   │  └─ cc (pid 302, vfork+exec): cc -c a.c\n"
                                   "   └─ date (pid 303, posix_spawn): date -u\n"),
                  "%s", tree.out);
        cr_expect_null(strstr(tree.out, "no record of its own"), "%s", tree.out);
        fl_run_program(&audit, audit_argv, NULL, false, NULL, 30);
        cr_expect(strstr(audit.out, "no leaks (4 images started"), "%s", audit.out);
        fl_run_program(&dump, dump_argv, NULL, false, NULL, 30);
        cr_expect_eq(fl_count_lines(dump.out, "argv of exec (no fd crossed; the image recorded "
                                              "nothing) argv=\"cc -c a.c\""),
                     1, "%s", dump.out);
}

/* An image that dropped privileges records into a drop ring beside the ring; its fork child
 * often starts (and records) before the parent's fork record: the child is still part of the
 * tree, and its leak is counted. The drop ring numbers its records from 1 too: a long text's
 * continuation joins the record of its own pid and thread, not the main ring's of the same seq. */
Test(golden, drop_ring_child_recorded_before_its_fork)
{
        static struct fl_run audit;
        char from[300], dir[300], path[400];
        const char *argv[] = {
            fl_build_path("forklock-audit"), "--json", "-o", "/dev/stdout", from, NULL};
        static const char peer[] = "[::ffff:127.0.0.1]:18181 <- [::ffff:127.0.0.1]:43224";
        struct fl_record *r;

        cr_assert_eq(fl_ring_open_anonymous(&ring, 64), 0);
        cr_assert_eq(fl_ring_open_anonymous(&drop, 64), 0);
        ring.hdr->base_realtime = drop.hdr->base_realtime = BASE_REALTIME;
        ring.hdr->base_monotonic = drop.hdr->base_monotonic = BASE_MONOTONIC;
        head = ts = 0;
        cur = &ring;
        start(FCGIWRAP, AUDIT_PID, "/usr/sbin/mini_httpd", 0, 0);
        r = add(FL_CALL_ACCEPT, FL_DEC_AUDIT_WOULD_CHANGE, FCGIWRAP, 3, 4);
        r->fd2 = 4, r->ino = 7001;
        created(FL_CALL_FORK, FCGIWRAP, 201);
        cur = &drop;
        start(201, FCGIWRAP, "/usr/lib/cgi-bin/fds.cgi", 1, 1);
        crossed(201, FL_AUDIT_CHILD, FCGIWRAP, 4, 0, FL_KIND_TCP, FL_STATE_CONNECTED, 7001, peer);
        start(202, 201, "/usr/bin/ls", 1, 1);
        crossed(202, FL_AUDIT_CHILD, 201, 4, 0, FL_KIND_TCP, FL_STATE_CONNECTED, 7001, peer);
        created(FL_CALL_FORK, 201, 202);
        save_ring();
        snprintf(dir, sizeof(dir), "%s.drop", ring_path);
        cr_assert_eq(mkdir(dir, 0700), 0);
        snprintf(path, sizeof(path), "%s/%u.ring", dir, (unsigned)getuid());
        write_ring(path, &drop);
        snprintf(from, sizeof(from), "--from=%s", ring_path);
        fl_run_program(&audit, argv, NULL, false, NULL, 30);
        cr_expect(strstr(audit.out, "\"program\":\"/usr/bin/ls\""), "%s", audit.out);
        cr_expect(strstr(audit.out, "\"leaks\":2,"), "%s", audit.out);
        cr_expect_eq(fl_count_lines(audit.out, "\"description\":\"[::ffff:127.0.0.1]:18181 <- "
                                               "[::ffff:127.0.0.1]:43224\""),
                     2, "%s", audit.out);
        unlink(path);
        rmdir(dir);
        fl_ring_close(&drop);
}

/* --follow holds back the records of an exec whose new image has not started yet, so that the
 * fd it inherits is shown once, from the image's own record: the same lines as a dump of the
 * whole ring, although the image's records arrive a poll later. */
Test(golden, follow_shows_each_leak_once, .timeout = 20)
{
        static char want[65536], got[65536];
        char out[400], golden[512];
        struct fl_ring_header *partial;
        pid_t pid;
        int fd, status;
        uint64_t upto = 23; /* the parent's view of fds.cgi's exec, before fds.cgi starts */

        make_ring();
        cr_assert(ring.slots[upto & ring.mask].call == FL_CALL_INHERIT &&
                  ring.slots[(upto + 1) & ring.mask].call == FL_CALL_START);
        cr_assert((partial = malloc(ring.map_len)));
        memcpy(partial, ring.hdr, ring.map_len);
        partial->head = upto;
        /* slot = seq & mask: the slots after seq upto were never written */
        memset((char *)partial + FL_RING_HEADER_SIZE + (upto + 1) * sizeof(struct fl_record), 0,
               ring.map_len - FL_RING_HEADER_SIZE - (upto + 1) * sizeof(struct fl_record));
        fd = open(ring_path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        cr_assert(fd >= 0 && write(fd, partial, ring.map_len) == (ssize_t)ring.map_len);
        free(partial);
        snprintf(out, sizeof(out), "%s.follow", ring_path);
        if ((pid = fork()) == 0) {
                int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

                dup2(o, 1);
                setenv("TZ", "UTC", 1);
                execl(fl_build_path("forklock-dump"), "forklock-dump", "--json", "--follow",
                      ring_path, (char *)NULL);
                _exit(127);
        }
        usleep(400000);
        cr_assert(pwrite(fd, ring.hdr, ring.map_len, 0) == (ssize_t)ring.map_len);
        close(fd);
        usleep(600000);
        kill(pid, SIGINT);
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
        read_file(out, got, sizeof(got));
        snprintf(golden, sizeof(golden), "%s/tests/golden/dump.jsonl", getenv("FL_SRC"));
        read_file(golden, want, sizeof(want));
        cr_expect_eq(fl_count_lines(got, "\"decision\":\"leak\""), 6, "%s", got);
        if (strcmp(want, got) != 0)
                first_difference(want, got, "dump.jsonl (with --follow)");
}

/* The tree is drawn text of the whole ring: --json (and dump's filters) are refused, not ignored.
 */
Test(golden, tree_refuses_json)
{
        static struct fl_run run;
        char from[300];
        const char *dump_argv[] = {fl_build_path("forklock-dump"), "--tree", "--json", ring_path,
                                   NULL};
        const char *pid_argv[] = {fl_build_path("forklock-dump"), "--tree", "--pid=200", ring_path,
                                  NULL};
        const char *audit_argv[] = {fl_build_path("forklock-audit"), "--tree", "--json", from,
                                    NULL};

        make_ring();
        snprintf(from, sizeof(from), "--from=%s", ring_path);
        fl_run_program(&run, dump_argv, NULL, false, NULL, 30);
        cr_expect_eq(run.status, 2, "%s", run.out);
        cr_expect(strstr(run.err, "--tree draws the whole ring"), "%s", run.err);
        fl_run_program(&run, pid_argv, NULL, false, NULL, 30);
        cr_expect_eq(run.status, 2, "%s", run.out);
        fl_run_program(&run, audit_argv, NULL, false, NULL, 30);
        cr_expect_eq(run.status, 2, "%s", run.out);
        cr_expect(strstr(run.err, "--tree draws text; it cannot be combined with --json"), "%s",
                  run.err);
}
