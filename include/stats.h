/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stats: the module's event counters, per CPU, summed when read. A leaf:
 * every unit may count, and stats.c calls no other unit.
 */
#ifndef _MKIPC_STATS_H
#define _MKIPC_STATS_H

#include <linux/percpu.h>
#include <linux/types.h>

enum mkipc_stat {
	MKIPC_STAT_OPEN,		/* successful opens of /dev/mkipc */
	MKIPC_STAT_RELEASE,		/* last closes of /dev/mkipc files */
	MKIPC_STAT_IOCTL,		/* ioctl calls, any outcome */
	MKIPC_STAT_ERR_NOTTY,		/* ioctls failed with ENOTTY */
	MKIPC_STAT_ERR_FAULT,		/* ioctls failed with EFAULT */
	MKIPC_STAT_WAKE_FAST,		/* owaitq wake-ups that found no sleeper */
	MKIPC_STAT_WAKE_LOCKED,		/* owaitq wake-ups that took the lock */
	MKIPC_STAT_EP_CREATED,		/* endpoints created */
	MKIPC_STAT_EP_DESTROYED,	/* endpoints freed */
	MKIPC_STAT_SENT,		/* messages sent (MKIPC_IOC_SEND) */
	MKIPC_STAT_RECEIVED,		/* messages and requests received */
	MKIPC_STAT_CALLS,		/* calls whose request was queued */
	MKIPC_STAT_REPLIES,		/* replies delivered to their caller */
	MKIPC_STAT_CALLS_ABANDONED,	/* calls given up after a server took them */
	MKIPC_STAT_CALLS_ORPHANED,	/* calls failed: the thread that took them exited */
	MKIPC_STAT_CALLS_PARKED,	/* calls kept across an interrupted wait */
	MKIPC_STAT_CALLS_RESUMED,	/* ... waited on for by the ioctl run again */
	MKIPC_STAT_ERR_AGAIN,		/* ioctls failed with EAGAIN ... */
	MKIPC_STAT_ERR_TIMEDOUT,
	MKIPC_STAT_ERR_INTR,		/* EINTR, or restarted (ERESTARTSYS) */
	MKIPC_STAT_ERR_PIPE,
	MKIPC_STAT_ERR_MSGSIZE,
	MKIPC_STAT_ERR_SRCH,
	MKIPC_STAT_ERR_NOENT,
	MKIPC_STAT_ERR_INVAL,
	MKIPC_STAT_ERR_BADF,
	MKIPC_STAT_ERR_NOMEM,
	MKIPC_STAT_ERR_OTHER,		/* any other errno */
	MKIPC_STAT_PRIO_RAISE,		/* inheritance changes applied */
	MKIPC_STAT_PRIO_RESTORE,	/* restores after inheritance */
	MKIPC_STAT_PRIO_EXTERNAL,	/* a raised thread changed by another */
	MKIPC_STAT_PRIO_REFUSED,	/* ... to what it had no right to */
	MKIPC_STAT_BOOSTS,		/* completion boosts */
	MKIPC_STAT_BOOST_DECAYS,	/* completion boosts ended */
	MKIPC_STAT_BOOST_LIMITED,	/* completion boosts refused: budget */
	MKIPC_STAT_DIRECT,		/* messages handed to a waiting receiver */
	MKIPC_STAT_QUEUED,		/* messages that went through the queue */
	MKIPC_STAT_KHANDOFF,		/* switches the kernel's hand-off made */
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

/* Counts a failed ioctl under its errno. */
void mkipc_stat_err(long err);

bool mkipc_stats_available(void);

struct dentry;
struct seq_file;
/*
 * Creates debugfs @dir/stats: every counter, then what @derived prints
 * (the figures other units keep, which this leaf cannot ask for itself).
 */
void mkipc_stats_debugfs_init(struct dentry *dir,
			      void (*derived)(struct seq_file *m));
void mkipc_stats_debugfs_uninit(void);

#endif /* _MKIPC_STATS_H */
