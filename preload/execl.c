/* The list forms of exec, gathered into an argv on the stack (as glibc does) and passed to the
 * vector forms above, which hold the fork lock. */
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

#include "export.h"

extern char **environ;

static size_t count_args(const char *arg0, va_list ap)
{
        size_t count = 1;

        if (!arg0)
                return 0;
        while (va_arg(ap, const char *))
                count++;
        return count;
}

static void gather_args(char **argv, size_t count, const char *arg0, va_list ap)
{
        argv[0] = (char *)arg0;
        for (size_t i = 1; i < count; i++)
                argv[i] = va_arg(ap, char *);
        argv[count] = NULL;
}

FL_EXPORT int execl(const char *path, const char *arg0, ...)
{
        va_list ap;
        size_t count;

        va_start(ap, arg0);
        count = count_args(arg0, ap);
        va_end(ap);
        char *argv[count + 1];
        va_start(ap, arg0);
        gather_args(argv, count, arg0, ap);
        va_end(ap);
        return execve(path, argv, environ);
}

FL_EXPORT int execlp(const char *file, const char *arg0, ...)
{
        va_list ap;
        size_t count;

        va_start(ap, arg0);
        count = count_args(arg0, ap);
        va_end(ap);
        char *argv[count + 1];
        va_start(ap, arg0);
        gather_args(argv, count, arg0, ap);
        va_end(ap);
        return execvp(file, argv);
}

FL_EXPORT int execle(const char *path, const char *arg0, ...)
{
        va_list ap;
        size_t count;
        char **envp;

        va_start(ap, arg0);
        count = count_args(arg0, ap);
        va_end(ap);
        char *argv[count + 1];
        va_start(ap, arg0);
        gather_args(argv, count, arg0, ap);
        (void)va_arg(ap, char *); /* the NULL that ends the list */
        envp = va_arg(ap, char **);
        va_end(ap);
        return execve(path, argv, envp);
}
#include "export.h"
