/* Real Debian programs that start children in different ways, each run bare and under
 * `forklock run` (enforce) as a shell script in its own directory, on 127.0.0.1 and free ports.
 * The rule is the same for every program: stdout, stderr, exit status and the files written are
 * identical (after normalising the work directory, the port and HTTP dates), and the fd lists its
 * children write (tests/fixtures/fdlist, standard streams included) are identical except for the
 * sockets at fds >= 3, of which only those passed on purpose remain under forklock. A table of
 * the results goes to stderr at the end. */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <criterion/parameterized.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fltest.h"
#include "flrun.h"

struct program {
        const char *name;
        const char *how;      /* how it starts children */
        const char *needs[4]; /* the binaries it runs */
        const char *packages; /* the Debian packages that hold them */
        int kept_sockets;     /* sockets >= 3 its children keep on purpose */
        const char *script;   /* run by /bin/sh in the work directory */
};

/* Shared by every script: wait until something listens on $PORT without connecting to it (a
 * probe connection would start one more child in inetd-style servers). */
static const char prelude[] =
    "set -u\n"
    "wait_listen() { i=0; until [ -n \"$(ss -Hltn \"sport = :$PORT\")\" ]; do i=$((i+1));"
    " [ $i -gt 200 ] && { echo \"nothing listens on $PORT\" >&2; return 1; }; sleep 0.05;"
    " done; }\n"
    /* SIGTERM to a server, then its status. ThreadSanitizer defers signals to its own safe
     * points, so a server blocked in accept under a TSan library acts on SIGTERM only once a
     * connection wakes it; SIGKILL if it still has not exited after that. */
    "stop() { kill $1; i=0; while kill -0 $1 2>/dev/null && [ $i -lt 40 ]; do i=$((i+1));"
    " [ $i -eq 20 ] && socat -u OPEN:/dev/null TCP:127.0.0.1:$PORT 2>/dev/null; sleep 0.05;"
    " done; kill -9 $1 2>/dev/null; wait $1; }\n";

