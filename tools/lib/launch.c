#include "launch.h"

#include "kernel_table.h"
#include "ring.h"
#include "ring_reader.h"
#include "target.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t child;
static volatile sig_atomic_t interrupted;
static const int forwarded[] = {SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM};

int launch_take(struct launch *l, int id, const char *value)
{
        switch (id) {
        case LAUNCH_MODE:
                l->mode = value;
                break;
        case LAUNCH_PROFILE:
                l->profile = value;
                break;
        case LAUNCH_SCOPE:
                l->scope = value;
                break;
        case LAUNCH_SIMULATE:
                l->simulate = true;
                break;
        case LAUNCH_LOG:
                l->log = value;
                break;
        case LAUNCH_RING:
                l->ring = value;
                break;
        case LAUNCH_INHERIT:
                l->inherit = value;
                break;
        case LAUNCH_KERNEL:
                l->kernel = value;
                break;
        case LAUNCH_ONLY:
                l->only = value;
                break;
        case LAUNCH_SKIP:
                l->skip = value;
                break;
        case LAUNCH_QUIET:
                l->quiet = true;
                break;
        case LAUNCH_LIBDIR:
                l->libdir = value;
                break;
        default:
                return 1;
        }
        return 0;
}

static bool one_of(const char *value, const char *const names[])
{
        for (; *names; names++)
                if (strcmp(value, *names) == 0)
                        return true;
        return false;
}

static int check_kernel(struct launch *l)
{
        uint32_t version, running;
        const char *refusal;

        if (strcmp(l->kernel, "list") == 0) {
                char tool[PATH_MAX * 2];

                snprintf(tool, sizeof(tool), "%s/forklock-kernel", l->libdir);
                execl(tool, tool, "--kernel=list", (char *)NULL);
                return cli_fail(l->cli, "%s: %s", tool, strerror(errno));
        }
        if (strcmp(l->kernel, "current") == 0)
                return 0;
        if (fl_kernel_parse(l->kernel, &version) != 0)
                return cli_fail(l->cli,
                                "--kernel: '%s' is not a kernel version (X.Y, X.Y.Z, or what "
                                "uname -r prints)",
                                l->kernel);
        if (fl_kernel_running(&running) == 0 && (refusal = fl_kernel_refusal(version, running)))
                return cli_fail(l->cli, "--kernel: '%s': %s", l->kernel, refusal);
        return 0;
}

/* The absolute path of --log, its directory checked; an existing file must be a ring. */
static int check_log(struct launch *l)
{
        char dir[PATH_MAX * 2], err[512], cwd[PATH_MAX];
        struct fl_ring_reader reader;
        struct stat st;

        if (l->log[0] == '/')
                snprintf(l->ring_path, sizeof(l->ring_path), "%s", l->log);
        else if (getcwd(cwd, sizeof(cwd)))
                snprintf(l->ring_path, sizeof(l->ring_path), "%s/%s", cwd, l->log);
        else
                return cli_fail(l->cli, "--log: cannot resolve '%s': %s", l->log, strerror(errno));
        snprintf(dir, sizeof(dir), "%s", l->ring_path);
        if (stat(dirname(dir), &st) < 0 || !S_ISDIR(st.st_mode))
                return cli_fail(l->cli, "--log: %s: %s", dir,
                                errno && !S_ISDIR(st.st_mode) ? strerror(errno)
                                                              : "not a directory");
        if (stat(l->ring_path, &st) == 0 && st.st_size > 0) {
                if (fl_ring_reader_open(&reader, l->ring_path, err, sizeof(err)) < 0)
                        return cli_fail(l->cli, "--log: %s", err);
                fl_ring_reader_close(&reader);
        }
        return 0;
}

int launch_check(struct launch *l)
{
        static const char *const modes[] = {"enforce", "audit", "off", NULL};
        static const char *const profiles[] = {"cloexec", "go", NULL};
        static const char *const scopes[] = {"sockets", "all", NULL};
        long n;

        if (l->mode && !one_of(l->mode, modes))
                return cli_fail(l->cli, "--mode: '%s' is not enforce, audit or off", l->mode);
        if (l->profile && !one_of(l->profile, profiles))
                return cli_fail(l->cli, "--profile: '%s' is not cloexec or go", l->profile);
        if (l->scope && !one_of(l->scope, scopes))
                return cli_fail(l->cli, "--scope: '%s' is not sockets or all", l->scope);
        if (l->ring && cli_number(l->cli, "--ring", l->ring, FL_RING_MIN_CAPACITY,
                                  FL_RING_MAX_CAPACITY, &n) < 0)
                return 2;
        if (l->kernel && check_kernel(l) != 0)
                return 2;
        if (l->log && check_log(l) != 0)
                return 2;
        if (!l->cmd || !l->cmd[0])
                return cli_fail(l->cli, "no command given (usage: %s [OPTIONS] -- CMD [ARG...])",
                                l->cli->tool);
        return 0;
}

