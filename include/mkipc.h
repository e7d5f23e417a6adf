/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkipc internal interfaces between the module's units.
 *
 * Each unit has an init/uninit pair called from mkipc_main.c in order and
 * unwound in reverse; every non-static symbol carries the mkipc_ prefix.
 */
#ifndef _MKIPC_H
#define _MKIPC_H

#include <linux/percpu.h>
#include <linux/types.h>

/* stats.c: counters, summed over CPUs and shown in debugfs. */
enum mkipc_stat {
	MKIPC_STAT_OPEN,		/* successful opens of /dev/mkipc */
	MKIPC_STAT_RELEASE,		/* last closes of /dev/mkipc files */
	MKIPC_STAT_IOCTL,		/* ioctl calls, any outcome */
	MKIPC_STAT_ERR_NOTTY,		/* ioctls failed with ENOTTY */
	MKIPC_STAT_ERR_FAULT,		/* ioctls failed with EFAULT */
	MKIPC_STAT_NR
};

struct mkipc_stats {
	unsigned long cnt[MKIPC_STAT_NR];
};

DECLARE_PER_CPU(struct mkipc_stats, mkipc_counters);
extern bool mkipc_stats_enabled;

/* Cheap enough for any path: a per-CPU increment, no atomics, no sharing. */
static inline void mkipc_stat_inc(enum mkipc_stat stat)
{
	if (mkipc_stats_enabled)
		this_cpu_inc(mkipc_counters.cnt[stat]);
}

void mkipc_debugfs_init(void);
void mkipc_debugfs_uninit(void);
bool mkipc_stats_available(void);

/* lfqueue_test.c: the queue stress test, a file in debugfs. */
struct dentry;
void mkipc_lfqueue_test_init(struct dentry *dir);

/* chardev.c: the /dev/mkipc misc device and its ioctls. */
int mkipc_chardev_init(void);
void mkipc_chardev_uninit(void);

#endif /* _MKIPC_H */