static const struct program programs[] = {
    {"tar -czf",
     "fork, dup onto stdin/stdout, exec gzip (-z and --use-compress-program)",
     {"/usr/bin/tar", "/usr/bin/gzip"},
     "tar gzip",
     0,
     "mkdir src && printf 'alpha\\n' >src/a && printf 'beta\\n' >src/b\n"
     "touch -d @1000000000 src/a src/b\n"
     "cat >gz.sh <<'EOF'\n#!/bin/sh\n\"$FDLIST\" tar-filter \"$FDS/tar\"\nexec gzip \"$@\"\nEOF\n"
     "chmod 755 gz.sh\n"
     "tar -czf z.tgz src/a src/b; echo \"tar -czf: $?\"\n"
     "tar -tzvf z.tgz; echo \"tar -tzvf: $?\"\n"
     "tar --use-compress-program=./gz.sh -cf p.tgz src/a src/b; echo \"tar -I: $?\"\n"
     "tar -xzf z.tgz -O; echo \"tar -xzf: $?\"\n"},
    {"mawk print | cmd",
     "popen-style: fork, dup the pipe onto the child's stdin, exec sh",
     {"/usr/bin/mawk"},
     "mawk",
     0,
     "printf 'b a\\nd c\\na z\\n' | mawk '{ print $1 | \"sort\" } END { close(\"sort\");"
     " print \"awk done\" }'; echo \"mawk: $?\"\n"
     "printf 'x\\n' | mawk -v cmd=\"cat >/dev/null; $FDLIST awk-print $FDS/awk\""
     " '{ print | cmd }'; echo \"mawk: $?\"\n"
     "mawk 'BEGIN { r = system(\"echo from system; exit 3\"); print \"system \" r }'\n"},
    {"mawk cmd | getline",
     "fork, dup the pipe onto the child's stdout, exec sh",
     {"/usr/bin/mawk"},
     "mawk",
     0,
     "mawk -v cmd='seq 3 | sort -r' 'BEGIN { while ((cmd | getline l) > 0) print \"got \" l;"
     " close(cmd); print \"end\" }'; echo \"mawk: $?\"\n"
     "mawk -v cmd=\"$FDLIST awk-getline $FDS/awk; echo listed\" 'BEGIN { cmd | getline x;"
     " print x }'; echo \"mawk: $?\"\n"},
    {"mini_httpd -u nobody",
     "accept, fork, setuid(nobody), dup2 the connection, exec CGI",
     {"/usr/sbin/mini_httpd", "/usr/bin/socat", "/usr/bin/ss"},
     "mini-httpd socat iproute2",
     0,
     "mkdir www\n"
     "cat >www/t.cgi <<EOF\n#!/bin/sh\necho 'Content-Type: text/plain'\necho\n"
     "echo \"cgi as \\$(id -un): \\$QUERY_STRING\"\n$FDLIST cgi $FDS/cgi\nEOF\n"
     "chmod 755 www/t.cgi\n"
     "mini_httpd -D -p $PORT -h 127.0.0.1 -d \"$PWD/www\" -c '**.cgi' -u nobody -l /dev/null &\n"
     "wait_listen\n"
     "for q in one two; do printf 'GET /t.cgi?%s HTTP/1.0\\r\\n\\r\\n' $q |"
     " socat -t10 - TCP:127.0.0.1:$PORT; echo \"[client: $?]\"; done\n"
     "stop $!; echo \"mini_httpd: $?\"\n"},
    {"xinetd (user = nobody)",
     "inetd-style: accept, fork, setuid, dup2 onto 0-2, exec server",
     {"/usr/sbin/xinetd", "/usr/bin/socat", "/usr/bin/ss"},
     "xinetd socat iproute2",
     0,
     "cat >srv.sh <<EOF\n#!/bin/sh\nread line\necho \"got \\$line as \\$(id -un)\"\n"
     "$FDLIST xinetd-server $FDS/xinetd\nEOF\n"
     "chmod 755 srv.sh\n"
     "cat >xinetd.conf <<EOF\ndefaults\n{\n}\nservice fltest\n{\n type = UNLISTED\n"
     " socket_type = stream\n protocol = tcp\n wait = no\n user = nobody\n"
     " server = $PWD/srv.sh\n port = $PORT\n bind = 127.0.0.1\n}\nEOF\n"
     "xinetd -dontfork -f xinetd.conf &\n"
     "wait_listen\n"
     "for m in one two; do echo $m | socat -t10 - TCP:127.0.0.1:$PORT; echo \"[client: $?]\";"
     " done\n"
     "stop $!; echo \"xinetd: $?\"\n"},
    {"socat TCP-LISTEN,fork EXEC:",
     "accept, fork per connection, fork+exec with the socket on 0/1",
     {"/usr/bin/socat", "/usr/bin/ss"},
     "socat iproute2",
     0,
     "cat >echo.sh <<'EOF'\n#!/bin/sh\nread line\necho \"echo: $line\"\n"
     "\"$FDLIST\" socat-exec \"$FDS/socat\"\nEOF\n"
     "chmod 755 echo.sh\n"
     "socat TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork EXEC:./echo.sh &\n"
     "wait_listen\n"
     "for m in one two; do echo $m | socat -t10 - TCP:127.0.0.1:$PORT; echo \"[client: $?]\";"
     " done\n"
     "stop $!; echo \"socat: $?\"\n"},
    {"make -j2 (recursive)",
     "fork+exec sh per recipe, jobserver pipe passed to sub-make",
     {"/usr/bin/make"},
     "make",
     0,
     "mkdir sub\n"
     "printf 'all:\\n\\t@$(FDLIST) make-top $(FDS)/make\\n\\t@$(MAKE) -s -C sub"
     " --no-print-directory\\n\\t@cat sub/a.out sub/b.out\\n' >Makefile\n"
     "# Parallel jobs: make gives stdin to one of them, which one depends on timing.\n"
     "printf 'all: a.out b.out\\n\\t@echo sub done\\na.out b.out:\\n\\t@$(FDLIST) make-$@"
     " $(FDS)/make </dev/null\\n\\t@echo $@ >$@\\n' >sub/Makefile\n"
     "make -j2 -s --no-print-directory; echo \"make: $?\"\n"},
    {"find -exec, xargs",
     "fork+execvp per file or batch; xargs -P parallel children",
     {"/usr/bin/find", "/usr/bin/xargs"},
     "findutils",
     0,
     "mkdir t && touch t/1 t/2 t/3\n"
     "find t -type f -exec echo found {} \\; | sort\n"
     "find t -type f -exec echo batch {} + | tr ' ' '\\n' | sort\n"
     "find t -type f | sort | xargs -n1 -P2 echo item | sort\n"
     "find t -name 1 -exec \"$FDLIST\" find-exec \"$FDS/find\" \\;; echo \"find: $?\"\n"
     "echo x | xargs \"$FDLIST\" xargs \"$FDS/find\"; echo \"xargs: $?\"\n"},
    {"sort --compress-program",
     "fork, pipes dup2'd onto the compressor's stdin/stdout",
     {"/usr/bin/sort", "/usr/bin/gzip"},
     "coreutils gzip",
     0,
     "cat >gz.sh <<'EOF'\n#!/bin/sh\n\"$FDLIST\" sort-compress \"$FDS/sort\"\n"
     "exec gzip \"$@\"\nEOF\n"
     "chmod 755 gz.sh && mkdir tmp\n"
     "seq 1 20000 | sort -r -S 64K --parallel=1 --compress-program=./gz.sh -T tmp | cksum;"
     " echo \"sort: $?\"\n"},
    {"script(1)",
     "forkpty-style: openpty, fork, setsid, pty onto 0-2, exec shell",
     {"/usr/bin/script"},
     "bsdutils",
     0,
     "script -qec \"$FDLIST script $FDS/script; echo in pty; tty -s && echo has a tty\""
     " /dev/null; echo \"script: $?\"\n"},
    {"tmux",
     "daemon; forkpty per pane; socketpair onto 0/1 for jobs and pipe-pane",
     {"/usr/bin/tmux"},
     "tmux",
     0,
     "T=\"tmux -S $PWD/tmux.sock -f /dev/null\"\n"
     "$T new-session -d -x 80 -y 10 \"$FDLIST tmux-pane $FDS/tmux; echo pane-out; sleep 30\"\n"
     "i=0; until $T capture-pane -p | grep -q pane-out || [ $i -gt 200 ]; do sleep 0.05;"
     " i=$((i+1)); done\n"
     "$T run-shell \"$FDLIST tmux-run-shell $FDS/tmux; echo from run-shell\"\n"
     "$T if-shell \"$FDLIST tmux-if-shell $FDS/tmux\" 'display -p if-shell-true'\n"
     "$T pipe-pane \"$FDLIST tmux-pipe-pane $FDS/tmux; cat >/dev/null\"\n"
     "$T split-window -d \"$FDLIST tmux-split $FDS/tmux; sleep 30\"\n"
     "i=0; until [ $(grep -c . $FDS/tmux) -ge 5 ] || [ $i -gt 200 ]; do sleep 0.05;"
     " i=$((i+1)); done\n"
     "$T capture-pane -p | grep -v '^$'\n"
     "$T kill-server; echo \"tmux: $?\"\n"},
    {"expect spawn",
     "Tcl: openpty, fork, setsid, pty onto 0-2, exec",
     {"/usr/bin/expect"},
     "expect",
     0,
     "expect -c 'spawn sh -c \"$env(FDLIST) expect-spawn $env(FDS)/expect; echo spawned\";"
     " expect eof; puts \"exit [lindex [wait] 3]\"'; echo \"expect: $?\"\n"},
    {"python3 subprocess",
     "_posixsubprocess fork+exec with pass_fds; os.system; pipes",
     {"/usr/bin/python3"},
     "python3",
     2,
     "/usr/bin/python3 - <<'EOF'\n"
     "import os, socket, subprocess\n"
     "fdlist, fds = os.environ['FDLIST'], os.environ['FDS']\n"
     "a, b = socket.socketpair()\n"
     "r, w = os.pipe()\n"
     "subprocess.run([fdlist, 'py-pass_fds', fds + '/py'], pass_fds=(b.fileno(), w),"
     " check=True)\n"
     "s = socket.socket()\n"
     "s.set_inheritable(True)  # ioctl(FIONCLEX): passed on purpose\n"
     "rc = os.system(fdlist + ' py-system ' + fds + '/py')\n"
     "p = subprocess.Popen(['cat'], stdin=subprocess.PIPE, stdout=subprocess.PIPE)\n"
     "out, _ = p.communicate(b'through a pipe\\n')\n"
     "print(out.decode().strip(), rc, p.returncode)\n"
     "EOF\n"
     "echo \"python3: $?\"\n"},
    {"perl open -| / |- / system",
     "fork+exec for pipe opens, system and backticks",
     {"/usr/bin/perl"},
     "perl",
     2,
     "perl -e '\n"
     "use Socket;\n"
     "$^F = 1000; # fds up to $^F stay open across exec: perl clears FD_CLOEXEC itself\n"
     "socket(my $s, PF_INET, SOCK_STREAM, 0) or die \"socket: $!\";\n"
     "bind($s, pack_sockaddr_in(0, inet_aton(\"127.0.0.1\"))) or die; listen($s, 5) or die;\n"
     "open(my $p, \"-|\", $ENV{FDLIST}, \"perl-open\", \"$ENV{FDS}/perl\") or die;"
     " print while <$p>; close $p;\n"
     "open(my $q, \"|-\", \"sort\") or die; print $q \"b\\na\\n\"; close $q;\n"
     "system(\"$ENV{FDLIST} perl-system $ENV{FDS}/perl\"); print \"system $?\\n\";\n"
     "print `echo backticks`;\n"
     "'; echo \"perl: $?\"\n"},
    {"bash <(...) >(...)",
     "process substitution: fork, pipe left open as /dev/fd/63",
     {"/bin/bash"},
     "bash",
     0,
     "bash -c 'paste <(printf \"1\\n2\\n\") <(printf \"a\\nb\\n\");"
     " \"$FDLIST\" bash-procsub \"$FDS/bash\" <(echo hi) >/dev/null;"
     " diff <(echo x) <(echo y); echo \"diff: $?\";"
     " echo to-sub > >(sed s/^/sub:/ >sub.out); wait; cat sub.out'; echo \"bash: $?\"\n"},
    {"flock -c",
     "opens the lock file, fork+exec sh -c with the locked fd inherited",
     {"/usr/bin/flock"},
     "util-linux",
     0,
     "flock lock -c '\"$FDLIST\" flock-c \"$FDS/flock\"; echo locked'; echo \"flock: $?\"\n"
     "flock -n lock -c 'flock -n lock true; echo \"inner: $?\"'; echo \"flock: $?\"\n"},
    {"timeout",
     "fork+exec, forwards signals, kills on expiry",
     {"/usr/bin/timeout"},
     "coreutils",
     0,
     "timeout 10 \"$FDLIST\" timeout \"$FDS/timeout\"; echo \"timeout: $?\"\n"
     "timeout 0.2 sleep 5; echo \"timeout expired: $?\"\n"},
    {"env -i",
     "exec only (image replaced, empty environment)",
     {"/usr/bin/env"},
     "coreutils",
     0,
     "env -i \"$FDLIST\" env-i \"$FDS/env\"; echo \"env: $?\"\n"
     "env -i /bin/sh -c 'echo \"cleared: ${HOME:-none}\"'; echo \"env: $?\"\n"},
    {"man -l (libpipeline)",
     "libpipeline: fork+dup2+exec per stage, in a seccomp sandbox",
     {"/usr/bin/man", "/usr/bin/nroff"},
     "man-db groff-base",
     0,
     "printf '.TH T 1\\n.SH NAME\\nt \\\\- a page for forklock\\n.SH TEXT\\nSome text.\\n' >t.1\n"
     "MANWIDTH=60 man -P cat -l ./t.1; echo \"man: $?\"\n"
     "mkdir bin && echo '#!/bin/sh' >bin/nroff && chmod 755 bin/nroff\n"
     "echo '\"$FDLIST\" man-nroff \"$FDS/man\"; exec /usr/bin/nroff \"$@\"' >>bin/nroff\n"
     "# man-db's seccomp sandbox lets no stage create files, so the listing runs without it.\n"
     "MAN_DISABLE_SECCOMP=1 PATH=$PWD/bin:$PATH MANWIDTH=60 man -P cat -l ./t.1 | grep -c forklock;"
     " echo \"man: $?\"\n"},
    {"dpkg-deb -b",
     "fork+exec of tar and the compressor, joined by pipes",
     {"/usr/bin/dpkg-deb"},
     "dpkg",
     0,
     "mkdir -p pkg/DEBIAN pkg/usr/share/fltest\n"
     "printf 'Package: fltest\\nVersion: 1.0\\nArchitecture: all\\nMaintainer: e2e "
     "<e2e@example.org>\\nDescription: forklock e2e\\n' >pkg/DEBIAN/control\n"
     "echo hello >pkg/usr/share/fltest/f\n"
     "SOURCE_DATE_EPOCH=1000000000 dpkg-deb --root-owner-group -Zgzip -b pkg fltest.deb;"
     " echo \"dpkg-deb -b: $?\"\n"
     "dpkg-deb -c fltest.deb; echo \"dpkg-deb -c: $?\"\n"
     "dpkg-deb --fsys-tarfile fltest.deb | tar -xOf - ./usr/share/fltest/f\n"
     "mkdir bin && echo '#!/bin/sh' >bin/tar && chmod 755 bin/tar\n"
     "echo '\"$FDLIST\" dpkg-tar \"$FDS/dpkg\"; exec /usr/bin/tar \"$@\"' >>bin/tar\n"
     "PATH=$PWD/bin:$PATH dpkg-deb -c fltest.deb >/dev/null; echo \"dpkg-deb via tar.sh: $?\"\n"},
    {"runuser / setpriv (nobody)",
     "fork (runuser, PAM) or plain exec after dropping to nobody",
     {"/usr/sbin/runuser", "/usr/bin/setpriv"},
     "util-linux",
     0,
     "runuser -u nobody -- \"$FDLIST\" runuser \"$FDS/priv\"; echo \"runuser: $?\"\n"
     "runuser -u nobody -- sh -c 'id -un; echo to stderr >&2'; echo \"runuser: $?\"\n"
     "setpriv --reuid=nobody --regid=nogroup --clear-groups \"$FDLIST\" setpriv \"$FDS/priv\";"
     " echo \"setpriv: $?\"\n"},
    {"git commit (hook)",
     "run-command: fork, dup2, exec hook with a cloexec error pipe",
     {"/usr/bin/git"},
     "git",
     0,
     "git init -q repo && cd repo && git config user.email e2e@example.org &&"
     " git config user.name e2e\n"
     "cat >.git/hooks/pre-commit <<'EOF'\n#!/bin/sh\n\"$FDLIST\" git-hook \"$FDS/git\"\n"
     "echo hook ran >&2\nEOF\n"
     "chmod 755 .git/hooks/pre-commit\n"
     "echo content >f && git add f\n"
     "GIT_AUTHOR_DATE=@1000000000 GIT_COMMITTER_DATE=@1000000000 git commit -q -m first;"
     " echo \"commit: $?\"\n"
     "git log --format='%H %an %s'\n"
     "rm .git/index # it records inode numbers and times\n"},
};

