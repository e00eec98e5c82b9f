/* An LD_PRELOAD library that wraps nothing: the floor for what loading any preload costs (the
 * dynamic loader's extra search, relocation and mapping), against which forklock's start-up and
 * fork+exec costs are judged. The one symbol keeps the object non-empty. */
__attribute__((visibility("default"))) int forklock_bench_empty_preload;
