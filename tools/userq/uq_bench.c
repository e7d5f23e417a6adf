// SPDX-License-Identifier: GPL-2.0
/*
 * uq_bench: throughput of lfqueue.c built for userspace (lfq, and its
 * spinlock baseline spin) against Concurrency Kit's ck_fifo_mpmc (ck) and
 * liburcu's cds_lfq_queue_rcu (cds), P producers x C consumers for P, C in
 * {1, 2, 4}.
 *
 *   uq_bench [-i ITEMS] [-r REPS] [-q QUEUE,...] [--no-pin] [--no-latency]
 *	      [--json FILE]
 *
 * A run: every producer enqueues ITEMS / P values, consumers dequeue until
 * all are taken; the wall time from the start barrier to the last join
 * gives Mops/s = items / seconds, one op being one value enqueued and
 * dequeued. Each (queue, P, C) runs REPS times, the queues interleaved;
 * the report gives min, median and max, and the medians' ratios.
 *
 * Node memory, per queue:
 *  lfq, spin  lfqueue.c's own: none per item. lfq's nodes are an array
 *	       of its own (bound + 1, allocated at init), the unused ones
 *	       on a lock-free stack; spin is a ring of bound slots. Bound = ITEMS,
 *	       so ENOSPC cannot happen (retries are counted and printed).
 *  ck	       ck_fifo_mpmc_dequeue() hands back the old stub as garbage,
 *	       which other consumers may still read (ck has no reclamation),
 *	       so it may not be freed while the queue is in use. Every
 *	       enqueue mallocs an entry; consumers record the garbage entries
 *	       in a per-consumer array (preallocated and prefaulted, nothing
 *	       written into the entries) and they are freed after the timed
 *	       run. That spares ck every free() in the timed region, which
 *	       favours it slightly.
 *  cds	       every enqueue mallocs a node; enqueue and dequeue run under
 *	       urcu_memb_read_lock(); a dequeued node is freed by call_rcu.
 * RCU callbacks still pending when a run ends (lfq, cds) finish before
 * the next run, outside the timing.
 *
 * Latency (off with --no-latency): every thread times every 16th
 * successful op, the 16th, 32nd, ... enqueue of a producer and dequeue
 * that returns a value of a consumer, with clock_gettime(CLOCK_MONOTONIC)
 * right before and after the one bq_enqueue() or bq_dequeue() call that
 * is the op in the throughput loop too, so the timed region holds what
 * the op costs there and nothing else:
 *  lfq, spin  enqueue: mkipc_queue_enqueue(), with lfq's pop of a free
 *	       node (and the ENOSPC retry loop, but ENOSPC cannot happen);
 *	       dequeue: mkipc_queue_dequeue(), with lfq's push of the old
 *	       dummy
 *  ck	       enqueue: malloc of the entry, ck_fifo_mpmc_enqueue();
 *	       dequeue: ck_fifo_mpmc_dequeue(), storing the garbage pointer
 *  cds	       enqueue: malloc of the node, cds_lfq_node_init_rcu(), the
 *	       value store, read lock, cds_lfq_enqueue_rcu(), read unlock;
 *	       dequeue: read lock, cds_lfq_dequeue_rcu(), read unlock, the
 *	       value load, urcu_memb_call_rcu()
 * A consumer whose next successful dequeue is a 16th one times every
 * attempt until one succeeds; an empty one is dropped (not recorded).
 * Per thread: sum, count and max of the sampled ns, and a log2 histogram
 * (bucket k holds [2^(k-1), 2^k) ns, bucket 0 holds 0 ns). A run merges
 * its producers' (enqueue) and consumers' (dequeue) histograms; its p99
 * is the upper edge 2^k of the bucket where the cumulative count reaches
 * 99 % of the samples, i.e. an upper bound within a factor of 2. The
 * report takes avg and p99 from the median rep by Mops/s (with an even
 * REPS, the slower of the two middle ones), all from that one run.
 * The two clock reads cost every sampled op (and throughput) the same
 * for all queues; the header prints what two back-to-back reads cost,
 * which every sample includes. With more threads than CPUs, a sample
 * may include time its thread spent preempted.
 */
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ck_fifo.h>
#include <urcu/rculfqueue.h>
#include <urcu/urcu-memb.h>

#include "lfqueue.h"

