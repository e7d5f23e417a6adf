/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/slab.h>: malloc and free. See kcompat.h. */
#ifndef _KCOMPAT_LINUX_SLAB_H
#define _KCOMPAT_LINUX_SLAB_H

#include <linux/gfp.h>

static inline void *kmalloc(size_t size, gfp_t flags)
{
	return malloc(size);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

#endif /* _KCOMPAT_LINUX_SLAB_H */
