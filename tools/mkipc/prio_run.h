/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkipc(tool): what prio-inv and prio-wake share (prio_run.c): their
 * common options and how they are parsed, the module, endpoint and peer
 * thread of a run, the pace of its calls or messages, the common parts
 * of their reports, and CPU-time and clock helpers.
 */
#ifndef _MKIPC_PRIO_RUN_H
#define _MKIPC_PRIO_RUN_H

#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/utsname.h>

#include <linux/mkipc.h>

#include "kcounters.h"
#include "modparam.h"

struct jw;
struct lat_result;

#define PR_MAX_OPTS	32	/* a command's options, its own and these */

struct pr_cmd;

/* The options of prio-inv and prio-wake both. */
struct pr_opts {
	const struct pr_cmd *cmd;	/* whose they are */
	unsigned long count;		/* timed calls or messages */
	unsigned long warmup, cpu;
	unsigned long interval_us;	/* mean time between two */
	unsigned long jitter_pct;	/* intervals uniform in +- this % */
	unsigned long timeout_ms;
	__u64 seed;
	struct prm_prio prm;
	bool json;
	const char *samples;
};

/* A command's own options take getopt_long() values from PR_OPT_OWN. */
enum {
	PR_OPT_COUNT = 256, PR_OPT_WARMUP, PR_OPT_CPU, PR_OPT_INTERVAL,
	PR_OPT_TIMEOUT, PR_OPT_SEED, PR_OPT_SAMPLES, PR_OPT_JSON,
	PR_OPT_HELP,
	PR_OPT_OWN = 300,
};

/* --help: the lines of options pr_parse() parses, the same in both. */
#define PR_HELP_TRACKING \
	"  --priority-tracking Y|N  set the module parameter for this run and put\n" \
	"                         it back after\n"

#define PR_HELP_SEED \
	"  --seed N               seed of the intervals (default: from the clock)\n"

#define PR_HELP_END \
	"  --json                 one JSON object on stdout\n" \
	"  --help                 this text\n" \
	"\n" \
	"The text report ends with one SUMMARY line holding every parameter and\n" \
	"result as key=value.\n"

/* A command as pr_parse() sees it. */
struct pr_cmd {
	const char *name;		/* "prio-inv" */
	const char *count;		/* the option of pr_opts.count */
	unsigned long interval_min;	/* --interval-us: the least */
	unsigned long interval_us;	/* and the default */
	unsigned long jitter_pct;	/* the default */
	const struct option *opts;	/* its own, ending in { } */
	int (*opt)(struct pr_opts *o, int c);	/* one of them: 0 or -1 */
	void (*usage)(FILE *f);
};

/* A run of prio-inv or prio-wake: the module, its endpoint, its peer. */
struct pr_run {
	const struct pr_opts *o;
	struct mkipc_version ver;
	int dev, ep, snd;
	pthread_t peer;			/* the server, the receiver */
	bool peer_started;
	__u64 *lat;			/* the timed samples, ns */
	struct kc_snap kc_before, kc_after;
	struct utsname uts;		/* its release: the kernel's */
};

/* The times of a run's calls or messages, at random intervals. */
struct pr_pace {
	__u64 seed;
	__u64 lo, hi;		/* an interval's bounds, ns */
	__u64 next;		/* the next one's time */
};

/*
 * Parses the command line of @cmd into @o, whose own options the caller
 * has set to their defaults: 0, -1 after --help, else the exit status.
 */
int pr_parse(const struct pr_cmd *cmd, int argc, char **argv,
	     struct pr_opts *o);

/* The run's setup and teardown, in this order (prio_run.c says more). */
void pr_init(struct pr_run *r, const struct pr_opts *o);
int pr_open(struct pr_run *r, bool call, const char *lacks);
int pr_endpoint(struct pr_run *r, __u32 flags);
int pr_start_peer(struct pr_run *r, void *(*fn)(void *), void *arg);
int pr_stop_peer(struct pr_run *r, bool failed);
int pr_samples(struct pr_run *r, const __u8 *flag, struct lat_result *res);
void pr_close(struct pr_run *r);

/* The pace: intervals uniform in --interval-us +- the jitter. */
void pr_pace_init(struct pr_pace *p, const struct pr_opts *o, __u64 t);
void pr_pace_wait(struct pr_pace *p);
void pr_pace_from(struct pr_pace *p, __u64 t);
__u64 pr_min_interval_us(const struct pr_opts *o);

/* The reports' common parts: text, SUMMARY line, JSON. */
void pr_print_pace(const struct pr_opts *o);
void pr_print_kernel(const struct pr_run *r, const char *without);
void pr_summary_begin(const struct pr_run *r);
void pr_summary_count(const struct pr_opts *o);
void pr_summary_result(const struct pr_run *r, const struct lat_result *lat);
void pr_summary_end(const struct pr_run *r);
void pr_json_begin(struct jw *w, const struct pr_run *r);
void pr_json_count(struct jw *w, const struct pr_opts *o);
void pr_json_results(struct jw *w, const struct pr_run *r);
void pr_json_lat(struct jw *w, const char *key, const struct lat_result *lat);
void pr_json_end(struct jw *w);

/* Spins until the calling thread has had @ns more of CPU time. */
void pr_spin_cpu(__u64 ns);

/* Sleeps until CLOCK_MONOTONIC reads @t ns. */
void pr_sleep_until(__u64 t);

/* The kernel's real-time throttling: runtime and period (us; -2: unread). */
void pr_rt_limits(long *runtime, long *period);

#endif /* _MKIPC_PRIO_RUN_H */
