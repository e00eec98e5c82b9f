/* The per-call workloads of `make bench`, one per run, so that the runner can put each under any
 * setup (bare, LD_PRELOAD, strace, valgrind, forklock-kernel) and interleave them.
 *   micro WORKLOAD [--iterations N]
 * WORKLOAD: socket_close, socket_fail, fcntl_getfd, accept, fork_exec, startup, inherit_spawn.
 * Prints "ns_per_op=X" on stdout: wall time of the timed loop only, after a short warm-up, so
 * that loading the program (and the preload) is not counted except by the startup workload. The
 * process workloads (fork_exec, startup, inherit_spawn) time each spawn and print the median spawn
 * (then "mean_ns=Y"): a shared machine stalls a process now and then for milliseconds, and a few
 * such spawns decide a mean of 400, whichever setup they land on.
 * startup runs /bin/true with LD_PRELOAD=$BENCH_PRELOAD in the child only: the launcher itself
 * stays bare, so what is measured is the new image's start-up under the setup.
 * inherit_spawn is fork_exec with two fds left open across exec: the new image's audit then looks
 * for the records its parent wrote about them (its cost must not grow with the ring). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct workload {
        const char *name;
        long iterations; /* default */
        int (*setup)(void);
        void (*body)(long n);
        bool per_spawn; /* ns_per_op is the median spawn */
};

static double now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what)
{
        perror(what);
        exit(1);
}

static void socket_close(long n)
{
        for (long i = 0; i < n; i++)
                close(socket(AF_INET, SOCK_STREAM, 0));
}

static void socket_fail(long n)
{
        for (long i = 0; i < n; i++)
                socket(-1, SOCK_STREAM, 0); /* EAFNOSUPPORT: the kernel refuses, nothing created */
}

static void fcntl_getfd(long n)
{
        for (long i = 0; i < n; i++)
                fcntl(0, F_GETFD);
}

static int listener = -1;
static struct sockaddr_in listen_addr;

static int accept_setup(void)
{
        socklen_t len = sizeof(listen_addr);

        listener = socket(AF_INET, SOCK_STREAM, 0);
        memset(&listen_addr, 0, sizeof(listen_addr));
        listen_addr.sin_family = AF_INET;
        listen_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (listener < 0 || bind(listener, (struct sockaddr *)&listen_addr, len) < 0 ||
            listen(listener, 128) < 0 ||
            getsockname(listener, (struct sockaddr *)&listen_addr, &len) < 0)
                die("accept: listener");
        return 0;
}

/* One connection: on loopback the handshake completes inside connect(), so one thread can both
 * connect and accept. The client closes with linger 0 (RST): no TIME_WAIT, so the ephemeral ports
 * never run out however many iterations are asked for. */
static void accept_body(long n)
{
        static const struct linger rst = {1, 0};

        for (long i = 0; i < n; i++) {
                int client = socket(AF_INET, SOCK_STREAM, 0);
                int server;

                if (client < 0 ||
                    connect(client, (struct sockaddr *)&listen_addr, sizeof(listen_addr)) < 0)
                        die("accept: connect");
                server = accept(listener, NULL, NULL);
                if (server < 0)
                        die("accept: accept");
                setsockopt(client, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
                close(client);
                close(server);
        }
}

/* Each spawn's wall time, once the warm-up is over (NULL during it). */
static double *spawn_ns;
static long spawns;

static void run_true_untimed(char **envp);

static void run_true(char **envp)
{
        double t0 = now_ns();

        run_true_untimed(envp);
        if (spawn_ns)
                spawn_ns[spawns++] = now_ns() - t0;
}

static void run_true_untimed(char **envp)
{
        char *argv[] = {"/bin/true", NULL};
        int status;
        pid_t pid = fork();

        if (pid < 0)
                die("fork");
        if (pid == 0) {
                execve(argv[0], argv, envp);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                die("fork_exec: /bin/true failed");
}

static void fork_exec(long n)
{
        for (long i = 0; i < n; i++)
                run_true(environ);
}

/* Two inheritable fds, as a shell pipeline or a server handing over its socket leaves. */
static int inherit_setup(void)
{
        int fds[2];

        return pipe(fds);
}

static char **child_env;

/* The child's environment: ours, with LD_PRELOAD from BENCH_PRELOAD (or none). */
static int startup_setup(void)
{
        const char *preload = getenv("BENCH_PRELOAD");
        size_t count = 0, out = 0;

        while (environ[count])
                count++;
        child_env = calloc(count + 2, sizeof(*child_env));
        if (!child_env)
                die("calloc");
        for (size_t i = 0; i < count; i++)
                if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
                        child_env[out++] = environ[i];
        if (preload && *preload) {
                size_t len = strlen(preload) + 12;
                child_env[out] = malloc(len);
                if (!child_env[out])
                        die("malloc");
                snprintf(child_env[out], len, "LD_PRELOAD=%s", preload);
        }
        return 0;
}

static void startup(long n)
{
        for (long i = 0; i < n; i++)
                run_true(child_env);
}

static const struct workload workloads[] = {
    {"socket_close", 200000, NULL, socket_close, false},
    {"socket_fail", 1000000, NULL, socket_fail, false},
    {"fcntl_getfd", 1000000, NULL, fcntl_getfd, false},
    {"accept", 20000, accept_setup, accept_body, false},
    {"fork_exec", 500, NULL, fork_exec, true},
    {"startup", 500, startup_setup, startup, true},
    {"inherit_spawn", 500, inherit_setup, fork_exec, true},
};

static int by_value(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return (x > y) - (x < y);
}

static const struct workload *find(const char *name)
{
        for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
                if (strcmp(workloads[i].name, name) == 0)
                        return &workloads[i];
        return NULL;
}

static int usage(void)
{
        fprintf(stderr, "usage: micro WORKLOAD [--iterations N]\n  workloads:");
        for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
                fprintf(stderr, " %s", workloads[i].name);
        fprintf(stderr, "\n");
        return 2;
}

int main(int argc, char **argv)
{
        const struct workload *w = argc > 1 ? find(argv[1]) : NULL;
        long n;
        double t0;

        if (!w)
                return usage();
        n = w->iterations;
        if (argc == 4 && strcmp(argv[2], "--iterations") == 0)
                n = atol(argv[3]);
        else if (argc != 2)
                return usage();
        if (n <= 0)
                return usage();
        if (w->setup && w->setup() < 0)
                return 1;
        w->body(n / 20 + 1); /* warm-up: caches, lazy binding, the ring's first pages */
        if (w->per_spawn && !(spawn_ns = calloc((size_t)n, sizeof(*spawn_ns))))
                die("calloc");
        t0 = now_ns();
        w->body(n);
        t0 = now_ns() - t0;
        if (w->per_spawn) {
                qsort(spawn_ns, (size_t)spawns, sizeof(*spawn_ns), by_value);
                printf("ns_per_op=%.2f mean_ns=%.2f\n", spawn_ns[spawns / 2], t0 / (double)n);
        } else {
                printf("ns_per_op=%.2f\n", t0 / (double)n);
        }
        return 0;
}
