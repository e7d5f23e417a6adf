// SPDX-License-Identifier: GPL-2.0
/*
 * Endpoints: message queues with a server side, reached only through file
 * descriptors, with send/recv and the synchronous call/reply_recv pair.
 * The user-visible contract is in include/uapi/linux/mkipc.h; this is how
 * it is kept.
 *
 * The unit's files: this one (the endpoint, its messages, send, receive,
 * call and reply, descriptors), endpoint_park.c (a call kept across a
 * stop), endpoint_exit.c (calls whose taker exits; the unit's tracepoint
 * probes), endpoint_debugfs.c; include/endpoint_int.h is their shared
 * interface, include/endpoint.h the unit's to the rest of the module.
 * This comment covers them all.
 *
 * Objects and owners
 *
 *   struct mkipc_ep	the endpoint. One reference per open file on it
 *			(the receive file and every send file); freed with
 *			the last.
 *   struct mkipc_epf	one open file: the endpoint and the rights the file
 *			carries. Owned by the file.
 *   struct mkipc_kmsg	one message, in kernel memory: a small one (see
 *			Memory, below) charged to the creator's memory
 *			cgroup, a larger one to the sender's. A sent message has a single
 *			owner at a time: its sender, then the queue (or the
 *			front list), then the receiver, which frees it. A
 *			call's request is also the call's record and has two
 *			references: the caller's, held for the whole ioctl,
 *			and the endpoint's, which travels with it through the
 *			queue, the front list, a receiver's hands and the
 *			token table (a call slot or the xarray), and is
 *			dropped by whoever ends the call (the replier, the
 *			endpoint's death, or a receiver finding it
 *			cancelled).
 *
 * A call's state (kmsg->state) moves only by cmpxchg:
 *
 *   QUEUED --receiver takes it--> TAKEN --reply--> REPLIED
 *     |   <--delivery failed------  |
 *     |                             +--endpoint dies--> FAILED
 *     |                             +--its taker exits--> ORPHANED
 *     +--endpoint dies--> FAILED    |
 *     +--caller gives up-----------+--caller gives up--> CANCELLED
 *
 * The caller changes it only to CANCELLED; everyone else only while they
 * hold the endpoint's reference. REPLIED, FAILED, CANCELLED and ORPHANED
 * are final.
 *
 * Death. ep->dead is set once, under the token table's lock, which also
 * guards the front list: nothing is added to either after it. The lock-free
 * queue has no such lock, so a sender and the killer each look for the
 * other after their own store (barrier pair (Q)/(K)): a message queued
 * after the killer drained the queue is drained by its sender.
 *
 * Blocking sleeps on owaitq (or the stock wait queue, per endpoint):
 * receivers exclusively on recv_wq, senders waiting for room exclusively
 * on send_wq, a caller on its own call's done queue.
 *
 * Direct transfer (the fast path; MKIPC_EP_NO_DIRECT turns it off)
 *
 * A message that nothing is ahead of bypasses the queue: it goes into the
 * endpoint's mailbox, one pointer, from which a receiver takes it first.
 *
 *   sender/caller                          receiver
 *   count_in: queued 0 -> 1 (first)        take: front list, then
 *   (D) cmpxchg(mailbox, NULL, m)            xchg(mailbox, NULL), then
 *   (Q) smp_mb(); dead?                      the queue
 *   raise the first waiting receiver       (S) in its wait, if none
 *   wake one receiver (WF_SYNC: a call)
 *
 * Order. The first to count a message (queued from 0) is the only one that
 * may use the mailbox: nothing counts as queued then, so nothing is
 * queued, first in line or in a receiver's hands undelivered (each counts
 * from its count_in until delivered), and every message counted after it
 * is newer; its
 * count_in is its linearization point. Receivers look at the mailbox
 * before the queue, and once more after a dequeue, (M): a sender slow
 * between its count_in and (D) may fill the mailbox after a receiver's
 * first look, and a message it sends next may be queued before that
 * receiver's dequeue (signal_storm_messages caught exactly that). Then the
 * mailbox's message is the older: the receiver takes it and puts the
 * dequeued one back first in line, which nothing can overtake: it counts,
 * so the mailbox stays empty while it waits there, and receivers of an
 * endpoint with a mailbox take under xa_lock, one at a time, so no other
 * receiver can have looked at an empty front and then dequeue past it (a
 * review found that interleaving with two receivers). A message
 * that reaches the mailbox only after (M) belongs to a send still under
 * way when the receiver's dequeue happened, which may be linearized after
 * it. A call withdrawn while in the mailbox stops counting but stays
 * there until a receiver drops it: the next first sender then finds the
 * mailbox full and queues, which is harmless, as a withdrawn call is
 * never delivered. (D) is fully ordered: the message's contents before
 * the pointer, for the receiver's xchg, whose own full barrier pairs
 * with it.
 *
 * Everything else is the queue's: the same (Q)/(K) pair against death
 * (the killer drains the mailbox with the queue), the same wake-up of one
 * receiver, the same raise of the first waiting receiver before it
 * (mkipc_prio_queued()), which moves to whichever receiver takes the call.
 * Any receiver may take a message from the mailbox, as from the queue: a
 * raised receiver that cannot run does not hold up a call another could
 * serve. The mailbox only spares the queue's node, its allocation and its
 * deferred free.
 *
 * Memory. Messages of up to MKIPC_KMSG_SMALL payload bytes come from the
 * endpoint's spares (one xchg) and go back there (one cmpxchg), charged
 * once to the creator's memory cgroup; a spare keeps its last sender's
 * pid references. A taken call is named by one of MKIPC_EP_SLOTS call
 * slots (see struct mkipc_cslot), found by index and validated by a
 * generation, or by the xarray when all are in use. MKIPC_EP_NO_RECYCLE
 * keeps the path before both as a baseline: a new record a message,
 * charged to its sender's memory cgroup, and every token from the xarray.
 * Every record allocated, and the endpoint, also count against the
 * creator's user_mem_max_kb (usermem.c); a call its caller gave up after
 * a server took it counts against max_msgs until its token is used up
 * (see nmsgs), so that such calls cannot pile up behind a server that
 * never answers.
 *
 * Locking
 *
 *   mkipc_eps_lock	mutex: the list mkipc_eps. Process context: an
 *			endpoint's creation and free, debugfs, and the
 *			taker-exit work, which holds it for its whole scan
 *			so that no endpoint is freed under it.
 *   xa_lock(&ep->calls) spinlock, not irq-safe: the xarray's tokens,
 *			token_gen, front (and ->link of a message on it),
 *			the store of dead; and, with a mailbox, every take
 *			(see "Order"). dead and nr_front are also read
 *			without it, as hints. Process context only: the
 *			ioctls, release, the taker-exit work; also inside
 *			a receive's wait condition, with the task state
 *			set, so nothing under it sleeps (__xa_alloc() lets
 *			go of it to allocate, and its caller looks again).
 *   mkipc_parked_lock	raw spinlock, IRQs off at every taking:
 *			mkipc_parked_hash, mkipc_parked_dead, and each
 *			parked call's ->node, ->settled, ->state and
 *			->undone. Taken in process context (park, enter,
 *			the reaper) and by both tracepoint probes, which
 *			run with preemption off; signal_deliver's under
 *			the thread's siglock, which hardirq context takes
 *			too (a timer's signal): hence IRQs off everywhere.
 *   wait queue locks	recv_wq's, send_wq's and each call's done's
 *			(owaitq.c), poll_wq's (the kernel's): taken only
 *			inside mkipc_waitq_*() and wake_up*().
 *   ep->idleq.lock	prio_boost.c's, inside mkipc_prio_*().
 *   the queue's lock	the spin kind's only (lfqueue.c), inside
 *			mkipc_queue_*().
 *
 * There is no other: the taker buckets (mkipc_takers[]) are one atomic
 * counter each. Nesting, A -> B when B is taken while A is held, every
 * edge there is and where:
 *
 *   mkipc_eps_lock -> xa_lock(&ep->calls): mkipc_taker_exit_work().
 *   mkipc_eps_lock -> mkipc_prio_lock: the same, through mkipc_call_end()
 *     and mkipc_prio_call_end(), for a call that raised its taker.
 *   mkipc_eps_lock -> the wait queue locks of a call's done, send_wq and
 *     poll_wq: the same, its wake-ups (mkipc_call_end(),
 *     mkipc_ep_abandoned_out()).
 *   xa_lock(&ep->calls) -> the queue's lock: mkipc_ep_take(), which with a
 *     mailbox dequeues under it.
 *   siglock -> mkipc_parked_lock: mkipc_park_signal_probe().
 *   mkipc_parked_lock -> the workqueue's pool lock (raw): queue_work() in
 *     mkipc_park_bury_locked(), from both probes.
 *
 * mkipc_prio_lock's own edges are at the top of prio_boost.c. No path
 * takes any pair the other way; mkipc_eps_lock is taken under no lock of
 * mkipc's. The wait queue locks, the idleq's and the queue's are leaves
 * (but for the scheduler's locks in a wake-up), and so is
 * mkipc_parked_lock but for the pool lock.
 *
 * Neither xa_lock(&ep->calls) nor mkipc_parked_lock is held across a
 * sleep or a mkipc_prio_*() hook (which takes mkipc_prio_lock, an
 * rt_mutex, and calls sched_setattr_nocheck()): their holders end,
 * discard and wake only after letting go (mkipc_ep_take(),
 * mkipc_ep_put_front(), mkipc_ep_kill(), mkipc_ep_reply(),
 * mkipc_taker_exit_work()); the probes only cancel (atomics, in
 * mkipc_call_cancel()), set a result, and leave the rest to task_work,
 * the reaper or the taker-exit work.
 * mkipc_eps_lock, a mutex, is the one lock here held across a hook.
 *
 * Without a lock: a call's state, the call slots, the mailbox, nmsgs and
 * the spares move by atomics and cmpxchg, ordered by the pairs named
 * where they stand: (Q)/(K) against death, (T) for the slots, (D) and (M)
 * for the mailbox, (O) for room (see "Death", "Direct transfer" and the
 * call slots' comment).
 *
 * PREEMPT_RT, where a spinlock_t sleeps and a raw one does not:
 * mkipc_parked_lock is raw because a probe runs with preemption off,
 * where a sleeping lock may not be taken; all under it is atomic
 * (copy_to_user_nofault(), queue_work(), whose pool lock is raw too).
 * xa_lock(&ep->calls) and the wait queue locks are spinlock_t, taken only
 * where the thread may sleep; in a wait's condition RT's spinlock keeps
 * the task state. The exit probe's kmalloc(GFP_ATOMIC) runs with
 * preemption off too, which PREEMPT_RT's allocator does not allow: that
 * probe is not RT-clean as the code stands.
 */
