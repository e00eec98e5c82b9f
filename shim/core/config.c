#include "config.h"

#include <string.h>

#include "warn.h"

static bool is_unset(const char *text)
{
        return text == NULL || text[0] == '\0';
}

static enum fl_mode parse_mode(const char *text)
{
        if (is_unset(text) || strcmp(text, "enforce") == 0)
                return FL_MODE_ENFORCE;
        if (strcmp(text, "audit") == 0)
                return FL_MODE_AUDIT;
        if (strcmp(text, "off") == 0)
                return FL_MODE_OFF;
        fl_warn("warning: FORKLOCK_MODE=", text, " is not enforce, audit or off; using enforce",
                NULL);
        return FL_MODE_ENFORCE;
}

static enum fl_profile parse_profile(const char *text)
{
        if (is_unset(text) || strcmp(text, "cloexec") == 0)
                return FL_PROFILE_CLOEXEC;
        if (strcmp(text, "go") == 0)
                return FL_PROFILE_GO;
        fl_warn("warning: FORKLOCK_PROFILE=", text, " is not cloexec or go; using cloexec", NULL);
        return FL_PROFILE_CLOEXEC;
}

static enum fl_scope parse_scope(const char *text)
{
        if (is_unset(text) || strcmp(text, "sockets") == 0)
                return FL_SCOPE_SOCKETS;
        if (strcmp(text, "all") == 0)
                return FL_SCOPE_ALL;
        fl_warn("warning: FORKLOCK_SCOPE=", text, " is not sockets or all; using sockets", NULL);
        return FL_SCOPE_SOCKETS;
}

static bool parse_simulate(const char *text)
{
        if (is_unset(text))
                return false;
        if (strcmp(text, "einval") == 0)
                return true;
        fl_warn("warning: FORKLOCK_SIMULATE=", text, " is not einval; simulating nothing", NULL);
        return false;
}

#ifdef FL_TEST_BUILD
static bool parse_no_lock(const char *text)
{
        if (is_unset(text) || strcmp(text, "0") == 0)
                return false;
        if (strcmp(text, "1") == 0)
                return true;
        fl_warn("warning: FORKLOCK_NO_LOCK=", text, " is not 0 or 1; keeping the fork lock", NULL);
        return false;
}
#else
/* The installed library has no way to turn the fork lock off. */
static bool parse_no_lock(const char *text)
{
        (void)text;
        return false;
}
#endif

void fl_config_parse(struct fl_config *config, const struct fl_config_text *text)
{
        config->mode = parse_mode(text->mode);
        config->profile = parse_profile(text->profile);
        config->scope = parse_scope(text->scope);
        config->simulate_einval = parse_simulate(text->simulate);
        config->no_lock = parse_no_lock(text->no_lock);
}

const char *fl_mode_name(enum fl_mode mode)
{
        static const char *const names[] = {"enforce", "audit", "off"};
        return names[mode];
}

const char *fl_profile_name(enum fl_profile profile)
{
        return profile == FL_PROFILE_GO ? "go" : "cloexec";
}

const char *fl_scope_name(enum fl_scope scope)
{
        return scope == FL_SCOPE_ALL ? "all" : "sockets";
}
