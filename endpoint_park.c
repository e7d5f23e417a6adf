// SPDX-License-Identifier: GPL-2.0
/*
 * Parked calls: an endpoint call kept across a stop.
 *
 * A stop (SIGSTOP, SIGTSTP, a ptrace stop) or the freezer interrupts a
 * caller's wait as any signal does, but runs no handler, and the arch code
 * restarts a system call interrupted that way where it was. So a caller
 * whose wait a signal interrupts, unless it is to die, parks its call as
 * it is (queued or taken: its place in line, its server's raise) and
 * returns -ERESTARTNOHAND; the ioctl, run again once the thread is
 * continued, finds the call by thread, file and argument pointer and
 * waits on for it, to its first deadline.
 *
 * Where a handler is to run instead, -ERESTARTNOHAND becomes EINTR. A
 * probe on the signal_deliver tracepoint, which get_signal() passes with
 * the signal's action just before it sets up a handler, settles that case
 * as it was settled before calls were parked: it gives the call up
 * (atomics only; the rest in task_work before the thread returns to user
 * mode), and a call withdrawn from the queue under an SA_RESTART handler,
 * with no timeout, restarts as a new call (-ERESTARTSYS). A call that has
 * ended meanwhile (replied, or failed) is not given up: the probe writes
 * the reply out without faulting and makes it the ioctl's result, as when
 * a wait saw the reply and the signal together, so that no reply is lost
 * to a handler (EFAULT, the reply lost, if the buffer is not in memory
 * then, as for any buffer a reply cannot be written to).
 *
 * Owners: a parked call is its thread's, in mkipc_parked_hash, holding
 * the caller's reference to the call and one to the file (the endpoint,
 * and the module with the probe's task_work). It leaves the table by the
 * ioctl run again (resumed), by the probe (settled in task_work), by any
 * other ioctl of the thread on an endpoint (a restart that did not
 * happen: given up as if EINTR), or by the thread's exit (given up).
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include <asm/syscall.h>

#include "endpoint_int.h"
#include "stats.h"
struct mkipc_parked {
	/* In mkipc_parked_hash by task; or on mkipc_parked_dead. */
	struct hlist_node node;
	struct callback_head cb;	/* the probe's settling */
	struct task_struct *task;	/* the caller; compared, not followed */
	struct file *file;		/* a reference */
	struct mkipc_call __user *uc;
	struct mkipc_call c;		/* the arguments as first read */
	struct mkipc_kmsg *m;		/* the caller's reference */
	ktime_t deadline;
	unsigned long args[6];		/* the ioctl's, as interrupted */
	unsigned long ip, sp;		/* its user ip (after it) and sp */
	int nr;				/* its system call number */
	bool settled;			/* given up already: @state */
	bool undone;			/* a count taken back: room to tell */
	int state;
};

static DEFINE_HASHTABLE(mkipc_parked_hash, 6);
/* Raw, IRQs off at every taking: see "Locking" at the top. */
static DEFINE_RAW_SPINLOCK(mkipc_parked_lock);
atomic_t mkipc_parked_nr = ATOMIC_INIT(0);
bool mkipc_park_hooked;			/* both probes registered */
/* Given up where they could not be settled (atomic): for the reaper. */
static HLIST_HEAD(mkipc_parked_dead);
static void mkipc_park_reap(struct work_struct *work);
static DECLARE_WORK(mkipc_park_reaper, mkipc_park_reap);

static struct mkipc_ep *mkipc_parked_ep(struct mkipc_parked *p)
{
	return ((struct mkipc_epf *)p->file->private_data)->ep;
}

/* Parks the call @m of the interrupted ioctl; 0, or -ENOMEM. */
int mkipc_park(struct file *file, struct mkipc_call __user *uc,
	       const struct mkipc_call *c, struct mkipc_kmsg *m,
	       ktime_t deadline)
{
	struct pt_regs *regs = task_pt_regs(current);
	struct mkipc_parked *p;
	unsigned long flags;

	if (!mkipc_park_hooked)
		return -ENOMEM;
	p = kmalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->task = current;
	p->file = get_file(file);
	p->uc = uc;
	p->c = *c;
	p->m = m;
	p->deadline = deadline;
	p->nr = syscall_get_nr(current, regs);
	syscall_get_arguments(current, regs, p->args);
	p->ip = instruction_pointer(regs);
	p->sp = user_stack_pointer(regs);
	p->settled = false;
	p->undone = false;
	raw_spin_lock_irqsave(&mkipc_parked_lock, flags);
	hash_add(mkipc_parked_hash, &p->node, (unsigned long)current);
	raw_spin_unlock_irqrestore(&mkipc_parked_lock, flags);
	atomic_inc(&mkipc_parked_nr);
	mkipc_stat_inc(MKIPC_STAT_CALLS_PARKED);
	return 0;
}

/*
 * Gives up a parked call no longer listed (as EINTR would, unless that
 * was done already), and frees it. Process context.
 */