#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/refcount.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <linux/xarray.h>

#include <uapi/linux/mkipc.h>

#include "endpoint.h"
#include "endpoint_int.h"
#include "lfqueue.h"
#include "mkipc_trace.h"
#include "owaitq.h"
#include "params.h"
#include "prio_boost.h"
#include "stats.h"
#include "usermem.h"

LIST_HEAD(mkipc_eps);
DEFINE_MUTEX(mkipc_eps_lock);		/* protects mkipc_eps */
static atomic64_t mkipc_ep_ids = ATOMIC64_INIT(0);
atomic_t mkipc_ep_live = ATOMIC_INIT(0);

static void mkipc_ep_count(struct mkipc_ep *ep, enum mkipc_ep_stat s)
{
	if (mkipc_stats_enabled)
		atomic_long_inc(&ep->cnt[s]);
}

/* --- messages ------------------------------------------------------------ */

/*
 * A new record with room for @size payload bytes, charged to @ep's creator
 * (usermem.c); ERR_PTR(-ENOBUFS) past the creator's limit.
 */
static struct mkipc_kmsg *mkipc_kmsg_alloc(struct mkipc_ep *ep, u32 size)
{
	size_t bytes = kmalloc_size_roundup(struct_size_t(struct mkipc_kmsg,
							  data, size));
	struct mkipc_kmsg *m;

	if (!mkipc_user_charge(ep->user, bytes))
		return ERR_PTR(-ENOBUFS);
	m = kmalloc(bytes, GFP_KERNEL_ACCOUNT);
	if (!m) {
		mkipc_user_uncharge(ep->user, bytes);
		return ERR_PTR(-ENOMEM);
	}
	m->home = NULL;
	m->tgid = NULL;
	m->tid = NULL;
	m->user = ep->user;
	m->charged = bytes;
	return m;
}

/* A small record: a spare of @ep's, else a new one charged to its creator. */
static struct mkipc_kmsg *mkipc_kmsg_small(struct mkipc_ep *ep)
{
	struct mem_cgroup *old;
	struct mkipc_kmsg *m;
	int i;

	for (i = 0; i < MKIPC_EP_SPARES; i++) {
		/* A look first: an empty slot costs no atomic. */
		if (READ_ONCE(ep->spare[i])) {
			/* Full barrier: the record as its last owner left it. */
			m = xchg(&ep->spare[i], NULL);
			if (m)
				return m;
		}
	}
	old = set_active_memcg(ep->memcg);
	m = mkipc_kmsg_alloc(ep, MKIPC_KMSG_SMALL);
	set_active_memcg(old);
	if (!IS_ERR(m))
		m->home = ep;
	return m;
}

/* Takes a reference to @pid in *@ref, unless *@ref already is one to it. */
static void mkipc_pid_keep(struct pid **ref, struct pid *pid)
{
	if (*ref == pid)
		return;
	put_pid(*ref);
	*ref = get_pid(pid);
}

static struct mkipc_kmsg *mkipc_kmsg_new(struct mkipc_ep *ep, u32 size,
					 bool ident)
{
	struct mkipc_kmsg *m;

	if (size <= MKIPC_KMSG_SMALL && ep->recycle)
		m = mkipc_kmsg_small(ep);
	else	/* The sender's cgroup's, freed on delivery. */
		m = mkipc_kmsg_alloc(ep, size);
	if (IS_ERR(m))
		return m;
	m->size = size;
	m->is_call = false;
	m->reply = NULL;
	refcount_set(&m->ref, 1);
	if (ident) {
		/*
		 * A spare keeps its last sender's pids: one that sends
		 * again (a client's every call) takes no reference anew.
		 */
		mkipc_pid_keep(&m->tgid, task_tgid(current));
		mkipc_pid_keep(&m->tid, task_pid(current));
		m->euid = current_euid();
		m->egid = current_egid();
	}
	return m;
}

static void mkipc_kmsg_free(struct mkipc_kmsg *m)
{
	put_pid(m->tgid);
	put_pid(m->tid);
	/* The endpoint, and with it the user, outlives its records. */
	mkipc_user_uncharge(m->user, m->charged);
	kfree(m);
}

void mkipc_kmsg_put(struct mkipc_kmsg *m)
{
	struct mkipc_ep *ep = m->home;
	int i;

	if (!refcount_dec_and_test(&m->ref))
		return;
	/* Every way a call ends detached its donation (prio_boost.c). */
	WARN_ON_ONCE(m->is_call && READ_ONCE(m->pi.target));
	if (m->reply) {
		mkipc_kmsg_put(m->reply);
		m->reply = NULL;
	}
	/*
	 * Whoever drops the last reference is in an ioctl on the endpoint
	 * (or frees it, after the drains that can land here), so @ep lives.
	 */
	for (i = 0; ep && i < MKIPC_EP_SPARES; i++) {
		/* Full barrier: our writes to it before the next owner's. */
		if (!READ_ONCE(ep->spare[i]) && !cmpxchg(&ep->spare[i], NULL, m))
			return;
	}
	mkipc_kmsg_free(m);
}

/*
 * A new message with the payload of @msg and @extra bytes of room after
 * it; ERR_PTR on failure.
 */
static struct mkipc_kmsg *mkipc_kmsg_from_user(struct mkipc_ep *ep,
					       const struct mkipc_msg *msg,
					       u32 extra, bool ident)
{
	struct mkipc_kmsg *m = mkipc_kmsg_new(ep, msg->size + extra, ident);

	if (IS_ERR(m))
		return m;
	m->size = msg->size;
	m->label = msg->label;
	if (msg->size &&
	    copy_from_user(m->data, u64_to_user_ptr(msg->data), msg->size)) {
		mkipc_kmsg_put(m);
		return ERR_PTR(-EFAULT);
	}
	return m;
}

/* The index of the call slot @token names, or -1 (an xarray token, 0). */
static int mkipc_token_slot(u64 token)
{
	u32 i = (u32)token - MKIPC_SLOT_TOKEN;

	return (u32)token < MKIPC_SLOT_TOKEN || i >= MKIPC_EP_SLOTS ? -1 : i;
}

/* MKIPC_TP_SLOT if @token names a call slot, for the IPC events. */
static unsigned int mkipc_tp_slot(u64 token)
{
	return mkipc_token_slot(token) >= 0 ? MKIPC_TP_SLOT : 0;
}

/*
 * Ends a call the endpoint's reference of which the caller holds: moves it
 * from @from to @to and wakes the caller, then drops that reference. A
 * call the caller cancelled is only dropped. True if the move happened.
 */
bool mkipc_call_end(struct mkipc_ep *ep, struct mkipc_kmsg *m, int from,
		    int to, enum mkipc_wake_how how)
{
	/* Full barrier: ->reply is written before the state says so. */
	bool moved = atomic_cmpxchg(&m->state, from, to) == from;

	if (moved) {
		/*
		 * A reply boosts the caller it wakes, before the wake-up, so
		 * that it runs at once, before the replier drops its raise;
		 * after the move, so that a caller that gave up (CANCELLED)
		 * is not boosted by a reply that fails with ESRCH.
		 */
		if (to == MKIPC_CALL_REPLIED) {
			mkipc_prio_boost_caller(m->tid);
			/* Before the wake-up, as mkipc_send and mkipc_call. */
			trace_mkipc_reply(ep->id, m->reply ? m->reply->label :
					  m->rep_label, m->reply ?
					  m->reply->size : m->rep_size,
					  m->token, 0,
					  mkipc_tp_slot(m->token) |
					  (m->reply ? 0 : MKIPC_TP_INLINE) |
					  (how == MKIPC_WAKE_SYNC ?
					   MKIPC_TP_SYNC : 0));
		}
		mkipc_waitq_wake(&m->done, how);
	}
	/* After the cmpxchg, which pairs with mkipc_prio_take()'s barrier. */
	mkipc_prio_call_end(&m->pi);
	mkipc_kmsg_put(m);
	return moved;
}

