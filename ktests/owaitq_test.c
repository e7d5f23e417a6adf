// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel tests and benchmarks of the wait queues (owaitq.h), driven
 * from debugfs (root only). A write runs one job and returns when it is
 * over; a read shows its result on one line, every parameter included.
 *
 *   stress KIND excl|all WAITERS ROUNDS FLAGS
 *	Hand-offs between kthreads. excl: a producer posts one token at a
 *	time and wakes one of WAITERS exclusive consumers; the one that
 *	takes it acks, waking the producer. all: the producer bumps a
 *	generation and wakes all WAITERS; each acks, the last wakes the
 *	producer. FLAGS: any of t (waits with random short deadlines mixed
 *	in), s (SIGUSR1 sent to consumers at random), y (sync wake-ups), j
 *	(random delays of a few us after condition checks, which widen
 *	lost-wake-up windows), or "-". The writer is the watchdog: a stretch of STALL_MS without a
 *	hand-off is a stall (a lost wake-up), counted, then rescued with a
 *	wake-all so the run can end and report it.
 *   nosleeper KIND N
 *	N wake-ups of a queue nobody waits on.
 *   handoff KIND N same|cross plain|sync
 *	Two kthreads (pinned to CPU 0, or to CPUs 0 and 1) wake each other
 *	N times each: N round trips of two sleep/wake hand-offs.
 *
 * KIND is owaitq, stock, or default (the module parameter "waitq").
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "ktests.h"
#include "owaitq.h"
#include "params.h"
#include "stats.h"

#define WT_MAX_WAITERS	16
#define WT_MAX_ROUNDS	(100UL << 20)
#define WT_TIME_LIMIT	(1200 * HZ)

/* A running test reads it unlocked: a marked store. */
static unsigned int stall_ms = 10000;
module_param_cb(stall_ms, &mkipc_param_uint_ops, &stall_ms, 0644);
MODULE_PARM_DESC(stall_ms,
		 "waitq_test: a hand-off taking this long is a stall (default: 10000)");

struct mkipc_wtest {
	struct mkipc_waitq req;		/* consumers wait for work here */
	struct mkipc_waitq ack;		/* the producer waits for acks here */
	enum mkipc_waitq_kind kind;
	bool all, timeouts, signals, sync, jitter;
	unsigned int waiters;
	unsigned long rounds;

	atomic_long_t tokens;		/* excl: posted, not yet taken */
	atomic_long_t gen;		/* all: the current generation */
	atomic_long_t acks;		/* consumer hand-offs completed */
	atomic_long_t producer_rounds;	/* producer hand-offs completed */
	atomic_long_t proto_errors;	/* a token or generation seen twice */
	atomic_long_t timeouts_seen, signals_seen, signals_sent;
	bool stop;			/* consumers leave once it is set */

	/* Held for the signaller and the watchdog's rescue. */
	struct task_struct *consumer[WT_MAX_WAITERS];
	struct task_struct *producer;
	atomic_t threads_left;
	struct completion done;		/* as in lfqueue_test.c */
};

struct mkipc_wtest_thread {
	struct mkipc_wtest *s;
	unsigned int id;
};

static ktime_t mkipc_wtest_deadline(struct mkipc_wtest *s)
{
	/* One wait in four gets a deadline 0-63 us away. */
	if (!s->timeouts || get_random_u32_below(4))
		return KTIME_MAX;
	return ktime_add_us(ktime_get(), get_random_u32_below(64));
}

static void mkipc_wtest_thread_done(struct mkipc_wtest *s)
{
	if (atomic_dec_and_test(&s->threads_left))
		complete(&s->done);
}

/* After an error return: count it; a signal must also be flushed. */
static void mkipc_wtest_count(struct mkipc_wtest *s, int err)
{
	if (err == -ETIMEDOUT) {
		atomic_long_inc(&s->timeouts_seen);
	} else if (err == -ERESTARTSYS) {
		atomic_long_inc(&s->signals_seen);
		flush_signals(current);
	}
}

