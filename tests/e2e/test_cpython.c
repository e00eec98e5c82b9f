/* CPython's own test_socket (Debian's /usr/bin/python3 3.11 and libpython3.11-testsuite), run
 * bare and under `forklock run` (enforce): every test must end the same way (ok, FAIL, ERROR,
 * skipped, expected failure). The subset is the classes that deal with fds, close-on-exec and
 * ancillary data: GeneralModuleTests (dup, inheritable, socketpair, fromfd, SOCK_CLOEXEC and
 * SOCK_NONBLOCK in type), every Sendmsg and Recvmsg class (SCM_RIGHTS, msg_flags, MSG_CMSG_*),
 * SendRecvFdsTests (socket.send_fds / recv_fds), InheritanceTest, the socketpair, TCP, UDP and
 * Unix classes, non-blocking and create_server tests, and the file-object classes; about 600
 * tests in about 12 s each run. VSOCK classes are left out: with no vsock transport the threaded
 * one waits forever, bare. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fltest.h"
#include "flrun.h"

#define TESTSUITE_FILE "/usr/lib/python3.11/test/test_socket.py"

static const char script[] =
    "/usr/bin/python3 -m test test_socket -v -i '*VSOCK*'"
    " -m GeneralModuleTests -m '*SCMRights*' -m SendRecvFdsTests -m InheritanceTest"
    " -m BasicSocketPairTest -m SocketPairTest -m 'Recvmsg*' -m 'Sendmsg*'"
    " -m NonBlockingTCPTests -m BasicTCPTest -m BasicUDPTest -m TestUnixDomain"
    " -m TestLinuxAbstractNamespace -m CreateServerTest -m CreateServerFunctionalTest"
    " -m ContextManagersTest -m NonblockConstantTest -m CmsgMacroTests"
    " -m NetworkConnectionAttributesTest -m TestSocketSharing -m '*FileObjectClassTestCase'\n";

static char *base;

static void cleanup(void)
{
        if (base && fl_remove_dir(base) != 0)
                fprintf(stderr, "cannot remove %s\n", base);
}

static int by_string(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "testX (test.test_socket.Class.testX) ... ok" becomes "test.test_socket.Class.testX ok", one
 * sorted line per test; a verdict pushed to the next line by the test's own output is found
 * there. */
static char *verdicts(const char *out, int *count)
{
        char *copy = strdup(out), *save = NULL, **lines = NULL, *result;
        size_t n = 0, cap = 0, len = 1;
        const char *pending = NULL;

        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *id = strstr(l, " (test."), *dots = strstr(l, ") ... ");
                char verdict[32] = "", line[512];

                if (id && dots && dots > id) {
                        *dots = '\0';
                        pending = id + 2;
                        sscanf(dots + 6, "%31s", verdict);
                } else if (pending) {
                        sscanf(l, "%31s", verdict);
                }
                if (!pending || !verdict[0])
                        continue;
                snprintf(line, sizeof(line), "%s %s", pending, verdict);
                pending = NULL;
                if (n == cap)
                        lines = realloc(lines, (cap = cap * 2 + 64) * sizeof(char *));
                lines[n++] = strdup(line);
                len += strlen(line) + 1;
        }
        result = calloc(1, len);
        if (n)
                qsort(lines, n, sizeof(char *), by_string);
        for (size_t i = 0; i < n; i++) {
                strcat(strcat(result, lines[i]), "\n");
                free(lines[i]);
        }
        free(lines);
        free(copy);
        *count = (int)n;
        return result;
}

/* The lines of fl that bare does not have (static buffer). */
static const char *changed(const char *bare, const char *fl)
{
        static char diff[8192];
        char *copy = strdup(fl), *save = NULL, needle[600];

        diff[0] = '\0';
        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                snprintf(needle, sizeof(needle), "%s\n", l);
                if (!strstr(bare, needle) && strlen(diff) + strlen(needle) + 1 < sizeof(diff))
                        strcat(diff, needle);
        }
        free(copy);
        return diff;
}

TestSuite(cpython, .fini = cleanup, .timeout = 300);

Test(cpython, test_socket_same_verdicts_bare_and_enforced)
{
        struct fl_tree_run bare, fl;
        char *bare_v, *fl_v;
        int bare_n, fl_n;

        cr_assert(access("/usr/bin/python3", X_OK) == 0 && access(TESTSUITE_FILE, R_OK) == 0,
                  "CPython's test suite is missing: apt-get install -y python3 "
                  "libpython3.11-testsuite (scripts/install-deps does it)");
        base = fl_scratch_dir("cpython");
        cr_assert(base);
        fl_tree_run(&bare, base, "bare", script, NULL, false, 120);
        fl_tree_run(&fl, base, "forklock", script, NULL, true, 120);
        bare_v = verdicts(bare.out, &bare_n);
        fl_v = verdicts(fl.out, &fl_n);
        fprintf(stderr, "test_socket: %d tests bare (%d ok), %d under forklock (%d ok)\n", bare_n,
                fl_count_lines(bare_v, " ok\n"), fl_n, fl_count_lines(fl_v, " ok\n"));
        cr_assert_neq(bare.status, -1, "test_socket timed out bare:\n%.4000s", bare.out);
        cr_assert_gt(bare_n, 300, "too few tests ran bare (%d):\n%.4000s\n%.4000s", bare_n,
                     bare.out, bare.err);
        cr_expect_neq(fl.status, -1, "test_socket timed out under forklock");
        cr_expect_eq(fl_n, bare_n, "%d tests under forklock, %d bare", fl_n, bare_n);
        cr_expect(!strcmp(bare_v, fl_v), "tests that end differently under forklock:\n%s",
                  changed(bare_v, fl_v));
        cr_expect_eq(fl.status, bare.status, "regrtest exit %d under forklock, %d bare", fl.status,
                     bare.status);
        free(bare_v);
        free(fl_v);
        fl_tree_run_free(&bare);
        fl_tree_run_free(&fl);
}