#ifndef CK_F_FIFO_MPMC
#error "ck_fifo_mpmc needs a double-width CAS (CK_F_PR_CAS_PTR_2)"
#endif

#define BQ_DEFAULT_ITEMS	1000000UL
#define BQ_DEFAULT_REPS		5
#define BQ_MAX_REPS		101
#define BQ_FLUSH		64	/* values counted locally per flush */
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define BQ_YIELD_EVERY		64	/* empty dequeues in a row per yield */
#define BQ_SAMPLE_EVERY		16	/* every 16th successful op is timed */
#define BQ_HIST_BUCKETS		40	/* log2 ns; the last takes all above */
#define BQ_CLOCK_PAIRS		100000	/* back-to-back reads, calibration */

enum bq_kind { BQ_LFQ, BQ_SPIN, BQ_CK, BQ_CDS, BQ_NR };

static const char *const bq_names[BQ_NR] = { "lfq", "spin", "ck", "cds" };
static const unsigned int bq_grid[] = { 1, 2, 4 };
#define BQ_GRID		ARRAY_SIZE(bq_grid)
#define BQ_MAX_CONSUMERS	4
#define BQ_MAX_THREADS		8	/* 4 producers + 4 consumers */

#ifndef UQ_URCU_VERSION
#define UQ_URCU_VERSION		"(version unknown)"
#endif

struct bq_cds_node {
	struct cds_lfq_node_rcu node;
	void *val;
	struct rcu_head rcu;
};

struct bq_run {
	struct mkipc_queue ours;		/* lfq and spin */
	struct ck_fifo_mpmc ck;
	struct cds_lfq_queue_rcu cds;
	enum bq_kind kind;
	unsigned int producers, consumers;
	unsigned long per_producer, items;
	bool latency;
	pthread_barrier_t start;
	/* Values taken, flushed by consumers every BQ_FLUSH or when idle. */
	unsigned long taken ____cacheline_aligned_in_smp;
};

/* Sampled op times of one thread, or merged over a run's threads. */
struct bq_lat {
	unsigned long sum, count, max;		/* ns */
	unsigned long hist[BQ_HIST_BUCKETS];	/* k: [2^(k-1), 2^k) ns */
};

/* What the report keeps of a struct bq_lat; count 0: nothing sampled. */
struct bq_stat {
	double avg;
	unsigned long p99, max, count;
};

/* One rep of one (queue, P, C). */
struct bq_result {
	double mops;
	struct bq_stat enq, deq;
};

struct bq_thread {
	struct bq_run *r;
	pthread_t tid;
	unsigned int id;
	unsigned long sum, count, enospc;
	struct ck_fifo_mpmc_entry **garbage;	/* ck, consumers only */
	unsigned long ngarbage;
	struct bq_lat lat;	/* enqueues of a producer, or dequeues */
} __aligned(64);

struct bq_opts {
	unsigned long items;
	unsigned int reps;
	bool pin;
	bool latency;
	bool want[BQ_NR];
	const char *json;
};

static int bq_cpus[CPU_SETSIZE];
static int bq_ncpu;
/* One garbage array per consumer slot, ITEMS entries each, kept. */
static struct ck_fifo_mpmc_entry **bq_garbage[BQ_MAX_CONSUMERS];

