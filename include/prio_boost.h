/* SPDX-License-Identifier: GPL-2.0 */
/*
 * prio_boost: priority inheritance across calls and the IPC-completion
 * boost, applied through sched_setattr_nocheck(). The user-visible rules
 * are in include/uapi/linux/mkipc.h ("Priority"); prio_boost.c says how
 * they are kept.
 *
 * Endpoint code calls these at fixed points of a call's life:
 *
 *   mkipc_prio_call_init()   the caller, before queueing: what it passes on
 *   mkipc_prio_queued()      the caller or sender, after queueing and before
 *                            the wake-up: raise and boost a waiting receiver
 *   mkipc_prio_idle_enter()  a receiver about to wait
 *   mkipc_prio_idle_leave()  ... and done waiting (a guard drops its raise)
 *   mkipc_prio_take()        a server took the call (QUEUED -> TAKEN)
 *   mkipc_prio_call_end()    the call left TAKEN, whoever moved it
 *   mkipc_prio_boost_caller() a reply that ended its call, before the wake-up
 *   mkipc_prio_call_done()   the caller, on its way out of the call
 *
 * With MKIPC_PRIO unset at build time all of these are empty inlines.
 */
#ifndef _MKIPC_PRIO_BOOST_H
#define _MKIPC_PRIO_BOOST_H

#include <linux/atomic.h>
#include <linux/compiler_attributes.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct pid;
struct task_struct;
struct mkipc_pt;

/*
 * A scheduling level: what a thread runs at, or what a donor passes on.
 * policy is a SCHED_* number; rt the RT priority (RT policies only); nice
 * the nice level. A donation with policy SCHED_NORMAL passes nice only.
 */
struct mkipc_prio {
	u8 policy;
	u8 rt;
	s8 nice;
};

/* Why mkipc changed a thread's settings, or saw them changed. */
enum mkipc_prio_why {
	MKIPC_PRIO_INHERIT,	/* raised (or lowered) by its donations */
	MKIPC_PRIO_RESTORE,	/* a donation went */
	MKIPC_PRIO_BOOST,	/* completion boost */
	MKIPC_PRIO_DECAY,	/* completion boost over */
	MKIPC_PRIO_EXTERNAL,	/* changed by someone else, kept */
	MKIPC_PRIO_REFUSED,	/* changed by someone else, not kept */
};

/*
 * One donation: a call's caller (or a caller's claim on a waiting
 * receiver) lends its level to one thread. All fields but ->target are
 * the donor's, or under mkipc_prio_lock; ->target is also read without it
 * (see mkipc_prio_call_end()).
 */
struct mkipc_pi_don {
	struct list_head node;		/* in target->dons */
	struct mkipc_pt *target;	/* the thread it raises, or NULL */
	struct mkipc_pt *donor;		/* the caller's record, if it had one */
	struct mkipc_prio_idle *claimer; /* the receiver it raised to wake */
	struct mkipc_prio orig;		/* passed on at call time */
	struct mkipc_prio cur;		/* orig, lowered as the donor drops */
	bool valid;			/* there is something to pass on */
	bool held;			/* it raised the thread that took it */
};

/* The receivers of an endpoint waiting for a message, oldest first. */
struct mkipc_prio_idleq {
	/*
	 * list, and each listed receiver's ->node, ->claimed, ->raised.
	 * Not irq-safe; under mkipc_prio_lock at most (prio_boost.c).
	 */
	spinlock_t lock;
	struct list_head list;
};

/* A receiver while it waits; on its stack. */
struct mkipc_prio_idle {
	struct list_head node;		/* in the idleq, while listed */
	struct task_struct *task;
	/* The call that raised it to wake; under mkipc_prio_lock. */
	struct mkipc_pi_don *claim;
	bool listed;
	bool claimed;			/* chosen by a caller; idleq's lock */
	bool raised;			/* ... and raised; idleq's lock */
};

/*
 * A scoped raise of the current thread, for kernel code:
 *
 *	mkipc_prio_critical(&level) {
 *		... runs at no lower than level until the block is left, by
 *		    any path: its end, return, goto, break (which leaves
 *		    the block, as in a loop of its own) ...
 *	}
 *
 * Process context only; it may sleep on entry and on exit.
 */
struct mkipc_prio_guard {
	struct mkipc_pi_don don;
};

#ifdef MKIPC_PRIO