static void mkipc_park_settle(struct mkipc_parked *p)
{
	struct mkipc_ep *ep = mkipc_parked_ep(p);
	struct file *file = p->file;

	if (!p->settled)
		p->state = mkipc_call_cancel(ep, p->m, &p->undone);
	mkipc_call_gave_up(ep, p->state, p->undone);
	mkipc_prio_call_done(&p->m->pi);
	mkipc_kmsg_put(p->m);
	atomic_dec(&mkipc_parked_nr);
	kfree(p);
	/*
	 * Last: the file pins the module this runs in, and its final put
	 * is deferred past our return (task_work, or delayed for a kworker
	 * that the module's exit flushes).
	 */
	fput(file);
}

static void mkipc_park_settle_work(struct callback_head *cb)
{
	mkipc_park_settle(container_of(cb, struct mkipc_parked, cb));
}

static void mkipc_park_reap(struct work_struct *work)
{
	struct mkipc_parked *p;
	struct hlist_node *tmp;
	unsigned long flags;
	HLIST_HEAD(dead);

	raw_spin_lock_irqsave(&mkipc_parked_lock, flags);
	hlist_move_list(&mkipc_parked_dead, &dead);
	raw_spin_unlock_irqrestore(&mkipc_parked_lock, flags);
	hlist_for_each_entry_safe(p, tmp, &dead, node) {
		hlist_del(&p->node);
		mkipc_park_settle(p);
	}
}

/* Under mkipc_parked_lock, off the hash: for the reaper. Atomic. */
static void mkipc_park_bury_locked(struct mkipc_parked *p)
{
	hlist_add_head(&p->node, &mkipc_parked_dead);
	queue_work(system_unbound_wq, &mkipc_park_reaper);
}

/*
 * The ioctl @uc on @file (NULL: another ioctl) enters: its own parked
 * call if this is that ioctl run again, unlisted; NULL if none. This
 * thread's other parked calls are stale, their ioctl not run again (a
 * debugger moved it, or the descriptor went), and given up.
 */
struct mkipc_parked *mkipc_park_enter(struct file *file,
				      struct mkipc_call __user *uc)
{
	unsigned long sp = user_stack_pointer(task_pt_regs(current));
	struct mkipc_parked *p, *found = NULL;
	struct hlist_node *tmp;
	unsigned long flags;
	HLIST_HEAD(stale);

	raw_spin_lock_irqsave(&mkipc_parked_lock, flags);
	hash_for_each_possible_safe(mkipc_parked_hash, p, tmp, node,
				    (unsigned long)current) {
		if (p->task != current)
			continue;
		hash_del(&p->node);
		if (!found && file && p->file == file && p->uc == uc &&
		    p->sp == sp)
			found = p;
		else
			hlist_add_head(&p->node, &stale);
	}
	raw_spin_unlock_irqrestore(&mkipc_parked_lock, flags);
	hlist_for_each_entry_safe(p, tmp, &stale, node) {
		hlist_del(&p->node);
		mkipc_park_settle(p);
	}
	return found;
}

/*
 * The ioctl @uc on @file, run again: its parked call (the caller's
 * reference), with its arguments and deadline; or NULL.
 */
struct mkipc_kmsg *mkipc_unpark(struct file *file,
				struct mkipc_call __user *uc,
				struct mkipc_call *c, ktime_t *deadline)
{
	struct mkipc_parked *p = mkipc_park_enter(file, uc);
	struct mkipc_kmsg *m;

	if (!p)
		return NULL;
	*c = p->c;
	*deadline = p->deadline;
	m = p->m;
	atomic_dec(&mkipc_parked_nr);
	fput(p->file);		/* not the last: the ioctl has it */
	kfree(p);
	mkipc_stat_inc(MKIPC_STAT_CALLS_RESUMED);
	return m;
}

/*
 * @t exits (the exit probe, atomic): its parked calls are given up now,
 * before its parent can see it gone, so that no reply to it succeeds
 * after; the rest is the reaper's, which needs no allocation here.
 */
void mkipc_park_exit(struct task_struct *t)
{
	struct mkipc_parked *p;
	struct hlist_node *tmp;
	unsigned long flags;

	raw_spin_lock_irqsave(&mkipc_parked_lock, flags);
	hash_for_each_possible_safe(mkipc_parked_hash, p, tmp, node,
				    (unsigned long)t) {
		if (p->task != t)
			continue;
		if (!p->settled) {
			p->state = mkipc_call_cancel(mkipc_parked_ep(p), p->m,
						     &p->undone);
			p->settled = true;
		}
		hash_del(&p->node);
		mkipc_park_bury_locked(p);
	}
	raw_spin_unlock_irqrestore(&mkipc_parked_lock, flags);
}

/*
 * Whether the arch code has set up the restart of the parked ioctl @p
 * already, in a first pass through get_signal() that found no handler to
 * run: on x86, ax back to the system call's number and ip back onto the
 * 2-byte instruction (arch_do_signal_or_restart()).
 */
