// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc(tool): mkipc pingpong, its options, the client's loop, the
 * server's start and stop, and the watchdog.
 *
 * A client and a server (two threads, or a process and its forked child)
 * exchange ITERS round trips after WARMUP untimed ones. The client times
 * each round trip with clock_gettime(CLOCK_MONOTONIC) just before sending
 * the request and just after taking the reply, and keeps every sample.
 * Request n carries label n (n = 1, 2, ...) and, with a payload, first
 * byte (u8)n; the server answers label n + 1 and increments the byte, and
 * the client checks both (and the size) after every round trip. (The
 * eventfd transport has neither label nor payload: its check is the
 * counter, which must read exactly 1 each way.)
 *
 * The transports are in pingpong_peers.c, the reports in
 * pingpong_report.c.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libmkipc.h"
#include "mkipc_util.h"
#include "kcounters.h"
#include "lat.h"
#include "mkipc.h"
#include "modparam.h"
#include "module.h"
#include "pingpong.h"

const char * const pp_transport_names[] = {
	[PP_MKIPC]	= "mkipc",
	[PP_FUTEX]	= "futex",
	[PP_YIELD]	= "yield",
	[PP_PIPE]	= "pipe",
	[PP_MINIMAL]	= "minimal",
	[PP_EVENTFD]	= "eventfd",
	[PP_UNIX]	= "unix",
	[PP_MQ]		= "mq",
};

const char * const pp_mode_names[] = {
	[PP_THREADS]	= "threads",
	[PP_PROCS]	= "procs",
};

static const char pp_help[] =
	"usage: mkipc pingpong [options]\n"
	"\n"
	"Round-trip benchmark: a client and a server exchange ITERS timed round\n"
	"trips (after WARMUP untimed ones); every sample is kept and the report\n"
	"gives min, avg, p50, p99, max in ns, a log2 histogram and every\n"
	"parameter. Each reply is checked against its request (label + 1 and\n"
	"the payload's first byte + 1; eventfd and minimal: see below).\n"
	"\n"
	"  --iters N          timed round trips (default 100000)\n"
	"  --warmup N         untimed round trips first (default 10% of iters)\n"
	"  --mode M           threads (default) or procs: the server is a forked\n"
	"                     child holding the inherited endpoint descriptor\n"
	"  --cpus C           one: both on one CPU (default); two: one CPU each;\n"
	"                     any: not pinned\n"
	"  --cpu-a N          pin the client to CPU N (overrides --cpus)\n"
	"  --cpu-b N          pin the server to CPU N (overrides --cpus)\n"
	"  --transport T      mkipc (default), futex, yield, pipe, eventfd, unix,\n"
	"                     mq or minimal:\n"
	"                       mkipc  call/reply_recv on an endpoint\n"
	"                       futex  FUTEX_WAKE/FUTEX_WAIT on shared words\n"
	"                       yield  SCHED_FIFO peers on one CPU handing over\n"
	"                              with sched_yield(): the cost floor (root\n"
	"                              or CAP_SYS_NICE; one CPU only)\n"
	"                       pipe   two pipes: the 8-byte label, then the\n"
	"                              payload\n"
	"                       eventfd  two eventfds, one each way: a write of\n"
	"                              1, and a read that must return exactly 1\n"
	"                              (no label; size 0 only)\n"
	"                       unix   a SOCK_SEQPACKET socketpair: label and\n"
	"                              payload as one message each way\n"
	"                       mq     two POSIX message queues, request and\n"
	"                              reply, one message of label and payload\n"
	"                              each way (their names are unlinked at\n"
	"                              once: nothing stays in /dev/mqueue)\n"
	"                       minimal  /dev/mkipc_min: one word each way,\n"
	"                              a sync wake-up and a wait_event, the\n"
	"                              least an ioctl call costs (size 0 only;\n"
	"                              insmod tools/bench/minimal/mkipc_min.ko)\n"
	"  --size BYTES       payload each way (default 0, at most " STR(MKIPC_MSG_MAX) ")\n"
	"  --no-call          mkipc: send + recv over a request and a reply\n"
	"                     endpoint instead of call/reply_recv\n"
	"  --no-lfq           mkipc: MKIPC_EP_QUEUE_SPIN (spinlock queue)\n"
	"  --no-owaitq        mkipc: MKIPC_EP_WAITQ_STOCK (wait_queue_head_t)\n"
	"  --no-sync          mkipc: MKIPC_EP_WAKE_PLAIN (no WF_SYNC hand-off)\n"
	"  --no-direct        mkipc: MKIPC_EP_NO_DIRECT (every message through\n"
	"                     the queue)\n"
	"  --no-recycle       mkipc: MKIPC_EP_NO_RECYCLE (a new record a message,\n"
	"                     every token from the endpoint's table)\n"
	"  --naive            mkipc: all six of the above: the slow path\n"
	"  --caller-nice N    mkipc: the client runs SCHED_OTHER at nice N\n"
	"                     (-20..19), the server at nice 0: with N < 0 every\n"
	"                     call raises the server and its reply restores it\n"
	"  --caller-fifo P    mkipc: the client runs SCHED_FIFO at P (1..99), the\n"
	"                     server SCHED_OTHER nice 0 (root or CAP_SYS_NICE)\n"
	"  --inherit-rt       mkipc: the endpoint has MKIPC_EP_INHERIT_RT: the\n"
	"                     server inherits a SCHED_FIFO client's priority\n"
	"  --priority-tracking Y|N\n"
	"                     mkipc: set the module parameter for this run and\n"
	"                     put it back after (root)\n"
	"  --boost-ns N       mkipc: likewise the boost_ns parameter (0..10000000)\n"
	"  --stall-timeout S  fail (exit 3) when no round trip completes in S\n"
	"                     seconds (default 60; 0: never)\n"
	"  --samples FILE     write every timed round trip (ns), one a line, in\n"
	"                     the order they ran\n"
	"  --progress         progress on stderr about once a second (the\n"
	"                     default when stderr is a terminal)\n"
	"  --json             one JSON object on stdout\n"
	"  --help             this text\n"
	"\n"
	"The text report ends with one SUMMARY line holding every parameter and\n"
	"result as key=value. The mkipc transport's report gives the module's\n"
	"priority_tracking and boost_ns, and how debugfs's priority counters\n"
	"(prio_raise, boosts, ...) changed over the run, warm-up included.\n";

