/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The endpoint unit's own interface between its files: endpoint.c (the
 * endpoint, its messages, send, receive, call and reply, descriptors),
 * endpoint_park.c (calls kept across a stop), endpoint_exit.c (calls whose
 * taker exits, and the tracepoint probes both need) and endpoint_debugfs.c.
 * Objects, owners, call states, barrier pairs and locks: the top of
 * endpoint.c. Nothing outside the endpoint unit includes this.
 */
#ifndef _MKIPC_ENDPOINT_INT_H
#define _MKIPC_ENDPOINT_INT_H

#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include <uapi/linux/mkipc.h>

#include "lfqueue.h"
#include "owaitq.h"
#include "prio_boost.h"

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

/* Every live endpoint, for the taker-exit work and debugfs. */
extern struct list_head mkipc_eps;
extern struct mutex mkipc_eps_lock;
extern atomic_t mkipc_ep_live;

/* ep->nmsgs: messages counted in the low half, abandoned calls above. */
static inline u32 mkipc_nqueued(s64 n)
{
	return (u32)n;
}

/* endpoint.c, for the other files of the unit. */
void mkipc_kmsg_put(struct mkipc_kmsg *m);
bool mkipc_call_end(struct mkipc_ep *ep, struct mkipc_kmsg *m, int from,
		    int to, enum mkipc_wake_how how);
void mkipc_ep_abandoned_out(struct mkipc_ep *ep);
struct mkipc_kmsg *mkipc_slot_end(struct mkipc_cslot *s, u64 word);
int mkipc_call_cancel(struct mkipc_ep *ep, struct mkipc_kmsg *m,
		      bool *undone);
void mkipc_call_gave_up(struct mkipc_ep *ep, int state, bool undone);

/*
 * endpoint_exit.c: calls under a token, counted by their taker's hash
 * bucket, so that the exit probe costs an unrelated thread one load.
 */
#define MKIPC_TAKER_BITS	8

struct mkipc_taker_bucket {
	atomic_t n;			/* calls under a token, by their taker */
} ____cacheline_aligned_in_smp;

extern struct mkipc_taker_bucket mkipc_takers[1 << MKIPC_TAKER_BITS];

static inline atomic_t *mkipc_taker_count(struct task_struct *t)
{
	return &mkipc_takers[hash_ptr(t, MKIPC_TAKER_BITS)].n;
}

/* A call goes under a token for @t; before it is published. */
static inline void mkipc_taker_in(struct task_struct *t)
{
	atomic_inc(mkipc_taker_count(t));
}

/* A call of @t's left the token table (whoever took it out). */
static inline void mkipc_taker_out(struct task_struct *t)
{
	atomic_dec(mkipc_taker_count(t));
}

/* Registers the probes (the exit probe serves parked calls too). */
int mkipc_ep_hooks_init(void);
void mkipc_ep_hooks_uninit(void);

/* endpoint_park.c: calls kept across a stop. */
struct mkipc_parked;
struct pt_regs;
struct task_struct;

extern atomic_t mkipc_parked_nr;	/* parked calls, any thread's */
extern bool mkipc_park_hooked;		/* set by mkipc_ep_hooks_init() */

int mkipc_park(struct file *file, struct mkipc_call __user *uc,
	       const struct mkipc_call *c, struct mkipc_kmsg *m,
	       ktime_t deadline);
struct mkipc_parked *mkipc_park_enter(struct file *file,
				      struct mkipc_call __user *uc);
struct mkipc_kmsg *mkipc_unpark(struct file *file,
				struct mkipc_call __user *uc,
				struct mkipc_call *c, ktime_t *deadline);
void mkipc_park_exit(struct task_struct *t);
void mkipc_park_signal_probe(void *data, int sig, struct kernel_siginfo *info,
			     struct k_sigaction *ka);
/* Waits for the reaper's work (unload). */
void mkipc_park_flush(void);

#endif /* _MKIPC_ENDPOINT_INT_H */