#define NPROGRAMS (sizeof(programs) / sizeof(programs[0]))

static char *base;

static void cleanup(void)
{
        if (base && fl_remove_dir(base) != 0)
                fprintf(stderr, "cannot remove %s\n", base);
}

/* Rows go to a file named after the runner (the parent of every test process), which prints
 * them as one table when all tests are done. */
static void table_path(char *buf, size_t size, pid_t runner)
{
        snprintf(buf, size, "/tmp/forklock-programs-table-%d", (int)runner);
}

static void add_row(const struct program *p, bool all, bool identical, const char *sockets)
{
        char path[128], row[1024], name[64];
        FILE *f;

        snprintf(name, sizeof(name), "%s%s", p->name, all ? " [all]" : "");
        snprintf(row, sizeof(row), "%-34s | %-72s | %-9s | %s\n", name, p->how,
                 identical ? "yes" : "NO", sockets);
        fputs(row, stderr);
        table_path(path, sizeof(path), getppid());
        f = fopen(path, "a");
        if (f) {
                fputs(row, f);
                fclose(f);
        }
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
        char path[128];
        char *rows;

        (void)stats;
        table_path(path, sizeof(path), getpid());
        rows = fl_slurp(path);
        if (*rows)
                fprintf(stderr, "\n%-34s | %-72s | %-9s | %s\n%s\n", "program",
                        "how it starts children", "identical", "sockets closed in children", rows);
        free(rows);
        unlink(path);
}

