// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc(tool): mkipc contend, contention on one endpoint: M client
 * threads call it and N server threads serve it, for a measured window
 * after a warm-up.
 *
 * Every client calls (MKIPC_IOC_CALL) on a send-only descriptor of its
 * own, minted with MKIPC_IOC_EP_SENDER; every server loops in
 * MKIPC_IOC_REPLY_RECV on the endpoint's one receive descriptor, answering
 * the call it took last and taking the next, as pingpong's mkipc server
 * does. Call n of client k carries label k << CT_SEQ_BITS | n, unique in
 * the run, and, with a payload, first byte (u8)n; the server answers
 * label + 1 and increments the byte, and the client checks both and the
 * size after every call. Any mismatch or failed ioctl ends the run
 * (exit 1).
 *
 * The main thread keeps time: it starts the servers, then the clients,
 * turns the phase from warm-up to measuring and, --ms later, to stop,
 * and watches for a stall meanwhile (no call completed for
 * --stall-timeout seconds: exit 3). A call counts in the window when it
 * completes while the phase is measuring; each client times the 1st,
 * 17th, 33rd, ... of its calls that start in the window
 * (CT_SAMPLE_EVERY), from just before MKIPC_IOC_CALL to just after it,
 * so that the clock's cost stays off most calls and every client that
 * completed a call in the window has a sample.
 *
 * The end: the clients see the stop phase after their current call and
 * return; once all have, no call is left unanswered, and shutting the
 * endpoint down (MKIPC_IOC_EP_SHUTDOWN) makes every server's REPLY_RECV
 * fail with EPIPE, which a server takes as its end once ct_run.shut is
 * set. Then the conservation check: the calls the clients completed are
 * the requests the servers took.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "libmkipc.h"
#include "mkipc_util.h"
#include "json.h"
#include "kcounters.h"
#include "lat.h"
#include "mkipc.h"
#include "module.h"
#include "prio_run.h"

#define CT_MAX_THREADS	64	/* --clients, --servers: at most */
#define CT_SEQ_BITS	48	/* a label: client << CT_SEQ_BITS | call */
#define CT_SAMPLE_EVERY	16	/* a client times every 16th call */
#define CT_LAT_FIRST	4096	/* samples a client has room for at first */
#define CT_TICK_NS	(100 * 1000 * 1000ULL)	/* the main thread's pace */
#define CT_MAX_MS	600000	/* --ms, --warmup-ms: ten minutes at most */

/* The endpoint's baselines for --naive (pingpong --naive's, but call). */
#define CT_NAIVE_FLAGS	(MKIPC_EP_QUEUE_SPIN | MKIPC_EP_WAITQ_STOCK | \
			 MKIPC_EP_WAKE_PLAIN | MKIPC_EP_NO_DIRECT | \
			 MKIPC_EP_NO_RECYCLE)

enum ct_phase { CT_WARMUP, CT_MEASURE, CT_STOP };

struct ct_opts {
	unsigned long clients, servers;
	unsigned long ms, warmup_ms;
	bool warmup_set;
	unsigned long size;
	const char *cpus;		/* any, one, two */
	bool naive, no_lfq, json;
	unsigned long stall_s;
};

struct ct_run;

/* A client; what it counts the main thread reads after joining it. */
struct ct_client {
	struct ct_run *r;
	unsigned int id;
	int snd;			/* its send-only descriptor */
	struct mkipc_call call;
	char *req, *rep;
	unsigned long done;		/* calls completed (the watchdog's) */
	unsigned long calls;		/* of them, in the window */
	__u64 *lat;			/* timed calls, ns */
	unsigned long nlat, cap;
} ____cacheline_aligned;

struct ct_server {
	struct ct_run *r;
	unsigned int id;
	char *buf;
	unsigned long taken;		/* requests taken */
	unsigned long calls;		/* of them, in the window */
} ____cacheline_aligned;

