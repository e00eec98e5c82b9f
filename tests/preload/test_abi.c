/* Every ABI under one `forklock run`: the same legacy program built as 64-bit glibc, 32-bit glibc
 * and musl (and static), exec'ing one another. The single LD_PRELOAD forklock sets ("$LIB")
 * must load the right build into each image, protect each (its socket close-on-exec, nothing
 * inherited from a protected parent) and never make ld.so print a line. A program that cannot
 * load any library (static, setuid) still runs, and forklock says so once. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fltest.h"

static struct fl_run run;

static const char *image(const char *abi)
{
        if (strcmp(abi, "64") == 0)
                return fl_build_path("fixtures/abi_legacy");
        if (strcmp(abi, "32") == 0)
                return fl_build_path("i386/fixtures/abi_legacy");
        if (strcmp(abi, "musl") == 0)
                return fl_build_path("musl/fixtures/abi_legacy");
        return fl_build_path("static/abi_legacy");
}

static void need(const char *abi)
{
        if (access(image(abi), X_OK) != 0)
                cr_skip_test("%s: not built (no %s toolchain)", image(abi),
                             strcmp(abi, "32") == 0 ? "gcc -m32" : "musl-gcc");
}

/* forklock TOOL --quiet [OPTION...] -- CMD...: cmd holds the options, then "--", then CMD. */
static void forklock_run(const char *tool, const char *const cmd[])
{
        char libdir[4200];
        const char *argv[16] = {fl_build_path(tool), libdir, "--quiet"};
        size_t n = 3;

        snprintf(libdir, sizeof(libdir), "--libdir=%s", fl_build_path(""));
        if (cmd[0] && cmd[0][0] != '-')
                argv[n++] = "--";
        for (size_t i = 0; cmd[i] && n + 1 < 16; i++)
                argv[n++] = cmd[i];
        argv[n] = NULL;
        fl_run_program(&run, argv, NULL, false, NULL, 30);
}

static void expect_no_loader_message(void)
{
        cr_expect(!strstr(run.err, "ld.so") && !strstr(run.err, "ERROR") &&
                      !strstr(run.err, "relocating") && !strstr(run.err, "preloaded"),
                  "the dynamic linker spoke:\n%s", run.err);
}

/* The line of the image of that ABI, protected: library mapped, socket close-on-exec. */
static void expect_protected(const char *line_abi, bool first)
{
        char key[64];
        const char *line;

        snprintf(key, sizeof(key), "abi=%s ", line_abi);
        line = strstr(run.out, key);
        cr_assert(line, "no line from %s:\n%s\n%s", line_abi, run.out, run.err);
        cr_expect(!strncmp(strstr(line, "forklock="), "forklock=1", 10),
                  "%s: library not loaded:\n%s\n%s", line_abi, run.out, run.err);
        cr_expect(!strncmp(strstr(line, "cloexec="), "cloexec=1", 9),
                  "%s: socket not close-on-exec:\n%s", line_abi, run.out);
        if (!first)
                cr_expect(!strncmp(strstr(line, "inherited="), "inherited=none", 14),
                          "%s: inherited an fd:\n%s", line_abi, run.out);
}

static const char *abi_name(const char *abi)
{
        return strcmp(abi, "64") == 0   ? "x86_64-glibc"
               : strcmp(abi, "32") == 0 ? "i386-glibc"
                                        : "x86_64-musl";
}

static void pairing(const char *parent, const char *child)
{
        const char *cmd[] = {image(parent), child ? image(child) : NULL, NULL};

        need(parent);
        if (child)
                need(child);
        forklock_run("forklock-run", cmd);
        cr_assert_eq(run.status, 0, "status %d\n%s\n%s", run.status, run.out, run.err);
        expect_no_loader_message();
        expect_protected(abi_name(parent), true);
        if (child)
                expect_protected(abi_name(child), false);
}

Test(abi, glibc64_execs_glibc32)
{
        pairing("64", "32");
}

Test(abi, glibc32_execs_glibc64)
{
        pairing("32", "64");
}

Test(abi, glibc64_execs_musl)
{
        pairing("64", "musl");
}

Test(abi, musl_execs_glibc32)
{
        pairing("musl", "32");
}

Test(abi, glibc32_alone)
{
        pairing("32", NULL);
}

Test(abi, musl_alone)
{
        pairing("musl", NULL);
}

/* A 32-bit image writes into the ring the 64-bit audit reads: its leak is found and attributed. */
Test(abi, audit_reads_what_a_32bit_image_wrote)
{
        const char *cmd[] = {"-o", "/dev/stdout", "--json", "--", image("64"), image("32"), NULL};

        need("32");
        forklock_run("forklock-audit", cmd);
        expect_no_loader_message();
        cr_expect(strstr(run.out, "\"images\":2"), "both images recorded:\n%s\n%s", run.out,
                  run.err);
        cr_expect(strstr(run.out, "\"leaks\":1"), "the parent's socket leaked:\n%s", run.out);
        cr_expect(strstr(run.out, "i386/fixtures/abi_legacy"), "the 32-bit image named:\n%s",
                  run.out);
}

