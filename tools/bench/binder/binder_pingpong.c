// SPDX-License-Identifier: GPL-2.0
/*
 * binder_pingpong: the round trip of a Binder transaction between two
 * processes, the nearest real peer of an mkipc call. A forked child
 * becomes the context manager (handle 0) and answers every BR_TRANSACTION
 * with a BC_REPLY; the parent sends BC_TRANSACTION to handle 0 and waits
 * for BR_REPLY. Everything goes through BINDER_WRITE_READ, as libbinder's
 * IPCThreadState does, without libbinder: a buffer a reply brings is given
 * back (BC_FREE_BUFFER) with the next transaction.
 *
 * The rule is mkipc pingpong's (tools/mkipc/pingpong.c), so that the two
 * compare: ITERS timed round trips after WARMUP untimed ones, each timed
 * with CLOCK_MONOTONIC from before the request is built to after its
 * reply is checked. Request n (n = 1, 2, ...) is transaction code n with,
 * given a payload, first byte (u8)n. The server checks that requests come
 * in order, from the parent, to the node it registered (ptr and cookie),
 * with the size asked for; it answers code n + 1 with the payload's first
 * byte incremented, and the client checks code, size and that byte. The
 * statistics (nearest-rank percentiles), the --samples file, the clock's
 * own cost and the JSON writer are tools/mkipc's lat.c and json.c.
 *
 * Needs /dev/binder (Debian: modprobe binder_linux devices=binder) and a
 * process allowed to become the context manager (the first to ask).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/android/binder.h>

#include "mkipc_util.h"
#include "json.h"
#include "lat.h"
#include "mkipc.h"

#define BP_MAP_SIZE	(1024 * 1024)	/* each process's receive buffers */
#define BP_PAYLOAD_MAX	4096
#define BP_ITERS_MAX	1000000000UL	/* codes stay below BP_STOP_CODE */
#define BP_STOP_CODE	UINT32_MAX	/* the request that ends the server */

/* The context manager's node, as BR_TRANSACTION must name it. */
#define BP_NODE_PTR	0x62696e646572ULL	/* "binder" */
#define BP_NODE_COOKIE	0x636f6f6b6965ULL	/* "cookie" */

struct bp_opts {
	const char *dev;
	unsigned long iters;
	unsigned long warmup;
	bool warmup_set;
	unsigned long size;
	const char *cpus;		/* one, two, any */
	long cpu_a, cpu_b;		/* -1: not given */
	bool json;
	const char *samples;		/* file for the raw samples */
};

/* One process's side: its binder file, mapping and pending commands. */
struct bp_peer {
	int fd;
	void *map;
	int protocol;
	size_t wlen;
	char wbuf[128];		/* at most BC_FREE_BUFFER + BC_TRANSACTION */
	char rbuf[256];
};

static const char bp_help[] =
	"usage: binder_pingpong [options]\n"
	"\n"
	"Binder's round trip between two processes: a forked context manager\n"
	"and a client exchange ITERS timed transactions (after WARMUP untimed\n"
	"ones) through BINDER_WRITE_READ; every reply is checked. The report\n"
	"gives min, avg, p50, p99, max in ns and a log2 histogram, by the rule\n"
	"and in the shape of mkipc pingpong's.\n"
	"\n"
	"  --dev PATH      the binder device (default /dev/binder)\n"
	"  --iters N       timed round trips (default 10000)\n"
	"  --warmup N      untimed round trips first (default 10% of iters)\n"
	"  --size BYTES    payload each way, in the transaction's data buffer\n"
	"                  (default 0, at most " STR(BP_PAYLOAD_MAX) ")\n"
	"  --cpus C        one: both on one CPU (default); two: one CPU each;\n"
	"                  any: not pinned\n"
	"  --cpu-a N       pin the client to CPU N (overrides --cpus)\n"
	"  --cpu-b N       pin the server to CPU N (overrides --cpus)\n"
	"  --cpu N         both on CPU N: --cpu-a N --cpu-b N\n"
	"  --samples FILE  write every timed round trip (ns), one a line, in\n"
	"                  the order they ran\n"
	"  --json          one JSON object on stdout\n"
	"  --help          this text\n"
	"\n"
	"The text report ends with one SUMMARY line holding every parameter and\n"
	"result as key=value. Needs /dev/binder (Debian: modprobe binder_linux\n"
	"devices=binder) and no other context manager on it.\n";