void pp_usage(FILE *f)
{
	fputs(pp_help, f);
}

/* Resolves --cpus, --cpu-a and --cpu-b against the CPUs we may use. */
static int pp_pick_cpus(const struct pp_opts *o, struct pp_ctx *c)
{
	if (pick_cpus(o->cpus, o->cpu_a, o->cpu_b, &c->cpu_a, &c->cpu_b,
		      &c->allowed))
		return -1;
	if (o->transport == PP_YIELD &&
	    (c->cpu_a < 0 || c->cpu_a != c->cpu_b)) {
		err("the yield transport measures two peers taking turns on %s",
		    "ONE CPU: use --cpus one (or equal --cpu-a and --cpu-b)");
		return -1;
	}
	return 0;
}

/* The client's priority, as --caller-nice and --caller-fifo ask. */
static int pp_set_caller(const struct pp_opts *o)
{
	if (!pp_prio_given(o))
		return 0;
	return set_sched(o->caller_fifo ? SCHED_FIFO : SCHED_OTHER,
			 o->caller_fifo, o->caller_nice);
}

/*
 * In the server (thread or child), before its loop. Given a client
 * priority, the server drops what it inherited from the client to
 * SCHED_OTHER at nice 0.
 */
static int pp_server_main(struct pp_ctx *c)
{
	if (pin_cpu(c->cpu_b))
		return 1;
	if (pp_prio_given(c->o) && set_sched(SCHED_OTHER, 0, 0))
		return 1;
	return c->server(c);
}

static void *pp_server_thread(void *arg)
{
	return (void *)(intptr_t)pp_server_main(arg);
}

/* procs: each side keeps only the descriptors its role needs. */
static void pp_split_fds(struct pp_ctx *c, bool server)
{
	if (server) {
		close_fd(&c->dev);
		close_fd(&c->req_snd);
		close_fd(&c->rep_ep);
		close_fd(&c->req_pipe[1]);
		close_fd(&c->rep_pipe[0]);
		close_fd(&c->sock[0]);
	} else {
		close_fd(&c->req_ep);
		close_fd(&c->rep_snd);
		close_fd(&c->req_pipe[0]);
		close_fd(&c->rep_pipe[1]);
		close_fd(&c->sock[1]);
	}
}

