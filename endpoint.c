// SPDX-License-Identifier: GPL-2.0
/*
 * Endpoints: message queues with a server side, reached only through file
 * descriptors, with send/recv and the synchronous call/reply_recv pair.
 * The user-visible contract is in include/uapi/linux/mkipc.h; this is how
 * it is kept.
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
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>
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
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <linux/xarray.h>

#include <asm/syscall.h>

#include <uapi/linux/mkipc.h>

#include "endpoint.h"
#include "lfqueue.h"
#include "owaitq.h"
#include "params.h"
#include "prio_boost.h"
#include "stats.h"
#include "usermem.h"

enum mkipc_call_state {
	MKIPC_CALL_QUEUED,	/* queued or first in line; no server has it */
	MKIPC_CALL_TAKEN,	/* a server has it, under a token */
	MKIPC_CALL_REPLIED,	/* ->reply is set */
	MKIPC_CALL_FAILED,	/* the endpoint died */
	MKIPC_CALL_CANCELLED,	/* the caller gave up */
	MKIPC_CALL_ORPHANED,	/* the thread that took it exited */
};

struct mkipc_kmsg {
	struct list_head link;		/* in ep->front, while there */
	/* The endpoint whose spares it goes back to, or NULL (kfree). */
	struct mkipc_ep *home;
	u64 label;
	u32 size;
	bool is_call;
	struct pid *tgid;		/* the sender, as it sent */
	struct pid *tid;
	kuid_t euid;
	kgid_t egid;
	refcount_t ref;			/* 1; 2 for a call (see the top) */
	/* Charged to (usermem.c): the endpoint's creator, these bytes. */
	struct mkipc_user *user;
	u32 charged;
	/* Calls only. */
	atomic_t state;			/* enum mkipc_call_state */
	u32 rep_cap;			/* the caller's reply buffer */
	/*
	 * A reply of up to MKIPC_REPLY_INLINE bytes goes after the request's
	 * payload, in room the call allocated for it; a larger one in its
	 * own message, ->reply. Written before state goes REPLIED.
	 */
	u32 rep_size;
	u64 rep_label;
	u64 token;			/* while taken: generation, slot */
	/* While under a token: the thread that took it (no reference). */
	struct task_struct *taker;
	struct mkipc_kmsg *reply;	/* written before state goes REPLIED */
	struct mkipc_waitq done;	/* the caller waits here */
	struct mkipc_pi_don pi;		/* what the caller passes on */
	u8 data[];
};

/* Reply payloads a call carries in its own allocation. */
#define MKIPC_REPLY_INLINE	64
/*
 * Records with room for this many payload bytes (a request and its inline
 * reply) are an endpoint's own: charged to its creator's memory cgroup
 * once, when first allocated, and kept for reuse in ep->spare instead of
 * freed, so that a steady exchange allocates and charges nothing.
 */
#define MKIPC_KMSG_SMALL	128
#define MKIPC_EP_SPARES		4

/*
 * Call slots: the first MKIPC_EP_SLOTS calls a server holds at once are
 * named by a slot of the endpoint's own, which a token indexes directly;
 * more go to the xarray. A slot's word is its generation (32 bits, never
 * 0) and a state:
 *
 *   FREE(g) --taker claims--> BUSY(g) --taker publishes--> TAKEN(g)
 *   TAKEN(g) --reply, death, or the taker's failed delivery--> FREE(g+1)
 *
 * Only the cmpxchg out of TAKEN(g) ends a call, so exactly one of those
 * wins; ->call and ->rep_cap are written only while BUSY, so while a
 * slot reads TAKEN(g) they are g's (the generation only grows: no ABA).
 * The token of slot i is g << 32 | (MKIPC_SLOT_TOKEN + i); xarray tokens
 * stay below MKIPC_SLOT_TOKEN in their low half.
 */
#define MKIPC_EP_SLOTS		16
#define MKIPC_SLOT_TOKEN	0xffffff00U
enum { MKIPC_SLOT_FREE, MKIPC_SLOT_BUSY, MKIPC_SLOT_TAKEN };

struct mkipc_cslot {
	atomic64_t word;		/* generation << 2 | state */
	struct mkipc_kmsg *call;	/* while TAKEN */
	struct task_struct *taker;	/* call->taker, while TAKEN */
	u32 rep_cap;			/* call->rep_cap, while TAKEN */
};

/* Per-endpoint counters, shown in debugfs mkipc/endpoints. */
enum mkipc_ep_stat {
	MKIPC_EPS_SENT,
	MKIPC_EPS_RECEIVED,
	MKIPC_EPS_CALLS,
	MKIPC_EPS_REPLIES,
	MKIPC_EPS_ERRORS,
	MKIPC_EPS_DIRECT,
	MKIPC_EPS_NR
};

