/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mkipc: microkernel-style IPC for Linux, user ABI.
 *
 * Userspace drives mkipc through ioctls on /dev/mkipc. This header is the
 * whole ABI: it includes only <linux/types.h> and <linux/ioctl.h>, every
 * field has a fixed width, user pointers travel as __u64, padding is named
 * and reserved fields must be zero. Ioctl numbers are never reused or
 * renumbered; a structure only grows by turning reserved space into fields
 * and raising MKIPC_ABI_MINOR.
 *
 * Ioctl type 0xE4 is unassigned in Documentation/userspace-api/ioctl/
 * ioctl-number.rst (Linux 6.1).
 */
#ifndef _UAPI_LINUX_MKIPC_H
#define _UAPI_LINUX_MKIPC_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define MKIPC_DEVICE_NAME	"mkipc"

/*
 * ABI version. MKIPC_ABI_MAJOR changes only on an incompatible change (never,
 * once released); MKIPC_ABI_MINOR counts compatible additions.
 */
#define MKIPC_ABI_MAJOR		0
#define MKIPC_ABI_MINOR		8

/*
 * Feature bits reported by MKIPC_IOC_VERSION. A bit is set only when the
 * running module implements the feature; userspace tests bits, not versions.
 * Bits are never reassigned. Later ABI revisions add: switch probes.
 */
#define MKIPC_FEAT_DEBUGFS_STATS	(1ULL << 0)	/* debugfs statistics */
#define MKIPC_FEAT_ENDPOINTS	(1ULL << 1)	/* endpoints, send and recv */
#define MKIPC_FEAT_CALL		(1ULL << 2)	/* call, reply, reply_recv */
#define MKIPC_FEAT_PRIO		(1ULL << 3)	/* priority inheritance, boost */
#define MKIPC_FEAT_DIRECT	(1ULL << 4)	/* direct transfer, MKIPC_EP_NO_DIRECT */
#define MKIPC_FEAT_RECYCLE	(1ULL << 5)	/* MKIPC_EP_NO_RECYCLE */
#define MKIPC_FEAT_TAKER_EXIT	(1ULL << 6)	/* EOWNERDEAD: the taker exited */
#define MKIPC_FEAT_STOP_RESUME	(1ULL << 7)	/* a stop does not end a call */
#define MKIPC_FEAT_SWITCH	(1ULL << 8)	/* MKIPC_IOC_SWITCH */
/* The kernel's direct hand-off (tools/kernel-patch/): MKIPC_SW_KHANDOFF */
#define MKIPC_FEAT_KHANDOFF	(1ULL << 9)

/**
 * struct mkipc_version - reply of MKIPC_IOC_VERSION
 * @abi_major:	MKIPC_ABI_MAJOR of the running module
 * @abi_minor:	MKIPC_ABI_MINOR of the running module
 * @features:	MKIPC_FEAT_* bits the running module implements
 * @max_msg_size: largest inline payload in bytes (MKIPC_MSG_MAX)
 * @reserved0:	padding, written as zero
 * @reserved:	written as zero by this ABI revision
 */
struct mkipc_version {
	__u32 abi_major;
	__u32 abi_minor;
	__u64 features;
	__u32 max_msg_size;
	__u32 reserved0;
	__u64 reserved[4];
};

#define MKIPC_IOC_MAGIC		0xE4

/*
 * MKIPC_IOC_VERSION - report the ABI version and feature bits.
 * On: /dev/mkipc.
 * Argument: pointer to struct mkipc_version, written by the kernel.
 * Errors:
 *   EFAULT	the argument does not point to writable memory of
 *		sizeof(struct mkipc_version) bytes
 *
 * Any ioctl number this header does not define fails with ENOTTY, and so
 * does a defined one on the wrong kind of file (an endpoint ioctl on
 * /dev/mkipc, or MKIPC_IOC_EP_CREATE on an endpoint).
 */
#define MKIPC_IOC_VERSION	_IOR(MKIPC_IOC_MAGIC, 0x00, struct mkipc_version)

