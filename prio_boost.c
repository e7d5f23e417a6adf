// SPDX-License-Identifier: GPL-2.0
/*
 * Priority inheritance across calls, and the IPC-completion boost.
 *
 * The rules userspace sees are in include/uapi/linux/mkipc.h ("Priority");
 * the hooks endpoint.c calls are listed in include/prio_boost.h. Here is
 * how they are kept.
 *
 * The scheduler sees everything: a raised thread really runs at the raised
 * policy and priority, set with sched_setattr_nocheck() (a module cannot
 * reach the kernel's own rt_mutex inheritance, rt_mutex_setprio()). That
 * call takes the task's pi_lock and runqueue lock and may not be made from
 * interrupt context, so every change is made in process context, under
 * one lock, mkipc_prio_lock, which guards every record below. It is an
 * rt_mutex, whose waiters lend the holder their priority: the holder may
 * be any thread that calls (SCHED_OTHER, preemptible, in a kzalloc() or a
 * sched_setattr_nocheck()), and a plain mutex would let whatever outranks
 * that holder (a boosted thread spinning at SCHED_FIFO 1, a real-time
 * hog) hold off every waiter: the decay thread ending a boost, and every
 * other caller's priority hook.
 *
 * Records
 *
 *   struct mkipc_pt	one per thread mkipc has changed or may change: its
 *			own settings (base), what mkipc last left it at
 *			(applied), the donations raising it, its completion
 *			boost. Created on the first donation or boost, freed
 *			(after an RCU grace period, for lockless lookups) once
 *			it has none and the thread is back at its own
 *			settings. Holds a reference to the task.
 *   struct mkipc_pi_don one donation (prio_boost.h): inside a call's
 *			message, inside a waiting receiver's stack record, or
 *			inside a guard. Attached to at most one mkipc_pt.
 *
 * A thread's level is the highest of its base and its donations: the
 * highest RT priority among them (if any), and the lowest nice. A boost
 * counts as one more donation, SCHED_FIFO 1.
 *
 * Settings changed behind mkipc's back. Before every change mkipc reads the
 * thread's settings again; if they are no longer what mkipc left them at,
 * someone else (sched_setattr, setpriority) changed them, and they become
 * the new base if the thread could have set them itself from the old
 * base; else the kernel allowed the change only because of the raise
 * (it checks RLIMIT_RTPRIO against the current RT priority, RLIMIT_NICE
 * against the current nice) and the old base stays. A change made between
 * mkipc's read and its write is overwritten: the kernel offers modules no
 * way to change a task's settings conditionally.
 *
 * Calls. A call's donation is attached by the server thread that takes it
 * (mkipc_prio_take()) and detached by whoever sees the call end. The taker
 * writes ->target, then (full barrier) reads the call's state; whoever
 * ends the call moves its state (cmpxchg, a full barrier), then reads
 * ->target (mkipc_prio_call_end()). So at least one of them sees the other,
 * and the detach, done under the mutex, is idempotent. The taker also
 * sets ->held, before the same barrier: the ender of a call that raised
 * its taker takes the mutex even when it finds ->target clear, which a
 * woken caller's detach does before it restores the taker, so that a
 * server's REPLY never returns while another thread is still restoring
 * it. ->target is cleared first, not last, so that the caller does not
 * need the mutex when the server detaches: a server restored below its
 * caller is preempted by it while it holds the mutex, and a caller that
 * then waited for the mutex would wait behind whatever else outranks the
 * server (prio.inversion).
 *
 * Waiting receivers. Before a call wakes a receiver, the caller claims the
 * first waiting receiver of the endpoint (mkipc_prio_queued()) and attaches
 * the call's donation to it, so that the receiver cannot be preempted by a
 * middle priority before it runs and takes the call (Binder does the same
 * for the thread it picks). The wake-up goes to the first waiter too; when
 * another receiver takes the call first, its attach moves the donation
 * away. A receiver that stops waiting without taking the call detaches
 * it (mkipc_prio_idle_drop(), a cleanup guard on the receive): a call no
 * server has taken raises nobody once its claim is over. ->claimer and
 * ->claim link the two while the claim lasts, under mkipc_prio_lock.
 *
 * Chains. A caller with a record (a raised server calling on) is linked to
 * its call's donation; when the caller's level drops while it waits, the
 * donation drops with it, down the chain (at most MKIPC_PRIO_DEPTH links).
 *
 * The completion boost. A thread an IPC wakes gets SCHED_FIFO 1 for
 * boost_ns: set before the wake-up, ended by an hrtimer whose callback (in
 * interrupt context, so it cannot call the scheduler) hands the record to
 * the kthread mkipc_decay, a SCHED_FIFO thread that restores it. The
 * deadline is ktime (CLOCK_MONOTONIC), not the TSC: it survives migration
 * between CPUs. The decay thread's priority is above the boost's, so a
 * boosted thread spinning in userspace cannot keep it from running, nor
 * from taking mkipc_prio_lock: a holder the spinner preempted inherits
 * the decay thread's priority until it lets go (prio.boost_ends_under_lock).
 * A user gets at most one boost per MKIPC_BOOST_DUTY * boost_ns, on all
 * CPUs together: mkipc_boost_users holds the time of each user's last, by
 * uid. Not per CPU: a boosted thread may move itself to another CPU, and a
 * budget per CPU would let it gather the budgets of every CPU on one. Not
 * a hash of a few slots: one user with many uids could fill those and
 * leave everyone else's boosts refused.
 *
 * Locking
 *
 *   mkipc_prio_lock	rt_mutex (see above): every mkipc_pt and
 *			mkipc_pt_hash (also looked up under RCU), every
 *			attached donation (->target and ->held are also
 *			read without it: see "Calls"), a waiting
 *			receiver's ->claim, mkipc_boost_new_users, the
 *			writes to mkipc_boost_users, the arming of every
 *			boost timer. Process context only: the hooks (from
 *			ioctls, task_work, endpoint.c's reaper and
 *			taker-exit work), the decay thread, a guard,
 *			unload. Held across kzalloc(), xa_store(),
 *			hrtimer_cancel() and sched_setattr_nocheck().
 *   idleq.lock		spinlock, not irq-safe, one per endpoint: the idle
 *			list, and each listed receiver's ->node, ->claimed
 *			and ->raised. Process context: a receiver in
 *			mkipc_prio_idle_enter() and _leave(), a sender or
 *			caller in mkipc_prio_queued(), which looks at the
 *			list's first ->next without it (see there).
 *   mkipc_decay_lock	raw spinlock, IRQs off at every taking:
 *			mkipc_decay_list, each record's ->decay_node and
 *			->on_decay. The boost timer's callback (hardirq),
 *			the decay thread, mkipc_pt_timer_stop().
 *   p->pi_lock		the kernel's, raw, irq-safe: mkipc_prio_read()
 *			takes it to read a thread's settings, which their
 *			writers change under it; sched_setattr_nocheck()
 *			takes it itself, with the runqueue's lock.
 *   the users' table	xa_lock(&mkipc_boost_users), the xarray's own,
 *			inside xa_store() and xa_erase(), whose callers
 *			hold mkipc_prio_lock; xa_load() reads under RCU.
 *
 * Nesting, A -> B when B is taken while A is held, every edge there is
 * and where:
 *
 *   mkipc_prio_lock -> idleq.lock: mkipc_prio_queued(), to claim a
 *     receiver.
 *   mkipc_prio_lock -> mkipc_decay_lock: mkipc_decay_run(), and
 *     mkipc_pt_timer_stop() from mkipc_pt_put() and mkipc_prio_uninit().
 *   mkipc_prio_lock -> p->pi_lock: mkipc_prio_read() from mkipc_pt_get()
 *     and mkipc_pt_apply(); sched_setattr_nocheck() in mkipc_pt_apply()
 *     (p->pi_lock, the runqueue's lock, the wait locks of p's PI chain).
 *   mkipc_prio_lock -> xa_lock(&mkipc_boost_users): mkipc_boost_budget(),
 *     mkipc_boost_prune().
 *   mkipc_prio_lock -> the hrtimer base lock: hrtimer_start() in
 *     mkipc_boost() and mkipc_decay_run(), hrtimer_cancel() in
 *     mkipc_pt_timer_stop().
 *
 * From outside: endpoint.c's mkipc_eps_lock -> mkipc_prio_lock (its
 * taker-exit work ends calls under it), and the in-kernel tests' job
 * mutex -> mkipc_prio_lock (a guard, ktests/). No path takes a pair the
 * other way. idleq.lock, mkipc_decay_lock and the users' table's lock
 * are leaves: nothing is taken under them (the timer callback wakes the
 * decay thread after letting go), and none is held across a sleep or
 * mkipc_prio_lock: mkipc_prio_idle_enter() drops the old claim before it
 * takes idleq.lock, mkipc_prio_queued() lets go of it before the mutex.
 *
 * mkipc_prio_lock sleeps, and so may sched_setattr_nocheck(), which is
 * not for interrupt context (6.1 takes the cpuset mutex when either
 * policy is SCHED_DEADLINE): the hooks are called, and the mutex taken,
 * only in process context with no spinlock, raw lock, p->pi_lock or RCU
 * read lock held.
 *
 * Without a lock: the ->target and ->held pair against the call's state
 * (see "Calls" and mkipc_prio_call_end()), mkipc_prio_queued()'s look at
 * the idle list ((Q) against (S), in its comment), the RCU lookups of
 * mkipc_pt_exists() and mkipc_boost_due(), mkipc_prio_peek()'s guesses.
 *
 * PREEMPT_RT, where a spinlock_t sleeps and a raw one does not:
 * mkipc_decay_lock is raw because the boost timer is a hard one, whose
 * callback runs in hardirq context there too (see its declaration);
 * idleq.lock is a spinlock_t, so a sleeping lock there, taken only where
 * the thread may sleep, under the rt_mutex at most.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/rtmutex.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/prio.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <uapi/linux/sched/types.h>

#include "params.h"
#include "prio_boost.h"
#include "stats.h"

#include "mkipc_trace.h"

/* Links followed when a caller's drop passes down a chain. */
#define MKIPC_PRIO_DEPTH	8
/* A boost of boost_ns at most once per this many boost_ns. */
#define MKIPC_BOOST_DUTY	100
#define MKIPC_BOOST_NS_MAX	(10 * NSEC_PER_MSEC)
/* Users seen anew between two prunes of mkipc_boost_users. */
#define MKIPC_BOOST_PRUNE	64

