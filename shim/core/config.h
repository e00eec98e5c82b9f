/* What the environment asked for, parsed once. The shim never calls getenv: preload/ hands it the
 * strings. */
#ifndef FL_CONFIG_H
#define FL_CONFIG_H

#include <stdbool.h>

enum fl_mode { FL_MODE_ENFORCE, FL_MODE_AUDIT, FL_MODE_OFF };
enum fl_profile { FL_PROFILE_CLOEXEC, FL_PROFILE_GO };
/* Which fds forklock makes close-on-exec: sockets (the default) or every kind (Go's whole model).
 */
enum fl_scope { FL_SCOPE_SOCKETS, FL_SCOPE_ALL };

struct fl_config {
        enum fl_mode mode;
        enum fl_profile profile;
        enum fl_scope scope;
        bool simulate_einval; /* the atomic attempt fails without reaching the kernel */
        bool no_lock;         /* FORKLOCK_NO_LOCK, read only by the test build (FL_TEST_BUILD) */
};

struct fl_config_text {
        const char *mode;
        const char *profile;
        const char *scope;
        const char *simulate;
        const char *no_lock;
};

/* Bad values give one warning line each and the default. */
void fl_config_parse(struct fl_config *config, const struct fl_config_text *text);

const char *fl_mode_name(enum fl_mode mode);
const char *fl_profile_name(enum fl_profile profile);
const char *fl_scope_name(enum fl_scope scope);

#endif
