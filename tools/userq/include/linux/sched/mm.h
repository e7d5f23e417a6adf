/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/sched/mm.h>: set_active_memcg(), and a current
 * task with no mm, so that current->mm compiles. No memory cgroups.
 */
#ifndef _KCOMPAT_LINUX_SCHED_MM_H
#define _KCOMPAT_LINUX_SCHED_MM_H

#include <kcompat.h>

struct mem_cgroup;
struct mm_struct;

struct task_struct {
	struct mm_struct *mm;
};

static inline struct task_struct *kcompat_current(void)
{
	static struct task_struct task;	/* zeroed: ->mm is NULL */

	return &task;
}

#define current kcompat_current()

static inline struct mem_cgroup *set_active_memcg(struct mem_cgroup *memcg)
{
	return NULL;
}

#endif /* _KCOMPAT_LINUX_SCHED_MM_H */
