// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc(tool): mkipc prio-wake, the IPC-completion boost. A SCHED_OTHER
 * receiver blocked in RECV shares its CPU with CFS CPU hogs; a sender on
 * another CPU sends it a message now and then, carrying the time it was
 * sent. The receiver's wake-to-run latency is the receive's return less
 * that time: with the boost the receiver preempts the hogs at once.
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

#define PW_MAX_HOGS	64

enum {
	PW_OPT_SENDER_CPU = PR_OPT_OWN, PW_OPT_HOGS, PW_OPT_HOG_NICE,
	PW_OPT_RECV_NICE, PW_OPT_JITTER,
};

struct pw_opts {
	struct pr_opts pr;
	unsigned long hogs;
	long sender_cpu;		/* -1: the first other CPU */
	long hog_nice, recv_nice;
};

struct pw_ctx {
	struct pr_run pr;		/* its peer: the receiver */
	const struct pw_opts *o;
	int sender_cpu;
	bool stop;			/* hogs: end */
	pthread_t hog[PW_MAX_HOGS];
	unsigned int nhog;		/* started */
	unsigned long fifo_seen;	/* receives it returned from FIFO */
	unsigned long told;		/* receives it could tell its policy */
	__u64 window_us;		/* the boost's rate limit; 0: no boost */
};

static const char pw_help[] =
	"usage: mkipc prio-wake [options]   (root for negative nice levels and\n"
	"                                    the module parameters)\n"
	"\n"
	"The IPC-completion boost: the wake-to-run latency of a receiver\n"
	"(SCHED_OTHER, --recv-nice) blocked in MKIPC_IOC_RECV on --cpu, which\n"
	"it shares with --hogs CFS threads spinning without pause (nice\n"
	"--hog-nice). A sender on --sender-cpu sends it --msgs timed messages\n"
	"(after --warmup untimed ones), one every --interval-us give or take\n"
	"--jitter-pct, each carrying its CLOCK_MONOTONIC time just before the\n"
	"send; the receiver takes the clock as its receive returns. Labels are\n"
	"checked: no message lost or reordered. The report gives min, p50, p99,\n"
	"max and avg of the latency (ns), how often the receiver found itself\n"
	"SCHED_FIFO right after its receive, and every parameter.\n"
	"\n"
	"The boost's rate limit, one per user per CPU per 100 * boost_ns (1 ms\n"
	"at the default boost_ns, 10000), must be shorter than the shortest\n"
	"interval, or some wake-ups go unboosted: the report says which.\n"
	"\n"
	"  --msgs N               timed messages (default 2000)\n"
	"  --warmup N             untimed messages first (default 20)\n"
	"  --cpu N                the receiver's and the hogs' CPU (default 0)\n"
	"  --sender-cpu N         the sender's (default: the first other CPU)\n"
	"  --hogs K               CPU hogs (default 2, at most "
	STR(PW_MAX_HOGS) ")\n"
	"  --hog-nice N           their nice level (default 0)\n"
	"  --recv-nice N          the receiver's (default 0)\n"
	"  --interval-us US       mean time between messages (default 2000)\n"
	"  --jitter-pct P         intervals uniform in +-P% of it (default 10)\n"
	PR_HELP_TRACKING
	"  --boost-ns N           likewise boost_ns (0..10000000; 0: no boost)\n"
	"  --timeout-ms MS        a receive waiting longer fails the run\n"
	"                         (default 10000)\n"
	PR_HELP_SEED
	"  --samples FILE         every timed latency (ns), in order, one a line\n"
	PR_HELP_END;

void pw_usage(FILE *f)
{
	fputs(pw_help, f);
}

