// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc(tool): mkipc prio-inv, priority inversion across a call. A
 * SCHED_FIFO caller is served by a SCHED_OTHER server on one CPU while
 * SCHED_FIFO load of a priority between theirs spins there part of the
 * time: without inheritance a call that comes while the load spins waits
 * for it to stop, with it the server runs at the caller's priority and
 * does not.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "libmkipc.h"
#include "mkipc_util.h"
#include "json.h"
#include "lat.h"
#include "mkipc.h"
#include "modparam.h"
#include "prio_run.h"

#define PI_MAX_LOAD	16

enum {
	PI_OPT_CALLER_PRIO = PR_OPT_OWN, PI_OPT_LOAD_THREADS,
	PI_OPT_LOAD_PRIO, PI_OPT_LOAD_SPIN, PI_OPT_LOAD_SLEEP, PI_OPT_WORK,
	PI_OPT_NO_INHERIT_RT,
};

struct pi_opts {
	struct pr_opts pr;
	unsigned long caller_prio;
	unsigned long load_threads, load_prio, load_spin_us, load_sleep_us;
	unsigned long work_us;
	bool inherit_rt;
};

/* What the server replies: its scheduling settings when it took the call. */
struct pi_reply {
	__u32 policy;
	__u32 prio;
	__s32 nice;
	__u32 seen;		/* 1: sched_getattr worked */
};

struct pi_ctx;

struct pi_load {
	struct pi_ctx *c;
	unsigned int idx;
	pthread_t t;
	unsigned long periods;	/* spins done */
	unsigned long missed;	/* periods begun late, skipped */
};

struct pi_ctx {
	struct pr_run pr;	/* its peer: the server */
	const struct pi_opts *o;
	__u64 start_ns, period_ns;
	int spinning;		/* load threads spinning now */
	bool stop;		/* load threads, server: end */
	struct pi_load load[PI_MAX_LOAD];
	unsigned int nload;	/* started */
	/* the caller's results */
	unsigned long raised;	/* calls the server took at >= our priority */
	unsigned long seen;	/* calls the server could tell its settings */
	unsigned long spun;	/* calls begun while the load spun */
};

static const char pi_help[] =
	"usage: mkipc prio-inv [options]   (root)\n"
	"\n"
	"Priority inversion across an IPC call, and priority inheritance ending\n"
	"it. On one CPU: the caller (SCHED_FIFO, --caller-prio) calls a server\n"
	"(SCHED_OTHER, nice 0) on an endpoint created with MKIPC_EP_INHERIT_RT,\n"
	"which spends --work-us of CPU time on each call and replies; load\n"
	"threads (SCHED_FIFO, --load-prio, between the two) each spin\n"
	"--load-spin-us of CPU time every --load-spin-us + --load-sleep-us.\n"
	"Without inheritance a call that comes while the load spins waits for\n"
	"the spin to end; with it the server runs at the caller's priority.\n"
	"The caller makes --calls timed calls (after --warmup untimed ones) at\n"
	"random intervals, uniform in [interval/2, 3*interval/2], so that they\n"
	"fall at every phase of the load. Each reply is checked (label + 1) and\n"
	"says the server's policy when it took the call. The report gives min,\n"
	"p50, p99, max and avg of the call's latency (ns, from before the call\n"
	"to after it returned), the same over the calls begun while the load\n"
	"spun, and every parameter.\n"
	"\n"
	"Real-time throttling (sched_rt_runtime_us, by default 950000 of each\n"
	"1000000 us) is left alone: the load's share of the CPU must stay below\n"
	"it, which the tool checks. The server inherits a real-time priority\n"
	"only up to what it could set itself (RLIMIT_RTPRIO; any, as root).\n"
	"\n"
	"  --calls N              timed calls (default 2000)\n"
	"  --warmup N             untimed calls first (default 20)\n"
	"  --cpu N                the CPU of every thread (default 0)\n"
	"  --caller-prio P        the caller's SCHED_FIFO priority (default 80)\n"
	"  --load-threads N       load threads (default 1, at most "
	STR(PI_MAX_LOAD) "), their\n"
	"                         spins spread over the period\n"
	"  --load-prio P          their SCHED_FIFO priority (default 50)\n"
	"  --load-spin-us US      CPU time each spins a period (default 2000)\n"
	"  --load-sleep-us US     then sleeps (default 3000): the period is the\n"
	"                         sum, started on a fixed clock\n"
	"  --work-us US           the server's CPU time a call (default 50)\n"
	"  --interval-us US       mean time between calls (default 1000)\n"
	"  --no-inherit-rt        create the endpoint without MKIPC_EP_INHERIT_RT\n"
	"                         (the server then inherits nice levels only)\n"
	PR_HELP_TRACKING
	"  --boost-ns N           likewise boost_ns (0..10000000)\n"
	"  --timeout-ms MS        a call taking longer fails the run (default\n"
	"                         10000)\n"
	PR_HELP_SEED
	"  --samples FILE         every timed call's latency (ns), in order, one\n"
	"                         a line, with 1 after it if the load spun\n"
	PR_HELP_END;

