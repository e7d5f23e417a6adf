// SPDX-License-Identifier: GPL-2.0
/*
 * Calls whose taker exits, and the tracepoint probes of the endpoint unit.
 *
 * A call taken by a thread that exits before anyone answers it fails
 * (MKIPC_CALL_ORPHANED, EOWNERDEAD for its caller), as Binder fails a
 * transaction whose thread died: else its caller waits until its timeout,
 * for ever without one. The hook is a probe on the scheduler's
 * sched_process_exit tracepoint, which every exiting thread passes, so it
 * must cost an unrelated thread next to nothing: it looks at one counter,
 * the number of calls under a token whose taker hashes to that bucket
 * (any thread that hashes there makes the probe look closer, harmlessly).
 * Only then does it queue work, holding a reference to the thread so that
 * its address names no other, that looks through every endpoint for calls
 * it took. A call's taker is compared, never followed, and only while its
 * token still names it.
 */
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include "endpoint.h"
#include "endpoint_int.h"
#include "stats.h"

struct mkipc_taker_bucket mkipc_takers[1 << MKIPC_TAKER_BITS];

static bool mkipc_taker_hooked;		/* the probe is registered */

struct mkipc_taker_exit {
	struct work_struct work;
	struct task_struct *task;	/* a reference: its address stays its */
};

static struct workqueue_struct *mkipc_taker_wq;

/*
 * The exit of a thread that took calls: each still under a token fails,
 * ORPHANED. The thread takes no call after the probe that queued this.
 */
static void mkipc_taker_exit_work(struct work_struct *work)
{
	struct mkipc_taker_exit *x = container_of(work, struct mkipc_taker_exit,
						  work);
	struct task_struct *t = x->task;
	struct mkipc_kmsg *m, *tmp;
	unsigned long index;
	struct mkipc_ep *ep;
	LIST_HEAD(orphans);
	int i;

	/*
	 * After its exit's last steps (exit_notify() sets ->exit_state after
	 * exit_files() and the task_work that closes its files run): if its
	 * process held the last receive file, its endpoints died first, and
	 * their calls end as a death ends them (EPIPE), not as orphans.
	 */
	while (!READ_ONCE(t->exit_state))
		schedule_timeout_uninterruptible(1);

	/* The list's lock keeps each endpoint from being freed meanwhile. */
	mutex_lock(&mkipc_eps_lock);
	list_for_each_entry(ep, &mkipc_eps, node) {
		for (i = 0; i < MKIPC_EP_SLOTS; i++) {
			struct mkipc_cslot *s = &ep->slots[i];
			/* Acquire: ->taker as the taker published it, (T). */
			u64 word = atomic64_read_acquire(&s->word);

			/* The cmpxchg proves ->taker was read while gen's. */
			if ((word & 3) != MKIPC_SLOT_TAKEN ||
			    READ_ONCE(s->taker) != t)
				continue;
			m = mkipc_slot_end(s, word);
			if (m)
				list_add_tail(&m->link, &orphans);
		}
		/* The table's reference keeps an entry alive under its lock. */
		xa_lock(&ep->calls);
		xa_for_each(&ep->calls, index, m) {
			if (m->taker != t)
				continue;
			__xa_erase(&ep->calls, index);
			mkipc_taker_out(t);
			list_add_tail(&m->link, &orphans);
		}
		xa_unlock(&ep->calls);
		/* ->link is free: a call under a token is in no line. */
		list_for_each_entry_safe(m, tmp, &orphans, link) {
			list_del(&m->link);
			if (!mkipc_call_end(ep, m, MKIPC_CALL_TAKEN,
					    MKIPC_CALL_ORPHANED,
					    MKIPC_WAKE_ONE))
				mkipc_ep_abandoned_out(ep);	/* given up */
			mkipc_stat_inc(MKIPC_STAT_CALLS_ORPHANED);
		}
	}
	mutex_unlock(&mkipc_eps_lock);
	put_task_struct(t);
	kfree(x);
}

/* sched_process_exit, in do_exit(): every thread's, so cheap when idle. */
static void mkipc_taker_exit_probe(void *data, struct task_struct *t)
{
	struct mkipc_taker_exit *x;

	if (unlikely(atomic_read(&mkipc_parked_nr)))
		mkipc_park_exit(t);
	if (likely(!atomic_read(mkipc_taker_count(t))))
		return;
	/*
	 * Preemption is off in a probe. Lost only to an atomic OOM (the
	 * calls then wait for their callers' timeouts, as before ABI 0.6).
	 */
	x = kmalloc(sizeof(*x), GFP_ATOMIC);
	if (!x)
		return;
	INIT_WORK(&x->work, mkipc_taker_exit_work);
	x->task = get_task_struct(t);
	queue_work(mkipc_taker_wq, &x->work);
}

static struct tracepoint *mkipc_taker_tp, *mkipc_signal_tp;

static void mkipc_find_tps(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exit"))
		mkipc_taker_tp = tp;
	else if (!strcmp(tp->name, "signal_deliver"))
		mkipc_signal_tp = tp;
}

/* Registers the exit probe; without tracepoints, takers' exits go unseen. */
int mkipc_ep_hooks_init(void)
{
	/* Unbound: a worker may wait for a slow exit (see above). */
	mkipc_taker_wq = alloc_workqueue("mkipc_taker", WQ_UNBOUND, 0);
	if (!mkipc_taker_wq)
		return -ENOMEM;
	for_each_kernel_tracepoint(mkipc_find_tps, NULL);
	if (mkipc_taker_tp &&
	    !tracepoint_probe_register(mkipc_taker_tp, mkipc_taker_exit_probe,
				       NULL))
		mkipc_taker_hooked = true;
	else
		pr_warn("no sched_process_exit tracepoint: a call whose taker exits waits for its timeout\n");
	/* Parking needs both: the exit gives up what a thread parked. */
	if (mkipc_taker_hooked && mkipc_signal_tp &&
	    !tracepoint_probe_register(mkipc_signal_tp,
				       mkipc_park_signal_probe, NULL))
		mkipc_park_hooked = true;
	else
		pr_warn("no signal_deliver tracepoint: a stop fails a call with EINTR\n");
	return 0;
}

void mkipc_ep_hooks_uninit(void)
{
	/* Nothing is parked: each parked call holds a file, so the module. */
	if (mkipc_park_hooked)
		tracepoint_probe_unregister(mkipc_signal_tp,
					    mkipc_park_signal_probe, NULL);
	if (mkipc_taker_hooked)
		tracepoint_probe_unregister(mkipc_taker_tp,
					    mkipc_taker_exit_probe, NULL);
	/* No probe runs after this... */
	tracepoint_synchronize_unregister();
	/* ... and no work it queued, once this returns. */
	destroy_workqueue(mkipc_taker_wq);
	mkipc_park_flush();
}

bool mkipc_ep_taker_exit_seen(void)
{
	return mkipc_taker_hooked;
}

bool mkipc_ep_stop_resumes(void)
{
	return mkipc_park_hooked;
}
