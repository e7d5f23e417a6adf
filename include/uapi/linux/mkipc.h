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
#define MKIPC_ABI_MINOR		6

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
 * Endpoints
 * =========
 *
 * An endpoint is a message queue with a server side, reached only through
 * file descriptors: there is no name by which a process could find one it
 * was not given. A descriptor is a capability; it goes to other processes
 * as any descriptor does (SCM_RIGHTS, fork, pidfd_getfd) and carries one
 * or both rights:
 *
 *   MKIPC_RIGHT_RECV	receive, reply, shut down, mint send descriptors.
 *			Only the descriptor MKIPC_IOC_EP_CREATE returns (and
 *			its duplicates, which share its open file) has it.
 *   MKIPC_RIGHT_SEND	send and call. Every endpoint descriptor has it.
 *
 * Lifetime. When the last reference to the receive file goes (every
 * duplicate closed, every process holding one gone), or on
 * MKIPC_IOC_EP_SHUTDOWN, the endpoint dies: queued messages are discarded,
 * every pending call (queued, or taken by a server and not yet replied to)
 * fails with EPIPE, blocked receivers and senders return EPIPE, and every
 * later send, call or receive fails with EPIPE. The endpoint's memory goes
 * with the last descriptor of either kind. Closing a descriptor does not
 * interrupt an ioctl another thread is blocked in on it: as for any Linux
 * file, that ioctl holds the file until it returns.
 *
 * Messages. A message is a 64-bit label (an opcode, free for the
 * application), a payload of 0..MKIPC_MSG_MAX bytes copied in from the
 * sender's buffer when it is sent and out to the receiver's when it is
 * received, and the sender's identity as the kernel saw it at send time,
 * translated into the receiver's pid and user namespaces when it is
 * received. A receiver's buffer contents are undefined after a failed
 * receive.
 *
 * Order. Messages leave an endpoint in the order they entered it (the
 * order of the sends' linearization points), except that a message a
 * receive could not deliver (EFAULT, EMSGSIZE) goes to the front of the
 * queue and is the next one delivered.
 *
 * Calls. MKIPC_IOC_CALL queues a request and waits for its reply. A
 * server receives it like any message, with a nonzero token, and answers
 * with MKIPC_IOC_REPLY or MKIPC_IOC_REPLY_RECV and that token. A token
 * names one taken call on one endpoint and is valid until it is replied
 * to, the endpoint dies, or the thread that took it exits; any holder of
 * the receive right may use it meanwhile. A call whose taker thread exits
 * before the call is answered fails with EOWNERDEAD, as Binder fails a
 * transaction whose thread died (ABI 0.6, MKIPC_FEAT_TAKER_EXIT; before,
 * its caller waited until its timeout, for ever without one). A
 * caller that gives up (timeout, signal, death) before the reply makes the
 * reply fail with ESRCH; a call given up before any server took it is
 * never delivered.
 *
 * Bound. At most max_msgs messages count against an endpoint at once:
 * each from its send (or call) until it is delivered, including while a
 * receive that could not deliver it has put it back first in line; and a
 * call whose caller gave up after a server took it (an abandoned call),
 * until the server answers it (the reply fails with ESRCH) or the
 * endpoint dies (ABI 0.6; before, such calls piled up without limit
 * behind a server that never answered). Once a server sits on max_msgs
 * abandoned calls, senders wait until it answers one. A call whose caller
 * still waits does not count once taken: it costs the caller a thread.
 * A call withdrawn before a server took it stops counting at once; the
 * next receive that meets it drops it (until then it occupies memory,
 * and once max_msgs withdrawn calls wait to be dropped, senders wait
 * too).
 *
 * Memory (ABI 0.6). What an endpoint holds (the endpoint itself, its
 * queue, and every message record it keeps, at the slab size the kernel
 * allocates for it) is charged to the user (real uid) that created it,
 * as a pipe's buffers are: at most the module parameter user_mem_max_kb
 * KiB for each user (default 65536, 64 MiB; 0: no limit). What would take
 * a user past it fails with ENOBUFS: creating an endpoint, and sending,
 * calling or replying (a reply of more than 64 bytes) on one of theirs.
 * Endpoints created with CAP_SYS_RESOURCE or CAP_SYS_ADMIN are not
 * counted. A record up to 128 payload bytes is kept for reuse, so a
 * steady exchange allocates and charges nothing.
 *
 * Blocking. Every blocking operation takes a relative timeout in
 * nanoseconds (0: none) and the flag MKIPC_F_NONBLOCK; a descriptor opened
 * or set O_NONBLOCK (fcntl) behaves as if every operation had the flag.
 * Non-blocking, an operation that would wait fails with EAGAIN instead
 * (a call still waits for its reply: only its send is non-blocking).
 * Waits are interruptible. A signal before anything was transferred
 * restarts the ioctl if the handler says SA_RESTART and there is no
 * timeout, else fails with EINTR; a call whose request a server has
 * already taken never restarts (it fails with EINTR, and the server's
 * reply with ESRCH), so no message is delivered twice.
 *
 * A stop does not end a call (ABI 0.6, MKIPC_FEAT_STOP_RESUME; before,
 * it failed as a signal with a handler does): a caller stopped by
 * SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, a debugger (a ptrace stop) or the
 * freezer (cgroup freeze, suspend), or woken by a signal it ignores,
 * waits on for the same reply once it runs again, to its first
 * deadline, queued or taken as it was; a reply given meanwhile is kept
 * for it. Only a signal whose handler runs, or that kills, ends the call
 * as above; and a reply that came before such a handler ran is not lost
 * to it: the call returns it, and the handler runs after. The same ioctl
 * must run again for the call to go on: a thread that makes another
 * ioctl on an endpoint first (say, after a debugger moved it) gives the
 * call up, as EINTR would.
 *
 * Readiness (poll, select, epoll): EPOLLIN when a receive would find a
 * message (receive right only); EPOLLOUT when a send would find room;
 * EPOLLHUP once the endpoint is dead.
 *
 * Priority (MKIPC_FEAT_PRIO, and the module parameter priority_tracking,
 * on by default). While a server thread holds a call, from the receive
 * that took it until the call ends, the scheduler runs it at no lower a
 * priority than its caller had when it called: the caller's nice level if
 * that is lower than the server's, and, on an endpoint created with
 * MKIPC_EP_INHERIT_RT, a SCHED_FIFO or SCHED_RR caller's policy and
 * priority, up to the highest RT priority the server thread could set
 * itself (its RLIMIT_RTPRIO; any, with CAP_SYS_NICE). The nice level is
 * lent whatever the server's RLIMIT_NICE: the caller waits meanwhile, so
 * the two never hold more CPU weight than the caller alone did, and CFS
 * still shares the CPU. RT is not lent past the server's own right: an RT
 * thread that never replies would hold its CPU against everything below
 * it. A server holding several calls runs at the highest of them,
 * and its priority follows as calls are taken and end. A caller that is
 * itself a server holding a call passes on what it inherited (chains),
 * and when that drops while it waits, so does what it passed on.
 *
 * A call queued while a server thread waits to receive raises that thread
 * (the first waiting, the one the wake-up goes to) before it is woken, so
 * that it cannot be preempted before it runs; if another thread takes the
 * call first, the raise moves to it, and a thread that stops waiting
 * without taking the call drops it. A call
 * no server has taken raises nobody: a busy server is not raised by the
 * calls waiting for it, only by those it holds.
 *
 * The raise is undone when the call ends, however it ends: reply, the
 * caller's timeout, signal or death, the endpoint's death. Undoing restores
 * the server's own settings; if they were changed while it was raised
 * (sched_setattr, setpriority, chrt), the new ones, provided the thread
 * could have made that change from its own settings (RLIMIT_RTPRIO,
 * RLIMIT_NICE, CAP_SYS_NICE); otherwise the change, which the kernel
 * allowed only because of the raise, is dropped. A raised thread has
 * SCHED_RESET_ON_FORK, so that its children inherit no real-time policy or
 * negative nice from the raise (a lent nice level of 0 or more is copied
 * by fork, as any is: never more than the caller had). SCHED_DEADLINE
 * threads are never changed and pass nothing on; SCHED_IDLE callers pass
 * nothing on.
 *
 * IPC-completion boost (module parameter boost_ns, default 0: off; 10000
 * is the design's 10 us). A SCHED_OTHER or SCHED_BATCH thread that an IPC wakes (the reply
 * to its call, or a message for it while it waits to receive) runs
 * SCHED_FIFO at priority 1 for boost_ns nanoseconds, so that it preempts
 * ordinary work at once, then goes back. Its user gets at most one boost
 * per 100 * boost_ns on all CPUs together, whatever the user's threads do
 * (ABI 0.5; before, one per CPU): 1 % of one CPU, plus however late the
 * kernel thread that ends a boost runs (it is SCHED_FIFO 2; seen under
 * emulation: a 10 us boost ended after 96 us on average, a 1 ms one after
 * 1.12 ms).
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
