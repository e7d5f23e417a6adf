// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics: per-CPU counters, summed when read through
 * /sys/kernel/debug/mkipc/stats.
 *
 * Counters are plain per-CPU longs bumped with this_cpu_inc(): the reader
 * sums them without stopping writers, so a read is a consistent-enough
 * snapshot (each counter exact, the set not atomic), which is what a
 * statistics file promises.
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>

#include "stats.h"

DEFINE_PER_CPU(struct mkipc_stats, mkipc_counters);

bool mkipc_stats_enabled = true;
module_param_named(stats, mkipc_stats_enabled, bool, 0444);
MODULE_PARM_DESC(stats,
		 "Count events and expose them in debugfs mkipc/stats (default: Y)");

static const char * const mkipc_stat_names[MKIPC_STAT_NR] = {
	[MKIPC_STAT_OPEN]	= "opens",
	[MKIPC_STAT_RELEASE]	= "releases",
	[MKIPC_STAT_IOCTL]	= "ioctls",
	[MKIPC_STAT_ERR_NOTTY]	= "errors_enotty",
	[MKIPC_STAT_ERR_FAULT]	= "errors_efault",
	[MKIPC_STAT_WAKE_FAST]	= "wake_fast",
	[MKIPC_STAT_WAKE_LOCKED] = "wake_locked",
	[MKIPC_STAT_EP_CREATED]	= "endpoints_created",
	[MKIPC_STAT_EP_DESTROYED] = "endpoints_freed",
	[MKIPC_STAT_SENT]	= "sent",
	[MKIPC_STAT_RECEIVED]	= "received",
	[MKIPC_STAT_CALLS]	= "calls",
	[MKIPC_STAT_REPLIES]	= "replies",
	[MKIPC_STAT_CALLS_ABANDONED] = "calls_abandoned",
	[MKIPC_STAT_CALLS_ORPHANED] = "calls_orphaned",
	[MKIPC_STAT_CALLS_PARKED] = "calls_parked",
	[MKIPC_STAT_CALLS_RESUMED] = "calls_resumed",
	[MKIPC_STAT_ERR_AGAIN]	= "errors_eagain",
	[MKIPC_STAT_ERR_TIMEDOUT] = "errors_etimedout",
	[MKIPC_STAT_ERR_INTR]	= "errors_eintr",
	[MKIPC_STAT_ERR_PIPE]	= "errors_epipe",
	[MKIPC_STAT_ERR_MSGSIZE] = "errors_emsgsize",
	[MKIPC_STAT_ERR_SRCH]	= "errors_esrch",
	[MKIPC_STAT_ERR_NOENT]	= "errors_enoent",
	[MKIPC_STAT_ERR_INVAL]	= "errors_einval",
	[MKIPC_STAT_ERR_BADF]	= "errors_ebadf",
	[MKIPC_STAT_ERR_NOMEM]	= "errors_enomem",
	[MKIPC_STAT_ERR_OTHER]	= "errors_other",
	[MKIPC_STAT_PRIO_RAISE]	= "prio_raise",
	[MKIPC_STAT_PRIO_RESTORE] = "prio_restore",
	[MKIPC_STAT_PRIO_EXTERNAL] = "prio_external",
	[MKIPC_STAT_PRIO_REFUSED] = "prio_refused",
	[MKIPC_STAT_BOOSTS]	= "boosts",
	[MKIPC_STAT_BOOST_DECAYS] = "boost_decays",
	[MKIPC_STAT_BOOST_LIMITED] = "boost_limited",
	[MKIPC_STAT_DIRECT]	= "direct",
	[MKIPC_STAT_QUEUED]	= "queued",
	[MKIPC_STAT_KHANDOFF]	= "khandoff",
};

static const struct {
	int err;
	enum mkipc_stat stat;
} mkipc_err_stats[] = {
	{ ENOTTY, MKIPC_STAT_ERR_NOTTY },
	{ EFAULT, MKIPC_STAT_ERR_FAULT },
	{ EAGAIN, MKIPC_STAT_ERR_AGAIN },
	{ ETIMEDOUT, MKIPC_STAT_ERR_TIMEDOUT },
	{ EINTR, MKIPC_STAT_ERR_INTR },
	{ ERESTARTSYS, MKIPC_STAT_ERR_INTR },
	{ EPIPE, MKIPC_STAT_ERR_PIPE },
	{ EMSGSIZE, MKIPC_STAT_ERR_MSGSIZE },
	{ ESRCH, MKIPC_STAT_ERR_SRCH },
	{ ENOENT, MKIPC_STAT_ERR_NOENT },
	{ EINVAL, MKIPC_STAT_ERR_INVAL },
	{ EBADF, MKIPC_STAT_ERR_BADF },
	{ ENOMEM, MKIPC_STAT_ERR_NOMEM },
};

void mkipc_stat_err(long err)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(mkipc_err_stats); i++) {
		if (-err == mkipc_err_stats[i].err) {
			mkipc_stat_inc(mkipc_err_stats[i].stat);
			return;
		}
	}
	mkipc_stat_inc(MKIPC_STAT_ERR_OTHER);
}

static struct dentry *mkipc_stats_file;
static void (*mkipc_stats_derived)(struct seq_file *m);

static unsigned long mkipc_stat_sum(enum mkipc_stat stat)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu(mkipc_counters.cnt[stat], cpu));
	return sum;
}

static int mkipc_stats_show(struct seq_file *m, void *unused)
{
	unsigned long sum[MKIPC_STAT_NR];
	long open_files;
	int i;

	for (i = 0; i < MKIPC_STAT_NR; i++) {
		sum[i] = mkipc_stat_sum(i);
		seq_printf(m, "%-18s %lu\n", mkipc_stat_names[i], sum[i]);
	}
	/*
	 * Derived, from sums not taken atomically: an open and close racing
	 * with this read can put releases ahead of opens, hence the clamp.
	 */
	open_files = (long)(sum[MKIPC_STAT_OPEN] - sum[MKIPC_STAT_RELEASE]);
	seq_printf(m, "%-18s %ld\n", "open_files", max(open_files, 0L));
	if (mkipc_stats_derived)
		mkipc_stats_derived(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mkipc_stats);

bool mkipc_stats_available(void)
{
	return mkipc_stats_enabled && !IS_ERR_OR_NULL(mkipc_stats_file);
}

void mkipc_stats_debugfs_init(struct dentry *dir,
			      void (*derived)(struct seq_file *m))
{
	if (!mkipc_stats_enabled)
		return;
	mkipc_stats_derived = derived;
	mkipc_stats_file = debugfs_create_file("stats", 0444, dir, NULL,
					       &mkipc_stats_fops);
}

/* Once the directory is gone: the stats file with it. */
void mkipc_stats_debugfs_uninit(void)
{
	mkipc_stats_file = NULL;
	mkipc_stats_derived = NULL;
}
