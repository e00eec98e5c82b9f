/* The one bounded text builder, decimal formatter and errno namer (shim/util/msg.c) that the
 * warnings, the ring, address text, fd descriptions and the tools share. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "msg.h"

Test(msg, appends_and_stays_terminated)
{
        char buf[16];
        struct fl_msg m = {buf, sizeof(buf), 0};

        fl_msg_str(&m, "fd ");
        fl_msg_num(&m, 42);
        cr_assert_str_eq(buf, "fd 42");
        cr_assert_eq(m.used, 5);
}

Test(msg, cuts_at_the_buffer_and_never_overruns_it)
{
        char buf[9];
        struct fl_msg m = {buf, 8, 0};

        buf[8] = 'X';
        fl_msg_str(&m, "0123456789");
        fl_msg_num(&m, 7);
        cr_assert_str_eq(buf, "0123456");
        cr_assert_eq(m.used, 7);
        cr_assert_eq(buf[8], 'X');
}

Test(msg, bytes_copies_exactly_n_including_nul)
{
        char buf[8];
        struct fl_msg m = {buf, sizeof(buf), 0};

        fl_msg_bytes(&m, "a\0bcdef", 3);
        cr_assert_eq(m.used, 3);
        cr_assert_eq(memcmp(buf, "a\0b\0", 4), 0);
}

Test(msg, zero_length_buffer_is_left_alone)
{
        char byte = 'X';
        struct fl_msg m = {&byte, 0, 0};

        fl_msg_str(&m, "text");
        cr_assert_eq(m.used, 0);
        cr_assert_eq(byte, 'X');
}

Test(msg, utoa_covers_zero_and_the_largest_value)
{
        char num[FL_NUM_TEXT];

        cr_assert_str_eq(fl_utoa(0, num), "0");
        cr_assert_str_eq(fl_utoa(UINT64_MAX, num), "18446744073709551615");
}

Test(msg, errno_names_or_numbers)
{
        char num[FL_NUM_TEXT];

        cr_assert_str_eq(fl_errno_name(EINVAL, num), "EINVAL");
        cr_assert_str_eq(fl_errno_name(ENOSYS, num), "ENOSYS");
        cr_assert_str_eq(fl_errno_name(0, num), "0");
        cr_assert_str_eq(fl_errno_name(4095, num), "4095");
        cr_assert_str_eq(fl_errno_name(-5, num), "-5");
        cr_assert_str_eq(fl_errno_name(INT32_MIN, num), "-2147483648");
}
