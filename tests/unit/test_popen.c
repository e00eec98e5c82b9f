/* popen where the kernel lacks pipe2, over the fake table and fake spawn/wait calls: glibc's popen
 * while the kernel takes pipe2; after its ENOSYS, forklock's pipe (pipe + FD_CLOEXEC) and
 * posix_spawn, the refusal remembered; the file actions glibc's popen makes; pclose reaping its
 * own children (EINTR retried), handing other streams to glibc, and never reaping in a fork child
 * what the parent started. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "fakesys.h"
#include "popen.h"
#include "shim.h"

#define MAX_ACTIONS 16

static struct fl_shim shim;
static struct fl_sys sys;

static struct {
        int glibc_popen_errno; /* 0: glibc's popen succeeds */
        int glibc_popen_calls, glibc_pclose_calls;
        int spawn_err, spawn_calls;
        char path[32], argv[3][64];
        int dup2_fd, dup2_target, closes[MAX_ACTIONS], close_count, destroy_calls;
        int eintr_times, waitpid_calls, status;
        pid_t waited, next_pid, me;
        int fclose_calls;
        FILE *fork_child_closes; /* spawn, with the list held, plays a fork child closing this */
        int fork_child_result, fork_child_errno;
} fake;

static FILE *fake_glibc_popen(const char *command, const char *mode)
{
        (void)command;
        fake.glibc_popen_calls++;
        if (fake.glibc_popen_errno) {
                errno = fake.glibc_popen_errno;
                return NULL;
        }
        return fopen("/dev/null", mode);
}

static int fake_glibc_pclose(FILE *stream)
{
        fake.glibc_pclose_calls++;
        fclose(stream);
        return 77;
}

static int fake_init(posix_spawn_file_actions_t *actions)
{
        (void)actions;
        fake.close_count = 0;
        fake.dup2_fd = fake.dup2_target = -1;
        return 0;
}

static int fake_adddup2(posix_spawn_file_actions_t *actions, int fd, int target)
{
        (void)actions;
        fake.dup2_fd = fd;
        fake.dup2_target = target;
        return 0;
}

static int fake_addclose(posix_spawn_file_actions_t *actions, int fd)
{
        (void)actions;
        if (fake.close_count < MAX_ACTIONS)
                fake.closes[fake.close_count++] = fd;
        return 0;
}

static int fake_destroy(posix_spawn_file_actions_t *actions)
{
        (void)actions;
        fake.destroy_calls++;
        return 0;
}

static int fl_pclose_as_fork_child(FILE *stream);

static int fake_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
                      const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
        (void)actions, (void)attr, (void)envp;
        if (fake.fork_child_closes) {
                fake.fork_child_result = fl_pclose_as_fork_child(fake.fork_child_closes);
                fake.fork_child_errno = errno;
        }
        fake.spawn_calls++;
        snprintf(fake.path, sizeof(fake.path), "%s", path);
        for (int i = 0; i < 3; i++)
                snprintf(fake.argv[i], sizeof(fake.argv[i]), "%s", argv[i]);
        cr_expect_null(argv[3]);
        if (fake.spawn_err)
                return fake.spawn_err;
        *pid = fake.next_pid++;
        return 0;
}

static pid_t fake_waitpid(pid_t pid, int *status, int options)
{
        cr_expect_eq(options, 0);
        fake.waitpid_calls++;
        if (fake.eintr_times > 0) {
                fake.eintr_times--;
                errno = EINTR;
                return -1;
        }
        fake.waited = pid;
        *status = fake.status;
        return pid;
}

/* The fake's fdopen: a real stream on /dev/null standing for fake fd; fclose closes both. */
static struct {
        FILE *stream;
        int fd;
} streams[MAX_ACTIONS];

static FILE *fake_fdopen(int fd, const char *mode)
{
        FILE *stream = fl_fake_sys.fdopen(fd, mode);

        for (int i = 0; stream && i < MAX_ACTIONS; i++)
                if (!streams[i].stream) {
                        streams[i].stream = stream;
                        streams[i].fd = fd;
                        break;
                }
        return stream;
}

