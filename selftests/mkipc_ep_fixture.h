/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the endpoint test programs share: the ep fixture (/dev/mkipc, an
 * endpoint and a send-only descriptor on it, and pages to point the kernel
 * at), threads that make one operation and are watched while they block,
 * signal handlers, descriptors over UNIX sockets, and the delivery-path
 * check. The ioctls themselves go through mkipc_ep_util.h.
 *
 * The programs, by theme:
 *   mkipc_ep_test         the ABI contract: create, info, sender, every
 *                         errno of every ioctl, sizes, flags, reserved
 *                         fields, bad pointers, the bound, tokens
 *   mkipc_ep_msg_test     delivery: the direct path, contents and sender
 *                         identity, descriptors passed on, readiness,
 *                         timeouts, single signals
 *   mkipc_ep_life_test    lifecycle: the per-user memory limit, a taker
 *                         that exits, stops and parked calls, withdrawn
 *                         calls, shutdown and last close
 *   mkipc_ep_stress_test  stress and races: signal storms, closes racing
 *                         calls, churn, out of memory, conservation under
 *                         load (scaled by MKIPC_EP_SCALE, see mkipc_test.h)
 *
 * A program defines _GNU_SOURCE and includes this header first.
 */
#ifndef _MKIPC_EP_FIXTURE_H
#define _MKIPC_EP_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mkipc.h>

#include "kselftest_harness.h"
#include "mkipc_test.h"
#include "mkipc_ep_util.h"

/* Generous upper slack on a timeout under TCG and debug kernels. */
#define SLACK_NS	(5 * SEC)
/* Test timeouts (s): the harness kills a test that runs longer. */
#define T_SHORT		120
#define T_LONG		900

#define ALL_EP_FLAGS	(MKIPC_EP_CLOEXEC | MKIPC_EP_NONBLOCK | \
			 MKIPC_EP_INHERIT_RT | MKIPC_EP_QUEUE_SPIN | MKIPC_EP_WAITQ_STOCK | \
			 MKIPC_EP_WAKE_PLAIN | MKIPC_EP_NO_DIRECT | MKIPC_EP_NO_RECYCLE)
#define BASELINE_FLAGS	(MKIPC_EP_QUEUE_SPIN | MKIPC_EP_WAITQ_STOCK | \
			 MKIPC_EP_WAKE_PLAIN | MKIPC_EP_NO_DIRECT | MKIPC_EP_NO_RECYCLE)

/* The lowest free descriptor number (what the next open would get). */
static inline int next_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

static inline void fill_random(void *buf, size_t len, unsigned int *seed)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = rand_r(seed);
}

/* The transformation a server applies to a request's label. */
static inline __u64 echo_label(__u64 label)
{
	return ~label * 0x9e3779b97f4a7c15ULL + 1;
}

/* ---- memory a test can point the kernel at ---- */

/*
 * Three pages: rw, then ro (read-only), then none (PROT_NONE, any access
 * faults). A structure at rw + page - n straddles into read-only memory
 * (readable, not writable); at ro + page - n into inaccessible memory.
 */
struct pages {
	long page;
	char *rw;
	char *ro;
	char *none;
};

static inline int pages_map(struct pages *m)
{
	m->page = sysconf(_SC_PAGESIZE);
	m->rw = mmap(NULL, 3 * m->page, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->rw == MAP_FAILED)
		return -1;
	m->ro = m->rw + m->page;
	m->none = m->ro + m->page;
	if (mprotect(m->ro, m->page, PROT_READ) ||
	    mprotect(m->none, m->page, PROT_NONE))
		return -1;
	return 0;
}

static inline void pages_unmap(struct pages *m)
{
	munmap(m->rw, 3 * m->page);
}

/* Copies @len bytes to the read-only page at @off and returns where. */
static inline void *ro_put(struct pages *m, long off, const void *src, size_t len)
{
	mprotect(m->ro, m->page, PROT_READ | PROT_WRITE);
	memcpy(m->ro + off, src, len);
	mprotect(m->ro, m->page, PROT_READ);
	return m->ro + off;
}

/* An address no mapping covers, right now. */
static inline void *unmapped_addr(void)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	munmap(p, page);
	return p;
}

