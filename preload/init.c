/* The constructor: reads the environment once and sets up the shim. Calls that arrive before it
 * (from other libraries' constructors) run it themselves. */
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/auxv.h>

#include "atfork.h"
#include "audit.h"
#include "audit_env.h"
#include "forklock.h"
#include "ids.h"
#include "inherit.h"
#include "process.h"
#include "real.h"
#include "recorder.h"

enum { NOT_STARTED, STARTING, READY };

extern char **environ;

static struct fl_shim process = {
    .config = {.mode = FL_MODE_ENFORCE, .profile = FL_PROFILE_CLOEXEC},
    .sys = &fl_real_sys,
};
static _Atomic int state = NOT_STARTED;
static __thread int starting_here;

static void read_environment(void)
{
        struct fl_config_text text = {
            .mode = getenv("FORKLOCK_MODE"),
            .profile = getenv("FORKLOCK_PROFILE"),
            .simulate = getenv("FORKLOCK_SIMULATE"),
            .no_lock = getenv("FORKLOCK_NO_LOCK"),
        };
        bool secure = getauxval(AT_SECURE) != 0;

        fl_config_parse(&process.config, &text);
        fl_forklock_disable(process.config.no_lock);
        if (process.config.mode == FL_MODE_OFF)
                return;
        fl_ids_start();
        fl_image_install_atfork();
        fl_recorder_start(&process, secure ? NULL : getenv("FORKLOCK_LOG"),
                          getenv("FORKLOCK_RING"));
        fl_inherit_warn_if_invalid(getenv("FORKLOCK_INHERIT"));
        /* Every new image carries the library on through exec (the audit runs in the
         * constructor below). */
        if (!secure)
                fl_audit_env_save(environ);
}

static void start(void)
{
        int expected = NOT_STARTED;

        if (!atomic_compare_exchange_strong(&state, &expected, STARTING)) {
                /* Another thread is reading the environment; a signal handler interrupting the
                 * starting thread itself goes on with the defaults rather than wait for itself. */
                while (!starting_here && atomic_load(&state) != READY)
                        ;
                return;
        }
        starting_here = 1;
        fl_real_resolve_all();
        read_environment();
        starting_here = 0;
        atomic_store(&state, READY);
}

struct fl_shim *fl_process(void)
{
        if (__builtin_expect(atomic_load_explicit(&state, memory_order_acquire) != READY, 0))
                start();
        return &process;
}

/* The audit of inherited fds runs here, not in a lazy start: a start from inside another
 * library's constructor (libcap's fclose, in systemd's tools) would see that library's own fds. */
__attribute__((constructor)) static void forklock_constructor(void)
{
        start();
        if (process.config.mode != FL_MODE_OFF)
                fl_audit_start(&process, fl_recorder_ring(), environ,
                               (const char *)getauxval(AT_EXECFN));
}
