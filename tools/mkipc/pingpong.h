/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkipc(tool): mkipc pingpong, what its files share: pingpong.c (options,
 * the client, the server's start and stop, the watchdog),
 * pingpong_peers.c (each transport's round trip and server) and
 * pingpong_report.c (the text and JSON reports).
 */
#ifndef _MKIPC_PINGPONG_H
#define _MKIPC_PINGPONG_H

#include <mqueue.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>

#include <linux/mkipc.h>

#include "kcounters.h"
#include "lat.h"
#include "modparam.h"

#define PP_FIFO_PRIO	10		/* yield: SCHED_FIFO priority */

enum pp_transport {
	PP_MKIPC, PP_FUTEX, PP_YIELD, PP_PIPE, PP_MINIMAL, PP_EVENTFD,
	PP_UNIX, PP_MQ,
};

enum pp_mode { PP_THREADS, PP_PROCS };

/* Their names, as --transport and --mode take them (pingpong.c). */
extern const char * const pp_transport_names[];
extern const char * const pp_mode_names[];

struct pp_opts {
	unsigned long iters;
	unsigned long warmup;
	bool warmup_set;
	enum pp_mode mode;
	enum pp_transport transport;
	const char *cpus;		/* one, two, any */
	long cpu_a, cpu_b;		/* -1: not given / not pinned */
	unsigned long size;
	bool call, lfq, owaitq, sync, direct, recycle; /* optimizations */
	bool opt_given;			/* any of --no-* or --naive */
	bool json, progress;
	const char *samples;		/* file for the raw samples */
	unsigned long stall_s;
	/* priority: the client's, the endpoint's flag, the module's */
	bool caller_nice_set;
	long caller_nice;
	unsigned long caller_fifo;	/* SCHED_FIFO priority; 0: none */
	bool inherit_rt;
	struct prm_prio prm;
};

/* What client and server share: a MAP_SHARED mapping, for procs too. */
struct pp_shared {
	/* futex, yield: the request number, and the server's stop flag */
	__u32 req ____cacheline_aligned;
	__u32 stop;
	/* futex, yield: the reply number, on a line of its own */
	__u32 rep ____cacheline_aligned;
	char req_buf[MKIPC_MSG_MAX] ____cacheline_aligned;
	char rep_buf[MKIPC_MSG_MAX] ____cacheline_aligned;
};

struct pp_ctx;
struct pp_msg_ops;

typedef int (*pp_rt_fn)(struct pp_ctx *c, __u64 seq);

struct pp_ctx {
	const struct pp_opts *o;
	struct pp_shared *sh;
	__u32 size;
	pp_rt_fn rt;			/* the client's round trip */
	int (*server)(struct pp_ctx *c);

	/* mkipc */
	struct mkipc_version ver;
	bool have_ver;
	int dev;
	int req_ep;		/* request endpoint, receive right: server */
	int req_snd;		/* its send-only descriptor: client */
	int rep_ep;		/* --no-call reply endpoint, receive: client */
	int rep_snd;		/* its send-only descriptor: server */
	struct mkipc_ep_info ep_info;	/* of req_ep */
	struct mkipc_ep_info snd_info;	/* of req_snd */
	struct mkipc_call call;		/* client, filled once */
	struct mkipc_send send;		/* client, --no-call */
	struct mkipc_recv recv;		/* client, --no-call */

	/* futex */
	int fwait, fwake;

	/* pipe, unix, mq: how a message (label, payload) goes each way */
	const struct pp_msg_ops *msg;

	/* pipe */
	int req_pipe[2], rep_pipe[2];

	/* unix: a socketpair, [0] the client's end, [1] the server's */
	int sock[2];

	/* mq: the request and the reply queue */
	mqd_t mq_req, mq_rep;

	/* eventfd: the request and the reply counter */
	int efd_req, efd_rep;

	/* minimal */
	int min_fd;

	/* buffers, allocated before the run */
	char *cbuf;		/* client: request */
	char *cbuf_rep;		/* client: reply */
	char *sbuf;		/* server */
	size_t buflen;

	int cpu_a, cpu_b;		/* -1: not pinned */
	cpu_set_t allowed;		/* the CPUs we were started on */
	pid_t child;			/* procs: the server */
	pthread_t server_thread;	/* threads: the server */

	/* watchdog */
	unsigned long done;		/* round trips completed */
	unsigned long total;
	bool stopping;			/* the server is told to stop */
	bool finished;			/* and it has: watchdog, go */

	char detail[256];		/* a failed check, for the report */

	/* two back-to-back clock reads, as every sample holds one */
	__u64 timer_med, timer_min;

	/* debugfs priority counters around the client's loop */
	struct kc_snap kc_before, kc_after;
};

/* Whether the client's priority is given (--caller-nice, --caller-fifo). */
static inline bool pp_prio_given(const struct pp_opts *o)
{
	return o->caller_nice_set || o->caller_fifo;
}

/* pingpong_peers.c */

/* Every descriptor of every transport to -1, before pp_transport_setup(). */
void pp_transport_init(struct pp_ctx *c);

/*
 * Sets up @c's transport: its descriptors, c->rt and c->server; 0, or -1
 * having said why.
 */
int pp_transport_setup(struct pp_ctx *c);

/* Tells the server to stop, the way its transport ends; @seq: next label. */
void pp_transport_stop(struct pp_ctx *c, __u64 seq);

/* Closes what pp_transport_setup() opened (in this process). */
void pp_transport_close(struct pp_ctx *c);

/* The calling thread to SCHED_FIFO at PP_FIFO_PRIO; says why not. */
int pp_set_fifo(void);

/* "recv,send", "send", "none": @rights (MKIPC_RIGHT_*) in @buf. */
const char *pp_rights(__u32 rights, char *buf, size_t size);

/* pingpong_report.c: the report of a run, @r its round trips. */
void pp_report_text(struct pp_ctx *c, const struct lat_result *r,
		    const char *kernel);
void pp_report_json(struct pp_ctx *c, const struct lat_result *r,
		    const char *kernel);

#endif /* _MKIPC_PINGPONG_H */