static void require(const struct program *p)
{
        for (int i = 0; i < 4 && p->needs[i]; i++)
                cr_assert(access(p->needs[i], X_OK) == 0,
                          "%s is missing: apt-get install -y %s (scripts/install-deps does it)",
                          p->needs[i], p->packages);
}

static const char *socket_column(const struct fl_tree_run *bare, const struct fl_tree_run *fl,
                                 int kept)
{
        static char text[160];

        if (bare->sockets == 0 && fl->sockets == 0 && kept == 0)
                snprintf(text, sizeof(text), "n/a (no socket reaches a child bare)");
        else
                snprintf(text, sizeof(text), "%s (bare %d, forklock %d, passed on purpose %d)",
                         fl->sockets == kept ? "yes" : "NO", bare->sockets, fl->sockets, kept);
        return text;
}

/* scope "all": FORKLOCK_SCOPE=all in both runs' environment; every fd >= 3 is then left out of
 * the comparison of the children's fd lists (closing them is the point), and the children must
 * not receive more of them than bare. */
static void check_program_in(const char *name, const char *scope)
{
        const char *scope_env[] = {"FORKLOCK_SCOPE=all", NULL};
        bool all = strcmp(scope, "all") == 0;
        const struct program *p = NULL;
        struct fl_tree_run bare, fl;
        char script[8192];
        bool same;

        for (size_t i = 0; i < NPROGRAMS; i++)
                if (strcmp(programs[i].name, name) == 0)
                        p = &programs[i];
        cr_assert(p, "no program %s", name);
        require(p);
        base = fl_scratch_dir("programs");
        cr_assert(base, "scratch directory");
        chmod(base, 0755); /* servers that drop privileges run their CGIs from here as nobody */
        snprintf(script, sizeof(script), "%s%s", prelude, p->script);
        fl_tree_run(&bare, base, "bare", script, all ? scope_env : NULL, false, 30);
        fl_tree_run(&fl, base, "forklock", script, all ? scope_env : NULL, true, 30);

        same = bare.status == fl.status && !strcmp(bare.out, fl.out) && !strcmp(bare.err, fl.err) &&
               !strcmp(bare.files, fl.files) && !strcmp(bare.fds, fl.fds);
        add_row(p, all, same, socket_column(&bare, &fl, p->kept_sockets));

        cr_expect_eq(bare.status, 0, "%s fails bare (%d):\n%s\n%s", name, bare.status, bare.out,
                     bare.err);
        cr_expect_gt(bare.fd_lines, 0, "%s: no child listed its fds bare:\n%s\n%s", name, bare.out,
                     bare.err);
        cr_expect_eq(fl.status, bare.status, "%s: exit status %d under forklock, %d bare\n%s", name,
                     fl.status, bare.status, fl.err);
        cr_expect(!strcmp(bare.out, fl.out), "%s: stdout differs, %s", name,
                  fl_first_difference(bare.out, fl.out));
        cr_expect(!strcmp(bare.err, fl.err), "%s: stderr differs, %s", name,
                  fl_first_difference(bare.err, fl.err));
        cr_expect(!strcmp(bare.files, fl.files), "%s: files written differ, %s", name,
                  fl_first_difference(bare.files, fl.files));
        cr_expect(!strcmp(bare.fds, fl.fds), "%s: children's fds (sockets >= 3 aside) differ, %s",
                  name, fl_first_difference(bare.fds, fl.fds));
        cr_expect_eq(fl.sockets, p->kept_sockets,
                     "%s: %d sockets reach children under forklock (bare %d), %d passed on "
                     "purpose:\n%s",
                     name, fl.sockets, bare.sockets, p->kept_sockets, fl.fds);
        cr_expect_leq(fl.others, bare.others,
                      "%s: %d fds >= 3 reach children in scope all, %d bare", name, fl.others,
                      bare.others);
        fl_tree_run_free(&bare);
        fl_tree_run_free(&fl);
}