/*
 * With j: now and then, a few microseconds between a condition's check
 * and whatever follows it (the sleep, or the waker's next step), to widen
 * the windows in which a badly ordered sleep or wake loses a wake-up.
 */
static bool mkipc_wtest_jitter(struct mkipc_wtest *s, bool cond)
{
	if (s->jitter && !get_random_u32_below(8))
		udelay(1 + get_random_u32_below(4));
	return cond;
}

/* The producer's condition: @want acks in, or the run is over. */
static bool mkipc_wtest_acked(struct mkipc_wtest *s, unsigned long want)
{
	return mkipc_wtest_jitter(s, atomic_long_read(&s->acks) >= want ||
				  READ_ONCE(s->stop));
}

/* A consumer's: a token, or a generation after @seen; or the end. */
static bool mkipc_wtest_has_work(struct mkipc_wtest *s, long seen)
{
	if (READ_ONCE(s->stop))
		return true;
	if (s->all)
		return mkipc_wtest_jitter(s, atomic_long_read(&s->gen) != seen);
	return mkipc_wtest_jitter(s, atomic_long_read(&s->tokens) > 0);
}

static int mkipc_wtest_producer(void *arg)
{
	struct mkipc_wtest *s = arg;
	enum mkipc_wake_how how;
	unsigned long r, want;
	int err;

	how = s->all ? MKIPC_WAKE_ALL :
	      s->sync ? MKIPC_WAKE_SYNC : MKIPC_WAKE_ONE;
	for (r = 0; r < s->rounds && !READ_ONCE(s->stop); r++) {
		/* The condition first, then the wake-up (owaitq.h). */
		if (s->all)
			atomic_long_inc(&s->gen);
		else
			atomic_long_inc(&s->tokens);
		mkipc_waitq_wake(&s->req, how);

		want = s->all ? (r + 1) * s->waiters : r + 1;
		do {
			err = mkipc_waitq_wait_event(&s->ack,
						     mkipc_wtest_acked(s, want),
						     TASK_INTERRUPTIBLE,
						     mkipc_wtest_deadline(s),
						     false);
			mkipc_wtest_count(s, err);
		} while (err);
		atomic_long_inc(&s->producer_rounds);
	}
	WRITE_ONCE(s->stop, true);
	mkipc_waitq_wake(&s->req, MKIPC_WAKE_ALL);
	mkipc_wtest_thread_done(s);
	module_put_and_kthread_exit(0);
}

static void mkipc_wtest_ack(struct mkipc_wtest *s)
{
	long acks = atomic_long_inc_return(&s->acks);

	/* excl: every ack; all: the generation's last. */
	if (!s->all || !(acks % s->waiters))
		mkipc_waitq_wake(&s->ack, MKIPC_WAKE_ONE);
}

static int mkipc_wtest_consumer(void *arg)
{
	struct mkipc_wtest_thread *t = arg;
	struct mkipc_wtest *s = t->s;
	long seen = 0, gen;
	int err;

	allow_signal(SIGUSR1);
	for (;;) {
		err = mkipc_waitq_wait_event(&s->req,
					     mkipc_wtest_has_work(s, seen),
					     TASK_INTERRUPTIBLE,
					     mkipc_wtest_deadline(s), !s->all);
		if (err) {
			mkipc_wtest_count(s, err);
			continue;
		}
		if (s->all) {
			gen = atomic_long_read(&s->gen);
			if (gen != seen) {
				/* One generation at a time, each seen once. */
				if (gen != seen + 1)
					atomic_long_inc(&s->proto_errors);
				seen = gen;
				mkipc_wtest_ack(s);
				continue;
			}
		} else if (atomic_long_add_unless(&s->tokens, -1, 0)) {
			mkipc_wtest_ack(s);
			continue;
		}
		if (READ_ONCE(s->stop))
			break;
	}
	disallow_signal(SIGUSR1);
	kfree(t);
	mkipc_wtest_thread_done(s);
	module_put_and_kthread_exit(0);
}

