/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/cache.h>. See kcompat.h. */
#ifndef _KCOMPAT_LINUX_CACHE_H
#define _KCOMPAT_LINUX_CACHE_H

#include <kcompat.h>

#ifndef __aligned
#define __aligned(x)	__attribute__((__aligned__(x)))
#endif

#define SMP_CACHE_BYTES	64	/* x86-64 */
#define ____cacheline_aligned_in_smp __aligned(SMP_CACHE_BYTES)

#endif /* _KCOMPAT_LINUX_CACHE_H */
