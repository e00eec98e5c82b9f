/* The topmost-image test of warn_speak: does a maps file name a file of our name? */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "warn_speak.h"

static int maps_fd(const char *text)
{
        FILE *f = tmpfile();

        cr_assert(f);
        fputs(text, f);
        fflush(f);
        rewind(f);
        return dup(fileno(f));
}

Test(warn_speak, finds_the_library_by_file_name)
{
        int fd = maps_fd("55d0-55d1 r--p 00000000 08:01 1 /usr/bin/sh\n"
                         "7f00-7f01 r-xp 00000000 08:01 2 /usr/lib/forklock/libforklock.so\n");

        cr_expect(fl_maps_has_file(fd, "libforklock.so"));
        close(fd);
}

Test(warn_speak, other_names_do_not_count)
{
        int fd = maps_fd("7f00-7f01 r-xp 00000000 08:01 2 /usr/lib/libforklock.so.bak\n"
                         "7f02-7f03 r-xp 00000000 08:01 3 /usr/lib/notlibforklock.so\n"
                         "7f04-7f05 rw-p 00000000 00:00 0 \n");

        cr_expect(!fl_maps_has_file(fd, "libforklock.so"));
        close(fd);
}

/* A line longer than the reader's buffer must not hide the lines after it, nor match by its tail
 * being taken for a line of its own. */
Test(warn_speak, long_lines_are_skipped_not_misread)
{
        static char text[20000];
        size_t n = 0;

        n += (size_t)sprintf(text + n, "7f00-7f01 r--p 00000000 08:01 2 /");
        memset(text + n, 'a', 9000);
        n += 9000;
        n += (size_t)sprintf(text + n, "\n7f06-7f07 r-xp 00000000 08:01 4 /lib/libforklock.so");
        int fd = maps_fd(text);

        cr_expect(fl_maps_has_file(fd, "libforklock.so"), "the last line, without a newline");
        close(fd);
}