/*
 * Context-switch pairs
 * ====================
 *
 * MKIPC_IOC_SWITCH runs two kernel threads that hand a CPU back and forth
 * @iters times and times each hand-off with the TSC (switch_opt.c says
 * how). Variants: how the sleeper is woken (@mech), which address space
 * each thread runs in (@mm), FPU use and prefetching before each
 * hand-off, and the two threads on one CPU or two (MKIPC_SW_CROSS: then a
 * sample is half a round trip, timed by one thread on one TSC). Every
 * sample also goes into the CPU's table in debugfs mkipc/switch_stats.
 */
#define MKIPC_SW_DIRECT		0	/* wake_up_process() + schedule() */
#define MKIPC_SW_WAITQ		1	/* the kernel's wait_queue_head_t */
#define MKIPC_SW_OWAITQ		2	/* owaitq */
/* wake_up_handoff() + schedule(): only with MKIPC_FEAT_KHANDOFF */
#define MKIPC_SW_KHANDOFF	3
#define MKIPC_SW_NMECH		4

#define MKIPC_SW_MM_NONE	0	/* kernel threads: lazy TLB */
#define MKIPC_SW_MM_SAME	1	/* both in the caller's mm */
#define MKIPC_SW_MM_DIFF	2	/* the caller's and @peer_pid's */
#define MKIPC_SW_NMM		3

#define MKIPC_SW_FPU		(1U << 0)	/* kernel_fpu_begin/end a turn */
#define MKIPC_SW_PREFETCH	(1U << 1)	/* prefetch the peer's task, stack */
#define MKIPC_SW_CROSS		(1U << 2)	/* the threads on @cpu and @cpu2 */
#define MKIPC_SW_FLAGS		(MKIPC_SW_FPU | MKIPC_SW_PREFETCH | \
				 MKIPC_SW_CROSS)

#define MKIPC_SW_MAX_ITERS	10000000
#define MKIPC_SW_MAX_TIMEOUT_NS	(600ULL * 1000000000ULL)

/**
 * struct mkipc_switch - argument of MKIPC_IOC_SWITCH
 * @flags:	in: MKIPC_SW_FPU, MKIPC_SW_PREFETCH, MKIPC_SW_CROSS
 * @mech:	in: MKIPC_SW_DIRECT, MKIPC_SW_WAITQ, MKIPC_SW_OWAITQ or
 *		MKIPC_SW_KHANDOFF
 * @mm:		in: MKIPC_SW_MM_*
 * @cpu:	in: the CPU of both threads (the first, with MKIPC_SW_CROSS)
 * @cpu2:	in: the second thread's CPU with MKIPC_SW_CROSS; out: -1
 *		without it
 * @peer_pid:	in: MKIPC_SW_MM_DIFF: the process (in the caller's pid
 *		namespace) whose mm the second thread runs in
 * @iters:	in: samples to take, 1..MKIPC_SW_MAX_ITERS
 * @timeout_ns:	in: end the run after this long; 0: 10 s
 * @count:	out: samples taken
 * @min_cycles: out: the shortest sample, TSC cycles
 * @max_cycles: out: the longest
 * @sum_cycles: out: all samples together
 * @tsc_khz:	out: the TSC's rate, for cycles to ns
 * @reserved0:	zero
 * @reserved:	zero
 */
struct mkipc_switch {
	__u32 flags;
	__u32 mech;
	__u32 mm;
	__s32 cpu;
	__s32 cpu2;
	__s32 peer_pid;
	__u64 iters;
	__u64 timeout_ns;
	__u64 count;
	__u64 min_cycles;
	__u64 max_cycles;
	__u64 sum_cycles;
	__u32 tsc_khz;
	__u32 reserved0;
	__u64 reserved[4];
};

