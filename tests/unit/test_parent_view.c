/* The new image's lookup of what its parent said about the fds it left open: the latest group
 * that started this image wins, and finding it costs the distance to it, not the ring's size. */
#include <criterion/criterion.h>

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "audit.h"
#include "parent_view.h"
#include "ring.h"

#define CAPACITY 65536u
#define PARENT   500
#define SELF     600

static struct fl_parent_view view;

static void put(struct fl_ring *ring, int pid, int call, int aux, int fd, int fd2, uint64_t ino,
                int decision, int reason)
{
        struct fl_record r;

        memset(&r, 0, sizeof(r));
        r.pid = r.tid = pid;
        r.call = (uint16_t)call;
        r.aux = aux;
        r.fd = fd;
        r.fd2 = fd2;
        r.ino = ino;
        r.decision = (uint8_t)decision;
        r.flags_asked = (uint32_t)reason;
        fl_ring_append(ring, &r);
}

static void filler(struct fl_ring *ring, unsigned n)
{
        for (unsigned i = 0; i < n; i++)
                put(ring, 1000, FL_CALL_SOCKET, 0, (int)i, -1, i, FL_DEC_ATOMIC, 0);
}

/* A spawn by pid with fd 7 passed on purpose (FORKLOCK_INHERIT) and fd 8 left by mistake. */
static void group(struct fl_ring *ring, int pid, int how, uint64_t ino7)
{
        put(ring, pid, FL_CALL_INHERIT, FL_AUDIT_ARGV, -1, how, 0, FL_DEC_NONE, 0);
        put(ring, pid, FL_CALL_INHERIT, FL_AUDIT_PARENT, 7, -1, ino7, FL_DEC_PASSED,
            FL_PASS_INHERIT);
        put(ring, pid, FL_CALL_INHERIT, FL_AUDIT_PARENT, 8, -1, 100, FL_DEC_LEAK, 0);
}

/* Every slot page but those of the newest `keep` records: reading any other faults. */
static void guard_all_but_newest(struct fl_ring *ring, unsigned keep)
{
        uint64_t head = ring->hdr->head;
        long page = sysconf(_SC_PAGESIZE);

        cr_assert_eq(
            mprotect(ring->slots, (size_t)ring->capacity * sizeof(struct fl_record), PROT_NONE), 0);
        for (uint64_t seq = head - keep + 1; seq <= head; seq++) {
                uintptr_t at = (uintptr_t)&ring->slots[seq & ring->mask] & ~(uintptr_t)(page - 1);

                cr_assert_eq(mprotect((void *)at, (size_t)page, PROT_READ | PROT_WRITE), 0);
        }
}

Test(parent_view, spawn_group_near_the_head_of_a_full_ring_reads_only_the_head)
{
        struct fl_ring ring;

        cr_assert_eq(fl_ring_open_anonymous(&ring, CAPACITY), 0);
        filler(&ring, 3 * CAPACITY);
        group(&ring, PARENT, FL_CALL_POSIX_SPAWN, 99);
        filler(&ring, 100);
        guard_all_but_newest(&ring, 1024);
        fl_parent_view_read(&view, &ring, SELF, PARENT);
        cr_expect_eq(fl_parent_view_said(&view, 7, 99), FL_PASS_INHERIT);
        cr_expect_eq(fl_parent_view_said(&view, 8, 100), FL_PASS_NONE, "left by mistake");
        cr_expect_eq(fl_parent_view_said(&view, 7, 98), FL_PASS_NONE, "another file at fd 7");
}

Test(parent_view, the_latest_group_wins)
{
        struct fl_ring ring;

        cr_assert_eq(fl_ring_open_anonymous(&ring, CAPACITY), 0);
        group(&ring, PARENT, FL_CALL_POSIX_SPAWN, 41);
        filler(&ring, 5000);
        group(&ring, SELF, FL_CALL_EXEC, 42); /* this pid's exec: the image before this one */
        filler(&ring, 5000);
        fl_parent_view_read(&view, &ring, SELF, PARENT);
        cr_expect_eq(fl_parent_view_said(&view, 7, 42), FL_PASS_INHERIT);
        cr_expect_eq(fl_parent_view_said(&view, 7, 41), FL_PASS_NONE, "an older group's fd");
}

Test(parent_view, another_process_group_is_not_ours)
{
        struct fl_ring ring;

        cr_assert_eq(fl_ring_open_anonymous(&ring, CAPACITY), 0);
        group(&ring, PARENT, FL_CALL_POSIX_SPAWN, 41);
        group(&ring, 777, FL_CALL_POSIX_SPAWN, 42); /* a sibling's spawn, later */
        group(&ring, 778, FL_CALL_EXEC, 43);        /* another pid's exec */
        fl_parent_view_read(&view, &ring, SELF, PARENT);
        cr_expect_eq(fl_parent_view_said(&view, 7, 41), FL_PASS_INHERIT);
        cr_expect_eq(fl_parent_view_said(&view, 7, 42), FL_PASS_NONE);
}

Test(parent_view, no_group_says_nothing)
{
        struct fl_ring ring;

        cr_assert_eq(fl_ring_open_anonymous(&ring, CAPACITY), 0);
        filler(&ring, 2 * CAPACITY);
        fl_parent_view_read(&view, &ring, SELF, PARENT);
        cr_expect_eq(fl_parent_view_said(&view, 7, 99), FL_PASS_NONE);
}
