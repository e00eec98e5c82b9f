/* Images deeper in the tree that the library cannot be preloaded into: a dynamic program leaks a
 * socket into a static program, or into a setuid one, which keeps no record of its own. The
 * audit names each "not under forklock (static)" / "(setuid)" in the text, the JSON and the tree,
 * where it can tell from the file; an image that kept its own record is not named so. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fltest.h"

static struct fl_run run;

static const char *sanrt(void)
{
        const char *rt = getenv("FL_SANRT");

        return rt && rt[0] ? rt : NULL;
}

/* forklock audit [MODE] -- abi_legacy CHILD --no-exec: the parent leaks its socket into CHILD. */
static void audit_into(const char *mode, const char *child)
{
        const char *argv[] = {
            fl_build_path("forklock-audit"),      "-o",  "/dev/stdout", "--quiet", mode, "--",
            fl_build_path("fixtures/abi_legacy"), child, "--no-exec",   NULL};

        if (!mode[0])
                memmove(argv + 4, argv + 5, sizeof(argv) - 5 * sizeof(*argv));
        fl_run_program(&run, argv, NULL, false, sanrt(), 60);
        cr_assert_eq(run.status, 3, "the leak gives status 3, got %d\n%s\n%s", run.status, run.out,
                     run.err);
}

/* The first line of run.out holding both needles, into line; false when none does. */
static bool line_with(const char *a, const char *b, char *line, size_t size)
{
        for (const char *p = run.out; *p;) {
                size_t n = strcspn(p, "\n");

                snprintf(line, size, "%.*s", (int)n, p);
                if (strstr(line, a) && strstr(line, b))
                        return true;
                p += n + (p[n] == '\n');
        }
        return false;
}

static void expect_named(const char *child, const char *why)
{
        char line[2048], phrase[64], json[64];

        snprintf(phrase, sizeof(phrase), "not under forklock (%s)", why);
        snprintf(json, sizeof(json), "\"preloaded\":false,\"why\":\"%s\"", why);
        audit_into("", child);
        cr_assert(line_with("leak: fd 3 (", child, line, sizeof(line)), "no leak into %s:\n%s",
                  child, run.out);
        cr_expect(strstr(line, phrase), "the report does not say '%s': %s", phrase, line);
        audit_into("--json", child);
        cr_assert(line_with("\"intent\":\"leak\"", child, line, sizeof(line)), "%s", run.out);
        cr_expect(strstr(line, json), "the JSON does not say %s: %s", json, line);
        audit_into("--tree", child);
        cr_assert(line_with("[no record of its own", child, line, sizeof(line)), "%s", run.out);
        cr_expect(strstr(line, phrase), "the tree does not say '%s': %s", phrase, line);
}

Test(deep, static_image_named)
{
        expect_named(fl_build_path("static/abi_legacy"), "static");
}

/* As root, a copy of the dynamic fixture setuid to nobody: ld.so runs it in secure mode and
 * ignores LD_PRELOAD, so it keeps no record. */
Test(deep, setuid_image_named)
{
        char *dir = fl_scratch_dir("deep");
        char path[256], cmd[2048];

        if (geteuid() != 0)
                cr_skip_test("needs root to make a program setuid to another user");
        cr_assert(dir);
        chmod(dir, 0755);
        snprintf(path, sizeof(path), "%s/suid_legacy", dir);
        snprintf(cmd, sizeof(cmd), "cp %s %s && chown 65534 %s && chmod 4755 %s",
                 fl_build_path("fixtures/abi_legacy"), path, path, path);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
        expect_named(path, "setuid");
        fl_remove_dir(dir);
}

Test(deep, recorded_image_not_named)
{
        audit_into("", fl_build_path("fixtures/abi_legacy"));
        cr_expect(!strstr(run.out, "not under forklock"), "%s", run.out);
        audit_into("--json", fl_build_path("fixtures/abi_legacy"));
        cr_expect(strstr(run.out, "\"preloaded\":true"), "%s", run.out);
        cr_expect(!strstr(run.out, "\"preloaded\":false"), "%s", run.out);
}
