#include "cloexec.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "hot.h"
#include "forklock.h"
#include "stdfds.h"
#include "fdcalls.h"

static int mark_cloexec(const struct fl_sys *sys, int fd)
{
        return sys->fcntl_int(fd, F_SETFD, FD_CLOEXEC);
}

static int set_nonblock(const struct fl_sys *sys, int fd)
{
        int flags = sys->fcntl_int(fd, F_GETFL, 0);

        if (flags < 0)
                return -1;
        if (flags & O_NONBLOCK)
                return 0;
        return sys->fcntl_int(fd, F_SETFL, flags | O_NONBLOCK);
}

static void close_created(const struct fl_shim *shim, const struct fl_creation *c, int result)
{
        int saved = errno;

        for (int i = 0; i < fl_creation_count(c); i++)
                shim->sys->close(fl_creation_fd(c, result, i));
        errno = saved;
}

static int apply_to_created(const struct fl_shim *shim, const struct fl_creation *c, int result,
                            int (*apply)(const struct fl_sys *, int))
{
        for (int i = 0; i < fl_creation_count(c); i++)
                if (apply(shim->sys, fl_creation_fd(c, result, i)) < 0)
                        return -1;
        return 0;
}

int fl_cloexec_marked(const struct fl_shim *shim, const struct fl_creation *c,
                      int (*make)(const struct fl_shim *shim, const struct fl_creation *c))
{
        struct fl_lock_token token;
        int result;

        fl_forklock_read_lock(&token);
        result = make(shim, c);
        if (result >= 0 && apply_to_created(shim, c, result, mark_cloexec) < 0) {
                close_created(shim, c, result);
                result = -1;
        }
        fl_forklock_read_unlock(&token);
        return result;
}

static int call_without_flags(const struct fl_shim *shim, const struct fl_creation *c)
{
        return c->ops->call(shim, c, c->flags & ~(c->ops->cloexec | c->ops->nonblock));
}

/* O_NONBLOCK is set outside the lock, as Go's sysSocket does: only close-on-exec races a fork. */
__attribute__((noinline, cold)) static int fallback(const struct fl_shim *shim,
                                                    const struct fl_creation *c, int wanted)
{
        int result = c->ops->fallback ? c->ops->fallback(shim, c)
                                      : fl_cloexec_marked(shim, c, call_without_flags);

        if (result < 0 || !(wanted & c->ops->nonblock))
                return result;
        if (apply_to_created(shim, c, result, set_nonblock) < 0) {
                close_created(shim, c, result);
                return -1;
        }
        return result;
}

int fl_cloexec_refused(const struct fl_shim *shim, const struct fl_creation *c, int wanted,
                       bool remembered, enum fl_decision *decision)
{
        int result;

        *decision = remembered ? FL_DEC_REMEMBERED_FALLBACK : FL_DEC_FALLBACK;
        result = fallback(shim, c, wanted);
        if (result >= 0 && !remembered)
                atomic_store(c->refusal, true);
        return result;
}

int fl_cloexec_call(const struct fl_shim *shim, const struct fl_creation *c, int wanted,
                    enum fl_decision *decision)
{
        bool remembered = atomic_load_explicit(c->refusal, memory_order_relaxed);
        int result;

        *decision = FL_DEC_ATOMIC;
        if (!remembered && !shim->config.simulate_einval) {
                result = c->ops->call(shim, c, wanted);
                if (result >= 0 || !c->ops->refused(shim, c, errno))
                        return result;
        }
        return fl_cloexec_refused(shim, c, wanted, remembered, decision);
}

/* Which created fds are standard streams left inheritable: bit i for the i-th fd. */
static FL_HOT unsigned keep_stdfds(const struct fl_shim *shim, const struct fl_creation *c,
                                   int applied, int result)
{
        bool asked = c->flags & c->ops->cloexec;
        bool added_nonblock = (applied & ~c->flags) & c->ops->nonblock;
        unsigned kept = 0;

        if (result < 0)
                return 0;
        for (int i = 0; i < fl_creation_count(c); i++)
                if (fl_stdfd_intent(shim, fl_creation_fd(c, result, i), asked, added_nonblock))
                        kept |= 1u << i;
        return kept;
}

FL_HOT int fl_create_finish(struct fl_shim *shim, const struct fl_creation *c, int applied,
                            int result, enum fl_decision decision)
{
        struct fl_record record;
        unsigned stdfds;
        int saved;

        if (result < 0 && !fl_failure_is_forklocks(decision))
                return result;
        saved = errno;
        stdfds = keep_stdfds(shim, c, applied, result);
        if (stdfds)
                decision = FL_DEC_INTENT;
        if (stdfds == (1u << fl_creation_count(c)) - 1)
                applied &= ~c->ops->cloexec;
        memset(&record, 0, sizeof(record));
        record.call = (uint16_t)c->call;
        record.flags_asked = (uint32_t)c->flags;
        record.flags_applied = (uint32_t)applied;
        record.result = result;
        record.err = result < 0 ? saved : 0;
        c->ops->describe(c, &record);
        fl_fdcall_created(shim, &record,
                          fl_shim_decide(shim, &record, result < 0 ? FL_DEC_ERROR : decision));
        for (int i = 0; i < fl_creation_count(c); i++)
                if (stdfds & (1u << i))
                        fl_stdfd_note(fl_creation_fd(c, result, i));
        errno = saved;
        return result;
}

static int create_unchanged(struct fl_shim *shim, const struct fl_creation *c)
{
        int result = c->ops->call(shim, c, c->flags);
        bool would_change = result >= 0 && !(c->flags & c->ops->cloexec);

        return fl_create_finish(shim, c, c->flags, result,
                                would_change ? FL_DEC_AUDIT_WOULD_CHANGE : FL_DEC_PASSTHROUGH);
}

static int create_cloexec(struct fl_shim *shim, const struct fl_creation *c)
{
        bool go = shim->config.profile == FL_PROFILE_GO;
        int wanted =
            c->flags | c->ops->cloexec | (go && c->ops->go_adds_nonblock ? c->ops->nonblock : 0);
        enum fl_decision decision;
        int result = fl_cloexec_call(shim, c, wanted, &decision);

        return fl_create_finish(shim, c, wanted, result, decision);
}

int fl_create(struct fl_shim *shim, const struct fl_creation *c)
{
        switch (shim->config.mode) {
        case FL_MODE_OFF:
                return c->ops->call(shim, c, c->flags);
        case FL_MODE_AUDIT:
                return create_unchanged(shim, c);
        case FL_MODE_ENFORCE:
                break;
        }
        return create_cloexec(shim, c);
}
