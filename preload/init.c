/* The constructor: reads the environment once and sets up the shim. Calls that arrive before it
 * (from other libraries' constructors) run it themselves. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "hot.h"
#include "errno_fast.h"
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

/* This and the fork lock's and pid cache's state after it in .data (fork_data.h), under 300 bytes,
 * are what both sides of a fork write: starting on a 512-byte boundary they never straddle two
 * pages, wherever the code before them happens to end (test_fork_pages). */
static struct fl_shim process __attribute__((aligned(512))) = {
    .config = {.mode = FL_MODE_ENFORCE, .profile = FL_PROFILE_CLOEXEC},
    .sys = &fl_real_sys,
    .note_ino = fl_audit_note_ino,
};
static _Atomic int state = NOT_STARTED;
static __thread int starting_here;

/* The variables the library reads, found in one walk over environ with getenv's answer (the first
 * entry of each name): a dozen getenv calls would walk it a dozen times in every new image, and
 * getenv's text page is one more fault there. */
enum forklock_variable {
        VAR_MODE,
        VAR_PROFILE,
        VAR_SCOPE,
        VAR_SIMULATE,
        VAR_NO_LOCK,
        VAR_ONLY_CMDS,
        VAR_SKIP_CMDS,
        VAR_LOG,
        VAR_RING,
        VAR_INHERIT,
        VAR_LD_AUDIT,
        VAR_LD_DYNAMIC_WEAK,
        VAR_COUNT
};

static const char *const variable_names[VAR_COUNT] = {
    [VAR_MODE] = "FORKLOCK_MODE",
    [VAR_PROFILE] = "FORKLOCK_PROFILE",
    [VAR_SCOPE] = "FORKLOCK_SCOPE",
    [VAR_SIMULATE] = "FORKLOCK_SIMULATE",
    [VAR_NO_LOCK] = "FORKLOCK_NO_LOCK",
    [VAR_ONLY_CMDS] = "FORKLOCK_ONLY_CMDS",
    [VAR_SKIP_CMDS] = "FORKLOCK_SKIP_CMDS",
    [VAR_LOG] = "FORKLOCK_LOG",
    [VAR_RING] = "FORKLOCK_RING",
    [VAR_INHERIT] = "FORKLOCK_INHERIT",
    [VAR_LD_AUDIT] = "LD_AUDIT",
    [VAR_LD_DYNAMIC_WEAK] = "LD_DYNAMIC_WEAK",
};

static const char *value_after_name(const char *entry, const char *name)
{
        while (*name && *entry == *name) {
                entry++;
                name++;
        }
        return *name == '\0' && *entry == '=' ? entry + 1 : NULL;
}

static void find_variables(char *const *env, const char *value[VAR_COUNT])
{
        for (int v = 0; v < VAR_COUNT; v++)
                value[v] = NULL;
        for (; env && *env; env++) {
                if ((*env)[0] != 'F' && (*env)[0] != 'L')
                        continue;
                for (int v = 0; v < VAR_COUNT; v++) {
                        const char *found = value_after_name(*env, variable_names[v]);

                        if (found) {
                                if (!value[v])
                                        value[v] = found;
                                break;
                        }
                }
        }
}

static void read_environment(const char *const value[VAR_COUNT])
{
        /* Under secure execution (setuid, setgid, file capabilities) the environment comes from a
         * user the program does not trust: no paths, no old-kernel emulation, no ring size. The
         * test switch FORKLOCK_NO_LOCK exists only in the test build of the library. */
        bool secure = getauxval(AT_SECURE) != 0;
        struct fl_config_text text = {
            .mode = value[VAR_MODE],
            .profile = value[VAR_PROFILE],
            .scope = value[VAR_SCOPE],
            .simulate = secure ? NULL : value[VAR_SIMULATE],
#ifdef FL_TEST_BUILD
            .no_lock = value[VAR_NO_LOCK],
#endif
        };

        fl_config_parse(&process.config, &text);
#ifdef FL_TEST_BUILD
        fl_forklock_disable(process.config.no_lock);
#endif
        if (!fl_cmds_selected(value[VAR_ONLY_CMDS], value[VAR_SKIP_CMDS],
                              program_invocation_short_name))
                process.config.mode = FL_MODE_OFF;
        if (process.config.mode == FL_MODE_OFF)
                return;
        fl_ids_start();
        fl_image_install_atfork();
        fl_recorder_start(&process, secure ? NULL : fl_log_path_checked(value[VAR_LOG]),
                          secure ? NULL : value[VAR_RING]);
        fl_inherit_warn_if_invalid(value[VAR_INHERIT]);
        /* Every new image carries the library on through exec (the audit runs in the
         * constructor below). */
        if (!secure)
                fl_carry_save(environ);
}

static void start(void)
{
        const char *value[VAR_COUNT];
        int expected = NOT_STARTED;

        if (!atomic_compare_exchange_strong(&state, &expected, STARTING)) {
                /* Another thread is reading the environment; a signal handler interrupting the
                 * starting thread itself goes on with the defaults rather than wait for itself. */
                while (!starting_here && atomic_load(&state) != READY)
                        ;
                return;
        }
        starting_here = 1;
        fl_errno_fast_start();
        find_variables(environ, value);
        fl_real_start(value[VAR_LD_AUDIT] || value[VAR_LD_DYNAMIC_WEAK]);
        read_environment(value);
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
