// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc_min: a minimal synchronous call over an ioctl, the baseline the
 * benchmark measures mkipc against (tools/bench/minimal/mkipc_min.h).
 *
 * One word each way and nothing else: no allocation, no queue, no lookup,
 * no priority work, no identity, no bound. The caller stores its word,
 * wakes the server with wake_up_interruptible_sync() and sleeps in
 * wait_event_interruptible() until the reply's sequence number moves; the
 * server the same in reverse. What mkipc costs beyond this is path length;
 * what this costs beyond the sched_yield() floor is the sleep and the
 * wake-up themselves.
 *
 * Ordering: each side publishes its word, then its sequence number with a
 * release store; the other reads the number with acquire in its wait
 * condition, then the word. The wait queue's own barriers (its lock, and
 * set_current_state() in wait_event) make sure no wake-up is lost.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "mkipc_min.h"

struct mkipc_min {
	wait_queue_head_t req_wq;	/* the server waits here */
	wait_queue_head_t rep_wq;	/* the client waits here */
	unsigned long req, rep;		/* the words */
	unsigned long req_seq;		/* requests made; the client's */
	unsigned long rep_seq;		/* replies made; the server's */
	unsigned long req_taken;	/* requests taken; the server's */
};

static int mkipc_min_open(struct inode *inode, struct file *file)
{
	struct mkipc_min *m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);

	if (!m)
		return -ENOMEM;
	init_waitqueue_head(&m->req_wq);
	init_waitqueue_head(&m->rep_wq);
	file->private_data = m;
	return 0;
}

static int mkipc_min_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

/* Whether the other side's count moved past @seen; then its word. */
static bool mkipc_min_moved(unsigned long *count, unsigned long seen)
{
	/* Acquire: pairs with the other side's release of the count. */
	return smp_load_acquire(count) != seen;
}

static long mkipc_min_recv(struct mkipc_min *m)
{
	unsigned long taken = m->req_taken;

	if (wait_event_interruptible(m->req_wq,
				     mkipc_min_moved(&m->req_seq, taken)))
		return -ERESTARTSYS;
	m->req_taken = taken + 1;
	return READ_ONCE(m->req);
}

static long mkipc_min_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct mkipc_min *m = file->private_data;
	unsigned long seq;

	if (arg > MKIPC_MIN_WORD_MAX)
		return -EINVAL;
	switch (cmd) {
	case MKIPC_MIN_CALL:
		seq = READ_ONCE(m->rep_seq);
		WRITE_ONCE(m->req, arg);
		/* Release: the word first; pairs with mkipc_min_moved(). */
		smp_store_release(&m->req_seq, m->req_seq + 1);
		wake_up_interruptible_sync(&m->req_wq);
		/* A signal here leaves the request made: a benchmark only. */
		if (wait_event_interruptible(m->rep_wq,
					     mkipc_min_moved(&m->rep_seq, seq)))
			return -EINTR;
		return READ_ONCE(m->rep);
	case MKIPC_MIN_REPLY_RECV:
	case MKIPC_MIN_REPLY:
		WRITE_ONCE(m->rep, arg);
		/* Release: the word first; pairs with mkipc_min_moved(). */
		smp_store_release(&m->rep_seq, m->rep_seq + 1);
		if (cmd == MKIPC_MIN_REPLY) {
			wake_up_interruptible(&m->rep_wq);
			return 0;
		}
		wake_up_interruptible_sync(&m->rep_wq);
		return mkipc_min_recv(m);
	case MKIPC_MIN_RECV:
		return mkipc_min_recv(m);
	}
	return -ENOTTY;
}

static const struct file_operations mkipc_min_fops = {
	.owner		= THIS_MODULE,
	.open		= mkipc_min_open,
	.release	= mkipc_min_release,
	.unlocked_ioctl	= mkipc_min_ioctl,
	/* No .llseek: lseek() fails with ESPIPE (no_llseek is gone in 6.12). */
};

static struct miscdevice mkipc_min_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= MKIPC_MIN_DEVICE,
	.fops	= &mkipc_min_fops,
	.mode	= 0600,
};

module_misc_device(mkipc_min_dev);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mkipc benchmark baseline: a minimal ioctl call hand-off");