void pi_usage(FILE *f)
{
	fputs(pi_help, f);
}

/* The server: takes a call, notes its settings, works, replies. */
static void *pi_server_main(void *arg)
{
	struct pi_ctx *c = arg;
	struct mkipc_reply_recv rr;
	struct mkipc_sched sa;
	struct pi_reply rep;
	int ret;

	if (setpriority(PRIO_PROCESS, 0, 0)) {
		err("server: setpriority(nice 0): %s", strerror(errno));
		mkipc_ep_shutdown(c->pr.ep);
		return (void *)1;
	}
	memset(&rr, 0, sizeof(rr));
	mkipc_msg_init(&rr.reply.msg, 0, &rep, sizeof(rep));
	for (;;) {
		mkipc_msg_init(&rr.recv.msg, 0, NULL, 0);
		ret = mkipc_reply_recv(c->pr.ep, &rr);
		if (ret) {
			if (__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE))
				return NULL;
			err("server: MKIPC_IOC_REPLY_RECV: %s", strerror(-ret));
			break;
		}
		if (rr.reply_err) {
			err("server: reply (token %#llx) failed: %s",
			    (__u64)rr.reply.token, strerror(rr.reply_err));
			break;
		}
		if (!rr.recv.token) {
			if (rr.recv.msg.label == STOP_LABEL)
				return NULL;
			err("server: request %llu came without a token",
			    (__u64)rr.recv.msg.label);
			break;
		}
		memset(&rep, 0, sizeof(rep));
		if (!mkipc_sched_get(0, &sa)) {
			rep.policy = sa.policy;
			rep.prio = sa.prio;
			rep.nice = sa.nice;
			rep.seen = 1;
		}
		pr_spin_cpu(c->o->work_us * 1000ULL);
		rr.reply.token = rr.recv.token;
		rr.reply.msg.label = rr.recv.msg.label + 1;
	}
	mkipc_ep_shutdown(c->pr.ep);
	return (void *)1;
}

/* A load thread: spins its share of each period, on a fixed clock. */
static void *pi_load_main(void *arg)
{
	struct pi_load *l = arg;
	struct pi_ctx *c = l->c;
	__u64 spin = c->o->load_spin_us * 1000ULL, release, now, late;

	release = c->start_ns + l->idx * c->period_ns / c->o->load_threads;
	for (;;) {
		pr_sleep_until(release);
		if (__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE))
			return NULL;
		__atomic_add_fetch(&c->spinning, 1, __ATOMIC_RELAXED);
		pr_spin_cpu(spin);
		__atomic_sub_fetch(&c->spinning, 1, __ATOMIC_RELAXED);
		l->periods++;
		release += c->period_ns;
		now = mkipc_clock_ns();
		if (release < now) {
			late = (now - release) / c->period_ns + 1;
			l->missed += late;
			release += late * c->period_ns;
		}
	}
}

/* Stops the load threads and the server; 0 if the server ended cleanly. */
static int pi_stop(struct pi_ctx *c, bool failed)
{
	unsigned int i;
	int ret;

	__atomic_store_n(&c->stop, true, __ATOMIC_RELEASE);
	ret = pr_stop_peer(&c->pr, failed);
	for (i = 0; i < c->nload; i++)
		pthread_join(c->load[i].t, NULL);
	return ret;
}

/* One call: 0, or -1 having said why. */
static int pi_call(struct pi_ctx *c, struct mkipc_call *a,
		   struct pi_reply *rep, __u64 seq)
{
	int ret;

	a->req.label = seq;
	a->rep.size = sizeof(*rep);
	memset(rep, 0, sizeof(*rep));
	ret = mkipc_call(c->pr.snd, a);
	if (ret) {
		err("call %llu: %s%s", seq, strerror(-ret),
		    ret == -ETIMEDOUT ? " (--timeout-ms passed)" : "");
		return -1;
	}
	if (a->rep.label != seq + 1 || a->rep.size != sizeof(*rep)) {
		err("reply to call %llu: label %llu, %u bytes (want %llu, %zu)",
		    seq, (__u64)a->rep.label, a->rep.size, seq + 1,
		    sizeof(*rep));
		return -1;
	}
	return 0;
}

