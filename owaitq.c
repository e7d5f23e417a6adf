// SPDX-License-Identifier: GPL-2.0
/*
 * owaitq: the optimized wait queue and the stock wait_queue_head_t behind
 * one interface. The contract and the lost-wake-up argument, with its
 * two-CPU diagram, are in include/owaitq.h.
 *
 * Barrier pairs, named where they stand:
 *   (S) the sleeper's set_current_state(): a full barrier between listing
 *       itself (nr++) and loading the condition. Pairs with (W).
 *   (W) the waker's smp_mb() between storing the condition and loading nr.
 *       Pairs with (S).
 *   (R) a waker's smp_store_release() of ->woken, its last access to the
 *       waiter; pairs with the sleeper's smp_load_acquire() of ->woken, after
 *       which the sleeper may reuse the waiter's memory (its stack).
 *
 * A waker unlists a waiter and sets ->woken before it wakes the task; a
 * sleeper sets its state (S) before it reads ->woken. Full barriers on
 * both sides (S, and the one wake_up_process() has before it reads the
 * state) mean that either the sleeper sees ->woken and lists itself again
 * before it checks the condition, or the wake-up sees the sleeper's state
 * and makes it runnable. A woken waiter therefore always re-checks the
 * condition, which is how an exclusive wake-up is never dropped.
 *
 * Locking
 *
 *   owq->lock	spinlock, not irq-safe: ->waiters, each waiter's ->o.link
 *		and its ->o.woken store, and every change of ->nr (the
 *		fast path reads ->nr without it). Process context only: a
 *		sleeper in add, relist and del, a waker in
 *		mkipc_owaitq_wake().
 *   wqh.lock	the stock kind's: the kernel's wait_queue_head lock, a
 *		spinlock that prepare_to_wait_event(), finish_wait() and
 *		wake_up*() take with IRQs saved; mkipc takes it in process
 *		context only.
 *
 * Both are leaves but for the scheduler's locks: a wake-up runs
 * try_to_wake_up() under them (the woken task's pi_lock, its runqueue's
 * lock); nothing else is taken and nothing sleeps under them. Neither is
 * held while the condition is evaluated, so a condition may take locks of
 * its own (mkipc_ep_take() takes xa_lock(&ep->calls), and may wake
 * recv_wq). Held around them: endpoint.c's mkipc_eps_lock -> a call's
 * done and send_wq (mkipc_taker_exit_work()), and the in-kernel tests'
 * job mutex (ktests/); no caller holds a spinlock or a raw lock across a
 * wake-up or a wait.
 *
 * Without a lock: the no-sleeper fast path, (W) against (S) above and in
 * the two-CPU argument of owaitq.h, and the sleeper's acquire of ->woken,
 * (R).
 *
 * PREEMPT_RT, where a spinlock_t sleeps: both locks are spinlock_t,
 * sleeping locks there, so a wake-up is for a context that may sleep: not
 * hardirq, not under a raw lock, not with preemption off. mkipc's wakers
 * all are such (endpoint.c's tracepoint probes leave their wake-ups to
 * task_work and workers).
 */
#include <linux/hrtimer.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

#include "kswitch.h"
#include "mkipc_trace.h"
#include "owaitq.h"
#include "stats.h"

/*
 * The scheduler's WF_SYNC flag is private to kernel/sched; its value is
 * learnt at load from what __wake_up_sync_key() passes to a wake function.
 */
static int mkipc_wf_sync;

static int mkipc_learn_wf_sync(struct wait_queue_entry *wqe,
			       unsigned int mode, int flags, void *key)
{
	mkipc_wf_sync = flags;
	return 0;	/* wakes nobody */
}

void mkipc_waitq_setup(void)
{
	struct wait_queue_head wqh;
	struct wait_queue_entry wqe;

	init_waitqueue_head(&wqh);
	init_waitqueue_func_entry(&wqe, mkipc_learn_wf_sync);
	add_wait_queue(&wqh, &wqe);
	__wake_up_sync_key(&wqh, TASK_NORMAL, NULL);
	remove_wait_queue(&wqh, &wqe);
	pr_debug("sync wake-ups use wake flags %#x\n", mkipc_wf_sync);
}

const char *mkipc_waitq_kind_name(enum mkipc_waitq_kind kind)
{
	return kind == MKIPC_WAITQ_STOCK ? "stock" : "owaitq";
}

