/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/gfp.h>: flags malloc() ignores. See kcompat.h. */
#ifndef _KCOMPAT_LINUX_GFP_H
#define _KCOMPAT_LINUX_GFP_H

#include <linux/types.h>

#define GFP_KERNEL	((gfp_t)0x1u)
#define GFP_KERNEL_ACCOUNT	((gfp_t)0x3u)
#define __GFP_ACCOUNT	((gfp_t)0x2u)

#endif /* _KCOMPAT_LINUX_GFP_H */