/* Traversable, not listable (0711): images that dropped privileges reach the drop directory in
 * it and nothing else (the ring stays 0600). */
static int make_private_dir(struct launch *l)
{
        const char *bases[] = {getenv("XDG_RUNTIME_DIR"), getenv("TMPDIR"), "/tmp"};

        for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
                if (!bases[i] || bases[i][0] != '/' || access(bases[i], W_OK | X_OK) < 0)
                        continue;
                snprintf(l->made_dir, sizeof(l->made_dir), "%s/forklock.XXXXXX", bases[i]);
                if (mkdtemp(l->made_dir)) {
                        chmod(l->made_dir, 0711);
                        snprintf(l->ring_path, sizeof(l->ring_path), "%s/ring", l->made_dir);
                        return 0;
                }
        }
        l->made_dir[0] = '\0';
        return cli_fail(l->cli, "cannot create a private directory for the ring: %s",
                        strerror(errno));
}

/* ld.so's $LIB token picks each image's own build: lib/x86_64-linux-gnu, lib/i386-linux-gnu (lib32
 * with libc6-i386), while musl's ld.so, which does not expand it, opens the directory named "$LIB"
 * literally, where the musl build is. Used when the tree has the native entry (make and make
 * install create it), else the plain path of old trees. */
#if defined(__x86_64__)
#define NATIVE_LIB "lib/x86_64-linux-gnu"
#elif defined(__aarch64__)
#define NATIVE_LIB "lib/aarch64-linux-gnu"
#elif defined(__i386__)
#define NATIVE_LIB "lib/i386-linux-gnu"
#else
#define NATIVE_LIB "lib"
#endif

static void library_entry(const struct launch *l, char *out, size_t size)
{
        char native[PATH_MAX * 2];

        snprintf(native, sizeof(native), "%s/" NATIVE_LIB "/libforklock.so", l->libdir);
        if (access(native, R_OK) == 0)
                snprintf(out, size, "%s/$LIB/libforklock.so", l->libdir);
        else
                snprintf(out, size, "%s/libforklock.so", l->libdir);
}

/* A sanitizer runtime must stay first in LD_PRELOAD; otherwise the library goes first. */
static void compose_preload(struct launch *l)
{
        const char *old = getenv("LD_PRELOAD");
        char entry[PATH_MAX * 2];

        library_entry(l, entry, sizeof(entry));
        if (old && (strstr(old, "libasan") || strstr(old, "libtsan")))
                snprintf(l->preload, sizeof(l->preload), "%s %s", old, entry);
        else
                snprintf(l->preload, sizeof(l->preload), "%s%s%s", entry, old && old[0] ? " " : "",
                         old ? old : "");
}

/* Said once, before CMD runs, whatever --quiet says: the user asked for protection that this
 * program cannot get. */
static void note_unloadable(struct launch *l)
{
        char path[PATH_MAX];

        l->unloadable = fl_target_unloadable(l->cmd[0], path, sizeof(path));
        if (!l->unloadable)
                return;
        if (strcmp(l->unloadable, "statically linked") == 0)
                fprintf(stderr,
                        "%s: note: %s is statically linked: libforklock cannot be preloaded "
                        "there, so its fds are not made close-on-exec nor audited%s\n",
                        l->cli->tool, path,
                        l->kernel ? " (--kernel still applies)" : " (only --kernel applies)");
        else
                fprintf(stderr,
                        "%s: note: %s is %s: ld.so ignores LD_PRELOAD there (outside the secure "
                        "directories), so libforklock is not loaded into it\n",
                        l->cli->tool, path, l->unloadable);
}

static void set_if(const char *name, const char *value)
{
        if (value)
                setenv(name, value, 1);
}

