// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mkipc: the misc device userspace drives mkipc through.
 *
 * Lifetime: file_operations.owner pins the module while any file on the
 * device is open, so rmmod fails with EBUSY until the last close and no
 * ioctl can run against a module being unloaded. misc_deregister() in
 * mkipc_chardev_uninit() runs only after that, from module exit.
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include <uapi/linux/mkipc.h>

#include "chardev.h"
#include "endpoint.h"
#include "kswitch.h"
#include "stats.h"
#include "switch_opt.h"

static ushort dev_mode = 0666;
module_param(dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode,
		 "Permission bits of /dev/mkipc, 0001-0777 (default: 0666)");

static int mkipc_open(struct inode *inode, struct file *file)
{
	mkipc_stat_inc(MKIPC_STAT_OPEN);
	return nonseekable_open(inode, file);
}

static int mkipc_release(struct inode *inode, struct file *file)
{
	mkipc_stat_inc(MKIPC_STAT_RELEASE);
	return 0;
}

/*
 * The ABI's structure sizes, fixed: a change to any of them is a new ioctl
 * number, never a silent layout change. Every one is a multiple of 8 with
 * its 64-bit members 8-aligned and no implicit padding, so 32-bit (compat)
 * callers see the same layout. selftests/mkipc_ep_util.h checks the same
 * sizes in userspace.
 */
static void mkipc_abi_check(void)
{
	BUILD_BUG_ON(sizeof(struct mkipc_version) != 56);
	BUILD_BUG_ON(sizeof(struct mkipc_ep_create) != 40);
	BUILD_BUG_ON(sizeof(struct mkipc_ep_sender) != 24);
	BUILD_BUG_ON(sizeof(struct mkipc_ep_info) != 64);
	BUILD_BUG_ON(sizeof(struct mkipc_msg) != 24);
	BUILD_BUG_ON(sizeof(struct mkipc_sender) != 16);
	BUILD_BUG_ON(sizeof(struct mkipc_send) != 56);
	BUILD_BUG_ON(sizeof(struct mkipc_recv) != 80);
	BUILD_BUG_ON(sizeof(struct mkipc_call) != 80);
	BUILD_BUG_ON(sizeof(struct mkipc_reply) != 48);
	BUILD_BUG_ON(sizeof(struct mkipc_reply_recv) != 136);
	BUILD_BUG_ON(sizeof(struct mkipc_switch) != 112);
}

static long mkipc_ioc_version(void __user *arg)
{
	struct mkipc_version ver;

	memset(&ver, 0, sizeof(ver));
	ver.abi_major = MKIPC_ABI_MAJOR;
	ver.abi_minor = MKIPC_ABI_MINOR;
	ver.features = MKIPC_FEAT_ENDPOINTS | MKIPC_FEAT_CALL |
		       MKIPC_FEAT_DIRECT | MKIPC_FEAT_RECYCLE | MKIPC_FEAT_SWITCH;
	if (mkipc_ep_taker_exit_seen())
		ver.features |= MKIPC_FEAT_TAKER_EXIT;
	if (mkipc_ep_stop_resumes())
		ver.features |= MKIPC_FEAT_STOP_RESUME;
#ifdef MKIPC_PRIO
	ver.features |= MKIPC_FEAT_PRIO;
#endif
	if (mkipc_stats_available())
		ver.features |= MKIPC_FEAT_DEBUGFS_STATS;
	if (mkipc_kswitch_have_handoff())
		ver.features |= MKIPC_FEAT_KHANDOFF;
	ver.max_msg_size = MKIPC_MSG_MAX;

	if (copy_to_user(arg, &ver, sizeof(ver)))
		return -EFAULT;
	return 0;
}

static long mkipc_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	long ret;

	mkipc_stat_inc(MKIPC_STAT_IOCTL);

	switch (cmd) {
	case MKIPC_IOC_VERSION:
		ret = mkipc_ioc_version(uarg);
		break;
	case MKIPC_IOC_EP_CREATE:
		ret = mkipc_ep_create(uarg);
		break;
	case MKIPC_IOC_SWITCH:
		ret = mkipc_switch_ioctl(uarg);
		break;
	default:
		ret = -ENOTTY;
		break;
	}

	if (ret < 0)
		mkipc_stat_err(ret);
	return ret;
}

static const struct file_operations mkipc_fops = {
	.owner		= THIS_MODULE,
	.open		= mkipc_open,
	.release	= mkipc_release,
	.unlocked_ioctl	= mkipc_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	/*
	 * No .llseek: lseek() fails with ESPIPE, since the VFS sets
	 * FMODE_LSEEK only for files that have one (no_llseek, which
	 * said so explicitly, is gone in 6.12).
	 */
};

static struct miscdevice mkipc_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= MKIPC_DEVICE_NAME,
	.fops	= &mkipc_fops,
};

int mkipc_chardev_init(void)
{
	/* 0 would not mean "no access": devtmpfs turns it into 0600. */
	if (!dev_mode || dev_mode & ~0777) {
		pr_err("dev_mode=%#o: want permission bits, 0001-0777\n",
		       dev_mode);
		return -EINVAL;
	}
	mkipc_abi_check();
	mkipc_miscdev.mode = dev_mode;
	return misc_register(&mkipc_miscdev);
}

void mkipc_chardev_uninit(void)
{
	misc_deregister(&mkipc_miscdev);
}