static int fake_fclose(FILE *stream)
{
        fake.fclose_calls++;
        for (int i = 0; i < MAX_ACTIONS; i++)
                if (streams[i].stream == stream) {
                        fl_fake_sys.close(streams[i].fd);
                        streams[i].stream = NULL;
                }
        return fclose(stream);
}

static pid_t fake_getpid(void)
{
        return fake.me;
}

static const struct fl_popen_calls calls = {
    .popen = fake_glibc_popen,
    .pclose = fake_glibc_pclose,
    .actions_init = fake_init,
    .actions_adddup2 = fake_adddup2,
    .actions_addclose = fake_addclose,
    .actions_destroy = fake_destroy,
    .spawn = fake_spawn,
    .waitpid = fake_waitpid,
    .fclose = fake_fclose,
    .getpid = fake_getpid,
};

/* The process forked while this one held the list: the child (another pid) must take it over. */
static int fl_pclose_as_fork_child(FILE *stream)
{
        pid_t parent = fake.me;
        int result;

        fake.me = parent + 1;
        result = fl_pclose(stream, &calls);
        fake.me = parent;
        return result;
}

static void setup(void)
{
        fl_fake_reset();
        memset(&shim, 0, sizeof(shim));
        memset(&fake, 0, sizeof(fake));
        memset(streams, 0, sizeof(streams));
        sys = fl_fake_sys;
        sys.fdopen = fake_fdopen;
        shim.sys = &sys;
        fake.next_pid = 1000;
        fake.me = 100;
}

/* The kernel of 2.6.18: glibc's popen fails on pipe2(O_CLOEXEC), so does forklock's attempt. */
static void old_kernel(void)
{
        fake.glibc_popen_errno = ENOSYS;
        fl_fake.pipe2_errno = ENOSYS;
}

TestSuite(popen, .init = setup);

Test(popen, glibc_popen_while_the_kernel_takes_pipe2)
{
        FILE *stream = fl_popen(&shim, "true", "r", &calls);

        cr_assert_not_null(stream);
        cr_expect_eq(fake.glibc_popen_calls, 1);
        cr_expect_eq(fl_fake.pipe2_calls + fl_fake.pipe_calls, 0);
        cr_expect_eq(fake.spawn_calls, 0);
        cr_expect_eq(fl_pclose(stream, &calls), 77, "glibc's stream goes to glibc's pclose");
        cr_expect_eq(fake.glibc_pclose_calls, 1);
}

Test(popen, glibc_enosys_runs_the_shell_over_spawn_and_the_fallback_pipe)
{
        FILE *stream;

        old_kernel();
        errno = 1234;
        stream = fl_popen(&shim, "echo hi", "r", &calls);
        cr_assert_not_null(stream);
        cr_expect_eq(errno, 1234, "errno kept on success");
        cr_expect_eq(fl_fake.pipe2_calls, 1, "pipe2 asked once, with O_CLOEXEC");
        cr_expect_eq(fl_fake.pipe_calls, 1);
        cr_expect(atomic_load(&shim.pipe2_refused), "the refusal is remembered");
        cr_expect_str_eq(fake.path, "/bin/sh");
        cr_expect_str_eq(fake.argv[0], "sh");
        cr_expect_str_eq(fake.argv[1], "-c");
        cr_expect_str_eq(fake.argv[2], "echo hi");
        /* fake pipe: fds[0] = 4 (read), fds[1] = 5 (write) */
        cr_expect_eq(fake.dup2_fd, 5, "the write end goes to the child");
        cr_expect_eq(fake.dup2_target, 1, "as its stdout");
        cr_expect_eq(fake.close_count, 0, "no earlier stream");
        cr_expect_eq(fake.destroy_calls, 1);
        cr_expect_not(fl_fake.open[5], "the child's end is closed in the parent");
        cr_expect(fl_fake.open[4]);
        cr_expect_not(fl_fake.cloexec[4],
                      "without 'e' the parent's end is inheritable, as glibc's");
}

