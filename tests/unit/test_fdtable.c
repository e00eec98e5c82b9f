/* The per-fd table: bounds, clearing, verification by inode, and concurrent writers and readers
 * never producing a torn entry. */
#include <criterion/criterion.h>
#include <pthread.h>

#include "surface_fake.h"

static struct fl_fd_info make(uint64_t seq, int16_t family)
{
        struct fl_fd_info info;

        memset(&info, 0, sizeof(info));
        info.seq = seq;
        info.call = FL_CALL_SOCKET;
        info.family = family;
        return info;
}

Test(fdtable, set_get_clear)
{
        struct fl_fd_info in = make(7, AF_INET), out;

        fl_fdtable_reset();
        cr_expect_not(fl_fdtable_get(5, &out));
        fl_fdtable_set(5, &in);
        cr_assert(fl_fdtable_get(5, &out));
        cr_expect_eq(out.seq, 7);
        cr_expect(out.flags & FL_FD_VALID);
        fl_fdtable_clear(5);
        cr_expect_not(fl_fdtable_get(5, &out));
        cr_expect_eq(out.seq, 0, "a miss reads as zeros");
}

Test(fdtable, bounded_fds_out_of_range_are_untracked)
{
        struct fl_fd_info in = make(1, AF_INET), out;

        fl_fdtable_reset();
        fl_fdtable_set(-1, &in);
        fl_fdtable_set(FL_FDTABLE_SIZE, &in);
        fl_fdtable_set(1000000000, &in);
        cr_expect_not(fl_fdtable_get(-1, &out));
        cr_expect_not(fl_fdtable_get(FL_FDTABLE_SIZE, &out));
        cr_expect_not(fl_fdtable_get(1000000000, &out));
        fl_fdtable_set(FL_FDTABLE_SIZE - 1, &in);
        cr_expect(fl_fdtable_get(FL_FDTABLE_SIZE - 1, &out));
        fl_fdtable_clear_range(FL_FDTABLE_SIZE - 1, ~0U);
        cr_expect_not(fl_fdtable_get(FL_FDTABLE_SIZE - 1, &out));
}

static void bump(struct fl_fd_info *info, const void *arg)
{
        info->backlog += *(const int *)arg;
}

Test(fdtable, update_only_valid_entries)
{
        struct fl_fd_info in = make(1, AF_INET), out;
        int one = 1;

        fl_fdtable_reset();
        cr_expect_not(fl_fdtable_update(9, bump, &one));
        fl_fdtable_set(9, &in);
        cr_expect(fl_fdtable_update(9, bump, &one));
        cr_expect(fl_fdtable_update(9, bump, &one));
        fl_fdtable_get(9, &out);
        cr_expect_eq(out.backlog, 2);
}

Test(fdtable, verify_by_inode_catches_a_reused_number)
{
        struct fl_fd_info info;
        int fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fd = fl_socket(&shim, AF_INET, SOCK_STREAM, 0);
        cr_assert(fl_fdtable_verify(&fake_sys, fd, &info), "first use records the inode");
        cr_expect_eq(info.ino, fake.ino[fd]);
        cr_expect(fl_fdtable_verify(&fake_sys, fd, &info));
        /* Closed behind forklock's back (glibc's internal close), the number reused. */
        fake.open[fd] = false;
        cr_assert_eq(open_fake(), fd);
        cr_expect_not(fl_fdtable_verify(&fake_sys, fd, &info));
        cr_expect_not(fl_fdtable_get(fd, &info), "the stale entry is gone");
}

Test(fdtable, verify_clears_when_the_fd_is_gone)
{
        struct fl_fd_info info;
        int fd;

        setup_mode(FL_MODE_ENFORCE, FL_PROFILE_CLOEXEC);
        fd = fl_socket(&shim, AF_INET, SOCK_STREAM, 0);
        fake.open[fd] = false;
        cr_expect_not(fl_fdtable_verify(&fake_sys, fd, &info));
        cr_expect_not(fl_fdtable_get(fd, &info));
}

/* Writers store entries whose every field is derived from seq; readers must never see a mix. */
static _Atomic int stop;

static void *writer(void *arg)
{
        uint64_t seq = (uint64_t)(uintptr_t)arg;

        while (!stop) {
                struct fl_fd_info info = make(seq, (int16_t)(seq & 0x7fff));
                info.ino = seq * 3;
                info.backlog = (int32_t)seq;
                fl_fdtable_set(3, &info);
                seq += 2;
                if (seq % 64 == 0)
                        fl_fdtable_clear(3);
        }
        return NULL;
}

Test(fdtable, concurrent_writers_and_readers_see_whole_entries)
{
        pthread_t threads[2];
        long seen = 0;

        fl_fdtable_reset();
        stop = 0;
        pthread_create(&threads[0], NULL, writer, (void *)1);
        pthread_create(&threads[1], NULL, writer, (void *)2);
        for (int i = 0; i < 2000000; i++) {
                struct fl_fd_info info;
                if (!fl_fdtable_get(3, &info))
                        continue;
                seen++;
                cr_assert_eq(info.ino, info.seq * 3, "torn entry");
                cr_assert_eq(info.family, (int16_t)(info.seq & 0x7fff), "torn entry");
                cr_assert_eq(info.backlog, (int32_t)info.seq, "torn entry");
        }
        stop = 1;
        pthread_join(threads[0], NULL);
        pthread_join(threads[1], NULL);
        cr_expect_gt(seen, 0);
}