Test(abi, static_program_runs_and_forklock_says_so_once)
{
        const char *cmd[] = {image("static"), NULL};

        need("static");
        forklock_run("forklock-run", cmd);
        cr_assert_eq(run.status, 0, "status %d\n%s\n%s", run.status, run.out, run.err);
        cr_expect(strstr(run.out, "abi=x86_64-glibc forklock=0"), "it ran:\n%s", run.out);
        cr_expect_eq(fl_count_lines(run.err, "statically linked"), 1, "said once:\n%s", run.err);
        cr_expect_eq(fl_count_lines(run.err, "cannot be preloaded"), 1, "why:\n%s", run.err);
}

Test(abi, dynamic_programs_get_no_note)
{
        FL_SKIP_UNDER("asan", "the sanitizer runtime is not first in this dynamic child's preload "
                              "list (the plain build runs it)");
        const char *cmd[] = {image("64"), NULL};

        forklock_run("forklock-run", cmd);
        cr_assert_eq(run.status, 0, "status %d\n%s\n%s", run.status, run.out, run.err);
        cr_expect(!strstr(run.err, "note:"), "no note for a dynamic program:\n%s", run.err);
}

/* A script is judged by its interpreter: a static one gets the note. */
Test(abi, script_with_a_static_interpreter_is_noted)
{
        char *dir = fl_scratch_dir("abi"), script[4200];
        FILE *f;

        need("static");
        cr_assert(dir);
        snprintf(script, sizeof(script), "%s/prog", dir);
        f = fopen(script, "w");
        cr_assert(f);
        fprintf(f, "#!%s --no-exec\n", image("static"));
        fclose(f);
        chmod(script, 0755);
        const char *cmd[] = {script, NULL};
        forklock_run("forklock-run", cmd);
        cr_expect_eq(run.status, 0, "status %d\n%s\n%s", run.status, run.out, run.err);
        cr_expect_eq(fl_count_lines(run.err, "statically linked"), 1, "noted:\n%s", run.err);
        fl_remove_dir(dir);
}

/* Setuid to another user: ld.so would ignore the preload; forklock says so and runs it. */
Test(abi, setuid_program_is_noted)
{
        FL_SKIP_UNDER("asan",
                      "LeakSanitizer cannot run in a setuid image (the plain build runs it)");
        char *dir = fl_scratch_dir("abi"), copy[4200], cp[8600];

        if (geteuid() != 0)
                cr_skip_test("needs root to give a file to another owner");
        cr_assert(dir);
        chmod(dir, 0755);
        snprintf(copy, sizeof(copy), "%s/suid", dir);
        snprintf(cp, sizeof(cp), "cp %s %s", image("64"), copy);
        cr_assert_eq(system(cp), 0);
        cr_assert_eq(chown(copy, 65534, 65534), 0);
        cr_assert_eq(chmod(copy, 04755), 0);
        const char *cmd[] = {copy, NULL};
        forklock_run("forklock-run", cmd);
        cr_expect_eq(run.status, 0, "status %d\n%s\n%s", run.status, run.out, run.err);
        cr_expect_eq(fl_count_lines(run.err, "is setuid"), 1, "noted:\n%s", run.err);
        fl_remove_dir(dir);
}

/* --kernel's seccomp filter has an i386 section: a 32-bit image runs under an emulated old
 * kernel (it was killed with SIGSYS: the filter knew x86_64 and aarch64 only). */
Test(abi, glibc32_under_an_emulated_old_kernel)
{
        const char *cmd[] = {"--kernel=2.6.26", "--", image("32"), image("64"), NULL};

        need("32");
        forklock_run("forklock-run", cmd);
        cr_assert_eq(run.status, 0, "status %d\n%s\n%s", run.status, run.out, run.err);
        expect_no_loader_message();
        expect_protected("i386-glibc", true);
        expect_protected("x86_64-glibc", false);
}

/* The rows only i386 has, each just below and at its kernel. */
static void probe_at(const char *kernel, int direct, int accept4)
{
        char option[64], expected[96];
        const char *cmd[] = {option, "--", fl_build_path("i386/fixtures/abi_i386_probe"), NULL};

        need("32");
        snprintf(option, sizeof(option), "--kernel=%s", kernel);
        snprintf(expected, sizeof(expected), "direct_socket=%d socketcall_accept4=%d", direct,
                 accept4);
        forklock_run("forklock-run", cmd);
        cr_assert_eq(run.status, 0, "%s: status %d\n%s\n%s", kernel, run.status, run.out, run.err);
        cr_expect(strstr(run.out, expected), "%s: want %s, got %s", kernel, expected, run.out);
}

Test(abi, i386_kernel_rows)
{
        probe_at("2.6.27", ENOSYS, EINVAL);
        probe_at("2.6.28", ENOSYS, EBADF);
        probe_at("4.2", ENOSYS, EBADF);
        probe_at("4.3", 0, EBADF);
}
