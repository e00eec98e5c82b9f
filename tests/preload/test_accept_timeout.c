/* The fallback accept (FORKLOCK_SIMULATE=einval) waits as glibc's plain accept does: a blocking
 * listener's SO_RCVTIMEO ends the wait with EAGAIN, a non-blocking listener answers at once, and a
 * listener another thread makes non-blocking meanwhile still gets its connection. */
#include <criterion/criterion.h>
#include <string.h>

#include "fltest.h"

static void run_both(const char *how, struct fl_run *bare, struct fl_run *fallback)
{
        const char *argv[] = {fl_build_path("fixtures/accept_timeout"), how, NULL};
        const char *env[] = {"FORKLOCK_SIMULATE=einval", NULL};

        fl_run_program(bare, argv, NULL, false, NULL, 10);
        cr_assert_eq(bare->status, 0, "bare %s: %s", how, bare->err);
        fl_run_program(fallback, argv, env, true, NULL, 10);
        cr_assert_eq(fallback->status, 0, "%s under forklock: status %d (-1: hung)", how,
                     fallback->status);
}

static bool same_result(const char *a, const char *b)
{
        return strncmp(a, b, (size_t)(strstr(a, " ms=") - a)) == 0;
}

Test(accept_timeout, so_rcvtimeo_gives_eagain_after_the_timeout, .timeout = 30)
{
        struct fl_run bare, fallback;
        long ms;

        run_both("rcvtimeo", &bare, &fallback);
        cr_assert(strstr(bare.out, "result=-1 errno=EAGAIN"), "%s", bare.out);
        cr_expect(same_result(bare.out, fallback.out), "bare %s forklock %s", bare.out,
                  fallback.out);
        ms = fl_field(fallback.out, "ms");
        cr_expect(ms >= 280 && ms < 1500, "waited %ld ms", ms);
}

Test(accept_timeout, non_blocking_listener_answers_at_once, .timeout = 30)
{
        struct fl_run bare, fallback;

        run_both("nonblock", &bare, &fallback);
        cr_assert(strstr(bare.out, "result=-1 errno=EAGAIN"), "%s", bare.out);
        cr_expect(same_result(bare.out, fallback.out), "bare %s forklock %s", bare.out,
                  fallback.out);
        cr_expect_lt(fl_field(fallback.out, "ms"), 100);
}

Test(accept_timeout, made_non_blocking_meanwhile_still_accepts, .timeout = 30)
{
        struct fl_run bare, fallback;

        run_both("flipped", &bare, &fallback);
        cr_assert(strstr(bare.out, "result=fd errno=0"), "%s", bare.out);
        cr_expect(same_result(bare.out, fallback.out), "bare %s forklock %s", bare.out,
                  fallback.out);
}