/* --- the endpoint -------------------------------------------------------- */

static void mkipc_ep_wake_poll(struct mkipc_ep *ep, __poll_t events)
{
	/* wq_has_sleeper()'s barrier pairs with the one in mkipc_ep_poll(). */
	if (wq_has_sleeper(&ep->poll_wq))
		wake_up_interruptible_poll(&ep->poll_wq, events);
}

/* One abandoned call in ep->nmsgs. */
#define MKIPC_ABANDONED	((s64)BIT_ULL(32))

/* Queued and abandoned together: what max_msgs bounds. */
static u32 mkipc_ncounted(s64 n)
{
	return (u32)n + (u32)(n >> 32);
}

/*
 * Takes a place in the bound for a message about to be queued; *@first
 * if no other message was queued then (abandoned calls are in no line).
 */
static bool mkipc_ep_count_in(struct mkipc_ep *ep, bool *first)
{
	s64 n = atomic64_read(&ep->nmsgs);

	do {
		if (mkipc_ncounted(n) >= ep->max_msgs)
			return false;
	} while (!atomic64_try_cmpxchg(&ep->nmsgs, &n, n + 1));
	*first = !mkipc_nqueued(n);
	return true;
}

/*
 * Room was made (a place in the bound, or in the queue): one sender
 * waiting in a send is told, and those waiting in poll.
 */
static void mkipc_ep_room(struct mkipc_ep *ep)
{
	/*
	 * (O) One full barrier for both looks below: orders what made the
	 * room before them. Pairs with (S) in a sender's wait for room, and
	 * with the barrier in mkipc_ep_poll() after it listed itself.
	 */
	smp_mb();
	mkipc_waitq_wake_active(&ep->send_wq, MKIPC_WAKE_ONE);
	/* (O) above is this look's barrier. */
	if (waitqueue_active(&ep->poll_wq))
		wake_up_interruptible_poll(&ep->poll_wq,
					   EPOLLOUT | EPOLLWRNORM);
}

/* A queued message left: delivered, withdrawn or discarded. */
static void mkipc_ep_count_out(struct mkipc_ep *ep)
{
	atomic64_dec(&ep->nmsgs);
	mkipc_ep_room(ep);
}

/*
 * An abandoned call's token was used up (a reply, ESRCH; or the death), by
 * whoever found it CANCELLED; or its caller's count undone.
 */
void mkipc_ep_abandoned_out(struct mkipc_ep *ep)
{
	/*
	 * After the load that found CANCELLED: pairs with the full barrier
	 * of the caller's cmpxchg to CANCELLED, after its add (nmsgs).
	 */
	smp_mb__before_atomic();
	atomic64_sub(MKIPC_ABANDONED, &ep->nmsgs);
	mkipc_ep_room(ep);
}

/*
 * A message the endpoint holds and can no longer deliver: it died. A call
 * taken (@state TAKEN, its token used up by the caller of this) no longer
 * counts as queued, but as abandoned if its caller gave up; one already
 * withdrawn no longer counts.
 */
static void mkipc_ep_discard(struct mkipc_ep *ep, struct mkipc_kmsg *m,
			     int state)
{
	if (!m->is_call) {
		mkipc_kmsg_put(m);
		mkipc_ep_count_out(ep);
	} else if (state == MKIPC_CALL_TAKEN) {
		if (!mkipc_call_end(ep, m, state, MKIPC_CALL_FAILED,
				    MKIPC_WAKE_ONE))
			mkipc_ep_abandoned_out(ep);	/* given up */
	} else if (mkipc_call_end(ep, m, state, MKIPC_CALL_FAILED,
				  MKIPC_WAKE_ONE)) {
		mkipc_ep_count_out(ep);
	}
}

static void mkipc_ep_drain_one(void *val, void *arg)
{
	mkipc_ep_discard(arg, val, MKIPC_CALL_QUEUED);
}

static void mkipc_ep_free(struct kref *ref)
{
	struct mkipc_ep *ep = container_of(ref, struct mkipc_ep, ref);
	int i;

	mutex_lock(&mkipc_eps_lock);
	list_del(&ep->node);
	mutex_unlock(&mkipc_eps_lock);
	/* Dead by now, so empty but for sends that raced the death. */
	if (ep->mailbox)
		mkipc_ep_discard(ep, ep->mailbox, MKIPC_CALL_QUEUED);
	mkipc_queue_destroy(&ep->q, mkipc_ep_drain_one, ep);
	WARN_ON_ONCE(!xa_empty(&ep->calls));
	xa_destroy(&ep->calls);
	for (i = 0; i < MKIPC_EP_SLOTS; i++)
		WARN_ON_ONCE((atomic64_read(&ep->slots[i].word) & 3) !=
			     MKIPC_SLOT_FREE);
	/* Last: the drains above may have given records back. */
	for (i = 0; i < MKIPC_EP_SPARES; i++)
		if (ep->spare[i])
			mkipc_kmsg_free(ep->spare[i]);
	mem_cgroup_put(ep->memcg);
	mkipc_user_uncharge(ep->user, ep->charged);
	mkipc_user_put(ep->user);
	kfree(ep);
	atomic_dec(&mkipc_ep_live);
	mkipc_stat_inc(MKIPC_STAT_EP_DESTROYED);
}

static void mkipc_ep_put(struct mkipc_ep *ep)
{
	kref_put(&ep->ref, mkipc_ep_free);
}

/* Takes everything out of the mailbox and the queue; for a dead endpoint. */
static void mkipc_ep_drain(struct mkipc_ep *ep)
{
	struct mkipc_kmsg *m = xchg(&ep->mailbox, NULL);

	if (m)
		mkipc_ep_discard(ep, m, MKIPC_CALL_QUEUED);

	while ((m = mkipc_queue_dequeue(&ep->q)))
		mkipc_ep_discard(ep, m, MKIPC_CALL_QUEUED);
}

static u64 mkipc_slot_word(u32 gen, int state)
{
	return (u64)gen << 2 | state;
}

/*
 * Ends the call slot @s holds if its word still is @word, a TAKEN one:
 * the call (the endpoint's reference, now the caller's of this), or NULL.
 */
struct mkipc_kmsg *mkipc_slot_end(struct mkipc_cslot *s, u64 word)
{
	struct task_struct *taker;
	struct mkipc_kmsg *m;
	u32 gen = word >> 2;

	if ((word & 3) != MKIPC_SLOT_TAKEN)
		return NULL;
	/* Read while TAKEN(gen): gen's, as the cmpxchg below proves. */
	m = READ_ONCE(s->call);
	taker = READ_ONCE(s->taker);
	/* Full barrier: the loads above come before the slot is free. */
	if (!atomic64_try_cmpxchg(&s->word, &word,
				  mkipc_slot_word(gen + 1 ?: 1,
						  MKIPC_SLOT_FREE)))
		return NULL;
	mkipc_taker_out(taker);
	return m;
}

/* The slot a token names, or NULL if it names none (an xarray token). */
static struct mkipc_cslot *mkipc_slot_of(struct mkipc_ep *ep, u64 token)
{
	int i = mkipc_token_slot(token);

	return i < 0 ? NULL : &ep->slots[i];
}

/* The endpoint dies (last close of the receive file, or shutdown). */
static void mkipc_ep_kill(struct mkipc_ep *ep)
{
	struct mkipc_kmsg *m, *tmp;
	unsigned long token;
	LIST_HEAD(front);
	int i;

	xa_lock(&ep->calls);
	if (ep->dead) {
		xa_unlock(&ep->calls);
		return;
	}
	WRITE_ONCE(ep->dead, true);
	list_splice_init(&ep->front, &front);
	atomic_set(&ep->nr_front, 0);
	xa_unlock(&ep->calls);

	/*
	 * (K) Orders the store of dead before the queue is drained; pairs
	 * with (Q) in mkipc_ep_queue(): a sender whose message this drain
	 * misses sees dead and drains it itself.
	 */
	smp_mb();
	mkipc_ep_drain(ep);
	list_for_each_entry_safe(m, tmp, &front, link)
		mkipc_ep_discard(ep, m, MKIPC_CALL_QUEUED);
	/*
	 * Nothing joins the table once dead is set; an entry a reply or a
	 * failed delivery erases first is theirs to end.
	 */
	xa_for_each(&ep->calls, token, m) {
		if (xa_erase(&ep->calls, token) == m) {
			mkipc_taker_out(m->taker);
			mkipc_ep_discard(ep, m, MKIPC_CALL_TAKEN);
		}
	}
	/*
	 * A taker publishes after (K) or sees dead after its publish (the
	 * store-buffer pair (K)/(T) in mkipc_ep_token()): nothing is missed.
	 */
	for (i = 0; i < MKIPC_EP_SLOTS; i++) {
		/* Acquire: ->call as the taker published it, (T). */
		m = mkipc_slot_end(&ep->slots[i],
				   atomic64_read_acquire(&ep->slots[i].word));
		if (m)
			mkipc_ep_discard(ep, m, MKIPC_CALL_TAKEN);
	}

	mkipc_waitq_wake(&ep->recv_wq, MKIPC_WAKE_ALL);
	mkipc_waitq_wake(&ep->send_wq, MKIPC_WAKE_ALL);
	wake_up_poll(&ep->poll_wq, EPOLLHUP);
}

