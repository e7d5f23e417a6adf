// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc(tool): mkipc pingpong's transports, each a round trip for the
 * client (c->rt), a loop for the server (c->server), their setup and how
 * the server is told to stop. Every round trip ends with pp_check().
 *
 * Transports:
 *  mkipc  call: the client calls (MKIPC_IOC_CALL) on a send-only
 *	   descriptor minted with MKIPC_IOC_EP_SENDER; the server loops on
 *	   MKIPC_IOC_REPLY_RECV answering the previous token. --no-call:
 *	   two endpoints, request and reply; the client sends on the first
 *	   and receives on the second, the server the other way round.
 *	   In procs mode the client process holds only send-only
 *	   descriptors of the request endpoint (and the receive side of
 *	   the reply endpoint); the receive right stays with the child.
 *  futex  two 32-bit words in a shared mapping, request and reply: the
 *	   writer stores the sequence number, FUTEX_WAKEs (always, without
 *	   checking for a waiter) and FUTEX_WAITs on the other word until
 *	   it changes. No spinning. Private futexes for threads.
 *  yield  the cost floor of a hand-off on one CPU: both sides SCHED_FIFO
 *	   at one priority on one CPU; the client stores the request and
 *	   calls sched_yield(), which runs the server; it stores the reply
 *	   and yields back. Two syscalls and two switches a round trip.
 *  pipe   two pipes; a message is the 8-byte label and the payload.
 *  unix   the pipe's messages over a SOCK_SEQPACKET socketpair, one
 *	   message a send and a receive.
 *  mq     the pipe's messages over two POSIX message queues, request
 *	   and reply, each named for this process and unlinked as soon as
 *	   it is open.
 *  eventfd  two eventfds, request and reply: the writer adds 1, the
 *	   reader takes the counter, which must be exactly 1; no label,
 *	   no payload.
 *  minimal  the least an ioctl-based call costs: /dev/mkipc_min
 *	   (tools/bench/minimal, loaded by the benchmark), one word each
 *	   way, stored, a wake_up_interruptible_sync() and a
 *	   wait_event_interruptible(); no payloads.
 * Payloads: mkipc, pipe, unix and mq copy through the kernel; futex and
 * yield copy into and out of the shared mapping, so every transport
 * copies each payload twice each way.
 *
 * The server of pipe, unix and mq ends at the end of its stream (the
 * client closed its end) or on a request labelled STOP_LABEL; eventfd's
 * on a counter of PP_EFD_STOP.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libmkipc.h"
#include "mkipc_util.h"
#include "mkipc_min.h"
#include "mkipc.h"
#include "pingpong.h"

/* ---- scheduling ---- */

int pp_set_fifo(void)
{
	struct mkipc_sched s = {
		.policy = SCHED_FIFO, .prio = PP_FIFO_PRIO,
		.nice = MKIPC_NICE_KEEP,
	};
	int ret;

	ret = mkipc_sched_set(0, &s);
	if (ret)
		err("the yield transport needs SCHED_FIFO: %s%s",
		    strerror(-ret), ret == -EPERM ?
		    " (run as root or with CAP_SYS_NICE)" : "");
	return ret ? -1 : 0;
}

/* ---- I/O helpers ---- */

/* Reads exactly @len bytes; 0 at end of file before any, else -errno. */
static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return got ? -EPIPE : 0;
		got += n;
	}
	return got;
}

static ssize_t write_full(int fd, const void *buf, size_t len)
{
	size_t put = 0;
	ssize_t n;

	while (put < len) {
		n = write(fd, (const char *)buf + put, len - put);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		put += n;
	}
	return put;
}

