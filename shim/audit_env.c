#include "audit_env.h"

#include <string.h>

#define SAVED_MAX  8
#define SAVED_TEXT 4096
#define ENVP_MAX   65536

static char text[SAVED_TEXT];
static char *saved[SAVED_MAX];
static size_t nsaved;

static bool carried(const char *entry)
{
        if (strncmp(entry, "LD_PRELOAD=", 11) == 0)
                return true;
        return strncmp(entry, "FORKLOCK_", 9) == 0 && strncmp(entry, "FORKLOCK_INHERIT=", 17) != 0;
}

void fl_audit_env_save(char *const envp[])
{
        size_t used = 0;

        for (size_t i = 0; envp && envp[i] && nsaved < SAVED_MAX; i++) {
                size_t len = strlen(envp[i]) + 1;

                if (!carried(envp[i]) || !strchr(envp[i], '=') || used + len > sizeof(text))
                        continue;
                memcpy(text + used, envp[i], len);
                saved[nsaved++] = text + used;
                used += len;
        }
}

static size_t name_len(const char *entry)
{
        const char *eq = strchr(entry, '=');

        return eq ? (size_t)(eq - entry) : strlen(entry);
}

static bool defines(char *const envp[], size_t count, const char *entry)
{
        size_t n = name_len(entry);

        for (size_t i = 0; i < count; i++)
                if (strncmp(envp[i], entry, n) == 0 && envp[i][n] == '=')
                        return true;
        return false;
}

static size_t count_of(char *const envp[])
{
        size_t n = 0;

        while (envp && envp[n] && n <= ENVP_MAX)
                n++;
        return n;
}

size_t fl_audit_env_room(char *const envp[])
{
        size_t n = count_of(envp), missing = 0;

        if (n > ENVP_MAX)
                return 0;
        for (size_t i = 0; i < nsaved; i++)
                missing += !defines(envp, n, saved[i]);
        return missing ? n + missing + 1 : 0;
}

char *const *fl_audit_env_complete(char *const envp[], char **room, size_t room_len)
{
        size_t n = count_of(envp), used;

        if (room_len == 0 || n + 1 > room_len)
                return envp;
        for (used = 0; used < n; used++)
                room[used] = envp[used];
        for (size_t i = 0; i < nsaved && used + 1 < room_len; i++)
                if (!defines(envp, n, saved[i]))
                        room[used++] = saved[i];
        room[used] = NULL;
        return room;
}

void fl_audit_env_reset(void)
{
        nsaved = 0;
}