/* The hooks read it unlocked: a marked store. */
static bool mkipc_priority_tracking = true;
module_param_cb(priority_tracking, &mkipc_param_bool_ops,
		&mkipc_priority_tracking, 0644);
MODULE_PARM_DESC(priority_tracking,
		 "Priority inheritance and completion boost for calls and messages queued from now on (default: Y)");

/*
 * Off by default: under emulation the boost made a one-CPU round trip's
 * p99 2.5x and its average 1.2x what they are without it (README).
 */
static unsigned int mkipc_boost_ns;

static int mkipc_boost_ns_set(const char *val, const struct kernel_param *kp)
{
	unsigned int ns;
	int err = kstrtouint(val, 0, &ns);

	if (err)
		return err;
	if (ns > MKIPC_BOOST_NS_MAX)
		return -EINVAL;
	WRITE_ONCE(mkipc_boost_ns, ns);
	return 0;
}

static const struct kernel_param_ops mkipc_boost_ns_ops = {
	.set = mkipc_boost_ns_set,
	.get = param_get_uint,
};

module_param_cb(boost_ns, &mkipc_boost_ns_ops, &mkipc_boost_ns, 0644);
MODULE_PARM_DESC(boost_ns,
		 "IPC-completion boost, SCHED_FIFO 1 for this many ns, 0 for none, at most 10 ms (default: 0)");