static long sys_futex(__u32 *uaddr, int op, __u32 val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

/* ---- the check every round trip ends with ---- */

static int pp_mismatch(struct pp_ctx *c, __u64 seq, __u64 label,
		       __u32 size, const char *buf)
{
	snprintf(c->detail, sizeof(c->detail),
		 "reply to request %llu does not match: label %llu (want %llu), size %u (want %u), first byte %d (want %d)",
		 seq, label, seq + 1, size, c->size,
		 size ? (unsigned char)buf[0] : -1,
		 c->size ? (__u8)(seq + 1) : -1);
	return -EPROTO;
}

static inline int pp_check(struct pp_ctx *c, __u64 seq, __u64 label,
			   __u32 size, const char *buf)
{
	if (label != seq + 1 || size != c->size ||
	    (size && (__u8)buf[0] != (__u8)(seq + 1)))
		return pp_mismatch(c, seq, label, size, buf);
	return 0;
}

/* ---- mkipc ---- */

static int pp_mkipc_call_rt(struct pp_ctx *c, __u64 seq)
{
	struct mkipc_call *a = &c->call;
	int ret;

	a->req.label = seq;
	a->rep.size = c->size;
	if (c->size)
		c->cbuf[0] = (char)seq;
	ret = mkipc_call(c->req_snd, a);
	if (ret)
		return ret;
	return pp_check(c, seq, a->rep.label, a->rep.size, c->cbuf_rep);
}

static int pp_mkipc_sendrecv_rt(struct pp_ctx *c, __u64 seq)
{
	int ret;

	c->send.msg.label = seq;
	if (c->size)
		c->cbuf[0] = (char)seq;
	ret = mkipc_send(c->req_snd, &c->send);
	if (ret)
		return ret;
	c->recv.msg.size = c->size;
	ret = mkipc_recv(c->rep_ep, &c->recv);
	if (ret)
		return ret;
	if (c->recv.token) {
		snprintf(c->detail, sizeof(c->detail),
			 "reply to request %llu came with a call token (%#llx)",
			 seq, (__u64)c->recv.token);
		return -EPROTO;
	}
	return pp_check(c, seq, c->recv.msg.label, c->recv.msg.size,
			c->cbuf_rep);
}

/* The server gives up: kill the endpoint, so that the client sees EPIPE. */
static int pp_mkipc_server_fail(struct pp_ctx *c)
{
	mkipc_ep_shutdown(c->req_ep);
	return 1;
}

static int pp_mkipc_call_server(struct pp_ctx *c)
{
	struct mkipc_reply_recv rr;
	int ret;

	memset(&rr, 0, sizeof(rr));
	mkipc_msg_init(&rr.reply.msg, 0, c->sbuf, c->size);
	for (;;) {
		mkipc_msg_init(&rr.recv.msg, 0, c->sbuf, c->size);
		ret = mkipc_reply_recv(c->req_ep, &rr);
		if (ret) {
			err("server: MKIPC_IOC_REPLY_RECV: %s", strerror(-ret));
			return pp_mkipc_server_fail(c);
		}
		if (rr.reply_err) {
			err("server: reply (token %#llx) failed: %s",
			    (__u64)rr.reply.token, strerror(rr.reply_err));
			return pp_mkipc_server_fail(c);
		}
		if (!rr.recv.token) {
			if (rr.recv.msg.label == STOP_LABEL)
				return 0;
			err("server: request %llu came without a token",
			    (__u64)rr.recv.msg.label);
			return pp_mkipc_server_fail(c);
		}
		if (rr.recv.msg.size != c->size) {
			err("server: request %llu has %u bytes, want %u",
			    (__u64)rr.recv.msg.label, rr.recv.msg.size,
			    c->size);
			return pp_mkipc_server_fail(c);
		}
		rr.reply.token = rr.recv.token;
		rr.reply.msg.label = rr.recv.msg.label + 1;
		if (c->size)
			c->sbuf[0]++;
	}
}

static int pp_mkipc_sendrecv_server(struct pp_ctx *c)
{
	struct mkipc_recv rv;
	struct mkipc_send sd;
	int ret;

	memset(&rv, 0, sizeof(rv));
	memset(&sd, 0, sizeof(sd));
	mkipc_msg_init(&sd.msg, 0, c->sbuf, c->size);
	for (;;) {
		mkipc_msg_init(&rv.msg, 0, c->sbuf, c->size);
		ret = mkipc_recv(c->req_ep, &rv);
		if (ret) {
			err("server: MKIPC_IOC_RECV: %s", strerror(-ret));
			return pp_mkipc_server_fail(c);
		}
		if (rv.msg.label == STOP_LABEL)
			return 0;
		if (rv.token || rv.msg.size != c->size) {
			err("server: request %llu: token %#llx, %u bytes (want no token, %u bytes)",
			    (__u64)rv.msg.label, (__u64)rv.token,
			    rv.msg.size, c->size);
			return pp_mkipc_server_fail(c);
		}
		sd.msg.label = rv.msg.label + 1;
		if (c->size)
			c->sbuf[0]++;
		ret = mkipc_send(c->rep_snd, &sd);
		if (ret) {
			err("server: MKIPC_IOC_SEND: %s", strerror(-ret));
			return pp_mkipc_server_fail(c);
		}
	}
}

const char *pp_rights(__u32 rights, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s",
		 rights & MKIPC_RIGHT_RECV ? "recv" : "",
		 (rights & MKIPC_RIGHT_RECV) && (rights & MKIPC_RIGHT_SEND) ?
		 "," : "", rights & MKIPC_RIGHT_SEND ? "send" : "");
	if (!*buf)
		snprintf(buf, size, "none");
	return buf;
}