struct ct_run {
	const struct ct_opts *o;
	struct mkipc_version ver;
	int dev, ep;
	struct mkipc_ep_info ep_info;
	int cpu_c, cpu_s;		/* clients', servers' CPU; -1: any */
	int phase;			/* enum ct_phase: the main thread's */
	bool failed;			/* a thread failed and said why */
	bool shut;			/* the endpoint is being shut down */
	struct ct_client *cl;
	struct ct_server *sv;
	/* the clients' threads, then the servers' */
	struct ct_thread {
		pthread_t t;
		bool running;		/* started, not yet joined */
	} *th;
	__u64 t_start, t_end;		/* the window, CLOCK_MONOTONIC ns */
	__u64 timer_med, timer_min;
	/* debugfs counters around the window: direct against queued */
	struct kc_snap kc_before, kc_after;
	struct utsname uts;
};

static const char ct_help[] =
	"usage: mkipc contend [options]\n"
	"\n"
	"Contention on ONE mkipc endpoint: M client threads call it\n"
	"(MKIPC_IOC_CALL, each on a send-only descriptor of its own) and N server\n"
	"threads serve it (MKIPC_IOC_REPLY_RECV on its receive descriptor) for a\n"
	"measured window after a warm-up. Every call carries a label unique to\n"
	"its client and sequence; the server answers label + 1 and the client\n"
	"checks it (and the payload's first byte + 1): a mismatch fails the run.\n"
	"The report gives the calls completed in the window, calls per second,\n"
	"the least and most calls of one client and of one server (fairness),\n"
	"and a call's latency (min, avg, p50, p99, max, log2 histogram) from\n"
	"every " STR(CT_SAMPLE_EVERY) "th call of each client in the window, timed with\n"
	"clock_gettime(CLOCK_MONOTONIC) just before and just after the call.\n"
	"\n"
	"  --clients M        client threads, 1.." STR(CT_MAX_THREADS) " (default 1)\n"
	"  --servers N        server threads, 1.." STR(CT_MAX_THREADS) " (default 1)\n"
	"  --ms D             the measured window, ms (default 1000)\n"
	"  --warmup-ms W      calls before it, not counted (default 10% of D)\n"
	"  --size BYTES       payload each way (default 0, at most " STR(MKIPC_MSG_MAX) ")\n"
	"  --cpus C           any: no thread pinned (default); one: every thread\n"
	"                     on the first CPU we may use; two: the clients on\n"
	"                     the first, the servers on the second\n"
	"  --naive            the endpoint on every baseline, as pingpong --naive\n"
	"                     (MKIPC_EP_QUEUE_SPIN, _WAITQ_STOCK, _WAKE_PLAIN,\n"
	"                     _NO_DIRECT, _NO_RECYCLE); calls stay calls\n"
	"  --no-lfq           the spinlock queue (MKIPC_EP_QUEUE_SPIN) instead of\n"
	"                     the lock-free one, every other optimization on\n"
	"  --stall-timeout S  fail (exit 3) when no call completes in S seconds,\n"
	"                     or the threads do not end S seconds after the\n"
	"                     window (default 60; 0: never)\n"
	"  --json             one JSON object on stdout\n"
	"  --help             this text\n"
	"\n"
	"The text report ends with one SUMMARY line holding every parameter and\n"
	"result as key=value. Needs mkipc.ko loaded.\n";

void ct_usage(FILE *f)
{
	fputs(ct_help, f);
}