/*
 * MKIPC_IOC_SWITCH - run a kernel-thread pair; returns when it is over.
 * On: /dev/mkipc. Needs CAP_SYS_ADMIN.
 * Argument: pointer to struct mkipc_switch; the out fields are written
 * also when the run ends early with EINTR or ETIMEDOUT.
 * Errors:
 *   EPERM	no CAP_SYS_ADMIN
 *   EINVAL	a field out of range, a reserved field nonzero, a CPU
 *		offline or outside the caller's allowed CPUs (its cpuset),
 *		MKIPC_SW_CROSS with @cpu == @cpu2, MKIPC_SW_MM_DIFF with a
 *		peer that shares the caller's mm, or a caller without an mm
 *   ESRCH	MKIPC_SW_MM_DIFF: no process @peer_pid, or it has no mm
 *   EOPNOTSUPP	MKIPC_SW_KHANDOFF on a module without MKIPC_FEAT_KHANDOFF
 *		(built against a kernel without the companion patch)
 *   EINTR	a signal came first (also while waiting for another run)
 *   ETIMEDOUT	@timeout_ns passed before @iters samples
 *   ENOMEM	out of memory
 *   EFAULT	the argument is not readable and writable
 * Both threads have exited when the ioctl returns.
 */
#define MKIPC_IOC_SWITCH	_IOWR(MKIPC_IOC_MAGIC, 0x02, struct mkipc_switch)

/*
 * Endpoints
 * =========
 *
 * What a caller must know to call; docs/mkipc.rst has the whole contract
 * (ordering, priority inheritance, the completion boost, what each ABI
 * revision changed) and the reasons behind it.
 *
 * An endpoint is a message queue with a server side, reached only through
 * file descriptors; a descriptor is a capability and carries one or both
 * rights:
 *
 *   MKIPC_RIGHT_RECV	receive, reply, shut down, mint send descriptors.
 *			Only the descriptor MKIPC_IOC_EP_CREATE returns (and
 *			its duplicates, which share its open file) has it.
 *   MKIPC_RIGHT_SEND	send and call. Every endpoint descriptor has it.
 *
 * Lifetime. When the last reference to the receive file goes, or on
 * MKIPC_IOC_EP_SHUTDOWN, the endpoint dies: queued messages are discarded
 * and every pending call, blocked operation and later send, call or
 * receive fails with EPIPE.
 *
 * Messages: a 64-bit label, a payload of 0..MKIPC_MSG_MAX bytes copied in
 * at send and out at receive, and the sender's identity (struct
 * mkipc_sender). They leave in the order they entered, except that one a
 * receive could not deliver (EFAULT, EMSGSIZE) is the next delivered.
 *
 * Calls. MKIPC_IOC_CALL queues a request and waits for its reply. A server
 * receives it with a nonzero token and answers with MKIPC_IOC_REPLY or
 * MKIPC_IOC_REPLY_RECV and that token. A token is valid until it is
 * replied to, the endpoint dies, or the thread that took it exits (the
 * call then fails with EOWNERDEAD); a caller that gave up makes the reply
 * fail with ESRCH.
 *
 * Bound. At most max_msgs messages count against an endpoint: each from
 * its send until it is delivered, and a call its caller gave up after a
 * server took it, until its token is used up (the reply fails with ESRCH)
 * or the endpoint dies. A full endpoint makes senders wait (or EAGAIN).
 *
 * Memory. What the endpoints a user (real uid) created hold is charged to
 * that user, at most the module parameter user_mem_max_kb (default 64
 * MiB); past it creating, sending, calling or replying fails with ENOBUFS.
 * Endpoints created with CAP_SYS_RESOURCE or CAP_SYS_ADMIN are not counted.
 *
 * Blocking. Every blocking operation takes a relative timeout in ns (0:
 * none) and MKIPC_F_NONBLOCK (or O_NONBLOCK on the file): EAGAIN instead
 * of a wait (a call still waits for its reply). Waits are interruptible:
 * a signal before anything was transferred restarts the ioctl under
 * SA_RESTART without a timeout, else fails with EINTR; a call a server has
 * taken never restarts (EINTR, and the reply fails with ESRCH). A stop
 * (SIGSTOP, ptrace, the freezer) does not end a call
 * (MKIPC_FEAT_STOP_RESUME).
 *
 * Readiness (poll, select, epoll): EPOLLIN when a receive would find a
 * message (receive right only); EPOLLOUT when a send would find room;
 * EPOLLHUP once the endpoint is dead.
 *
 * Priority (MKIPC_FEAT_PRIO). A server thread holding a call runs at no
 * lower a priority than its caller had (nice; RT too on an endpoint
 * created with MKIPC_EP_INHERIT_RT, within the server's own RLIMIT_RTPRIO)
 * until the call ends; module parameter boost_ns adds a short SCHED_FIFO 1
 * boost to a thread an IPC wakes. The rules are in docs/mkipc.rst.
 */

