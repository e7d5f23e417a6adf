// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc(tool): what prio-inv and prio-wake share: their common options
 * and how they are parsed, the module, endpoint and peer thread of a run,
 * the pace of its calls or messages, the common parts of their reports.
 * See prio_run.h.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libmkipc.h"
#include "mkipc_util.h"
#include "json.h"
#include "kcounters.h"
#include "lat.h"
#include "mkipc.h"
#include "modparam.h"
#include "module.h"
#include "prio_run.h"

/* Spins until the calling thread has had @ns more of CPU time. */
void pr_spin_cpu(__u64 ns)
{
	struct timespec ts;
	__u64 end;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	end = mkipc_ts_ns(&ts) + ns;
	do {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	} while (mkipc_ts_ns(&ts) < end);
}

/* Sleeps until CLOCK_MONOTONIC reads @t ns. */
void pr_sleep_until(__u64 t)
{
	struct timespec ts = {
		.tv_sec = t / 1000000000ULL,
		.tv_nsec = t % 1000000000ULL,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

/* xorshift64*: the run's random intervals, reproducible from --seed. */
static __u64 pr_rand(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [lo, hi]. */
static __u64 pr_rand_range(__u64 *s, __u64 lo, __u64 hi)
{
	return lo + pr_rand(s) % (hi - lo + 1);
}

/* A seed from the clock and the pid when none is given; never 0. */
static __u64 pr_seed(void)
{
	__u64 s = mkipc_clock_ns() ^ ((__u64)getpid() << 32);

	return s ? s : 1;
}

/* The kernel's real-time throttling: runtime and period (us). */
void pr_rt_limits(long *runtime, long *period)
{
	if (mkipc_file_read_long(MKIPC_RT_RUNTIME_PATH, runtime))
		*runtime = -2;
	if (mkipc_file_read_long(MKIPC_RT_PERIOD_PATH, period))
		*period = -2;
}

/* Before a command's own options; PR_OPT_COUNT takes its name. */
static const struct option pr_head_opts[] = {
	{ NULL, required_argument, NULL, PR_OPT_COUNT },
	{ "warmup", required_argument, NULL, PR_OPT_WARMUP },
	{ "cpu", required_argument, NULL, PR_OPT_CPU },
};

/* After them. */
static const struct option pr_tail_opts[] = {
	{ "interval-us", required_argument, NULL, PR_OPT_INTERVAL },
	{ "priority-tracking", required_argument, NULL, OPT_PRM_TRACKING },
	{ "boost-ns", required_argument, NULL, OPT_PRM_BOOST_NS },
	{ "timeout-ms", required_argument, NULL, PR_OPT_TIMEOUT },
	{ "seed", required_argument, NULL, PR_OPT_SEED },
	{ "samples", required_argument, NULL, PR_OPT_SAMPLES },
	{ "json", no_argument, NULL, PR_OPT_JSON },
	{ "help", no_argument, NULL, PR_OPT_HELP },
	{ }
};

/*
 * Parses the command line of @cmd into @o, whose own options the caller
 * has set to their defaults: 0, -1 after --help, else the exit status.
 */
int pr_parse(const struct pr_cmd *cmd, int argc, char **argv,
	     struct pr_opts *o)
{
	struct option opts[PR_MAX_OPTS];
	size_t n = ARRAY_SIZE(pr_head_opts), k;
	unsigned long v;
	int c;

	memcpy(opts, pr_head_opts, sizeof(pr_head_opts));
	opts[0].name = cmd->count;
	for (k = 0; cmd->opts[k].name; k++)
		opts[n++] = cmd->opts[k];
	if (n + ARRAY_SIZE(pr_tail_opts) > ARRAY_SIZE(opts)) {
		err("%s: too many options for PR_MAX_OPTS", cmd->name);
		return 1;
	}
	memcpy(opts + n, pr_tail_opts, sizeof(pr_tail_opts));

	*o = (struct pr_opts) {
		.cmd = cmd, .count = 2000, .warmup = 20, .cpu = 0,
		.interval_us = cmd->interval_us,
		.jitter_pct = cmd->jitter_pct, .timeout_ms = 10000,
	};
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case PR_OPT_COUNT:
			if (parse_ulong(cmd->count, optarg, 1, 10000000,
					&o->count))
				return EXIT_USAGE;
			break;
		case PR_OPT_WARMUP:
			if (parse_ulong("warmup", optarg, 0, 1000000,
					&o->warmup))
				return EXIT_USAGE;
			break;
		case PR_OPT_CPU:
			if (parse_ulong("cpu", optarg, 0, CPU_SETSIZE - 1,
					&o->cpu))
				return EXIT_USAGE;
			break;
		case PR_OPT_INTERVAL:
			if (parse_ulong("interval-us", optarg,
					cmd->interval_min, 10000000,
					&o->interval_us))
				return EXIT_USAGE;
			break;
		case OPT_PRM_TRACKING:
		case OPT_PRM_BOOST_NS:
			if (prm_parse_opt(c, optarg, &o->prm))
				return EXIT_USAGE;
			break;
		case PR_OPT_TIMEOUT:
			if (parse_ulong("timeout-ms", optarg, 1, 3600000,
					&o->timeout_ms))
				return EXIT_USAGE;
			break;
		case PR_OPT_SEED:
			if (parse_ulong("seed", optarg, 1, ULONG_MAX, &v))
				return EXIT_USAGE;
			o->seed = v;
			break;
		case PR_OPT_SAMPLES:
			o->samples = optarg;
			break;
		case PR_OPT_JSON:
			o->json = true;
			break;
		case PR_OPT_HELP:
		case 'h':
			cmd->usage(stdout);
			return -1;
		default:
			if (c < PR_OPT_OWN) {
				cmd->usage(stderr);
				return EXIT_USAGE;
			}
			if (cmd->opt(o, c))
				return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		err("%s: unexpected argument '%s'", cmd->name, argv[optind]);
		return EXIT_USAGE;
	}
	if (!o->seed)
		o->seed = pr_seed();
	return 0;
}

void pr_init(struct pr_run *r, const struct pr_opts *o)
{
	memset(r, 0, sizeof(*r));
	r->o = o;
	r->dev = -1;
	r->ep = -1;
	r->snd = -1;
	if (uname(&r->uts))
		snprintf(r->uts.release, sizeof(r->uts.release), "unknown");
}

/*
 * Opens the module, which must do call/reply if @call, warns when it
 * lacks the priority feature (@lacks: what then goes missing), and
 * allocates the samples: 0, or -1 having said why.
 */
int pr_open(struct pr_run *r, bool call, const char *lacks)
{
	__u64 features;

	r->dev = open_mkipc(&r->ver);
	if (r->dev < 0)
		return -1;
	features = r->ver.features;
	if (call && !(features & MKIPC_FEAT_CALL)) {
		err("the loaded module lacks call/reply (features %#llx)",
		    features);
		return -1;
	}
	if (!(features & MKIPC_FEAT_PRIO))
		err("warning: the module lacks %s (features %#llx)", lacks,
		    features);
	r->lat = calloc(r->o->count, sizeof(*r->lat));
	if (!r->lat) {
		err("out of memory for %lu samples", r->o->count);
		return -1;
	}
	return 0;
}

/* The endpoint, created with @flags, and a send-only descriptor of it. */
int pr_endpoint(struct pr_run *r, __u32 flags)
{
	r->ep = mkipc_ep_create(r->dev, MKIPC_EP_CLOEXEC | flags, 0, NULL);
	if (r->ep < 0) {
		err("MKIPC_IOC_EP_CREATE: %s", strerror(-r->ep));
		return -1;
	}
	r->snd = mkipc_ep_sender(r->ep, MKIPC_EP_CLOEXEC);
	if (r->snd < 0) {
		err("MKIPC_IOC_EP_SENDER: %s", strerror(-r->snd));
		return -1;
	}
	return 0;
}

/* Starts the peer, @fn(@arg), SCHED_OTHER on --cpu. */
int pr_start_peer(struct pr_run *r, void *(*fn)(void *), void *arg)
{
	if (start_thread(&r->peer, fn, arg, SCHED_OTHER, 0, r->o->cpu))
		return -1;
	r->peer_started = true;
	return 0;
}

/*
 * Ends the peer with the stop message, or by shutting the endpoint down
 * after a failure or when the message cannot go: 0 if it ended cleanly.
 */
int pr_stop_peer(struct pr_run *r, bool failed)
{
	struct mkipc_send sd;
	void *res = NULL;

	if (!r->peer_started)
		return 0;
	memset(&sd, 0, sizeof(sd));
	sd.msg.label = STOP_LABEL;
	if (failed || mkipc_send(r->snd, &sd))
		mkipc_ep_shutdown(r->ep);
	pthread_join(r->peer, &res);
	return res ? -1 : 0;
}

/* Intervals uniform in --interval-us +- --jitter-pct, the first after @t. */
void pr_pace_init(struct pr_pace *p, const struct pr_opts *o, __u64 t)
{
	p->seed = o->seed;
	p->lo = o->interval_us * (100 - o->jitter_pct) * 10ULL;
	p->hi = o->interval_us * (100 + o->jitter_pct) * 10ULL;
	p->next = t;
}

/* Sleeps until the next time, an interval after the last. */
void pr_pace_wait(struct pr_pace *p)
{
	p->next += pr_rand_range(&p->seed, p->lo, p->hi);
	pr_sleep_until(p->next);
}

/* The next interval counts from @t if later: never two closer. */
void pr_pace_from(struct pr_pace *p, __u64 t)
{
	if (t > p->next)
		p->next = t;
}

/* The shortest and the longest interval, us. */
__u64 pr_min_interval_us(const struct pr_opts *o)
{
	return o->interval_us * (100 - o->jitter_pct) / 100;
}

static __u64 pr_max_interval_us(const struct pr_opts *o)
{
	return o->interval_us * (100 + o->jitter_pct) / 100;
}

/* "# calls=2000 warmup=20, intervals uniform in [500, 1500] us (seed 1)" */
void pr_print_pace(const struct pr_opts *o)
{
	printf("# %s=%lu warmup=%lu, intervals uniform in [%llu, %llu] us",
	       o->cmd->count, o->count, o->warmup, pr_min_interval_us(o),
	       pr_max_interval_us(o));
	printf(" (seed %llu)", (__u64)o->seed);
}

/*
 * "# kernel 6.1.0, mkipc ABI 0.3 (features 0x3f)", what goes missing
 * without the priority feature (@without) said, and the counters' line.
 */
void pr_print_kernel(const struct pr_run *r, const char *without)
{
	bool prio = r->ver.features & MKIPC_FEAT_PRIO;

	printf("# kernel %s, mkipc ABI %u.%u (features %#llx%s%s)\n",
	       r->uts.release, r->ver.abi_major, r->ver.abi_minor,
	       (__u64)r->ver.features, prio ? "" : ": no prio feature, no ",
	       prio ? "" : without);
	kc_print(&r->kc_before, &r->kc_after);
}

/* A SUMMARY line's start: "SUMMARY bench=prio-inv cpu=0" */
void pr_summary_begin(const struct pr_run *r)
{
	printf("SUMMARY bench=%s cpu=%lu", r->o->cmd->name, r->o->cpu);
}

/* " calls=2000 warmup=20 seed=1" */
void pr_summary_count(const struct pr_opts *o)
{
	printf(" %s=%lu warmup=%lu seed=%llu", o->cmd->count, o->count,
	       o->warmup, (__u64)o->seed);
}

/* " kernel=6.1.0 abi=0.3 min_ns=1 ... max_ns=4" */
void pr_summary_result(const struct pr_run *r,
		       const struct lat_result *lat)
{
	char abi[32];

	printf(" kernel=%s abi=%s", r->uts.release,
	       abi_str(&r->ver, abi, sizeof(abi)));
	lat_summary(lat);
}

/* The line's end: the counters' changes. */
void pr_summary_end(const struct pr_run *r)
{
	kc_summary(&r->kc_before, &r->kc_after);
	printf("\n");
}

/* Opens the JSON report and its "params", the first "cpu". */
void pr_json_begin(struct jw *w, const struct pr_run *r)
{
	jw_open(w, NULL, '{');
	jw_str(w, "command", r->o->cmd->name);
	jw_open(w, "params", '{');
	jw_u64(w, "cpu", r->o->cpu);
}

/* "calls" (or "msgs"), "warmup", "seed", "timeout_ms" */
void pr_json_count(struct jw *w, const struct pr_opts *o)
{
	jw_u64(w, o->cmd->count, o->count);
	jw_u64(w, "warmup", o->warmup);
	jw_u64(w, "seed", o->seed);
	jw_u64(w, "timeout_ms", o->timeout_ms);
}

/* Ends "params" with the kernel's, has the counters, opens "results". */
void pr_json_results(struct jw *w, const struct pr_run *r)
{
	json_kernel(w, r->uts.release, &r->ver);
	jw_close(w, '}');
	kc_json(w, &r->kc_before, &r->kc_after);
	jw_open(w, "results", '{');
}

/* "@key": { "samples": ..., "min_ns": ..., ... } */
void pr_json_lat(struct jw *w, const char *key,
		 const struct lat_result *lat)
{
	jw_open(w, key, '{');
	lat_json(w, lat);
	jw_close(w, '}');
}

/* Ends "results" and the report. */
void pr_json_end(struct jw *w)
{
	jw_close(w, '}');
	jw_close(w, '}');
}

/*
 * After the run: the samples to --samples, each with @flag[i] if given,
 * then sorted and summed up in @res. 0, or -1 having said why.
 */
int pr_samples(struct pr_run *r, const __u8 *flag,
	       struct lat_result *res)
{
	const struct pr_opts *o = r->o;

	if (o->samples && lat_write_samples(o->samples, r->lat, flag, o->count))
		return -1;
	lat_analyze(r->lat, o->count, res);
	return 0;
}

/* Puts the module parameters back and closes what the run opened. */
void pr_close(struct pr_run *r)
{
	mkipc_param_restore_all();
	close_fd(&r->snd);
	close_fd(&r->ep);
	close_fd(&r->dev);
	free(r->lat);
}