static int ct_parse(int argc, char **argv, struct ct_opts *o)
{
	enum {
		OPT_CLIENTS = 256, OPT_SERVERS, OPT_MS, OPT_WARMUP_MS,
		OPT_SIZE, OPT_CPUS, OPT_NAIVE, OPT_NO_LFQ, OPT_STALL, OPT_JSON,
		OPT_HELP,
	};
	static const struct option opts[] = {
		{ "clients", required_argument, NULL, OPT_CLIENTS },
		{ "servers", required_argument, NULL, OPT_SERVERS },
		{ "ms", required_argument, NULL, OPT_MS },
		{ "warmup-ms", required_argument, NULL, OPT_WARMUP_MS },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "naive", no_argument, NULL, OPT_NAIVE },
		{ "no-lfq", no_argument, NULL, OPT_NO_LFQ },
		{ "stall-timeout", required_argument, NULL, OPT_STALL },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, OPT_HELP },
		{ }
	};
	int c, ret = 0;

	*o = (struct ct_opts) {
		.clients = 1, .servers = 1, .ms = 1000, .cpus = "any",
		.stall_s = 60,
	};
	while (!ret && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_CLIENTS:
			ret = parse_ulong("clients", optarg, 1, CT_MAX_THREADS,
					  &o->clients);
			break;
		case OPT_SERVERS:
			ret = parse_ulong("servers", optarg, 1, CT_MAX_THREADS,
					  &o->servers);
			break;
		case OPT_MS:
			ret = parse_ulong("ms", optarg, 1, CT_MAX_MS, &o->ms);
			break;
		case OPT_WARMUP_MS:
			ret = parse_ulong("warmup-ms", optarg, 0, CT_MAX_MS,
					  &o->warmup_ms);
			o->warmup_set = true;
			break;
		case OPT_SIZE:
			ret = parse_ulong("size", optarg, 0, MKIPC_MSG_MAX,
					  &o->size);
			break;
		case OPT_CPUS:
			ret = parse_cpus(optarg, &o->cpus);
			break;
		case OPT_NAIVE:
			o->naive = true;
			break;
		case OPT_NO_LFQ:
			o->no_lfq = true;
			break;
		case OPT_STALL:
			ret = parse_ulong("stall-timeout", optarg, 0, 86400,
					  &o->stall_s);
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_HELP:
		case 'h':
			ct_usage(stdout);
			return -1;
		default:
			ct_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (ret)
		return EXIT_USAGE;
	if (optind != argc) {
		err("contend: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (!o->warmup_set)
		o->warmup_ms = o->ms / 10;
	return 0;
}

/* ---- the threads ---- */

/*
 * A thread failed: the first to fail says why, and the endpoint is shut
 * down, so that every other thread's ioctl ends with EPIPE, which they
 * take quietly (ct_run.shut), and the main thread ends the run.
 */
static __printf(2, 3) void ct_fail(struct ct_run *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!__atomic_exchange_n(&r->failed, true, __ATOMIC_ACQ_REL))
		err("%s", msg);
	__atomic_store_n(&r->shut, true, __ATOMIC_RELEASE);
	mkipc_ep_shutdown(r->ep);
}

/*
 * Whether an ioctl's -EPIPE is the end the run gave it. (S) The release
 * store of ct_run.shut comes before MKIPC_IOC_EP_SHUTDOWN (ct_fail(),
 * ct_shut()), whose store of the endpoint's dead flag follows it (the
 * kernel takes a lock first); a thread that the shutdown failed has seen
 * that flag and loads ct_run.shut after, with acquire. x86's TSO keeps
 * both pairs in order; elsewhere the wake-up's full barrier does for a
 * thread that slept, which is where every server is at the run's end.
 */
static bool ct_ended(struct ct_run *r, int ret)
{
	return ret == -EPIPE && __atomic_load_n(&r->shut, __ATOMIC_ACQUIRE);
}

/* Keeps sample @ns of client @cl: 0, or -ENOMEM. */
static int ct_keep(struct ct_client *cl, __u64 ns)
{
	__u64 *lat;

	if (cl->nlat == cl->cap) {
		lat = realloc(cl->lat, 2 * cl->cap * sizeof(*lat));
		if (!lat)
			return -ENOMEM;
		cl->lat = lat;
		cl->cap *= 2;
	}
	cl->lat[cl->nlat++] = ns;
	return 0;
}

/* Checks the reply to call @seq of label @label; 0, or -1 having failed. */
static int ct_check(struct ct_client *cl, __u64 seq, __u64 label)
{
	struct ct_run *r = cl->r;
	struct mkipc_msg *rep = &cl->call.rep;
	__u32 size = r->o->size;

	if (rep->label == label + 1 && rep->size == size &&
	    (!size || (__u8)cl->rep[0] == (__u8)(seq + 1)))
		return 0;
	ct_fail(r,
		"client %u: reply to call %llu (label %#llx) does not match: label %#llx (want %#llx), size %u (want %u), first byte %d (want %d)",
		cl->id, seq, label, (__u64)rep->label, label + 1, rep->size,
		size, rep->size ? (__u8)cl->rep[0] : -1,
		size ? (__u8)(seq + 1) : -1);
	return -1;
}

static void *ct_client_main(void *arg)
{
	struct ct_client *cl = arg;
	struct ct_run *r = cl->r;
	__u32 size = r->o->size;
	unsigned long started = 0;	/* calls started in the window */
	__u64 seq, label, t0 = 0;
	struct timespec ts;
	bool timed;
	int phase, ret;

	for (seq = 1;; seq++) {
		phase = __atomic_load_n(&r->phase, __ATOMIC_RELAXED);
		if (phase == CT_STOP)
			return NULL;
		label = (__u64)cl->id << CT_SEQ_BITS | seq;
		cl->call.req.label = label;
		cl->call.rep.size = size;
		if (size)
			cl->req[0] = (char)seq;
		timed = phase == CT_MEASURE &&
			started++ % CT_SAMPLE_EVERY == 0;
		if (timed) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			t0 = mkipc_ts_ns(&ts);
		}
		ret = mkipc_call(cl->snd, &cl->call);
		if (timed) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			t0 = mkipc_ts_ns(&ts) - t0;
		}
		if (ret) {
			if (!ct_ended(r, ret))
				ct_fail(r, "client %u: call %llu (label %#llx): %s",
					cl->id, seq, label, strerror(-ret));
			return NULL;
		}
		if (ct_check(cl, seq, label))
			return NULL;
		__atomic_store_n(&cl->done, seq, __ATOMIC_RELAXED);
		if (__atomic_load_n(&r->phase, __ATOMIC_RELAXED) != CT_MEASURE)
			continue;
		cl->calls++;
		if (timed && ct_keep(cl, t0)) {
			ct_fail(r, "client %u: out of memory for %lu samples",
				cl->id, cl->nlat + 1);
			return NULL;
		}
	}
}

