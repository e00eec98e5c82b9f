/* The library exports only the functions it wraps (and the version script lists them); everything
 * else is built with -fvisibility=hidden. */
#ifndef FL_EXPORT_H
#define FL_EXPORT_H

#define FL_EXPORT __attribute__((visibility("default")))

#endif