static void check_program(const char *name)
{
        check_program_in(name, "sockets");
}

struct program_name {
        char text[40];
};

ParameterizedTestParameters(programs, scope_all)
{
        static struct program_name names[NPROGRAMS];

        for (size_t i = 0; i < NPROGRAMS; i++)
                snprintf(names[i].text, sizeof(names[i].text), "%s", programs[i].name);
        return cr_make_param_array(struct program_name, names, NPROGRAMS);
}

ParameterizedTest(struct program_name *p, programs, scope_all)
{
        if (strncmp(p->text, "man ", 4) == 0 || strncmp(p->text, "runuser", 7) == 0)
                FL_SKIP_UNDER("asan",
                              "man-db's sandbox, or a library constructor calling a wrapped "
                              "open() before the ASan runtime is initialised (the plain "
                              "build runs it)");
        check_program_in(p->text, "all");
}

TestSuite(programs, .fini = cleanup, .timeout = 120);

Test(programs, tar)
{
        check_program("tar -czf");
}

Test(programs, mawk_print_to_pipe)
{
        check_program("mawk print | cmd");
}

Test(programs, mawk_getline)
{
        check_program("mawk cmd | getline");
}

Test(programs, mini_httpd_cgi_as_nobody)
{
        check_program("mini_httpd -u nobody");
}

