/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/mm.h>: kvcalloc() and kvfree(), in slab.h. */
#ifndef _KCOMPAT_LINUX_MM_H
#define _KCOMPAT_LINUX_MM_H

#include <linux/slab.h>

#endif /* _KCOMPAT_LINUX_MM_H */