static inline void bq_cpu_relax(void)
{
#if __has_builtin(__builtin_ia32_pause)	/* the kernel's cpu_relax() on x86 */
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

static double bq_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long bq_ns(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000000L + b->tv_nsec - a->tv_nsec;
}

static void bq_lat_add(struct bq_lat *l, unsigned long ns)
{
	unsigned int k = ns ? 8 * sizeof(ns) - __builtin_clzl(ns) : 0;

	l->hist[k < BQ_HIST_BUCKETS ? k : BQ_HIST_BUCKETS - 1]++;
	l->sum += ns;
	l->count++;
	if (ns > l->max)
		l->max = ns;
}

static void bq_lat_merge(struct bq_lat *to, const struct bq_lat *from)
{
	unsigned int k;

	for (k = 0; k < BQ_HIST_BUCKETS; k++)
		to->hist[k] += from->hist[k];
	to->sum += from->sum;
	to->count += from->count;
	if (from->max > to->max)
		to->max = from->max;
}

/* p99: upper edge 2^k of the bucket where the count reaches 99 %. */
static void bq_lat_stat(const struct bq_lat *l, struct bq_stat *s)
{
	unsigned long want = (l->count * 99 + 99) / 100, seen = 0;
	unsigned int k;

	for (k = 0; k < BQ_HIST_BUCKETS - 1; k++) {
		seen += l->hist[k];
		if (seen >= want)
			break;
	}
	s->avg = l->count ? (double)l->sum / l->count : 0;
	s->p99 = 1UL << k;
	s->max = l->max;
	s->count = l->count;
}

static void bq_die(const char *what)
{
	fprintf(stderr, "uq_bench: %s\n", what);
	exit(2);
}

static void bq_cds_free(struct rcu_head *head)
{
	free(container_of(head, struct bq_cds_node, rcu));
}

static void bq_enqueue(struct bq_run *r, struct bq_thread *t, void *v)
{
	struct ck_fifo_mpmc_entry *entry;
	struct bq_cds_node *node;
	int ret;

	switch (r->kind) {
	case BQ_LFQ:
	case BQ_SPIN:
		while ((ret = mkipc_queue_enqueue(&r->ours, v))) {
			if (ret != -ENOSPC)
				bq_die("mkipc_queue_enqueue: out of memory");
			t->enospc++;
			bq_cpu_relax();
		}
		break;
	case BQ_CK:
		entry = malloc(sizeof(*entry));
		if (!entry)
			bq_die("out of memory");
		ck_fifo_mpmc_enqueue(&r->ck, entry, v);
		break;
	case BQ_CDS:
		node = malloc(sizeof(*node));
		if (!node)
			bq_die("out of memory");
		cds_lfq_node_init_rcu(&node->node);
		node->val = v;
		urcu_memb_read_lock();
		cds_lfq_enqueue_rcu(&r->cds, &node->node);
		urcu_memb_read_unlock();
		break;
	default:
		break;
	}
}

static void *bq_dequeue(struct bq_run *r, struct bq_thread *t)
{
	struct ck_fifo_mpmc_entry *garbage;
	struct cds_lfq_node_rcu *n;
	struct bq_cds_node *node;
	void *v = NULL;

	switch (r->kind) {
	case BQ_LFQ:
	case BQ_SPIN:
		return mkipc_queue_dequeue(&r->ours);
	case BQ_CK:
		if (!ck_fifo_mpmc_dequeue(&r->ck, &v, &garbage))
			return NULL;
		t->garbage[t->ngarbage++] = garbage;
		return v;
	case BQ_CDS:
		urcu_memb_read_lock();
		n = cds_lfq_dequeue_rcu(&r->cds);
		urcu_memb_read_unlock();
		if (!n)
			return NULL;
		/* Ours now: nobody else frees it; others may still read it. */
		node = container_of(n, struct bq_cds_node, node);
		v = node->val;
		urcu_memb_call_rcu(&node->rcu, bq_cds_free);
		return v;
	default:
		return NULL;
	}
}

/* The timed region is the one bq_enqueue() call, as in the loop. */
static void bq_enqueue_timed(struct bq_run *r, struct bq_thread *t, void *v)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	bq_enqueue(r, t, v);
	clock_gettime(CLOCK_MONOTONIC, &b);
	bq_lat_add(&t->lat, bq_ns(&a, &b));
}

/* Likewise for bq_dequeue(); an empty dequeue is not recorded. */
static void *bq_dequeue_timed(struct bq_run *r, struct bq_thread *t)
{
	struct timespec a, b;
	void *v;

	clock_gettime(CLOCK_MONOTONIC, &a);
	v = bq_dequeue(r, t);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (v)
		bq_lat_add(&t->lat, bq_ns(&a, &b));
	return v;
}

static void *bq_producer(void *arg)
{
	struct bq_thread *t = arg;
	struct bq_run *r = t->r;
	unsigned long i, base = t->id * r->per_producer;
	void *v;

	urcu_memb_register_thread();
	pthread_barrier_wait(&r->start);
	for (i = 1; i <= r->per_producer; i++) {
		v = (void *)(uintptr_t)(base + i);
		if (r->latency && i % BQ_SAMPLE_EVERY == 0)
			bq_enqueue_timed(r, t, v);
		else
			bq_enqueue(r, t, v);
	}
	urcu_memb_unregister_thread();
	return NULL;
}

