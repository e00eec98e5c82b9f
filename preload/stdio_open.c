/* The stdio and mkstemp calls glibc opens past the PLT: wrapped at their entry points. Scope all
 * adds close-on-exec (shim/fd/stdio_open.c); scope sockets calls the next definition untouched. */
#undef _FORTIFY_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "create.h"
#include "export.h"
#include "process.h"
#include "real.h"

/* musl's headers spell the large-file names as macros for the plain ones: undo them, so that the
 * musl build defines both names too. */
#ifndef __GLIBC__
#undef fopen64
#undef freopen64
#undef tmpfile64
#undef mkstemp64
FILE *fopen64(const char *path, const char *mode);
FILE *freopen64(const char *path, const char *mode, FILE *stream);
FILE *tmpfile64(void);
int mkstemp64(char *template);
#endif

static FILE *kept_stream(FILE *stream, int saved)
{
        if (stream)
                errno = saved;
        return stream;
}

FL_EXPORT FILE *fopen(const char *path, const char *mode)
{
        struct fl_shim *shim = fl_process();
        int saved = errno;

        if (!fl_scope_all(shim))
                return fl_real_fopen()(path, mode);
        return kept_stream(fl_fopen(shim, path, mode, NULL), saved);
}

FL_EXPORT FILE *fopen64(const char *path, const char *mode)
{
        struct fl_shim *shim = fl_process();
        int saved = errno;

        if (!fl_scope_all(shim))
                return fl_real_fopen64()(path, mode);
        return kept_stream(fl_fopen(shim, path, mode, NULL), saved);
}

FL_EXPORT FILE *freopen(const char *path, const char *mode, FILE *stream)
{
        struct fl_shim *shim = fl_process();
        int saved = errno;

        if (!fl_scope_all(shim))
                return fl_real_freopen()(path, mode, stream);
        return kept_stream(fl_fopen(shim, path, mode, stream), saved);
}

FL_EXPORT FILE *freopen64(const char *path, const char *mode, FILE *stream)
{
        struct fl_shim *shim = fl_process();
        int saved = errno;

        if (!fl_scope_all(shim))
                return fl_real_freopen64()(path, mode, stream);
        return kept_stream(fl_fopen(shim, path, mode, stream), saved);
}

FL_EXPORT FILE *tmpfile(void)
{
        struct fl_shim *shim = fl_process();
        int saved = errno;

        if (!fl_scope_all(shim))
                return fl_real_tmpfile()();
        return kept_stream(fl_tmpfile(shim), saved);
}

FL_EXPORT FILE *tmpfile64(void)
{
        struct fl_shim *shim = fl_process();
        int saved = errno;

        if (!fl_scope_all(shim))
                return fl_real_tmpfile64()();
        return kept_stream(fl_tmpfile(shim), saved);
}

static int scoped_temp(struct fl_shim *shim, char *template, int suffix_len, int flags)
{
        int saved = errno;
        int fd = fl_mkostemps(shim, template, suffix_len, flags);

        fl_keep_errno_unless_failed(fd, saved);
        return fd;
}

FL_EXPORT int mkstemp(char *template)
{
        struct fl_shim *shim = fl_process();

        if (!fl_scope_all(shim))
                return fl_real_mkstemp()(template);
        return scoped_temp(shim, template, 0, 0);
}

FL_EXPORT int mkstemp64(char *template)
{
        struct fl_shim *shim = fl_process();

        if (!fl_scope_all(shim))
                return fl_real_mkstemp64()(template);
        return scoped_temp(shim, template, 0, 0);
}

FL_EXPORT int mkostemp(char *template, int flags)
{
        struct fl_shim *shim = fl_process();

        if (!fl_scope_all(shim))
                return fl_real_mkostemp()(template, flags);
        return scoped_temp(shim, template, 0, flags);
}

FL_EXPORT int mkostemps(char *template, int suffix_len, int flags)
{
        struct fl_shim *shim = fl_process();

        if (!fl_scope_all(shim))
                return fl_real_mkostemps()(template, suffix_len, flags);
        return scoped_temp(shim, template, suffix_len, flags);
}

FL_EXPORT int mkstemps(char *template, int suffix_len)
{
        struct fl_shim *shim = fl_process();

        if (!fl_scope_all(shim))
                return fl_real_mkstemps()(template, suffix_len);
        return scoped_temp(shim, template, suffix_len, 0);
}