/*
 * A message a receive took and could not deliver goes back first in line
 * (a call already reverted to QUEUED), and another receiver is told.
 */
static void mkipc_ep_put_front(struct mkipc_ep *ep, struct mkipc_kmsg *m)
{
	bool dead;

	xa_lock(&ep->calls);
	dead = ep->dead;
	if (!dead) {
		list_add(&m->link, &ep->front);
		atomic_inc(&ep->nr_front);
	}
	xa_unlock(&ep->calls);
	if (dead) {
		mkipc_ep_discard(ep, m, MKIPC_CALL_QUEUED);
		return;
	}
	mkipc_waitq_wake(&ep->recv_wq, MKIPC_WAKE_ONE);
	mkipc_ep_wake_poll(ep, EPOLLIN | EPOLLRDNORM);
}

/* Under xa_lock: the first message in line, taken, or NULL. */
static struct mkipc_kmsg *mkipc_ep_take_front_locked(struct mkipc_ep *ep)
{
	struct mkipc_kmsg *m;

	m = list_first_entry_or_null(&ep->front, struct mkipc_kmsg, link);
	if (m) {
		list_del(&m->link);
		atomic_dec(&ep->nr_front);
	}
	return m;
}

/*
 * The next message: first in line, else the mailbox's, else the queue's
 * oldest; or NULL. See "Direct transfer" at the top for why the mailbox is
 * looked at again after the queue. *@direct says whether it came from the
 * mailbox.
 */
static struct mkipc_kmsg *mkipc_ep_take(struct mkipc_ep *ep, bool *direct)
{
	struct mkipc_kmsg *m = NULL, *older = NULL;

	*direct = false;
	if (!ep->direct) {
		if (atomic_read(&ep->nr_front)) {
			xa_lock(&ep->calls);
			m = mkipc_ep_take_front_locked(ep);
			xa_unlock(&ep->calls);
			if (m)
				return m;
		}
		return mkipc_queue_dequeue(&ep->q);
	}

	/*
	 * With the mailbox, receivers take one at a time, under the lock
	 * that guards front and dead: a message (M) puts back first in line
	 * must be seen by every later take before it dequeues, which a
	 * lockless look at the front cannot promise to a second receiver.
	 * Nothing here sleeps (this runs in a wait's condition).
	 */
	xa_lock(&ep->calls);
	m = mkipc_ep_take_front_locked(ep);
	/* A look first: an empty mailbox costs no atomic. */
	if (!m && READ_ONCE(ep->mailbox)) {
		/* Full barrier: pairs with the sender's cmpxchg, (D). */
		m = xchg(&ep->mailbox, NULL);
		*direct = m;
	}
	if (!m) {
		m = mkipc_queue_dequeue(&ep->q);
		/*
		 * (M) A message that reached the mailbox after the look
		 * above is older than @m (see the top): it goes first, @m
		 * back first in line. The dequeue (a full barrier, or the
		 * spinlock's acquire) orders this look after @m's enqueue,
		 * and so after (D) of a message @m's sender put in the
		 * mailbox before it. A dead endpoint's killer, which sets
		 * dead under this lock, drains the front after us.
		 */
		if (m && unlikely(READ_ONCE(ep->mailbox)) && !ep->dead) {
			older = xchg(&ep->mailbox, NULL);
			if (older) {
				list_add(&m->link, &ep->front);
				atomic_inc(&ep->nr_front);
				m = older;
				*direct = true;
			}
		}
	}
	xa_unlock(&ep->calls);
	/* The put-back's wake-up may have been ours: pass one on. */
	if (older)
		mkipc_waitq_wake(&ep->recv_wq, MKIPC_WAKE_ONE);
	return m;
}

static ktime_t mkipc_deadline(u64 timeout_ns)
{
	ktime_t now;

	if (!timeout_ns || timeout_ns >= KTIME_MAX)
		return KTIME_MAX;
	now = ktime_get();
	if (timeout_ns >= KTIME_MAX - now)
		return KTIME_MAX;
	return ktime_add_ns(now, timeout_ns);
}

/* A wait ended by a signal restarts only if it had no timeout. */
static int mkipc_wait_err(int err, u64 timeout_ns)
{
	if (err == -ERESTARTSYS && timeout_ns)
		return -EINTR;
	return err;
}

/* Room in the bound, and in the queue (which withdrawn calls may fill). */
static bool mkipc_ep_has_room(struct mkipc_ep *ep)
{
	return mkipc_ncounted(atomic64_read(&ep->nmsgs)) < ep->max_msgs &&
	       mkipc_queue_len_approx(&ep->q) < 2 * ep->max_msgs;
}

static void mkipc_ep_note_len(struct mkipc_ep *ep)
{
	int len = mkipc_nqueued(atomic64_read(&ep->nmsgs));
	int hwm = atomic_read(&ep->hwm);

	/* A statistic: relaxed, and a lost race only retries. */
	while (len > hwm) {
		if (atomic_try_cmpxchg_relaxed(&ep->hwm, &hwm, len))
			break;
	}
}

/*
 * Queues @m, waiting for room unless @nonblock, and wakes a receiver the
 * way @how says, raised and boosted first (prio_boost.c; @pi is a call's
 * donation, NULL for a message). A message nothing is ahead of goes into
 * the mailbox instead of the queue (see "Direct transfer" at the top).
 * On error @m is still the caller's. *@path gains MKIPC_TP_DIRECT if @m
 * went to the mailbox.
 */
static int mkipc_ep_queue(struct mkipc_ep *ep, struct mkipc_kmsg *m,
			  bool nonblock, ktime_t deadline, u64 timeout_ns,
			  enum mkipc_wake_how how, struct mkipc_pi_don *pi,
			  unsigned int *path)
{
	/* @m is the endpoint's, and may be gone, once queued: copies. */
	u64 label = m->label;
	u32 size = m->size;
	bool first;
	int err;

	for (;;) {
		if (READ_ONCE(ep->dead))
			return -EPIPE;
		if (mkipc_ep_count_in(ep, &first)) {
			/*
			 * (D) The first to count: nothing is ahead, and the
			 * mailbox is empty unless a withdrawn call sits in it
			 * (then the queue). Full barrier: @m's contents
			 * before the pointer, for the receiver's xchg.
			 */
			if (first && ep->direct &&
			    !cmpxchg(&ep->mailbox, NULL, m)) {
				mkipc_ep_count(ep, MKIPC_EPS_DIRECT);
				mkipc_stat_inc(MKIPC_STAT_DIRECT);
				*path |= MKIPC_TP_DIRECT;
				break;
			}
			err = mkipc_queue_enqueue(&ep->q, m);
			if (!err) {
				mkipc_stat_inc(MKIPC_STAT_QUEUED);
				break;
			}
			/*
			 * Passes the place on: this sender may have been
			 * woken for it, or another seen the bound full.
			 */
			mkipc_ep_count_out(ep);
			/* ENOSPC: withdrawn calls fill the queue. */
			if (err != -ENOSPC)
				return err;
		}
		if (nonblock)
			return -EAGAIN;
		err = mkipc_waitq_wait_event(&ep->send_wq,
					     mkipc_ep_has_room(ep) ||
					     READ_ONCE(ep->dead),
					     TASK_INTERRUPTIBLE, deadline, true);
		if (err)
			return mkipc_wait_err(err, timeout_ns);
	}

	/*
	 * (Q) Orders the enqueue before the load of dead; pairs with (K) in
	 * mkipc_ep_kill(). Also before every look for a sleeper below: at
	 * the idleq (mkipc_prio_queued()) and the receivers' wait queue,
	 * pairing with (S) in a receiver's wait after it listed itself; at
	 * poll_wq, pairing with the barrier in mkipc_ep_poll(). From here
	 * the message is the endpoint's.
	 */
	smp_mb();
	/* Queued, before any wake-up; the callers trace a failure. */
	if (pi)
		trace_mkipc_call(ep->id, label, size, 0, 0, *path |
				 (how == MKIPC_WAKE_SYNC ? MKIPC_TP_SYNC : 0));
	else
		trace_mkipc_send(ep->id, label, size, 0, 0, *path);
	if (unlikely(READ_ONCE(ep->dead))) {
		mkipc_ep_drain(ep);
		return 0;
	}
	if (mkipc_stats_enabled)
		mkipc_ep_note_len(ep);
	mkipc_prio_queued(&ep->idleq, pi, &m->state, MKIPC_CALL_QUEUED);
	mkipc_waitq_wake_active(&ep->recv_wq, how);
	/* (Q) above is this look's barrier. */
	if (waitqueue_active(&ep->poll_wq))
		wake_up_interruptible_poll(&ep->poll_wq,
					   EPOLLIN | EPOLLRDNORM);
	return 0;
}

static bool mkipc_epf_nonblock(struct file *file, u32 flags)
{
	return (flags & MKIPC_F_NONBLOCK) || (file->f_flags & O_NONBLOCK);
}

static bool mkipc_msg_bad(const struct mkipc_msg *msg)
{
	return msg->reserved0 || msg->size > MKIPC_MSG_MAX;
}

