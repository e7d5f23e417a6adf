// SPDX-License-Identifier: GPL-2.0
/*
 * Run-time choice between each optimization and its baseline, so that a
 * before/after comparison runs one build in one boot:
 *
 *   /sys/module/mkipc/parameters/queue   lfq | spin
 *   /sys/module/mkipc/parameters/waitq   owaitq | stock
 *
 * A change applies to objects created after it; existing ones keep the
 * kind they were created with. Anything else written gets EINVAL.
 */
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "lfqueue.h"
#include "owaitq.h"

static const char * const mkipc_queue_names[] = {
	[MKIPC_QUEUE_LFQ]	= "lfq",
	[MKIPC_QUEUE_SPIN]	= "spin",
};

static const char * const mkipc_waitq_names[] = {
	[MKIPC_WAITQ_OWAITQ]	= "owaitq",
	[MKIPC_WAITQ_STOCK]	= "stock",
};

static int mkipc_queue_default = MKIPC_QUEUE_LFQ;
static int mkipc_waitq_default = MKIPC_WAITQ_OWAITQ;

static int mkipc_kind_set(const char *val, const struct kernel_param *kp,
			  const char * const *names, size_t n)
{
	int i = __sysfs_match_string(names, n, val);

	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(*(int *)kp->arg, i);
	return 0;
}

static int mkipc_queue_param_set(const char *val,
				 const struct kernel_param *kp)
{
	return mkipc_kind_set(val, kp, mkipc_queue_names,
			      ARRAY_SIZE(mkipc_queue_names));
}

static int mkipc_queue_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n",
			  mkipc_queue_names[READ_ONCE(*(int *)kp->arg)]);
}

static int mkipc_waitq_param_set(const char *val,
				 const struct kernel_param *kp)
{
	return mkipc_kind_set(val, kp, mkipc_waitq_names,
			      ARRAY_SIZE(mkipc_waitq_names));
}

static int mkipc_waitq_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n",
			  mkipc_waitq_names[READ_ONCE(*(int *)kp->arg)]);
}

static const struct kernel_param_ops mkipc_queue_param_ops = {
	.set = mkipc_queue_param_set,
	.get = mkipc_queue_param_get,
};

static const struct kernel_param_ops mkipc_waitq_param_ops = {
	.set = mkipc_waitq_param_set,
	.get = mkipc_waitq_param_get,
};

module_param_cb(queue, &mkipc_queue_param_ops, &mkipc_queue_default, 0644);
MODULE_PARM_DESC(queue,
		 "Message queue of objects created from now on: lfq or spin (default: lfq)");
module_param_cb(waitq, &mkipc_waitq_param_ops, &mkipc_waitq_default, 0644);
MODULE_PARM_DESC(waitq,
		 "Wait queue of objects created from now on: owaitq or stock (default: owaitq)");

enum mkipc_queue_kind mkipc_queue_default_kind(void)
{
	return READ_ONCE(mkipc_queue_default);
}

enum mkipc_waitq_kind mkipc_waitq_default_kind(void)
{
	return READ_ONCE(mkipc_waitq_default);
}