Test(popen, the_refusal_is_remembered_glibc_and_pipe2_never_asked_again)
{
        FILE *first, *second;

        old_kernel();
        first = fl_popen(&shim, "a", "r", &calls);
        second = fl_popen(&shim, "b", "w", &calls);
        cr_assert(first && second);
        cr_expect_eq(fake.glibc_popen_calls, 1);
        cr_expect_eq(fl_fake.pipe2_calls, 1);
        cr_expect_eq(fl_fake.pipe_calls, 2);
        cr_expect_eq(fake.spawn_calls, 2);
}

Test(popen, write_mode_hands_the_read_end_to_stdin_and_e_keeps_close_on_exec)
{
        FILE *stream;

        old_kernel();
        stream = fl_popen(&shim, "cat", "we", &calls);
        cr_assert_not_null(stream);
        cr_expect_eq(fake.dup2_fd, 4, "the read end goes to the child");
        cr_expect_eq(fake.dup2_target, 0);
        cr_expect_not(fl_fake.open[4]);
        cr_expect(fl_fake.cloexec[5], "'e': the parent's end stays close-on-exec");
}

Test(popen, glibc_enosys_while_pipe2_works_is_glibcs_answer)
{
        int open_before = fl_fake_open_count();

        fake.glibc_popen_errno = ENOSYS;
        cr_expect_null(fl_popen(&shim, "true", "r", &calls));
        cr_expect_eq(errno, ENOSYS);
        cr_expect_eq(fake.spawn_calls, 0);
        cr_expect_eq(fl_fake_open_count(), open_before, "the probe's pipe is closed");
        cr_expect_not(atomic_load(&shim.pipe2_refused));
}

Test(popen, other_glibc_errors_are_returned)
{
        fake.glibc_popen_errno = EMFILE;
        cr_expect_null(fl_popen(&shim, "true", "r", &calls));
        cr_expect_eq(errno, EMFILE);
        cr_expect_eq(fl_fake.pipe2_calls + fl_fake.pipe_calls, 0);
}

Test(popen, simulated_einval_goes_straight_to_the_fallback)
{
        shim.config.simulate_einval = true;
        cr_assert_not_null(fl_popen(&shim, "true", "r", &calls));
        cr_expect_eq(fake.glibc_popen_calls, 0);
        cr_expect_eq(fl_fake.pipe2_calls, 0);
        cr_expect_eq(fl_fake.pipe_calls, 1);
        cr_expect(fl_fake.setfd_calls >= 1, "FD_CLOEXEC set under the lock");
}

Test(popen, bad_modes_are_einval_before_any_pipe)
{
        const char *modes[] = {"rw", "", "x", "r+", "ee"};

        old_kernel();
        atomic_store(&shim.pipe2_refused, true);
        for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
                errno = 0;
                cr_expect_null(fl_popen(&shim, "true", modes[i], &calls), "mode \"%s\"", modes[i]);
                cr_expect_eq(errno, EINVAL, "mode \"%s\"", modes[i]);
        }
        cr_expect_eq(fl_fake.pipe_calls, 0);
}

Test(popen, earlier_streams_are_closed_in_the_new_child)
{
        FILE *first, *second, *third;

        old_kernel();
        first = fl_popen(&shim, "a", "r", &calls);  /* parent keeps 4 */
        second = fl_popen(&shim, "b", "w", &calls); /* parent keeps 7 */
        cr_assert(first && second);
        cr_expect_eq(fake.close_count, 1);
        cr_expect_eq(fake.closes[0], 4);
        cr_expect_eq(fl_pclose(first, &calls), 0);
        third = fl_popen(&shim, "c", "r", &calls);
        cr_assert_not_null(third);
        cr_expect_eq(fake.close_count, 1, "a closed stream is no longer named");
        cr_expect_eq(fake.closes[0], 7);
}

