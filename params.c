// SPDX-License-Identifier: GPL-2.0
/*
 * Run-time choice between each optimization and its baseline, so that a
 * before/after comparison runs one build in one boot:
 *
 *   /sys/module/mkipc/parameters/queue   lfq | spin
 *   /sys/module/mkipc/parameters/waitq   owaitq | stock
 *   /sys/module/mkipc/parameters/handoff sync | plain
 *
 * handoff: whether a call wakes its server, and reply_recv its caller,
 * with the scheduler's synchronous wake-up (the waker is about to sleep,
 * so the woken task may take its CPU) or an ordinary one.
 *
 * A change applies to objects created after it; existing ones keep the
 * kind they were created with. Anything else written gets EINVAL.
 *
 * Also the bool and uint parameter ops of the other units whose running
 * code reads a parameter unlocked.
 */
#include <linux/kstrtox.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "lfqueue.h"
#include "owaitq.h"
#include "params.h"

/* A parameter that holds one of @n names, as its index. */
struct mkipc_kind_param {
	int val;
	const char * const *names;
	size_t n;
};

static const char * const mkipc_queue_names[] = {
	[MKIPC_QUEUE_LFQ]	= "lfq",
	[MKIPC_QUEUE_SPIN]	= "spin",
};

static const char * const mkipc_waitq_names[] = {
	[MKIPC_WAITQ_OWAITQ]	= "owaitq",
	[MKIPC_WAITQ_STOCK]	= "stock",
};

static const char * const mkipc_handoff_names[] = { "sync", "plain" };

static struct mkipc_kind_param mkipc_queue_param = {
	.val = MKIPC_QUEUE_LFQ,
	.names = mkipc_queue_names,
	.n = ARRAY_SIZE(mkipc_queue_names),
};

static struct mkipc_kind_param mkipc_waitq_param = {
	.val = MKIPC_WAITQ_OWAITQ,
	.names = mkipc_waitq_names,
	.n = ARRAY_SIZE(mkipc_waitq_names),
};

static struct mkipc_kind_param mkipc_handoff_param = {
	.val = 0,
	.names = mkipc_handoff_names,
	.n = ARRAY_SIZE(mkipc_handoff_names),
};

static int mkipc_kind_set(const char *val, const struct kernel_param *kp)
{
	struct mkipc_kind_param *p = kp->arg;
	int i = __sysfs_match_string(p->names, p->n, val);

	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(p->val, i);
	return 0;
}

static int mkipc_kind_get(char *buf, const struct kernel_param *kp)
{
	struct mkipc_kind_param *p = kp->arg;

	return sysfs_emit(buf, "%s\n", p->names[READ_ONCE(p->val)]);
}

static const struct kernel_param_ops mkipc_kind_param_ops = {
	.set = mkipc_kind_set,
	.get = mkipc_kind_get,
};

module_param_cb(queue, &mkipc_kind_param_ops, &mkipc_queue_param, 0644);
MODULE_PARM_DESC(queue,
		 "Message queue of objects created from now on: lfq or spin (default: lfq)");
module_param_cb(waitq, &mkipc_kind_param_ops, &mkipc_waitq_param, 0644);
MODULE_PARM_DESC(waitq,
		 "Wait queue of objects created from now on: owaitq or stock (default: owaitq)");

module_param_cb(handoff, &mkipc_kind_param_ops, &mkipc_handoff_param, 0644);
MODULE_PARM_DESC(handoff,
		 "Wake-ups on the call path of endpoints created from now on: sync or plain (default: sync)");

static bool mkipc_direct = true;
module_param_cb(direct, &mkipc_param_bool_ops, &mkipc_direct, 0644);
MODULE_PARM_DESC(direct,
		 "Direct transfer of a message to a waiting receiver on endpoints created from now on (default: Y)");

bool mkipc_direct_default(void)
{
	return READ_ONCE(mkipc_direct);
}

static bool mkipc_recycle = true;
module_param_cb(recycle, &mkipc_param_bool_ops, &mkipc_recycle, 0644);
MODULE_PARM_DESC(recycle,
		 "Recycled message records and call slots on endpoints created from now on (default: Y)");

bool mkipc_recycle_default(void)
{
	return READ_ONCE(mkipc_recycle);
}

enum mkipc_queue_kind mkipc_queue_default_kind(void)
{
	return READ_ONCE(mkipc_queue_param.val);
}

enum mkipc_waitq_kind mkipc_waitq_default_kind(void)
{
	return READ_ONCE(mkipc_waitq_param.val);
}

bool mkipc_handoff_default_sync(void)
{
	return READ_ONCE(mkipc_handoff_param.val) == 0;
}

/*
 * The stock bool and uint parameters, but stored with WRITE_ONCE(), for
 * those that running code reads unlocked with READ_ONCE(): the stock
 * setters store plainly, a data race with such a read.
 */
static int mkipc_param_set_bool(const char *val, const struct kernel_param *kp)
{
	bool v;
	int err = kstrtobool(val, &v);

	if (err)
		return err;
	WRITE_ONCE(*(bool *)kp->arg, v);
	return 0;
}

const struct kernel_param_ops mkipc_param_bool_ops = {
	.set = mkipc_param_set_bool,
	.get = param_get_bool,
};

static int mkipc_param_set_uint(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int err = kstrtouint(val, 0, &v);

	if (err)
		return err;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

const struct kernel_param_ops mkipc_param_uint_ops = {
	.set = mkipc_param_set_uint,
	.get = param_get_uint,
};