static int bp_open(struct bp_peer *p, const char *dev)
{
	struct binder_version v;

	p->wlen = 0;
	p->fd = open(dev, O_RDWR | O_CLOEXEC);
	if (p->fd < 0) {
		err("%s: %s", dev, strerror(errno));
		return -1;
	}
	if (ioctl(p->fd, BINDER_VERSION, &v) < 0) {
		err("%s: BINDER_VERSION: %s", dev, strerror(errno));
		return -1;
	}
	if (v.protocol_version != BINDER_CURRENT_PROTOCOL_VERSION) {
		err("%s: protocol %d, built for %d", dev, v.protocol_version,
		    BINDER_CURRENT_PROTOCOL_VERSION);
		return -1;
	}
	p->protocol = v.protocol_version;
	/* The driver refuses a writable mapping: the buffers are its own. */
	p->map = mmap(NULL, BP_MAP_SIZE, PROT_READ, MAP_PRIVATE, p->fd, 0);
	if (p->map == MAP_FAILED) {
		err("%s: mmap: %s", dev, strerror(errno));
		return -1;
	}
	return 0;
}

/* Queues command @cmd and its @len bytes of argument for the next write. */
static void bp_put(struct bp_peer *p, __u32 cmd, const void *arg, size_t len)
{
	if (p->wlen + sizeof(cmd) + len > sizeof(p->wbuf))
		abort();	/* the callers queue two commands at most */
	memcpy(p->wbuf + p->wlen, &cmd, sizeof(cmd));
	if (len)
		memcpy(p->wbuf + p->wlen + sizeof(cmd), arg, len);
	p->wlen += sizeof(cmd) + len;
}

/*
 * One BINDER_WRITE_READ: the queued commands, then (@rlen > 0) a read
 * into p->rbuf. Returns the bytes read, or -1 having said why.
 */
static long bp_write_read(struct bp_peer *p, size_t rlen)
{
	struct binder_write_read bwr = {
		.write_size = p->wlen,
		.write_buffer = (uintptr_t)p->wbuf,
		.read_size = rlen,
		.read_buffer = (uintptr_t)p->rbuf,
	};

	while (ioctl(p->fd, BINDER_WRITE_READ, &bwr) < 0) {
		if (errno != EINTR) {
			err("BINDER_WRITE_READ: %s", strerror(errno));
			return -1;
		}
		/*
		 * What was consumed stays consumed; what was read stays read
		 * (the driver goes on at read_buffer + read_consumed).
		 */
		bwr.write_size -= bwr.write_consumed;
		bwr.write_buffer += bwr.write_consumed;
		bwr.write_consumed = 0;
	}
	p->wlen = 0;
	return bwr.read_consumed;
}

/* A return that ends the wait in failure: what it means. */
static const char *bp_failure(__u32 cmd)
{
	switch (cmd) {
	case BR_DEAD_REPLY:
		return "BR_DEAD_REPLY: the other side is gone";
	case BR_FAILED_REPLY:
		return "BR_FAILED_REPLY: the driver refused the transaction";
	case BR_FROZEN_REPLY:
		return "BR_FROZEN_REPLY: the other side is frozen";
	case BR_ERROR:
		return "BR_ERROR";
	case BR_TRANSACTION:
		return "a BR_TRANSACTION where a reply was due";
	case BR_REPLY:
		return "a BR_REPLY where a transaction was due";
	default:
		return "a return this program does not expect";
	}
}

/*
 * Writes the queued commands and reads until @want (BR_TRANSACTION or
 * BR_REPLY) arrives, into *@td; skips BR_NOOP and BR_TRANSACTION_COMPLETE.
 * The driver ends a read with the transaction it hands over: nothing
 * follows it in the buffer. 0, or -1 having said why.
 */