/* One thread mkipc changes. See the top of the file. */
struct mkipc_pt {
	struct hlist_node hnode;	/* in mkipc_pt_hash */
	struct task_struct *task;	/* a reference */
	struct list_head dons;		/* struct mkipc_pi_don, raising it */
	struct mkipc_prio base;		/* its own settings */
	bool base_rof;			/* its own SCHED_RESET_ON_FORK */
	struct mkipc_prio applied;	/* as read back after mkipc's change */
	bool changed;			/* it runs at applied, not base */
	struct mkipc_pi_don *calling;	/* its call's donation, as a caller */
	/* The completion boost. */
	bool boosted;
	bool on_decay;			/* queued for decay; mkipc_decay_lock */
	ktime_t boost_end;
	struct hrtimer timer;
	struct list_head decay_node;	/* in mkipc_decay_list */
	struct rcu_head rcu;
};

static DEFINE_RT_MUTEX(mkipc_prio_lock);	/* every record, every change */
static DEFINE_HASHTABLE(mkipc_pt_hash, 8);	/* by task; RCU for lookups */
static atomic_t mkipc_pt_count = ATOMIC_INIT(0);

/*
 * mkipc_decay_list. Raw: the boost timer is an HRTIMER_MODE_ABS_HARD timer,
 * whose callback runs in hard-interrupt context also on PREEMPT_RT, where a
 * spinlock_t is a sleeping lock. The callback takes only this lock and
 * wakes the decay thread (wake_up_process() takes raw locks only); every
 * section under it is a few list operations, never a sleep or a wake-up.
 */
static DEFINE_RAW_SPINLOCK(mkipc_decay_lock);
static LIST_HEAD(mkipc_decay_list);
static struct task_struct *mkipc_decay_thread;

/*
 * uid (in the initial namespace) -> time of its last boost, ktime ns, as
 * an xarray value. Written under mkipc_prio_lock, read locklessly (RCU) for
 * the quick look. An entry older than MKIPC_BOOST_DUTY * MKIPC_BOOST_NS_MAX
 * limits nothing: such entries go every MKIPC_BOOST_PRUNE new users, so
 * the table holds about as many users as boosted within the last second.
 */
static DEFINE_XARRAY(mkipc_boost_users);
static unsigned int mkipc_boost_new_users;	/* under mkipc_prio_lock */

static const struct mkipc_prio mkipc_boost_level = {
	.policy = SCHED_FIFO, .rt = 1, .nice = MAX_NICE,
};

/* --- levels -------------------------------------------------------------- */

static bool mkipc_rt(int policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR;
}

static bool mkipc_fair(int policy)
{
	return policy == SCHED_NORMAL || policy == SCHED_BATCH;
}

static bool mkipc_prio_eq(const struct mkipc_prio *a,
			  const struct mkipc_prio *b)
{
	return a->policy == b->policy && a->rt == b->rt && a->nice == b->nice;
}

/* @p's settings now; *rof its reset-on-fork. Writers hold p->pi_lock. */
static void mkipc_prio_read(struct task_struct *p, struct mkipc_prio *l,
			    bool *rof)
{
	unsigned long flags;
	bool reset;

	raw_spin_lock_irqsave(&p->pi_lock, flags);
	l->policy = p->policy;
	l->rt = mkipc_rt(p->policy) ? p->rt_priority : 0;
	l->nice = task_nice(p);
	/*
	 * The bit is written under pi_lock, held here; the bits sharing its
	 * byte (sched_contributes_to_load, ...) under other locks, hence
	 * data_race(): their races are not this read's.
	 */
	reset = data_race(!!p->sched_reset_on_fork);
	raw_spin_unlock_irqrestore(&p->pi_lock, flags);
	if (rof)
		*rof = reset;
}

/*
 * The same without the lock, for quick decisions that are made again under
 * mkipc_prio_lock; a torn read only makes one wrong guess.
 */
static void mkipc_prio_peek(struct task_struct *p, struct mkipc_prio *l)
{
	l->policy = READ_ONCE(p->policy);
	l->rt = mkipc_rt(l->policy) ? READ_ONCE(p->rt_priority) : 0;
	l->nice = PRIO_TO_NICE(READ_ONCE(p->static_prio));
}

/* Whether @p is on its way out: a hint, see below. */
static bool mkipc_exiting(struct task_struct *p)
{
	/*
	 * Its exit sets PF_EXITING, as other paths set other flags, with a
	 * plain read-modify-write of ->flags. A thread that exits after
	 * this is only restored in vain.
	 */
	return data_race(READ_ONCE(p->flags) & PF_EXITING);
}

/* One of @p's resource limits, read without its lock. */
static unsigned long mkipc_rlimit(struct task_struct *p, unsigned int limit)
{
	/*
	 * prlimit() stores a limit with a plain copy under task_lock(),
	 * which the kernel's own unlocked readers do not take either: the
	 * old or the new value, both the thread's right a moment apart.
	 */
	return data_race(task_rlimit(p, limit));
}

/* Whether a donation of @d would raise a thread at @l. */
static bool mkipc_prio_raises(const struct mkipc_prio *d,
			      const struct mkipc_prio *l)
{
	if (l->policy == SCHED_DEADLINE)
		return false;
	if (mkipc_rt(d->policy))
		return !mkipc_rt(l->policy) || d->rt > l->rt;
	if (mkipc_rt(l->policy))
		return false;
	return l->policy == SCHED_IDLE || d->nice < l->nice;
}

/*
 * Whether @p could have moved itself from @from to @to with
 * sched_setattr() or setpriority(): the kernel's checks, made against its
 * own settings rather than raised ones. Only a raise needs a right.
 */
