/* SPDX-License-Identifier: GPL-2.0 */
/* switch_opt: kernel-thread pairs that time context switches. */
#ifndef _MKIPC_SWITCH_OPT_H
#define _MKIPC_SWITCH_OPT_H

#include <linux/compiler_types.h>
#include <linux/types.h>

#include <uapi/linux/mkipc.h>

#define MKIPC_SW_HIST			48	/* log2 buckets of cycles */
#define MKIPC_SW_NSLOTS			(MKIPC_SW_NMECH * MKIPC_SW_NMM * 8)
#define MKIPC_SW_DEFAULT_TIMEOUT_NS	(10ULL * NSEC_PER_SEC)

/* Samples of one variant: cycles; bucket b counts [2^(b-1), 2^b). */
struct mkipc_sw_stat {
	u64 count, min, max, sum;
	u64 hist[MKIPC_SW_HIST];
};

/* MKIPC_IOC_SWITCH on /dev/mkipc. */
long mkipc_switch_ioctl(void __user *uarg);
int mkipc_switch_init(void);
void mkipc_switch_uninit(void);
struct dentry;
/* debugfs @dir/switch_stats: the per-CPU tables; a write resets them. */
void mkipc_switch_debugfs_init(struct dentry *dir);

#endif /* _MKIPC_SWITCH_OPT_H */
