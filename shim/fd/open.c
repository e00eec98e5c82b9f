/* open and its variants, and posix_openpt, in scope all: O_CLOEXEC through the one algorithm. */
#include <fcntl.h>

#include "create.h"
#include "ocloexec.h"

struct open_args {
        int dirfd;
        const char *path;
        mode_t mode;
};

static int make_open(const struct fl_shim *shim, const struct fl_creation *c, int flags)
{
        const struct open_args *args = c->args;

        return shim->sys->openat(args->dirfd, args->path, flags, args->mode);
}

static int call_open(const struct fl_shim *shim, const struct fl_creation *c, int flags)
{
        return fl_ocloexec_call(shim, c, flags, make_open);
}

static void describe_open(const struct fl_creation *c, struct fl_record *record)
{
        const struct open_args *args = c->args;

        fl_created_describe(c, record, args->path);
}

static const struct fl_creation_ops open_ops = {
    .cloexec = O_CLOEXEC,
    .call = call_open,
    .refused = fl_ocloexec_never_refused,
    .describe = describe_open,
};

int fl_openat(struct fl_shim *shim, int dirfd, const char *path, int flags, mode_t mode)
{
        struct open_args args = {dirfd, path, mode};
        struct fl_creation c = {
            &open_ops, &shim->ocloexec_refused, FL_CALL_OPEN, flags, false, NULL, &args};

        return fl_create(shim, &c);
}

static int make_openpt(const struct fl_shim *shim, const struct fl_creation *c, int flags)
{
        (void)c;
        return shim->sys->posix_openpt(flags);
}

static int call_openpt(const struct fl_shim *shim, const struct fl_creation *c, int flags)
{
        return fl_ocloexec_call(shim, c, flags, make_openpt);
}

static void describe_openpt(const struct fl_creation *c, struct fl_record *record)
{
        fl_created_describe(c, record, NULL);
}

static const struct fl_creation_ops openpt_ops = {
    .cloexec = O_CLOEXEC,
    .call = call_openpt,
    .refused = fl_ocloexec_never_refused,
    .describe = describe_openpt,
};

int fl_posix_openpt(struct fl_shim *shim, int flags)
{
        struct fl_creation c = {
            &openpt_ops, &shim->ocloexec_refused, FL_CALL_OPENPT, flags, false, NULL, NULL};

        return fl_create(shim, &c);
}