#define MKIPC_MSG_MAX		4096	/* largest payload, bytes */
#define MKIPC_EP_DEFAULT_MSGS	128	/* queue bound when none is given */
#define MKIPC_EP_MAX_MSGS	65536	/* largest queue bound */

#define MKIPC_RIGHT_SEND	(1U << 0)
#define MKIPC_RIGHT_RECV	(1U << 1)

/* Flags of MKIPC_IOC_EP_CREATE and MKIPC_IOC_EP_SENDER. */
#define MKIPC_EP_CLOEXEC	(1U << 0)	/* O_CLOEXEC on the new fd */
#define MKIPC_EP_NONBLOCK	(1U << 1)	/* O_NONBLOCK on the new file */
/*
 * MKIPC_IOC_EP_CREATE only: a server handling a call on this endpoint
 * inherits its caller's real-time policy and priority too, not only its
 * nice level (see "Priority" below). Accepted, and without effect, when the
 * module lacks MKIPC_FEAT_PRIO or its priority_tracking parameter is off.
 */
#define MKIPC_EP_INHERIT_RT	(1U << 2)
/*
 * MKIPC_IOC_EP_CREATE only: run this endpoint on a baseline instead of
 * the optimization the module parameters (queue, waitq, handoff) select,
 * for before/after measurements within one run.
 */
#define MKIPC_EP_QUEUE_SPIN	(1U << 8)	/* spinlock queue, not lfqueue */
#define MKIPC_EP_WAITQ_STOCK	(1U << 9)	/* wait_queue_head_t, not owaitq */
#define MKIPC_EP_WAKE_PLAIN	(1U << 10)	/* ordinary wake-ups, no WF_SYNC */
/*
 * Every message goes through the queue: no direct transfer. By default
 * (module parameter direct), a message sent or a call made while no other
 * message counts against the endpoint bypasses the queue: it waits in a
 * one-message mailbox that receivers look at first, so the fast path of a
 * call to a waiting server neither queues nor allocates. Order, bounds,
 * readiness and the rules below hold either way.
 */
#define MKIPC_EP_NO_DIRECT	(1U << 11)
/*
 * The memory of the path before the fast path: every message is a new
 * allocation charged to its sender (with new references to its pids),
 * freed when delivered, and every taken call gets its token from the
 * endpoint's token table. By default (module parameter recycle), small
 * records come back to the endpoint for reuse and the first taken calls
 * sit in slots their tokens name. Tokens, bounds and errors are the same.
 */
#define MKIPC_EP_NO_RECYCLE	(1U << 12)

/* Flags of the message operations. */
#define MKIPC_F_NONBLOCK	(1U << 0)	/* fail with EAGAIN, do not wait */

/**
 * struct mkipc_ep_create - argument of MKIPC_IOC_EP_CREATE
 * @flags:	in: MKIPC_EP_* flags
 * @max_msgs:	in: queue bound, 1..MKIPC_EP_MAX_MSGS; 0 for
 *		MKIPC_EP_DEFAULT_MSGS
 * @fd:		out: the new endpoint descriptor (also the return value)
 * @reserved0:	zero
 * @id:		out: the endpoint's number in debugfs and MKIPC_IOC_EP_INFO;
 *		it names the endpoint to humans and grants nothing
 * @reserved:	zero
 */
struct mkipc_ep_create {
	__u32 flags;
	__u32 max_msgs;
	__s32 fd;
	__u32 reserved0;
	__u64 id;
	__u64 reserved[2];
};

