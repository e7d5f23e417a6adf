/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mkipc ioctls as the selftests make them: through libmkipc
 * (tools/libmkipc/libmkipc.h), which returns 0, a new descriptor or
 * -errno, and leaves errno as the ioctl set it. The helpers below only
 * fill a uapi structure and make one libmkipc call, with the same return
 * convention; every test file uses these, with these signatures.
 *
 * Also the ABI's layout, checked when a test is built: a structure of
 * include/uapi/linux/mkipc.h that changes size or moves a 64-bit field
 * fails the build here before any test runs against a module.
 */
#ifndef _MKIPC_EP_UTIL_H
#define _MKIPC_EP_UTIL_H

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/mkipc.h>

#include "libmkipc.h"

#define MS		1000000ULL		/* ns per ms */
#define SEC		1000000000ULL		/* ns per s */
/* Longest an operation that should finish may take, even under TCG. */
#define WATCHDOG_MS	30000
#define WATCHDOG_NS	(WATCHDOG_MS * MS)

/* ---- the ABI's layout: sizes, and offsets of 64-bit fields ---- */

static_assert(sizeof(struct mkipc_version) == 56, "mkipc_version size");
static_assert(offsetof(struct mkipc_version, features) == 8,
	      "mkipc_version.features offset");
static_assert(offsetof(struct mkipc_version, reserved) == 24,
	      "mkipc_version.reserved offset");
static_assert(sizeof(struct mkipc_ep_create) == 40, "mkipc_ep_create size");
static_assert(offsetof(struct mkipc_ep_create, id) == 16,
	      "mkipc_ep_create.id offset");
static_assert(sizeof(struct mkipc_ep_sender) == 24, "mkipc_ep_sender size");
static_assert(offsetof(struct mkipc_ep_sender, reserved) == 8,
	      "mkipc_ep_sender.reserved offset");
static_assert(sizeof(struct mkipc_ep_info) == 64, "mkipc_ep_info size");
static_assert(offsetof(struct mkipc_ep_info, reserved) == 32,
	      "mkipc_ep_info.reserved offset");
static_assert(sizeof(struct mkipc_msg) == 24, "mkipc_msg size");
static_assert(offsetof(struct mkipc_msg, data) == 8,
	      "mkipc_msg.data offset");
static_assert(offsetof(struct mkipc_msg, size) == 16,
	      "mkipc_msg.size offset");
static_assert(sizeof(struct mkipc_sender) == 16, "mkipc_sender size");
static_assert(sizeof(struct mkipc_send) == 56, "mkipc_send size");
static_assert(offsetof(struct mkipc_send, timeout_ns) == 32,
	      "mkipc_send.timeout_ns offset");
static_assert(sizeof(struct mkipc_recv) == 80, "mkipc_recv size");
static_assert(offsetof(struct mkipc_recv, token) == 40,
	      "mkipc_recv.token offset");
static_assert(offsetof(struct mkipc_recv, timeout_ns) == 56,
	      "mkipc_recv.timeout_ns offset");
static_assert(sizeof(struct mkipc_call) == 80, "mkipc_call size");
static_assert(offsetof(struct mkipc_call, rep) == 24,
	      "mkipc_call.rep offset");
static_assert(offsetof(struct mkipc_call, timeout_ns) == 56,
	      "mkipc_call.timeout_ns offset");
static_assert(sizeof(struct mkipc_reply) == 48, "mkipc_reply size");
static_assert(offsetof(struct mkipc_reply, msg) == 8,
	      "mkipc_reply.msg offset");
static_assert(sizeof(struct mkipc_reply_recv) == 136,
	      "mkipc_reply_recv size");
static_assert(offsetof(struct mkipc_reply_recv, recv) == 48,
	      "mkipc_reply_recv.recv offset");
static_assert(offsetof(struct mkipc_reply_recv, reply_err) == 128,
	      "mkipc_reply_recv.reply_err offset");

/*
 * An ioctl as the kernel sees it, for the tests of the raw contract only:
 * ioctl numbers libmkipc has no call for (ENOTTY), and arguments its calls
 * cannot express (a NULL or bad pointer where it builds the structure,
 * reserved fields of create and sender). Its result or -errno, as
 * libmkipc's calls return it.
 */
