/* The one create-with-close-on-exec algorithm (shim/fd/cloexec.c) driven by a creating call of its
 * own: a pair of fds whose flags are spelled as memfd_create spells them (MFD_CLOEXEC is 1), so
 * that every branch is seen to follow the call's ops, not socket's constants. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "cloexec.h"
#include "fakesys.h"

#define PAIR_CLOEXEC  1
#define PAIR_NONBLOCK 2

static struct fl_shim shim;
static struct fl_record last;
static int records;
static struct {
        bool refuse_flags; /* the kernel answers flags with EINVAL, like an old one */
        int calls, last_flags;
        bool signals_blocked_in_call;
} pair_kernel;

static void capture(struct fl_record *record)
{
        last = *record;
        records++;
}

static bool all_signals_blocked(void)
{
        sigset_t mask;

        sigprocmask(SIG_BLOCK, NULL, &mask);
        return sigismember(&mask, SIGUSR1) && sigismember(&mask, SIGTERM);
}

static int make_pair(const struct fl_shim *s, const struct fl_creation *c, int flags)
{
        int type = SOCK_STREAM | (flags & PAIR_CLOEXEC ? SOCK_CLOEXEC : 0) |
                   (flags & PAIR_NONBLOCK ? SOCK_NONBLOCK : 0);

        pair_kernel.calls++;
        pair_kernel.last_flags = flags;
        pair_kernel.signals_blocked_in_call = all_signals_blocked();
        if (pair_kernel.refuse_flags && flags) {
                errno = EINVAL;
                return -1;
        }
        return s->sys->socketpair(AF_UNIX, type, 0, c->pair);
}

static bool refused(const struct fl_shim *s, const struct fl_creation *c, int err)
{
        (void)s, (void)c;
        return err == EINVAL;
}

static void describe(const struct fl_creation *c, struct fl_record *record)
{
        record->fd = record->result < 0 ? -1 : c->pair[0];
        record->fd2 = record->result < 0 ? -1 : c->pair[1];
}

static const struct fl_creation_ops pair_ops = {
    .cloexec = PAIR_CLOEXEC,
    .nonblock = PAIR_NONBLOCK,
    .call = make_pair,
    .refused = refused,
    .describe = describe,
};

static atomic_bool pair_refused;
static int fds[2];

static int create(int flags)
{
        struct fl_creation c = {&pair_ops, &pair_refused, FL_CALL_SOCKETPAIR, flags, true,
                                fds,       NULL};

        return fl_create(&shim, &c);
}

static void setup(void)
{
        fl_fake_reset();
        memset(&shim, 0, sizeof(shim));
        memset(&pair_kernel, 0, sizeof(pair_kernel));
        shim.sys = &fl_fake_sys;
        shim.emit = capture;
        shim.config.mode = FL_MODE_ENFORCE;
        atomic_store(&pair_refused, false);
        records = 0;
}

TestSuite(cloexec, .init = setup);

Test(cloexec, atomic_path_passes_the_calls_own_flag)
{
        cr_assert_eq(create(0), 0);
        cr_assert_eq(pair_kernel.calls, 1);
        cr_assert_eq(pair_kernel.last_flags, PAIR_CLOEXEC);
        cr_assert(fl_fake.cloexec[fds[0]] && fl_fake.cloexec[fds[1]]);
        cr_assert_eq(fl_fake.setfd_calls, 0);
        cr_assert_eq(last.decision, FL_DEC_ATOMIC);
        cr_assert_eq(last.flags_applied, PAIR_CLOEXEC);
}

Test(cloexec, refusal_falls_back_under_the_lock_marks_both_and_is_remembered)
{
        pair_kernel.refuse_flags = true;
        cr_assert_eq(create(0), 0);
        cr_assert_eq(pair_kernel.calls, 2);
        cr_assert_eq(pair_kernel.last_flags, 0);
        cr_assert(pair_kernel.signals_blocked_in_call, "the plain call runs under the read side");
        cr_assert_not(all_signals_blocked(), "and the lock is given back");
        cr_assert(fl_fake.cloexec[fds[0]] && fl_fake.cloexec[fds[1]]);
        cr_assert_eq(last.decision, FL_DEC_FALLBACK);
        cr_assert(atomic_load(&pair_refused));

        cr_assert_eq(create(0), 0);
        cr_assert_eq(pair_kernel.calls, 3, "a remembered refusal goes straight to the fallback");
        cr_assert_eq(last.decision, FL_DEC_REMEMBERED_FALLBACK);
}

Test(cloexec, callers_nonblock_is_set_after_the_fallback_and_go_adds_none_unasked)
{
        shim.config.profile = FL_PROFILE_GO;
        pair_kernel.refuse_flags = true;
        cr_assert_eq(create(PAIR_NONBLOCK), 0);
        cr_assert_eq(pair_kernel.last_flags, 0, "the fallback strips both flags");
        cr_assert(fl_fake.nonblock[fds[0]] && fl_fake.nonblock[fds[1]]);

        cr_assert_eq(create(0), 0);
        cr_assert_not(fl_fake.nonblock[fds[0]], "go_adds_nonblock is false for this call");
}

Test(cloexec, simulated_refusal_never_reaches_the_kernel_with_the_flag)
{
        shim.config.simulate_einval = true;
        cr_assert_eq(create(0), 0);
        cr_assert_eq(pair_kernel.calls, 1);
        cr_assert_eq(pair_kernel.last_flags, 0);
        cr_assert(fl_fake.cloexec[fds[0]] && fl_fake.cloexec[fds[1]]);
        cr_assert_eq(last.decision, FL_DEC_FALLBACK);
}

Test(cloexec, failed_marking_closes_both_and_fails_with_the_marking_errno)
{
        pair_kernel.refuse_flags = true;
        fl_fake.setfd_errno = EBADF;
        cr_assert_eq(create(0), -1);
        cr_assert_eq(errno, EBADF);
        cr_assert_eq(fl_fake_open_count(), 0);
        cr_assert_eq(last.decision, FL_DEC_ERROR);
        cr_assert_not(atomic_load(&pair_refused), "a failed fallback is not remembered");
}

Test(cloexec, audit_calls_as_asked_and_off_records_nothing)
{
        shim.config.mode = FL_MODE_AUDIT;
        cr_assert_eq(create(0), 0);
        cr_assert_eq(pair_kernel.last_flags, 0);
        cr_assert_eq(last.decision, FL_DEC_AUDIT_WOULD_CHANGE);
        shim.config.mode = FL_MODE_OFF;
        cr_assert_eq(create(0), 0);
        cr_assert_eq(records, 1);
}