struct mkipc_ep {
	struct mkipc_queue q;		/* of struct mkipc_kmsg * */
	struct mkipc_waitq recv_wq;	/* receivers, exclusive */
	struct mkipc_waitq send_wq;	/* senders waiting for room, exclusive */
	wait_queue_head_t poll_wq;	/* poll, select, epoll */
	struct mkipc_prio_idleq idleq;	/* receivers waiting, for prio_boost */
	/*
	 * Taken calls, by slot: a token is (generation << 32 | slot), so the
	 * lowest free slot can be reused at once (no node churn in the
	 * table) while a stale token still names nothing. xa_lock also
	 * guards token_gen, front and dead.
	 */
	struct xarray calls;
	u32 token_gen;
	struct mkipc_cslot slots[MKIPC_EP_SLOTS];	/* taken calls, first */
	struct list_head front;		/* undeliverable messages, first in line */
	/*
	 * One message ahead of the queue: put there (cmpxchg from NULL) by
	 * a sender that found nothing counted, taken (xchg) by a receiver.
	 */
	struct mkipc_kmsg *mailbox;
	atomic_t nr_front;		/* entries in front: lockless hint */
	/*
	 * Messages that count against max_msgs, in two halves of one word
	 * so that a sender checks their sum in one atomic step:
	 *
	 *   low 32 bits, queued: from their enqueue until delivered,
	 *     withdrawn (a call given up while QUEUED) or discarded;
	 *   high 32 bits, abandoned: a call its caller gave up while TAKEN,
	 *     from just before the caller's cmpxchg to CANCELLED (undone if
	 *     that fails) until the holder of its token uses the token up
	 *     (the ESRCH reply, the death, a failed delivery), who finds it
	 *     CANCELLED only after that cmpxchg: the half never goes below 0.
	 *
	 * A call whose caller still waits costs that caller a thread; one it
	 * gave up costs nothing more, so only those count. A withdrawn call
	 * stays in the lock-free queue until a receive passes over it, so
	 * the queue's own bound is twice max_msgs.
	 */
	atomic64_t nmsgs;
	bool dead;
	bool sync;			/* synchronous hand-off on calls */
	bool direct;			/* the mailbox is in use */
	bool recycle;			/* spares and call slots in use */
	u32 flags;			/* MKIPC_EP_* baselines in effect */
	u32 max_msgs;
	u64 id;
	atomic_t hwm;			/* queue high-water mark */
	atomic_long_t cnt[MKIPC_EPS_NR];
	/* Free small records, each taken and given back by one xchg. */
	struct mkipc_kmsg *spare[MKIPC_EP_SPARES];
	struct mem_cgroup *memcg;	/* the creator's: small records */
	struct mkipc_user *user;	/* the creator's, or NULL: usermem.c */
	u32 charged;			/* for the endpoint itself */
	struct kref ref;
	struct list_head node;		/* in mkipc_eps */
	pid_t creator;			/* tgid, in the initial namespace */
};

struct mkipc_epf {
	struct mkipc_ep *ep;
	u32 rights;
};

static LIST_HEAD(mkipc_eps);
static DEFINE_MUTEX(mkipc_eps_lock);	/* protects mkipc_eps */
static atomic64_t mkipc_ep_ids = ATOMIC64_INIT(0);
static atomic_t mkipc_ep_live = ATOMIC_INIT(0);

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

static void mkipc_kmsg_put(struct mkipc_kmsg *m)
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

/*
 * Ends a call the endpoint's reference of which the caller holds: moves it
 * from @from to @to and wakes the caller, then drops that reference. A
 * call the caller cancelled is only dropped. True if the move happened.
 */
static bool mkipc_call_end(struct mkipc_kmsg *m, int from, int to,
			   enum mkipc_wake_how how)
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
		if (to == MKIPC_CALL_REPLIED)
			mkipc_prio_boost_caller(m->tid);
		mkipc_waitq_wake(&m->done, how);
	}
	/* After the cmpxchg, which pairs with mkipc_prio_take()'s barrier. */
	mkipc_prio_call_end(&m->pi);
	mkipc_kmsg_put(m);
	return moved;
}

/* --- takers ------------------------------------------------------------- */

/*
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
#define MKIPC_TAKER_BITS	8

static struct mkipc_taker_bucket {
	atomic_t n;			/* calls under a token, by their taker */
} ____cacheline_aligned_in_smp mkipc_takers[1 << MKIPC_TAKER_BITS];

static bool mkipc_taker_hooked;		/* the probe is registered */

static atomic_t *mkipc_taker_count(struct task_struct *t)
{
	return &mkipc_takers[hash_ptr(t, MKIPC_TAKER_BITS)].n;
}