/**
 * struct mkipc_ep_sender - argument of MKIPC_IOC_EP_SENDER
 * @flags:	in: MKIPC_EP_CLOEXEC, MKIPC_EP_NONBLOCK
 * @fd:		out: the new send-only descriptor (also the return value)
 * @reserved:	zero
 */
struct mkipc_ep_sender {
	__u32 flags;
	__s32 fd;
	__u64 reserved[2];
};

/**
 * struct mkipc_ep_info - reply of MKIPC_IOC_EP_INFO
 * @id:		the endpoint's number
 * @rights:	MKIPC_RIGHT_* of this descriptor
 * @flags:	MKIPC_EP_QUEUE_SPIN, _WAITQ_STOCK, _WAKE_PLAIN: the baselines
 *		this endpoint runs on, whether asked for or chosen by the
 *		module parameters at creation; MKIPC_EP_INHERIT_RT if it was
 *		created with it
 * @max_msgs:	queue bound
 * @queued:	messages queued now (a snapshot)
 * @dead:	1 once the endpoint has died, else 0
 * @abandoned:	calls whose callers gave up after a server took them, not
 *		yet answered (see Bound), a snapshot (ABI 0.6; before, zero)
 * @reserved:	zero
 */
struct mkipc_ep_info {
	__u64 id;
	__u32 rights;
	__u32 flags;
	__u32 max_msgs;
	__u32 queued;
	__u32 dead;
	__u32 abandoned;
	__u64 reserved[4];
};

/**
 * struct mkipc_msg - one message buffer
 * @label:	sending: the label sent; receiving: out, the label received
 * @data:	user pointer to the payload buffer (may be 0 when @size is 0)
 * @size:	sending: payload bytes, 0..MKIPC_MSG_MAX; receiving: in, the
 *		buffer's capacity; out, the payload's size (on EMSGSIZE, the
 *		size a buffer would need)
 * @reserved0:	zero
 */
struct mkipc_msg {
	__u64 label;
	__u64 data;
	__u32 size;
	__u32 reserved0;
};

/**
 * struct mkipc_sender - who sent a message, as the kernel saw it
 * @pid:	the sending process (thread group), in the receiver's pid
 *		namespace; 0 if it is not visible there
 * @tid:	the sending thread, likewise
 * @uid:	the sender's effective uid in the receiver's user namespace
 *		(the overflow uid if unmapped)
 * @gid:	the sender's effective gid, likewise
 */
struct mkipc_sender {
	__s32 pid;
	__s32 tid;
	__u32 uid;
	__u32 gid;
};

/**
 * struct mkipc_send - argument of MKIPC_IOC_SEND
 * @msg:	the message
 * @flags:	MKIPC_F_*
 * @reserved0:	zero
 * @timeout_ns:	longest wait for room in the queue; 0: no limit
 * @reserved:	zero
 */
struct mkipc_send {
	struct mkipc_msg msg;
	__u32 flags;
	__u32 reserved0;
	__u64 timeout_ns;
	__u64 reserved[2];
};

/**
 * struct mkipc_recv - argument of MKIPC_IOC_RECV
 * @msg:	the buffer; label and size are written back
 * @sender:	out: the sender
 * @token:	out: nonzero if the message is a call's request: the token to
 *		reply with; 0 for a message sent with MKIPC_IOC_SEND
 * @flags:	MKIPC_F_*
 * @reserved0:	zero
 * @timeout_ns:	longest wait for a message; 0: no limit
 * @reserved:	zero
 */
struct mkipc_recv {
	struct mkipc_msg msg;
	struct mkipc_sender sender;
	__u64 token;
	__u32 flags;
	__u32 reserved0;
	__u64 timeout_ns;
	__u64 reserved[2];
};

/**
 * struct mkipc_call - argument of MKIPC_IOC_CALL
 * @req:	the request
 * @rep:	the reply buffer; label and size are written back
 * @flags:	MKIPC_F_* (applies to queueing the request only)
 * @reserved0:	zero
 * @timeout_ns:	longest time for the whole call; 0: no limit
 * @reserved:	zero
 */
