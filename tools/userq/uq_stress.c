// SPDX-License-Identifier: GPL-2.0
/*
 * uq_stress: the checks of the kernel's queue stress (ktests/lfqueue_test.c) on
 * lfqueue.c built for userspace, meant to run under ThreadSanitizer.
 *
 *   uq_stress KIND P C ITEMS BOUND      (KIND: lfq or spin)
 *
 * P producer and C consumer threads share one queue of at most BOUND
 * values; each producer enqueues ITEMS / P values, each encoding its
 * producer and sequence number, and retries with sched_yield() while the
 * queue is full. Consumers check that no value is lost or duplicated, and
 * that each producer's values reach each consumer in order (FIFO per
 * producer); now and then they also check that len_approx() stays within
 * the bound (plus one reservation per producer, for the lock-free queue).
 * After every thread has joined, the queue is destroyed with a drain
 * callback that checks and counts leftovers, and enqueued must equal
 * dequeued + drained; rcu_barrier() then waits for every pending
 * kfree_rcu() callback, so all of them run (and free) before exit.
 *
 * Prints one line with every parameter and count; exits 0 only if every
 * check passed, 1 if one failed, 2 on bad usage or a setup failure.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <linux/rcupdate.h>	/* liburcu, and rcu_barrier() */

#include "lfqueue.h"

#define QS_MAX_THREADS	16
#define QS_MAX_ITEMS	(64UL << 20)
#define QS_SEQ_BITS	40
#define QS_LONG_BITS	(8 * sizeof(unsigned long))
#define QS_LEN_EVERY	256	/* dequeues between len_approx() checks */

struct qs {
	struct mkipc_queue q;
	enum mkipc_queue_kind kind;
	unsigned int producers, consumers, bound;
	unsigned long per_producer, total;
	unsigned long *seen;		/* one bit per value, set once */
	int producers_left;		/* release by producers, acquire */
};

struct qs_thread {
	struct qs *s;
	pthread_t tid;
	unsigned int id;
	/* Counts of this thread only, summed after the join. */
	unsigned long enqueued, dequeued, enospc, enomem;
	unsigned long dup, order_errors, len_errors;
	long last_seq[QS_MAX_THREADS];
};

static void *qs_encode(unsigned int producer, unsigned long seq)
{
	return (void *)(((uintptr_t)producer + 1) << QS_SEQ_BITS | (seq + 1));
}

/* Checks one value taken by @t (a consumer, or the drain). */
static void qs_check(struct qs *s, struct qs_thread *t, void *v)
{
	uintptr_t raw = (uintptr_t)v;
	unsigned long p = (raw >> QS_SEQ_BITS) - 1;
	unsigned long seq = (raw & ((1UL << QS_SEQ_BITS) - 1)) - 1;
	unsigned long bit, mask;

	if (p >= s->producers || seq >= s->per_producer) {
		t->dup++;		/* garbage counts as a bad value */
		return;
	}
	if ((long)seq <= t->last_seq[p])
		t->order_errors++;
	t->last_seq[p] = seq;
	bit = p * s->per_producer + seq;
	mask = 1UL << (bit % QS_LONG_BITS);
	if (__atomic_fetch_or(&s->seen[bit / QS_LONG_BITS], mask,
			      __ATOMIC_RELAXED) & mask)
		t->dup++;
}

static void qs_check_len(struct qs *s, struct qs_thread *t)
{
	unsigned int len = mkipc_queue_len_approx(&s->q);
	/* lfq reserves before it checks: one extra per producer at most. */
	unsigned long max = s->bound + (s->kind == MKIPC_QUEUE_LFQ ?
					s->producers : 0);

	if (len > max)
		t->len_errors++;
}