static int bp_wait(struct bp_peer *p, __u32 want,
		   struct binder_transaction_data *td)
{
	size_t off;
	__u32 cmd;
	__s32 e;
	long n;

	for (;;) {
		n = bp_write_read(p, sizeof(p->rbuf));
		if (n < 0)
			return -1;
		for (off = 0; off + sizeof(cmd) <= (size_t)n;) {
			memcpy(&cmd, p->rbuf + off, sizeof(cmd));
			off += sizeof(cmd);
			if (cmd == BR_NOOP || cmd == BR_TRANSACTION_COMPLETE)
				continue;
			if (cmd == want && off + sizeof(*td) <= (size_t)n) {
				memcpy(td, p->rbuf + off, sizeof(*td));
				return 0;
			}
			if (cmd == BR_ERROR && off + sizeof(e) <= (size_t)n) {
				memcpy(&e, p->rbuf + off, sizeof(e));
				err("%s %d (%s)", bp_failure(cmd), e,
				    strerror(-e));
				return -1;
			}
			err("%s (%#x)", bp_failure(cmd), cmd);
			return -1;
		}
	}
}

/* The server's check of request @td, number @want: NULL, or what is off. */
static const char *bp_check_request(const struct bp_opts *o,
				    const struct binder_transaction_data *td,
				    __u32 want, pid_t client)
{
	if (td->target.ptr != BP_NODE_PTR || td->cookie != BP_NODE_COOKIE)
		return "node ptr or cookie not the context manager's";
	if (td->flags & TF_ONE_WAY)
		return "a one-way transaction";
	if (td->sender_pid != client)
		return "a sender not the client";
	if (td->offsets_size)
		return "objects in the data";
	if (td->code == BP_STOP_CODE)
		return td->data_size ? "a stop request with data" : NULL;
	if (td->code != want)
		return "out of order";
	if (td->data_size != o->size)
		return "a size not asked for";
	if (o->size &&
	    *(const __u8 *)(uintptr_t)td->data.ptr.buffer != (__u8)want)
		return "a first byte not its number";
	return NULL;
}

/*
 * The server, in the child: becomes the context manager, says so on
 * @ready, and answers each request until the stop request. Its exit
 * status: 0, or 1 having said why.
 */
static int bp_serve(const struct bp_opts *o, int ready, pid_t client)
{
	struct flat_binder_object node = {
		.hdr.type = BINDER_TYPE_BINDER,
		.binder = BP_NODE_PTR,
		.cookie = BP_NODE_COOKIE,
	};
	struct binder_transaction_data td, rep;
	char sbuf[BP_PAYLOAD_MAX];
	binder_uintptr_t buf;
	struct bp_peer p;
	const char *bad;
	__u32 want = 1;
	char c = 1;

	if (bp_open(&p, o->dev))
		return 1;
	if (ioctl(p.fd, BINDER_SET_CONTEXT_MGR_EXT, &node) < 0) {
		err("%s: BINDER_SET_CONTEXT_MGR_EXT: %s%s", o->dev,
		    strerror(errno), errno == EBUSY ?
		    " (another process is the context manager)" : "");
		return 1;
	}
	bp_put(&p, BC_ENTER_LOOPER, NULL, 0);
	if (write(ready, &c, 1) != 1) {
		err("server: cannot say it is ready: %s", strerror(errno));
		return 1;
	}
	close(ready);
	for (;; want++) {
		if (bp_wait(&p, BR_TRANSACTION, &td)) {
			err("server: waiting for request %u failed", want);
			return 1;
		}
		bad = bp_check_request(o, &td, want, client);
		if (bad) {
			err("server: request %u (code %u, %llu bytes): %s",
			    want, td.code, (__u64)td.data_size, bad);
			return 1;
		}
		/* The reply's bytes are a copy: the mapping is read-only. */
		if (td.data_size) {
			memcpy(sbuf, (const void *)(uintptr_t)td.data.ptr.buffer,
			       td.data_size);
			sbuf[0]++;
		}
		buf = td.data.ptr.buffer;
		bp_put(&p, BC_FREE_BUFFER, &buf, sizeof(buf));
		memset(&rep, 0, sizeof(rep));
		rep.code = td.code == BP_STOP_CODE ? td.code : td.code + 1;
		rep.data_size = td.data_size;
		rep.data.ptr.buffer = (uintptr_t)sbuf;
		bp_put(&p, BC_REPLY, &rep, sizeof(rep));
		if (td.code == BP_STOP_CODE)
			return bp_write_read(&p, 0) < 0;
	}
}

