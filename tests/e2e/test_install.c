/* make install into a temporary DESTDIR+PREFIX, then the installed command end to end: run on the
 * legacy fixture (the child sees no socket), --help texts, unknown options, and make uninstall
 * removing every file it installed. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fltest.h"

#define PREFIX "/opt/forklock-test"

static char root[PATH_MAX];    /* DESTDIR */
static char bin[PATH_MAX * 2]; /* the installed forklock */

static void remove_tree(const char *dir)
{
        char cmd[PATH_MAX + 16];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
                cr_log_warn("could not remove %s", dir);
}

static void make_target(const char *target, struct fl_run *run)
{
        const char *src = getenv("FL_SRC");
        const char *san_name = getenv("FL_SAN");
        char destdir[PATH_MAX + 16], build[PATH_MAX + 16], san[64];

        cr_assert(src, "FL_SRC must name the source tree");
        snprintf(destdir, sizeof(destdir), "DESTDIR=%s", root);
        snprintf(build, sizeof(build), "BUILD=%s", getenv("FL_BUILD"));
        /* The build's own flags: an object this make rebuilt into a sanitizer build's directory
         * with other flags would be linked into the library the other suites are testing. */
        snprintf(san, sizeof(san), "SAN=%s", san_name ? san_name : "");
        /* Without make check's jobserver variables: their fds are closed in the child. */
        const char *argv[] = {
            "/usr/bin/env",  "-u", "MAKEFLAGS", "-u", "MFLAGS", "-u",    "MAKELEVEL",
            "/usr/bin/make", "-s", "-C",        src,  target,   destdir, "PREFIX=" PREFIX,
            build,           san,  NULL};
        fl_run_program(run, argv, NULL, false, NULL, 120);
        cr_assert_eq(run->status, 0, "make %s failed (%d):\n%s\n%s", target, run->status, run->out,
                     run->err);
}

static void install(void)
{
        struct fl_run *run = malloc(sizeof(*run));

        snprintf(root, sizeof(root), "/tmp/forklock-install.XXXXXX");
        cr_assert(mkdtemp(root), "mkdtemp");
        snprintf(bin, sizeof(bin), "%s" PREFIX "/bin/forklock", root);
        make_target("install", run);
        free(run);
}

/* A sanitizer build's library needs its runtime preloaded first, which the installed command does
 * not do: the end-to-end runs are for the plain build. */
static void skip_under_sanitizer(void)
{
        const char *san = getenv("FL_SAN");

        if (san && *san)
                cr_skip_test("the installed library is built with SAN=%s", san);
}

static void teardown(void)
{
        remove_tree(root);
}

static bool exists(const char *rel)
{
        char path[PATH_MAX * 2];
        struct stat st;

        snprintf(path, sizeof(path), "%s" PREFIX "/%s", root, rel);
        return stat(path, &st) == 0;
}

/* Counts regular files under dir (recursively). */
static int count_files(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *e;
        int count = 0;

        if (!d)
                return 0;
        while ((e = readdir(d))) {
                char path[PATH_MAX * 2];

                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                        continue;
                snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
                if (e->d_type == DT_DIR)
                        count += count_files(path);
                else
                        count++;
        }
        closedir(d);
        return count;
}

TestSuite(install, .init = install, .fini = teardown, .timeout = 240);

Test(install, files_in_place)
{
        const char *files[] = {"bin/forklock",
                               "lib/forklock/libforklock.so",
                               "lib/forklock/forklock-dump",
                               "lib/forklock/forklock-kernel",
                               "share/man/man1/forklock.1",
                               "share/man/man7/libforklock.7",
                               "share/forklock/systemd/forklock.conf"};

        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
                cr_expect(exists(files[i]), "%s not installed", files[i]);
}

Test(install, drop_in_names_the_installed_library)
{
        char path[PATH_MAX * 2], text[8192] = "";
        FILE *f;

        snprintf(path, sizeof(path), "%s" PREFIX "/share/forklock/systemd/forklock.conf", root);
        f = fopen(path, "r");
        cr_assert(f, "no drop-in at %s", path);
        text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
        fclose(f);
        cr_expect(strstr(text, "Environment=LD_PRELOAD=" PREFIX "/lib/forklock/libforklock.so"),
                  "drop-in does not preload " PREFIX "/lib/forklock/libforklock.so:\n%s", text);
}

Test(install, installed_run_end_to_end)
{
        struct fl_run *plain = malloc(sizeof(*plain)), *run = malloc(sizeof(*run));
        const char *legacy = fl_build_path("fixtures/legacy");

        skip_under_sanitizer();

        /* The control: without forklock the child inherits sockets, so the check below can fail. */
        const char *argv0[] = {legacy, "fork-exec", NULL};
        fl_run_program(plain, argv0, NULL, false, NULL, 30);
        cr_assert_eq(plain->status, 0, "legacy: %s", plain->err);
        cr_assert_gt(fl_count_lines(plain->out, "=socket"), 0, "control leaked nothing: %s",
                     plain->out);

        const char *argv[] = {bin, "run", "--quiet", "--", legacy, "fork-exec", NULL};
        fl_run_program(run, argv, NULL, false, NULL, 30);
        cr_assert_eq(run->status, 0, "installed forklock run: %d\n%s\n%s", run->status, run->out,
                     run->err);
        cr_expect(strstr(run->out, "inherited 0"), "the child saw fds: %s", run->out);
        cr_expect_eq(fl_count_lines(run->out, "=socket"), 0, "the child saw sockets: %s", run->out);
        cr_expect(run->err[0] == '\0', "--quiet printed: %s", run->err);
        free(plain);
        free(run);
}