void mkipc_waitq_init(struct mkipc_waitq *wq, enum mkipc_waitq_kind kind)
{
	wq->kind = kind;
	if (kind == MKIPC_WAITQ_STOCK) {
		init_waitqueue_head(&wq->wqh);
		return;
	}
	atomic_set(&wq->owq.nr, 0);
	spin_lock_init(&wq->owq.lock);
	INIT_LIST_HEAD(&wq->owq.waiters);
}

/* Under owq->lock. Exclusive waiters queue at the tail, others at the head. */
static void mkipc_owaitq_list(struct mkipc_owaitq *owq,
			      struct mkipc_waiter *w)
{
	if (w->o.exclusive)
		list_add_tail(&w->o.link, &owq->waiters);
	else
		list_add(&w->o.link, &owq->waiters);
	WRITE_ONCE(w->o.woken, false);
	/* Ordered before the condition check by (S). */
	atomic_inc(&owq->nr);
}

void mkipc_waitq_add(struct mkipc_waitq *wq, struct mkipc_waiter *w,
		     bool exclusive)
{
	struct mkipc_owaitq *owq = &wq->owq;

	if (wq->kind == MKIPC_WAITQ_STOCK) {
		init_wait_entry(&w->wqe, exclusive ? WQ_FLAG_EXCLUSIVE : 0);
		w->armed = false;
		return;
	}
	w->o.task = current;
	w->o.exclusive = exclusive;
	spin_lock(&owq->lock);
	mkipc_owaitq_list(owq, w);
	spin_unlock(&owq->lock);
}

/* A wake-up unlisted @w and the condition did not hold: list it again. */
void mkipc_waitq_relist(struct mkipc_waitq *wq, struct mkipc_waiter *w)
{
	struct mkipc_owaitq *owq = &wq->owq;

	/* The stock kind's arm() lists it again itself. */
	if (wq->kind == MKIPC_WAITQ_STOCK)
		return;
	spin_lock(&owq->lock);
	mkipc_owaitq_list(owq, w);
	spin_unlock(&owq->lock);
}

/*
 * The task state, then a full barrier: the caller checks the condition
 * next. MKIPC_WAITQ_UNLISTED if a wake-up took us off the queue (the
 * caller lists us again, mkipc_waitq_relist(), if the condition does not
 * hold, and arms again); -ERESTARTSYS if @state lets a pending signal
 * through; else 0.
 */
int mkipc_waitq_arm(struct mkipc_waitq *wq, struct mkipc_waiter *w,
		    unsigned int state)
{
	if (wq->kind == MKIPC_WAITQ_STOCK) {
		/*
		 * Unlisted by a wake-up (autoremove_wake_function(), under
		 * the queue's lock) since the last arm: say so, as owaitq
		 * does, though prepare_to_wait_event() lists it again.
		 */
		bool unlisted = w->armed && list_empty_careful(&w->wqe.entry);

		w->armed = true;
		if (prepare_to_wait_event(&wq->wqh, &w->wqe, state))
			return -ERESTARTSYS;
		return unlisted ? MKIPC_WAITQ_UNLISTED : 0;
	}

	/*
	 * (S): store the state, then a full barrier. Pairs with (W) for the
	 * condition, and with the barrier in the waker's wake_up_process()
	 * for ->woken: either we see ->woken set here, or that wake-up sees
	 * our state and wakes us.
	 */
	set_current_state(state);
	/* (R): listed still, or unlisted by a waker done with us. */
	if (smp_load_acquire(&w->o.woken))
		return MKIPC_WAITQ_UNLISTED;
	if (signal_pending_state(state, current))
		return -ERESTARTSYS;
	return 0;
}

/* Sleep in the state arm() set; -ETIMEDOUT once @deadline has passed. */
int mkipc_waitq_sleep(struct mkipc_waitq *wq, ktime_t deadline)
{
	bool timed = deadline != KTIME_MAX;
	int err = 0;

	trace_mkipc_wait_sleep(wq->kind, timed, 0);
	if (!timed) {
		schedule();
	} else if (!schedule_hrtimeout_range(&deadline,
					     READ_ONCE(current->timer_slack_ns),
					     HRTIMER_MODE_ABS)) {
		/*
		 * 0 only when the timer fired; woken early is -EINTR. The
		 * slack is advice that sched_setattr() from another task
		 * (prio_boost.c's, for one) rewrites without a lock: read it
		 * once, marked.
		 */
		err = -ETIMEDOUT;
	}
	trace_mkipc_wait_woke(wq->kind, timed, err);
	return err;
}