static void *bq_consumer(void *arg)
{
	struct bq_thread *t = arg;
	struct bq_run *r = t->r;
	unsigned long local = 0, empty = 0, done = 0;
	void *v;

	urcu_memb_register_thread();
	pthread_barrier_wait(&r->start);
	for (;;) {
		/* Armed while the next value taken is a 16th one. */
		if (r->latency &&
		    done % BQ_SAMPLE_EVERY == BQ_SAMPLE_EVERY - 1)
			v = bq_dequeue_timed(r, t);
		else
			v = bq_dequeue(r, t);
		if (v) {
			t->sum += (uintptr_t)v;
			done++;
			empty = 0;
			if (++local == BQ_FLUSH) {
				__atomic_add_fetch(&r->taken, local,
						   __ATOMIC_RELAXED);
				t->count += local;
				local = 0;
			}
			continue;
		}
		if (local) {
			__atomic_add_fetch(&r->taken, local, __ATOMIC_RELAXED);
			t->count += local;
			local = 0;
		}
		if (__atomic_load_n(&r->taken, __ATOMIC_RELAXED) >= r->items)
			break;
		if (++empty % BQ_YIELD_EVERY == 0)
			sched_yield();
		else
			bq_cpu_relax();
	}
	urcu_memb_unregister_thread();
	return NULL;
}

static void bq_init(struct bq_run *r, unsigned long bound)
{
	struct ck_fifo_mpmc_entry *stub;

	switch (r->kind) {
	case BQ_LFQ:
	case BQ_SPIN:
		if (mkipc_queue_init(&r->ours, r->kind == BQ_LFQ ?
				     MKIPC_QUEUE_LFQ : MKIPC_QUEUE_SPIN,
				     bound))
			bq_die("mkipc_queue_init failed");
		break;
	case BQ_CK:
		stub = malloc(sizeof(*stub));
		if (!stub)
			bq_die("out of memory");
		ck_fifo_mpmc_init(&r->ck, stub);
		break;
	case BQ_CDS:
		cds_lfq_init_rcu(&r->cds, urcu_memb_call_rcu);
		break;
	default:
		break;
	}
}

/* After the joins: frees what is left; returns how many values were. */
static unsigned long bq_fini(struct bq_run *r, struct bq_thread *threads)
{
	struct ck_fifo_mpmc_entry *stub;
	unsigned long left = 0, i;
	unsigned int n;
	void *v;

	switch (r->kind) {
	case BQ_LFQ:
	case BQ_SPIN:
		left = mkipc_queue_destroy(&r->ours, NULL, NULL);
		break;
	case BQ_CK:
		for (n = r->producers; n < r->producers + r->consumers; n++)
			for (i = 0; i < threads[n].ngarbage; i++)
				free(threads[n].garbage[i]);
		while (ck_fifo_mpmc_dequeue(&r->ck, &v, &stub)) {
			free(stub);
			left++;
		}
		ck_fifo_mpmc_deinit(&r->ck, &stub);
		free(stub);
		break;
	case BQ_CDS:
		while (bq_dequeue(r, &threads[0]))
			left++;
		if (cds_lfq_destroy_rcu(&r->cds))
			bq_die("cds_lfq_destroy_rcu: queue not empty");
		break;
	default:
		break;
	}
	/* Callbacks of this run (lfq, cds) finish before the next starts. */
	urcu_memb_barrier();
	return left;
}

