/* pipe and pipe2 in scope all, as Go's os.Pipe: pipe2(O_CLOEXEC); where the kernel lacks pipe2
 * (ENOSYS before 2.6.27), pipe + FD_CLOEXEC under the read side of the fork lock, and O_NONBLOCK
 * after it. */
#include <errno.h>
#include <fcntl.h>

#include "compat.h"
#include "create.h"
#include "ocloexec.h"
#include "popen.h"

static int make_pipe(const struct fl_shim *shim, const struct fl_creation *c, int flags)
{
        return flags ? shim->sys->pipe2(c->pair, flags) : shim->sys->pipe(c->pair);
}

static bool pipe2_missing(const struct fl_shim *shim, const struct fl_creation *c, int err)
{
        (void)shim, (void)c;
        return err == ENOSYS;
}

static void describe(const struct fl_creation *c, struct fl_record *record)
{
        fl_created_describe(c, record, NULL);
}

static const struct fl_creation_ops pipe_ops = {
    .cloexec = O_CLOEXEC,
    .nonblock = O_NONBLOCK,
    .call = make_pipe,
    .refused = pipe2_missing,
    .describe = describe,
};

static void pipe_creation(struct fl_shim *shim, struct fl_creation *c, int fds[2], int flags)
{
        *c = (struct fl_creation){&pipe_ops, &shim->pipe2_refused, FL_CALL_PIPE, flags, true, fds,
                                  NULL};
}

int fl_pipe2(struct fl_shim *shim, int fds[2], int flags)
{
        struct fl_creation c;

        pipe_creation(shim, &c, fds, flags);
        return fl_create(shim, &c) < 0 ? -1 : 0;
}

int fl_pipe2_compat(struct fl_shim *shim, int fds[2], int flags)
{
        struct fl_creation c;

        pipe_creation(shim, &c, fds, flags);
        return fl_create_compat(shim, &c) < 0 ? -1 : 0;
}

bool fl_popen_pipe2_refused(const struct fl_shim *shim)
{
        return shim->config.simulate_einval ||
               atomic_load_explicit(&shim->pipe2_refused, memory_order_relaxed);
}

int fl_popen_pipe(struct fl_shim *shim, int fds[2], bool *atomic)
{
        struct fl_creation c;
        enum fl_decision decision;
        int result;

        pipe_creation(shim, &c, fds, 0);
        result = fl_cloexec_call(shim, &c, O_CLOEXEC, &decision);
        *atomic = decision == FL_DEC_ATOMIC;
        return result < 0 ? -1 : 0;
}
