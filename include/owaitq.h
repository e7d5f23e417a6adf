/* SPDX-License-Identifier: GPL-2.0 */
/*
 * owaitq: a wait queue whose wake-up costs one full barrier and one load
 * when nobody waits (no lock, no call into the scheduler), and the kernel's
 * own wait_queue_head_t it is measured against, behind one interface
 * (struct mkipc_waitq).
 *
 * Use, for either kind:
 *
 *   waker:    make the condition true (any store, any lock);
 *             mkipc_waitq_wake(wq, how);
 *   sleeper:  err = mkipc_waitq_wait_event(wq, condition, state,
 *                                          deadline, exclusive);
 *
 * mkipc_waitq_wait_event() returns 0 once @condition is true, -ETIMEDOUT
 * if the absolute CLOCK_MONOTONIC @deadline passed first (KTIME_MAX: no
 * deadline), -ERESTARTSYS if @state is TASK_INTERRUPTIBLE or TASK_KILLABLE
 * and a signal came first. It evaluates @condition after every wake-up and
 * once more before returning an error, and returns 0 if it then holds: an
 * exclusive waiter picked by a wake-up never drops it, it returns 0 and the
 * caller consumes what it waited for (a waiter that sees the condition
 * false has nothing to pass on: someone else consumed it).
 *
 * Exclusive waiters are woken one per mkipc_waitq_wake(.., MKIPC_WAKE_ONE),
 * in FIFO order; the others by every wake-up. MKIPC_WAKE_SYNC wakes one
 * and tells the scheduler that the waker is about to sleep, so that the
 * woken task may run on the waker's CPU (the IPC call path).
 *
 * Context: process context for both sides (the list lock is a plain
 * spinlock). The queue must outlive every waiter and waker; destroy it
 * only when nobody can wait on it or wake it any more.
 *
 * Why no wake-up is lost (owaitq; the stock kind is the kernel's code):
 *
 *   sleeper (CPU 0)                     waker (CPU 1)
 *   lock; add self; nr++; unlock        cond = true
 *   set_current_state(state)  (S)       smp_mb()                  (W)
 *     = store state; smp_mb()           if (atomic_read(&nr) == 0)
 *   if (cond) return 0                          return        (fast path)
 *   schedule()                          lock; for each waiter:
 *                                         unlist it, set ->woken,
 *                                         then wake its task
 *
 * (S) orders the sleeper's nr++ before its load of cond; (W) orders the
 * waker's store of cond before its load of nr. With a full barrier on each
 * side at least one of the two loads sees the other side's store: either
 * the sleeper sees cond and does not sleep, or the waker sees nr != 0 and
 * takes the lock, where the waiter is already listed (nr++ and the list
 * insertion share one critical section). A wake-up that lands between the
 * sleeper's check and its schedule() finds its state already set and makes
 * it runnable, so schedule() returns at once.
 *
 * A waiter that a wake-up unlisted checks the condition before it lists
 * itself again: it reads ->woken with acquire, after the waker's store of
 * the condition, so a wake-up for what it waits for costs it no second
 * trip through the lock; if the condition does not hold (another consumed
 * it), it lists itself, sets its state (S) and checks once more.
 *
 * A waiter that gives up (deadline, signal) unlists itself first and then
 * checks the condition once more: a wake-up that picked it before it left
 * finds the condition true on that check, and the wait returns 0.
 *
 * An exclusive wake-up counts only if it found its waiter asleep (or about
 * to sleep, state set): one that lands on a waiter already running goes on
 * to the next exclusive waiter. A waiter keeps its state set, and stays
 * listed, from its last check of the condition until it unlists itself on
 * the way out; a wake-up landing in that window counts although the
 * waiter has what it waited for. A user whose condition consumes an event
 * (takes a message) must therefore pass a wake-up on after the wait when
 * events remain, as pipe_read() does: see mkipc_ep_recv().
 */
#ifndef _MKIPC_OWAITQ_H
#define _MKIPC_OWAITQ_H

#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

struct mkipc_owaitq {
	/* Waiters listed; read without the lock by the fast path. */
	atomic_t nr;
	/*
	 * waiters, each ->woken and every change of nr. Not irq-safe:
	 * process context only (owaitq.c, "Locking").
	 */
	spinlock_t lock;
	struct list_head waiters;	/* FIFO of struct mkipc_waiter */
};

enum mkipc_waitq_kind {
	MKIPC_WAITQ_OWAITQ,	/* owaitq: lockless no-waiter fast path */
	MKIPC_WAITQ_STOCK,	/* the kernel's wait_queue_head_t */
};

enum mkipc_wake_how {
	MKIPC_WAKE_ONE,		/* one exclusive waiter and all others */
	MKIPC_WAKE_ALL,		/* every waiter */
	MKIPC_WAKE_SYNC,	/* as _ONE, the waker is about to sleep */
};