static int pp_mkipc_setup(struct pp_ctx *c)
{
	const struct pp_opts *o = c->o;
	__u32 flags = MKIPC_EP_CLOEXEC, want;
	char r1[16], r2[16];
	int ret;

	if (!c->have_ver)
		return -1;
	if (!(c->ver.features & MKIPC_FEAT_ENDPOINTS) ||
	    (o->call && !(c->ver.features & MKIPC_FEAT_CALL))) {
		err("the loaded module lacks %s (features %#llx)",
		    !(c->ver.features & MKIPC_FEAT_ENDPOINTS) ?
		    "endpoints" : "call/reply_recv (try --no-call)",
		    (__u64)c->ver.features);
		return -1;
	}
	if (c->size > c->ver.max_msg_size) {
		err("--size %u: the module's largest message is %u bytes",
		    c->size, c->ver.max_msg_size);
		return -1;
	}
	if (!o->lfq)
		flags |= MKIPC_EP_QUEUE_SPIN;
	if (!o->owaitq)
		flags |= MKIPC_EP_WAITQ_STOCK;
	if (!o->sync)
		flags |= MKIPC_EP_WAKE_PLAIN;
	if (!o->direct)
		flags |= MKIPC_EP_NO_DIRECT;
	if (!o->recycle)
		flags |= MKIPC_EP_NO_RECYCLE;
	if (o->inherit_rt)
		flags |= MKIPC_EP_INHERIT_RT;
	want = flags & ~MKIPC_EP_CLOEXEC;

	c->req_ep = mkipc_ep_create(c->dev, flags, 0, NULL);
	if (c->req_ep < 0) {
		err("MKIPC_IOC_EP_CREATE (flags %#x): %s", flags,
		    strerror(-c->req_ep));
		return -1;
	}
	c->req_snd = mkipc_ep_sender(c->req_ep, MKIPC_EP_CLOEXEC);
	if (c->req_snd < 0) {
		err("MKIPC_IOC_EP_SENDER: %s", strerror(-c->req_snd));
		return -1;
	}
	if (!o->call) {
		c->rep_ep = mkipc_ep_create(c->dev, flags, 0, NULL);
		if (c->rep_ep < 0) {
			err("MKIPC_IOC_EP_CREATE (reply endpoint): %s",
			    strerror(-c->rep_ep));
			return -1;
		}
		c->rep_snd = mkipc_ep_sender(c->rep_ep, MKIPC_EP_CLOEXEC);
		if (c->rep_snd < 0) {
			err("MKIPC_IOC_EP_SENDER (reply endpoint): %s",
			    strerror(-c->rep_snd));
			return -1;
		}
	}

	/* What the endpoint really runs on, and what each side may do. */
	memset(&c->ep_info, 0, sizeof(c->ep_info));
	memset(&c->snd_info, 0, sizeof(c->snd_info));
	ret = mkipc_ep_info(c->req_ep, &c->ep_info);
	if (!ret)
		ret = mkipc_ep_info(c->req_snd, &c->snd_info);
	if (ret) {
		err("MKIPC_IOC_EP_INFO: %s", strerror(-ret));
		return -1;
	}
	if ((c->ep_info.flags & want) != want) {
		err("endpoint %llu runs with flags %#x, asked for %#x",
		    (__u64)c->ep_info.id, c->ep_info.flags, want);
		return -1;
	}
	if (c->ep_info.rights != (MKIPC_RIGHT_SEND | MKIPC_RIGHT_RECV) ||
	    c->snd_info.rights != MKIPC_RIGHT_SEND ||
	    c->snd_info.id != c->ep_info.id) {
		err("wrong rights: creator's %s (endpoint %llu), minted %s (endpoint %llu)",
		    pp_rights(c->ep_info.rights, r1, sizeof(r1)),
		    (__u64)c->ep_info.id,
		    pp_rights(c->snd_info.rights, r2, sizeof(r2)),
		    (__u64)c->snd_info.id);
		return -1;
	}

	memset(&c->call, 0, sizeof(c->call));
	mkipc_msg_init(&c->call.req, 0, c->cbuf, c->size);
	mkipc_msg_init(&c->call.rep, 0, c->cbuf_rep, c->size);
	memset(&c->send, 0, sizeof(c->send));
	mkipc_msg_init(&c->send.msg, 0, c->cbuf, c->size);
	memset(&c->recv, 0, sizeof(c->recv));
	mkipc_msg_init(&c->recv.msg, 0, c->cbuf_rep, c->size);
	c->rt = o->call ? pp_mkipc_call_rt : pp_mkipc_sendrecv_rt;
	c->server = o->call ? pp_mkipc_call_server : pp_mkipc_sendrecv_server;
	return 0;
}