/*
 * The client's check of the reply @rep to request @code: 0, or -1 having
 * said what is off.
 */
static int bp_check_reply(const struct bp_opts *o,
			  const struct binder_transaction_data *rep,
			  __u32 code)
{
	__u32 want = code == BP_STOP_CODE ? code : code + 1;
	size_t size = code == BP_STOP_CODE ? 0 : o->size;
	const __u8 *data = (const __u8 *)(uintptr_t)rep->data.ptr.buffer;

	if (rep->code == want && rep->data_size == size &&
	    !rep->offsets_size && !(rep->flags & TF_STATUS_CODE) &&
	    (!size || data[0] == (__u8)want))
		return 0;
	err("reply to request %u does not match: code %u (want %u), size %llu (want %zu)",
	    code, rep->code, want, (__u64)rep->data_size, size);
	err("  objects %llu (want 0), flags %#x, first byte %d (want %d)",
	    (__u64)rep->offsets_size, rep->flags,
	    rep->data_size ? data[0] : -1, size ? (__u8)want : -1);
	return -1;
}

/* One round trip, request @code with the payload in @cbuf. */
static int bp_round_trip(const struct bp_opts *o, struct bp_peer *p,
			 __u32 code, char *cbuf)
{
	struct binder_transaction_data td, rep;
	binder_uintptr_t buf;

	memset(&td, 0, sizeof(td));
	td.target.handle = 0;
	td.code = code;
	if (code != BP_STOP_CODE && o->size) {
		cbuf[0] = (char)code;
		td.data_size = o->size;
		td.data.ptr.buffer = (uintptr_t)cbuf;
	}
	bp_put(p, BC_TRANSACTION, &td, sizeof(td));
	if (bp_wait(p, BR_REPLY, &rep))
		return -1;
	if (bp_check_reply(o, &rep, code))
		return -1;
	/* The reply's buffer goes back with the next transaction. */
	buf = rep.data.ptr.buffer;
	bp_put(p, BC_FREE_BUFFER, &buf, sizeof(buf));
	return 0;
}

/*
 * Waits for the server. With @kill_it (the run failed) it has a moment
 * to end on its own, as one that gave up on a request does (why the
 * client saw BR_DEAD_REPLY), and is killed after that. 0 if it exited
 * with status 0; else -1, having said how it ended unless we killed it.
 */
static int bp_reap(pid_t child, bool kill_it)
{
	struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	bool killed = false;
	int status, i;
	pid_t got;

	for (i = 0;; i++) {
		got = waitpid(child, &status,
			      kill_it && !killed ? WNOHANG : 0);
		if (got == child)
			break;
		if (got < 0 && errno != EINTR) {
			err("waitpid: %s", strerror(errno));
			return -1;
		}
		if (got < 0)
			continue;
		if (i < 20) {
			nanosleep(&tick, NULL);
		} else {
			kill(child, SIGKILL);
			killed = true;
		}
	}
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	if (WIFEXITED(status))
		err("the server exited with status %d", WEXITSTATUS(status));
	else if (!killed || WTERMSIG(status) != SIGKILL)
		err("the server was killed by signal %d", WTERMSIG(status));
	return -1;
}

/*
 * Forks the server onto CPU @cpu_b and waits until it is the context
 * manager. Its pid, or -1 having said why.
 */
