// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel stress test of lfqueue: P producer and C consumer kthreads on
 * one queue, driven from debugfs (root only):
 *
 *   echo "lfq 2 4 1000000 1024" > /sys/kernel/debug/mkipc/queue_stress
 *   cat /sys/kernel/debug/mkipc/queue_stress
 *
 * (kind: lfq, spin or default, the module parameter "queue"; producers,
 * consumers, items, bound; then optionally "bench": counts checked, not
 * each value, and one operation in 16 timed). The write runs the test and
 * returns when it is over; the read shows its result on one line, every
 * parameter included. Each value encodes its producer and sequence number,
 * so consumers check that none is lost or duplicated, and that each
 * producer's values reach each consumer in order (FIFO per producer).
 */
#include <linux/bitmap.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "ktests.h"
#include "lfqueue.h"

#define QS_MAX_THREADS	16
#define QS_MAX_ITEMS	(64UL << 20)
#define QS_SEQ_BITS	40
#define QS_TIME_LIMIT	(600 * HZ)

/* Sampled operation times: sum, count, max and a log2 histogram (ns). */
struct mkipc_qlat {
	u64 sum, cnt, max;
	u64 hist[64];
};

struct mkipc_qstress {
	struct mkipc_queue q;
	bool bench;		/* counts only, and operation times */
	spinlock_t lat_lock;	/* protects enq_lat and deq_lat */
	struct mkipc_qlat enq_lat, deq_lat;
	unsigned int producers, consumers, bound;
	unsigned long items, per_producer;
	unsigned long *seen;
	unsigned long deadline;
	atomic_long_t enqueued, dequeued, dup, order_errors, enospc, enomem;
	atomic_t producers_left, threads_left;
	bool timed_out;
	/*
	 * The last thread out completes it. A completion, not a wait queue
	 * and a counter: its waiter returns only after complete() has let go
	 * of it, so the writer may free the test at once.
	 */
	struct completion done;
};

struct mkipc_qstress_thread {
	struct mkipc_qstress *s;
	unsigned int id;
};

static void *qs_encode(unsigned int producer, unsigned long seq)
{
	return (void *)(((unsigned long)producer + 1) << QS_SEQ_BITS |
			(seq + 1));
}

static void mkipc_qstress_thread_done(struct mkipc_qstress *s)
{
	if (atomic_dec_and_test(&s->threads_left))
		complete(&s->done);
}

/* Bench mode times one operation in 16 of each thread's. */
#define QS_LAT_EVERY	16

static void mkipc_qlat_add(struct mkipc_qlat *lat, u64 ns)
{
	lat->sum += ns;
	lat->cnt++;
	lat->max = max(lat->max, ns);
	lat->hist[ns ? ilog2(ns) : 0]++;
}

static void mkipc_qlat_merge(struct mkipc_qstress *s, struct mkipc_qlat *to,
			     const struct mkipc_qlat *from)
{
	unsigned int i;

	spin_lock(&s->lat_lock);
	to->sum += from->sum;
	to->cnt += from->cnt;
	to->max = max(to->max, from->max);
	for (i = 0; i < ARRAY_SIZE(to->hist); i++)
		to->hist[i] += from->hist[i];
	spin_unlock(&s->lat_lock);
}

/* The upper edge of the log2 bucket holding the 99th percentile. */
static u64 mkipc_qlat_p99(const struct mkipc_qlat *lat)
{
	u64 seen = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lat->hist); i++) {
		seen += lat->hist[i];
		if (seen * 100 >= lat->cnt * 99 && lat->cnt)
			return i < 63 ? 2ULL << i : U64_MAX;
	}
	return 0;
}