static void pp_mkipc_stop(struct pp_ctx *c)
{
	struct mkipc_send sd;
	int ret;

	memset(&sd, 0, sizeof(sd));
	sd.msg.label = STOP_LABEL;
	ret = mkipc_send(c->req_snd, &sd);
	if (!ret)
		return;
	err("sending the stop message: %s", strerror(-ret));
	/* Then the server must not wait for it: end it otherwise. */
	if (c->o->mode == PP_THREADS)
		mkipc_ep_shutdown(c->req_ep);
	else
		kill(c->child, SIGKILL);
}

/* ---- minimal ---- */

#define PP_MIN_STOP	MKIPC_MIN_WORD_MAX

static int pp_min_rt(struct pp_ctx *c, __u64 seq)
{
	long ret = ioctl(c->min_fd, MKIPC_MIN_CALL, (unsigned long)seq);

	if (ret < 0)
		return -errno;
	return pp_check(c, seq, ret, 0, NULL);
}

static int pp_min_server(struct pp_ctx *c)
{
	long req = ioctl(c->min_fd, MKIPC_MIN_RECV, 0);

	for (;;) {
		if (req < 0) {
			err("server: %s: %s", MKIPC_MIN_DEVICE,
			    strerror(errno));
			return 1;
		}
		if ((unsigned long)req == PP_MIN_STOP) {
			if (ioctl(c->min_fd, MKIPC_MIN_REPLY, PP_MIN_STOP) < 0) {
				err("server: %s: %s", MKIPC_MIN_DEVICE,
				    strerror(errno));
				return 1;
			}
			return 0;
		}
		req = ioctl(c->min_fd, MKIPC_MIN_REPLY_RECV,
			    (unsigned long)req + 1);
	}
}

static int pp_min_setup(struct pp_ctx *c)
{
	if (c->total + 1 >= PP_MIN_STOP) {
		err("--transport minimal: at most %lu round trips in all",
		    PP_MIN_STOP - 2);
		return -1;
	}
	c->min_fd = open("/dev/" MKIPC_MIN_DEVICE, O_RDWR | O_CLOEXEC);
	if (c->min_fd < 0) {
		err("/dev/%s: %s (insmod tools/bench/minimal/mkipc_min.ko)",
		    MKIPC_MIN_DEVICE, strerror(errno));
		return -1;
	}
	c->rt = pp_min_rt;
	c->server = pp_min_server;
	return 0;
}

static void pp_min_stop(struct pp_ctx *c)
{
	/* The server answers the stop word, then ends. */
	if (ioctl(c->min_fd, MKIPC_MIN_CALL, PP_MIN_STOP) < 0)
		err("stopping the server: %s", strerror(errno));
}

/* ---- futex and yield: the shared mapping ---- */

/*
 * The client's request @seq: its payload into the mapping, then its
 * number, a release store that the server's acquire load of sh->req
 * pairs with, so the server reads the payload whole.
 */
static inline void pp_shared_request(struct pp_ctx *c, __u64 seq)
{
	if (c->size) {
		c->cbuf[0] = (char)seq;
		memcpy(c->sh->req_buf, c->cbuf, c->size);
	}
	__atomic_store_n(&c->sh->req, (__u32)seq, __ATOMIC_RELEASE);
}