static bool mkipc_prio_entitled(struct task_struct *p,
				const struct mkipc_prio *from,
				const struct mkipc_prio *to)
{
	unsigned long rtprio;

	if (to->policy == SCHED_DEADLINE || to->policy == SCHED_IDLE)
		return true;	/* deadline: only root can; idle: anyone */
	if (mkipc_rt(to->policy)) {
		if (mkipc_rt(from->policy) && to->rt <= from->rt)
			return true;
		rtprio = mkipc_rlimit(p, RLIMIT_RTPRIO);
		if ((mkipc_rt(from->policy) || rtprio) && to->rt <= rtprio)
			return true;
	} else {
		/* An RT thread keeps a nice level too, for going back. */
		if (from->policy != SCHED_IDLE && to->nice >= from->nice)
			return true;
		if (nice_to_rlimit(to->nice) <= mkipc_rlimit(p, RLIMIT_NICE))
			return true;
	}
	return has_capability_noaudit(p, CAP_SYS_NICE);
}

/* What a thread at @l passes on to a server; d->valid if anything. */
static void mkipc_prio_donation(const struct mkipc_prio *l, bool inherit_rt,
				struct mkipc_pi_don *d)
{
	d->valid = mkipc_fair(l->policy) || mkipc_rt(l->policy);
	d->orig.nice = l->nice;
	if (inherit_rt && mkipc_rt(l->policy)) {
		d->orig.policy = l->policy;
		d->orig.rt = l->rt;
	} else {
		d->orig.policy = SCHED_NORMAL;
		d->orig.rt = 0;
	}
	d->cur = d->orig;
}

/* --- records ------------------------------------------------------------- */

static struct mkipc_pt *mkipc_pt_find(struct task_struct *p)
{
	struct mkipc_pt *pt;

	/* Under rcu_read_lock() or mkipc_prio_lock, which writers hold. */
	hash_for_each_possible_rcu(mkipc_pt_hash, pt, hnode, (unsigned long)p,
				   lockdep_is_held(&mkipc_prio_lock))
		if (pt->task == p)
			return pt;
	return NULL;
}

/* Whether @p has a record; lockless, a hint for fast paths. */
static bool mkipc_pt_exists(struct task_struct *p)
{
	bool ret;

	rcu_read_lock();
	ret = mkipc_pt_find(p);
	rcu_read_unlock();
	return ret;
}

static enum hrtimer_restart mkipc_boost_timer_fn(struct hrtimer *t);

static struct mkipc_pt *mkipc_pt_get(struct task_struct *p)
{
	struct mkipc_pt *pt;

