/* SPDX-License-Identifier: GPL-2.0 */
/* chardev: the /dev/mkipc misc device and its ioctls (chardev.c). */
#ifndef _MKIPC_CHARDEV_H
#define _MKIPC_CHARDEV_H

int mkipc_chardev_init(void);
void mkipc_chardev_uninit(void);

#endif /* _MKIPC_CHARDEV_H */
