/* pipe and pipe2: pipe2(O_CLOEXEC) in scope all (shim/fd/pipe.c); in scope sockets untouched but
 * where the kernel lacks pipe2 (shim/fd/compat.h). */
#include <unistd.h>

#include "compat.h"
#include "create.h"
#include "export.h"
#include "process.h"
#include "real.h"

static int scoped_pipe(struct fl_shim *shim, int fds[2], int flags)
{
        int saved = errno;
        int result = fl_pipe2(shim, fds, flags);

        fl_keep_errno_unless_failed(result, saved);
        return result;
}

FL_EXPORT int pipe(int fds[2])
{
        struct fl_shim *shim = fl_process();

        if (!fl_scope_all(shim))
                return fl_real_pipe()(fds);
        return scoped_pipe(shim, fds, 0);
}

FL_EXPORT int pipe2(int fds[2], int flags)
{
        struct fl_shim *shim = fl_process();
        int saved = errno, result;

        if (fl_scope_all(shim))
                return scoped_pipe(shim, fds, flags);
        if (shim->config.mode == FL_MODE_OFF || !flags)
                return fl_real_pipe2()(fds, flags);
        result = fl_pipe2_compat(shim, fds, flags);
        fl_keep_errno_unless_failed(result, saved);
        return result;
}