/* A call goes under a token for @t; before it is published. */
static void mkipc_taker_in(struct task_struct *t)
{
	atomic_inc(mkipc_taker_count(t));
}

/* A call of @t's left the token table (whoever took it out). */
static void mkipc_taker_out(struct task_struct *t)
{
	atomic_dec(mkipc_taker_count(t));
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

static u32 mkipc_nqueued(s64 n)
{
	return (u32)n;
}

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
	if (mkipc_waitq_active(&ep->send_wq))
		mkipc_waitq_wake(&ep->send_wq, MKIPC_WAKE_ONE);
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
static void mkipc_ep_abandoned_out(struct mkipc_ep *ep)
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
		if (!mkipc_call_end(m, state, MKIPC_CALL_FAILED,
				    MKIPC_WAKE_ONE))
			mkipc_ep_abandoned_out(ep);	/* given up */
	} else if (mkipc_call_end(m, state, MKIPC_CALL_FAILED,
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
static struct mkipc_kmsg *mkipc_slot_end(struct mkipc_cslot *s, u64 word)
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
	u32 i = (u32)token - MKIPC_SLOT_TOKEN;

	if ((u32)token < MKIPC_SLOT_TOKEN || i >= MKIPC_EP_SLOTS)
		return NULL;
	return &ep->slots[i];
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
 * looked at again after the queue.
 */
static struct mkipc_kmsg *mkipc_ep_take(struct mkipc_ep *ep)
{
	struct mkipc_kmsg *m = NULL, *older = NULL;

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
	if (!m && READ_ONCE(ep->mailbox))
		/* Full barrier: pairs with the sender's cmpxchg, (D). */
		m = xchg(&ep->mailbox, NULL);
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
 * On error @m is still the caller's.
 */
static int mkipc_ep_queue(struct mkipc_ep *ep, struct mkipc_kmsg *m,
			  bool nonblock, ktime_t deadline, u64 timeout_ns,
			  enum mkipc_wake_how how, struct mkipc_pi_don *pi)
{
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
	if (unlikely(READ_ONCE(ep->dead))) {
		mkipc_ep_drain(ep);
		return 0;
	}
	if (mkipc_stats_enabled)
		mkipc_ep_note_len(ep);
	mkipc_prio_queued(&ep->idleq, pi, &m->state, MKIPC_CALL_QUEUED);
	if (mkipc_waitq_active(&ep->recv_wq))
		mkipc_waitq_wake(&ep->recv_wq, how);
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
	if (IS_ERR(m))
		return PTR_ERR(m);
	err = mkipc_ep_queue(ep, m, mkipc_epf_nonblock(file, s.flags),
			     mkipc_deadline(s.timeout_ns), s.timeout_ns,
			     MKIPC_WAKE_ONE, NULL);
	if (err) {
		mkipc_kmsg_put(m);
		return err;
	}
	mkipc_ep_count(ep, MKIPC_EPS_SENT);
	mkipc_stat_inc(MKIPC_STAT_SENT);
	return 0;
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
 * only here.
 */
static int mkipc_ep_recv(struct file *file, struct mkipc_ep *ep,
			 struct mkipc_recv *r, struct mkipc_recv __user *ur)
{
	bool nonblock = mkipc_epf_nonblock(file, r->flags);
	ktime_t deadline = mkipc_deadline(r->timeout_ns);
	/* A caller's raise while this waited goes on any way out. */
	struct mkipc_prio_idle idle __cleanup(mkipc_prio_idle_drop) = {};
	struct mkipc_kmsg *m;
	u64 token = 0;
	int err;

again:
	m = mkipc_ep_take(ep);
	if (!m) {
		if (READ_ONCE(ep->dead))
			return -EPIPE;
		if (nonblock)
			return -EAGAIN;
		mkipc_prio_idle_enter(&ep->idleq, &idle);
		/* Back in line at the tail of both lines (issue 13, 11). */
		err = mkipc_waitq_wait_event_relist(&ep->recv_wq,
						    (m = mkipc_ep_take(ep)) ||
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
static int mkipc_call_cancel(struct mkipc_ep *ep, struct mkipc_kmsg *m,
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
static void mkipc_call_gave_up(struct mkipc_ep *ep, int state, bool undone)
{
	if (undone)
		mkipc_ep_room(ep);
	if (state == MKIPC_CALL_QUEUED)
		mkipc_ep_count_out(ep);	/* withdrawn */
	else if (state == MKIPC_CALL_TAKEN)
		mkipc_stat_inc(MKIPC_STAT_CALLS_ABANDONED);
}

/* --- parked calls --------------------------------------------------------- */

/*
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
static atomic_t mkipc_parked_nr = ATOMIC_INIT(0);
static bool mkipc_park_hooked;		/* both probes registered */
/* Given up where they could not be settled (atomic): for the reaper. */
static HLIST_HEAD(mkipc_parked_dead);
static void mkipc_park_reap(struct work_struct *work);
static DECLARE_WORK(mkipc_park_reaper, mkipc_park_reap);

static struct mkipc_ep *mkipc_parked_ep(struct mkipc_parked *p)
{
	return ((struct mkipc_epf *)p->file->private_data)->ep;
}

/* Parks the call @m of the interrupted ioctl; 0, or -ENOMEM. */
static int mkipc_park(struct file *file, struct mkipc_call __user *uc,
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
static struct mkipc_parked *mkipc_park_enter(struct file *file,
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
static struct mkipc_kmsg *mkipc_unpark(struct file *file,
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
static void mkipc_park_exit(struct task_struct *t)
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
static void mkipc_park_signal_probe(void *data, int sig,
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
	bool undone = false;
	struct mkipc_kmsg *rep;

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
	mkipc_kmsg_put(m);
	return err;
}

static long mkipc_ep_call(struct file *file, struct mkipc_ep *ep,
			  void __user *uarg)
{
	struct mkipc_call __user *uc = uarg;
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
	if (IS_ERR(m))
		return PTR_ERR(m);
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
			     &m->pi);
	if (err) {
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
static int mkipc_ep_reply(struct mkipc_ep *ep, const struct mkipc_reply *rp,
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
	if (!mkipc_call_end(call, MKIPC_CALL_TAKEN, MKIPC_CALL_REPLIED, how)) {
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
			if (!mkipc_call_end(m, MKIPC_CALL_TAKEN,
					    MKIPC_CALL_ORPHANED, MKIPC_WAKE_ONE))
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
int mkipc_ep_init(void)
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

void mkipc_ep_uninit(void)
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
	flush_work(&mkipc_park_reaper);
	/* The endpoints' users' records, all uncharged by now. */
	mkipc_user_uninit();
}

bool mkipc_ep_taker_exit_seen(void)
{
	return mkipc_taker_hooked;
}

bool mkipc_ep_stop_resumes(void)
{
	return mkipc_park_hooked;
}

static const struct file_operations mkipc_ep_fops = {
	.owner		= THIS_MODULE,
	.release	= mkipc_ep_release,
	.poll		= mkipc_ep_poll,
	.unlocked_ioctl	= mkipc_ep_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= no_llseek,
};

/* --- debugfs -------------------------------------------------------------- */

int mkipc_ep_live_count(void)
{
	return atomic_read(&mkipc_ep_live);
}

static int mkipc_eps_show(struct seq_file *s, void *unused)
{
	struct mkipc_ep *ep;

	seq_printf(s, "live %d\n", atomic_read(&mkipc_ep_live));
	seq_puts(s, "id creator queue waitq handoff max_msgs queued hwm dead sent received calls replies errors direct recycle abandoned user_bytes\n");
	mutex_lock(&mkipc_eps_lock);
	list_for_each_entry(ep, &mkipc_eps, node) {
		s64 n = atomic64_read(&ep->nmsgs);

		seq_printf(s, "%llu %d %s %s %s %u %u %d %d %ld %ld %ld %ld %ld %ld %d %u %lu\n",
			   ep->id, ep->creator,
			   (ep->flags & MKIPC_EP_QUEUE_SPIN) ? "spin" : "lfq",
			   (ep->flags & MKIPC_EP_WAITQ_STOCK) ?
			   "stock" : "owaitq",
			   ep->sync ? "sync" : "plain", ep->max_msgs,
			   mkipc_nqueued(n),
			   atomic_read(&ep->hwm), READ_ONCE(ep->dead),
			   atomic_long_read(&ep->cnt[MKIPC_EPS_SENT]),
			   atomic_long_read(&ep->cnt[MKIPC_EPS_RECEIVED]),
			   atomic_long_read(&ep->cnt[MKIPC_EPS_CALLS]),
			   atomic_long_read(&ep->cnt[MKIPC_EPS_REPLIES]),
			   atomic_long_read(&ep->cnt[MKIPC_EPS_ERRORS]),
			   atomic_long_read(&ep->cnt[MKIPC_EPS_DIRECT]),
			   ep->recycle, (u32)(n >> 32),
			   mkipc_user_bytes(ep->user));
	}
	mutex_unlock(&mkipc_eps_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mkipc_eps);

/* Root only: it shows which processes created endpoints. */
void mkipc_ep_debugfs_init(struct dentry *dir)
{
	debugfs_create_file("endpoints", 0400, dir, NULL, &mkipc_eps_fops);
}