/* One timed run: Mops/s and the sampled latencies into @res. */
static void bq_run_once(enum bq_kind kind, unsigned int producers,
			unsigned int consumers, const struct bq_opts *o,
			unsigned long *enospc, struct bq_result *res)
{
	struct bq_thread threads[BQ_MAX_THREADS];
	unsigned long sum = 0, count = 0, expect;
	unsigned int n, nthreads = producers + consumers;
	struct bq_lat enq = { 0 }, deq = { 0 };
	pthread_attr_t attr;
	cpu_set_t set;
	struct bq_run *r;
	double t0, t1;

	r = aligned_alloc(__alignof__(*r), sizeof(*r));
	if (!r)
		bq_die("out of memory");
	memset(r, 0, sizeof(*r));
	memset(threads, 0, sizeof(threads));
	r->kind = kind;
	r->producers = producers;
	r->consumers = consumers;
	r->per_producer = o->items / producers;
	r->items = r->per_producer * producers;
	r->latency = o->latency;
	bq_init(r, o->items);
	pthread_barrier_init(&r->start, NULL, nthreads + 1);

	/* Producers first, then consumers, round-robin over the CPUs. */
	for (n = 0; n < nthreads; n++) {
		struct bq_thread *t = &threads[n];
		bool producer = n < producers;

		t->r = r;
		t->id = producer ? n : n - producers;
		if (!producer)
			t->garbage = bq_garbage[t->id];
		pthread_attr_init(&attr);
		if (o->pin) {
			CPU_ZERO(&set);
			CPU_SET(bq_cpus[n % bq_ncpu], &set);
			pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		}
		if (pthread_create(&t->tid, &attr,
				   producer ? bq_producer : bq_consumer, t))
			bq_die("pthread_create failed");
		pthread_attr_destroy(&attr);
	}
	pthread_barrier_wait(&r->start);
	t0 = bq_now();
	for (n = 0; n < nthreads; n++)
		pthread_join(threads[n].tid, NULL);
	t1 = bq_now();

	for (n = 0; n < nthreads; n++) {
		sum += threads[n].sum;
		count += threads[n].count;
		*enospc += threads[n].enospc;
		bq_lat_merge(n < producers ? &enq : &deq, &threads[n].lat);
	}
	/* Values are 1..items, each taken once: count and sum must match. */
	expect = r->items % 2 ? r->items * ((r->items + 1) / 2) :
		 r->items / 2 * (r->items + 1);
	if (count != r->items || sum != expect || bq_fini(r, threads)) {
		fprintf(stderr, "uq_bench: %s %uP %uC: took %lu of %lu values",
			bq_names[kind], producers, consumers, count, r->items);
		fprintf(stderr, " (sum %lu, expected %lu)\n", sum, expect);
		exit(1);
	}
	res->mops = r->items / (t1 - t0) / 1e6;
	bq_lat_stat(&enq, &res->enq);
	bq_lat_stat(&deq, &res->deq);
	pthread_barrier_destroy(&r->start);
	free(r);
}

/* Orders reps by Mops/s. */
static int bq_cmp_result(const void *a, const void *b)
{
	double x = ((const struct bq_result *)a)->mops;
	double y = ((const struct bq_result *)b)->mops;

	return (x > y) - (x < y);
}

/* Two back-to-back clock reads, as around every sampled op. */
static void bq_clock_cost(struct bq_stat *s)
{
	struct bq_lat l = { 0 };
	struct timespec a, b;
	unsigned int i;

	for (i = 0; i < BQ_CLOCK_PAIRS; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		clock_gettime(CLOCK_MONOTONIC, &b);
		bq_lat_add(&l, bq_ns(&a, &b));
	}
	bq_lat_stat(&l, s);
}

static void bq_cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256], *p;

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10))
			continue;
		p = strchr(line, ':');
		if (!p)
			break;
		p += strspn(p + 1, " \t") + 1;
		p[strcspn(p, "\n")] = '\0';
		snprintf(buf, len, "%s", p);
		break;
	}
	fclose(f);
}

static void bq_usage(void)
{
	fprintf(stderr, "usage: uq_bench [-i ITEMS] [-r REPS] [-q QUEUE,...]");
	fprintf(stderr, " [--no-pin] [--no-latency] [--json FILE]\n");
	fprintf(stderr, "  QUEUE: lfq, spin, ck, cds (default: all)\n");
	exit(2);
}

