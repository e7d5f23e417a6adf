// SPDX-License-Identifier: GPL-2.0
/*
 * lfqueue: the Michael-Scott lock-free MPMC queue with counted indices
 * over a node array of its own, and its spinlock ring baseline. The
 * contract is in include/lfqueue.h.
 *
 * The queue is a singly linked list from a dummy node (head) to the last
 * node (tail, or its predecessor while an enqueue is half done). Producers
 * take a node off the free list, link it after the last one with a
 * cmpxchg on its ->next, then swing tail; consumers move head to
 * head->next with a cmpxchg and take the value stored there, so that node
 * becomes the new dummy and the old dummy goes back on the free list.
 * Whoever finds tail lagging helps it on.
 *
 * Words. head, tail, the free list's top and every node's ->next are one
 * 64-bit word each: a node index (MKIPC_LFQ_NIL for none) and a tag. Every
 * successful cmpxchg on such a word stores tag + 1, and a node's ->next
 * gets a new tag when the node is reused, so a word never comes back to a
 * value a stalled thread may still hold (2^32 updates apart at least):
 * the counted pointers of the paper. Nodes live in q->nodes for the
 * queue's whole life, so a stale index always names readable memory; what
 * is read through one is used only if the cmpxchg that follows succeeds.
 *
 * Barrier pairs, named where they stand:
 *   (A) enqueue's cmpxchg on last->next: fully ordered, so the node's ->val
 *       and its fresh ->next are visible before the link is.
 *   (B) dequeue's acquire load of head->next, then its load of the
 *       successor's ->val: ordered after the load of the link, so the
 *       consumer sees what (A) published. Pairs with (A).
 *   (C) cmpxchg on q->tail and q->head: fully ordered, so a thread that
 *       loads q->tail or q->head with acquire and follows it sees the node
 *       as initialised, even when the swing was done by a helper that
 *       only observed the link. Pairs with (A) through the helper's load
 *       of the link (cumulativity of full barriers).
 *   (F) the free list: a push's cmpxchg (fully ordered) publishes the
 *       node's ->free_next; a pop's acquire load of the top reads it.
 *       A node is pushed only after the consumer that retired it is done
 *       with it, and a pop's cmpxchg orders everything the popper does to
 *       the node after it.
 *
 * The bound: producers count reservations in ->reserved (incremented to
 * reserve, decremented when the enqueue then fails), consumers count
 * dequeued values in ->taken, each on its own side's cache line. After its
 * increment returned r, a producer may enqueue if r - taken <= bound: r
 * counts every reservation held at that moment, its own included, and
 * taken every value gone, so at most bound values are ever held. It tests
 * against ->taken_seen, some value ->taken had (it only grows), which is
 * conservative, and reads ->taken itself only when that says full. The
 * counters are 64 bits wide and never wrap, so a ->taken_seen stored late
 * by a producer stalled for any number of dequeues is only an older value
 * of ->taken, which makes the test stricter, never looser (with 32 bits,
 * one stalled across 2^31 dequeues would have let the test pass for up to
 * 2^31 more enqueues). Differences are taken signed, since a producer
 * stalled after its increment may find taken already past its r.
 * A consumer counts its value in ->taken only after it pushed the old
 * dummy back, so nodes out of the free list never exceed the values
 * counted plus the dummy: bound + 1, the array's size. The counters order
 * nothing: the links do.
 *
 * Locking. The lock-free kind takes none. The spin kind's q->lock (struct
 * mkipc_slq) is a spinlock, not irq-safe, that guards ring, first and len
 * (len_approx reads len without it, a snapshot; destroy, alone with the
 * queue, takes no lock). Nothing else is taken and nothing sleeps under
 * it: a leaf. endpoint.c takes it in process context only, under one
 * lock at most: xa_lock(&ep->calls) -> q->lock in mkipc_ep_take(), which
 * with a mailbox dequeues under that lock; with none held elsewhere, as
 * in the in-kernel tests. So the spin kind keeps the header's "any
 * context" only in process context: not in an interrupt (its lock is not
 * irq-safe), and on PREEMPT_RT, where a spinlock_t sleeps, not with
 * preemption off or under a raw lock.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "lfqueue.h"

#define MKIPC_LFQ_NIL	U32_MAX

struct mkipc_lfq_node {
	atomic64_t next;		/* tagged index of the next node */
	void *val;
	u32 free_next;			/* on the free list: the next free node */
};