int launch_prepare(struct launch *l)
{
        char lib[PATH_MAX * 2], drop[PATH_MAX * 3];
        struct fl_ring ring;

        snprintf(lib, sizeof(lib), "%s/libforklock.so", l->libdir);
        if (access(lib, R_OK) < 0)
                return cli_fail(l->cli, "cannot read %s: %s", lib, strerror(errno));
        if (!l->log && make_private_dir(l) != 0)
                return 2;
        /* Made here, so that a command that never loads the library still leaves a readable,
         * empty ring instead of none. */
        if (fl_ring_open_file(&ring, l->ring_path, l->ring ? fl_ring_capacity_parse(l->ring) : 0) <
            0) {
                launch_remove_ring(l);
                return cli_fail(l->cli, "cannot create the ring %s", l->ring_path);
        }
        fl_ring_close(&ring);
        snprintf(drop, sizeof(drop), "%s" FL_RING_DROP_SUFFIX, l->ring_path);
        if (mkdir(drop, 0700) == 0)
                chmod(drop, 01733);
        compose_preload(l);
        note_unloadable(l);
        setenv("FORKLOCK_MODE", l->mode ? l->mode : "enforce", 1);
        setenv("FORKLOCK_LOG", l->ring_path, 1);
        set_if("FORKLOCK_PROFILE", l->profile);
        set_if("FORKLOCK_SCOPE", l->scope);
        set_if("FORKLOCK_SIMULATE", l->simulate ? "einval" : NULL);
        set_if("FORKLOCK_RING", l->ring);
        set_if("FORKLOCK_INHERIT", l->inherit);
        set_if("FORKLOCK_ONLY_CMDS", l->only);
        set_if("FORKLOCK_SKIP_CMDS", l->skip);
        if (!l->quiet)
                fprintf(stderr, "%s: ring: %s\n", l->cli->tool, l->ring_path);
        return 0;
}

static void on_signal(int sig)
{
        int saved = errno;

        if (sig == SIGINT || sig == SIGQUIT)
                interrupted = 1;
        else if (child > 0)
                kill(child, sig);
        errno = saved;
}

/* The command is the ring's first image: it records its START even when it inherited nothing and
 * records nothing else (an image like that leaves its START out), so that the audit sees it start.
 * A ring this cannot write to still works: the command then starts like any other image. */
static void mark_root(const struct launch *l)
{
        int32_t self = (int32_t)getpid();
        int fd = open(l->ring_path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

        if (fd < 0)
                return;
        if (pwrite(fd, &self, sizeof(self), offsetof(struct fl_ring_header, root_pid)) < 0)
                fprintf(stderr, "%s: cannot mark the command in %s: %s\n", l->cli->tool,
                        l->ring_path, strerror(errno));
        close(fd);
}

static void exec_command(struct launch *l)
{
        char tool[PATH_MAX * 2], opt[256];
        int argc = 0;

        while (l->cmd[argc])
                argc++;
        char *argv[argc + 4];

        mark_root(l);
        setenv("LD_PRELOAD", l->preload, 1);
        if (l->kernel) {
                snprintf(tool, sizeof(tool), "%s/forklock-kernel", l->libdir);
                snprintf(opt, sizeof(opt), "--kernel=%s", l->kernel);
                argv[0] = tool;
                argv[1] = opt;
                argv[2] = "--";
                memcpy(argv + 3, l->cmd, (size_t)(argc + 1) * sizeof(char *));
                execv(tool, argv);
        } else {
                execvp(l->cmd[0], l->cmd);
        }
        fprintf(stderr, "%s: %s: %s\n", l->cli->tool, l->cmd[0], strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
}

static int status_of(int status)
{
        return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* Every descendant re-parented here (we are their subreaper), until none is left or Ctrl-C. */
static void wait_descendants(void)
{
        int status;

        while (!interrupted && (waitpid(-1, &status, 0) > 0 || errno == EINTR))
                ;
}

int launch_run(struct launch *l)
{
        struct sigaction handler = {.sa_handler = on_signal}, old_int, old_quit;
        int status = 0;
        pid_t pid;

        fflush(NULL);
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        sigaction(SIGINT, &handler, &old_int);
        sigaction(SIGQUIT, &handler, &old_quit);
        for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
                sigaction(forwarded[i], &handler, NULL);
        pid = fork();
        if (pid < 0)
                return cli_fail(l->cli, "fork: %s", strerror(errno)), 127;
        if (pid == 0) {
                sigaction(SIGINT, &old_int, NULL);
                sigaction(SIGQUIT, &old_quit, NULL);
                for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
                        signal(forwarded[i], SIG_DFL);
                exec_command(l);
        }
        child = pid;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return 127;
        if (l->wait_all)
                wait_descendants();
        l->interrupted = interrupted;
        l->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGQUIT, &old_quit, NULL);
        return status_of(status);
}

static void remove_drop_dir(const char *ring_path)
{
        char drop[PATH_MAX * 3], file[PATH_MAX * 4];
        struct dirent *e;
        DIR *d;

        snprintf(drop, sizeof(drop), "%s" FL_RING_DROP_SUFFIX, ring_path);
        if (!(d = opendir(drop)))
                return;
        while ((e = readdir(d)))
                if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                        snprintf(file, sizeof(file), "%s/%s", drop, e->d_name);
                        unlink(file);
                }
        closedir(d);
        rmdir(drop);
}

void launch_remove_ring(struct launch *l)
{
        if (!l->ring_path[0])
                return;
        remove_drop_dir(l->ring_path);
        unlink(l->ring_path);
        if (l->made_dir[0])
                rmdir(l->made_dir);
}