void mkipc_prio_call_init(struct mkipc_pi_don *d, bool inherit_rt);
void mkipc_prio_queued(struct mkipc_prio_idleq *q, struct mkipc_pi_don *d,
		       atomic_t *state, int queued);
void mkipc_prio_idle_enter(struct mkipc_prio_idleq *q,
			   struct mkipc_prio_idle *w);
void mkipc_prio_idle_leave(struct mkipc_prio_idleq *q,
			   struct mkipc_prio_idle *w);
void mkipc_prio_idle_drop(struct mkipc_prio_idle *w);

/*
 * A waiting receiver goes back in line at the tail, as its wait queue
 * entry does after a wake-up that left it nothing: the two lines keep one
 * order, so that the receiver a call raises is the one it wakes.
 */
static inline void mkipc_prio_idle_requeue(struct mkipc_prio_idleq *q,
					   struct mkipc_prio_idle *w)
{
	mkipc_prio_idle_leave(q, w);
	mkipc_prio_idle_enter(q, w);
}

void mkipc_prio_take(struct mkipc_pi_don *d, atomic_t *state, int taken);
void __mkipc_prio_call_end(struct mkipc_pi_don *d);
void mkipc_prio_boost_caller(struct pid *tid);
void mkipc_prio_call_done(struct mkipc_pi_don *d);

struct mkipc_prio_guard *mkipc_prio_guard_enter(struct mkipc_prio_guard *g,
						const struct mkipc_prio *level);
void mkipc_prio_guard_exit(struct mkipc_prio_guard *g);

static inline void mkipc_prio_idleq_init(struct mkipc_prio_idleq *q)
{
	spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->list);
}

/*
 * After the call's state left TAKEN (a full barrier, the cmpxchg that
 * moved it): pairs with the barrier in mkipc_prio_take(), so that either
 * this sees the taker's ->target and ->held or the taker sees the new
 * state. With ->held, the mutex even if ->target is clear: the woken caller
 * may be restoring the taker under it (see "Calls" in prio_boost.c).
 */
static inline void mkipc_prio_call_end(struct mkipc_pi_don *d)
{
	if (READ_ONCE(d->target) || READ_ONCE(d->held))
		__mkipc_prio_call_end(d);
}

int mkipc_prio_init(void);
void mkipc_prio_uninit(void);
int mkipc_prio_tasks(void);
/* The current thread's settings now (for the in-kernel tests). */
void mkipc_prio_current(struct mkipc_prio *l);

#define mkipc_prio_critical(level)					\
	for (struct mkipc_prio_guard __mkg				\
		__cleanup(mkipc_prio_guard_exit) = {},			\
		*__mkp = mkipc_prio_guard_enter(&__mkg, (level));	\
	     __mkp; __mkp = NULL)

#else /* !MKIPC_PRIO */

static inline void mkipc_prio_call_init(struct mkipc_pi_don *d,
					bool inherit_rt)
{
	d->valid = false;
	d->target = NULL;
	d->donor = NULL;
	d->claimer = NULL;
}

static inline void mkipc_prio_queued(struct mkipc_prio_idleq *q,
				     struct mkipc_pi_don *d, atomic_t *state,
				     int queued) { }
static inline void mkipc_prio_idle_enter(struct mkipc_prio_idleq *q,
					 struct mkipc_prio_idle *w) { }
static inline void mkipc_prio_idle_leave(struct mkipc_prio_idleq *q,
					 struct mkipc_prio_idle *w) { }
static inline void mkipc_prio_idle_drop(struct mkipc_prio_idle *w) { }
static inline void mkipc_prio_idle_requeue(struct mkipc_prio_idleq *q,
					   struct mkipc_prio_idle *w) { }
static inline void mkipc_prio_take(struct mkipc_pi_don *d, atomic_t *state,
				   int taken) { }
static inline void mkipc_prio_call_end(struct mkipc_pi_don *d) { }
static inline void mkipc_prio_boost_caller(struct pid *tid) { }
static inline void mkipc_prio_call_done(struct mkipc_pi_don *d) { }
static inline void mkipc_prio_idleq_init(struct mkipc_prio_idleq *q) { }
static inline int mkipc_prio_init(void) { return 0; }
static inline void mkipc_prio_uninit(void) { }
static inline int mkipc_prio_tasks(void) { return 0; }
#define mkipc_prio_critical(level)					\
	for (int __mkp = 1; __mkp; __mkp = 0)

#endif /* MKIPC_PRIO */

#endif /* _MKIPC_PRIO_BOOST_H */