/* The receiver: takes each message and the time it took to arrive. */
static void *pw_recv_main(void *arg)
{
	struct pw_ctx *c = arg;
	const struct pw_opts *o = c->o;
	struct mkipc_sched sa;
	struct mkipc_recv rv;
	__u64 sent, t, want = 1;
	int ret;

	if (setpriority(PRIO_PROCESS, 0, o->recv_nice)) {
		err("receiver: setpriority(nice %ld): %s", o->recv_nice,
		    strerror(errno));
		goto fail;
	}
	memset(&rv, 0, sizeof(rv));
	rv.timeout_ns = o->pr.timeout_ms * 1000000ULL;
	for (;;) {
		mkipc_msg_init(&rv.msg, 0, &sent, sizeof(sent));
		ret = mkipc_recv(c->pr.ep, &rv);
		t = mkipc_clock_ns();
		if (ret) {
			err("receiver: MKIPC_IOC_RECV (message %llu): %s%s",
			    want, strerror(-ret), ret == -ETIMEDOUT ?
			    " (--timeout-ms passed)" : "");
			goto fail;
		}
		if (rv.msg.label == STOP_LABEL)
			return NULL;
		if (rv.msg.label != want || rv.msg.size != sizeof(sent) ||
		    rv.token) {
			err("receiver: got label %llu, %u bytes, token %#llx; %s %llu",
			    (__u64)rv.msg.label, rv.msg.size,
			    (__u64)rv.token, "want 8 bytes, no token, label",
			    want);
			goto fail;
		}
		if (want > o->pr.warmup) {
			if (!mkipc_sched_get(0, &sa)) {
				c->told++;
				c->fifo_seen += sa.policy == SCHED_FIFO;
			}
			c->pr.lat[want - 1 - o->pr.warmup] = t - sent;
		}
		want++;
	}
fail:
	mkipc_ep_shutdown(c->pr.ep);
	return (void *)1;
}

/* A CPU hog: spins until told to stop. */
static void *pw_hog_main(void *arg)
{
	struct pw_ctx *c = arg;

	if (setpriority(PRIO_PROCESS, 0, c->o->hog_nice)) {
		err("hog: setpriority(nice %ld): %s", c->o->hog_nice,
		    strerror(errno));
		return (void *)1;
	}
	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED))
		;
	return NULL;
}

/* Ends the receiver and the hogs; 0 if all ended cleanly. */
static int pw_stop(struct pw_ctx *c, bool failed)
{
	unsigned int i;
	void *res = NULL;
	int ret;

	ret = pr_stop_peer(&c->pr, failed);
	__atomic_store_n(&c->stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < c->nhog; i++) {
		pthread_join(c->hog[i], &res);
		if (res)
			ret = -1;
	}
	return ret;
}

/* The sender's loop, on its own CPU. */
static int pw_sender(struct pw_ctx *c)
{
	const struct pw_opts *o = c->o;
	struct mkipc_send sd;
	struct pr_pace pace;
	unsigned long i;
	__u64 sent;
	int ret;

	memset(&sd, 0, sizeof(sd));
	mkipc_msg_init(&sd.msg, 0, &sent, sizeof(sent));
	sd.timeout_ns = o->pr.timeout_ms * 1000000ULL;
	pr_pace_init(&pace, &o->pr, mkipc_clock_ns());
	for (i = 1; i <= o->pr.warmup + o->pr.count; i++) {
		pr_pace_wait(&pace);
		sd.msg.label = i;
		sent = mkipc_clock_ns();
		ret = mkipc_send(c->pr.snd, &sd);
		if (ret) {
			err("send %lu: %s%s", i, strerror(-ret),
			    ret == -EPIPE ? " (the receiver gave up)" : "");
			return -1;
		}
		pr_pace_from(&pace, sent);
	}
	return 0;
}