#define KERNEL_ADDR	((void *)0xffff888000000000UL)
#define NONCANON_ADDR	((void *)0x8000000000000000UL)

/* ---- threads doing one operation, and watching them block ---- */

enum op_kind {
	OP_SEND,
	OP_RECV,
	OP_CALL,
	OP_REPLY_RECV,
	OP_EPOLL,
	OP_SERVE,	/* receive one call and reply to it */
};

struct op {
	pthread_t thr;
	int kind;
	int fd;
	__u32 flags;
	__u64 timeout_ns;
	__u64 label;
	__u64 token;			/* OP_REPLY_RECV: token to reply to */
	int epfd;			/* OP_EPOLL */
	struct epoll_event ev;		/* OP_EPOLL: the event seen */
	struct mkipc_recv rcv;		/* OP_RECV */
	struct mkipc_reply_recv rr;	/* OP_REPLY_RECV */
	struct mkipc_call call;		/* OP_CALL */
	char buf[64];			/* payload sent */
	char rbuf[64];			/* payload received */
	__u32 reply_size;		/* OP_SERVE: reply payload bytes */
	long reply_ret;			/* OP_SERVE: the reply's result */
	pid_t tid;
	long ret;			/* result, or -errno */
	unsigned long long t0, t1;	/* around the operation */
	atomic_int started;
	atomic_int done;
};

static inline void *op_thread(void *arg)
{
	struct op *o = arg;
	int n;

	o->tid = gettid();
	memset(o->buf, 0, sizeof(o->buf));
	snprintf(o->buf, sizeof(o->buf), "op %llu", (unsigned long long)o->label);
	o->t0 = mkipc_clock_ns();
	atomic_store(&o->started, 1);
	switch (o->kind) {
	case OP_SEND:
		o->ret = ep_send(o->fd, o->label, o->buf, sizeof(o->buf),
				 o->flags, o->timeout_ns);
		break;
	case OP_RECV:
		o->ret = ep_recv(o->fd, &o->rcv, o->rbuf, sizeof(o->rbuf),
				 o->flags, o->timeout_ns);
		break;
	case OP_CALL:
		o->ret = ep_call(o->fd, &o->call, o->label, o->buf,
				 sizeof(o->buf), o->rbuf, sizeof(o->rbuf),
				 o->flags, o->timeout_ns);
		break;
	case OP_REPLY_RECV:
		o->ret = ep_reply_recv(o->fd, &o->rr, o->token,
				       echo_label(o->label), o->buf,
				       sizeof(o->buf), o->rbuf,
				       sizeof(o->rbuf), o->flags,
				       o->timeout_ns);
		break;
	case OP_EPOLL:
		n = epoll_wait(o->epfd, &o->ev, 1,
			       o->timeout_ns ? o->timeout_ns / MS : -1);
		o->ret = n < 0 ? -errno : n;
		break;
	case OP_SERVE:
		o->ret = ep_recv(o->fd, &o->rcv, o->rbuf, sizeof(o->rbuf),
				 o->flags, o->timeout_ns);
		if (!o->ret)
			o->reply_ret = ep_reply(o->fd, o->rcv.token,
						echo_label(o->rcv.msg.label),
						o->buf, o->reply_size);
		break;
	}
	o->t1 = mkipc_clock_ns();
	atomic_store(&o->done, 1);
	return NULL;
}

static inline void op_prep(struct op *o, int kind, int fd, __u64 label,
			   __u32 flags, __u64 timeout_ns)
{
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->fd = fd;
	o->label = label;
	o->flags = flags;
	o->timeout_ns = timeout_ns;
}

static inline int op_go(struct op *o)
{
	if (pthread_create(&o->thr, NULL, op_thread, o))
		return -1;
	while (!atomic_load(&o->started))
		usleep(1000);
	return 0;
}

static inline int op_start(struct op *o, int kind, int fd, __u64 label,
			   __u32 flags, __u64 timeout_ns)
{
	op_prep(o, kind, fd, label, flags, timeout_ns);
	return op_go(o);
}

/* A thread that serves one call: reply_size bytes back, echoed label. */
static inline int op_serve(struct op *o, int fd, __u32 reply_size)
{
	op_prep(o, OP_SERVE, fd, 0, 0, WATCHDOG_NS);
	o->reply_size = reply_size;
	return op_go(o);
}