void mkipc_waitq_del(struct mkipc_waitq *wq, struct mkipc_waiter *w)
{
	struct mkipc_owaitq *owq = &wq->owq;

	if (wq->kind == MKIPC_WAITQ_STOCK) {
		finish_wait(&wq->wqh, &w->wqe);
		return;
	}
	__set_current_state(TASK_RUNNING);
	/* (R): unlisted by a waker that no longer touches us. */
	if (smp_load_acquire(&w->o.woken))
		return;
	spin_lock(&owq->lock);
	if (!w->o.woken) {
		list_del(&w->o.link);
		atomic_dec(&owq->nr);
	}
	spin_unlock(&owq->lock);
}

/* True if @task was asleep, or about to sleep with its state set. */
static bool mkipc_owaitq_wake_task(struct task_struct *task, bool sync)
{
	struct wait_queue_entry wqe = { .private = task };

	/* The companion kernel patch's direct hand-off (kswitch.c). */
	if (sync && mkipc_kswitch_handoff_on())
		return wake_up_handoff(task);
	if (sync && mkipc_wf_sync)
		return default_wake_function(&wqe, TASK_NORMAL, mkipc_wf_sync,
					     NULL);
	return wake_up_process(task);
}

static void mkipc_owaitq_wake(struct mkipc_owaitq *owq,
			      enum mkipc_wake_how how)
{
	struct mkipc_waiter *w, *tmp;
	struct task_struct *task;
	bool exclusive, woke;
	pid_t first = 0;

	/*
	 * (W): the caller's store of the condition is visible before we look
	 * for sleepers. Pairs with (S).
	 */
	smp_mb();
	if (!atomic_read(&owq->nr)) {
		mkipc_stat_inc(MKIPC_STAT_WAKE_FAST);
		trace_mkipc_wait_wake(MKIPC_WAITQ_OWAITQ, how, 0, true);
		return;
	}

	mkipc_stat_inc(MKIPC_STAT_WAKE_LOCKED);
	spin_lock(&owq->lock);
	list_for_each_entry_safe(w, tmp, &owq->waiters, o.link) {
		/*
		 * Unlist and mark first, wake after: marked before the wake,
		 * the waiter either sees ->woken in arm(), checks the
		 * condition (which (R) shows it as the caller stored it) and
		 * lists itself again before it sleeps if that fails, or it
		 * has already set its state and this wake-up reaches it. (Waking first
		 * could land on a waiter not yet asleep, which would then
		 * sleep unlisted with the wake-up spent: a lost wake-up.)
		 * Once ->woken is set the waiter may return and its task may
		 * exit, hence the reference.
		 */
		task = get_task_struct(w->o.task);
		exclusive = w->o.exclusive;
		list_del_init(&w->o.link);
		atomic_dec(&owq->nr);
		/* (R): our last access to *w. */
		smp_store_release(&w->o.woken, true);
		woke = mkipc_owaitq_wake_task(task, how == MKIPC_WAKE_SYNC);
		if (woke && !first && trace_mkipc_wait_wake_enabled())
			first = task_pid_nr(task);
		put_task_struct(task);
		/*
		 * A waiter found running counts for nothing: it is on its way
		 * out or will re-check the condition anyway (->woken sends it
		 * round again), so the wake-up goes on to the next one.
		 */
		if (exclusive && woke && how != MKIPC_WAKE_ALL)
			break;
	}
	spin_unlock(&owq->lock);
	trace_mkipc_wait_wake(MKIPC_WAITQ_OWAITQ, how, first, false);
}

void mkipc_waitq_wake(struct mkipc_waitq *wq, enum mkipc_wake_how how)
{
	if (wq->kind == MKIPC_WAITQ_OWAITQ) {
		mkipc_owaitq_wake(&wq->owq, how);
		return;
	}
	/* The stock way: every call takes the lock. */
	trace_mkipc_wait_wake(MKIPC_WAITQ_STOCK, how, 0, false);
	switch (how) {
	case MKIPC_WAKE_ONE:
		wake_up(&wq->wqh);
		break;
	case MKIPC_WAKE_ALL:
		wake_up_all(&wq->wqh);
		break;
	case MKIPC_WAKE_SYNC:
		wake_up_sync(&wq->wqh);
		break;
	}
}

bool mkipc_waitq_active(struct mkipc_waitq *wq)
{
	if (wq->kind == MKIPC_WAITQ_STOCK)
		return wq_has_sleeper(&wq->wqh);
	return atomic_read(&wq->owq.nr);
}

void mkipc_waitq_wake_active(struct mkipc_waitq *wq, enum mkipc_wake_how how)
{
	if (mkipc_waitq_active(wq))
		mkipc_waitq_wake(wq, how);
	else
		trace_mkipc_wait_wake(wq->kind, how, 0, true);
}
