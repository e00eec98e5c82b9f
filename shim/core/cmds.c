#include "cmds.h"

#include <string.h>

static bool listed(const char *list, const char *name)
{
        size_t len = strlen(name);

        for (const char *item = list; item;) {
                const char *comma = strchr(item, ',');
                size_t n = comma ? (size_t)(comma - item) : strlen(item);

                if (n == len && len && memcmp(item, name, len) == 0)
                        return true;
                item = comma ? comma + 1 : NULL;
        }
        return false;
}

bool fl_cmds_selected(const char *only, const char *skip, const char *name)
{
        if (!name)
                name = "";
        if (only && only[0] && !listed(only, name))
                return false;
        return !(skip && listed(skip, name));
}