/* The caller's loop: WARMUP untimed calls, then CALLS timed ones. */
static int pi_caller(struct pi_ctx *c, __u8 *spun)
{
	const struct pi_opts *o = c->o;
	struct mkipc_call a;
	struct pi_reply rep;
	struct pr_pace pace;
	unsigned long i;
	__u64 t0, t1;
	bool in_spin;

	memset(&a, 0, sizeof(a));
	mkipc_msg_init(&a.req, 0, NULL, 0);
	mkipc_msg_init(&a.rep, 0, &rep, sizeof(rep));
	a.timeout_ns = o->pr.timeout_ms * 1000000ULL;
	/* the load threads have begun their first period by then */
	pr_pace_init(&pace, &o->pr, c->start_ns + c->period_ns);
	for (i = 0; i < o->pr.warmup + o->pr.count; i++) {
		pr_pace_wait(&pace);
		in_spin = __atomic_load_n(&c->spinning, __ATOMIC_RELAXED);
		t0 = mkipc_clock_ns();
		if (pi_call(c, &a, &rep, i + 1))
			return -1;
		t1 = mkipc_clock_ns();
		pr_pace_from(&pace, t1);
		if (i < o->pr.warmup)
			continue;
		c->pr.lat[i - o->pr.warmup] = t1 - t0;
		spun[i - o->pr.warmup] = in_spin;
		c->spun += in_spin;
		if (rep.seen) {
			c->seen++;
			if (rep.policy == SCHED_FIFO &&
			    rep.prio >= o->caller_prio)
				c->raised++;
		}
	}
	return 0;
}

/* An option of prio-inv's own. */
static int pi_opt(struct pr_opts *po, int c)
{
	struct pi_opts *o = container_of(po, struct pi_opts, pr);

	switch (c) {
	case PI_OPT_CALLER_PRIO:
		return parse_ulong("caller-prio", optarg, 2, 99,
				   &o->caller_prio);
	case PI_OPT_LOAD_THREADS:
		return parse_ulong("load-threads", optarg, 0, PI_MAX_LOAD,
				   &o->load_threads);
	case PI_OPT_LOAD_PRIO:
		return parse_ulong("load-prio", optarg, 1, 98, &o->load_prio);
	case PI_OPT_LOAD_SPIN:
		return parse_ulong("load-spin-us", optarg, 1, 1000000,
				   &o->load_spin_us);
	case PI_OPT_LOAD_SLEEP:
		return parse_ulong("load-sleep-us", optarg, 1, 10000000,
				   &o->load_sleep_us);
	case PI_OPT_WORK:
		return parse_ulong("work-us", optarg, 0, 1000000, &o->work_us);
	case PI_OPT_NO_INHERIT_RT:
		o->inherit_rt = false;
		return 0;
	}
	return -1;
}

static const struct pr_cmd pi_cmd = {
	.name = "prio-inv", .count = "calls",
	.interval_min = 2, .interval_us = 1000, .jitter_pct = 50,
	.opts = (const struct option []) {
		{ "caller-prio", required_argument, NULL, PI_OPT_CALLER_PRIO },
		{ "load-threads", required_argument, NULL,
		  PI_OPT_LOAD_THREADS },
		{ "load-prio", required_argument, NULL, PI_OPT_LOAD_PRIO },
		{ "load-spin-us", required_argument, NULL, PI_OPT_LOAD_SPIN },
		{ "load-sleep-us", required_argument, NULL,
		  PI_OPT_LOAD_SLEEP },
		{ "work-us", required_argument, NULL, PI_OPT_WORK },
		{ "no-inherit-rt", no_argument, NULL, PI_OPT_NO_INHERIT_RT },
		{ }
	},
	.opt = pi_opt,
	.usage = pi_usage,
};

