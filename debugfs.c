// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs directory /sys/kernel/debug/mkipc: each unit's files, made
 * by calling that unit, and the in-kernel tests' job files in a build that
 * has them (ktests/). Created last at load and removed first at unload
 * (mkipc_main.c says why).
 */
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/seq_file.h>

#include "debugfs.h"
#include "endpoint.h"
#include "kswitch.h"
#include "prio_boost.h"
#include "stats.h"
#include "switch_opt.h"

static struct dentry *mkipc_debugfs_dir;

/* The stats file's lines that other units keep, exact counts both. */
static void mkipc_debugfs_derived(struct seq_file *m)
{
	seq_printf(m, "%-18s %d\n", "endpoints_live", mkipc_ep_live_count());
	seq_printf(m, "%-18s %d\n", "prio_tasks", mkipc_prio_tasks());
}

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
	mkipc_stats_debugfs_init(mkipc_debugfs_dir, mkipc_debugfs_derived);
	mkipc_ep_debugfs_init(mkipc_debugfs_dir);
	mkipc_switch_debugfs_init(mkipc_debugfs_dir);
	mkipc_kswitch_debugfs_init(mkipc_debugfs_dir);
	mkipc_ktests_init(mkipc_debugfs_dir);
}

void mkipc_debugfs_uninit(void)
{
	debugfs_remove_recursive(mkipc_debugfs_dir);
	mkipc_stats_debugfs_uninit();
	mkipc_debugfs_dir = NULL;
}