struct mkipc_call {
	struct mkipc_msg req;
	struct mkipc_msg rep;
	__u32 flags;
	__u32 reserved0;
	__u64 timeout_ns;
	__u64 reserved[2];
};

/**
 * struct mkipc_reply - argument of MKIPC_IOC_REPLY
 * @token:	the call replied to, from the receive that took it
 * @msg:	the reply; its size may not exceed the caller's buffer
 * @reserved:	zero
 */
struct mkipc_reply {
	__u64 token;
	struct mkipc_msg msg;
	__u64 reserved[2];
};

/**
 * struct mkipc_reply_recv - argument of MKIPC_IOC_REPLY_RECV
 * @reply:	as MKIPC_IOC_REPLY; a token of 0 replies to nothing
 * @recv:	as MKIPC_IOC_RECV
 * @reply_err:	out, when @reply.token is nonzero: 0 if the reply was
 *		delivered, ESRCH if its caller had given up (the receive went
 *		on); left alone when @reply.token is 0. The kernel writes 0
 *		to @reply.token once the reply is used up, so a restarted or
 *		repeated reply_recv does not reply twice.
 * @reserved0:	zero
 */
struct mkipc_reply_recv {
	struct mkipc_reply reply;
	struct mkipc_recv recv;
	__s32 reply_err;
	__u32 reserved0;
};

/*
 * MKIPC_IOC_EP_CREATE - create an endpoint.
 * On: /dev/mkipc. Returns the new descriptor, with both rights.
 * Errors:
 *   EFAULT	bad argument pointer
 *   EINVAL	unknown flags, max_msgs above MKIPC_EP_MAX_MSGS, reserved
 *		fields not zero
 *   ENOBUFS	the user's endpoints hold user_mem_max_kb already (see
 *		Memory)
 *   EMFILE	the process has no free descriptor
 *   ENFILE	the system file limit was reached
 *   ENOMEM	out of memory
 */
#define MKIPC_IOC_EP_CREATE	_IOWR(MKIPC_IOC_MAGIC, 0x01, struct mkipc_ep_create)

/*
 * MKIPC_IOC_EP_INFO - describe an endpoint. On: any endpoint descriptor.
 * Errors: EFAULT.
 */
#define MKIPC_IOC_EP_INFO	_IOR(MKIPC_IOC_MAGIC, 0x10, struct mkipc_ep_info)

/*
 * MKIPC_IOC_EP_SENDER - mint a descriptor with the send right only, to
 * give to clients. On: a descriptor with the receive right. Returns the
 * new descriptor.
 * Errors: EBADF (no receive right), EFAULT, EINVAL (unknown flags,
 * reserved not zero), EPIPE (the endpoint is dead), EMFILE, ENFILE, ENOMEM.
 */
#define MKIPC_IOC_EP_SENDER	_IOWR(MKIPC_IOC_MAGIC, 0x11, struct mkipc_ep_sender)

/*
 * MKIPC_IOC_EP_SHUTDOWN - kill the endpoint now (see Lifetime), as the
 * last close of the receive file would. On: a descriptor with the receive
 * right; no argument. Shutting down a dead endpoint succeeds.
 * Errors: EBADF (no receive right).
 */
#define MKIPC_IOC_EP_SHUTDOWN	_IO(MKIPC_IOC_MAGIC, 0x12)

/*
 * MKIPC_IOC_SEND - queue a message and return.
 * On: any endpoint descriptor.
 * Errors:
 *   EAGAIN	queue full, non-blocking
 *   EFAULT	bad argument pointer or payload buffer
 *   EINTR	a signal came while waiting for room (nothing was queued)
 *   EINVAL	unknown flags, size above MKIPC_MSG_MAX, reserved not zero
 *   ENOBUFS	the endpoint's creator is at user_mem_max_kb (see Memory;
 *		nothing was queued)
 *   ENOMEM	out of memory (nothing was queued)
 *   EPIPE	the endpoint is dead
 *   ETIMEDOUT	still no room when the timeout passed
 */
