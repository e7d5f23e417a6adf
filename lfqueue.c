// SPDX-License-Identifier: GPL-2.0
/*
 * lfqueue: the Michael-Scott lock-free MPMC queue with RCU reclamation,
 * and its spinlock + list baseline. The contract is in include/lfqueue.h.
 *
 * The queue is a singly linked list from a dummy node (head) to the last
 * node (tail, or its predecessor while an enqueue is half done). Producers
 * link a node after the last one with a cmpxchg on its ->next, then swing
 * tail; consumers move head to head->next with a cmpxchg and take the
 * value stored there, so that node becomes the new dummy and the old dummy
 * is freed after a grace period. Whoever finds tail lagging helps it on.
 *
 * Barrier pairs, named where they stand:
 *   (A) enqueue's cmpxchg(&last->next, NULL, node): fully ordered, so the
 *       node's initialisation (->val, ->next = NULL) is visible before the
 *       link is.
 *   (B) dequeue's READ_ONCE(head->next) and its dependent load of
 *       next->val: address-dependency ordered after the load of the link,
 *       so the consumer sees what (A) published. Pairs with (A).
 *   (C) cmpxchg on q->tail and q->head: fully ordered, so a thread that
 *       loads q->tail or q->head and follows it (dependency, as in (B))
 *       sees the node as initialised, even when the swing was done by a
 *       helper that only observed the link. Pairs with (A) through the
 *       helper's load of the link (cumulativity of full barriers).
 *   (D) rcu_read_lock() around every dereference of a node, and kfree_rcu()
 *       of a dequeued dummy: a node is freed only after every thread that
 *       could hold its address has left its read-side section, so no use
 *       after free, and no address reuse (ABA) under a pending cmpxchg.
 *
 * The bound: producers count reservations in ->reserved (incremented to
 * reserve, decremented when the enqueue then fails), consumers count
 * dequeued values in ->taken, each on its own side's cache line. After its
 * increment returned r, a producer may enqueue if r - taken <= bound: r
 * counts every reservation held at that moment, its own included, and
 * taken every value gone, so at most bound values are ever held. It tests
 * against ->taken_seen, some value ->taken had (it only grows), which is
 * conservative, and reads ->taken itself only when that says full. Both
 * counters wrap; differences are taken signed (bound <= INT_MAX), since a
 * producer stalled after its increment may find taken already past its r.
 * The counters order nothing: the links do.
 */
#include <linux/memcontrol.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "lfqueue.h"

struct mkipc_lfq_node {
	struct mkipc_lfq_node *next;
	void *val;
	struct rcu_head rcu;
};

struct mkipc_slq_node {
	struct list_head link;
	void *val;
};

/*
 * Nodes come from kmalloc: a cache of our own costs the same per
 * allocation, and kmem_cache_create() at load brings sysfs_slab_add(),
 * which in 6.1 leaks the cache's name when it fails (seen under failslab).
 * They are charged to the memory cgroup of the task that created the
 * queue, whoever enqueues: the creator owns the queue and its backlog.
 */
static void *mkipc_queue_alloc(size_t size, struct mem_cgroup *memcg,
			       gfp_t gfp)
{
	struct mem_cgroup *old = set_active_memcg(memcg);
	void *p = kmalloc(size, gfp | __GFP_ACCOUNT);

	set_active_memcg(old);
	return p;
}

/* Reserve room for one value; a full queue costs no allocation. */
static bool mkipc_lfq_reserve(struct mkipc_lfq *q)
{
	u32 seen = READ_ONCE(q->taken_seen);
	u32 r;

	/*
	 * Full by a look that writes nothing? Then ask the consumers' count,
	 * and fail without the increment, which would count against the
	 * producers that can still succeed.
	 */
	r = atomic_read(&q->reserved);
	if ((s32)(r - seen) >= (s32)q->bound) {
		seen = atomic_read(&q->taken);
		/* Racing producers may store an older value: still safe. */
		WRITE_ONCE(q->taken_seen, seen);
		if ((s32)(r - seen) >= (s32)q->bound)
			return false;
	}
	r = atomic_inc_return_relaxed(&q->reserved);
	if ((s32)(r - seen) <= (s32)q->bound)
		return true;
	seen = atomic_read(&q->taken);
	WRITE_ONCE(q->taken_seen, seen);
	if ((s32)(r - seen) <= (s32)q->bound)
		return true;
	atomic_dec(&q->reserved);
	return false;
}

static int mkipc_lfq_init(struct mkipc_lfq *q, unsigned int bound)
{
	struct mkipc_lfq_node *dummy;

	q->memcg = get_mem_cgroup_from_mm(current->mm);
	dummy = mkipc_queue_alloc(sizeof(*dummy), q->memcg, GFP_KERNEL);
	if (!dummy) {
		mem_cgroup_put(q->memcg);
		return -ENOMEM;
	}
	dummy->next = NULL;
	dummy->val = NULL;
	q->head = dummy;
	q->tail = dummy;
	atomic_set(&q->taken, 0);
	atomic_set(&q->reserved, 0);
	q->taken_seen = 0;
	q->bound = bound;
	return 0;
}

