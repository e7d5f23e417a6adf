/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kswitch: what mkipc takes from the companion kernel patch
 * (tools/kernel-patch/) when the kernel it is built against has it: the
 * direct hand-off for synchronous wake-ups, the tracepoint that counts the
 * switches it makes, and the x86 switch-path accounting and prefetching.
 * Against a stock kernel the unit is there but has nothing to drive.
 */
#ifndef _MKIPC_KSWITCH_H
#define _MKIPC_KSWITCH_H

#include <linux/types.h>

struct dentry;
struct task_struct;

#ifdef MKIPC_HAVE_SCHED_HANDOFF
#include <linux/sched/handoff.h>

extern bool mkipc_kswitch_handoff;

/* The kernel has wake_up_handoff(). */
static inline bool mkipc_kswitch_have_handoff(void)
{
	return true;
}

/* True if synchronous wake-ups use the kernel's wake_up_handoff(). */
static inline bool mkipc_kswitch_handoff_on(void)
{
	return READ_ONCE(mkipc_kswitch_handoff);
}
#else
static inline bool mkipc_kswitch_have_handoff(void)
{
	return false;
}

static inline bool mkipc_kswitch_handoff_on(void)
{
	return false;
}

static inline int wake_up_handoff(struct task_struct *p)
{
	return 0;
}
#endif

int mkipc_kswitch_init(void);
void mkipc_kswitch_uninit(void);
/* debugfs @dir/kswitch: what the patch gives, its counters and knobs. */
void mkipc_kswitch_debugfs_init(struct dentry *dir);

#endif /* _MKIPC_KSWITCH_H */
