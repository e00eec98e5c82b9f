/* The Debian package: dpkg-buildpackage -us -uc -b in a copy of the tree under a temporary
 * directory, lintian on the .deb (no errors, no warnings), then the package unpacked with dpkg -x
 * into a temporary root (never installed system-wide) and its forklock run end to end. */
#include <criterion/criterion.h>

#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fltest.h"

static char dir[PATH_MAX];

static void teardown(void)
{
        char cmd[PATH_MAX + 16];

        if (!dir[0])
                return;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
                cr_log_warn("could not remove %s", dir);
}

/* Runs a shell command line (with make's jobserver variables removed), timeout in seconds. */
static void shell(struct fl_run *run, const char *line, int timeout_s)
{
        const char *argv[] = {"/usr/bin/env", "-u",      "MAKEFLAGS", "-u", "MFLAGS", "-u",
                              "MAKELEVEL",    "/bin/sh", "-c",        line, NULL};

        fl_run_program(run, argv, NULL, false, NULL, timeout_s);
}

static bool exists_in(const char *root, const char *rel)
{
        char path[PATH_MAX * 2];
        struct stat st;

        snprintf(path, sizeof(path), "%s/%s", root, rel);
        return stat(path, &st) == 0;
}

TestSuite(debian, .fini = teardown, .timeout = 600);

Test(debian, package_builds_is_lintian_clean_and_works)
{
        const char *tools[] = {"/usr/bin/dpkg-buildpackage", "/usr/bin/dh", "/usr/bin/lintian"};
        const char *src = getenv("FL_SRC");
        struct fl_run *run = malloc(sizeof(*run));
        char line[PATH_MAX * 4], deb[PATH_MAX], root[PATH_MAX + 8];
        glob_t g;

        cr_assert(src, "FL_SRC must name the source tree");
        for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
                if (access(tools[i], X_OK) != 0)
                        cr_skip_test("%s missing: apt-get install debhelper devscripts lintian",
                                     tools[i]);
        snprintf(dir, sizeof(dir), "/tmp/forklock-deb.XXXXXX");
        cr_assert(mkdtemp(dir), "mkdtemp");

        /* The source tree without builds or git metadata; the .deb lands in dir. */
        snprintf(line, sizeof(line),
                 "mkdir '%s/src' && tar -C '%s' --exclude=./.git --exclude='./build*' -cf - . | "
                 "tar -C '%s/src' -xf -",
                 dir, src, dir);
        shell(run, line, 120);
        cr_assert_eq(run->status, 0, "copying the tree: %s", run->err);
        snprintf(line, sizeof(line), "cd '%s/src' && dpkg-buildpackage -us -uc -b", dir);
        shell(run, line, 480);
        cr_assert_eq(run->status, 0, "dpkg-buildpackage failed (%d):\n%.4000s\n%.8000s",
                     run->status, run->out, run->err);

        snprintf(line, sizeof(line), "%s/forklock_*.deb", dir);
        cr_assert_eq(glob(line, 0, NULL, &g), 0, "no forklock_*.deb in %s", dir);
        cr_assert_eq(g.gl_pathc, 1);
        snprintf(deb, sizeof(deb), "%s", g.gl_pathv[0]);
        globfree(&g);

        /* lintian: no errors and no warnings (the one informational tag is in README.source). */
        snprintf(line, sizeof(line), "lintian --no-tag-display-limit '%s' 2>/dev/null", deb);
        shell(run, line, 300);
        cr_expect_neq(run->status, -1, "lintian timed out");
        cr_expect_eq(fl_count_lines(run->out, "E: "), 0, "lintian errors:\n%s", run->out);
        cr_expect_eq(fl_count_lines(run->out, "W: "), 0, "lintian warnings:\n%s", run->out);

        /* Unpacked, not installed. */
        snprintf(root, sizeof(root), "%s/root", dir);
        snprintf(line, sizeof(line), "dpkg -x '%s' '%s'", deb, root);
        shell(run, line, 60);
        cr_assert_eq(run->status, 0, "dpkg -x: %s", run->err);
        const char *files[] = {"usr/bin/forklock",
                               "usr/lib/forklock/libforklock.so",
                               "usr/lib/forklock/forklock-dump",
                               "usr/lib/forklock/forklock-kernel",
                               "usr/share/man/man1/forklock.1.gz",
                               "usr/share/man/man7/libforklock.7.gz",
                               "usr/share/forklock/systemd/forklock.conf",
                               "usr/share/doc/forklock/copyright"};
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
                cr_expect(exists_in(root, files[i]), "the package lacks /%s", files[i]);

        if (getenv("FL_SAN") && *getenv("FL_SAN")) {
                free(run);
                cr_skip_test("package built and checked; the run needs the plain build's fixture");
        }
        char libdir[PATH_MAX * 2], forklock[PATH_MAX * 2];
        snprintf(libdir, sizeof(libdir), "FORKLOCK_LIBDIR=%s/usr/lib/forklock", root);
        snprintf(forklock, sizeof(forklock), "%s/usr/bin/forklock", root);
        const char *env[] = {libdir, NULL};
        const char *argv[] = {forklock,    "run", "--quiet", "--", fl_build_path("fixtures/legacy"),
                              "fork-exec", NULL};
        fl_run_program(run, argv, env, false, NULL, 30);
        cr_expect_eq(run->status, 0, "packaged forklock run: %s", run->err);
        cr_expect(strstr(run->out, "inherited 0"), "the child saw fds: %s", run->out);
        const char *control[] = {fl_build_path("fixtures/legacy"), "fork-exec", NULL};
        fl_run_program(run, control, NULL, false, NULL, 30);
        cr_expect_gt(fl_count_lines(run->out, "=socket"), 0, "control leaked nothing: %s",
                     run->out);
        free(run);
}