static void *ct_server_main(void *arg)
{
	struct ct_server *sv = arg;
	struct ct_run *r = sv->r;
	__u32 size = r->o->size;
	struct mkipc_reply_recv rr;
	int ret;

	memset(&rr, 0, sizeof(rr));
	mkipc_msg_init(&rr.reply.msg, 0, sv->buf, size);
	for (;;) {
		mkipc_msg_init(&rr.recv.msg, 0, sv->buf, size);
		ret = mkipc_reply_recv(r->ep, &rr);
		if (ret) {
			if (!ct_ended(r, ret))
				ct_fail(r, "server %u: MKIPC_IOC_REPLY_RECV: %s",
					sv->id, strerror(-ret));
			return NULL;
		}
		if (rr.reply_err) {
			ct_fail(r, "server %u: reply (token %#llx) failed: %s",
				sv->id, (__u64)rr.reply.token,
				strerror(rr.reply_err));
			return NULL;
		}
		if (!rr.recv.token || rr.recv.msg.size != size) {
			ct_fail(r,
				"server %u: request %#llx: token %#llx, %u bytes (want a token, %u bytes)",
				sv->id, (__u64)rr.recv.msg.label,
				(__u64)rr.recv.token, rr.recv.msg.size, size);
			return NULL;
		}
		sv->taken++;
		if (__atomic_load_n(&r->phase, __ATOMIC_RELAXED) == CT_MEASURE)
			sv->calls++;
		rr.reply.token = rr.recv.token;
		rr.reply.msg.label = rr.recv.msg.label + 1;
		if (size)
			sv->buf[0]++;
	}
}

/* ---- setup and teardown ---- */

/* --cpus: the clients' and the servers' CPU (-1: not pinned). */
static int ct_pick_cpus(struct ct_run *r)
{
	cpu_set_t allowed;

	return pick_cpus(r->o->cpus, -1, -1, &r->cpu_c, &r->cpu_s, &allowed);
}

