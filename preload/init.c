/* The constructor: reads the environment once and sets up the shim. Calls that arrive before it
 * (from other libraries' constructors) run it themselves. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/auxv.h>

#include "hot.h"
#include "atfork.h"
#include "audit.h"
#include "carry.h"
#include "cmds.h"
#include "forklock.h"
#include "ids.h"
#include "inherit.h"
#include "log_path.h"
#include "process.h"
#include "real.h"
#include "recorder.h"

enum { NOT_STARTED, STARTING, READY };

extern char **environ;

static struct fl_shim process = {
    .config = {.mode = FL_MODE_ENFORCE, .profile = FL_PROFILE_CLOEXEC},
    .sys = &fl_real_sys,
    .note_ino = fl_audit_note_ino,
};
static _Atomic int state = NOT_STARTED;
static __thread int starting_here;

static void read_environment(void)
{
        /* Under secure execution (setuid, setgid, file capabilities) the environment comes from a
         * user the program does not trust: no paths, no old-kernel emulation, no ring size. The
         * test switch FORKLOCK_NO_LOCK exists only in the test build of the library. */
        bool secure = getauxval(AT_SECURE) != 0;
        struct fl_config_text text = {
            .mode = getenv("FORKLOCK_MODE"),
            .profile = getenv("FORKLOCK_PROFILE"),
            .scope = getenv("FORKLOCK_SCOPE"),
            .simulate = secure ? NULL : getenv("FORKLOCK_SIMULATE"),
#ifdef FL_TEST_BUILD
            .no_lock = getenv("FORKLOCK_NO_LOCK"),
#endif
        };

        fl_config_parse(&process.config, &text);
#ifdef FL_TEST_BUILD
        fl_forklock_disable(process.config.no_lock);
#endif
        if (!fl_cmds_selected(getenv("FORKLOCK_ONLY_CMDS"), getenv("FORKLOCK_SKIP_CMDS"),
                              program_invocation_short_name))
                process.config.mode = FL_MODE_OFF;
        if (process.config.mode == FL_MODE_OFF)
                return;
        fl_ids_start();
        fl_image_install_atfork();
        fl_recorder_start(&process, secure ? NULL : fl_log_path_checked(getenv("FORKLOCK_LOG")),
                          secure ? NULL : getenv("FORKLOCK_RING"));
        fl_inherit_warn_if_invalid(getenv("FORKLOCK_INHERIT"));
        /* Every new image carries the library on through exec (the audit runs in the
         * constructor below). */
        if (!secure)
                fl_carry_save(environ);
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

FL_HOT struct fl_shim *fl_process(void)
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
