#ifndef FL_VFORK_H
#define FL_VFORK_H

#if (defined(__x86_64__) || defined(__i386__)) && !defined(__SANITIZE_ADDRESS__) &&                \
    !defined(__SANITIZE_THREAD__)
#define FL_VFORK_IN_ASSEMBLY 1
#else
#define FL_VFORK_IN_ASSEMBLY 0
#endif

/* One frame per vfork in progress on a thread, so that a signal handler's vfork (nested in the one
 * it interrupted) has its own. The assembly keeps these two words at these offsets. */
#define FL_VFORK_FRAME_RETURN 0
#define FL_VFORK_FRAME_RBX    __SIZEOF_POINTER__       /* rbx, or ebx on i386 */
#define FL_VFORK_FRAME_REAL   (2 * __SIZEOF_POINTER__) /* i386: the vfork to call */
/* Deeper than this (signal handlers nesting vfork eight deep, or handlers that longjmp out of an
 * interrupted vfork, leaving frames behind), vfork is glibc's own: no lock, no record. */
#define FL_VFORK_DEPTH 8

#endif