static int mkipc_qstress_producer(void *arg)
{
	struct mkipc_qstress_thread *t = arg;
	struct mkipc_qstress *s = t->s;
	struct mkipc_qlat lat = {};
	unsigned long seq, done = 0;
	bool timed;
	u64 t0 = 0;
	int ret;

	for (seq = 0; seq < s->per_producer; seq++) {
		timed = s->bench && !(seq % QS_LAT_EVERY);
		if (timed)
			t0 = ktime_get_ns();
		while ((ret = mkipc_queue_enqueue(&s->q,
						  qs_encode(t->id, seq)))) {
			atomic_long_inc(ret == -ENOSPC ? &s->enospc :
					&s->enomem);
			if (time_after(jiffies, READ_ONCE(s->deadline))) {
				WRITE_ONCE(s->timed_out, true);
				goto out;
			}
			cond_resched();
			/* Only the attempt that succeeds is timed. */
			if (timed)
				t0 = ktime_get_ns();
		}
		if (timed)
			mkipc_qlat_add(&lat, ktime_get_ns() - t0);
		/* The stress counts as it goes; the bench adds up at the end. */
		if (s->bench)
			done++;
		else
			atomic_long_inc(&s->enqueued);
	}
out:
	if (s->bench) {
		atomic_long_add(done, &s->enqueued);
		mkipc_qlat_merge(s, &s->enq_lat, &lat);
	}
	/* Release: pairs with the consumers' acquire read of the count. */
	smp_mb__before_atomic();
	atomic_dec(&s->producers_left);
	kfree(t);
	mkipc_qstress_thread_done(s);
	/* The writer may return and the module go once we are counted out. */
	module_put_and_kthread_exit(0);
}

static void mkipc_qstress_check(struct mkipc_qstress *s, void *v,
				long *last_seq)
{
	unsigned long raw = (unsigned long)v;
	unsigned long p = (raw >> QS_SEQ_BITS) - 1;
	unsigned long seq = (raw & ((1UL << QS_SEQ_BITS) - 1)) - 1;

	if (p >= s->producers || seq >= s->per_producer) {
		atomic_long_inc(&s->dup);	/* garbage counts as a bad item */
		return;
	}
	if ((long)seq <= last_seq[p])
		atomic_long_inc(&s->order_errors);
	last_seq[p] = seq;
	if (test_and_set_bit(p * s->per_producer + seq, s->seen))
		atomic_long_inc(&s->dup);
}

/* One value taken: checked and counted (stress) or only counted (bench). */
static void mkipc_qstress_took(struct mkipc_qstress *s, void *v,
			       long *last_seq, unsigned long *done)
{
	if (s->bench) {
		(*done)++;
		return;
	}
	mkipc_qstress_check(s, v, last_seq);
	atomic_long_inc(&s->dequeued);
}

static int mkipc_qstress_consumer(void *arg)
{
	struct mkipc_qstress_thread *t = arg;
	struct mkipc_qstress *s = t->s;
	long last_seq[QS_MAX_THREADS];
	unsigned long calls = 0, done = 0;
	struct mkipc_qlat *lat = NULL;
	unsigned int i;
	u64 t0;
	void *v;

	for (i = 0; i < QS_MAX_THREADS; i++)
		last_seq[i] = -1;
	/* Without memory for it, this thread only goes untimed. */
	if (s->bench)
		lat = kzalloc(sizeof(*lat), GFP_KERNEL);

	for (;;) {
		/* Successful dequeues only: an empty queue is not timed. */
		if (lat && !(calls++ % QS_LAT_EVERY)) {
			t0 = ktime_get_ns();
			v = mkipc_queue_dequeue(&s->q);
			if (v)
				mkipc_qlat_add(lat, ktime_get_ns() - t0);
		} else {
			v = mkipc_queue_dequeue(&s->q);
		}
		if (v) {
			mkipc_qstress_took(s, v, last_seq, &done);
			continue;
		}
		/*
		 * Acquire: once no producer is left, every enqueue is done,
		 * so one more empty dequeue means empty for good.
		 */
		if (!atomic_read_acquire(&s->producers_left)) {
			v = mkipc_queue_dequeue(&s->q);
			if (!v)
				break;
			mkipc_qstress_took(s, v, last_seq, &done);
			continue;
		}
		if (time_after(jiffies, READ_ONCE(s->deadline))) {
			WRITE_ONCE(s->timed_out, true);
			break;
		}
		cond_resched();
	}
	if (s->bench)
		atomic_long_add(done, &s->dequeued);
	if (lat) {
		mkipc_qlat_merge(s, &s->deq_lat, lat);
		kfree(lat);
	}
	kfree(t);
	mkipc_qstress_thread_done(s);
	module_put_and_kthread_exit(0);
}