	lockdep_assert_held(&mkipc_prio_lock);
	pt = mkipc_pt_find(p);
	if (pt)
		return pt;
	pt = kzalloc(sizeof(*pt), GFP_KERNEL);
	if (!pt)
		return NULL;
	get_task_struct(p);
	pt->task = p;
	INIT_LIST_HEAD(&pt->dons);
	INIT_LIST_HEAD(&pt->decay_node);
	hrtimer_init(&pt->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	pt->timer.function = mkipc_boost_timer_fn;
	mkipc_prio_read(p, &pt->base, &pt->base_rof);
	pt->applied = pt->base;
	hash_add_rcu(mkipc_pt_hash, &pt->hnode, (unsigned long)p);
	atomic_inc(&mkipc_pt_count);
	return pt;
}

static void mkipc_pt_free_rcu(struct rcu_head *rcu)
{
	struct mkipc_pt *pt = container_of(rcu, struct mkipc_pt, rcu);

	put_task_struct(pt->task);
	kfree(pt);
}

/*
 * Stops @pt's boost timer and takes @pt off the decay list (the global one
 * or mkipc_decay_run()'s own), where its callback may have queued it.
 * Nothing arms the timer again meanwhile: only mkipc_boost() does, under
 * the mutex the caller holds.
 */
static void mkipc_pt_timer_stop(struct mkipc_pt *pt)
{
	lockdep_assert_held(&mkipc_prio_lock);
	hrtimer_cancel(&pt->timer);
	raw_spin_lock_irq(&mkipc_decay_lock);
	if (pt->on_decay)
		list_del_init(&pt->decay_node);
	pt->on_decay = false;
	raw_spin_unlock_irq(&mkipc_decay_lock);
}

/*
 * Frees @pt if nothing holds it any more. A boost that mkipc_decay_run()
 * ended may still have a callback pending or running, of an extension
 * whose end had passed too: stopped here, not waited for.
 */
static void mkipc_pt_put(struct mkipc_pt *pt)
{
	lockdep_assert_held(&mkipc_prio_lock);
	if (!list_empty(&pt->dons) || pt->boosted || pt->calling ||
	    pt->changed)
		return;
	mkipc_pt_timer_stop(pt);
	hash_del_rcu(&pt->hnode);
	atomic_dec(&mkipc_pt_count);
	call_rcu(&pt->rcu, mkipc_pt_free_rcu);
}

/*
 * The highest RT priority @pt's thread may be lent: what it could set
 * itself. An RT thread that never replies holds its CPU against all below
 * it, so RT is not lent past the borrower's own right; a nice level is
 * (see the contract): CFS keeps sharing the CPU whatever the weights.
 */
static int mkipc_pt_rt_cap(struct mkipc_pt *pt)
{
	int cap;

	if (has_capability_noaudit(pt->task, CAP_SYS_NICE))
		return MAX_RT_PRIO - 1;
	cap = min_t(unsigned long, mkipc_rlimit(pt->task, RLIMIT_RTPRIO),
		    MAX_RT_PRIO - 1);
	if (mkipc_rt(pt->base.policy))
		cap = max_t(int, cap, pt->base.rt);
	return cap;
}

/*
 * The level @pt's donations, and its boost if @boost, raise its base to.
 * What a thread passes on to a server never includes its boost.
 */
static void mkipc_pt_want(struct mkipc_pt *pt, struct mkipc_prio *want,
			  bool boost)
{
	struct mkipc_pi_don *d;
	bool donated = false;
	int nice = MAX_NICE;

	*want = pt->base;
	if (pt->base.policy == SCHED_DEADLINE)
		return;
	list_for_each_entry(d, &pt->dons, node) {
		int rt = min_t(int, d->cur.rt, mkipc_pt_rt_cap(pt));

		if (mkipc_rt(d->cur.policy) && rt > 0 &&
		    (!mkipc_rt(want->policy) || rt > want->rt)) {
			want->policy = d->cur.policy;
			want->rt = rt;
		}
		nice = min_t(int, nice, d->cur.nice);
		donated = true;
	}
	if (boost && pt->boosted && !mkipc_rt(want->policy)) {
		want->policy = mkipc_boost_level.policy;
		want->rt = mkipc_boost_level.rt;
	}
	if (!donated)
		return;
	if (want->policy == SCHED_IDLE) {
		want->policy = SCHED_NORMAL;
		want->nice = nice;
	} else {
		want->nice = min_t(int, want->nice, nice);
	}
}

static void mkipc_pt_propagate(struct mkipc_pt *pt, int depth);

/* Counts a change mkipc made, by why it made it. */
static void mkipc_prio_count(enum mkipc_prio_why why)
{
	if (why == MKIPC_PRIO_INHERIT)
		mkipc_stat_inc(MKIPC_STAT_PRIO_RAISE);
	else if (why == MKIPC_PRIO_RESTORE)
		mkipc_stat_inc(MKIPC_STAT_PRIO_RESTORE);
}

/*
 * Brings @pt's thread to the level its base, donations and boost make,
 * noticing a change made behind mkipc's back first. Frees nothing.
 */
static void mkipc_pt_apply(struct mkipc_pt *pt, enum mkipc_prio_why why,
			   int depth)
{
	struct task_struct *p = pt->task;
	struct sched_attr attr = { .size = sizeof(attr) };
	struct mkipc_prio now, want;
	bool rof, raised;
	int err;

	lockdep_assert_held(&mkipc_prio_lock);
	mkipc_prio_read(p, &now, &rof);
	if (!pt->changed) {
		/* Its own settings, whatever they are now. */
		pt->base = now;
		pt->base_rof = rof;
	} else if (!mkipc_prio_eq(&now, &pt->applied)) {
		bool ok = mkipc_prio_entitled(p, &pt->base, &now);

		mkipc_stat_inc(MKIPC_STAT_PRIO_EXTERNAL);
		if (!ok)
			mkipc_stat_inc(MKIPC_STAT_PRIO_REFUSED);
		trace_mkipc_prio(p, &pt->base, &now, ok ? MKIPC_PRIO_EXTERNAL :
				 MKIPC_PRIO_REFUSED);
		if (ok)
			pt->base = now;
	}

	mkipc_pt_want(pt, &want, true);
	if (now.policy == SCHED_DEADLINE || mkipc_exiting(p)) {
		/* Never touched; or gone, with nothing to restore. */
		pt->changed = false;
		pt->applied = now;
		return;
	}
	raised = !mkipc_prio_eq(&want, &pt->base);
	/* Raised: no child inherits the raise. Else its own flag back. */
	if (mkipc_prio_eq(&want, &now) && rof == (raised || pt->base_rof)) {
		pt->applied = now;
		pt->changed = raised;
		goto out;
	}

	attr.sched_policy = want.policy;
	attr.sched_priority = want.rt;
	attr.sched_nice = want.nice;
	if (raised || pt->base_rof)
		attr.sched_flags = SCHED_FLAG_RESET_ON_FORK;
	err = sched_setattr_nocheck(p, &attr);
	if (err)
		pr_warn_ratelimited("sched_setattr %d -> %u/%u/%d: %d\n",
				    task_pid_nr(p), want.policy, want.rt,
				    want.nice, err);
	mkipc_prio_read(p, &pt->applied, NULL);
	pt->changed = !mkipc_prio_eq(&pt->applied, &pt->base);
	trace_mkipc_prio(p, &now, &pt->applied, why);
	mkipc_prio_count(why);
out:
	mkipc_pt_propagate(pt, depth);
}

/*
 * @pt's thread waits in a call whose donation it passed on: lower what that
 * passes on to what the thread has now, and pass the drop down the chain.
 */
static void mkipc_pt_propagate(struct mkipc_pt *pt, int depth)
{
	struct mkipc_pi_don *d = pt->calling;
	struct mkipc_prio have, cur;

	if (!d || depth >= MKIPC_PRIO_DEPTH)
		return;
	mkipc_pt_want(pt, &have, false);
	cur = d->orig;
	if (!mkipc_rt(have.policy) || !mkipc_rt(cur.policy)) {
		cur.policy = SCHED_NORMAL;
		cur.rt = 0;
	} else {
		cur.rt = min(cur.rt, have.rt);
	}
	cur.nice = max(cur.nice, have.nice);
	if (mkipc_prio_eq(&cur, &d->cur))
		return;
	d->cur = cur;
	if (d->target)
		mkipc_pt_apply(d->target, MKIPC_PRIO_INHERIT, depth + 1);
}

/* The claim of a receiver by @d is over (taken, moved, ended). */
static void mkipc_don_unclaim(struct mkipc_pi_don *d)
{
	if (d->claimer) {
		d->claimer->claim = NULL;
		d->claimer = NULL;
	}
}

static void mkipc_don_detach(struct mkipc_pi_don *d);

/* Attaches @d to @p's record (moving it if attached elsewhere). */
static void mkipc_don_attach(struct mkipc_pi_don *d, struct task_struct *p)
{
	struct mkipc_pt *pt, *old = d->target;

	lockdep_assert_held(&mkipc_prio_lock);
	pt = mkipc_pt_get(p);
	if (pt == old)
		return;
	if (!pt) {
		/*
		 * No memory: no raise, as if not needed. Nor a raise left
		 * where the donation was: a claimed receiver that did not
		 * take the call would keep it for as long as the call lasts.
		 */
		mkipc_don_detach(d);
		return;
	}
	mkipc_don_unclaim(d);
	if (old)
		list_del(&d->node);
	list_add(&d->node, &pt->dons);
	WRITE_ONCE(d->target, pt);
	mkipc_pt_apply(pt, MKIPC_PRIO_INHERIT, 0);
	if (old) {
		mkipc_pt_apply(old, MKIPC_PRIO_RESTORE, 0);
		mkipc_pt_put(old);
	}
}

static void mkipc_don_detach(struct mkipc_pi_don *d)
{
	struct mkipc_pt *pt = d->target;

	lockdep_assert_held(&mkipc_prio_lock);
	mkipc_don_unclaim(d);
	if (!pt)
		return;
	list_del(&d->node);
	/* Before the restore: see "Calls" at the top for why. */
	WRITE_ONCE(d->target, NULL);
	mkipc_pt_apply(pt, MKIPC_PRIO_RESTORE, 0);
	mkipc_pt_put(pt);
}

/* --- the completion boost ------------------------------------------------ */

static u32 mkipc_boost_uid(struct task_struct *p)
{
	return from_kuid(&init_user_ns, task_uid(p));
}

/* Whether the user whose last boost @v records may have another now. */
static bool mkipc_boost_spent(void *v, s64 now, u64 ns)
{
	if (!xa_is_value(v))
		return false;
	if (now - (s64)xa_to_value(v) >= (s64)(MKIPC_BOOST_DUTY * ns))
		return false;
	mkipc_stat_inc(MKIPC_STAT_BOOST_LIMITED);
	return true;
}

/*
 * Whether @p is due a boost: by its policy, and its user's budget, looked
 * at but not taken (mkipc_boost_budget() takes it).
 */
static bool mkipc_boost_due(struct task_struct *p)
{
	u64 ns = READ_ONCE(mkipc_boost_ns);

	if (!ns || !mkipc_fair(READ_ONCE(p->policy)))
		return false;
	return !mkipc_boost_spent(xa_load(&mkipc_boost_users,
					  mkipc_boost_uid(p)),
				  ktime_get_ns(), ns);
}

/* Drops the users whose last boost can no longer limit anything. */
static void mkipc_boost_prune(s64 now)
{
	unsigned long uid;
	void *v;

	xa_for_each(&mkipc_boost_users, uid, v)
		if (now - (s64)xa_to_value(v) >=
		    (s64)(MKIPC_BOOST_DUTY * MKIPC_BOOST_NS_MAX))
			xa_erase(&mkipc_boost_users, uid);
	mkipc_boost_new_users = 0;
}

/* Takes the budget of @p's user; false if spent (or no memory for it). */
static bool mkipc_boost_budget(struct task_struct *p, u64 ns)
{
	u32 uid = mkipc_boost_uid(p);
	s64 now = ktime_get_ns();
	void *old;

	lockdep_assert_held(&mkipc_prio_lock);
	old = xa_load(&mkipc_boost_users, uid);
	if (mkipc_boost_spent(old, now, ns))
		return false;
	if (!old && ++mkipc_boost_new_users >= MKIPC_BOOST_PRUNE)
		mkipc_boost_prune(now);
	/* ktime ns stay far below LONG_MAX / 2, xa_mk_value()'s limit. */
	if (xa_is_err(xa_store(&mkipc_boost_users, uid, xa_mk_value(now),
			       GFP_KERNEL))) {
		mkipc_stat_inc(MKIPC_STAT_BOOST_LIMITED);
		return false;
	}
	return true;
}

/* Boosts @p for boost_ns, if its policy and its user's budget allow. */
static void mkipc_boost(struct task_struct *p)
{
	u64 ns = READ_ONCE(mkipc_boost_ns);
	struct mkipc_pt *pt;

	lockdep_assert_held(&mkipc_prio_lock);
	if (!ns || mkipc_exiting(p) ||
	    !mkipc_fair(READ_ONCE(p->policy)))
		return;
	if (!mkipc_boost_budget(p, ns))
		return;
	pt = mkipc_pt_get(p);
	if (!pt)
		return;
	pt->boost_end = ktime_add_ns(ktime_get(), ns);
	if (!pt->boosted) {
		pt->boosted = true;
		mkipc_stat_inc(MKIPC_STAT_BOOSTS);
		mkipc_pt_apply(pt, MKIPC_PRIO_BOOST, 0);
	}
	hrtimer_start(&pt->timer, pt->boost_end, HRTIMER_MODE_ABS_HARD);
}

static enum hrtimer_restart mkipc_boost_timer_fn(struct hrtimer *t)
{
	struct mkipc_pt *pt = container_of(t, struct mkipc_pt, timer);
	unsigned long flags;

