/* Joining a complete ring reads its header with the kernel's pread, not libc's: libc's sits on a
 * text page nothing else at a program's start runs, one more page fault in half the new images.
 * This suite defines pread() itself, so the shim linked into it calls this one, which counts the
 * calls and passes them on. */
#include <criterion/criterion.h>

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fltest.h"
#include "record.h"
#include "ring.h"

static int libc_preads;

ssize_t pread(int fd, void *buf, size_t len, off_t offset)
{
        static ssize_t (*libc_pread)(int, void *, size_t, off_t);

        __atomic_fetch_add(&libc_preads, 1, __ATOMIC_RELAXED);
        if (!libc_pread)
                libc_pread = (ssize_t(*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread");
        return libc_pread(fd, buf, len, offset);
}

static const char *dir;

static void setup(void)
{
        dir = fl_scratch_dir("ringjoin");
        cr_assert_not_null(dir);
}

static void teardown(void)
{
        fl_remove_dir(dir);
}

TestSuite(ring_join_calls, .init = setup, .fini = teardown);

Test(ring_join_calls, joining_a_complete_ring_calls_no_libc_pread)
{
        struct fl_ring creator, joiner;
        struct fl_record record;
        char path[128];

        snprintf(path, sizeof(path), "%s/ring", dir);
        cr_assert_eq(fl_ring_open_file(&creator, path, 64), 0);
        libc_preads = 0;
        cr_assert_eq(fl_ring_open_file(&joiner, path, 64), 0);
        cr_expect_eq(libc_preads, 0, "the join called libc's pread %d times", libc_preads);
        memset(&record, 0, sizeof(record));
        record.call = FL_CALL_SOCKET;
        cr_assert_neq(fl_ring_append(&joiner, &record), 0, "the joined ring takes records");
        fl_ring_close(&joiner);
        fl_ring_close(&creator);
}