static void mkipc_qstress_drain(void *val, void *arg)
{
	struct mkipc_qstress *s = arg;
	long last_seq[QS_MAX_THREADS];
	unsigned int i;

	if (s->bench)
		return;
	for (i = 0; i < QS_MAX_THREADS; i++)
		last_seq[i] = -1;
	mkipc_qstress_check(arg, val, last_seq);
}

static int mkipc_qstress_spawn(struct mkipc_qstress *s,
			       int (*fn)(void *), unsigned int id,
			       const char *role)
{
	struct mkipc_qstress_thread *t;
	struct task_struct *task;

	t = kmalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->s = s;
	t->id = id;
	atomic_inc(&s->threads_left);
	/* Each thread holds the module until its last instruction. */
	__module_get(THIS_MODULE);
	task = kthread_run(fn, t, "mkipc_qs_%s%u", role, id);
	if (IS_ERR(task)) {
		module_put(THIS_MODULE);
		kfree(t);
		atomic_dec(&s->threads_left);
		return PTR_ERR(task);
	}
	return 0;
}

static int mkipc_qstress_run(enum mkipc_queue_kind kind,
			     unsigned int producers, unsigned int consumers,
			     unsigned long items, unsigned int bound,
			     bool bench, char *result, size_t len)
{
	unsigned long drained, missing, total;
	unsigned int i, started = 0;
	int n;
	struct mkipc_qstress *s;
	u64 start, ns;
	int ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->bench = bench;
	spin_lock_init(&s->lat_lock);
	s->producers = producers;
	s->consumers = consumers;
	s->bound = bound;
	s->per_producer = items / producers;
	total = s->per_producer * producers;
	if (!bench) {
		s->seen = vzalloc(BITS_TO_LONGS(total) * sizeof(long));
		if (!s->seen) {
			ret = -ENOMEM;
			goto out_free;
		}
	}
	ret = mkipc_queue_init(&s->q, kind, bound);
	if (ret)
		goto out_free;
	init_completion(&s->done);
	atomic_set(&s->producers_left, producers);
	/* The spawning thread holds one count until all are started. */
	atomic_set(&s->threads_left, 1);
	s->deadline = jiffies + QS_TIME_LIMIT;

	start = ktime_get_ns();
	for (i = 0; i < consumers && !ret; i++)
		ret = mkipc_qstress_spawn(s, mkipc_qstress_consumer, i, "c");
	for (i = 0; i < producers && !ret; i++) {
		ret = mkipc_qstress_spawn(s, mkipc_qstress_producer, i, "p");
		if (!ret)
			started++;
	}
	if (ret) {
		/* Unblock consumers: producers never started count as done. */
		atomic_sub(producers - started, &s->producers_left);
		WRITE_ONCE(s->deadline, jiffies);
	}
	mkipc_qstress_thread_done(s);
	/*
	 * Idle, not uninterruptible: a run may take minutes under the debug
	 * kernels, and the threads must finish before s goes, so no signal
	 * may end this wait either.
	 */
	wait_for_completion_state(&s->done, TASK_IDLE);
	ns = ktime_get_ns() - start;

	drained = mkipc_queue_destroy(&s->q, mkipc_qstress_drain, s);
	/* The bench checks counts only: what was neither taken nor left. */
	if (bench)
		missing = total - atomic_long_read(&s->dequeued) - drained;
	else
		missing = total - bitmap_weight(s->seen, total);
	n = snprintf(result, len,
		     "queue=%s producers=%u consumers=%u items=%lu bound=%u mode=%s enqueued=%ld dequeued=%ld drained=%lu lost=%lu dup=%ld order_errors=%ld enospc_retries=%ld enomem_retries=%ld timed_out=%d ns=%llu",
		     mkipc_queue_kind_name(kind), producers, consumers, total,
		     bound, bench ? "bench" : "stress",
		     atomic_long_read(&s->enqueued),
		     atomic_long_read(&s->dequeued), drained, missing,
		     atomic_long_read(&s->dup),
		     atomic_long_read(&s->order_errors),
		     atomic_long_read(&s->enospc), atomic_long_read(&s->enomem),
		     READ_ONCE(s->timed_out), ns);
	if (bench)
		snprintf(result + n, len - n,
			 " timed=1/%u_calls enq_avg_ns=%llu enq_p99_ns=%llu enq_max_ns=%llu deq_avg_ns=%llu deq_p99_ns=%llu deq_max_ns=%llu",
			 QS_LAT_EVERY,
			 div64_u64(s->enq_lat.sum, max(s->enq_lat.cnt, 1ULL)),
			 mkipc_qlat_p99(&s->enq_lat), s->enq_lat.max,
			 div64_u64(s->deq_lat.sum, max(s->deq_lat.cnt, 1ULL)),
			 mkipc_qlat_p99(&s->deq_lat), s->deq_lat.max);
	strlcat(result, "\n", len);
out_free:
	vfree(s->seen);
	kfree(s);
	return ret;
}