static bool mkipc_zeroes(const u64 *v, size_t n)
{
	while (n--)
		if (v[n])
			return false;
	return true;
}

/* --- send ----------------------------------------------------------------- */

static long mkipc_ep_send(struct file *file, struct mkipc_ep *ep,
			  void __user *uarg)
{
	unsigned int path = 0;
	struct mkipc_kmsg *m;
	struct mkipc_send s;
	int err;

	if (copy_from_user(&s, uarg, sizeof(s)))
		return -EFAULT;
	if (s.flags & ~MKIPC_F_NONBLOCK || s.reserved0 ||
	    !mkipc_zeroes(s.reserved, ARRAY_SIZE(s.reserved)) ||
	    mkipc_msg_bad(&s.msg))
		return -EINVAL;

	m = mkipc_kmsg_from_user(ep, &s.msg, 0, true);
	if (IS_ERR(m)) {
		err = PTR_ERR(m);
		goto out;
	}
	err = mkipc_ep_queue(ep, m, mkipc_epf_nonblock(file, s.flags),
			     mkipc_deadline(s.timeout_ns), s.timeout_ns,
			     MKIPC_WAKE_ONE, NULL, &path);
	if (err) {
		mkipc_kmsg_put(m);
		goto out;
	}
	mkipc_ep_count(ep, MKIPC_EPS_SENT);
	mkipc_stat_inc(MKIPC_STAT_SENT);
	return 0;
out:
	/* Queued, it fired mkipc_send in mkipc_ep_queue(). */
	trace_mkipc_send(ep->id, s.msg.label, s.msg.size, 0, err, 0);
	return err;
}

/* --- receive -------------------------------------------------------------- */

static bool mkipc_recv_bad(const struct mkipc_recv *r)
{
	return r->flags & ~MKIPC_F_NONBLOCK || r->reserved0 ||
	       !mkipc_zeroes(r->reserved, ARRAY_SIZE(r->reserved)) ||
	       mkipc_msg_bad(&r->msg);
}

/*
 * Publishes a taken call under a new token. The table holds the
 * endpoint's reference from here; the receiver takes one of its own for
 * the rest of the delivery, since a reply may now end the call any time.
 * 1 if the endpoint died and its killer ended the call meanwhile: the
 * reference taken here then stands in for the endpoint's.
 */
static int mkipc_ep_token(struct mkipc_ep *ep, struct mkipc_kmsg *m)
{
	struct mkipc_cslot *s;
	u32 slot, gen;
	u64 word;
	int err;

	refcount_inc(&m->ref);
	for (slot = 0; ep->recycle && slot < MKIPC_EP_SLOTS; slot++) {
		s = &ep->slots[slot];
		word = atomic64_read(&s->word);
		if ((word & 3) != MKIPC_SLOT_FREE ||
		    !atomic64_try_cmpxchg(&s->word, &word,
					  word | MKIPC_SLOT_BUSY))
			continue;
		gen = word >> 2;
		m->token = (u64)gen << 32 | (MKIPC_SLOT_TOKEN + slot);
		s->call = m;
		s->rep_cap = m->rep_cap;
		m->taker = current;
		s->taker = current;
		mkipc_taker_in(current);
		/*
		 * (T) Publishes the fields above with the state, and orders
		 * it before the load of dead: pairs with (K) in
		 * mkipc_ep_kill(). Either the killer's scan sees TAKEN or we
		 * see dead and end it ourselves (or the killer did).
		 */
		atomic64_xchg(&s->word, mkipc_slot_word(gen, MKIPC_SLOT_TAKEN));
		if (unlikely(READ_ONCE(ep->dead))) {
			/*
			 * Taken back: the endpoint's reference is ours again.
			 * Ended by the killer, which dropped that one: the
			 * reference taken above stands in for it.
			 */
			if (!mkipc_slot_end(s, mkipc_slot_word(gen,
							       MKIPC_SLOT_TAKEN)))
				return 1;
			refcount_dec(&m->ref);
			return -EPIPE;
		}
		return 0;
	}

	xa_lock(&ep->calls);
	if (ep->dead) {
		err = -EPIPE;
	} else {
		/* Never 0, so that no token is 0. */
		ep->token_gen = ep->token_gen + 1 ?: 1;
		m->token = (u64)ep->token_gen << 32;
		m->taker = current;
		mkipc_taker_in(current);
		/* May drop and retake the lock to allocate: look again. */
		err = __xa_alloc(&ep->calls, &slot, m,
				 XA_LIMIT(0, MKIPC_SLOT_TOKEN - 1),
				 GFP_KERNEL_ACCOUNT);
		if (!err && ep->dead) {
			__xa_erase(&ep->calls, slot);
			err = -EPIPE;
		}
		if (err)
			mkipc_taker_out(current);
		m->token |= slot;
	}
	xa_unlock(&ep->calls);
	if (err < 0) {
		refcount_dec(&m->ref);	/* the caller's is still there */
		return err;
	}
	return 0;
}

/* Takes a call back from under its token; false if it was ended first. */
static bool mkipc_ep_untoken(struct mkipc_ep *ep, struct mkipc_kmsg *m,
			     u64 token)
{
	struct mkipc_cslot *s = mkipc_slot_of(ep, token);

	if (s)
		return mkipc_slot_end(s, mkipc_slot_word(token >> 32,
							 MKIPC_SLOT_TAKEN));
	if (xa_cmpxchg(&ep->calls, (u32)token, m, NULL, 0) != m)
		return false;
	mkipc_taker_out(m->taker);
	return true;
}

/*
 * Receives one message into @r (a kernel copy of the user's @ur, written
 * back on success). The place where a server takes a call is here, and
 * only here. *@path: MKIPC_TP_DIRECT if the message came by the mailbox.
 */
static int __mkipc_ep_recv(struct file *file, struct mkipc_ep *ep,
			   struct mkipc_recv *r, struct mkipc_recv __user *ur,
			   unsigned int *path)
{
	bool nonblock = mkipc_epf_nonblock(file, r->flags);
	ktime_t deadline = mkipc_deadline(r->timeout_ns);
	/* A caller's raise while this waited goes on any way out. */
	struct mkipc_prio_idle idle __cleanup(mkipc_prio_idle_drop) = {};
	struct mkipc_kmsg *m;
	bool direct;
	u64 token = 0;
	int err;

again:
	m = mkipc_ep_take(ep, &direct);
	if (!m) {
		if (READ_ONCE(ep->dead))
			return -EPIPE;
		if (nonblock)
			return -EAGAIN;
		mkipc_prio_idle_enter(&ep->idleq, &idle);
		/* Back in line at the tail of both lines (issue 13, 11). */
		err = mkipc_waitq_wait_event_relist(&ep->recv_wq,
						    (m = mkipc_ep_take(ep, &direct)) ||
						    READ_ONCE(ep->dead),
						    TASK_INTERRUPTIBLE,
						    deadline, true,
						    mkipc_prio_idle_requeue(&ep->idleq,
									    &idle));
		mkipc_prio_idle_leave(&ep->idleq, &idle);
		if (err)
			return mkipc_wait_err(err, r->timeout_ns);
		if (!m)
			return -EPIPE;
		/*
		 * Until it unlisted itself, this receiver could absorb an
		 * exclusive wake-up meant for a message it did not take:
		 * pass one on if any is left (as pipe_read() does).
		 */
		if (atomic_read(&ep->nr_front) || READ_ONCE(ep->mailbox) ||
		    mkipc_queue_len_approx(&ep->q))
			mkipc_waitq_wake(&ep->recv_wq, MKIPC_WAKE_ONE);
	}
	*path = direct ? MKIPC_TP_DIRECT : 0;
	if (m->is_call && atomic_read(&m->state) != MKIPC_CALL_QUEUED) {
		/* Withdrawn (no longer counted): room in the queue only. */
		mkipc_kmsg_put(m);
		mkipc_ep_room(ep);
		goto again;
	}
	if (m->size > r->msg.size) {
		err = -EMSGSIZE;
		r->msg.size = m->size;
		goto put_back;
	}
	if (m->is_call) {
		if (atomic_cmpxchg(&m->state, MKIPC_CALL_QUEUED,
				   MKIPC_CALL_TAKEN) != MKIPC_CALL_QUEUED) {
			/* Withdrawn meanwhile: room in the queue only. */
			mkipc_kmsg_put(m);
			mkipc_ep_room(ep);
			goto again;
		}
		/* Raised to the caller's level before anything else. */
		mkipc_prio_take(&m->pi, &m->state, MKIPC_CALL_TAKEN);
		err = mkipc_ep_token(ep, m);
		if (err > 0) {
			err = -EPIPE;
			goto ended;
		}
		if (err)
			goto untake;
		token = m->token;
	}

	r->msg.label = m->label;
	r->msg.size = m->size;
	r->token = token;
	r->sender.pid = pid_vnr(m->tgid);
	r->sender.tid = pid_vnr(m->tid);
	r->sender.uid = from_kuid_munged(current_user_ns(), m->euid);
	r->sender.gid = from_kgid_munged(current_user_ns(), m->egid);
	/* Out: what a receive writes (size .. token), not the whole struct. */
	if ((m->size &&
	     copy_to_user(u64_to_user_ptr(r->msg.data), m->data, m->size)) ||
	    put_user(r->msg.label, &ur->msg.label) ||
	    copy_to_user(&ur->msg.size, &r->msg.size,
			 offsetofend(struct mkipc_recv, token) -
			 offsetof(struct mkipc_recv, msg.size))) {
		err = -EFAULT;
		goto untoken;
	}

	mkipc_ep_count(ep, MKIPC_EPS_RECEIVED);
	mkipc_stat_inc(MKIPC_STAT_RECEIVED);
	/* A sent message is the receiver's, to free; a call's ref is ours. */
	mkipc_kmsg_put(m);
	mkipc_ep_count_out(ep);		/* delivered */
	return 0;

untoken:
	/* Only if still ours: the token may have been reused since. */
	if (token && !mkipc_ep_untoken(ep, m, token)) {
ended:
		/* A reply (to a guessed token) or the death ended it. */
		mkipc_kmsg_put(m);
		mkipc_ep_count_out(ep);
		return err;
	}
	if (token)
		refcount_dec(&m->ref);	/* ours; the endpoint's is back */
untake:
	if (m->is_call &&
	    atomic_cmpxchg(&m->state, MKIPC_CALL_TAKEN,
			   MKIPC_CALL_QUEUED) != MKIPC_CALL_TAKEN) {
		/*
		 * Given up while taken, and the token (if any) back in our
		 * hands: neither delivered nor withdrawn, and it counted as
		 * abandoned too (see nmsgs), until now.
		 */
		mkipc_kmsg_put(m);
		atomic64_sub(MKIPC_ABANDONED, &ep->nmsgs);
		mkipc_ep_count_out(ep);
		return err;
	}
	/* Its next taker raises itself. */
	if (m->is_call)
		mkipc_prio_call_end(&m->pi);
put_back:
	mkipc_ep_put_front(ep, m);
	if (err == -EMSGSIZE && put_user(r->msg.size, &ur->msg.size))
		err = -EFAULT;
	return err;
}