/* 0 once the thread returned (within @ms), else -1: it is hung. */
static inline int op_join(struct op *o, int ms)
{
	return mkipc_join_ms(o->thr, ms);
}

/*
 * Waits until @o sleeps in its system call: 0, or -1 if it returned
 * instead or never slept within the watchdog.
 */
static inline int op_wait_blocked(struct op *o)
{
	long want = o->kind == OP_EPOLL ? SYS_epoll_wait : SYS_ioctl;
	int i;

	for (i = 0; i < WATCHDOG_MS; i += 2) {
		long nr;

		if (atomic_load(&o->done))
			return -1;
		nr = mkipc_thread_sleeping_in(o->tid);
		if (nr == want || (o->kind == OP_EPOLL && nr == SYS_epoll_pwait))
			return 0;
		usleep(2000);
	}
	return -1;
}

/* ---- signals ---- */

static atomic_int signals_seen;

static inline void on_signal(int sig)
{
	atomic_fetch_add(&signals_seen, 1);
}

static inline void set_handler(int sig, int restart)
{
	struct sigaction sa = {
		.sa_handler = on_signal,
		.sa_flags = restart ? SA_RESTART : 0,
	};

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* Signals @o's thread and waits until its handler has run. */
static inline int op_signal(struct op *o, int sig)
{
	int before = atomic_load(&signals_seen), i;

	if (pthread_kill(o->thr, sig))
		return -1;
	for (i = 0; i < WATCHDOG_MS; i++) {
		if (atomic_load(&signals_seen) != before)
			return 0;
		usleep(1000);
	}
	return -1;
}

/* ---- descriptors over UNIX sockets ---- */

static inline int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

static inline int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* Exit status of a child, or -1 if it did not exit normally. */
static inline int child_status(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static inline int drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return -1;
	return 0;
}

/* ---- the fixture: /dev/mkipc, an endpoint and a send-only fd on it ---- */

FIXTURE(ep) {
	int dev;
	int rfd;	/* both rights */
	int sfd;	/* send only */
	struct pages mem;
};

FIXTURE_SETUP(ep)
{
	struct mkipc_version ver;

	self->dev = mkipc_open();
	ASSERT_LE(0, self->dev)
		TH_LOG("open %s: %s (is mkipc.ko loaded?)", MKIPC_DEV_PATH,
		       strerror(errno));
	ASSERT_EQ(0, mkipc_version(self->dev, &ver));
	ASSERT_TRUE(ver.features & MKIPC_FEAT_ENDPOINTS)
		TH_LOG("module without endpoints (features %#llx)",
		       (unsigned long long)ver.features);
	ASSERT_TRUE(ver.features & MKIPC_FEAT_CALL)
		TH_LOG("module without call (features %#llx)",
		       (unsigned long long)ver.features);
	self->rfd = mkipc_ep_create(self->dev, MKIPC_EP_CLOEXEC, 8, NULL);
	ASSERT_LE(0, self->rfd) TH_LOG("create: %s", strerror(-self->rfd));
	self->sfd = mkipc_ep_sender(self->rfd, MKIPC_EP_CLOEXEC);
	ASSERT_LE(0, self->sfd) TH_LOG("sender: %s", strerror(-self->sfd));
	ASSERT_EQ(0, pages_map(&self->mem));
}

FIXTURE_TEARDOWN(ep)
{
	close(self->sfd);
	close(self->rfd);
	close(self->dev);
	pages_unmap(&self->mem);
}

/*
 * The delivery paths a stress test took, from @p (read before it): printed;
 * with @direct, at least one message must have gone straight to a waiting
 * receiver (the test ran the fast path); without, none may have.
 */
static inline void paths_check(struct __test_metadata *_metadata,
			       struct mkipc_paths *p, const char *what, bool direct)
{
	ASSERT_EQ(0, mkipc_paths_since(p, what))
		TH_LOG("debugfs mkipc/stats unreadable (run_tests.sh runs as root)");
	if (direct) {
		EXPECT_LT(0, p->direct)
			TH_LOG("%s never took the direct path", what);
	} else {
		EXPECT_EQ(0, p->direct)
			TH_LOG("%s took the direct path", what);
	}
}

#endif /* _MKIPC_EP_FIXTURE_H */
