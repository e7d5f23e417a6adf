/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/memcontrol.h>: no memory cgroups. */
#ifndef _KCOMPAT_LINUX_MEMCONTROL_H
#define _KCOMPAT_LINUX_MEMCONTROL_H

#include <kcompat.h>

struct mem_cgroup;
struct mm_struct;

static inline struct mem_cgroup *get_mem_cgroup_from_mm(struct mm_struct *mm)
{
	return NULL;
}

static inline void mem_cgroup_put(struct mem_cgroup *memcg)
{
}

#endif /* _KCOMPAT_LINUX_MEMCONTROL_H */
