/* forklock's own pthread_atfork handlers (preload/image.c). */
#ifndef FL_ATFORK_H
#define FL_ATFORK_H

void fl_image_install_atfork(void);

#endif
