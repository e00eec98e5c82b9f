#include "fix_scope.h"

#include "fdinfo.h"

#include <stdlib.h>
#include <string.h>

enum fl_scope fix_scope_needed(int kind, bool created)
{
        bool socket = kind == FL_KIND_TCP || kind == FL_KIND_UDP || kind == FL_KIND_UNIX ||
                      kind == FL_KIND_SOCKET;

        return socket && created ? FL_SCOPE_SOCKETS : FL_SCOPE_ALL;
}

const char *fix_scope_hint(enum fl_scope needed, enum fl_scope current)
{
        if (needed == FL_SCOPE_SOCKETS)
                return "the default scope closes this";
        return current == FL_SCOPE_ALL ? "the current scope (all) closes this"
                                       : "--scope=all closes this";
}

enum fl_scope fix_scope_current(const char *option)
{
        const char *scope = option ? option : getenv("FORKLOCK_SCOPE");

        return scope && strcmp(scope, "all") == 0 ? FL_SCOPE_ALL : FL_SCOPE_SOCKETS;
}
