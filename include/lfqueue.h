/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lfqueue: a Michael-Scott lock-free MPMC FIFO of pointers, with RCU for
 * safe memory reclamation, and the spinlock + list queue it is measured
 * against, behind one interface (struct mkipc_queue).
 *
 * Concurrency contract (mkipc_lfq_*)
 *
 *                  | enqueue | dequeue | len_approx | init/destroy
 *   enqueue        |   yes   |   yes   |    yes     |     no
 *   dequeue        |   yes   |   yes   |    yes     |     no
 *   len_approx     |   yes   |   yes   |    yes     |     no
 *   init/destroy   |   no    |   no    |    no      |     no
 *
 * Any number of producers and consumers may run at once, in process
 * context (they may sleep only in enqueue's allocation; neither takes a
 * lock). init and destroy have the queue to themselves.
 *
 * Ordering: everything a producer wrote before mkipc_lfq_enqueue(q, v)
 * happens-before everything the consumer that gets v does after its
 * mkipc_lfq_dequeue() returns v (release by the cmpxchg that links the
 * node, acquire by address dependency on the consumer's load of the link).
 * FIFO: values from one producer leave in the order it enqueued them;
 * values from different producers are ordered by their linking cmpxchg.
 * Each value is returned by exactly one dequeue.
 *
 * Memory: a node is allocated per enqueue (kmalloc, charged to the
 * memory cgroup of the task that created the queue) and freed after an RCU
 * grace period once it has stopped being the queue's dummy head. Every
 * dereference of a node happens inside rcu_read_lock(), so a node is never
 * freed under a reader, and its address cannot come back (ABA) while any
 * thread that loaded it may still compare against it.
 *
 * Bound: at most @bound (1..INT_MAX) values at once; enqueue past it fails
 * with ENOSPC before allocating anything, so userspace cannot grow a queue
 * without limit.
 */
#ifndef _MKIPC_LFQUEUE_H
#define _MKIPC_LFQUEUE_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct mem_cgroup;
struct mkipc_lfq_node;

/*
 * Two cache lines, one written by consumers and one by producers, so that
 * a producer and a consumer working at once share none: the bound is kept
 * with two counters instead of one length both sides would write.
 */
struct mkipc_lfq {
	/* Consumers: the dummy node; the value is in head->next. */
	struct mkipc_lfq_node *head ____cacheline_aligned_in_smp;
	/* Values dequeued, ever (mod 2^32). */
	atomic_t taken;

	/* Producers: the last node, or one behind it (helped forward). */
	struct mkipc_lfq_node *tail ____cacheline_aligned_in_smp;
	/* Values enqueued or being enqueued, ever (mod 2^32). */
	atomic_t reserved;
	/* A past value of taken: reserved - taken_seen bounds the length. */
	unsigned int taken_seen;
	unsigned int bound;
	struct mem_cgroup *memcg;
};

/* The baseline: one spinlock around a list. Same contract. */
struct mkipc_slq {
	spinlock_t lock;		/* protects items and len */
	struct list_head items;
	unsigned int len;
	unsigned int bound;
	struct mem_cgroup *memcg;
};

enum mkipc_queue_kind {
	MKIPC_QUEUE_LFQ,	/* lock-free Michael-Scott queue */
	MKIPC_QUEUE_SPIN,	/* spinlock + list baseline */
};

/* Either queue; the kind is fixed at init. */
struct mkipc_queue {
	enum mkipc_queue_kind kind;
	union {
		struct mkipc_lfq lfq;
		struct mkipc_slq slq;
	};
};

int mkipc_queue_init(struct mkipc_queue *q, enum mkipc_queue_kind kind,
		     unsigned int bound);
/*
 * Frees every node; calls @drain (if not NULL) on each value still queued.
 * Returns how many values were left. No concurrent users.
 */
unsigned long mkipc_queue_destroy(struct mkipc_queue *q,
				  void (*drain)(void *val, void *arg),
				  void *arg);
/* @val must not be NULL. 0, -ENOSPC (full) or -ENOMEM. */
int mkipc_queue_enqueue(struct mkipc_queue *q, void *val, gfp_t gfp);
/* The oldest value, or NULL if the queue was seen empty. */
void *mkipc_queue_dequeue(struct mkipc_queue *q);
/* Values held, exact when quiescent; may be stale while others run. */
unsigned int mkipc_queue_len_approx(struct mkipc_queue *q);
const char *mkipc_queue_kind_name(enum mkipc_queue_kind kind);
/* The run-time default kind: module parameter "queue" (params.c). */
enum mkipc_queue_kind mkipc_queue_default_kind(void);

#endif /* _MKIPC_LFQUEUE_H */