/* An option of prio-wake's own. */
static int pw_opt(struct pr_opts *po, int c)
{
	struct pw_opts *o = container_of(po, struct pw_opts, pr);
	unsigned long v;

	switch (c) {
	case PW_OPT_SENDER_CPU:
		if (parse_ulong("sender-cpu", optarg, 0, CPU_SETSIZE - 1, &v))
			return -1;
		o->sender_cpu = v;
		return 0;
	case PW_OPT_HOGS:
		return parse_ulong("hogs", optarg, 0, PW_MAX_HOGS, &o->hogs);
	case PW_OPT_HOG_NICE:
		return parse_long("hog-nice", optarg, -20, 19, &o->hog_nice);
	case PW_OPT_RECV_NICE:
		return parse_long("recv-nice", optarg, -20, 19,
				  &o->recv_nice);
	case PW_OPT_JITTER:
		return parse_ulong("jitter-pct", optarg, 0, 90,
				   &o->pr.jitter_pct);
	}
	return -1;
}

static const struct pr_cmd pw_cmd = {
	.name = "prio-wake", .count = "msgs",
	.interval_min = 1, .interval_us = 2000, .jitter_pct = 10,
	.opts = (const struct option []) {
		{ "sender-cpu", required_argument, NULL, PW_OPT_SENDER_CPU },
		{ "hogs", required_argument, NULL, PW_OPT_HOGS },
		{ "hog-nice", required_argument, NULL, PW_OPT_HOG_NICE },
		{ "recv-nice", required_argument, NULL, PW_OPT_RECV_NICE },
		{ "jitter-pct", required_argument, NULL, PW_OPT_JITTER },
		{ }
	},
	.opt = pw_opt,
	.usage = pw_usage,
};

static int pw_parse(int argc, char **argv, struct pw_opts *o)
{
	*o = (struct pw_opts) { .hogs = 2, .sender_cpu = -1 };
	return pr_parse(&pw_cmd, argc, argv, &o->pr);
}

/* The rate-limit line: does every wake-up get its boost? */
static void pw_print_window(const struct pw_ctx *c)
{
	__u64 lo = pr_min_interval_us(&c->o->pr);

	if (!c->window_us) {
		printf("# rate limit: none, boost_ns=%s: no boost\n",
		       c->o->pr.prm.boost_now);
		return;
	}
	printf("# rate limit: one boost per user per CPU per %llu us",
	       c->window_us);
	printf(" (100 * boost_ns); the shortest interval, %llu us, %s\n",
	       lo, lo > c->window_us ? "exceeds it" :
	       "does NOT: some wake-ups go unboosted");
}

static void pw_report_text(const struct pw_ctx *c, const struct lat_result *r)
{
	const struct pw_opts *o = c->o;

	printf("# mkipc prio-wake: receiver SCHED_OTHER nice %ld in RECV on CPU %lu",
	       o->recv_nice, o->pr.cpu);
	printf(" with %lu CFS hog(s) at nice %ld; sender on CPU %d\n",
	       o->hogs, o->hog_nice, c->sender_cpu);
	pr_print_pace(&o->pr);
	printf(", each carrying its send time\n");
	printf("# ");
	prm_print(&o->pr.prm);
	pw_print_window(c);
	pr_print_kernel(&c->pr, "boost");
	printf("# the receiver was SCHED_FIFO just after %lu of %lu receives",
	       c->fifo_seen, o->pr.count);
	printf(" (%lu told; a boost may end before it looks)\n", c->told);
	lat_print("wake-to-run latency", r, "messages");
	pr_summary_begin(&c->pr);
	printf(" sender_cpu=%d hogs=%lu hog_nice=%ld recv_nice=%ld",
	       c->sender_cpu, o->hogs, o->hog_nice, o->recv_nice);
	printf(" interval_us=%lu jitter_pct=%lu", o->pr.interval_us,
	       o->pr.jitter_pct);
	pr_summary_count(&o->pr);
	prm_summary(&o->pr.prm);
	printf(" rate_window_us=%llu", c->window_us);
	pr_summary_result(&c->pr, r);
	printf(" fifo_seen=%lu", c->fifo_seen);
	pr_summary_end(&c->pr);
}