/*
 * The server's answer to request @v: the payload, incremented, into the
 * mapping, then the reply's number (release; the client's acquire load
 * of sh->rep pairs with it).
 */
static inline void pp_shared_answer(struct pp_ctx *c, __u32 v)
{
	if (c->size) {
		memcpy(c->sbuf, c->sh->req_buf, c->size);
		c->sbuf[0]++;
		memcpy(c->sh->rep_buf, c->sbuf, c->size);
	}
	__atomic_store_n(&c->sh->rep, v + 1, __ATOMIC_RELEASE);
}

/* The client takes reply @v to request @seq and checks it. */
static inline int pp_shared_reply(struct pp_ctx *c, __u64 seq, __u32 v)
{
	__u32 want = (__u32)(seq + 1);

	if (c->size)
		memcpy(c->cbuf_rep, c->sh->rep_buf, c->size);
	/* The word holds the label's low 32 bits; compare those. */
	return pp_check(c, seq, seq + 1 - want + v, c->size, c->cbuf_rep);
}

/* ---- futex ---- */

static int pp_futex_rt(struct pp_ctx *c, __u64 seq)
{
	struct pp_shared *sh = c->sh;
	__u32 want = (__u32)(seq + 1), v;

	pp_shared_request(c, seq);
	if (sys_futex(&sh->req, c->fwake, 1) < 0)
		return -errno;
	while ((v = __atomic_load_n(&sh->rep, __ATOMIC_ACQUIRE)) != want) {
		if (sys_futex(&sh->rep, c->fwait, v) < 0 &&
		    errno != EAGAIN && errno != EINTR)
			return -errno;
	}
	return pp_shared_reply(c, seq, v);
}

static int pp_futex_server(struct pp_ctx *c)
{
	struct pp_shared *sh = c->sh;
	__u32 last = 0, v;

	for (;;) {
		while ((v = __atomic_load_n(&sh->req, __ATOMIC_ACQUIRE)) ==
		       last) {
			if (sys_futex(&sh->req, c->fwait, last) < 0 &&
			    errno != EAGAIN && errno != EINTR) {
				err("server: FUTEX_WAIT: %s", strerror(errno));
				return 1;
			}
		}
		if (__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE))
			return 0;
		last = v;
		pp_shared_answer(c, v);
		if (sys_futex(&sh->rep, c->fwake, 1) < 0) {
			err("server: FUTEX_WAKE: %s", strerror(errno));
			return 1;
		}
	}
}

static void pp_futex_stop(struct pp_ctx *c, __u64 seq)
{
	__atomic_store_n(&c->sh->stop, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&c->sh->req, (__u32)seq, __ATOMIC_RELEASE);
	if (c->o->transport == PP_FUTEX)
		sys_futex(&c->sh->req, c->fwake, 1);
}

/* ---- yield ---- */

static int pp_yield_rt(struct pp_ctx *c, __u64 seq)
{
	struct pp_shared *sh = c->sh;
	__u32 want = (__u32)(seq + 1), v;

	pp_shared_request(c, seq);
	do {
		sched_yield();
	} while ((v = __atomic_load_n(&sh->rep, __ATOMIC_ACQUIRE)) != want);
	return pp_shared_reply(c, seq, v);
}

static int pp_yield_server(struct pp_ctx *c)
{
	struct pp_shared *sh = c->sh;
	__u32 last = 0, v;

	if (pp_set_fifo())
		return 1;
	for (;;) {
		while ((v = __atomic_load_n(&sh->req, __ATOMIC_ACQUIRE)) ==
		       last)
			sched_yield();
		if (__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE))
			return 0;
		last = v;
		pp_shared_answer(c, v);
	}
}

/* ---- pipe, unix and mq: a message is the label and the payload ---- */

/*
 * How a message transport moves a message; @server picks the side whose
 * descriptors are used. send() sends @len bytes: @len or -errno. recv()
 * takes one message into @buf: its length (@want bytes of a byte stream;
 * of a message transport, what was sent, even past @cap, which it does
 * not write beyond), 0 at the end of the stream, or -errno.
 */
struct pp_msg_ops {
	const char *send_name, *recv_name;	/* for the server's errors */
	ssize_t (*send)(struct pp_ctx *c, bool server, const char *buf,
			size_t len);
	ssize_t (*recv)(struct pp_ctx *c, bool server, char *buf, size_t want,
			size_t cap);
	void (*stop)(struct pp_ctx *c);
};