static pid_t bp_start_server(const struct bp_opts *o, int cpu_b)
{
	pid_t parent = getpid(), child;
	int ready[2];
	char c;

	if (pipe(ready)) {
		err("pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	child = fork();
	if (child < 0) {
		err("fork: %s", strerror(errno));
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	if (!child) {
		/* The server dies with the client, whatever ends it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		close(ready[0]);
		if (pin_cpu(cpu_b))
			_exit(1);
		_exit(bp_serve(o, ready[1], parent));
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		err("the server did not start");
		bp_reap(child, false);
		return -1;
	}
	close(ready[0]);
	return child;
}

static void bp_report_text(const struct bp_opts *o, const struct bp_peer *p,
			   int cpu_a, int cpu_b, const char *kernel,
			   const __u64 timer[2],
			   const struct lat_result *r)
{
	printf("# binder_pingpong: %s (protocol %d), two processes,",
	       o->dev, p->protocol);
	printf(" cpus=%s (client CPU %d, server CPU %d)\n", o->cpus, cpu_a,
	       cpu_b);
	printf("# iters=%lu warmup=%lu size=%lu\n", o->iters, o->warmup,
	       o->size);
	printf("# kernel %s\n", kernel);
	lat_print_timer(timer[0], timer[1]);
	lat_print("round trip", r, "samples");
	lat_print_hist(r);
	printf("SUMMARY bench=binder transport=binder mode=procs cpus=%s",
	       o->cpus);
	printf(" cpu_a=%d cpu_b=%d iters=%lu warmup=%lu size=%lu", cpu_a,
	       cpu_b, o->iters, o->warmup, o->size);
	printf(" device=%s kernel=%s timer_ns=%llu", o->dev, kernel,
	       timer[0]);
	lat_summary(r);
	printf("\n");
}

static void bp_report_json(const struct bp_opts *o, int cpu_a, int cpu_b,
			   const char *kernel, const __u64 timer[2],
			   const struct lat_result *r)
{
	struct jw w = { .f = stdout };

	jw_open(&w, NULL, '{');
	jw_str(&w, "command", "binder");
	jw_open(&w, "params", '{');
	jw_str(&w, "transport", "binder");
	jw_str(&w, "mode", "procs");
	jw_str(&w, "cpus", o->cpus);
	jw_i64(&w, "cpu_a", cpu_a);
	jw_i64(&w, "cpu_b", cpu_b);
	jw_u64(&w, "iters", o->iters);
	jw_u64(&w, "warmup", o->warmup);
	jw_u64(&w, "size", o->size);
	jw_str(&w, "kernel", kernel);
	jw_str(&w, "device", o->dev);
	jw_close(&w, '}');
	lat_json_timer(&w, timer[0], timer[1]);
	jw_open(&w, "results", '{');
	lat_json(&w, r);
	lat_json_hist(&w, r);
	jw_close(&w, '}');
	jw_close(&w, '}');
}

/* 0 to run, -1 after --help, else the exit status of a usage error. */
static int bp_parse(int argc, char **argv, struct bp_opts *o)
{
	enum {
		OPT_DEV = 256, OPT_ITERS, OPT_WARMUP, OPT_SIZE, OPT_CPUS,
		OPT_CPU_A, OPT_CPU_B, OPT_CPU, OPT_SAMPLES, OPT_JSON,
		OPT_HELP,
	};
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, OPT_DEV },
		{ "iters", required_argument, NULL, OPT_ITERS },
		{ "warmup", required_argument, NULL, OPT_WARMUP },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "cpu-a", required_argument, NULL, OPT_CPU_A },
		{ "cpu-b", required_argument, NULL, OPT_CPU_B },
		{ "cpu", required_argument, NULL, OPT_CPU },
		{ "samples", required_argument, NULL, OPT_SAMPLES },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, OPT_HELP },
		{ }
	};
	unsigned long v;
	int c;

	*o = (struct bp_opts) {
		.dev = "/dev/binder", .iters = 10000, .cpus = "one",
		.cpu_a = -1, .cpu_b = -1,
	};
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DEV:
			o->dev = optarg;
			break;
		case OPT_ITERS:
			if (parse_ulong("iters", optarg, 1, BP_ITERS_MAX,
					&o->iters))
				return EXIT_USAGE;
			break;
		case OPT_WARMUP:
			if (parse_ulong("warmup", optarg, 0, BP_ITERS_MAX,
					&o->warmup))
				return EXIT_USAGE;
			o->warmup_set = true;
			break;
		case OPT_SIZE:
			if (parse_ulong("size", optarg, 0, BP_PAYLOAD_MAX,
					&o->size))
				return EXIT_USAGE;
			break;
		case OPT_CPUS:
			if (parse_cpus(optarg, &o->cpus))
				return EXIT_USAGE;
			break;
		case OPT_CPU_A:
		case OPT_CPU_B:
		case OPT_CPU:
			if (parse_ulong(c == OPT_CPU ? "cpu" : c == OPT_CPU_A ?
					"cpu-a" : "cpu-b", optarg, 0,
					CPU_SETSIZE - 1, &v))
				return EXIT_USAGE;
			if (c != OPT_CPU_B)
				o->cpu_a = v;
			if (c != OPT_CPU_A)
				o->cpu_b = v;
			break;
		case OPT_SAMPLES:
			o->samples = optarg;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_HELP:
		case 'h':
			fputs(bp_help, stdout);
			return -1;
		default:
			fputs(bp_help, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		err("unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (!o->warmup_set)
		o->warmup = o->iters / 10;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long total, i;
	__u64 timer[2];	/* median, least */
	struct timespec t0, t1;
	struct lat_result r;
	struct utsname uts;
	struct bp_opts o;
	struct bp_peer p;
	cpu_set_t allowed;
	__u64 *samples;
	int cpu_a, cpu_b, ret;
	char *cbuf;
	pid_t srv;

	err_name = "binder_pingpong";
	ret = bp_parse(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (uname(&uts))
		snprintf(uts.release, sizeof(uts.release), "unknown");
	if (pick_cpus(o.cpus, o.cpu_a, o.cpu_b, &cpu_a, &cpu_b, &allowed))
		return 1;

	/* Everything the run touches is allocated and touched now. */
	total = o.warmup + o.iters;
	samples = calloc(o.iters, sizeof(*samples));
	cbuf = calloc(1, BP_PAYLOAD_MAX);
	if (!samples || !cbuf) {
		err("out of memory for %lu samples", o.iters);
		return 1;
	}
	memset(samples, 0, o.iters * sizeof(*samples));

	/* The server inherits the client's CPU, then takes its own. */
	if (pin_cpu(cpu_a))
		return 1;
	srv = bp_start_server(&o, cpu_b);
	if (srv < 0)
		return 1;
	if (bp_open(&p, o.dev))
		goto fail;
	lat_timer_cost(&timer[0], &timer[1]);

	for (i = 0; i < total; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ret = bp_round_trip(&o, &p, i + 1, cbuf);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (ret) {
			err("round trip %lu of %lu failed", i + 1, total);
			goto fail;
		}
		if (i >= o.warmup)
			samples[i - o.warmup] = mkipc_ts_ns(&t1) -
						mkipc_ts_ns(&t0);
	}
	/* The stop request, its reply's buffer back, and the server's end. */
	if (bp_round_trip(&o, &p, BP_STOP_CODE, cbuf) ||
	    bp_write_read(&p, 0) < 0) {
		err("stopping the server failed");
		goto fail;
	}
	if (bp_reap(srv, false))
		return 1;

	if (o.samples && lat_write_samples(o.samples, samples, NULL, o.iters))
		return 1;
	lat_analyze(samples, o.iters, &r);
	if (o.json)
		bp_report_json(&o, cpu_a, cpu_b, uts.release, timer, &r);
	else
		bp_report_text(&o, &p, cpu_a, cpu_b, uts.release, timer, &r);
	if (fflush(stdout)) {
		err("stdout: %s", strerror(errno));
		return 1;
	}
	return 0;
fail:
	bp_reap(srv, true);
	return 1;
}