static void bq_parse(int argc, char **argv, struct bq_opts *o)
{
	static const struct option longopts[] = {
		{ "items", required_argument, NULL, 'i' },
		{ "reps", required_argument, NULL, 'r' },
		{ "queues", required_argument, NULL, 'q' },
		{ "no-pin", no_argument, NULL, 'P' },
		{ "no-latency", no_argument, NULL, 'L' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end, *tok, *save;
	unsigned int k;
	int c;

	o->items = BQ_DEFAULT_ITEMS;
	o->reps = BQ_DEFAULT_REPS;
	o->pin = true;
	o->latency = true;
	for (k = 0; k < BQ_NR; k++)
		o->want[k] = true;
	while ((c = getopt_long(argc, argv, "i:r:q:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->items = strtoul(optarg, &end, 10);
			if (*end || o->items < 4 || o->items > (1UL << 30))
				bq_usage();
			break;
		case 'r':
			o->reps = strtoul(optarg, &end, 10);
			if (*end || !o->reps || o->reps > BQ_MAX_REPS)
				bq_usage();
			break;
		case 'q':
			for (k = 0; k < BQ_NR; k++)
				o->want[k] = false;
			for (tok = strtok_r(optarg, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				for (k = 0; k < BQ_NR; k++)
					if (!strcmp(tok, bq_names[k]))
						break;
				if (k == BQ_NR)
					bq_usage();
				o->want[k] = true;
			}
			break;
		case 'P':
			o->pin = false;
			break;
		case 'L':
			o->latency = false;
			break;
		case 'j':
			o->json = optarg;
			break;
		default:
			bq_usage();
		}
	}
	if (optind != argc)
		bq_usage();
}

static void bq_header(const struct bq_opts *o)
{
	unsigned int pi, ci, over = 0, k;
	struct bq_stat clk;
	char model[128];

	bq_cpu_model(model, sizeof(model));
	for (pi = 0; pi < BQ_GRID; pi++)
		for (ci = 0; ci < BQ_GRID; ci++)
			over += bq_grid[pi] + bq_grid[ci] > bq_ncpu;
	printf("# uq_bench: lfqueue.c built for userspace (lfq, spin)\n");
	printf("#   vs ck_fifo_mpmc (ck, Concurrency Kit %s)\n", CK_VERSION);
	printf("#   vs cds_lfq_queue_rcu (cds, liburcu %s)\n",
	       UQ_URCU_VERSION);
	printf("# items per run: %lu (each producer enqueues items/P)\n",
	       o->items);
	printf("# reps: %u per (queue, P, C), queues interleaved\n", o->reps);
	printf("# cpu: %s; online CPUs: %d; nproc: %ld\n", model, bq_ncpu,
	       sysconf(_SC_NPROCESSORS_ONLN));
	if (o->pin) {
		printf("# threads pinned round-robin over CPUs");
		for (k = 0; k < bq_ncpu; k++)
			printf("%s%d", k ? "," : " ", bq_cpus[k]);
		printf(", producers first\n");
	} else {
		printf("# threads not pinned\n");
	}
	if (over)
		printf("# oversubscribed: %u of %zu (P,C) pairs, %d CPUs for up to %d threads\n",
		       over, BQ_GRID * BQ_GRID, bq_ncpu, BQ_MAX_THREADS);
	printf("# lfq, spin: bound %lu = items, so no ENOSPC; no allocation per item\n",
	       o->items);
	printf("# lfq: bound + 1 nodes allocated at init, free ones on a stack; spin: a ring\n");
	printf("# ck: malloc per enqueue; dequeued garbage entries are kept\n");
	printf("#   and freed after the timed run (favours ck slightly)\n");
	printf("# cds: malloc per enqueue, read lock around each operation,\n");
	printf("#   dequeued nodes freed by call_rcu\n");
	printf("# lfq, cds: callbacks pending when a run ends finish untimed\n");
	printf("# warm-up: one untimed 1P1C run per queue first\n");
	printf("# empty dequeue: pause; sched_yield() every %dth in a row\n",
	       BQ_YIELD_EVERY);
	printf("# Mops/s = items / wall seconds, start barrier to last join\n");
	printf("#   (an op = one value enqueued and dequeued);\n");
	printf("#   ns_per_item = 1000 / median Mops/s\n");
	if (!o->latency) {
		printf("# latency: not sampled (--no-latency); its columns are -\n");
		return;
	}
	bq_clock_cost(&clk);
	printf("# latency: every %dth successful op of every thread is timed,\n",
	       BQ_SAMPLE_EVERY);
	printf("#   enqueues in producers, dequeues in consumers (empty ones not\n");
	printf("#   recorded), by two CLOCK_MONOTONIC reads around the one queue\n");
	printf("#   call of the throughput loop (malloc, read lock, call_rcu, as\n");
	printf("#   there; the source's header comment lists them), for all\n");
	printf("#   queues alike\n");
	printf("# the two clock reads slow the sampled ops, and so throughput, a\n");
	printf("#   little; --no-latency turns sampling off\n");
	printf("# two back-to-back clock reads: avg %.1f ns, p99 <= %lu ns, part\n",
	       clk.avg, clk.p99);
	printf("#   of every sample (not subtracted)\n");
	printf("# enq_avg_ns, deq_avg_ns: mean of the samples of a run;\n");
	printf("#   enq_p99_ns, deq_p99_ns: upper edge 2^k of the log2 bucket\n");
	printf("#   [2^(k-1), 2^k) ns where the count of the run's samples, all\n");
	printf("#   its threads merged, reaches 99 %% (a bound within 2x)\n");
	printf("# latency columns: of the median rep by Mops/s (of an even number\n");
	printf("#   of reps, the slower of the middle two)\n");
	if (over)
		printf("# oversubscribed pairs: a sample may include time preempted\n");
}

/* The latency columns; "-" (JSON: null) when nothing was sampled. */
static void bq_print_stat(FILE *f, const char *name, const struct bq_stat *s,
			  bool json)
{
	if (json && s->count)
		fprintf(f, ", \"%s_avg_ns\": %.1f, \"%s_p99_ns\": %lu", name,
			s->avg, name, s->p99);
	else if (json)
		fprintf(f, ", \"%s_avg_ns\": null, \"%s_p99_ns\": null", name,
			name);
	else if (s->count)
		fprintf(f, " %.1f %lu", s->avg, s->p99);
	else
		fprintf(f, " - -");
}

static double bq_median_sorted(const struct bq_result *v, unsigned int n)
{
	return n % 2 ? v[n / 2].mops : (v[n / 2 - 1].mops + v[n / 2].mops) / 2;
}

/* The rep the latency columns come from: the median, or the lower one. */
static const struct bq_result *bq_latency_rep(const struct bq_result *sorted,
					      unsigned int n)
{
	return &sorted[(n - 1) / 2];
}

/* @sorted by Mops/s; latencies of the median rep, as in the rows. */
static void bq_json_row(FILE *f, unsigned int nth, enum bq_kind k,
			unsigned int pi, unsigned int ci,
			const struct bq_result *sorted, unsigned int reps)
{
	const struct bq_result *mid = bq_latency_rep(sorted, reps);
	double m = bq_median_sorted(sorted, reps);

	fprintf(f, "%s\n    {\"queue\": \"%s\", \"producers\": %u,",
		nth ? "," : "", bq_names[k], bq_grid[pi]);
	fprintf(f, " \"consumers\": %u, \"mops_min\": %.3f,", bq_grid[ci],
		sorted[0].mops);
	fprintf(f, " \"mops_median\": %.3f, \"mops_max\": %.3f,", m,
		sorted[reps - 1].mops);
	fprintf(f, " \"ns_per_item\": %.2f", 1e3 / m);
	bq_print_stat(f, "enq", &mid->enq, true);
	bq_print_stat(f, "deq", &mid->deq, true);
	fprintf(f, "}");
}

/* Sorts @v in place by Mops/s and returns the median Mops/s. */
static double bq_median(struct bq_result *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), bq_cmp_result);
	return bq_median_sorted(v, n);
}

int main(int argc, char **argv)
{
	static struct bq_result res[BQ_NR][BQ_GRID][BQ_GRID][BQ_MAX_REPS];
	double med[BQ_NR][BQ_GRID][BQ_GRID], t_start, best;
	unsigned long enospc = 0, max_enq[BQ_NR] = { 0 }, max_deq[BQ_NR] = { 0 };
	struct bq_result warm;
	unsigned int k, pi, ci, rep, met = 0, ratios = 0;
	struct bq_opts o = { 0 };
	FILE *json = NULL;
	cpu_set_t online;
	int cpu;

	bq_parse(argc, argv, &o);
	if (sched_getaffinity(0, sizeof(online), &online))
		bq_die("sched_getaffinity failed");
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &online))
			bq_cpus[bq_ncpu++] = cpu;
	/* Keep freed memory mapped: no queue pays page faults for another. */
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
	/* bq_fini() dequeues cds leftovers under the read lock, here. */
	urcu_memb_register_thread();
	for (k = 0; k < BQ_MAX_CONSUMERS; k++) {
		bq_garbage[k] = malloc((o.items + 1) * sizeof(*bq_garbage[k]));
		if (!bq_garbage[k])
			bq_die("out of memory");
		memset(bq_garbage[k], 0, (o.items + 1) * sizeof(*bq_garbage[k]));
	}
	if (o.json) {
		json = fopen(o.json, "w");
		if (!json)
			bq_die("cannot open the --json file");
	}

	bq_header(&o);
	t_start = bq_now();
	/* First touch of the heap, the call_rcu thread: not measured. */
	for (k = 0; k < BQ_NR; k++)
		if (o.want[k])
			bq_run_once(k, 1, 1, &o, &enospc, &warm);
	/* Queues interleaved within a rep, so that drift hits all alike. */
	for (pi = 0; pi < BQ_GRID; pi++)
		for (ci = 0; ci < BQ_GRID; ci++)
			for (rep = 0; rep < o.reps; rep++)
				for (k = 0; k < BQ_NR; k++)
					if (o.want[k])
						bq_run_once(k, bq_grid[pi],
							    bq_grid[ci], &o, &enospc,
							    &res[k][pi][ci][rep]);

	printf("# queue P C mops_min mops_median mops_max ns_per_item");
	printf(" enq_avg_ns enq_p99_ns deq_avg_ns deq_p99_ns\n");
	if (json)
		fprintf(json,
			"{\n  \"items\": %lu, \"reps\": %u, \"cpus\": %d, \"pinned\": %s, \"latency_sample_every\": %d,\n  \"results\": [",
			o.items, o.reps, bq_ncpu, o.pin ? "true" : "false",
			o.latency ? BQ_SAMPLE_EVERY : 0);
	for (k = 0; k < BQ_NR; k++) {
		if (!o.want[k])
			continue;
		for (pi = 0; pi < BQ_GRID; pi++) {
			for (ci = 0; ci < BQ_GRID; ci++) {
				struct bq_result *v = res[k][pi][ci];
				double m = bq_median(v, o.reps);

				med[k][pi][ci] = m;
				printf("%s %u %u %.2f %.2f %.2f %.1f",
				       bq_names[k], bq_grid[pi], bq_grid[ci],
				       v[0].mops, m, v[o.reps - 1].mops, 1e3 / m);
				bq_print_stat(stdout, "enq",
					      &bq_latency_rep(v, o.reps)->enq,
					      false);
				bq_print_stat(stdout, "deq",
					      &bq_latency_rep(v, o.reps)->deq,
					      false);
				printf("\n");
				for (rep = 0; rep < o.reps; rep++) {
					if (v[rep].enq.max > max_enq[k])
						max_enq[k] = v[rep].enq.max;
					if (v[rep].deq.max > max_deq[k])
						max_deq[k] = v[rep].deq.max;
				}
				if (json)
					bq_json_row(json, ratios++, k, pi, ci,
						    v, o.reps);
			}
		}
	}
	if (json) {
		fprintf(json, "\n  ]\n}\n");
		fclose(json);
	}

	if (o.want[BQ_LFQ] && o.want[BQ_SPIN] && o.want[BQ_CK] &&
	    o.want[BQ_CDS]) {
		printf("# ratios of medians, per (P,C): lfq/spin, lfq/best(ck,cds)\n");
		for (pi = 0; pi < BQ_GRID; pi++) {
			for (ci = 0; ci < BQ_GRID; ci++) {
				bool ck_best = med[BQ_CK][pi][ci] >=
					       med[BQ_CDS][pi][ci];

				best = ck_best ? med[BQ_CK][pi][ci] :
				       med[BQ_CDS][pi][ci];
				met += med[BQ_LFQ][pi][ci] >= 0.9 * best;
				printf("ratio %u %u lfq/spin=%.2f lfq/best=%.2f best=%s",
				       bq_grid[pi], bq_grid[ci],
				       med[BQ_LFQ][pi][ci] / med[BQ_SPIN][pi][ci],
				       med[BQ_LFQ][pi][ci] / best,
				       ck_best ? "ck" : "cds");
				printf(" target: lfq >= 0.9 x best(ck,cds) %s\n",
				       med[BQ_LFQ][pi][ci] >= 0.9 * best ?
				       "met" : "missed");
			}
		}
		printf("# target met in %u of %zu (P,C) pairs\n", met,
		       BQ_GRID * BQ_GRID);
	}
	if (o.latency) {
		printf("# longest sampled op, ns, over all runs:");
		for (k = 0, rep = 0; k < BQ_NR; k++)
			if (o.want[k])
				printf("%s %s enq %lu deq %lu", rep++ ? "," : "",
				       bq_names[k], max_enq[k], max_deq[k]);
		printf("\n");
	}
	printf("# lfq/spin ENOSPC retries: %lu; wall time %.1f s\n",
	       enospc, bq_now() - t_start);
	for (k = 0; k < BQ_MAX_CONSUMERS; k++)
		free(bq_garbage[k]);
	urcu_memb_unregister_thread();
	return 0;
}