#define QS_STALE_BOUND	4

/*
 * The bound against a stale ->taken_seen: a producer that read ->taken,
 * then stalled across 2^31 dequeues before it stored what it read. Set up
 * directly (the counters written as the stall leaves them: the queue full,
 * and ->taken_seen 2^31 + 1 behind ->taken), then one more enqueue, which
 * must fail. With 32-bit counters the difference read negative: the bound
 * test passed, and only the node array's WARN_ON_ONCE stopped the enqueue.
 */
static int mkipc_lfq_stale_seen(char *result, size_t len)
{
	const u64 base = 3ULL << 30;	/* near the 32-bit sign boundary */
	struct mkipc_queue q;
	struct mkipc_lfq *l = &q.lfq;
	unsigned int held = 0, over = 0;
	int i, err;

	err = mkipc_queue_init(&q, MKIPC_QUEUE_LFQ, QS_STALE_BOUND);
	if (err)
		return err;
	/* Empty, after base values came and went. */
	WRITE_ONCE(l->taken.counter, base);
	WRITE_ONCE(l->reserved.counter, base);
	l->taken_seen = base;
	for (i = 0; i < QS_STALE_BOUND; i++)
		held += !mkipc_queue_enqueue(&q, (void *)(unsigned long)(i + 1));
	/* The stalled producer's late store. */
	l->taken_seen = base - (1ULL << 31) - 1;
	for (i = 0; i < QS_STALE_BOUND; i++)
		over += !mkipc_queue_enqueue(&q, (void *)(unsigned long)(i + 9));
	while (mkipc_queue_dequeue(&q))
		;
	mkipc_queue_destroy(&q, NULL, NULL);
	scnprintf(result, len, "stale_seen bound=%u held=%u over_bound=%u\n",
		  QS_STALE_BOUND, held, over);
	return 0;
}

static int mkipc_qstress_cmd(char *cmd, char *result, size_t len)
{
	unsigned int producers, consumers, bound;
	enum mkipc_queue_kind kind;
	unsigned long items;
	char name[8], mode[8] = "stress";
	int fields;

	if (sysfs_streq(cmd, "stale_seen"))
		return mkipc_lfq_stale_seen(result, len);
	fields = sscanf(cmd, "%7s %u %u %lu %u %7s", name, &producers,
			&consumers, &items, &bound, mode);
	if (fields < 5 || (strcmp(mode, "stress") && strcmp(mode, "bench")))
		return -EINVAL;
	if (!strcmp(name, "lfq"))
		kind = MKIPC_QUEUE_LFQ;
	else if (!strcmp(name, "spin"))
		kind = MKIPC_QUEUE_SPIN;
	else if (!strcmp(name, "default"))
		kind = mkipc_queue_default_kind();
	else
		return -EINVAL;
	if (!producers || producers > QS_MAX_THREADS || !consumers ||
	    consumers > QS_MAX_THREADS || items < producers ||
	    items > QS_MAX_ITEMS || !bound)
		return -EINVAL;
	return mkipc_qstress_run(kind, producers, consumers, items, bound,
				 !strcmp(mode, "bench"), result, len);
}

static struct mkipc_job mkipc_qstress_job =
	MKIPC_JOB_INIT(mkipc_qstress_job, mkipc_qstress_cmd);

void mkipc_lfqueue_test_init(struct dentry *dir)
{
	mkipc_debugfs_job(dir, "queue_stress", &mkipc_qstress_job);
}