/* Either wait queue; the kind is fixed at init. */
struct mkipc_waitq {
	enum mkipc_waitq_kind kind;
	union {
		struct mkipc_owaitq owq;
		struct wait_queue_head wqh;
	};
};

/* One sleeper, on its own stack for the length of one wait. */
struct mkipc_waiter {
	union {
		struct {
			struct list_head link;	/* in owq->waiters */
			struct task_struct *task;
			bool exclusive;
			/* Unlinked by a waker; written under owq->lock. */
			bool woken;
		} o;
		struct {			/* stock */
			struct wait_queue_entry wqe;
			bool armed;		/* listed once by arm() */
		};
	};
};

void mkipc_waitq_init(struct mkipc_waitq *wq, enum mkipc_waitq_kind kind);
void mkipc_waitq_wake(struct mkipc_waitq *wq, enum mkipc_wake_how how);
/*
 * Sleepers listed right now: a hint, stale as soon as it is returned. For
 * the owaitq kind it has no barrier of its own: a waker may skip its
 * wake-up on it only with a full barrier between its store of the
 * condition and this look (it then plays (W)), as with waitqueue_active().
 */
bool mkipc_waitq_active(struct mkipc_waitq *wq);
/*
 * mkipc_waitq_wake() if mkipc_waitq_active(), under the same rule: a full
 * barrier between the store of the condition and this call.
 */
void mkipc_waitq_wake_active(struct mkipc_waitq *wq, enum mkipc_wake_how how);
const char *mkipc_waitq_kind_name(enum mkipc_waitq_kind kind);
/* Called once at load, before any sync wake-up. */
void mkipc_waitq_setup(void);

/* The run-time default kind: module parameter "waitq" (params.c). */
enum mkipc_waitq_kind mkipc_waitq_default_kind(void);

/* The steps of mkipc_waitq_wait_event(); not for other use. */
void mkipc_waitq_add(struct mkipc_waitq *wq, struct mkipc_waiter *w,
		     bool exclusive);
/* What mkipc_waitq_arm() found, besides 0 and -ERESTARTSYS. */
#define MKIPC_WAITQ_UNLISTED	1
int mkipc_waitq_arm(struct mkipc_waitq *wq, struct mkipc_waiter *w,
		    unsigned int state);
void mkipc_waitq_relist(struct mkipc_waitq *wq, struct mkipc_waiter *w);
int mkipc_waitq_sleep(struct mkipc_waitq *wq, ktime_t deadline);
void mkipc_waitq_del(struct mkipc_waitq *wq, struct mkipc_waiter *w);

/*
 * A waiter woken by a wake-up (MKIPC_WAITQ_UNLISTED) checks its condition
 * before it lists itself again: the common case, a wake-up for what it
 * waited for, then costs no second trip through the lock.
 */
#define mkipc_waitq_wait_event(wq, condition, state, deadline, exclusive) \
	mkipc_waitq_wait_event_relist(wq, condition, state, deadline,	\
				      exclusive, do { } while (0))

/*
 * The same, running @relisted (a statement; TASK_RUNNING, nothing held)
 * each time a wake-up took the waiter off the queue and the condition did
 * not hold, before it goes back in line, at the tail: for a user that
 * keeps a line of its own in the same order (see mkipc_ep_recv()).
 */
#define mkipc_waitq_wait_event_relist(wq, condition, state, deadline,	\
				      exclusive, relisted)		\
({									\
	struct mkipc_waitq *__mwq = (wq);				\
	ktime_t __mdl = (deadline);					\
	struct mkipc_waiter __mw;					\
	int __merr = 0, __mslept = 0, __marm = 0;			\
	bool __mgone = false;						\
									\
	mkipc_waitq_add(__mwq, &__mw, (exclusive));			\
	for (;;) {							\
		/* Listed, state set, full barrier: then the check. */	\
		if (!__mgone)						\
			__marm = mkipc_waitq_arm(__mwq, &__mw, (state)); \
		if (condition) {					\
			__merr = 0;					\
			break;						\
		}							\
		if (__mgone)						\
			break;						\
		if (__marm == MKIPC_WAITQ_UNLISTED) {			\
			/* Woken for nothing left: list again, arm. */	\
			__set_current_state(TASK_RUNNING);		\
			relisted;					\
			mkipc_waitq_relist(__mwq, &__mw);		\
			continue;					\
		}							\
		if (__mslept || __marm) {				\
			/* Giving up: unlist, then one more check. */	\
			__merr = __mslept ?: __marm;			\
			mkipc_waitq_del(__mwq, &__mw);			\
			__mgone = true;					\
			continue;					\
		}							\
		__mslept = mkipc_waitq_sleep(__mwq, __mdl);			\
	}								\
	if (!__mgone)							\
		mkipc_waitq_del(__mwq, &__mw);				\
	__merr;								\
})

#endif /* _MKIPC_OWAITQ_H */