/* A message's length: the label, then the payload. */
static inline size_t pp_msg_len(const struct pp_ctx *c)
{
	return sizeof(__u64) + c->size;
}

static int pp_msg_rt(struct pp_ctx *c, __u64 seq)
{
	size_t len = pp_msg_len(c);
	__u64 label;
	ssize_t n;

	memcpy(c->cbuf, &seq, sizeof(seq));
	if (c->size)
		c->cbuf[sizeof(seq)] = (char)seq;
	n = c->msg->send(c, false, c->cbuf, len);
	if (n < 0)
		return n;
	n = c->msg->recv(c, false, c->cbuf_rep, len, c->buflen);
	if (n <= 0)
		return n ? n : -EPIPE;
	if ((size_t)n < sizeof(label)) {
		snprintf(c->detail, sizeof(c->detail),
			 "reply to request %llu is %zd bytes, shorter than a label",
			 seq, n);
		return -EPROTO;
	}
	memcpy(&label, c->cbuf_rep, sizeof(label));
	return pp_check(c, seq, label, n - sizeof(label),
			c->cbuf_rep + sizeof(label));
}

static int pp_msg_server(struct pp_ctx *c)
{
	const struct pp_msg_ops *m = c->msg;
	size_t len = pp_msg_len(c);
	__u64 label;
	ssize_t n;

	for (;;) {
		n = m->recv(c, true, c->sbuf, len, c->buflen);
		if (n == 0)
			return 0;	/* the client closed: stop */
		if (n < 0) {
			err("server: %s: %s", m->recv_name, strerror(-n));
			return 1;
		}
		if ((size_t)n != len) {
			err("server: request of %zd bytes, want %zu", n, len);
			return 1;
		}
		memcpy(&label, c->sbuf, sizeof(label));
		if (label == STOP_LABEL)
			return 0;
		label++;
		memcpy(c->sbuf, &label, sizeof(label));
		if (c->size)
			c->sbuf[sizeof(label)]++;
		n = m->send(c, true, c->sbuf, len);
		if (n < 0) {
			err("server: %s: %s", m->send_name, strerror(-n));
			return 1;
		}
	}
}

/* The client's last message: label STOP_LABEL, the server ends on it. */
static void pp_msg_send_stop(struct pp_ctx *c)
{
	__u64 label = STOP_LABEL;
	ssize_t n;

	memcpy(c->cbuf, &label, sizeof(label));
	n = c->msg->send(c, false, c->cbuf, pp_msg_len(c));
	if (n < 0)
		err("sending the stop message: %s", strerror(-n));
}

/* pipe: request pipe client to server, reply pipe back; byte streams. */

static ssize_t pp_pipe_send(struct pp_ctx *c, bool server, const char *buf,
			    size_t len)
{
	return write_full(server ? c->rep_pipe[1] : c->req_pipe[1], buf, len);
}

static ssize_t pp_pipe_recv(struct pp_ctx *c, bool server, char *buf,
			    size_t want, size_t cap)
{
	(void)cap;
	return read_full(server ? c->req_pipe[0] : c->rep_pipe[0], buf, want);
}

static void pp_pipe_stop(struct pp_ctx *c)
{
	/* the server reads the end of the file: it stops */
	close_fd(&c->req_pipe[1]);
}

static const struct pp_msg_ops pp_pipe_ops = {
	.send_name = "write", .recv_name = "read",
	.send = pp_pipe_send, .recv = pp_pipe_recv, .stop = pp_pipe_stop,
};

/*
 * unix: SOCK_SEQPACKET, not SOCK_STREAM, so that a message is one send
 * and one receive, its bounds kept (no loop over short reads as a
 * stream's), and it is reliable and in order, unlike SOCK_DGRAM. One
 * socketpair carries both ways.
 */

