/* The environment's words, parsed: FORKLOCK_SCOPE picks which fds forklock makes close-on-exec. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "config.h"

static struct fl_config parse_scope(const char *scope)
{
        struct fl_config config;
        struct fl_config_text text = {.scope = scope};

        fl_config_parse(&config, &text);
        return config;
}

Test(config, scope_defaults_to_sockets)
{
        cr_expect_eq(parse_scope(NULL).scope, FL_SCOPE_SOCKETS);
        cr_expect_eq(parse_scope("").scope, FL_SCOPE_SOCKETS);
        cr_expect_eq(parse_scope("sockets").scope, FL_SCOPE_SOCKETS);
}

Test(config, scope_all)
{
        cr_expect_eq(parse_scope("all").scope, FL_SCOPE_ALL);
        cr_expect_str_eq(fl_scope_name(FL_SCOPE_ALL), "all");
        cr_expect_str_eq(fl_scope_name(FL_SCOPE_SOCKETS), "sockets");
}

Test(config, bad_scope_is_the_default, .init = cr_redirect_stderr)
{
        cr_expect_eq(parse_scope("everything").scope, FL_SCOPE_SOCKETS);
        cr_expect_eq(parse_scope("ALL").scope, FL_SCOPE_SOCKETS);
}