/* The module, its endpoint, and what each thread needs before it runs. */
static int ct_setup(struct ct_run *r)
{
	const struct ct_opts *o = r->o;
	__u32 want = (o->naive ? CT_NAIVE_FLAGS : 0) |
		     (o->no_lfq ? MKIPC_EP_QUEUE_SPIN : 0);
	__u32 flags = MKIPC_EP_CLOEXEC | want;
	size_t buflen = o->size ? o->size : 1;
	unsigned int i;
	int ret;

	r->dev = open_mkipc(&r->ver);
	if (r->dev < 0)
		return -1;
	if (!(r->ver.features & MKIPC_FEAT_ENDPOINTS) ||
	    !(r->ver.features & MKIPC_FEAT_CALL)) {
		err("the loaded module lacks endpoints or call/reply_recv (features %#llx)",
		    (__u64)r->ver.features);
		return -1;
	}
	if (o->size > r->ver.max_msg_size) {
		err("--size %lu: the module's largest message is %u bytes",
		    o->size, r->ver.max_msg_size);
		return -1;
	}
	r->ep = mkipc_ep_create(r->dev, flags, 0, NULL);
	if (r->ep < 0) {
		err("MKIPC_IOC_EP_CREATE (flags %#x): %s", flags,
		    strerror(-r->ep));
		return -1;
	}
	memset(&r->ep_info, 0, sizeof(r->ep_info));
	ret = mkipc_ep_info(r->ep, &r->ep_info);
	if (ret) {
		err("MKIPC_IOC_EP_INFO: %s", strerror(-ret));
		return -1;
	}
	if ((r->ep_info.flags & want) != want) {
		err("endpoint %llu runs with flags %#x, asked for %#x",
		    (__u64)r->ep_info.id, r->ep_info.flags, flags);
		return -1;
	}

	/* Cache-line aligned, so that no two threads' counters share one. */
	if (posix_memalign((void **)&r->cl, 64, o->clients * sizeof(*r->cl)))
		r->cl = NULL;
	if (r->cl) {
		memset(r->cl, 0, o->clients * sizeof(*r->cl));
		for (i = 0; i < o->clients; i++)
			r->cl[i].snd = -1;
	}
	if (posix_memalign((void **)&r->sv, 64, o->servers * sizeof(*r->sv)))
		r->sv = NULL;
	if (r->sv)
		memset(r->sv, 0, o->servers * sizeof(*r->sv));
	r->th = calloc(o->clients + o->servers, sizeof(*r->th));
	if (!r->cl || !r->sv || !r->th) {
		err("out of memory for %lu clients and %lu servers",
		    o->clients, o->servers);
		return -1;
	}
	for (i = 0; i < o->clients; i++) {
		struct ct_client *cl = &r->cl[i];

		cl->r = r;
		cl->id = i;
		cl->snd = mkipc_ep_sender(r->ep, MKIPC_EP_CLOEXEC);
		if (cl->snd < 0) {
			err("MKIPC_IOC_EP_SENDER (client %u): %s", i,
			    strerror(-cl->snd));
			return -1;
		}
		cl->req = calloc(1, buflen);
		cl->rep = calloc(1, buflen);
		cl->cap = CT_LAT_FIRST;
		cl->lat = calloc(cl->cap, sizeof(*cl->lat));
		if (!cl->req || !cl->rep || !cl->lat) {
			err("out of memory for client %u", i);
			return -1;
		}
		mkipc_msg_init(&cl->call.req, 0, cl->req, o->size);
		mkipc_msg_init(&cl->call.rep, 0, cl->rep, o->size);
	}
	for (i = 0; i < o->servers; i++) {
		r->sv[i].r = r;
		r->sv[i].id = i;
		r->sv[i].buf = calloc(1, buflen);
		if (!r->sv[i].buf) {
			err("out of memory for server %u", i);
			return -1;
		}
	}
	return 0;
}

static void ct_cleanup(struct ct_run *r)
{
	unsigned int i;

	for (i = 0; r->cl && i < r->o->clients; i++) {
		close_fd(&r->cl[i].snd);
		free(r->cl[i].req);
		free(r->cl[i].rep);
		free(r->cl[i].lat);
	}
	for (i = 0; r->sv && i < r->o->servers; i++)
		free(r->sv[i].buf);
	free(r->cl);
	free(r->sv);
	free(r->th);
	close_fd(&r->ep);
	close_fd(&r->dev);
}

/* Shuts the endpoint down, for the servers' end: see ct_ended(). */
static void ct_shut(struct ct_run *r)
{
	int ret;

	__atomic_store_n(&r->shut, true, __ATOMIC_RELEASE);
	ret = mkipc_ep_shutdown(r->ep);
	if (ret)
		err("MKIPC_IOC_EP_SHUTDOWN: %s", strerror(-ret));
}

/* Calls completed by all the clients so far. */
static unsigned long ct_done(const struct ct_run *r)
{
	unsigned long done = 0;
	unsigned int i;

	for (i = 0; i < r->o->clients; i++)
		done += __atomic_load_n(&r->cl[i].done, __ATOMIC_RELAXED);
	return done;
}