static int pp_start_server(struct pp_ctx *c)
{
	int ret;

	if (c->o->mode == PP_THREADS) {
		ret = pthread_create(&c->server_thread, NULL, pp_server_thread,
				     c);
		if (ret) {
			err("pthread_create: %s", strerror(ret));
			return -1;
		}
		return 0;
	}
	fflush(NULL);
	c->child = fork();
	if (c->child < 0) {
		err("fork: %s", strerror(errno));
		return -1;
	}
	if (c->child == 0) {
		/* The server dies with the client, whatever happens to it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(1);
		pp_split_fds(c, true);
		_exit(pp_server_main(c));
	}
	pp_split_fds(c, false);
	return 0;
}

/* Tells the server to stop and waits for it; 0 if it ended cleanly. */
static int pp_stop_server(struct pp_ctx *c, __u64 seq)
{
	int status, ret = 0;
	void *res;

	pp_transport_stop(c, seq);
	if (c->o->mode == PP_THREADS) {
		pthread_join(c->server_thread, &res);
		ret = (int)(intptr_t)res;
		if (ret)
			err("the server thread failed");
		return ret;
	}
	while (waitpid(c->child, &status, 0) < 0) {
		if (errno != EINTR) {
			err("waitpid: %s", strerror(errno));
			return -1;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		err("the server process %s %d", WIFEXITED(status) ?
		    "exited with status" : "was killed by signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) :
		    WTERMSIG(status));
		return -1;
	}
	return 0;
}

/*
 * The watchdog: a thread of the client's process, unpinned and
 * SCHED_OTHER, that ends the run when no round trip completes for
 * --stall-timeout seconds (a lost wake-up would hang it forever), or when
 * the server process dies.
 */
static void *pp_watchdog(void *arg)
{
	struct timespec tick = { .tv_nsec = 100 * 1000 * 1000 };
	struct pp_ctx *c = arg;
	unsigned long last = 0, done;
	__u64 since = mkipc_clock_ns();
	siginfo_t si;

	for (;;) {
		nanosleep(&tick, NULL);
		if (__atomic_load_n(&c->finished, __ATOMIC_ACQUIRE))
			return NULL;
		done = __atomic_load_n(&c->done, __ATOMIC_RELAXED);
		if (done != last) {
			last = done;
			since = mkipc_clock_ns();
		} else if (c->o->stall_s &&
			   mkipc_clock_ns() - since > c->o->stall_s * 1000000000ULL) {
			if (__atomic_load_n(&c->stopping, __ATOMIC_ACQUIRE))
				err("stalled: the server did not stop in %lu s",
				    c->o->stall_s);
			else
				err("stalled: no round trip for %lu s, after %lu of %lu (%s, %s)",
				    c->o->stall_s, done, c->total,
				    pp_transport_names[c->o->transport],
				    pp_mode_names[c->o->mode]);
			_exit(EXIT_STALL);
		}
		if (c->o->mode == PP_PROCS &&
		    !__atomic_load_n(&c->stopping, __ATOMIC_ACQUIRE)) {
			memset(&si, 0, sizeof(si));
			if (!waitid(P_PID, c->child, &si,
				    WEXITED | WNOHANG | WNOWAIT) &&
			    si.si_pid == c->child &&
			    !__atomic_load_n(&c->stopping, __ATOMIC_ACQUIRE)) {
				err("the server process ended (%s %d) after %lu round trips",
				    si.si_code == CLD_EXITED ? "status" :
				    "signal", si.si_status, done);
				_exit(1);
			}
		}
	}
}

static int pp_start_watchdog(struct pp_ctx *c)
{
	struct sched_param sp = { .sched_priority = 0 };
	pthread_attr_t attr;
	pthread_t t;
	int ret;

	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_OTHER);
	pthread_attr_setschedparam(&attr, &sp);
	pthread_attr_setaffinity_np(&attr, sizeof(c->allowed), &c->allowed);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ret = pthread_create(&t, &attr, pp_watchdog, c);
	pthread_attr_destroy(&attr);
	if (ret) {
		err("pthread_create (watchdog): %s", strerror(ret));
		return -1;
	}
	return 0;
}

static void pp_progress(struct pp_ctx *c, unsigned long i, __u64 start,
			bool tty, bool end)
{
	const struct pp_opts *o = c->o;
	double s = (mkipc_clock_ns() - start) / 1e9;

	fprintf(stderr, "%spingpong %s/%s: %lu/%lu round trips%s (%.0f%%), %.1f s%s",
		tty ? "\r" : "", pp_transport_names[o->transport],
		pp_mode_names[o->mode], i, c->total,
		i <= o->warmup ? " (warm-up)" : "", 100.0 * i / c->total, s,
		tty && !end ? "\033[K" : "\n");
}

/* The client's loop: WARMUP untimed, then ITERS timed round trips. */
static int pp_client(struct pp_ctx *c, __u64 *samples)
{
	const struct pp_opts *o = c->o;
	bool tty = isatty(STDERR_FILENO);
	bool progress = o->progress || tty;
	__u64 start = mkipc_clock_ns(), next = start + 1000000000ULL, t;
	struct timespec t0, t1;
	unsigned long i;
	int ret;

	for (i = 0; i < c->total; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ret = c->rt(c, i + 1);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (ret) {
			if (progress && tty)
				fputc('\n', stderr);
			if (ret == -EPROTO && c->detail[0])
				err("round trip %lu: %s", i + 1, c->detail);
			else
				err("round trip %lu (%s transport): %s%s",
				    i + 1, pp_transport_names[o->transport],
				    strerror(-ret), ret == -EPIPE ?
				    " (the server side is gone)" : "");
			return -1;
		}
		t = mkipc_ts_ns(&t1);
		if (i >= o->warmup)
			samples[i - o->warmup] = t - mkipc_ts_ns(&t0);
		__atomic_store_n(&c->done, i + 1, __ATOMIC_RELAXED);
		if (progress && t >= next) {
			pp_progress(c, i + 1, start, tty, false);
			next = t + 1000000000ULL;
		}
	}
	if (progress && mkipc_clock_ns() - start >= 1000000000ULL)
		pp_progress(c, i, start, tty, true);
	return 0;
}

static int pp_parse(int argc, char **argv, struct pp_opts *o)
{
	enum {
		OPT_ITERS = 256, OPT_WARMUP, OPT_MODE, OPT_CPUS, OPT_CPU_A,
		OPT_CPU_B, OPT_TRANSPORT, OPT_SIZE, OPT_NO_CALL, OPT_NO_LFQ,
		OPT_NO_OWAITQ, OPT_NO_SYNC, OPT_NO_DIRECT, OPT_NO_RECYCLE,
		OPT_NAIVE, OPT_STALL,
		OPT_PROGRESS, OPT_JSON, OPT_SAMPLES, OPT_CALLER_NICE,
		OPT_CALLER_FIFO, OPT_INHERIT_RT, OPT_HELP,
	};
	static const struct option opts[] = {
		{ "iters", required_argument, NULL, OPT_ITERS },
		{ "warmup", required_argument, NULL, OPT_WARMUP },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "cpu-a", required_argument, NULL, OPT_CPU_A },
		{ "cpu-b", required_argument, NULL, OPT_CPU_B },
		{ "transport", required_argument, NULL, OPT_TRANSPORT },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "no-call", no_argument, NULL, OPT_NO_CALL },
		{ "no-lfq", no_argument, NULL, OPT_NO_LFQ },
		{ "no-owaitq", no_argument, NULL, OPT_NO_OWAITQ },
		{ "no-sync", no_argument, NULL, OPT_NO_SYNC },
		{ "no-direct", no_argument, NULL, OPT_NO_DIRECT },
		{ "no-recycle", no_argument, NULL, OPT_NO_RECYCLE },
		{ "naive", no_argument, NULL, OPT_NAIVE },
		{ "stall-timeout", required_argument, NULL, OPT_STALL },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "samples", required_argument, NULL, OPT_SAMPLES },
		{ "caller-nice", required_argument, NULL, OPT_CALLER_NICE },
		{ "caller-fifo", required_argument, NULL, OPT_CALLER_FIFO },
		{ "inherit-rt", no_argument, NULL, OPT_INHERIT_RT },
		{ "priority-tracking", required_argument, NULL,
		  OPT_PRM_TRACKING },
		{ "boost-ns", required_argument, NULL, OPT_PRM_BOOST_NS },
		{ "help", no_argument, NULL, OPT_HELP },
		{ }
	};
	bool prio_given = false;
	unsigned long v;
	size_t k;
	int c;

	*o = (struct pp_opts) {
		.iters = 100000, .mode = PP_THREADS, .transport = PP_MKIPC,
		.cpus = "one", .cpu_a = -1, .cpu_b = -1, .call = true,
		.lfq = true, .owaitq = true, .sync = true, .direct = true,
		.recycle = true,
		.stall_s = 60,
	};
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ITERS:
			if (parse_ulong("iters", optarg, 1, ULONG_MAX / 16,
					&o->iters))
				return EXIT_USAGE;
			break;
		case OPT_WARMUP:
			if (parse_ulong("warmup", optarg, 0, ULONG_MAX / 16,
					&o->warmup))
				return EXIT_USAGE;
			o->warmup_set = true;
			break;
		case OPT_MODE:
			if (!strcmp(optarg, "threads")) {
				o->mode = PP_THREADS;
			} else if (!strcmp(optarg, "procs")) {
				o->mode = PP_PROCS;
			} else {
				err("--mode: threads or procs, not '%s'",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_CPUS:
			if (parse_cpus(optarg, &o->cpus))
				return EXIT_USAGE;
			break;
		case OPT_CPU_A:
		case OPT_CPU_B:
			if (parse_ulong(c == OPT_CPU_A ? "cpu-a" : "cpu-b",
					optarg, 0, CPU_SETSIZE - 1, &v))
				return EXIT_USAGE;
			*(c == OPT_CPU_A ? &o->cpu_a : &o->cpu_b) = v;
			break;
		case OPT_TRANSPORT:
			for (k = 0; k < ARRAY_SIZE(pp_transport_names); k++)
				if (!strcmp(optarg, pp_transport_names[k]))
					break;
			if (k == ARRAY_SIZE(pp_transport_names)) {
				err("--transport: %s or minimal, not '%s'",
				    "mkipc, futex, yield, pipe, eventfd, unix, mq",
				    optarg);
				return EXIT_USAGE;
			}
			o->transport = k;
			break;
		case OPT_SIZE:
			if (parse_ulong("size", optarg, 0, MKIPC_MSG_MAX,
					&o->size))
				return EXIT_USAGE;
			break;
		case OPT_NO_CALL:
			o->call = false;
			o->opt_given = true;
			break;
		case OPT_NO_LFQ:
			o->lfq = false;
			o->opt_given = true;
			break;
		case OPT_NO_OWAITQ:
			o->owaitq = false;
			o->opt_given = true;
			break;
		case OPT_NO_SYNC:
			o->sync = false;
			o->opt_given = true;
			break;
		case OPT_NO_DIRECT:
			o->direct = false;
			o->opt_given = true;
			break;
		case OPT_NO_RECYCLE:
			o->recycle = false;
			o->opt_given = true;
			break;
		case OPT_NAIVE:
			o->call = false;
			o->lfq = false;
			o->owaitq = false;
			o->sync = false;
			o->direct = false;
			o->recycle = false;
			o->opt_given = true;
			break;
		case OPT_STALL:
			if (parse_ulong("stall-timeout", optarg, 0, 86400,
					&o->stall_s))
				return EXIT_USAGE;
			break;
		case OPT_PROGRESS:
			o->progress = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_SAMPLES:
			o->samples = optarg;
			break;
		case OPT_CALLER_NICE:
			if (parse_long("caller-nice", optarg, -20, 19,
				       &o->caller_nice))
				return EXIT_USAGE;
			o->caller_nice_set = true;
			prio_given = true;
			break;
		case OPT_CALLER_FIFO:
			if (parse_ulong("caller-fifo", optarg, 1, 99,
					&o->caller_fifo))
				return EXIT_USAGE;
			prio_given = true;
			break;
		case OPT_INHERIT_RT:
			o->inherit_rt = true;
			prio_given = true;
			break;
		case OPT_PRM_TRACKING:
		case OPT_PRM_BOOST_NS:
			if (prm_parse_opt(c, optarg, &o->prm))
				return EXIT_USAGE;
			prio_given = true;
			break;
		case OPT_HELP:
		case 'h':
			pp_usage(stdout);
			return -1;
		default:
			pp_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		err("pingpong: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (!o->warmup_set)
		o->warmup = o->iters / 10;
	if (o->size &&
	    (o->transport == PP_MINIMAL || o->transport == PP_EVENTFD)) {
		err("--transport %s carries no payload: --size 0 only",
		    pp_transport_names[o->transport]);
		return EXIT_USAGE;
	}
	if (o->opt_given && o->transport != PP_MKIPC) {
		err("%s: for the mkipc transport only",
		    "--no-call, --no-lfq, --no-owaitq, --no-sync, --no-direct, --no-recycle, --naive");
		return EXIT_USAGE;
	}
	if (prio_given && o->transport != PP_MKIPC) {
		err("--caller-nice, --caller-fifo, --inherit-rt, %s",
		    "--priority-tracking, --boost-ns: for mkipc only");
		return EXIT_USAGE;
	}
	if (o->caller_fifo && o->caller_nice_set) {
		err("--caller-fifo and --caller-nice: one or the other");
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_pingpong(int argc, char **argv)
{
	/*
	 * Static: the detached watchdog may look at them until the process
	 * exits, after this function has returned.
	 */
	static struct pp_opts o;
	static struct pp_ctx c;
	struct lat_result r;
	struct utsname uts;
	__u64 *samples = NULL;
	int ret, rc = 1;

	ret = pp_parse(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : ret;

	memset(&c, 0, sizeof(c));
	c.o = &o;
	c.size = o.size;
	c.total = o.warmup + o.iters;
	pp_transport_init(&c);
	if (uname(&uts))
		snprintf(uts.release, sizeof(uts.release), "unknown");
	signal(SIGPIPE, SIG_IGN);

	if (pp_pick_cpus(&o, &c))
		return 1;

	/*
	 * The ABI version goes into every report; only the mkipc transport
	 * needs the module.
	 */
	if (o.transport == PP_MKIPC) {
		c.dev = open_mkipc(&c.ver);
		c.have_ver = c.dev >= 0;
	} else {
		c.dev = mkipc_open();
		if (c.dev >= 0) {
			memset(&c.ver, 0, sizeof(c.ver));
			c.have_ver = !mkipc_version(c.dev, &c.ver);
		}
	}

	/* Everything the run touches is allocated and touched now. */
	c.buflen = sizeof(__u64) + MKIPC_MSG_MAX;
	c.cbuf = calloc(1, c.buflen);
	c.cbuf_rep = calloc(1, c.buflen);
	c.sbuf = calloc(1, c.buflen);
	samples = malloc(o.iters * sizeof(*samples));
	c.sh = mmap(NULL, sizeof(*c.sh), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!c.cbuf || !c.cbuf_rep || !c.sbuf || !samples ||
	    c.sh == MAP_FAILED) {
		err("out of memory for %lu samples", o.iters);
		c.sh = NULL;
		goto out;
	}
	memset(samples, 0, o.iters * sizeof(*samples));
	memset(c.sh, 0, sizeof(*c.sh));

	if (o.transport == PP_MKIPC && prm_apply(&o.prm))
		goto out;
	if (pp_transport_setup(&c))
		goto out;

	/*
	 * The client pins itself (and, for yield, turns SCHED_FIFO) before
	 * the server exists: a SCHED_FIFO client could otherwise starve a
	 * SCHED_OTHER server still on its way to its own setup on that CPU.
	 * The server inherits both and then pins itself to its own CPU.
	 */
	if (pin_cpu(c.cpu_a) || pp_set_caller(&o))
		goto out;
	if (o.transport == PP_YIELD && pp_set_fifo())
		goto out;
	if (pp_start_server(&c))
		goto out;
	if (pp_start_watchdog(&c)) {
		c.stopping = true;
		pp_stop_server(&c, 1);
		goto out;
	}
	lat_timer_cost(&c.timer_med, &c.timer_min);

	kc_take(&c.kc_before);
	ret = pp_client(&c, samples);
	/* The watchdog still guards the stop, but a child may exit now. */
	__atomic_store_n(&c.stopping, true, __ATOMIC_RELEASE);
	if (ret) {
		__atomic_store_n(&c.finished, true, __ATOMIC_RELEASE);
		/*
		 * A server thread may still be blocked on what we would free:
		 * leave it all to the exit that follows. A server process
		 * is killed below.
		 */
		if (o.mode == PP_THREADS) {
			mkipc_param_restore_all();
			return 1;
		}
		goto out;
	}
	ret = pp_stop_server(&c, c.total + 1);
	__atomic_store_n(&c.finished, true, __ATOMIC_RELEASE);
	kc_take(&c.kc_after);
	if (ret)
		goto out;

	if (o.samples && lat_write_samples(o.samples, samples, NULL, o.iters))
		goto out;
	lat_analyze(samples, o.iters, &r);
	if (o.json)
		pp_report_json(&c, &r, uts.release);
	else
		pp_report_text(&c, &r, uts.release);
	rc = 0;
out:
	mkipc_param_restore_all();
	if (c.child > 0 && rc) {
		kill(c.child, SIGKILL);
		waitpid(c.child, NULL, 0);
	}
	pp_transport_close(&c);
	if (c.sh)
		munmap(c.sh, sizeof(*c.sh));
	free(samples);
	free(c.cbuf);
	free(c.cbuf_rep);
	free(c.sbuf);
	return rc;
}