	raw_spin_lock_irqsave(&mkipc_decay_lock, flags);
	if (!pt->on_decay) {
		pt->on_decay = true;
		list_add_tail(&pt->decay_node, &mkipc_decay_list);
	}
	raw_spin_unlock_irqrestore(&mkipc_decay_lock, flags);
	wake_up_process(mkipc_decay_thread);
	return HRTIMER_NORESTART;
}

/* Ends the boosts whose deadline passed; the others wait again. */
static void mkipc_decay_run(void)
{
	struct mkipc_pt *pt;
	LIST_HEAD(list);

	rt_mutex_lock(&mkipc_prio_lock);
	raw_spin_lock_irq(&mkipc_decay_lock);
	list_splice_init(&mkipc_decay_list, &list);
	raw_spin_unlock_irq(&mkipc_decay_lock);
	while ((pt = list_first_entry_or_null(&list, struct mkipc_pt,
					      decay_node))) {
		raw_spin_lock_irq(&mkipc_decay_lock);
		list_del_init(&pt->decay_node);
		pt->on_decay = false;
		raw_spin_unlock_irq(&mkipc_decay_lock);
		if (!pt->boosted)
			continue;	/* a late callback of an ended boost */
		if (ktime_before(ktime_get(), pt->boost_end)) {
			/* Extended meanwhile. */
			hrtimer_start(&pt->timer, pt->boost_end,
				      HRTIMER_MODE_ABS_HARD);
			continue;
		}
		pt->boosted = false;
		mkipc_stat_inc(MKIPC_STAT_BOOST_DECAYS);
		mkipc_pt_apply(pt, MKIPC_PRIO_DECAY, 0);
		mkipc_pt_put(pt);
	}
	rt_mutex_unlock(&mkipc_prio_lock);
}

static int mkipc_decay_fn(void *unused)
{
	for (;;) {
		set_current_state(TASK_IDLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			return 0;
		}
		/* The timer callback's list_add is under the same lock. */
		raw_spin_lock_irq(&mkipc_decay_lock);
		if (!list_empty(&mkipc_decay_list)) {
			raw_spin_unlock_irq(&mkipc_decay_lock);
			__set_current_state(TASK_RUNNING);
			mkipc_decay_run();
			continue;
		}
		raw_spin_unlock_irq(&mkipc_decay_lock);
		schedule();
	}
}

/* --- the hooks (prio_boost.h) --------------------------------------------- */

void mkipc_prio_call_init(struct mkipc_pi_don *d, bool inherit_rt)
{
	struct mkipc_prio l;
	struct mkipc_pt *pt;

	d->target = NULL;
	d->donor = NULL;
	d->claimer = NULL;
	d->valid = false;
	d->held = false;
	if (!READ_ONCE(mkipc_priority_tracking))
		return;
	mkipc_prio_peek(current, &l);
	mkipc_prio_donation(&l, inherit_rt, d);
	if (!mkipc_pt_exists(current))
		return;
	/* A raised caller: link it, so that a drop passes down. */
	rt_mutex_lock(&mkipc_prio_lock);
	pt = mkipc_pt_find(current);
	if (pt) {
		/* Its level, but not its boost: that is not to pass on. */
		mkipc_pt_want(pt, &l, false);
		mkipc_prio_donation(&l, inherit_rt, d);
	}
	if (pt && d->valid && !pt->calling) {
		pt->calling = d;
		d->donor = pt;
	}
	rt_mutex_unlock(&mkipc_prio_lock);
}

void mkipc_prio_call_done(struct mkipc_pi_don *d)
{
	if (!READ_ONCE(d->target) && !d->donor)
		return;
	rt_mutex_lock(&mkipc_prio_lock);
	mkipc_don_detach(d);
	if (d->donor) {
		d->donor->calling = NULL;
		mkipc_pt_put(d->donor);
		d->donor = NULL;
	}
	rt_mutex_unlock(&mkipc_prio_lock);
}

void mkipc_prio_idle_enter(struct mkipc_prio_idleq *q,
			   struct mkipc_prio_idle *w)
{
	if (!READ_ONCE(mkipc_priority_tracking))
		return;
	/* Waiting again in the same receive: the old claim goes first. */
	mkipc_prio_idle_drop(w);
	w->task = current;
	w->claim = NULL;
	w->claimed = false;
	w->raised = false;
	spin_lock(&q->lock);
	list_add_tail(&w->node, &q->list);
	w->listed = true;
	spin_unlock(&q->lock);
}

void mkipc_prio_idle_leave(struct mkipc_prio_idleq *q,
			   struct mkipc_prio_idle *w)
{
	if (!w->listed)
		return;
	spin_lock(&q->lock);
	list_del(&w->node);
	w->listed = false;
	spin_unlock(&q->lock);
}

/*
 * The guard of a receiver's record, run on every way out of the receive:
 * the call that claimed it and that it did not take raises it no more.
 */
void mkipc_prio_idle_drop(struct mkipc_prio_idle *w)
{
	/* Written under the idleq's lock, which leave took after. */
	if (!w->raised)
		return;
	rt_mutex_lock(&mkipc_prio_lock);
	if (w->claim)
		mkipc_don_detach(w->claim);
	rt_mutex_unlock(&mkipc_prio_lock);
	w->raised = false;
}

/*
 * A message was queued on the endpoint whose waiting receivers @q lists:
 * raise (for a call, donation @d, while its @state is still @queued) and
 * boost the first of them not yet claimed, before the caller wakes it.
 */
void mkipc_prio_queued(struct mkipc_prio_idleq *q, struct mkipc_pi_don *d,
		       atomic_t *state, int queued)
{
	struct task_struct *p = NULL;
	struct mkipc_prio_idle *w;
	struct mkipc_prio l;
	bool raise = false;

	/*
	 * The unlocked look at the list reads only ->next, which list_add
	 * and list_del write with WRITE_ONCE(). It cannot miss a receiver
	 * that will sleep: the enqueue, then (Q) in mkipc_ep_queue(), then
	 * this load, against the receiver's list_add, then (S) in its wait,
	 * then its look at the queue. Either this sees it listed or it sees
	 * the message and takes it (mkipc_prio_take() raises it then).
	 */
	if (!READ_ONCE(mkipc_priority_tracking) || list_empty(&q->list))
		return;

	/* A look first: most wake-ups need neither. */
	spin_lock(&q->lock);
	list_for_each_entry(w, &q->list, node) {
		if (w->claimed)
			continue;
		/* ->orig: ->cur may drop meanwhile, and only drops. */
		mkipc_prio_peek(w->task, &l);
		raise = d && d->valid && mkipc_prio_raises(&d->orig, &l);
		if (raise || mkipc_boost_due(w->task))
			p = w->task;
		break;
	}
	spin_unlock(&q->lock);
	if (!p)
		return;

	rt_mutex_lock(&mkipc_prio_lock);
	/*
	 * A receiver that did not wait may have taken the call meanwhile
	 * (it attaches the donation itself) or even ended it: no claim. One
	 * that takes it after this look moves the donation to itself.
	 */
	if (d && (d->target || atomic_read(state) != queued))
		d = NULL;
	spin_lock(&q->lock);
	p = NULL;
	list_for_each_entry(w, &q->list, node) {
		if (w->claimed)
			continue;
		mkipc_prio_peek(w->task, &l);
		raise = d && d->valid && mkipc_prio_raises(&d->cur, &l);
		if (!raise && !mkipc_boost_due(w->task))
			break;
		/* A raised one cannot leave its wait without this mutex now. */
		w->claimed = true;
		w->raised = raise;
		p = w->task;
		get_task_struct(p);
		break;
	}
	spin_unlock(&q->lock);
	if (p) {
		if (raise) {
			mkipc_don_attach(d, p);
			if (d->target) {
				d->claimer = w;
				w->claim = d;
			}
		}
		mkipc_boost(p);
	}
	rt_mutex_unlock(&mkipc_prio_lock);
	if (p)
		put_task_struct(p);
}

/*
 * The current thread took the call whose donation is @d and whose state,
 * @state, it just set to @taken. The claim of the receiver's record, if
 * any, is dropped by its guard after this.
 */
void mkipc_prio_take(struct mkipc_pi_don *d, atomic_t *state, int taken)
{
	struct mkipc_prio l;

	if (!d->valid)
		return;
	/* ->orig: ->cur may drop meanwhile, and only drops. */
	mkipc_prio_peek(current, &l);
	if (!mkipc_prio_raises(&d->orig, &l) && !READ_ONCE(d->target) &&
	    !mkipc_pt_exists(current))
		return;
	rt_mutex_lock(&mkipc_prio_lock);
	mkipc_don_attach(d, current);
	mkipc_don_unclaim(d);		/* held now, not claimed */
	if (d->target)
		WRITE_ONCE(d->held, true);
	/*
	 * Pairs with the cmpxchg before mkipc_prio_call_end(): the call may
	 * have ended since it was taken, and its ender missed ->target.
	 */
	smp_mb();
	if (atomic_read(state) != taken)
		mkipc_don_detach(d);
	rt_mutex_unlock(&mkipc_prio_lock);
}

void __mkipc_prio_call_end(struct mkipc_pi_don *d)
{
	rt_mutex_lock(&mkipc_prio_lock);
	mkipc_don_detach(d);
	rt_mutex_unlock(&mkipc_prio_lock);
}

/* A reply is about to wake the caller @tid: boost it first. */
void mkipc_prio_boost_caller(struct pid *tid)
{
	struct task_struct *p;

	if (!READ_ONCE(mkipc_priority_tracking) || !READ_ONCE(mkipc_boost_ns))
		return;
	rcu_read_lock();
	p = pid_task(tid, PIDTYPE_PID);
	if (p && mkipc_boost_due(p))
		get_task_struct(p);
	else
		p = NULL;
	rcu_read_unlock();
	if (!p)
		return;
	rt_mutex_lock(&mkipc_prio_lock);
	mkipc_boost(p);
	rt_mutex_unlock(&mkipc_prio_lock);
	put_task_struct(p);
}

struct mkipc_prio_guard *mkipc_prio_guard_enter(struct mkipc_prio_guard *g,
						const struct mkipc_prio *level)
{
	g->don.target = NULL;
	g->don.donor = NULL;
	g->don.claimer = NULL;
	g->don.valid = true;
	g->don.held = false;
	g->don.orig = *level;
	g->don.cur = *level;
	rt_mutex_lock(&mkipc_prio_lock);
	mkipc_don_attach(&g->don, current);
	rt_mutex_unlock(&mkipc_prio_lock);
	return g;
}

void mkipc_prio_guard_exit(struct mkipc_prio_guard *g)
{
	rt_mutex_lock(&mkipc_prio_lock);
	mkipc_don_detach(&g->don);
	rt_mutex_unlock(&mkipc_prio_lock);
}

int mkipc_prio_tasks(void)
{
	return atomic_read(&mkipc_pt_count);
}

void mkipc_prio_current(struct mkipc_prio *l)
{
	mkipc_prio_read(current, l, NULL);
}

/* --- load and unload ----------------------------------------------------- */

int mkipc_prio_init(void)
{
	const struct sched_attr decay_attr = {
		.size = sizeof(decay_attr),
		.sched_policy = SCHED_FIFO,
		.sched_priority = mkipc_boost_level.rt + 1,
	};
	struct task_struct *t;

	t = kthread_create(mkipc_decay_fn, NULL, "mkipc_decay");
	if (IS_ERR(t))
		return PTR_ERR(t);
	/* Above the boost, so that a boosted spinner cannot hold it off. */
	sched_setattr_nocheck(t, &decay_attr);
	mkipc_decay_thread = t;
	wake_up_process(t);
	return 0;
}

/*
 * At unload no endpoint is left (their files pin the module), so no call
 * donation either; boosts may still run: end them now.
 */
void mkipc_prio_uninit(void)
{
	struct hlist_node *tmp;
	struct mkipc_pt *pt;
	int bkt;

	rt_mutex_lock(&mkipc_prio_lock);
	hash_for_each_safe(mkipc_pt_hash, bkt, tmp, pt, hnode) {
		mkipc_pt_timer_stop(pt);
		WARN_ON_ONCE(!list_empty(&pt->dons) || pt->calling);
		pt->boosted = false;
		mkipc_pt_apply(pt, MKIPC_PRIO_DECAY, 0);
		pt->changed = false;
		mkipc_pt_put(pt);
	}
	rt_mutex_unlock(&mkipc_prio_lock);
	kthread_stop(mkipc_decay_thread);
	xa_destroy(&mkipc_boost_users);
	/* The records' RCU callbacks run module code. */
	rcu_barrier();
}