#define MKIPC_IOC_SEND		_IOW(MKIPC_IOC_MAGIC, 0x20, struct mkipc_send)

/*
 * MKIPC_IOC_RECV - take the oldest message, waiting for one if need be.
 * On: a descriptor with the receive right.
 * Errors:
 *   EAGAIN	no message, non-blocking
 *   EBADF	no receive right
 *   EFAULT	bad argument pointer or buffer; the message stays queued,
 *		first in line
 *   EINTR	a signal came first (nothing was taken)
 *   EINVAL	unknown flags, capacity above MKIPC_MSG_MAX, reserved not
 *		zero
 *   EMSGSIZE	the oldest message is larger than the buffer: it stays
 *		queued, first in line, and msg.size says how large it is
 *   ENOMEM	out of memory for the call's token; the request stays
 *		queued, first in line
 *   EPIPE	the endpoint is dead
 *   ETIMEDOUT	no message when the timeout passed
 */
#define MKIPC_IOC_RECV		_IOWR(MKIPC_IOC_MAGIC, 0x21, struct mkipc_recv)

/*
 * MKIPC_IOC_CALL - send a request and wait for its reply, in one ioctl.
 * The caller wakes a waiting server with a synchronous hand-off (the
 * scheduler is told the caller is about to sleep).
 * On: any endpoint descriptor.
 * Errors:
 *   EAGAIN	queue full, non-blocking (nothing was queued)
 *   EFAULT	bad argument pointer or request buffer (nothing was
 *		queued); or the reply could not be written out, and is lost
 *   EINTR	a signal came: before a server took the request (it is
 *		withdrawn), or after (the server's reply will fail, ESRCH)
 *   EINVAL	unknown flags, a size above MKIPC_MSG_MAX, reserved not
 *		zero
 *   ENOBUFS	the endpoint's creator is at user_mem_max_kb (see Memory;
 *		nothing was queued)
 *   ENOMEM	out of memory (nothing was queued)
 *   EOWNERDEAD	the server thread that took the request exited before the
 *		call was answered (see Calls)
 *   EPIPE	the endpoint is dead, or died before the reply
 *   ETIMEDOUT	no reply within the timeout (as EINTR for the request)
 */
#define MKIPC_IOC_CALL		_IOWR(MKIPC_IOC_MAGIC, 0x22, struct mkipc_call)

/*
 * MKIPC_IOC_REPLY - answer a call and return.
 * On: a descriptor with the receive right.
 * Errors:
 *   EBADF	no receive right
 *   EFAULT	bad argument pointer or reply buffer; the token stays valid
 *   EINVAL	token 0, size above MKIPC_MSG_MAX, reserved not zero
 *   EMSGSIZE	the reply is larger than the caller's buffer; the token
 *		stays valid
 *   ENOBUFS	a reply of more than 64 bytes, and the endpoint's creator
 *		is at user_mem_max_kb (see Memory); the token stays valid
 *   ENOENT	no taken call has this token (never, already replied, or
 *		its taker exited)
 *   ENOMEM	out of memory; the token stays valid
 *   ESRCH	the caller gave up (timeout, signal, exit); the token is
 *		used up
 */
#define MKIPC_IOC_REPLY		_IOW(MKIPC_IOC_MAGIC, 0x23, struct mkipc_reply)

/*
 * MKIPC_IOC_REPLY_RECV - answer a call, then wait for the next message,
 * in one ioctl; the caller is woken with a synchronous hand-off. A reply
 * that fails with ESRCH is reported in reply_err and the receive goes on;
 * any other reply error fails the ioctl before it receives.
 * On: a descriptor with the receive right.
 * Errors: those of MKIPC_IOC_REPLY (except ESRCH) and MKIPC_IOC_RECV.
 */
#define MKIPC_IOC_REPLY_RECV	_IOWR(MKIPC_IOC_MAGIC, 0x24, struct mkipc_reply_recv)

#endif /* _UAPI_LINUX_MKIPC_H */
