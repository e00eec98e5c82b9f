#ifndef FL_VFORK_H
#define FL_VFORK_H

#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define FL_VFORK_IN_ASSEMBLY 1
#else
#define FL_VFORK_IN_ASSEMBLY 0
#endif

#endif