static int mkipc_wtest_signaller(void *arg)
{
	struct mkipc_wtest *s = arg;

	while (!READ_ONCE(s->stop)) {
		send_sig(SIGUSR1, s->consumer[get_random_u32_below(s->waiters)], 1);
		atomic_long_inc(&s->signals_sent);
		usleep_range(20, 200);
	}
	mkipc_wtest_thread_done(s);
	module_put_and_kthread_exit(0);
}

/* Starts @fn; each thread holds the module until its last instruction. */
static struct task_struct *mkipc_wtest_spawn(atomic_t *threads_left,
					     int (*fn)(void *), void *arg,
					     const char *name, unsigned int id)
{
	struct task_struct *task;

	atomic_inc(threads_left);
	__module_get(THIS_MODULE);
	task = kthread_create(fn, arg, "mkipc_wt_%s%u", name, id);
	if (IS_ERR(task)) {
		module_put(THIS_MODULE);
		atomic_dec(threads_left);
	}
	return task;
}

/* Stall detection, shared by the jobs' watchdogs. */
struct mkipc_watchdog {
	unsigned long last_change;	/* jiffies of the last progress */
	unsigned long stalls;
	long last;			/* progress seen then */
};

static void mkipc_watchdog_init(struct mkipc_watchdog *wd)
{
	wd->last_change = jiffies;
	wd->stalls = 0;
	wd->last = -1;
}

/* True once per stall_ms in which @progress did not move: a stall. */
static bool mkipc_watchdog_stalled(struct mkipc_watchdog *wd, long progress)
{
	if (progress != wd->last) {
		wd->last = progress;
		wd->last_change = jiffies;
		return false;
	}
	if (!time_after(jiffies, wd->last_change +
			msecs_to_jiffies(READ_ONCE(stall_ms))))
		return false;
	pr_warn("waitq_test: stalled at progress %ld, rescuing\n", progress);
	wd->stalls++;
	wd->last_change = jiffies;
	return true;
}

/*
 * Wakes every waiter through the queues, and every thread directly too: a
 * thread asleep but no longer listed (the lost wake-up this test looks
 * for) is out of the queues' reach.
 */
static void mkipc_wtest_rescue(struct mkipc_wtest *s)
{
	unsigned int i;

	mkipc_waitq_wake(&s->req, MKIPC_WAKE_ALL);
	mkipc_waitq_wake(&s->ack, MKIPC_WAKE_ALL);
	for (i = 0; i < s->waiters; i++)
		if (s->consumer[i])
			wake_up_process(s->consumer[i]);
	if (s->producer)
		wake_up_process(s->producer);
}

static long mkipc_wtest_progress(struct mkipc_wtest *s)
{
	return atomic_long_read(&s->acks) +
	       atomic_long_read(&s->producer_rounds);
}