static u64 mkipc_lfq_word(u32 idx, u32 tag)
{
	return (u64)tag << 32 | idx;
}

static u32 mkipc_lfq_idx(u64 word)
{
	return (u32)word;
}

static u32 mkipc_lfq_tag(u64 word)
{
	return word >> 32;
}

/* The same index, one tag on: the word a cmpxchg replacing @old stores. */
static u64 mkipc_lfq_next_word(u64 old, u32 idx)
{
	return mkipc_lfq_word(idx, mkipc_lfq_tag(old) + 1);
}

static struct mkipc_lfq_node *mkipc_lfq_node(struct mkipc_lfq *q, u64 word)
{
	return &q->nodes[mkipc_lfq_idx(word)];
}

/* A free node's index, or MKIPC_LFQ_NIL if none is left. */
static u32 mkipc_lfq_pop(struct mkipc_lfq *q)
{
	/* (F) acquire: the pusher's ->free_next. */
	u64 top = atomic64_read_acquire(&q->free);
	u32 idx, next;

	for (;;) {
		idx = mkipc_lfq_idx(top);
		if (idx == MKIPC_LFQ_NIL)
			return idx;
		/* Stale if another popped it meanwhile: the tag says so. */
		next = READ_ONCE(q->nodes[idx].free_next);
		if (atomic64_try_cmpxchg(&q->free, &top,
					 mkipc_lfq_next_word(top, next)))
			return idx;
	}
}

static void mkipc_lfq_push(struct mkipc_lfq *q, u32 idx)
{
	u64 top = atomic64_read(&q->free);

	do {
		WRITE_ONCE(q->nodes[idx].free_next, mkipc_lfq_idx(top));
		/* (F): publishes ->free_next with the new top. */
	} while (!atomic64_try_cmpxchg(&q->free, &top,
				       mkipc_lfq_next_word(top, idx)));
}

/* Reserve room for one value; a full queue changes nothing. */
static bool mkipc_lfq_reserve(struct mkipc_lfq *q)
{
	u64 seen = READ_ONCE(q->taken_seen);
	u64 r;

	/*
	 * Full by a look that writes nothing? Then ask the consumers' count,
	 * and fail without the increment, which would count against the
	 * producers that can still succeed.
	 */
	r = atomic64_read(&q->reserved);
	if ((s64)(r - seen) >= (s64)q->bound) {
		seen = atomic64_read(&q->taken);
		/* Racing producers may store an older value: only stricter. */
		WRITE_ONCE(q->taken_seen, seen);
		if ((s64)(r - seen) >= (s64)q->bound)
			return false;
	}
	r = atomic64_inc_return_relaxed(&q->reserved);
	if ((s64)(r - seen) <= (s64)q->bound)
		return true;
	seen = atomic64_read(&q->taken);
	WRITE_ONCE(q->taken_seen, seen);
	if ((s64)(r - seen) <= (s64)q->bound)
		return true;
	atomic64_dec(&q->reserved);
	return false;
}

static int mkipc_lfq_init(struct mkipc_lfq *q, unsigned int bound)
{
	u32 i, n = bound + 1;

	/* Charged to the creator's memory cgroup, as the queue's owner. */
	q->nodes = kvcalloc(n, sizeof(*q->nodes), GFP_KERNEL_ACCOUNT);
	if (!q->nodes)
		return -ENOMEM;
	/* Node 0 is the first dummy; the others are free, in order. */
	atomic64_set(&q->nodes[0].next, mkipc_lfq_word(MKIPC_LFQ_NIL, 0));
	for (i = 1; i < n; i++) {
		atomic64_set(&q->nodes[i].next,
			     mkipc_lfq_word(MKIPC_LFQ_NIL, 0));
		q->nodes[i].free_next = i + 1 < n ? i + 1 : MKIPC_LFQ_NIL;
	}
	atomic64_set(&q->head, mkipc_lfq_word(0, 0));
	atomic64_set(&q->tail, mkipc_lfq_word(0, 0));
	atomic64_set(&q->free, mkipc_lfq_word(n > 1 ? 1 : MKIPC_LFQ_NIL, 0));
	atomic64_set(&q->taken, 0);
	atomic64_set(&q->reserved, 0);
	q->taken_seen = 0;
	q->bound = bound;
	return 0;
}