Test(programs, xinetd)
{
        check_program("xinetd (user = nobody)");
}

Test(programs, socat_fork_exec)
{
        check_program("socat TCP-LISTEN,fork EXEC:");
}

Test(programs, make_recursive)
{
        check_program("make -j2 (recursive)");
}

Test(programs, find_xargs)
{
        check_program("find -exec, xargs");
}

Test(programs, sort_compress_program)
{
        check_program("sort --compress-program");
}

Test(programs, script)
{
        check_program("script(1)");
}

Test(programs, tmux)
{
        check_program("tmux");
}

Test(programs, expect)
{
        check_program("expect spawn");
}

Test(programs, python3_subprocess)
{
        check_program("python3 subprocess");
}

Test(programs, perl)
{
        check_program("perl open -| / |- / system");
}

Test(programs, bash_process_substitution)
{
        check_program("bash <(...) >(...)");
}

Test(programs, flock)
{
        check_program("flock -c");
}

Test(programs, timeout)
{
        check_program("timeout");
}

Test(programs, env_i)
{
        check_program("env -i");
}

Test(programs, man_pipeline)
{
        FL_SKIP_UNDER("asan", "man-db's seccomp sandbox refuses the ASan runtime's syscalls (the "
                              "plain build runs it)");
        check_program("man -l (libpipeline)");
}