static int mkipc_ep_recv(struct file *file, struct mkipc_ep *ep,
			 struct mkipc_recv *r, struct mkipc_recv __user *ur)
{
	unsigned int path = 0;
	int err = __mkipc_ep_recv(file, ep, r, ur, &path);

	/*
	 * On failure no label or token; the size is the buffer's (with
	 * EMSGSIZE, the message's).
	 */
	trace_mkipc_recv(ep->id, err ? 0 : r->msg.label, r->msg.size,
			 err ? 0 : r->token, err,
			 path | (err ? 0 : mkipc_tp_slot(r->token)));
	return err;
}

static long mkipc_ep_recv_ioctl(struct file *file, struct mkipc_ep *ep,
				void __user *uarg)
{
	struct mkipc_recv r;

	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	if (mkipc_recv_bad(&r))
		return -EINVAL;
	return mkipc_ep_recv(file, ep, &r, uarg);
}

/* --- call and reply ------------------------------------------------------- */

static bool mkipc_call_over(struct mkipc_kmsg *m, int *state)
{
	/* Acquire: pairs with mkipc_call_end()'s cmpxchg, for ->reply. */
	*state = atomic_read_acquire(&m->state);
	return *state == MKIPC_CALL_REPLIED || *state == MKIPC_CALL_FAILED ||
	       *state == MKIPC_CALL_ORPHANED;
}

/*
 * The caller gives up on @m: QUEUED or TAKEN to CANCELLED, unless it ended
 * first; the state it moved from, or the final one it found. Atomics only
 * (the signal probe runs it under a spinlock); what is left to do, the
 * caller's: for QUEUED, mkipc_ep_count_out(); for TAKEN, nothing (the
 * abandoned count stays until the token is used up); and, once *@undone
 * is set (never cleared here), mkipc_ep_room() for a count taken back.
 */
int mkipc_call_cancel(struct mkipc_ep *ep, struct mkipc_kmsg *m,
		      bool *undone)
{
	int old, state = atomic_read(&m->state);

	while (state == MKIPC_CALL_QUEUED || state == MKIPC_CALL_TAKEN) {
		/* Counted before it can be answered (see nmsgs). */
		if (state == MKIPC_CALL_TAKEN)
			atomic64_add(MKIPC_ABANDONED, &ep->nmsgs);
		old = atomic_cmpxchg(&m->state, state, MKIPC_CALL_CANCELLED);
		if (old == state)
			break;
		if (state == MKIPC_CALL_TAKEN) {
			smp_mb__before_atomic();	/* as abandoned_out() */
			atomic64_sub(MKIPC_ABANDONED, &ep->nmsgs);
			*undone = true;
		}
		state = old;
	}
	return state;
}

/* The caller's side of giving up, after mkipc_call_cancel(). */
void mkipc_call_gave_up(struct mkipc_ep *ep, int state, bool undone)
{
	if (undone)
		mkipc_ep_room(ep);
	if (state == MKIPC_CALL_QUEUED)
		mkipc_ep_count_out(ep);	/* withdrawn */
	else if (state == MKIPC_CALL_TAKEN)
		mkipc_stat_inc(MKIPC_STAT_CALLS_ABANDONED);
}

/*
 * Waits for the call @m (the caller's reference, dropped here) that @uc
 * made, the user's arguments in @c, until @deadline; a restarted ioctl
 * comes here again with a call it parked.
 */
static long mkipc_call_wait(struct file *file, struct mkipc_ep *ep,
			    struct mkipc_call __user *uc,
			    const struct mkipc_call *c, struct mkipc_kmsg *m,
			    ktime_t deadline)
{
	int err, state = MKIPC_CALL_QUEUED;
	unsigned int path = 0;
	bool undone = false;
	struct mkipc_kmsg *rep;
	u64 token = 0;

	err = mkipc_waitq_wait_event(&m->done, mkipc_call_over(m, &state),
				     TASK_INTERRUPTIBLE, deadline, false);
	/*
	 * Interrupted, and not to die: keep the call for the restart a stop
	 * or the freezer leads to (see "Parked calls").
	 */
	if (err == -ERESTARTSYS && !fatal_signal_pending(current) &&
	    !mkipc_call_over(m, &state) && !mkipc_park(file, uc, c, m, deadline))
		return -ERESTARTNOHAND;
	if (err) {
		/* Give up, unless the call ended meanwhile. */
		state = mkipc_call_cancel(ep, m, &undone);
		mkipc_call_gave_up(ep, state, undone);
		if (state == MKIPC_CALL_QUEUED) {
			/*
			 * Withdrawn: no server saw it, it is as if never
			 * sent, and its place in the bound is free again.
			 */
			err = mkipc_wait_err(err, c->timeout_ns);
			goto out;
		}
		if (state == MKIPC_CALL_TAKEN) {
			/* Taken: never restart, that would send it again. */
			if (err == -ERESTARTSYS)
				err = -EINTR;
			goto out;
		}
		/* Ended after all: read it as a reply that came in time. */
		state = atomic_read_acquire(&m->state);
	}

	if (state == MKIPC_CALL_FAILED || state == MKIPC_CALL_ORPHANED) {
		err = state == MKIPC_CALL_FAILED ? -EPIPE : -EOWNERDEAD;
		goto out;
	}
	rep = m->reply;
	if (rep) {
		m->rep_label = rep->label;
		m->rep_size = rep->size;
	}
	/* The taker wrote it before the call was published to a replier. */
	token = m->token;
	path = mkipc_tp_slot(token) | (rep ? 0 : MKIPC_TP_INLINE);
	err = 0;
	if ((m->rep_size &&
	     copy_to_user(u64_to_user_ptr(c->rep.data),
			  rep ? rep->data : m->data + m->size, m->rep_size)) ||
	    put_user(m->rep_label, &uc->rep.label) ||
	    put_user(m->rep_size, &uc->rep.size))
		err = -EFAULT;
out:
	/*
	 * The call is over (its state final, by the cmpxchg that made it so,
	 * ours if we gave up): no server keeps our level past this.
	 */
	mkipc_prio_call_done(&m->pi);
	trace_mkipc_call_done(ep->id, token ? m->rep_label : 0,
			      token ? m->rep_size : 0, token, err, path);
	mkipc_kmsg_put(m);
	return err;
}

