/* The systemd drop-in (systemd/forklock.conf): systemd-analyze verify on a small unit that uses
 * it from UNIT.service.d/, with a broken copy as the control that verify really reads it. */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fltest.h"

#define ANALYZE "/usr/bin/systemd-analyze"

static char dir[PATH_MAX];
static char unit[PATH_MAX + 32];
static char dropin[PATH_MAX + 64];

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        cr_assert(f, "cannot write %s", path);
        fputs(text, f);
        fclose(f);
}

static char *read_dropin_source(void)
{
        static char text[16384];
        char path[PATH_MAX];
        const char *src = getenv("FL_SRC");
        FILE *f;

        cr_assert(src, "FL_SRC must name the source tree");
        snprintf(path, sizeof(path), "%s/systemd/forklock.conf", src);
        f = fopen(path, "r");
        cr_assert(f, "no drop-in at %s", path);
        text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
        fclose(f);
        return text;
}

static void setup(void)
{
        char sub[PATH_MAX + 32];

        snprintf(dir, sizeof(dir), "/tmp/forklock-systemd.XXXXXX");
        cr_assert(mkdtemp(dir), "mkdtemp");
        snprintf(unit, sizeof(unit), "%s/fl-demo.service", dir);
        snprintf(sub, sizeof(sub), "%s/fl-demo.service.d", dir);
        snprintf(dropin, sizeof(dropin), "%s/forklock.conf", sub);
        cr_assert_eq(mkdir(sub, 0755), 0);
        write_file(unit,
                   "[Unit]\nDescription=forklock drop-in check\n\n"
                   "[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n");
}

static void teardown(void)
{
        char cmd[PATH_MAX + 16];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
                cr_log_warn("could not remove %s", dir);
}

static void verify(struct fl_run *run)
{
        const char *argv[] = {ANALYZE, "verify", "--man=no", unit, NULL};

        fl_run_program(run, argv, NULL, false, NULL, 60);
        cr_assert_neq(run->status, -1, "systemd-analyze verify timed out");
}

/* Skips, saying why, when systemd-analyze is missing or cannot verify even a bare unit here. */
static void require_analyze(struct fl_run *run)
{
        if (access(ANALYZE, X_OK) != 0)
                cr_skip_test("%s is not installed (Debian package systemd)", ANALYZE);
        verify(run);
        if (run->status != 0 || run->err[0])
                cr_skip_test("systemd-analyze verify cannot run in this container (status %d): %s",
                             run->status, run->err);
}

TestSuite(systemd, .init = setup, .fini = teardown, .timeout = 120);

Test(systemd, dropin_has_the_documented_settings)
{
        const char *text = read_dropin_source();
        const char *lines[] = {
            "[Service]\n", "\nEnvironment=LD_PRELOAD=/usr/lib/forklock/libforklock.so\n",
            "\nEnvironment=FORKLOCK_LOG=/run/forklock/%N.ring\n", "\nRuntimeDirectory=forklock\n"};

        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
                cr_expect(strstr(text, lines[i]), "drop-in lacks %s", lines[i]);
}

Test(systemd, verify_accepts_the_dropin)
{
        struct fl_run *run = malloc(sizeof(*run));

        require_analyze(run);
        write_file(dropin, read_dropin_source());
        verify(run);
        cr_expect_eq(run->status, 0, "verify failed: %s", run->err);
        cr_expect(run->err[0] == '\0' && run->out[0] == '\0', "verify complained:\n%s%s", run->out,
                  run->err);
        free(run);
}

/* The control: the same check on a broken copy must complain about the drop-in file. */
Test(systemd, verify_reads_the_dropin)
{
        struct fl_run *run = malloc(sizeof(*run));
        char broken[20000];

        require_analyze(run);
        snprintf(broken, sizeof(broken), "%sNoSuchSetting=1\nRuntimeDirectory=/absolute\n",
                 read_dropin_source());
        write_file(dropin, broken);
        verify(run);
        cr_expect(strstr(run->err, "forklock.conf"), "a broken drop-in went unnoticed:\n%s",
                  run->err);
        cr_expect(strstr(run->err, "NoSuchSetting"), "unknown key not reported:\n%s", run->err);
        free(run);
}
