// SPDX-License-Identifier: GPL-2.0
/*
 * kswitch: mkipc's side of the companion kernel patch (tools/kernel-patch/).
 *
 * Kbuild looks for the patch in the tree the module is built against and
 * defines MKIPC_HAVE_SCHED_HANDOFF (patches 3 and 4: wake_up_handoff() and
 * the sched_handoff_tp tracepoint) and MKIPC_HAVE_X86_SWITCH_ACCT (patches
 * 1 and 2: the switch path's accounting and prefetching). Built against a
 * stock kernel the module has neither, and this unit only says so.
 *
 * The hand-off: owaitq.c's synchronous wake-up of one waiter, which a call
 * (waking the server) and a reply (waking the caller) use just before the
 * waker blocks, calls wake_up_handoff() instead of the WF_SYNC wake-up
 * while the module parameter kswitch_handoff is Y (the default where the
 * kernel has it). A probe on sched_handoff_tp counts the switches the
 * kernel then made without its pick, as the statistic "khandoff".
 *
 * The accounting and prefetching are off in the kernel unless its boot
 * parameters turn them on; a write to debugfs kswitch turns them on or off
 * as well, and each reference this unit holds is dropped when it unloads.
 *
 * Locking: mkipc_kswitch_lock (a mutex) serializes the debugfs writes and
 * the unload's drop of the references they took.
 */
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#ifdef MKIPC_HAVE_SCHED_HANDOFF
#include <trace/events/sched.h>
#endif
#ifdef MKIPC_HAVE_X86_SWITCH_ACCT
#include <asm/switch_to.h>
#endif

#include "kswitch.h"
#include "params.h"
#include "stats.h"

#ifdef MKIPC_HAVE_SCHED_HANDOFF
bool mkipc_kswitch_handoff = true;
module_param_cb(kswitch_handoff, &mkipc_param_bool_ops,
		&mkipc_kswitch_handoff, 0644);
MODULE_PARM_DESC(kswitch_handoff,
		 "Synchronous wake-ups use the kernel's direct hand-off, wake_up_handoff() (default: Y; only with the companion kernel patch)");

/* The scheduler's tracepoint: preemption is off, the runqueue locked. */
static void mkipc_kswitch_probe(void *data, struct task_struct *prev,
				struct task_struct *next)
{
	mkipc_stat_inc(MKIPC_STAT_KHANDOFF);
}
#endif

#ifdef MKIPC_HAVE_X86_SWITCH_ACCT
static DEFINE_MUTEX(mkipc_kswitch_lock);
/* The kernel references this unit holds, under mkipc_kswitch_lock. */
static bool mkipc_kswitch_acct, mkipc_kswitch_prefetch;

static void mkipc_kswitch_set(bool *held, bool on, void (*get)(void),
			      void (*put)(void))
{
	if (on && !*held)
		get();
	else if (!on && *held)
		put();
	*held = on;
}
#endif

int mkipc_kswitch_init(void)
{
#ifdef MKIPC_HAVE_SCHED_HANDOFF
	int ret = register_trace_sched_handoff_tp(mkipc_kswitch_probe, NULL);

	if (ret)
		return ret;
#endif
	return 0;
}

void mkipc_kswitch_uninit(void)
{
#ifdef MKIPC_HAVE_SCHED_HANDOFF
	unregister_trace_sched_handoff_tp(mkipc_kswitch_probe, NULL);
	/* No probe of ours runs once this returns. */
	tracepoint_synchronize_unregister();
#endif
#ifdef MKIPC_HAVE_X86_SWITCH_ACCT
	mutex_lock(&mkipc_kswitch_lock);
	mkipc_kswitch_set(&mkipc_kswitch_acct, false, x86_switch_acct_get,
			  x86_switch_acct_put);
	mkipc_kswitch_set(&mkipc_kswitch_prefetch, false,
			  x86_switch_prefetch_get, x86_switch_prefetch_put);
	mutex_unlock(&mkipc_kswitch_lock);
#endif
}

static int mkipc_kswitch_show(struct seq_file *m, void *unused)
{
#ifdef MKIPC_HAVE_X86_SWITCH_ACCT
	struct x86_switch_stat st;
	int cpu;
#endif

#ifdef MKIPC_HAVE_SCHED_HANDOFF
	seq_printf(m, "handoff available %s\n",
		   mkipc_kswitch_handoff_on() ? "on" : "off");
#else
	seq_puts(m, "handoff absent\n");
#endif
#ifdef MKIPC_HAVE_X86_SWITCH_ACCT
	seq_printf(m, "acct available %s\n",
		   static_key_enabled(&x86_switch_acct_key) ? "on" : "off");
	seq_printf(m, "prefetch available %s\n",
		   static_key_enabled(&x86_switch_prefetch_key) ? "on" : "off");
	seq_puts(m, "# cpu switches cycles_sum cycles_min cycles_max\n");
	for_each_online_cpu(cpu) {
		x86_switch_stat_read(cpu, &st);
		seq_printf(m, "%d %llu %llu %llu %llu\n", cpu, st.count,
			   st.cycles, st.count ? st.min : 0, st.max);
	}
#else
	seq_puts(m, "acct absent\nprefetch absent\n");
#endif
	return 0;
}

static int mkipc_kswitch_open(struct inode *inode, struct file *file)
{
	return single_open(file, mkipc_kswitch_show, NULL);
}

/*
 * "acct on|off", "prefetch on|off", "reset" (the accounting's statistics);
 * ENODEV where the kernel lacks the patch, EINVAL for anything else.
 */
static ssize_t mkipc_kswitch_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	char buf[32], *s, *arg;
	int err = -EINVAL;
	bool on __maybe_unused;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	s = strim(buf);
	/* "<knob> on|off", or "reset". */
	arg = strchr(s, ' ');
	if (arg) {
		*arg++ = '\0';
		if (!strcmp(arg, "on"))
			on = true;
		else if (!strcmp(arg, "off"))
			on = false;
		else
			return -EINVAL;
		if (strcmp(s, "acct") && strcmp(s, "prefetch"))
			return -EINVAL;
	} else if (strcmp(s, "reset")) {
		return -EINVAL;
	}
#ifdef MKIPC_HAVE_X86_SWITCH_ACCT
	mutex_lock(&mkipc_kswitch_lock);
	if (!arg)
		x86_switch_stat_reset();
	else if (!strcmp(s, "acct"))
		mkipc_kswitch_set(&mkipc_kswitch_acct, on, x86_switch_acct_get,
				  x86_switch_acct_put);
	else
		mkipc_kswitch_set(&mkipc_kswitch_prefetch, on,
				  x86_switch_prefetch_get,
				  x86_switch_prefetch_put);
	mutex_unlock(&mkipc_kswitch_lock);
	err = 0;
#else
	err = -ENODEV;
#endif
	return err ? err : len;
}

static const struct file_operations mkipc_kswitch_fops = {
	.owner = THIS_MODULE,
	.open = mkipc_kswitch_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = mkipc_kswitch_write,
	.release = single_release,
};

void mkipc_kswitch_debugfs_init(struct dentry *dir)
{
	debugfs_create_file("kswitch", 0600, dir, NULL, &mkipc_kswitch_fops);
}