static bool mkipc_park_armed(struct pt_regs *regs, struct mkipc_parked *p)
{
#ifdef CONFIG_X86
	return instruction_pointer(regs) + 2 == p->ip &&
	       regs->ax == regs->orig_ax;
#else
	return false;
#endif
}

/*
 * The result of the ended call @p, for an ioctl that cannot run again:
 * the reply written out as mkipc_call_wait() would, but without faulting
 * (atomic), so EFAULT also if the buffer is not in memory now.
 */
static long mkipc_park_result(struct mkipc_parked *p, int state)
{
	struct mkipc_kmsg *m = p->m, *rep;
	u64 label;
	u32 size;

	/* Acquire: pairs with mkipc_call_end()'s cmpxchg, for ->reply. */
	state = atomic_read_acquire(&m->state);
	rep = m->reply;
	label = rep ? rep->label : m->rep_label;
	size = rep ? rep->size : m->rep_size;
	if (state == MKIPC_CALL_FAILED)
		return -EPIPE;
	if (state == MKIPC_CALL_ORPHANED)
		return -EOWNERDEAD;
	if ((size && copy_to_user_nofault(u64_to_user_ptr(p->c.rep.data),
					  rep ? rep->data : m->data + m->size,
					  size)) ||
	    copy_to_user_nofault(&p->uc->rep.label, &label, sizeof(label)) ||
	    copy_to_user_nofault(&p->uc->rep.size, &size, sizeof(size)))
		return -EFAULT;
	return 0;
}

/*
 * signal_deliver, in get_signal(): under the signal lock, IRQs off, the
 * handler of @ka about to be set up. The interrupted ioctl returns
 * -ERESTARTNOHAND, or its restart is armed already: both are ours.
 */
void mkipc_park_signal_probe(void *data, int sig,
			     struct kernel_siginfo *info,
			     struct k_sigaction *ka)
{
	struct pt_regs *regs = task_pt_regs(current);
	struct mkipc_parked *p, *found = NULL;
	unsigned long args[6], flags;
	bool armed = false, renew;
	long ret;
	int state;

	if (likely(!atomic_read(&mkipc_parked_nr)))
		return;
	/* A stop, an ignored or a default action: the restart waits on. */
	if (ka->sa.sa_handler == SIG_DFL || ka->sa.sa_handler == SIG_IGN)
		return;
	syscall_get_arguments(current, regs, args);
	raw_spin_lock_irqsave(&mkipc_parked_lock, flags);
	hash_for_each_possible(mkipc_parked_hash, p, node,
			       (unsigned long)current) {
		if (p->task != current ||
		    p->nr != syscall_get_nr(current, regs) ||
		    memcmp(p->args, args, 3 * sizeof(args[0])))
			continue;
		armed = mkipc_park_armed(regs, p);
		if (armed || (instruction_pointer(regs) == p->ip &&
			      syscall_get_error(current, regs) ==
			      -ERESTARTNOHAND)) {
			found = p;
			break;
		}
	}
	if (!found) {
		raw_spin_unlock_irqrestore(&mkipc_parked_lock, flags);
		return;
	}
	hash_del(&found->node);
	state = mkipc_call_cancel(mkipc_parked_ep(found), found->m,
				  &found->undone);
	found->settled = true;
	found->state = state;
	if (state != MKIPC_CALL_QUEUED && state != MKIPC_CALL_TAKEN) {
		/*
		 * Ended while parked: the ioctl returns how, before the
		 * handler runs, as it did when the wait saw the end and the
		 * signal together; no reply is lost to the handler.
		 */
		ret = mkipc_park_result(found, state);
		if (armed)
			instruction_pointer_set(regs, found->ip);
		syscall_set_return_value(current, regs, ret, 0);
	} else {
		/* Withdrawn: restarts as a new call, as before parking. */
		renew = state == MKIPC_CALL_QUEUED &&
			(ka->sa.sa_flags & SA_RESTART) && !found->c.timeout_ns;
		if (armed && !renew) {
			/* Undo the restart: the handler's return sees EINTR. */
			instruction_pointer_set(regs, found->ip);
			syscall_set_return_value(current, regs, -EINTR, 0);
		} else if (!armed && renew) {
			syscall_set_return_value(current, regs, -ERESTARTSYS, 0);
		}
	}
	raw_spin_unlock_irqrestore(&mkipc_parked_lock, flags);
	/* The rest before the thread runs the handler; else the reaper's. */
	init_task_work(&found->cb, mkipc_park_settle_work);
	if (task_work_add(current, &found->cb, TWA_RESUME)) {
		raw_spin_lock_irqsave(&mkipc_parked_lock, flags);
		mkipc_park_bury_locked(found);
		raw_spin_unlock_irqrestore(&mkipc_parked_lock, flags);
	}
}

void mkipc_park_flush(void)
{
	flush_work(&mkipc_park_reaper);
}