/*
 * Joins threads r->th[@first, @first + @n), the @what, as they end; when
 * they have not after --stall-timeout, ends the process (exit 3).
 */
static void ct_join(struct ct_run *r, const char *what, unsigned int first,
		    unsigned int n)
{
	__u64 since = mkipc_clock_ns();
	struct ct_thread *th;
	unsigned int i, left;

	for (;;) {
		left = 0;
		for (i = first; i < first + n; i++) {
			th = &r->th[i];
			if (!th->running)
				continue;
			if (pthread_tryjoin_np(th->t, NULL) == EBUSY)
				left++;
			else
				th->running = false;
		}
		if (!left)
			return;
		if (r->o->stall_s &&
		    mkipc_clock_ns() - since > r->o->stall_s * 1000000000ULL) {
			err("stalled: %u of %u %s still running %lu s after they were told to end",
			    left, n, what, r->o->stall_s);
			_exit(EXIT_STALL);
		}
		pr_sleep_until(mkipc_clock_ns() + CT_TICK_NS / 10);
	}
}

/* Starts the servers, then the clients; 0, or -1 having said why. */
static int ct_start(struct ct_run *r)
{
	unsigned long m = r->o->clients;
	unsigned int i;

	for (i = 0; i < r->o->servers; i++) {
		if (start_thread(&r->th[m + i].t, ct_server_main, &r->sv[i],
				 SCHED_OTHER, 0, r->cpu_s))
			return -1;
		r->th[m + i].running = true;
	}
	for (i = 0; i < m; i++) {
		if (start_thread(&r->th[i].t, ct_client_main, &r->cl[i],
				 SCHED_OTHER, 0, r->cpu_c))
			return -1;
		r->th[i].running = true;
	}
	return 0;
}

/*
 * The main thread's part while the clients call: the warm-up, the
 * window, the watch for a stall. Ends with the phase at CT_STOP.
 */
static void ct_clock(struct ct_run *r)
{
	const struct ct_opts *o = r->o;
	__u64 now = mkipc_clock_ns(), since = now, next;
	unsigned long done, last = 0;
	int phase = CT_WARMUP;

	next = now + o->warmup_ms * 1000000ULL;
	while (!__atomic_load_n(&r->failed, __ATOMIC_ACQUIRE)) {
		pr_sleep_until(next < now + CT_TICK_NS ? next : now + CT_TICK_NS);
		now = mkipc_clock_ns();
		if (now >= next && phase == CT_WARMUP) {
			kc_take(&r->kc_before);
			r->t_start = now;
			phase = CT_MEASURE;
			__atomic_store_n(&r->phase, phase, __ATOMIC_RELAXED);
			next = now + o->ms * 1000000ULL;
		} else if (now >= next) {
			break;
		}
		done = ct_done(r);
		if (done != last) {
			last = done;
			since = now;
		} else if (o->stall_s &&
			   now - since > o->stall_s * 1000000000ULL) {
			err("stalled: no call completed for %lu s, after %lu calls",
			    o->stall_s, done);
			_exit(EXIT_STALL);
		}
	}
	r->t_end = mkipc_clock_ns();
	__atomic_store_n(&r->phase, CT_STOP, __ATOMIC_RELAXED);
	kc_take(&r->kc_after);
}

/* ---- the report ---- */

/* Calls in the window of client @i, or of server @i. */
static unsigned long ct_calls(const struct ct_run *r, bool server,
			      unsigned int i)
{
	return server ? r->sv[i].calls : r->cl[i].calls;
}

/* The least and the most calls in the window of one client, or server. */
static void ct_spread(const struct ct_run *r, bool server,
		      unsigned long *min, unsigned long *max)
{
	unsigned long n = server ? r->o->servers : r->o->clients, v;
	unsigned int i;

	*min = ULONG_MAX;
	*max = 0;
	for (i = 0; i < n; i++) {
		v = ct_calls(r, server, i);
		if (v < *min)
			*min = v;
		if (v > *max)
			*max = v;
	}
}

struct ct_result {
	unsigned long calls;		/* in the window */
	__u64 window_ns;
	double calls_per_s;
	unsigned long cl_min, cl_max, sv_min, sv_max;
	struct lat_result lat;
};

