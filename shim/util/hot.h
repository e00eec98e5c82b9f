/* FL_HOT: the code that runs after the kernel returns from a wrapped socket() and before close()
 * enters it again. The kernel's work in between evicts the instruction cache, so that code runs
 * at the speed of the lines and pages it touches: marked hot, GCC places it in .text.hot, two
 * pages of neighbouring functions instead of lines scattered over twenty pages (-15 ns per
 * socket()+close(), tests/bench/paired.c). Only for that path: every function marked makes the
 * group bigger. */
#ifndef FL_HOT_H
#define FL_HOT_H

#define FL_HOT __attribute__((hot))

#endif
