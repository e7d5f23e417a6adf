/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/types.h>: what lfqueue uses. See kcompat.h. */
#ifndef _KCOMPAT_LINUX_TYPES_H
#define _KCOMPAT_LINUX_TYPES_H

#include <kcompat.h>

typedef unsigned int gfp_t;
typedef uint32_t u32;
typedef int32_t s32;
typedef uint64_t u64;
typedef int64_t s64;

#define U32_MAX		((u32)~0U)

struct list_head {
	struct list_head *next, *prev;
};

#endif /* _KCOMPAT_LINUX_TYPES_H */
