// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics: per-CPU counters, summed when read through
 * /sys/kernel/debug/mkipc/stats; and the debugfs directory itself.
 *
 * Counters are plain per-CPU longs bumped with this_cpu_inc(): the reader
 * sums them without stopping writers, so a read is a consistent-enough
 * snapshot (each counter exact, the set not atomic), which is what a
 * statistics file promises.
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "mkipc.h"
#include "prio_boost.h"

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

static struct dentry *mkipc_debugfs_dir;
static struct dentry *mkipc_stats_file;

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
	/* Exact: a counter, not a difference of sums. */
	seq_printf(m, "%-18s %d\n", "endpoints_live", mkipc_ep_live_count());
	seq_printf(m, "%-18s %d\n", "prio_tasks", mkipc_prio_tasks());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mkipc_stats);

bool mkipc_stats_available(void)
{
	return mkipc_stats_enabled && !IS_ERR_OR_NULL(mkipc_stats_file);
}

static ssize_t mkipc_job_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct mkipc_job *job = file->private_data;
	char cmd[128];
	int ret;

	if (count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, count))
		return -EFAULT;
	cmd[count] = '\0';

	if (mutex_lock_interruptible(&job->lock))
		return -EINTR;
	ret = job->run(cmd, job->result, sizeof(job->result));
	mutex_unlock(&job->lock);
	return ret ? ret : count;
}

static ssize_t mkipc_job_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct mkipc_job *job = file->private_data;
	ssize_t ret;

	mutex_lock(&job->lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, job->result,
				      strlen(job->result));
	mutex_unlock(&job->lock);
	return ret;
}

static const struct file_operations mkipc_job_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= mkipc_job_read,
	.write	= mkipc_job_write,
	.llseek	= default_llseek,
};

/* Root only: a job may run for minutes and start kthreads. */
void mkipc_debugfs_job(struct dentry *dir, const char *name,
		       struct mkipc_job *job)
{
	debugfs_create_file(name, 0600, dir, job, &mkipc_job_fops);
}

/* The debugfs directory: statistics and the units' test hooks. */
void mkipc_debugfs_init(void)
{
	/*
	 * debugfs is a debugging aid: without it (not built, not mounted,
	 * locked down) the module still works, it just has nothing to show.
	 */
	mkipc_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	if (IS_ERR(mkipc_debugfs_dir)) {
		pr_info("debugfs unavailable (%ld), no statistics file\n",
			PTR_ERR(mkipc_debugfs_dir));
		return;
	}
	if (mkipc_stats_enabled)
		mkipc_stats_file = debugfs_create_file("stats", 0444,
						       mkipc_debugfs_dir, NULL,
						       &mkipc_stats_fops);
	mkipc_lfqueue_test_init(mkipc_debugfs_dir);
	mkipc_owaitq_test_init(mkipc_debugfs_dir);
	mkipc_ep_debugfs_init(mkipc_debugfs_dir);
	mkipc_prio_debugfs_init(mkipc_debugfs_dir);
}

void mkipc_debugfs_uninit(void)
{
	debugfs_remove_recursive(mkipc_debugfs_dir);
	mkipc_debugfs_dir = NULL;
	mkipc_stats_file = NULL;
}