static int mkipc_wtest_stress(struct mkipc_wtest *s, char *result, size_t len)
{
	struct mkipc_wtest_thread *t;
	struct mkipc_watchdog wd;
	struct task_struct *task;
	unsigned long limit;
	unsigned int i;
	u64 start, ns;
	int ret = 0;

	mkipc_waitq_init(&s->req, s->kind);
	mkipc_waitq_init(&s->ack, s->kind);
	init_completion(&s->done);
	atomic_set(&s->threads_left, 1);

	for (i = 0; i < s->waiters; i++) {
		t = kmalloc(sizeof(*t), GFP_KERNEL);
		if (!t) {
			ret = -ENOMEM;
			break;
		}
		t->s = s;
		t->id = i;
		task = mkipc_wtest_spawn(&s->threads_left,
					 mkipc_wtest_consumer, t, "c", i);
		if (IS_ERR(task)) {
			kfree(t);
			ret = PTR_ERR(task);
			break;
		}
		/* Held for the signaller, which may outlive the thread. */
		s->consumer[i] = get_task_struct(task);
		wake_up_process(task);
	}
	start = ktime_get_ns();
	if (!ret) {
		task = mkipc_wtest_spawn(&s->threads_left,
					 mkipc_wtest_producer, s, "p", 0);
		ret = PTR_ERR_OR_ZERO(task);
		if (!ret) {
			s->producer = get_task_struct(task);
			wake_up_process(task);
		}
	}
	if (!ret && s->signals) {
		task = mkipc_wtest_spawn(&s->threads_left,
					 mkipc_wtest_signaller, s, "s", 0);
		ret = PTR_ERR_OR_ZERO(task);
		if (!ret)
			wake_up_process(task);
	}
	if (ret) {
		/* Without a producer nobody sets stop: do it here. */
		WRITE_ONCE(s->stop, true);
		mkipc_waitq_wake(&s->req, MKIPC_WAKE_ALL);
	}
	mkipc_wtest_thread_done(s);

	/* The watchdog. Idle waits: no signal may end it before they do. */
	limit = jiffies + WT_TIME_LIMIT;
	mkipc_watchdog_init(&wd);
	while (!wait_for_completion_timeout(&s->done, HZ / 10)) {
		if (mkipc_watchdog_stalled(&wd, mkipc_wtest_progress(s)))
			mkipc_wtest_rescue(s);
		if (wd.stalls > 3 || time_after(jiffies, limit)) {
			WRITE_ONCE(s->stop, true);
			mkipc_wtest_rescue(s);
		}
	}
	ns = ktime_get_ns() - start;
	for (i = 0; i < s->waiters; i++)
		if (s->consumer[i])
			put_task_struct(s->consumer[i]);
	if (s->producer)
		put_task_struct(s->producer);

	snprintf(result, len,
		 "test=stress waitq=%s mode=%s waiters=%u rounds=%lu timeouts=%d signals=%d sync=%d jitter=%d producer_rounds=%ld acks=%ld expected_acks=%lu tokens_left=%ld proto_errors=%ld stalls=%lu timeouts_seen=%ld signals_sent=%ld signals_seen=%ld ns=%llu\n",
		 mkipc_waitq_kind_name(s->kind), s->all ? "all" : "excl",
		 s->waiters, s->rounds, s->timeouts, s->signals, s->sync,
		 s->jitter,
		 atomic_long_read(&s->producer_rounds),
		 atomic_long_read(&s->acks),
		 s->all ? s->rounds * s->waiters : s->rounds,
		 atomic_long_read(&s->tokens),
		 atomic_long_read(&s->proto_errors), wd.stalls,
		 atomic_long_read(&s->timeouts_seen),
		 atomic_long_read(&s->signals_sent),
		 atomic_long_read(&s->signals_seen), ns);
	return ret;
}

static int mkipc_wtest_nosleeper(enum mkipc_waitq_kind kind,
				 unsigned long n, char *result, size_t len)
{
	struct mkipc_waitq wq;
	unsigned long i;
	u64 start, ns;

	mkipc_waitq_init(&wq, kind);
	start = ktime_get_ns();
	for (i = 0; i < n; i++)
		mkipc_waitq_wake(&wq, MKIPC_WAKE_ONE);
	ns = ktime_get_ns() - start;
	snprintf(result, len,
		 "test=nosleeper waitq=%s wakes=%lu stats=%d ns=%llu ns_per_wake=%llu.%02llu\n",
		 mkipc_waitq_kind_name(kind), n, mkipc_stats_enabled, ns,
		 div64_u64(ns, n), div64_u64(ns * 100, n) % 100);
	return 0;
}

/* Ping-pong: turn goes odd (A to B) and even (B to A). */
struct mkipc_wpong {
	struct mkipc_waitq q[2];
	enum mkipc_wake_how how;
	unsigned long rounds;
	unsigned long turn;
	u64 ns;
	atomic_t threads_left;
	struct completion done;
};