/* Every client's samples, summed up in @res; 0, or -1 having said why. */
static int ct_results(struct ct_run *r, struct ct_result *res)
{
	const struct ct_opts *o = r->o;
	unsigned long n = 0, i, taken = 0, done = 0;
	__u64 *all;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < o->clients; i++) {
		res->calls += r->cl[i].calls;
		done += r->cl[i].done;
		n += r->cl[i].nlat;
	}
	for (i = 0; i < o->servers; i++)
		taken += r->sv[i].taken;
	ct_spread(r, false, &res->cl_min, &res->cl_max);
	ct_spread(r, true, &res->sv_min, &res->sv_max);
	if (done != taken) {
		err("the clients completed %lu calls, the servers took %lu requests",
		    done, taken);
		return -1;
	}
	if (!n) {
		err("no call completed in the %lu ms window", o->ms);
		return -1;
	}
	res->window_ns = r->t_end - r->t_start;
	res->calls_per_s = res->calls * 1e9 / res->window_ns;
	all = malloc(n * sizeof(*all));
	if (!all) {
		err("out of memory for %lu samples", n);
		return -1;
	}
	for (n = 0, i = 0; i < o->clients; i++) {
		memcpy(all + n, r->cl[i].lat, r->cl[i].nlat * sizeof(*all));
		n += r->cl[i].nlat;
	}
	lat_analyze(all, n, &res->lat);
	free(all);
	return 0;
}

static void ct_report_text(const struct ct_run *r, const struct ct_result *res)
{
	const struct ct_opts *o = r->o;
	char abi[32], eps[96];

	abi_str(&r->ver, abi, sizeof(abi));
	printf("# mkipc contend: clients=%lu servers=%lu cpus=%s",
	       o->clients, o->servers, o->cpus);
	printf(" (clients CPU %d, servers CPU %d; -1: not pinned)\n",
	       r->cpu_c, r->cpu_s);
	printf("# ms=%lu warmup_ms=%lu size=%lu naive=%s no_lfq=%s\n", o->ms,
	       o->warmup_ms, o->size, o->naive ? "on" : "off",
	       o->no_lfq ? "on" : "off");
	printf("# endpoint %llu: %s max_msgs=%u;", (__u64)r->ep_info.id,
	       ep_flags_str(r->ep_info.flags, eps, sizeof(eps)),
	       r->ep_info.max_msgs);
	printf(" a send-only descriptor a client, its one receive descriptor for all servers\n");
	printf("# kernel %s, mkipc ABI %s (features %#llx), tool built for ABI %u.%u\n",
	       r->uts.release, abi, (__u64)r->ver.features, MKIPC_ABI_MAJOR,
	       MKIPC_ABI_MINOR);
	lat_print_timer(r->timer_med, r->timer_min);
	printf("# latency: every %dth call of each client in the window",
	       CT_SAMPLE_EVERY);
	printf(" (its 1st, %dth, ...), from before MKIPC_IOC_CALL to after\n",
	       CT_SAMPLE_EVERY + 1);
	printf("calls: %lu in %.1f ms: %.0f calls/s\n", res->calls,
	       res->window_ns / 1e6, res->calls_per_s);
	printf("per client (calls in the window): min %lu  max %lu\n",
	       res->cl_min, res->cl_max);
	printf("per server (requests taken in the window): min %lu  max %lu\n",
	       res->sv_min, res->sv_max);
	kc_print(&r->kc_before, &r->kc_after);
	lat_print("call", &res->lat, "samples");
	lat_print_hist(&res->lat);
	printf("SUMMARY bench=contend clients=%lu servers=%lu ms=%lu warmup_ms=%lu size=%lu",
	       o->clients, o->servers, o->ms, o->warmup_ms, o->size);
	printf(" cpus=%s cpu_clients=%d cpu_servers=%d naive=%d no_lfq=%d",
	       o->cpus, r->cpu_c, r->cpu_s, o->naive, o->no_lfq);
	printf(" sample_every=%d", CT_SAMPLE_EVERY);
	printf(" kernel=%s abi=%s timer_ns=%llu", r->uts.release, abi,
	       r->timer_med);
	printf(" calls=%lu window_ns=%llu calls_per_s=%.0f", res->calls,
	       res->window_ns, res->calls_per_s);
	printf(" client_calls_min=%lu client_calls_max=%lu", res->cl_min,
	       res->cl_max);
	printf(" server_calls_min=%lu server_calls_max=%lu samples=%lu",
	       res->sv_min, res->sv_max, res->lat.n);
	lat_summary(&res->lat);
	kc_summary(&r->kc_before, &r->kc_after);
	printf("\n");
}