static int pi_parse(int argc, char **argv, struct pi_opts *o)
{
	int ret;

	*o = (struct pi_opts) {
		.caller_prio = 80, .load_threads = 1, .load_prio = 50,
		.load_spin_us = 2000, .load_sleep_us = 3000, .work_us = 50,
		.inherit_rt = true,
	};
	ret = pr_parse(&pi_cmd, argc, argv, &o->pr);
	if (ret)
		return ret;
	if (o->load_prio >= o->caller_prio) {
		err("--load-prio %lu: must be below --caller-prio %lu",
		    o->load_prio, o->caller_prio);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * The load's share of the CPU against real-time throttling: -1 when it
 * would be throttled, having said so.
 */
static int pi_check_rt(const struct pi_opts *o, long *runtime, long *period)
{
	double share = (double)o->load_threads * o->load_spin_us /
		       (o->load_spin_us + o->load_sleep_us);

	pr_rt_limits(runtime, period);
	if (share >= 0.9) {
		err("the load would take %.0f%% of CPU %lu: keep it below 90%%",
		    100 * share, o->pr.cpu);
		return -1;
	}
	if (*runtime >= 0 && *period > 0 &&
	    share >= 0.9 * *runtime / *period) {
		err("the load would take %.0f%% of CPU %lu, %s %ld of %ld us: %s",
		    100 * share, o->pr.cpu, "real-time throttling allows",
		    *runtime, *period,
		    "lower it (sched_rt_runtime_us is left alone)");
		return -1;
	}
	return 0;
}

struct pi_result {
	struct lat_result all;
	struct lat_result spin;		/* n == 0: none */
	unsigned long periods, missed;
};

static void pi_report_text(const struct pi_ctx *c, const struct pi_result *r,
			   long runtime, long period)
{
	const struct pi_opts *o = c->o;
	__u64 per = o->load_spin_us + o->load_sleep_us;

	printf("# mkipc prio-inv: caller SCHED_FIFO %lu, server SCHED_OTHER",
	       o->caller_prio);
	printf(" nice 0, load SCHED_FIFO %lu, all on CPU %lu\n", o->load_prio,
	       o->pr.cpu);
	printf("# endpoint inherit_rt=%s; ", o->inherit_rt ? "yes" : "no");
	prm_print(&o->pr.prm);
	printf("# load: %lu thread(s), each spinning %lu us of CPU time",
	       o->load_threads, o->load_spin_us);
	printf(" every %llu us (%.1f%% of the CPU in all)\n", per,
	       100.0 * o->load_threads * o->load_spin_us / per);
	printf("# real-time throttling: %ld of %ld us (left alone)\n",
	       runtime, period);
	pr_print_pace(&o->pr);
	printf("\n");
	printf("# server work %lu us of CPU time a call, timeout %lu ms\n",
	       o->work_us, o->pr.timeout_ms);
	pr_print_kernel(&c->pr, "inheritance");
	printf("# load periods run %lu, begun late and skipped %lu\n",
	       r->periods, r->missed);
	printf("# the server was at SCHED_FIFO >= %lu when it took %lu",
	       o->caller_prio, c->raised);
	printf(" of %lu calls (%lu told)\n", o->pr.count, c->seen);
	lat_print("call latency", &r->all, "calls");
	lat_print("begun while the load spun", &r->spin, "calls");
	pr_summary_begin(&c->pr);
	printf(" caller_prio=%lu load_threads=%lu load_prio=%lu",
	       o->caller_prio, o->load_threads, o->load_prio);
	printf(" load_spin_us=%lu load_sleep_us=%lu work_us=%lu",
	       o->load_spin_us, o->load_sleep_us, o->work_us);
	printf(" interval_us=%lu", o->pr.interval_us);
	pr_summary_count(&o->pr);
	printf(" inherit_rt=%d", o->inherit_rt);
	prm_summary(&o->pr.prm);
	pr_summary_result(&c->pr, &r->all);
	printf(" spin_calls=%lu spin_p50_ns=%llu spin_p99_ns=%llu",
	       r->spin.n, r->spin.p50, r->spin.p99);
	printf(" spin_max_ns=%llu raised=%lu load_periods=%lu",
	       r->spin.max, c->raised, r->periods);
	printf(" load_missed=%lu", r->missed);
	pr_summary_end(&c->pr);
}

static void pi_report_json(const struct pi_ctx *c, const struct pi_result *r,
			   long runtime, long period)
{
	const struct pi_opts *o = c->o;
	struct jw w = { .f = stdout };

	pr_json_begin(&w, &c->pr);
	jw_u64(&w, "caller_fifo_prio", o->caller_prio);
	jw_str(&w, "server", "SCHED_OTHER nice 0");
	jw_u64(&w, "load_threads", o->load_threads);
	jw_u64(&w, "load_fifo_prio", o->load_prio);
	jw_u64(&w, "load_spin_us", o->load_spin_us);
	jw_u64(&w, "load_sleep_us", o->load_sleep_us);
	jw_u64(&w, "work_us", o->work_us);
	jw_u64(&w, "interval_us", o->pr.interval_us);
	pr_json_count(&w, &o->pr);
	jw_bool(&w, "inherit_rt", o->inherit_rt);
	prm_json(&w, &o->pr.prm);
	jw_i64(&w, "sched_rt_runtime_us", runtime);
	jw_i64(&w, "sched_rt_period_us", period);
	pr_json_results(&w, &c->pr);
	jw_u64(&w, "load_periods", r->periods);
	jw_u64(&w, "load_missed", r->missed);
	jw_u64(&w, "server_raised", c->raised);
	jw_u64(&w, "server_told", c->seen);
	pr_json_lat(&w, "latency", &r->all);
	pr_json_lat(&w, "latency_load_spinning", &r->spin);
	pr_json_end(&w);
}

int cmd_prio_inv(int argc, char **argv)
{
	static struct pi_opts o;
	static struct pi_ctx c;
	__u64 *slat = NULL;
	__u8 *spun = NULL;
	struct mkipc_ep_info info;
	struct pi_result r;
	long runtime, period;
	unsigned long i, n;
	int ret, rc = 1;
	cpu_set_t set;

	ret = pi_parse(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	memset(&c, 0, sizeof(c));
	memset(&r, 0, sizeof(r));
	pr_init(&c.pr, &o.pr);
	c.o = &o;
	if (pi_check_rt(&o, &runtime, &period))
		return 1;
	if (sched_getaffinity(0, sizeof(set), &set) ||
	    !CPU_ISSET(o.pr.cpu, &set)) {
		err("CPU %lu is not available to this process", o.pr.cpu);
		return 1;
	}

	if (pr_open(&c.pr, true, "priority inheritance"))
		goto out;
	slat = calloc(o.pr.count, sizeof(*slat));
	spun = calloc(o.pr.count, sizeof(*spun));
	if (!slat || !spun) {
		err("out of memory for %lu samples", o.pr.count);
		goto out;
	}
	if (prm_apply(&o.pr.prm) ||
	    pr_endpoint(&c.pr, o.inherit_rt ? MKIPC_EP_INHERIT_RT : 0))
		goto out;
	memset(&info, 0, sizeof(info));
	ret = mkipc_ep_info(c.pr.ep, &info);
	if (ret) {
		err("MKIPC_IOC_EP_INFO: %s", strerror(-ret));
		goto out;
	}
	if ((c.pr.ver.features & MKIPC_FEAT_PRIO) &&
	    !(info.flags & MKIPC_EP_INHERIT_RT) != !o.inherit_rt) {
		err("endpoint %llu: flags %#x, %s MKIPC_EP_INHERIT_RT",
		    (__u64)info.id, info.flags, o.inherit_rt ?
		    "created with" : "created without");
		goto out;
	}

	/*
	 * The caller takes its CPU and priority first: the threads it
	 * starts cannot run ahead of it on that CPU, and the load threads
	 * sleep until start_ns.
	 */
	if (pin_cpu(o.pr.cpu) || set_sched(SCHED_FIFO, o.caller_prio, 0))
		goto out;
	if (pr_start_peer(&c.pr, pi_server_main, &c))
		goto out_stop;
	c.period_ns = (o.load_spin_us + o.load_sleep_us) * 1000ULL;
	c.start_ns = mkipc_clock_ns() + 20000000ULL;
	for (i = 0; i < o.load_threads; i++) {
		c.load[i].c = &c;
		c.load[i].idx = i;
		if (start_thread(&c.load[i].t, pi_load_main, &c.load[i],
				 SCHED_FIFO, o.load_prio, o.pr.cpu))
			goto out_stop;
		c.nload++;
	}
	kc_take(&c.pr.kc_before);
	ret = pi_caller(&c, spun);
	if (pi_stop(&c, ret) || ret)
		goto out_sched;
	kc_take(&c.pr.kc_after);
	set_sched(SCHED_OTHER, 0, 0);
	mkipc_param_restore_all();

	for (i = 0; i < c.nload; i++) {
		r.periods += c.load[i].periods;
		r.missed += c.load[i].missed;
	}
	for (i = 0, n = 0; i < o.pr.count; i++)
		if (spun[i])
			slat[n++] = c.pr.lat[i];
	if (pr_samples(&c.pr, spun, &r.all))
		goto out;
	if (n)
		lat_analyze(slat, n, &r.spin);
	if (o.pr.json)
		pi_report_json(&c, &r, runtime, period);
	else
		pi_report_text(&c, &r, runtime, period);
	rc = 0;
	goto out;

out_stop:
	pi_stop(&c, true);
out_sched:
	set_sched(SCHED_OTHER, 0, 0);
out:
	pr_close(&c.pr);
	free(slat);
	free(spun);
	return rc;
}

