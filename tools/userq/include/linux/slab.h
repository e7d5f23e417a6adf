/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/slab.h> (and kvmalloc's): malloc and free. */
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

static inline void *kvcalloc(size_t n, size_t size, gfp_t flags)
{
	return calloc(n, size);
}

static inline void kvfree(const void *p)
{
	free((void *)p);
}

#endif /* _KCOMPAT_LINUX_SLAB_H */