/* "KEY": {"min", "max", "each": [...]}: calls in the window, by thread. */
static void ct_json_spread(struct jw *w, const char *key,
			   const struct ct_run *r, bool server,
			   unsigned long min, unsigned long max)
{
	unsigned long n = server ? r->o->servers : r->o->clients;
	unsigned int i;

	jw_open(w, key, '{');
	jw_u64(w, "min", min);
	jw_u64(w, "max", max);
	jw_open(w, "each", '[');
	for (i = 0; i < n; i++)
		jw_u64(w, NULL, ct_calls(r, server, i));
	jw_close(w, ']');
	jw_close(w, '}');
}

static void ct_report_json(const struct ct_run *r,
			   const struct ct_result *res)
{
	const struct ct_opts *o = r->o;
	struct jw w = { .f = stdout };

	jw_open(&w, NULL, '{');
	jw_str(&w, "command", "contend");
	jw_open(&w, "params", '{');
	jw_u64(&w, "clients", o->clients);
	jw_u64(&w, "servers", o->servers);
	jw_u64(&w, "ms", o->ms);
	jw_u64(&w, "warmup_ms", o->warmup_ms);
	jw_u64(&w, "size", o->size);
	jw_str(&w, "cpus", o->cpus);
	jw_i64(&w, "cpu_clients", r->cpu_c);
	jw_i64(&w, "cpu_servers", r->cpu_s);
	jw_bool(&w, "naive", o->naive);
	jw_bool(&w, "no_lfq", o->no_lfq);
	jw_u64(&w, "sample_every", CT_SAMPLE_EVERY);
	jw_u64(&w, "stall_timeout_s", o->stall_s);
	json_kernel(&w, r->uts.release, &r->ver);
	jw_close(&w, '}');
	jw_open(&w, "endpoint", '{');
	jw_u64(&w, "id", r->ep_info.id);
	json_ep_flags(&w, r->ep_info.flags);
	jw_u64(&w, "max_msgs", r->ep_info.max_msgs);
	jw_close(&w, '}');
	lat_json_timer(&w, r->timer_med, r->timer_min);
	kc_json(&w, &r->kc_before, &r->kc_after);
	jw_open(&w, "results", '{');
	jw_u64(&w, "calls", res->calls);
	jw_u64(&w, "window_ns", res->window_ns);
	jw_double(&w, "calls_per_s", res->calls_per_s);
	ct_json_spread(&w, "client_calls", r, false, res->cl_min,
		       res->cl_max);
	ct_json_spread(&w, "server_calls", r, true, res->sv_min,
		       res->sv_max);
	lat_json(&w, &res->lat);
	lat_json_hist(&w, &res->lat);
	jw_close(&w, '}');
	jw_close(&w, '}');
}

int cmd_contend(int argc, char **argv)
{
	/* Static: threads a stall leaves behind may use them until _exit(). */
	static struct ct_opts o;
	static struct ct_run r;
	struct ct_result res;
	int ret, rc = 1;

	ret = ct_parse(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	memset(&r, 0, sizeof(r));
	r.o = &o;
	r.dev = -1;
	r.ep = -1;
	if (uname(&r.uts))
		snprintf(r.uts.release, sizeof(r.uts.release), "unknown");
	if (ct_pick_cpus(&r) || ct_setup(&r))
		goto out;
	lat_timer_cost(&r.timer_med, &r.timer_min);

	if (ct_start(&r))
		ct_fail(&r, "not every thread started; ending the run");
	else
		ct_clock(&r);
	__atomic_store_n(&r.phase, CT_STOP, __ATOMIC_RELAXED);
	ct_join(&r, "clients", 0, o.clients);
	ct_shut(&r);
	ct_join(&r, "servers", o.clients, o.servers);
	if (__atomic_load_n(&r.failed, __ATOMIC_ACQUIRE) ||
	    ct_results(&r, &res))
		goto out;
	if (o.json)
		ct_report_json(&r, &res);
	else
		ct_report_text(&r, &res);
	rc = 0;
out:
	ct_cleanup(&r);
	return rc;
}