static int mkipc_lfq_enqueue(struct mkipc_lfq *q, void *val, gfp_t gfp)
{
	struct mkipc_lfq_node *node, *last, *next;

	if (!mkipc_lfq_reserve(q))
		return -ENOSPC;
	node = mkipc_queue_alloc(sizeof(*node), q->memcg, gfp);
	if (!node) {
		atomic_dec(&q->reserved);
		return -ENOMEM;
	}
	node->val = val;
	node->next = NULL;

	rcu_read_lock();			/* (D) */
	for (;;) {
		last = READ_ONCE(q->tail);
		next = READ_ONCE(last->next);
		if (next) {
			/* tail lags behind a linked node: help, retry. (C) */
			cmpxchg(&q->tail, last, next);
			continue;
		}
		/* (A): publishes node's initialisation with the link. */
		if (!cmpxchg(&last->next, NULL, node))
			break;
	}
	/* (C); failing means a helper already swung it. */
	cmpxchg(&q->tail, last, node);
	rcu_read_unlock();
	return 0;
}

static void *mkipc_lfq_dequeue(struct mkipc_lfq *q)
{
	struct mkipc_lfq_node *head, *next;
	void *val;

	rcu_read_lock();			/* (D) */
	for (;;) {
		head = READ_ONCE(q->head);
		next = READ_ONCE(head->next);	/* (B) */
		if (!next) {
			rcu_read_unlock();
			return NULL;
		}
		/*
		 * Never move head past tail: if tail still points at the dummy
		 * we are about to retire, swing it first. (C)
		 */
		if (READ_ONCE(q->tail) == head) {
			cmpxchg(&q->tail, head, next);
			continue;
		}
		/* (B): dependent on the load of the link above. */
		val = READ_ONCE(next->val);
		/* The value is ours only if we move head. (C) */
		if (cmpxchg(&q->head, head, next) == head)
			break;
	}
	rcu_read_unlock();

	/* A counter only, like ->reserved. */
	atomic_inc(&q->taken);
	/* (D): others may still hold the old dummy's address. */
	kfree_rcu(head, rcu);
	return val;
}

static unsigned long mkipc_lfq_destroy(struct mkipc_lfq *q,
				       void (*drain)(void *, void *),
				       void *arg)
{
	struct mkipc_lfq_node *node = q->head, *next;
	unsigned long left = 0;

	/* No concurrent users: every read-side section that saw a node has
	 * ended, so the nodes still linked can go at once.
	 */
	next = node->next;
	kfree(node);
	for (node = next; node; node = next) {
		next = node->next;
		if (drain)
			drain(node->val, arg);
		left++;
		kfree(node);
	}
	mem_cgroup_put(q->memcg);
	return left;
}

static int mkipc_slq_init(struct mkipc_slq *q, unsigned int bound)
{
	spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->items);
	q->len = 0;
	q->bound = bound;
	q->memcg = get_mem_cgroup_from_mm(current->mm);
	return 0;
}

static int mkipc_slq_enqueue(struct mkipc_slq *q, void *val, gfp_t gfp)
{
	struct mkipc_slq_node *node;

	/*
	 * Checked unlocked first (racy on purpose, rechecked under the lock),
	 * so a full queue costs no allocation.
	 */
	if (data_race(q->len) >= q->bound)
		return -ENOSPC;
	node = mkipc_queue_alloc(sizeof(*node), q->memcg, gfp);
	if (!node)
		return -ENOMEM;
	node->val = val;

	spin_lock(&q->lock);
	if (q->len >= q->bound) {
		spin_unlock(&q->lock);
		kfree(node);
		return -ENOSPC;
	}
	list_add_tail(&node->link, &q->items);
	q->len++;
	spin_unlock(&q->lock);
	return 0;
}

static void *mkipc_slq_dequeue(struct mkipc_slq *q)
{
	struct mkipc_slq_node *node;
	void *val;

	spin_lock(&q->lock);
	node = list_first_entry_or_null(&q->items, struct mkipc_slq_node,
					link);
	if (!node) {
		spin_unlock(&q->lock);
		return NULL;
	}
	list_del(&node->link);
	q->len--;
	spin_unlock(&q->lock);

	val = node->val;
	kfree(node);
	return val;
}

static unsigned long mkipc_slq_destroy(struct mkipc_slq *q,
				       void (*drain)(void *, void *),
				       void *arg)
{
	struct mkipc_slq_node *node, *tmp;
	unsigned long left = 0;

	list_for_each_entry_safe(node, tmp, &q->items, link) {
		if (drain)
			drain(node->val, arg);
		left++;
		kfree(node);
	}
	mem_cgroup_put(q->memcg);
	return left;
}

int mkipc_queue_init(struct mkipc_queue *q, enum mkipc_queue_kind kind,
		     unsigned int bound)
{
	/* The lock-free queue counts in an atomic_t. */
	if (!bound || bound > INT_MAX)
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

int mkipc_queue_enqueue(struct mkipc_queue *q, void *val, gfp_t gfp)
{
	if (WARN_ON_ONCE(!val))
		return -EINVAL;
	if (q->kind == MKIPC_QUEUE_LFQ)
		return mkipc_lfq_enqueue(&q->lfq, val, gfp);
	return mkipc_slq_enqueue(&q->slq, val, gfp);
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
	s32 held = atomic_read(&q->taken);

	held = (u32)atomic_read(&q->reserved) - (u32)held;
	if (held < 0)
		return 0;
	return (u32)held > q->bound ? q->bound : held;
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