static int mkipc_lfq_enqueue(struct mkipc_lfq *q, void *val)
{
	struct mkipc_lfq_node *node, *last;
	u64 tail, next;
	u32 idx;

	if (!mkipc_lfq_reserve(q))
		return -ENOSPC;
	idx = mkipc_lfq_pop(q);
	/* The bound leaves a node for every reservation (see the top). */
	if (WARN_ON_ONCE(idx == MKIPC_LFQ_NIL)) {
		atomic64_dec(&q->reserved);
		return -ENOSPC;
	}
	node = &q->nodes[idx];
	WRITE_ONCE(node->val, val);
	/*
	 * No link, and a new tag: a producer that read this node's old
	 * empty link while it was the tail cannot link after it now.
	 */
	next = atomic64_read(&node->next);
	atomic64_set(&node->next, mkipc_lfq_next_word(next, MKIPC_LFQ_NIL));

	for (;;) {
		tail = atomic64_read_acquire(&q->tail);		/* (C) */
		last = mkipc_lfq_node(q, tail);
		next = atomic64_read_acquire(&last->next);
		if (tail != atomic64_read(&q->tail))
			continue;
		if (mkipc_lfq_idx(next) != MKIPC_LFQ_NIL) {
			/* tail lags behind a linked node: help, retry. (C) */
			atomic64_cmpxchg(&q->tail, tail,
					 mkipc_lfq_next_word(tail,
							     mkipc_lfq_idx(next)));
			continue;
		}
		/* (A): publishes the node's ->val and ->next with the link. */
		if (atomic64_try_cmpxchg(&last->next, &next,
					 mkipc_lfq_next_word(next, idx)))
			break;
	}
	/* (C); failing means a helper already swung it. */
	atomic64_cmpxchg(&q->tail, tail, mkipc_lfq_next_word(tail, idx));
	return 0;
}

static void *mkipc_lfq_dequeue(struct mkipc_lfq *q)
{
	u64 head, tail, next;
	void *val;

	for (;;) {
		head = atomic64_read_acquire(&q->head);		/* (C) */
		tail = atomic64_read_acquire(&q->tail);
		/* (B): the link, then what it names. */
		next = atomic64_read_acquire(&mkipc_lfq_node(q, head)->next);
		if (head != atomic64_read(&q->head))
			continue;	/* the dummy moved on: reread */
		if (mkipc_lfq_idx(head) == mkipc_lfq_idx(tail)) {
			if (mkipc_lfq_idx(next) == MKIPC_LFQ_NIL)
				return NULL;
			/*
			 * Never move head past tail: if tail still names the
			 * dummy we are about to retire, swing it first. (C)
			 */
			atomic64_cmpxchg(&q->tail, tail,
					 mkipc_lfq_next_word(tail,
							     mkipc_lfq_idx(next)));
			continue;
		}
		/* (B); meaningful only if the cmpxchg below succeeds. */
		val = READ_ONCE(mkipc_lfq_node(q, next)->val);
		/* The value is ours only if we move head. (C) */
		if (atomic64_try_cmpxchg(&q->head, &head,
					 mkipc_lfq_next_word(head,
							     mkipc_lfq_idx(next))))
			break;
	}
	/* The old dummy is free; then its place in the bound (see the top). */
	mkipc_lfq_push(q, mkipc_lfq_idx(head));
	atomic64_inc(&q->taken);
	return val;
}

static unsigned long mkipc_lfq_destroy(struct mkipc_lfq *q,
				       void (*drain)(void *, void *),
				       void *arg)
{
	u64 word = atomic64_read(&mkipc_lfq_node(q, atomic64_read(&q->head))->next);
	unsigned long left = 0;

	/* No concurrent users: the list from the dummy on is the queue. */
	while (mkipc_lfq_idx(word) != MKIPC_LFQ_NIL) {
		if (drain)
			drain(mkipc_lfq_node(q, word)->val, arg);
		left++;
		word = atomic64_read(&mkipc_lfq_node(q, word)->next);
	}
	kvfree(q->nodes);
	return left;
}