static void pw_report_json(const struct pw_ctx *c, const struct lat_result *r)
{
	const struct pw_opts *o = c->o;
	struct jw w = { .f = stdout };

	pr_json_begin(&w, &c->pr);
	jw_i64(&w, "sender_cpu", c->sender_cpu);
	jw_u64(&w, "hogs", o->hogs);
	jw_i64(&w, "hog_nice", o->hog_nice);
	jw_i64(&w, "recv_nice", o->recv_nice);
	jw_u64(&w, "interval_us", o->pr.interval_us);
	jw_u64(&w, "jitter_pct", o->pr.jitter_pct);
	jw_u64(&w, "min_interval_us", pr_min_interval_us(&o->pr));
	pr_json_count(&w, &o->pr);
	prm_json(&w, &o->pr.prm);
	jw_u64(&w, "rate_window_us", c->window_us);
	pr_json_results(&w, &c->pr);
	jw_u64(&w, "fifo_seen", c->fifo_seen);
	jw_u64(&w, "told", c->told);
	pr_json_lat(&w, "latency", r);
	pr_json_end(&w);
}

/* --sender-cpu, or the first CPU we may use other than --cpu. */
static int pw_pick_sender(struct pw_ctx *c)
{
	const struct pw_opts *o = c->o;
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set)) {
		err("sched_getaffinity: %s", strerror(errno));
		return -1;
	}
	if (!CPU_ISSET(o->pr.cpu, &set)) {
		err("CPU %lu is not available to this process", o->pr.cpu);
		return -1;
	}
	if (o->sender_cpu >= 0) {
		if (!CPU_ISSET(o->sender_cpu, &set)) {
			err("CPU %ld (sender) is not available to this process",
			    o->sender_cpu);
			return -1;
		}
		c->sender_cpu = o->sender_cpu;
		return 0;
	}
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (cpu != (int)o->pr.cpu && CPU_ISSET(cpu, &set)) {
			c->sender_cpu = cpu;
			return 0;
		}
	}
	err("the sender needs a CPU other than %lu (or --sender-cpu)",
	    o->pr.cpu);
	return -1;
}

int cmd_prio_wake(int argc, char **argv)
{
	static struct pw_opts o;
	static struct pw_ctx c;
	struct timespec settle = { .tv_nsec = 50 * 1000 * 1000 };
	struct lat_result r;
	unsigned long i;
	int ret, rc = 1;

	ret = pw_parse(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	memset(&c, 0, sizeof(c));
	pr_init(&c.pr, &o.pr);
	c.o = &o;
	if (pw_pick_sender(&c))
		return 1;
	if (pr_open(&c.pr, false, "the completion boost") ||
	    prm_apply(&o.pr.prm))
		goto out;
	i = strtoul(o.pr.prm.boost_now, NULL, 10);
	c.window_us = (__u64)i * 100 / 1000;
	if (c.window_us >= pr_min_interval_us(&o.pr))
		err("warning: intervals from %llu us, rate limit %llu us: %s",
		    pr_min_interval_us(&o.pr), c.window_us,
		    "some wake-ups go unboosted");
	if (pr_endpoint(&c.pr, 0) || pin_cpu(c.sender_cpu))
		goto out;
	for (i = 0; i < o.hogs; i++) {
		if (start_thread(&c.hog[i], pw_hog_main, &c, SCHED_OTHER,
				 0, o.pr.cpu))
			goto out_stop;
		c.nhog++;
	}
	if (pr_start_peer(&c.pr, pw_recv_main, &c))
		goto out_stop;
	/* the hogs spin and the receiver waits when the first message goes */
	nanosleep(&settle, NULL);
	kc_take(&c.pr.kc_before);
	ret = pw_sender(&c);
	if (pw_stop(&c, ret) || ret)
		goto out;
	kc_take(&c.pr.kc_after);
	mkipc_param_restore_all();

	if (pr_samples(&c.pr, NULL, &r))
		goto out;
	if (o.pr.json)
		pw_report_json(&c, &r);
	else
		pw_report_text(&c, &r);
	rc = 0;
	goto out;

out_stop:
	pw_stop(&c, true);
out:
	pr_close(&c.pr);
	return rc;
}

