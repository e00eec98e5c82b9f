/* The calls glibc makes open() for past the PLT, in scope all: fopen and freopen with the "e"
 * mode added, tmpfile, and the mkstemp family with O_CLOEXEC. They share open's O_CLOEXEC probe
 * and refusal (ocloexec.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "create.h"
#include "ocloexec.h"

#define FL_MODE_MAX 64

struct stream_args {
        const char *path, *mode;
        FILE *stream; /* freopen's; the call's result for fopen */
};

static bool mode_has_e(const char *mode)
{
        /* glibc reads the modifiers after the first letter up to a ','. */
        for (const char *p = mode + (mode[0] != '\0'); *p && *p != ','; p++)
                if (*p == 'e')
                        return true;
        return false;
}

/* The caller's mode with "e" inserted after the first letter, or with every "e" modifier taken out
 * (the fallback). A mode that already says what is wanted is passed as it is. */
static void respell_mode(const char *mode, bool cloexec, char *out)
{
        size_t n = 0;
        bool modifiers = false;

        for (const char *p = mode; *p && n < FL_MODE_MAX - 2; p++) {
                if (*p == ',')
                        modifiers = false;
                if (!(modifiers && *p == 'e'))
                        out[n++] = *p;
                if (p == mode) {
                        modifiers = true;
                        if (cloexec)
                                out[n++] = 'e';
                }
        }
        out[n] = '\0';
}

static int make_stream(const struct fl_shim *shim, const struct fl_creation *c, int flags)
{
        struct stream_args *args = c->args;
        char mode[FL_MODE_MAX];
        FILE *stream;

        const char *asked = args->mode;

        if (!(flags & O_CLOEXEC) != !mode_has_e(asked)) {
                respell_mode(asked, flags & O_CLOEXEC, mode);
                asked = mode;
        }
        stream = args->stream ? shim->sys->freopen(args->path, asked, args->stream)
                              : shim->sys->fopen(args->path, asked);
        args->stream = stream;
        return stream ? fileno(stream) : -1;
}

static int call_stream(const struct fl_shim *shim, const struct fl_creation *c, int flags)
{
        return fl_ocloexec_call(shim, c, flags, make_stream);
}

static void describe_stream(const struct fl_creation *c, struct fl_record *record)
{
        const struct stream_args *args = c->args;

        fl_created_describe(c, record, args->path);
}

static const struct fl_creation_ops stream_ops = {
    .cloexec = O_CLOEXEC,
    .call = call_stream,
    .refused = fl_ocloexec_never_refused,
    .describe = describe_stream,
};

/* A mode too long to respell is passed through as it is. */
FILE *fl_fopen(struct fl_shim *shim, const char *path, const char *mode, FILE *stream)
{
        struct stream_args args = {path, mode, stream};
        struct fl_creation c = {&stream_ops,   &shim->ocloexec_refused,
                                FL_CALL_FOPEN, mode_has_e(mode) ? O_CLOEXEC : 0,
                                false,         NULL,
                                &args};

        if (!path || strnlen(mode, FL_MODE_MAX - 2) > FL_MODE_MAX - 3)
                return stream ? shim->sys->freopen(path, mode, stream)
                              : shim->sys->fopen(path, mode);
        if (fl_create(shim, &c) < 0)
                return NULL;
        return args.stream;
}

struct temp_args {
        char *template;
        int suffix_len;
};

static int make_temp(const struct fl_shim *shim, const struct fl_creation *c, int flags)
{
        const struct temp_args *args = c->args;

        return shim->sys->mkostemps(args->template, args->suffix_len, flags);
}

static int call_temp(const struct fl_shim *shim, const struct fl_creation *c, int flags)
{
        return fl_ocloexec_call(shim, c, flags, make_temp);
}

static void describe_temp(const struct fl_creation *c, struct fl_record *record)
{
        const struct temp_args *args = c->args;

        fl_created_describe(c, record, record->result >= 0 ? args->template : NULL);
}

static const struct fl_creation_ops temp_ops = {
    .cloexec = O_CLOEXEC,
    .call = call_temp,
    .refused = fl_ocloexec_never_refused,
    .describe = describe_temp,
};

int fl_mkostemps(struct fl_shim *shim, char *template, int suffix_len, int flags)
{
        struct temp_args args = {template, suffix_len};
        struct fl_creation c = {
            &temp_ops, &shim->ocloexec_refused, FL_CALL_MKSTEMP, flags, false, NULL, &args};

        return fl_create(shim, &c);
}

/* glibc's tmpfile: an unnamed O_TMPFILE file in /tmp, or, where the file system has none, a named
 * one unlinked at once; then a "w+b" stream over it. */
static int make_tmpfile(const struct fl_shim *shim, const struct fl_creation *c, int flags)
{
        char name[] = "/tmp/tmpfXXXXXX";
        int fd = shim->sys->openat(AT_FDCWD, "/tmp", O_RDWR | O_TMPFILE | O_EXCL | flags, 0600);

        (void)c;
        if (fd >= 0 || (errno != EISDIR && errno != EOPNOTSUPP && errno != EINVAL))
                return fd;
        fd = shim->sys->mkostemps(name, 0, flags);
        if (fd >= 0)
                shim->sys->unlink(name);
        return fd;
}

static int call_tmpfile(const struct fl_shim *shim, const struct fl_creation *c, int flags)
{
        return fl_ocloexec_call(shim, c, flags, make_tmpfile);
}

static void describe_tmpfile(const struct fl_creation *c, struct fl_record *record)
{
        fl_created_describe(c, record, NULL);
}

static const struct fl_creation_ops tmpfile_ops = {
    .cloexec = O_CLOEXEC,
    .call = call_tmpfile,
    .refused = fl_ocloexec_never_refused,
    .describe = describe_tmpfile,
};

FILE *fl_tmpfile(struct fl_shim *shim)
{
        struct fl_creation c = {
            &tmpfile_ops, &shim->ocloexec_refused, FL_CALL_TMPFILE, 0, false, NULL, NULL};
        int fd = fl_create(shim, &c);
        FILE *stream;

        if (fd < 0)
                return NULL;
        stream = shim->sys->fdopen(fd, "w+b");
        if (!stream) {
                int saved = errno;

                shim->sys->close(fd);
                errno = saved;
        }
        return stream;
}