Test(install, installed_run_writes_a_ring_dump_reads)
{
        struct fl_run *run = malloc(sizeof(*run));
        char ring[PATH_MAX * 2], log[PATH_MAX * 2 + 8];

        skip_under_sanitizer();
        snprintf(ring, sizeof(ring), "%s/ring", root);
        snprintf(log, sizeof(log), "--log=%s", ring);
        const char *argv[] = {
            bin, "run", "--quiet", log, "--", fl_build_path("fixtures/legacy"), "fork-exec", NULL};
        fl_run_program(run, argv, NULL, false, NULL, 30);
        cr_assert_eq(run->status, 0, "%s", run->err);
        const char *dump[] = {bin, "dump", ring, NULL};
        fl_run_program(run, dump, NULL, false, NULL, 30);
        cr_assert_eq(run->status, 0, "installed forklock dump: %s", run->err);
        cr_expect(strstr(run->out, "atomic"), "no atomic decision in the dump:\n%s", run->out);
        free(run);
}

Test(install, help_texts)
{
        struct fl_run *run = malloc(sizeof(*run));
        const char *help[] = {bin, "--help", NULL};
        const char *run_help[] = {bin, "run", "--help", NULL};
        const char *version[] = {bin, "--version", NULL};

        fl_run_program(run, help, NULL, false, NULL, 10);
        cr_expect_eq(run->status, 0);
        cr_expect(strstr(run->out, "usage: forklock run"), "--help: %s", run->out);
        cr_expect(strstr(run->out, "forklock dump"), "--help lacks dump: %s", run->out);
        fl_run_program(run, run_help, NULL, false, NULL, 10);
        cr_expect_eq(run->status, 0);
        cr_expect(strstr(run->out, "--mode=MODE"), "run --help: %s", run->out);
        cr_expect(strstr(run->out, "--kernel=VER"), "run --help: %s", run->out);
        fl_run_program(run, version, NULL, false, NULL, 10);
        cr_expect_eq(run->status, 0);
        cr_expect(strncmp(run->out, "forklock ", 9) == 0, "--version: %s", run->out);
        free(run);
}

Test(install, unknown_options_are_named)
{
        struct fl_run *run = malloc(sizeof(*run));
        const char *cases[][5] = {
            {bin, "run", "--frobnicate", "--", "/bin/true"},
            {bin, "--frobnicate", NULL},
            {bin, "kernels", "--frobnicate", NULL},
            {bin, "dump", "--frobnicate", "/dev/null"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const char *argv[6] = {0};

                memcpy(argv, cases[i], sizeof(cases[i]));
                fl_run_program(run, argv, NULL, false, NULL, 10);
                cr_expect_neq(run->status, 0, "case %zu: exit 0", i);
                cr_expect(strstr(run->err, "--frobnicate"), "case %zu: not named: %s", i, run->err);
                cr_expect(run->out[0] == '\0', "case %zu: printed on stdout: %s", i, run->out);
        }
        free(run);
}

Test(install, man_pages_render)
{
        struct fl_run *run = malloc(sizeof(*run));
        const char *pages[] = {"share/man/man1/forklock.1", "share/man/man7/libforklock.7"};

        for (int i = 0; i < 2; i++) {
                char path[PATH_MAX * 2];

                snprintf(path, sizeof(path), "%s" PREFIX "/%s", root, pages[i]);
                const char *argv[] = {"/usr/bin/man", "--warnings", "-l", path, NULL};
                const char *env[] = {"MANWIDTH=80", "MANPAGER=cat", "PAGER=cat", "LC_ALL=C.UTF-8",
                                     NULL};
                if (access("/usr/bin/man", X_OK) != 0)
                        cr_skip_test("man(1) is not installed");
                fl_run_program(run, argv, env, false, NULL, 30);
                cr_expect_eq(run->status, 0, "man %s: %s", pages[i], run->err);
                cr_expect(run->err[0] == '\0', "groff warnings for %s:\n%s", pages[i], run->err);
                cr_expect(strstr(run->out, "SYNOPSIS"), "%s has no SYNOPSIS", pages[i]);
        }
        free(run);
}

Test(install, uninstall_removes_everything)
{
        struct fl_run *run = malloc(sizeof(*run));
        char prefix[PATH_MAX * 2];

        snprintf(prefix, sizeof(prefix), "%s" PREFIX, root);
        cr_assert_gt(count_files(prefix), 5, "nothing installed?");
        make_target("uninstall", run);
        cr_expect_eq(count_files(prefix), 0, "files left after make uninstall");
        cr_expect(!exists("lib/forklock"), "lib/forklock left behind");
        cr_expect(!exists("share/forklock"), "share/forklock left behind");
        free(run);
}