static int mkipc_slq_init(struct mkipc_slq *q, unsigned int bound)
{
	q->ring = kvcalloc(bound, sizeof(*q->ring), GFP_KERNEL_ACCOUNT);
	if (!q->ring)
		return -ENOMEM;
	spin_lock_init(&q->lock);
	q->first = 0;
	q->len = 0;
	q->bound = bound;
	return 0;
}

static int mkipc_slq_enqueue(struct mkipc_slq *q, void *val)
{
	unsigned int slot;

	spin_lock(&q->lock);
	if (q->len >= q->bound) {
		spin_unlock(&q->lock);
		return -ENOSPC;
	}
	slot = q->first + q->len;
	if (slot >= q->bound)
		slot -= q->bound;
	q->ring[slot] = val;
	q->len++;
	spin_unlock(&q->lock);
	return 0;
}

static void *mkipc_slq_dequeue(struct mkipc_slq *q)
{
	void *val = NULL;

	spin_lock(&q->lock);
	if (q->len) {
		val = q->ring[q->first];
		if (++q->first == q->bound)
			q->first = 0;
		q->len--;
	}
	spin_unlock(&q->lock);
	return val;
}

static unsigned long mkipc_slq_destroy(struct mkipc_slq *q,
				       void (*drain)(void *, void *),
				       void *arg)
{
	unsigned long left = q->len;

	while (q->len) {
		if (drain)
			drain(q->ring[q->first], arg);
		if (++q->first == q->bound)
			q->first = 0;
		q->len--;
	}
	kvfree(q->ring);
	return left;
}

size_t mkipc_queue_mem(enum mkipc_queue_kind kind, unsigned int bound)
{
	if (kind == MKIPC_QUEUE_LFQ)
		return ((size_t)bound + 1) * sizeof(struct mkipc_lfq_node);
	return (size_t)bound * sizeof(void *);
}

int mkipc_queue_init(struct mkipc_queue *q, enum mkipc_queue_kind kind,
		     unsigned int bound)
{
	/* The lock-free queue counts in an atomic_t, and has bound + 1 nodes. */
	if (!bound || bound >= INT_MAX)
		return -EINVAL;
	q->kind = kind;
	switch (kind) {
	case MKIPC_QUEUE_LFQ:
		return mkipc_lfq_init(&q->lfq, bound);
	case MKIPC_QUEUE_SPIN:
		return mkipc_slq_init(&q->slq, bound);
	}
	return -EINVAL;
}

unsigned long mkipc_queue_destroy(struct mkipc_queue *q,
				  void (*drain)(void *val, void *arg),
				  void *arg)
{
	if (q->kind == MKIPC_QUEUE_LFQ)
		return mkipc_lfq_destroy(&q->lfq, drain, arg);
	return mkipc_slq_destroy(&q->slq, drain, arg);
}

int mkipc_queue_enqueue(struct mkipc_queue *q, void *val)
{
	if (WARN_ON_ONCE(!val))
		return -EINVAL;
	if (q->kind == MKIPC_QUEUE_LFQ)
		return mkipc_lfq_enqueue(&q->lfq, val);
	return mkipc_slq_enqueue(&q->slq, val);
}

void *mkipc_queue_dequeue(struct mkipc_queue *q)
{
	if (q->kind == MKIPC_QUEUE_LFQ)
		return mkipc_lfq_dequeue(&q->lfq);
	return mkipc_slq_dequeue(&q->slq);
}

static unsigned int mkipc_lfq_len_approx(struct mkipc_lfq *q)
{
	/*
	 * taken first: every value taken had a reservation, so a later read
	 * of reserved is no smaller, unless the reads were reordered; the
	 * clamps keep such a snapshot in range.
	 */
	s64 held = atomic64_read(&q->taken);

	held = (u64)atomic64_read(&q->reserved) - (u64)held;
	if (held < 0)
		return 0;
	return held > q->bound ? q->bound : held;
}

unsigned int mkipc_queue_len_approx(struct mkipc_queue *q)
{
	if (q->kind == MKIPC_QUEUE_LFQ)
		return mkipc_lfq_len_approx(&q->lfq);
	/* Racy by contract: a snapshot, possibly stale. */
	return data_race(q->slq.len);
}

const char *mkipc_queue_kind_name(enum mkipc_queue_kind kind)
{
	return kind == MKIPC_QUEUE_LFQ ? "lfq" : "spin";
}