static void *qs_producer(void *arg)
{
	struct qs_thread *t = arg;
	struct qs *s = t->s;
	unsigned long seq;
	int ret;

	urcu_memb_register_thread();
	for (seq = 0; seq < s->per_producer; seq++) {
		while ((ret = mkipc_queue_enqueue(&s->q,
						  qs_encode(t->id, seq)))) {
			if (ret == -ENOSPC)
				t->enospc++;
			else
				t->enomem++;
			sched_yield();
		}
		t->enqueued++;
	}
	urcu_memb_unregister_thread();
	/* Release: pairs with the consumers' acquire load. */
	__atomic_sub_fetch(&s->producers_left, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void qs_take(struct qs *s, struct qs_thread *t, void *v)
{
	qs_check(s, t, v);
	if (++t->dequeued % QS_LEN_EVERY == 0)
		qs_check_len(s, t);
}

static void *qs_consumer(void *arg)
{
	struct qs_thread *t = arg;
	struct qs *s = t->s;
	void *v;

	urcu_memb_register_thread();
	for (;;) {
		v = mkipc_queue_dequeue(&s->q);
		if (v) {
			qs_take(s, t, v);
			continue;
		}
		qs_check_len(s, t);
		/*
		 * Acquire: once no producer is left, every enqueue is done,
		 * so one more empty dequeue means empty for good.
		 */
		if (!__atomic_load_n(&s->producers_left, __ATOMIC_ACQUIRE)) {
			v = mkipc_queue_dequeue(&s->q);
			if (!v)
				break;
			qs_take(s, t, v);
			continue;
		}
		sched_yield();
	}
	urcu_memb_unregister_thread();
	return NULL;
}

static void qs_drain(void *val, void *arg)
{
	struct qs_thread *t = arg;
	unsigned int i;

	/* Leftovers are checked for garbage and duplicates, not order. */
	for (i = 0; i < QS_MAX_THREADS; i++)
		t->last_seq[i] = -1;
	qs_check(t->s, t, val);
}

static int qs_parse_ulong(const char *str, unsigned long *val)
{
	char *end;

	errno = 0;
	*val = strtoul(str, &end, 10);
	return errno || end == str || *end || str[0] == '-' ? -EINVAL : 0;
}

static int qs_usage(const char *why)
{
	fprintf(stderr, "uq_stress: %s\n"
		"usage: uq_stress lfq|spin PRODUCERS CONSUMERS ITEMS BOUND\n"
		"  1 <= PRODUCERS, CONSUMERS <= %d; PRODUCERS <= ITEMS <= %lu;"
		" 1 <= BOUND <= %d\n", why, QS_MAX_THREADS, QS_MAX_ITEMS,
		INT_MAX);
	return 2;
}

static int qs_fail(const char *why)
{
	fprintf(stderr, "uq_stress: setup failed: %s\n", why);
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long producers, consumers, items, bound, words, missing, i;
	unsigned long enqueued = 0, dequeued = 0, enospc = 0, enomem = 0;
	unsigned long dup = 0, order_errors = 0, len_errors = 0, drained;
	struct qs_thread *threads, drain = { 0 };
	unsigned int len_after, nthreads, n;
	struct timespec t0, t1;
	struct qs *s;
	long long ns;
	bool ok;
	int ret;

	if (argc != 6)
		return qs_usage("wrong number of arguments");
	if (qs_parse_ulong(argv[2], &producers) ||
	    qs_parse_ulong(argv[3], &consumers) ||
	    qs_parse_ulong(argv[4], &items) ||
	    qs_parse_ulong(argv[5], &bound))
		return qs_usage("arguments must be decimal numbers");
	if (!producers || producers > QS_MAX_THREADS || !consumers ||
	    consumers > QS_MAX_THREADS || items < producers ||
	    items > QS_MAX_ITEMS || !bound || bound > INT_MAX)
		return qs_usage("argument out of range");

	if (strcmp(argv[1], "lfq") && strcmp(argv[1], "spin"))
		return qs_usage("KIND must be lfq or spin");

	/* aligned_alloc: struct mkipc_queue has cacheline-aligned members. */
	s = aligned_alloc(__alignof__(*s), sizeof(*s));
	if (!s)
		return qs_fail("out of memory");
	memset(s, 0, sizeof(*s));
	s->kind = strcmp(argv[1], "lfq") ? MKIPC_QUEUE_SPIN : MKIPC_QUEUE_LFQ;
	s->producers = producers;
	s->consumers = consumers;
	s->bound = bound;
	s->per_producer = items / producers;
	s->total = s->per_producer * producers;
	words = (s->total + QS_LONG_BITS - 1) / QS_LONG_BITS;
	s->seen = calloc(words, sizeof(*s->seen));
	nthreads = producers + consumers;
	threads = calloc(nthreads, sizeof(*threads));
	if (!s->seen || !threads)
		return qs_fail("out of memory");
	ret = mkipc_queue_init(&s->q, s->kind, bound);
	if (ret)
		return qs_fail(strerror(-ret));
	s->producers_left = producers;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Consumers first, as in the kernel test: they start on empty. */
	for (n = 0; n < nthreads; n++) {
		struct qs_thread *t = &threads[n];
		bool producer = n >= consumers;

		t->s = s;
		t->id = producer ? n - consumers : n;
		for (i = 0; i < QS_MAX_THREADS; i++)
			t->last_seq[i] = -1;
		ret = pthread_create(&t->tid, NULL,
				     producer ? qs_producer : qs_consumer, t);
		/* Exit: the threads already started might never end. */
		if (ret)
			exit(qs_fail(strerror(ret)));
	}
	for (n = 0; n < nthreads; n++) {
		struct qs_thread *t = &threads[n];

		pthread_join(t->tid, NULL);
		enqueued += t->enqueued;
		dequeued += t->dequeued;
		enospc += t->enospc;
		enomem += t->enomem;
		dup += t->dup;
		order_errors += t->order_errors;
		len_errors += t->len_errors;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + t1.tv_nsec - t0.tv_nsec;

	/* Quiescent now, so exact: must match what is left. */
	len_after = mkipc_queue_len_approx(&s->q);
	drain.s = s;
	drained = mkipc_queue_destroy(&s->q, qs_drain, &drain);
	dup += drain.dup;
	/* Every deferred free runs before exit (no leak, no lost callback). */
	rcu_barrier();

	missing = s->total;
	for (i = 0; i < words; i++)
		missing -= __builtin_popcountl(s->seen[i]);

	ok = !missing && !dup && !order_errors && !len_errors &&
	     enqueued == s->total && enqueued == dequeued + drained &&
	     len_after == drained;
	/* Split at key boundaries only: one line, every key greppable. */
	printf("queue=%s producers=%u consumers=%u items=%lu bound=%u",
	       mkipc_queue_kind_name(s->kind), s->producers, s->consumers,
	       s->total, s->bound);
	printf(" enqueued=%lu dequeued=%lu drained=%lu lost=%lu dup=%lu",
	       enqueued, dequeued, drained, missing, dup);
	printf(" order_errors=%lu len_errors=%lu len_after=%u", order_errors,
	       len_errors, len_after);
	printf(" enospc_retries=%lu enomem_retries=%lu ns=%lld result=%s\n",
	       enospc, enomem, ns, ok ? "pass" : "FAIL");
	free(threads);
	free(s->seen);
	free(s);
	return ok ? 0 : 1;
}