Test(programs, dpkg_deb)
{
        check_program("dpkg-deb -b");
}

Test(programs, runuser_setpriv)
{
        FL_SKIP_UNDER("asan", "under ASan a library constructor of the host program calls a "
                              "wrapped open() before the ASan runtime is initialised, and any "
                              "instrumented code crashes there (the plain build runs it)");
        check_program("runuser / setpriv (nobody)");
}

Test(programs, git_hook)
{
        check_program("git commit (hook)");
}

/* A real program that leaks a file: mawk keeps its `print > file` target open, without
 * close-on-exec, across system(). Scope sockets leaves it to the child (it is not a socket);
 * scope all closes it, and mawk's output is the same. */
Test(programs, scope_all_closes_the_file_mawk_leaks_into_system)
{
        const char *scope_env[] = {"FORKLOCK_SCOPE=all", NULL};
        const char script[] = "mawk 'BEGIN { print \"kept\" > \"out.txt\";"
                              " system(\"\\\"$FDLIST\\\" mawk-system \\\"$FDS/mawk\\\"\");"
                              " close(\"out.txt\"); print \"done\" }'\n"
                              "cat out.txt\n";
        struct fl_tree_run bare, fl;

        cr_assert(access("/usr/bin/mawk", X_OK) == 0, "apt-get install -y mawk");
        base = fl_scratch_dir("programs");
        cr_assert(base, "scratch directory");
        fl_tree_run(&bare, base, "bare", script, scope_env, false, 30);
        fl_tree_run(&fl, base, "forklock", script, scope_env, true, 30);
        cr_expect_eq(bare.status, 0, "%s", bare.err);
        cr_expect_eq(bare.fd_lines, 1, "%s", bare.err);
        cr_expect_geq(bare.others, 1, "bare, mawk's file reaches the child");
        cr_expect_eq(fl.others, 0, "scope all: nothing >= 3 reaches the child");
        cr_expect_eq(fl.status, bare.status);
        cr_expect_str_eq(fl.out, bare.out);
        cr_expect_str_eq(fl.err, bare.err);
        cr_expect_str_eq(fl.fds, bare.fds);
        fl_tree_run_free(&bare);
        fl_tree_run_free(&fl);
}
