// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc: microkernel-style IPC for a stock Linux kernel.
 *
 * This file only wires the units together: each is initialised in order
 * and unwound in reverse, on failure and at unload. Each unit's interface
 * is its header in include/; calls between units go one way only:
 *
 *   mkipc_main -> chardev -> endpoint -> prio_boost, owaitq, lfqueue,
 *		   usermem, params -> stats
 *   mkipc_main -> debugfs -> (each unit's files), ktests/ when built
 *
 * (README.md, "The source tree", has the full list.)
 */
#include <linux/init.h>
#include <linux/module.h>

#include <uapi/linux/mkipc.h>

#include "chardev.h"
#include "debugfs.h"
#include "endpoint.h"
#include "kswitch.h"
#include "owaitq.h"
#include "prio_boost.h"
#include "switch_opt.h"

static int __init mkipc_init(void)
{
	int ret;

	mkipc_waitq_setup();

	ret = mkipc_prio_init();
	if (ret)
		return ret;

	ret = mkipc_ep_init();
	if (ret) {
		mkipc_prio_uninit();
		return ret;
	}

	ret = mkipc_switch_init();
	if (ret) {
		mkipc_ep_uninit();
		mkipc_prio_uninit();
		return ret;
	}

	ret = mkipc_kswitch_init();
	if (ret) {
		mkipc_switch_uninit();
		mkipc_ep_uninit();
		mkipc_prio_uninit();
		return ret;
	}

	/* Once the device exists, userspace can reach every unit. */
	ret = mkipc_chardev_init();
	if (ret) {
		mkipc_kswitch_uninit();
		mkipc_switch_uninit();
		mkipc_ep_uninit();
		mkipc_prio_uninit();
		return ret;
	}

	/*
	 * Last, and it cannot fail: a debugfs file that exists while a later
	 * step fails could be opened, pin the module through its fops, and be
	 * closed after the failed load has freed the module.
	 */
	mkipc_debugfs_init();

	pr_info("loaded, ABI %u.%u\n", MKIPC_ABI_MAJOR, MKIPC_ABI_MINOR);
	return 0;
}

static void __exit mkipc_exit(void)
{
	mkipc_debugfs_uninit();
	mkipc_chardev_uninit();
	mkipc_kswitch_uninit();
	mkipc_switch_uninit();
	mkipc_ep_uninit();
	mkipc_prio_uninit();
	pr_info("unloaded\n");
}

module_init(mkipc_init);
module_exit(mkipc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Microkernel-style IPC endpoints and context-switch probes");
MODULE_AUTHOR("mkipc developers");
MODULE_VERSION(__stringify(MKIPC_ABI_MAJOR) "." __stringify(MKIPC_ABI_MINOR));