struct mkipc_wpong_thread {
	struct mkipc_wpong *p;
	unsigned int side;		/* 0: A, starts; 1: B */
};

static unsigned long mkipc_wpong_turn(struct mkipc_wpong *p)
{
	/* Acquire: pairs with the peer's release of the turn it hands us. */
	return smp_load_acquire(&p->turn);
}

static int mkipc_wpong_fn(void *arg)
{
	struct mkipc_wpong_thread *t = arg;
	struct mkipc_wpong *p = t->p;
	unsigned int me = t->side, peer = !me;
	unsigned long i, mine;
	u64 start = ktime_get_ns();

	for (i = 0; i < p->rounds; i++) {
		/* A owns turn 2i, B owns turn 2i + 1. */
		mine = 2 * i + me;
		if (mkipc_waitq_wait_event(&p->q[me],
					   mkipc_wpong_turn(p) == mine,
					   TASK_INTERRUPTIBLE, KTIME_MAX,
					   false))
			break;
		/* Release: pairs with the peer's acquire in wpong_turn(). */
		smp_store_release(&p->turn, mine + 1);
		mkipc_waitq_wake(&p->q[peer], p->how);
	}
	if (!me)
		p->ns = ktime_get_ns() - start;
	kfree(t);
	if (atomic_dec_and_test(&p->threads_left))
		complete(&p->done);
	module_put_and_kthread_exit(0);
}

/*
 * Waits for both threads; a stretch of stall_ms without a turn passing is
 * a stall, counted and rescued by waking both directly. Returns stalls.
 */
static unsigned long mkipc_wpong_watch(struct mkipc_wpong *p,
				       struct task_struct **task)
{
	struct mkipc_watchdog wd;

	mkipc_watchdog_init(&wd);
	while (!wait_for_completion_timeout(&p->done, HZ / 10)) {
		if (mkipc_watchdog_stalled(&wd, READ_ONCE(p->turn))) {
			wake_up_process(task[0]);
			wake_up_process(task[1]);
		}
	}
	return wd.stalls;
}

static int mkipc_wtest_handoff(enum mkipc_waitq_kind kind, unsigned long n,
			       bool cross, bool sync, char *result, size_t len)
{
	struct mkipc_wpong_thread *t[2] = {};
	struct task_struct *task[2] = {};
	unsigned long stalls;
	struct mkipc_wpong *p;
	unsigned int i;
	int ret = 0;

	if (cross && (!cpu_online(0) || !cpu_online(1)))
		return -ENODEV;
	if (!cpu_online(0))
		return -ENODEV;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	mkipc_waitq_init(&p->q[0], kind);
	mkipc_waitq_init(&p->q[1], kind);
	p->how = sync ? MKIPC_WAKE_SYNC : MKIPC_WAKE_ONE;
	p->rounds = n;
	init_completion(&p->done);

	for (i = 0; i < 2; i++) {
		t[i] = kmalloc(sizeof(*t[i]), GFP_KERNEL);
		if (!t[i]) {
			ret = -ENOMEM;
			goto out_unwind;
		}
		t[i]->p = p;
		t[i]->side = i;
		__module_get(THIS_MODULE);
		task[i] = kthread_create(mkipc_wpong_fn, t[i], "mkipc_wp_%c",
					 'a' + i);
		if (IS_ERR(task[i])) {
			module_put(THIS_MODULE);
			ret = PTR_ERR(task[i]);
			task[i] = NULL;
			goto out_unwind;
		}
		kthread_bind(task[i], cross ? i : 0);
	}
	atomic_set(&p->threads_left, 2);
	/* Held for the watchdog's rescue, which may outlive the threads. */
	get_task_struct(task[0]);
	get_task_struct(task[1]);
	wake_up_process(task[1]);
	wake_up_process(task[0]);
	stalls = mkipc_wpong_watch(p, task);
	put_task_struct(task[0]);
	put_task_struct(task[1]);

	snprintf(result, len,
		 "test=handoff waitq=%s round_trips=%lu cpus=%s wake=%s completed=%lu stalls=%lu ns=%llu ns_per_round_trip=%llu\n",
		 mkipc_waitq_kind_name(kind), n, cross ? "0,1" : "0",
		 sync ? "sync" : "plain", p->turn / 2, stalls, p->ns,
		 div64_u64(p->ns, n));
	ret = p->turn == 2 * n && !stalls ? 0 : -EIO;
	kfree(p);
	return ret;

out_unwind:
	/* Never started: kthread_stop() makes them exit before fn runs. */
	for (i = 0; i < 2; i++) {
		if (task[i]) {
			kthread_stop(task[i]);
			module_put(THIS_MODULE);
		}
		kfree(t[i]);
	}
	kfree(p);
	return ret;
}

