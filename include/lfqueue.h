/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lfqueue: a Michael-Scott lock-free MPMC FIFO of pointers over a node
 * array of its own, with counted (tagged) indices in place of pointers,
 * and the spinlock ring it is measured against, behind one interface
 * (struct mkipc_queue).
 *
 * Concurrency contract (mkipc_lfq_*)
 *
 *                  | enqueue | dequeue | len_approx | init/destroy
 *   enqueue        |   yes   |   yes   |    yes     |     no
 *   dequeue        |   yes   |   yes   |    yes     |     no
 *   len_approx     |   yes   |   yes   |    yes     |     no
 *   init/destroy   |   no    |   no    |    no      |     no
 *
 * Any number of producers and consumers may run at once, in any context
 * (neither sleeps, allocates nor takes a lock). init and destroy have the
 * queue to themselves; init allocates (and may sleep).
 *
 * Ordering: everything a producer wrote before mkipc_lfq_enqueue(q, v)
 * happens-before everything the consumer that gets v does after its
 * mkipc_lfq_dequeue() returns v (release by the cmpxchg that links the
 * node, acquire by the consumer's load of the link). FIFO: values from
 * one producer leave in the order it enqueued them; values from different
 * producers are ordered by their linking cmpxchg. Each value is returned
 * by exactly one dequeue.
 *
 * Memory: init allocates bound + 1 nodes at once (kvmalloc, charged to the
 * memory cgroup of the task that creates the queue) and destroy frees
 * them; enqueue and dequeue take nodes from and give them back to a
 * lock-free free list inside the queue. A node's memory never goes away
 * while the queue lives, so a thread holding a stale index reads a valid
 * node, and every word that names a node carries a tag that changes on
 * each update, so a compare-and-swap against a stale word fails (no ABA):
 * the Michael-Scott paper's counted pointers, with no RCU and no
 * reclamation.
 *
 * Bound: at most @bound (1..INT_MAX - 1) values at once; enqueue past it
 * fails with ENOSPC, so userspace cannot grow a queue without limit, and
 * the nodes never run out.
 */
#ifndef _MKIPC_LFQUEUE_H
#define _MKIPC_LFQUEUE_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct mkipc_lfq_node;

/*
 * Three cache lines: consumers, producers, the free list; a producer and
 * a consumer working at once share none but the free list's. The bound
 * is kept with two counters instead of one length both sides would write.
 * head, tail and free are tagged indices (see lfqueue.c).
 */
struct mkipc_lfq {
	/* Consumers: the dummy node; the value is in its successor. */
	atomic64_t head ____cacheline_aligned_in_smp;
	/* Values dequeued, ever: 64 bits, so that it never wraps. */
	atomic64_t taken;

	/* Producers: the last node, or one behind it (helped forward). */
	atomic64_t tail ____cacheline_aligned_in_smp;
	/* Values enqueued or being enqueued, ever: 64 bits, as taken. */
	atomic64_t reserved;
	/* A past value of taken: reserved - taken_seen bounds the length. */
	u64 taken_seen;
	unsigned int bound;

	/* The free nodes: a stack, its top. */
	atomic64_t free ____cacheline_aligned_in_smp;
	struct mkipc_lfq_node *nodes;	/* bound + 1 */
};

/* The baseline: a ring of bound slots under one spinlock. Same contract. */
struct mkipc_slq {
	/* Not irq-safe: process context only (lfqueue.c, "Locking"). */
	spinlock_t lock;		/* protects ring, first and len */
	void **ring;
	unsigned int first;		/* the oldest value's slot */
	unsigned int len;
	unsigned int bound;
};

enum mkipc_queue_kind {
	MKIPC_QUEUE_LFQ,	/* lock-free Michael-Scott queue */
	MKIPC_QUEUE_SPIN,	/* spinlock ring baseline */
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
/* @val must not be NULL. 0, or -ENOSPC (full). */
int mkipc_queue_enqueue(struct mkipc_queue *q, void *val);
/* The oldest value, or NULL if the queue was seen empty. */
void *mkipc_queue_dequeue(struct mkipc_queue *q);
/* Values held, exact when quiescent; may be stale while others run. */
unsigned int mkipc_queue_len_approx(struct mkipc_queue *q);
/* What mkipc_queue_init() allocates for @kind and @bound, in bytes. */
size_t mkipc_queue_mem(enum mkipc_queue_kind kind, unsigned int bound);
const char *mkipc_queue_kind_name(enum mkipc_queue_kind kind);
/* The run-time default kind: module parameter "queue" (params.c). */
enum mkipc_queue_kind mkipc_queue_default_kind(void);

#endif /* _MKIPC_LFQUEUE_H */