static inline long raw_ioctl(int fd, unsigned long cmd, void *arg)
{
	long r = ioctl(fd, cmd, arg);

	return r < 0 ? -errno : r;
}

/* ---- one libmkipc call each, on a structure filled here ---- */

/* EP_INFO into @info, poisoned first: every field must be written. */
static inline int ep_info(int fd, struct mkipc_ep_info *info)
{
	memset(info, 0xa5, sizeof(*info));
	return mkipc_ep_info(fd, info);
}

/* Queued messages now, or -errno. */
static inline long ep_queued(int fd)
{
	struct mkipc_ep_info info;
	int r = ep_info(fd, &info);

	return r ? r : info.queued;
}

/* Whether the endpoint is dead (1) or not (0), or -errno. */
static inline int ep_dead(int fd)
{
	struct mkipc_ep_info info;
	int r = ep_info(fd, &info);

	return r ? r : (int)info.dead;
}

static inline int ep_send(int fd, __u64 label, const void *data, __u32 size,
			  __u32 flags, __u64 timeout_ns)
{
	struct mkipc_send s;

	memset(&s, 0, sizeof(s));
	mkipc_msg_init(&s.msg, label, data, size);
	s.flags = flags;
	s.timeout_ns = timeout_ns;
	return mkipc_send(fd, &s);
}

/* Sends @n empty messages labelled @label, @label + 1, ... */
static inline int send_n(int fd, __u64 label, int n)
{
	int i, r = 0;

	for (i = 0; i < n && !r; i++)
		r = ep_send(fd, label + i, NULL, 0, 0, 0);
	return r;
}

/* A receive into @buf of @cap bytes (@buf may be NULL when @cap is 0). */
static inline void recv_init(struct mkipc_recv *r, void *buf, __u32 cap,
			     __u32 flags, __u64 timeout_ns)
{
	memset(r, 0, sizeof(*r));
	mkipc_msg_init(&r->msg, 0, buf, cap);
	r->flags = flags;
	r->timeout_ns = timeout_ns;
}

static inline int ep_recv(int fd, struct mkipc_recv *r, void *buf,
			  __u32 cap, __u32 flags, __u64 timeout_ns)
{
	recv_init(r, buf, cap, flags, timeout_ns);
	return mkipc_recv(fd, r);
}

/* A receive that must find a message soon. */
static inline int ep_take(int fd, struct mkipc_recv *r, void *buf,
			  __u32 cap)
{
	return ep_recv(fd, r, buf, cap, 0, WATCHDOG_NS);
}

/*
 * A call of @label with @req_size bytes at @req; the reply lands in @rep
 * (capacity @rep_cap), its label and size in @c->rep. @c may be NULL when
 * the caller does not look at them.
 */
static inline int ep_call(int fd, struct mkipc_call *c, __u64 label,
			  const void *req, __u32 req_size, void *rep,
			  __u32 rep_cap, __u32 flags, __u64 timeout_ns)
{
	struct mkipc_call local;

	if (!c)
		c = &local;
	memset(c, 0, sizeof(*c));
	mkipc_msg_init(&c->req, label, req, req_size);
	mkipc_msg_init(&c->rep, 0, rep, rep_cap);
	c->flags = flags;
	c->timeout_ns = timeout_ns;
	return mkipc_call(fd, c);
}

static inline int ep_reply(int fd, __u64 token, __u64 label,
			   const void *data, __u32 size)
{
	struct mkipc_reply r;

	memset(&r, 0, sizeof(r));
	r.token = token;
	mkipc_msg_init(&r.msg, label, data, size);
	return mkipc_reply(fd, &r);
}

/*
 * Replies to @token (0: none) with @label and @size bytes at @data, then
 * receives as ep_recv() does into @rr->recv.
 */
static inline int ep_reply_recv(int fd, struct mkipc_reply_recv *rr,
				__u64 token, __u64 label, const void *data,
				__u32 size, void *buf, __u32 cap,
				__u32 flags, __u64 timeout_ns)
{
	memset(rr, 0, sizeof(*rr));
	rr->reply.token = token;
	mkipc_msg_init(&rr->reply.msg, label, data, size);
	recv_init(&rr->recv, buf, cap, flags, timeout_ns);
	return mkipc_reply_recv(fd, rr);
}

#endif /* _MKIPC_EP_UTIL_H */