static int mkipc_wtest_kind(const char *name, enum mkipc_waitq_kind *kind)
{
	if (!strcmp(name, "owaitq"))
		*kind = MKIPC_WAITQ_OWAITQ;
	else if (!strcmp(name, "stock"))
		*kind = MKIPC_WAITQ_STOCK;
	else if (!strcmp(name, "default"))
		*kind = mkipc_waitq_default_kind();
	else
		return -EINVAL;
	return 0;
}

static int mkipc_wtest_cmd(char *buf, char *result, size_t len)
{
	char cmd[12], name[12], mode[8], flags[8];
	enum mkipc_waitq_kind kind;
	struct mkipc_wtest *s;
	unsigned int waiters;
	unsigned long n;
	int ret;

	if (sscanf(buf, "%11s %11s", cmd, name) != 2 ||
	    mkipc_wtest_kind(name, &kind))
		return -EINVAL;

	if (!strcmp(cmd, "nosleeper")) {
		if (sscanf(buf, "%*s %*s %lu", &n) != 1 || !n ||
		    n > WT_MAX_ROUNDS * 16)
			return -EINVAL;
		return mkipc_wtest_nosleeper(kind, n, result, len);
	}
	if (!strcmp(cmd, "handoff")) {
		if (sscanf(buf, "%*s %*s %lu %7s %7s", &n, mode, flags) != 3 ||
		    !n || n > WT_MAX_ROUNDS ||
		    (strcmp(mode, "same") && strcmp(mode, "cross")) ||
		    (strcmp(flags, "plain") && strcmp(flags, "sync")))
			return -EINVAL;
		return mkipc_wtest_handoff(kind, n, !strcmp(mode, "cross"),
					   !strcmp(flags, "sync"), result, len);
	}
	if (strcmp(cmd, "stress"))
		return -EINVAL;
	if (sscanf(buf, "%*s %*s %7s %u %lu %7s", mode, &waiters, &n,
		   flags) != 4 || !waiters || waiters > WT_MAX_WAITERS || !n ||
	    n > WT_MAX_ROUNDS || (strcmp(mode, "excl") && strcmp(mode, "all")))
		return -EINVAL;
	if (strspn(flags, "tsyj") != strlen(flags) && strcmp(flags, "-"))
		return -EINVAL;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->kind = kind;
	s->all = !strcmp(mode, "all");
	s->waiters = waiters;
	s->rounds = n;
	s->timeouts = strchr(flags, 't');
	s->signals = strchr(flags, 's');
	s->sync = strchr(flags, 'y');
	s->jitter = strchr(flags, 'j');
	ret = mkipc_wtest_stress(s, result, len);
	kfree(s);
	return ret;
}

static struct mkipc_job mkipc_wtest_job =
	MKIPC_JOB_INIT(mkipc_wtest_job, mkipc_wtest_cmd);

void mkipc_owaitq_test_init(struct dentry *dir)
{
	mkipc_debugfs_job(dir, "waitq_test", &mkipc_wtest_job);
}