static ssize_t pp_unix_send(struct pp_ctx *c, bool server, const char *buf,
			    size_t len)
{
	ssize_t n;

	/* sock[0] is the client's end, sock[1] the server's */
	do {
		n = send(c->sock[server], buf, len, 0);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static ssize_t pp_unix_recv(struct pp_ctx *c, bool server, char *buf,
			    size_t want, size_t cap)
{
	ssize_t n;

	(void)want;
	/* MSG_TRUNC: the message's real length, should it not fit */
	do {
		n = recv(c->sock[server], buf, cap, MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static void pp_unix_stop(struct pp_ctx *c)
{
	/* the server receives the end of the stream: it stops */
	close_fd(&c->sock[0]);
}

static const struct pp_msg_ops pp_unix_ops = {
	.send_name = "send", .recv_name = "recv",
	.send = pp_unix_send, .recv = pp_unix_recv, .stop = pp_unix_stop,
};

static int pp_unix_setup(struct pp_ctx *c)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->sock)) {
		err("socketpair(AF_UNIX, SOCK_SEQPACKET): %s",
		    strerror(errno));
		return -1;
	}
	c->msg = &pp_unix_ops;
	return 0;
}

/* mq: a queue has no end of stream; the stop message ends the server. */

static ssize_t pp_mq_send(struct pp_ctx *c, bool server, const char *buf,
			  size_t len)
{
	mqd_t q = server ? c->mq_rep : c->mq_req;
	int ret;

	do {
		ret = mq_send(q, buf, len, 0);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : (ssize_t)len;
}

static ssize_t pp_mq_recv(struct pp_ctx *c, bool server, char *buf,
			  size_t want, size_t cap)
{
	mqd_t q = server ? c->mq_req : c->mq_rep;
	ssize_t n;

	(void)want;
	do {
		n = mq_receive(q, buf, cap, NULL);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static const struct pp_msg_ops pp_mq_ops = {
	.send_name = "mq_send", .recv_name = "mq_receive",
	.send = pp_mq_send, .recv = pp_mq_recv, .stop = pp_msg_send_stop,
};

/*
 * A new queue "/mkipc-pp-PID-@what" into *@q, for one message of label
 * and payload at a time: a round trip never has more in flight. The name
 * is unlinked at once, before the server exists: the descriptor keeps
 * the queue, the server thread shares it and a server process inherits
 * it, and nothing is left in /dev/mqueue however the run ends.
 */
static int pp_mq_open(struct pp_ctx *c, const char *what, mqd_t *q)
{
	struct mq_attr attr = {
		.mq_maxmsg = 1,
		.mq_msgsize = pp_msg_len(c),
	};
	char name[64];

	snprintf(name, sizeof(name), "/mkipc-pp-%d-%s", (int)getpid(), what);
	*q = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600,
		     &attr);
	if (*q == (mqd_t)-1) {
		err("mq_open %s: %s%s", name, strerror(errno),
		    errno == EEXIST ?
		    " (left by a run that died? remove it from /dev/mqueue)" :
		    "");
		return -1;
	}
	mq_unlink(name);
	return 0;
}

static int pp_mq_setup(struct pp_ctx *c)
{
	if (pp_mq_open(c, "req", &c->mq_req) ||
	    pp_mq_open(c, "rep", &c->mq_rep))
		return -1;
	c->msg = &pp_mq_ops;
	return 0;
}

static void pp_mq_close(mqd_t *q)
{
	if (*q != (mqd_t)-1)
		mq_close(*q);
	*q = (mqd_t)-1;
}

/* ---- eventfd ---- */

/* The request counter that ends the server: never a round trip's 1. */
#define PP_EFD_STOP	0x100000000ULL

static int pp_efd_rt(struct pp_ctx *c, __u64 seq)
{
	__u64 v = 1;
	ssize_t n;

	n = write_full(c->efd_req, &v, sizeof(v));
	if (n < 0)
		return n;
	n = read_full(c->efd_rep, &v, sizeof(v));
	if (n <= 0)
		return n ? n : -EPIPE;
	if (v != 1) {
		snprintf(c->detail, sizeof(c->detail),
			 "reply to request %llu: the reply eventfd read %llu, want 1",
			 seq, v);
		return -EPROTO;
	}
	return 0;
}

static int pp_efd_server(struct pp_ctx *c)
{
	__u64 v;
	ssize_t n;

	for (;;) {
		n = read_full(c->efd_req, &v, sizeof(v));
		if (n <= 0) {
			err("server: read: %s", strerror(n ? -n : EPIPE));
			return 1;
		}
		if (v == PP_EFD_STOP)
			return 0;
		if (v != 1) {
			err("server: the request eventfd read %llu, want 1", v);
			return 1;
		}
		n = write_full(c->efd_rep, &v, sizeof(v));
		if (n < 0) {
			err("server: write: %s", strerror(-n));
			return 1;
		}
	}
}

static int pp_efd_setup(struct pp_ctx *c)
{
	c->efd_req = eventfd(0, EFD_CLOEXEC);
	c->efd_rep = eventfd(0, EFD_CLOEXEC);
	if (c->efd_req < 0 || c->efd_rep < 0) {
		err("eventfd: %s", strerror(errno));
		return -1;
	}
	c->rt = pp_efd_rt;
	c->server = pp_efd_server;
	return 0;
}

static void pp_efd_stop(struct pp_ctx *c)
{
	__u64 v = PP_EFD_STOP;
	ssize_t n;

	n = write_full(c->efd_req, &v, sizeof(v));
	if (n < 0)
		err("stopping the server: %s", strerror(-n));
}

/* ---- all of them ---- */

void pp_transport_init(struct pp_ctx *c)
{
	c->dev = -1;
	c->req_ep = -1;
	c->req_snd = -1;
	c->rep_ep = -1;
	c->rep_snd = -1;
	c->min_fd = -1;
	c->req_pipe[0] = -1;
	c->req_pipe[1] = -1;
	c->rep_pipe[0] = -1;
	c->rep_pipe[1] = -1;
	c->sock[0] = -1;
	c->sock[1] = -1;
	c->mq_req = (mqd_t)-1;
	c->mq_rep = (mqd_t)-1;
	c->efd_req = -1;
	c->efd_rep = -1;
}

/* The transport's own setup, then c->rt and c->server. */
static int pp_transport_open(struct pp_ctx *c)
{
	switch (c->o->transport) {
	case PP_MKIPC:
		return pp_mkipc_setup(c);
	case PP_FUTEX:
		c->fwait = FUTEX_WAIT;
		c->fwake = FUTEX_WAKE;
		if (c->o->mode == PP_THREADS) {
			c->fwait |= FUTEX_PRIVATE_FLAG;
			c->fwake |= FUTEX_PRIVATE_FLAG;
		}
		c->rt = pp_futex_rt;
		c->server = pp_futex_server;
		return 0;
	case PP_YIELD:
		c->rt = pp_yield_rt;
		c->server = pp_yield_server;
		return 0;
	case PP_MINIMAL:
		return pp_min_setup(c);
	case PP_EVENTFD:
		return pp_efd_setup(c);
	case PP_PIPE:
		if (pipe2(c->req_pipe, O_CLOEXEC) ||
		    pipe2(c->rep_pipe, O_CLOEXEC)) {
			err("pipe2: %s", strerror(errno));
			return -1;
		}
		c->msg = &pp_pipe_ops;
		return 0;
	case PP_UNIX:
		return pp_unix_setup(c);
	case PP_MQ:
		return pp_mq_setup(c);
	}
	return -1;
}

int pp_transport_setup(struct pp_ctx *c)
{
	if (pp_transport_open(c))
		return -1;
	if (c->msg) {
		c->rt = pp_msg_rt;
		c->server = pp_msg_server;
	}
	return 0;
}

void pp_transport_stop(struct pp_ctx *c, __u64 seq)
{
	switch (c->o->transport) {
	case PP_MKIPC:
		pp_mkipc_stop(c);
		break;
	case PP_FUTEX:
	case PP_YIELD:
		pp_futex_stop(c, seq);
		break;
	case PP_PIPE:
	case PP_UNIX:
	case PP_MQ:
		c->msg->stop(c);
		break;
	case PP_EVENTFD:
		pp_efd_stop(c);
		break;
	case PP_MINIMAL:
		pp_min_stop(c);
		break;
	}
}

void pp_transport_close(struct pp_ctx *c)
{
	close_fd(&c->req_snd);
	close_fd(&c->req_ep);
	close_fd(&c->rep_snd);
	close_fd(&c->rep_ep);
	close_fd(&c->dev);
	close_fd(&c->min_fd);
	close_fd(&c->req_pipe[0]);
	close_fd(&c->req_pipe[1]);
	close_fd(&c->rep_pipe[0]);
	close_fd(&c->rep_pipe[1]);
	close_fd(&c->sock[0]);
	close_fd(&c->sock[1]);
	pp_mq_close(&c->mq_req);
	pp_mq_close(&c->mq_rep);
	close_fd(&c->efd_req);
	close_fd(&c->efd_rep);
}