static long mkipc_ep_call(struct file *file, struct mkipc_ep *ep,
			  void __user *uarg)
{
	struct mkipc_call __user *uc = uarg;
	unsigned int path = 0;
	struct mkipc_kmsg *m;
	struct mkipc_call c;
	ktime_t deadline;
	int err;

	/* The same ioctl again, after a stop: wait on for the same call. */
	if (unlikely(atomic_read(&mkipc_parked_nr))) {
		m = mkipc_unpark(file, uc, &c, &deadline);
		if (m)
			return mkipc_call_wait(file, ep, uc, &c, m, deadline);
	}
	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if (c.flags & ~MKIPC_F_NONBLOCK || c.reserved0 ||
	    !mkipc_zeroes(c.reserved, ARRAY_SIZE(c.reserved)) ||
	    mkipc_msg_bad(&c.req) || mkipc_msg_bad(&c.rep))
		return -EINVAL;

	/* Room for a small reply after the request (mkipc_ep_reply()). */
	m = mkipc_kmsg_from_user(ep, &c.req,
				 min_t(u32, c.rep.size, MKIPC_REPLY_INLINE),
				 true);
	if (IS_ERR(m)) {
		trace_mkipc_call(ep->id, c.req.label, c.req.size, 0,
				 PTR_ERR(m), 0);
		return PTR_ERR(m);
	}
	m->is_call = true;
	m->rep_cap = c.rep.size;
	atomic_set(&m->state, MKIPC_CALL_QUEUED);
	mkipc_waitq_init(&m->done, (ep->flags & MKIPC_EP_WAITQ_STOCK) ?
			 MKIPC_WAITQ_STOCK : MKIPC_WAITQ_OWAITQ);
	refcount_set(&m->ref, 2);	/* ours and the endpoint's */
	mkipc_prio_call_init(&m->pi, ep->flags & MKIPC_EP_INHERIT_RT);

	deadline = mkipc_deadline(c.timeout_ns);
	err = mkipc_ep_queue(ep, m, mkipc_epf_nonblock(file, c.flags),
			     deadline, c.timeout_ns,
			     ep->sync ? MKIPC_WAKE_SYNC : MKIPC_WAKE_ONE,
			     &m->pi, &path);
	if (err) {
		/* Queued, it fired mkipc_call in mkipc_ep_queue(). */
		trace_mkipc_call(ep->id, c.req.label, c.req.size, 0, err, 0);
		mkipc_prio_call_done(&m->pi);
		refcount_set(&m->ref, 1);	/* never left this thread */
		mkipc_kmsg_put(m);
		return err;
	}
	mkipc_ep_count(ep, MKIPC_EPS_CALLS);
	mkipc_stat_inc(MKIPC_STAT_CALLS);

	return mkipc_call_wait(file, ep, uc, &c, m, deadline);
}

static bool mkipc_reply_bad(const struct mkipc_reply *rp)
{
	return !rp->token || mkipc_msg_bad(&rp->msg) ||
	       !mkipc_zeroes(rp->reserved, ARRAY_SIZE(rp->reserved));
}

/*
 * Replies to the call @rp->token names. The place where a server ends a
 * call is here, and only here.
 */
static int __mkipc_ep_reply(struct mkipc_ep *ep,
			    const struct mkipc_reply *rp,
			    enum mkipc_wake_how how)
{
	u32 size = rp->msg.size;
	struct mkipc_kmsg *call = NULL, *rep = NULL;
	u8 small[MKIPC_REPLY_INLINE];
	struct mkipc_cslot *slot;
	u64 word;
	int err = 0;

	if (size > sizeof(small)) {
		rep = mkipc_kmsg_from_user(ep, &rp->msg, 0, false);
		if (IS_ERR(rep))
			return PTR_ERR(rep);
	} else if (size &&
		   copy_from_user(small, u64_to_user_ptr(rp->msg.data), size)) {
		return -EFAULT;
	}

	slot = mkipc_slot_of(ep, rp->token);
	if (slot) {
		word = mkipc_slot_word(rp->token >> 32, MKIPC_SLOT_TAKEN);
		/* Acquire: ->rep_cap as the taker published it, (T). */
		if (atomic64_read_acquire(&slot->word) != word)
			err = -ENOENT;
		else if (size > READ_ONCE(slot->rep_cap))
			err = -EMSGSIZE;
		else
			call = mkipc_slot_end(slot, word);
		if (!err && !call)
			err = -ENOENT;	/* another reply, or the death */
	} else {
		xa_lock(&ep->calls);
		call = xa_load(&ep->calls, (u32)rp->token);
		if (!call || call->token != rp->token)
			err = -ENOENT;	/* a free slot, or a later call's */
		else if (size > call->rep_cap)
			err = -EMSGSIZE;
		else
			__xa_erase(&ep->calls, (u32)rp->token);
		xa_unlock(&ep->calls);
		if (!err)
			mkipc_taker_out(call->taker);
	}
	if (err) {
		if (rep)
			mkipc_kmsg_put(rep);
		return err;
	}

	/* Only the caller can move a taken call now: to CANCELLED. */
	if (rep) {
		call->reply = rep;
	} else {
		/* The call made room for it: size <= rep_cap, <= INLINE. */
		memcpy(call->data + call->size, small, size);
		call->rep_label = rp->msg.label;
		call->rep_size = size;
	}
	refcount_inc(&call->ref);	/* for the lines below */
	if (!mkipc_call_end(ep, call, MKIPC_CALL_TAKEN, MKIPC_CALL_REPLIED,
			    how)) {
		/* The caller gave up, counting it abandoned, now answered. */
		mkipc_ep_abandoned_out(ep);
		call->reply = NULL;
		if (rep)
			mkipc_kmsg_put(rep);
		err = -ESRCH;
	} else {
		mkipc_ep_count(ep, MKIPC_EPS_REPLIES);
		mkipc_stat_inc(MKIPC_STAT_REPLIES);
	}
	mkipc_kmsg_put(call);
	return err;
}

static int mkipc_ep_reply(struct mkipc_ep *ep, const struct mkipc_reply *rp,
			  enum mkipc_wake_how how)
{
	int err = __mkipc_ep_reply(ep, rp, how);

	/* A reply that ended its call fired mkipc_reply in mkipc_call_end(). */
	if (err)
		trace_mkipc_reply(ep->id, rp->msg.label, rp->msg.size,
				  rp->token, err, mkipc_tp_slot(rp->token));
	return err;
}

static long mkipc_ep_reply_ioctl(struct mkipc_ep *ep, void __user *uarg)
{
	struct mkipc_reply rp;

	if (copy_from_user(&rp, uarg, sizeof(rp)))
		return -EFAULT;
	if (mkipc_reply_bad(&rp))
		return -EINVAL;
	return mkipc_ep_reply(ep, &rp, MKIPC_WAKE_ONE);
}

static long mkipc_ep_reply_recv(struct file *file, struct mkipc_ep *ep,
				void __user *uarg)
{
	struct mkipc_reply_recv __user *urr = uarg;
	struct mkipc_reply_recv rr;
	int err;

	if (copy_from_user(&rr, uarg, sizeof(rr)))
		return -EFAULT;
	if ((rr.reply.token && mkipc_reply_bad(&rr.reply)) ||
	    !mkipc_zeroes(rr.reply.reserved, ARRAY_SIZE(rr.reply.reserved)) ||
	    mkipc_recv_bad(&rr.recv) || rr.reserved0)
		return -EINVAL;

	rr.reply_err = 0;
	if (rr.reply.token) {
		/*
		 * The token is written back below once used up; make sure
		 * that can be done before anything is.
		 */
		if (put_user(rr.reply.token, &urr->reply.token) ||
		    put_user(0, &urr->reply_err))
			return -EFAULT;
		/* The caller runs next and this thread sleeps: a hand-off. */
		err = mkipc_ep_reply(ep, &rr.reply, ep->sync ?
				     MKIPC_WAKE_SYNC : MKIPC_WAKE_ONE);
		if (err && err != -ESRCH)
			return err;
		rr.reply_err = -err;
		/*
		 * Used up: a restarted (or repeated) reply_recv replies to
		 * nothing, so it cannot reply twice.
		 */
		if (put_user(0ULL, &urr->reply.token) ||
		    put_user(rr.reply_err, &urr->reply_err))
			return -EFAULT;
	}
	err = mkipc_ep_recv(file, ep, &rr.recv, &urr->recv);
	/* Something was transferred: a signal now is EINTR, no restart. */
	if (err == -ERESTARTSYS && rr.reply.token)
		err = -EINTR;
	return err;
}

/* --- descriptors ---------------------------------------------------------- */

static const struct file_operations mkipc_ep_fops;

/* A new file on @ep with @rights, holding a reference to it; an fd for it. */
static int mkipc_ep_open_fd(struct mkipc_ep *ep, u32 rights, u32 flags,
			    struct file **filep)
{
	struct mkipc_epf *f;
	struct file *file;
	int fd;

	f = kmalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	f->ep = ep;
	f->rights = rights;
	fd = get_unused_fd_flags((flags & MKIPC_EP_CLOEXEC) ? O_CLOEXEC : 0);
	if (fd < 0) {
		kfree(f);
		return fd;
	}
	file = anon_inode_getfile("[mkipc-endpoint]", &mkipc_ep_fops, f,
				  O_RDWR | ((flags & MKIPC_EP_NONBLOCK) ?
					    O_NONBLOCK : 0));
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		kfree(f);
		return PTR_ERR(file);
	}
	kref_get(&ep->ref);
	*filep = file;
	return fd;
}