Test(popen, a_stream_on_the_childs_target_fd_is_not_closed_after_the_dup2)
{
        FILE *first, *second;

        old_kernel();
        fl_fake.next_fd = 1; /* stdout closed: the first popen keeps fd 1 */
        first = fl_popen(&shim, "a", "r", &calls);
        cr_assert_not_null(first);
        second = fl_popen(&shim, "b", "r", &calls);
        cr_assert_not_null(second);
        cr_expect_eq(fake.dup2_target, 1);
        cr_expect_eq(fake.close_count, 0, "glibc skips the stream on the dup2 target");
}

Test(popen, spawn_failure_closes_both_ends_and_sets_errno)
{
        int open_before = fl_fake_open_count();
        FILE *stream;

        old_kernel();
        fake.spawn_err = EAGAIN;
        stream = fl_popen(&shim, "true", "r", &calls);
        cr_expect_null(stream);
        cr_expect_eq(errno, EAGAIN);
        cr_expect_eq(fl_fake_open_count(), open_before);
        fake.spawn_err = 0;
        stream = fl_popen(&shim, "true", "r", &calls);
        cr_assert_not_null(stream);
        cr_expect_eq(fake.close_count, 0, "the failed child left nothing in the list");
}

Test(popen, pclose_reaps_its_child_retrying_eintr)
{
        FILE *stream;

        old_kernel();
        stream = fl_popen(&shim, "exit 3", "r", &calls);
        cr_assert_not_null(stream);
        fake.eintr_times = 2;
        fake.status = 3 << 8;
        errno = 4321;
        cr_expect_eq(fl_pclose(stream, &calls), 3 << 8);
        cr_expect_eq(errno, 4321, "errno kept on success");
        cr_expect_eq(fake.waitpid_calls, 3);
        cr_expect_eq(fake.waited, 1000);
        cr_expect_eq(fake.fclose_calls, 1);
        cr_expect_eq(fake.glibc_pclose_calls, 0);
}

Test(popen, pclose_returns_a_signal_status_unchanged)
{
        FILE *stream;

        old_kernel();
        stream = fl_popen(&shim, "kill -TERM $$", "r", &calls);
        cr_assert_not_null(stream);
        fake.status = SIGTERM;
        cr_expect_eq(fl_pclose(stream, &calls), SIGTERM);
}

Test(popen, other_streams_go_to_glibcs_pclose_even_with_children_listed)
{
        FILE *ours, *other = fopen("/dev/null", "r");

        old_kernel();
        ours = fl_popen(&shim, "true", "r", &calls);
        cr_assert(ours && other);
        cr_expect_eq(fl_pclose(other, &calls), 77);
        cr_expect_eq(fake.glibc_pclose_calls, 1);
        cr_expect_eq(fake.waitpid_calls, 0);
        cr_expect_eq(fl_pclose(ours, &calls), 0);
        cr_expect_eq(fake.glibc_pclose_calls, 1);
}

Test(popen, a_fork_child_does_not_reap_its_parents_child)
{
        FILE *stream;

        old_kernel();
        stream = fl_popen(&shim, "true", "r", &calls);
        cr_assert_not_null(stream);
        fake.me = 200; /* now in a fork child */
        cr_expect_eq(fl_pclose(stream, &calls), -1);
        cr_expect_eq(errno, ECHILD);
        cr_expect_eq(fake.waitpid_calls, 0);
        cr_expect_eq(fake.fclose_calls, 1, "the child's copy of the stream is closed");
}

Test(popen, a_fork_child_takes_over_the_list_its_parent_held, .timeout = 10)
{
        FILE *first;

        old_kernel();
        first = fl_popen(&shim, "true", "r", &calls);
        cr_assert_not_null(first);
        fake.fork_child_closes = first;
        cr_assert_not_null(fl_popen(&shim, "true", "r", &calls));
        cr_expect_eq(fake.fork_child_result, -1, "no deadlock, and no reaping");
        cr_expect_eq(fake.fork_child_errno, ECHILD);
        cr_expect_eq(fake.waitpid_calls, 0);
}