long mkipc_ep_create(void __user *uarg)
{
	const u32 known = MKIPC_EP_CLOEXEC | MKIPC_EP_NONBLOCK |
			  MKIPC_EP_INHERIT_RT | MKIPC_EP_QUEUE_SPIN |
			  MKIPC_EP_WAITQ_STOCK | MKIPC_EP_WAKE_PLAIN |
			  MKIPC_EP_NO_DIRECT | MKIPC_EP_NO_RECYCLE;
	struct mkipc_ep_create c;
	enum mkipc_queue_kind qkind;
	enum mkipc_waitq_kind wkind;
	struct mkipc_ep *ep;
	struct file *file;
	int fd, err, i;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if (c.flags & ~known || c.max_msgs > MKIPC_EP_MAX_MSGS ||
	    c.reserved0 || !mkipc_zeroes(c.reserved, ARRAY_SIZE(c.reserved)))
		return -EINVAL;

	ep = kzalloc(sizeof(*ep), GFP_KERNEL_ACCOUNT);
	if (!ep)
		return -ENOMEM;
	qkind = (c.flags & MKIPC_EP_QUEUE_SPIN) ? MKIPC_QUEUE_SPIN :
		mkipc_queue_default_kind();
	wkind = (c.flags & MKIPC_EP_WAITQ_STOCK) ? MKIPC_WAITQ_STOCK :
		mkipc_waitq_default_kind();
	ep->sync = !(c.flags & MKIPC_EP_WAKE_PLAIN) &&
		   mkipc_handoff_default_sync();
	ep->direct = !(c.flags & MKIPC_EP_NO_DIRECT) && mkipc_direct_default();
	ep->recycle = !(c.flags & MKIPC_EP_NO_RECYCLE) &&
		      mkipc_recycle_default();
	ep->flags = (qkind == MKIPC_QUEUE_SPIN ? MKIPC_EP_QUEUE_SPIN : 0) |
		    (wkind == MKIPC_WAITQ_STOCK ? MKIPC_EP_WAITQ_STOCK : 0) |
		    (ep->sync ? 0 : MKIPC_EP_WAKE_PLAIN) |
		    (ep->direct ? 0 : MKIPC_EP_NO_DIRECT) |
		    (ep->recycle ? 0 : MKIPC_EP_NO_RECYCLE) |
		    (c.flags & MKIPC_EP_INHERIT_RT);
	ep->max_msgs = c.max_msgs ?: MKIPC_EP_DEFAULT_MSGS;
	ep->user = mkipc_user_get();
	if (IS_ERR(ep->user)) {
		err = PTR_ERR(ep->user);
		kfree(ep);
		return err;
	}
	ep->charged = kmalloc_size_roundup(sizeof(*ep)) +
		      mkipc_queue_mem(qkind, 2 * ep->max_msgs);
	if (!mkipc_user_charge(ep->user, ep->charged)) {
		mkipc_user_put(ep->user);
		kfree(ep);
		return -ENOBUFS;
	}
	err = mkipc_queue_init(&ep->q, qkind, 2 * ep->max_msgs);
	if (err) {
		mkipc_user_uncharge(ep->user, ep->charged);
		mkipc_user_put(ep->user);
		kfree(ep);
		return err;
	}
	ep->memcg = get_mem_cgroup_from_mm(current->mm);
	mkipc_waitq_init(&ep->recv_wq, wkind);
	mkipc_waitq_init(&ep->send_wq, wkind);
	init_waitqueue_head(&ep->poll_wq);
	mkipc_prio_idleq_init(&ep->idleq);
	xa_init_flags(&ep->calls, XA_FLAGS_ALLOC);
	for (i = 0; i < MKIPC_EP_SLOTS; i++)
		atomic64_set(&ep->slots[i].word,
			     mkipc_slot_word(1, MKIPC_SLOT_FREE));
	INIT_LIST_HEAD(&ep->front);
	kref_init(&ep->ref);		/* dropped below, once a file has one */
	ep->id = atomic64_inc_return(&mkipc_ep_ids);
	ep->creator = task_tgid_nr(current);
	mutex_lock(&mkipc_eps_lock);
	list_add_tail(&ep->node, &mkipc_eps);
	mutex_unlock(&mkipc_eps_lock);
	atomic_inc(&mkipc_ep_live);
	mkipc_stat_inc(MKIPC_STAT_EP_CREATED);

	fd = mkipc_ep_open_fd(ep, MKIPC_RIGHT_SEND | MKIPC_RIGHT_RECV,
			      c.flags, &file);
	if (fd < 0) {
		WRITE_ONCE(ep->dead, true);
		mkipc_ep_put(ep);
		return fd;
	}
	mkipc_ep_put(ep);		/* the file holds it now */

	c.fd = fd;
	c.id = ep->id;
	if (copy_to_user(uarg, &c, sizeof(c))) {
		put_unused_fd(fd);
		fput(file);		/* kills and frees the endpoint */
		return -EFAULT;
	}
	fd_install(fd, file);
	return fd;
}

static long mkipc_ep_sender(struct mkipc_ep *ep, void __user *uarg)
{
	struct mkipc_ep_sender s;
	struct file *file;
	int fd;

	if (copy_from_user(&s, uarg, sizeof(s)))
		return -EFAULT;
	if (s.flags & ~(MKIPC_EP_CLOEXEC | MKIPC_EP_NONBLOCK) ||
	    !mkipc_zeroes(s.reserved, ARRAY_SIZE(s.reserved)))
		return -EINVAL;
	if (READ_ONCE(ep->dead))
		return -EPIPE;
	fd = mkipc_ep_open_fd(ep, MKIPC_RIGHT_SEND, s.flags, &file);
	if (fd < 0)
		return fd;
	s.fd = fd;
	if (copy_to_user(uarg, &s, sizeof(s))) {
		put_unused_fd(fd);
		fput(file);
		return -EFAULT;
	}
	fd_install(fd, file);
	return fd;
}

static long mkipc_ep_info(struct mkipc_epf *f, void __user *uarg)
{
	struct mkipc_ep *ep = f->ep;
	struct mkipc_ep_info info;
	s64 n;

	memset(&info, 0, sizeof(info));
	info.id = ep->id;
	info.rights = f->rights;
	info.flags = ep->flags;
	info.max_msgs = ep->max_msgs;
	n = atomic64_read(&ep->nmsgs);
	info.queued = mkipc_nqueued(n);
	info.abandoned = n >> 32;
	info.dead = READ_ONCE(ep->dead);
	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long mkipc_ep_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct mkipc_epf *f = file->private_data;
	struct mkipc_ep *ep = f->ep;
	void __user *uarg = (void __user *)arg;
	bool recv = f->rights & MKIPC_RIGHT_RECV;
	long ret;

	mkipc_stat_inc(MKIPC_STAT_IOCTL);
	/* A parked call whose ioctl did not run again is given up. */
	if (unlikely(atomic_read(&mkipc_parked_nr)) && cmd != MKIPC_IOC_CALL)
		mkipc_park_enter(NULL, NULL);
	switch (cmd) {
	case MKIPC_IOC_SEND:
		ret = mkipc_ep_send(file, ep, uarg);
		break;
	case MKIPC_IOC_CALL:
		ret = mkipc_ep_call(file, ep, uarg);
		break;
	case MKIPC_IOC_RECV:
		ret = recv ? mkipc_ep_recv_ioctl(file, ep, uarg) : -EBADF;
		break;
	case MKIPC_IOC_REPLY:
		ret = recv ? mkipc_ep_reply_ioctl(ep, uarg) : -EBADF;
		break;
	case MKIPC_IOC_REPLY_RECV:
		ret = recv ? mkipc_ep_reply_recv(file, ep, uarg) : -EBADF;
		break;
	case MKIPC_IOC_EP_INFO:
		ret = mkipc_ep_info(f, uarg);
		break;
	case MKIPC_IOC_EP_SENDER:
		ret = recv ? mkipc_ep_sender(ep, uarg) : -EBADF;
		break;
	case MKIPC_IOC_EP_SHUTDOWN:
		ret = 0;
		if (recv)
			mkipc_ep_kill(ep);
		else
			ret = -EBADF;
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	if (ret < 0) {
		mkipc_stat_err(ret);
		mkipc_ep_count(ep, MKIPC_EPS_ERRORS);
	}
	return ret;
}

static __poll_t mkipc_ep_poll(struct file *file, poll_table *pt)
{
	struct mkipc_epf *f = file->private_data;
	struct mkipc_ep *ep = f->ep;
	__poll_t mask = 0;

	poll_wait(file, &ep->poll_wq, pt);
	/*
	 * Orders this file's listing on poll_wq before the loads below;
	 * pairs with (Q) in mkipc_ep_queue() and (O) in
	 * mkipc_ep_room(), and with the barrier in wq_has_sleeper()
	 * in mkipc_ep_wake_poll(), each after the update it announces.
	 */
	smp_mb();
	if (READ_ONCE(ep->dead))
		return EPOLLHUP;
	if ((f->rights & MKIPC_RIGHT_RECV) &&
	    mkipc_nqueued(atomic64_read(&ep->nmsgs)))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (mkipc_ep_has_room(ep))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static int mkipc_ep_release(struct inode *inode, struct file *file)
{
	struct mkipc_epf *f = file->private_data;

	/* Only the creating file has the receive right (duplicates share it). */
	if (f->rights & MKIPC_RIGHT_RECV)
		mkipc_ep_kill(f->ep);
	mkipc_ep_put(f->ep);
	kfree(f);
	return 0;
}

int mkipc_ep_init(void)
{
	return mkipc_ep_hooks_init();
}

void mkipc_ep_uninit(void)
{
	mkipc_ep_hooks_uninit();
	/* The endpoints' users' records, all uncharged by now. */
	mkipc_user_uninit();
}

static const struct file_operations mkipc_ep_fops = {
	.owner		= THIS_MODULE,
	.release	= mkipc_ep_release,
	.poll		= mkipc_ep_poll,
	.unlocked_ioctl	= mkipc_ep_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	/* No .llseek: lseek() fails with ESPIPE (chardev.c says why). */
};
