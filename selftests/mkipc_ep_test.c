// SPDX-License-Identifier: GPL-2.0
/*
 * Endpoints, as the user ABI (include/uapi/linux/mkipc.h) promises them:
 * create, info, minting send-only descriptors, shutdown, send, recv, call,
 * reply and reply_recv; every errno the header lists for each ioctl,
 * provoked on purpose; message contents and sender identity (across pid
 * and user namespaces, and for an unprivileged user); descriptors passed
 * over UNIX sockets and inherited across fork; poll and epoll readiness;
 * timeouts; signals, alone and in storms while calls flow; closes racing
 * calls; endpoint churn; and conservation of calls under load (every call
 * gets exactly its own reply).
 *
 * The header is the contract: where the module disagrees with it, the test
 * fails and says which promise was broken.
 *
 * Counts scale with MKIPC_TEST_SCALE (percent); assertions do not.
 * Expects mkipc.ko loaded and debugfs mounted (run_tests.sh does both).
 */
#define _GNU_SOURCE
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
static int next_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

static void fill_random(void *buf, size_t len, unsigned int *seed)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = rand_r(seed);
}

/* The transformation a server applies to a request's label. */
static __u64 echo_label(__u64 label)
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

static int pages_map(struct pages *m)
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

static void pages_unmap(struct pages *m)
{
	munmap(m->rw, 3 * m->page);
}

/* Copies @len bytes to the read-only page at @off and returns where. */
static void *ro_put(struct pages *m, long off, const void *src, size_t len)
{
	mprotect(m->ro, m->page, PROT_READ | PROT_WRITE);
	memcpy(m->ro + off, src, len);
	mprotect(m->ro, m->page, PROT_READ);
	return m->ro + off;
}

/* An address no mapping covers, right now. */
static void *unmapped_addr(void)
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

static void *op_thread(void *arg)
{
	struct op *o = arg;
	int n;

	o->tid = gettid();
	memset(o->buf, 0, sizeof(o->buf));
	snprintf(o->buf, sizeof(o->buf), "op %llu", (unsigned long long)o->label);
	o->t0 = mkipc_now_ns();
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
	o->t1 = mkipc_now_ns();
	atomic_store(&o->done, 1);
	return NULL;
}

static void op_prep(struct op *o, int kind, int fd, __u64 label,
		    __u32 flags, __u64 timeout_ns)
{
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->fd = fd;
	o->label = label;
	o->flags = flags;
	o->timeout_ns = timeout_ns;
}

static int op_go(struct op *o)
{
	if (pthread_create(&o->thr, NULL, op_thread, o))
		return -1;
	while (!atomic_load(&o->started))
		usleep(1000);
	return 0;
}

static int op_start(struct op *o, int kind, int fd, __u64 label,
		    __u32 flags, __u64 timeout_ns)
{
	op_prep(o, kind, fd, label, flags, timeout_ns);
	return op_go(o);
}

/* A thread that serves one call: reply_size bytes back, echoed label. */
static int op_serve(struct op *o, int fd, __u32 reply_size)
{
	op_prep(o, OP_SERVE, fd, 0, 0, WATCHDOG_NS);
	o->reply_size = reply_size;
	return op_go(o);
}

/* 0 once the thread returned (within @ms), else -1: it is hung. */
static int op_join(struct op *o, int ms)
{
	return mkipc_join_ms(o->thr, ms);
}

/*
 * Waits until @o sleeps in its system call: 0, or -1 if it returned
 * instead or never slept within the watchdog.
 */
static int op_wait_blocked(struct op *o)
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

static void on_signal(int sig)
{
	atomic_fetch_add(&signals_seen, 1);
}

static void set_handler(int sig, int restart)
{
	struct sigaction sa = {
		.sa_handler = on_signal,
		.sa_flags = restart ? SA_RESTART : 0,
	};

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* Signals @o's thread and waits until its handler has run. */
static int op_signal(struct op *o, int sig)
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

static int send_fd(int sock, int fd)
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

static int recv_fd(int sock)
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
static int child_status(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int drop_to_nobody(void)
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
static void paths_check(struct __test_metadata *_metadata,
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

/* ==== version and create ==== */

TEST_F(ep, version_reports_endpoints)
{
	struct mkipc_version ver;

	ASSERT_EQ(0, mkipc_version(self->dev, &ver));
	EXPECT_EQ(MKIPC_ABI_MAJOR, ver.abi_major);
	EXPECT_LE(2, ver.abi_minor);
	EXPECT_EQ(MKIPC_MSG_MAX, ver.max_msg_size);
	EXPECT_EQ(0, ver.reserved0);
}

TEST_F_TIMEOUT(ep, create_and_info, T_SHORT)
{
	struct mkipc_ep_create c;
	struct mkipc_ep_info info;
	int fd, fd2, i;
	__u64 id;

	memset(&c, 0x5a, sizeof(c));	/* fd and id are out: ignored */
	c.flags = 0;
	c.max_msgs = 0;
	c.reserved0 = 0;
	c.reserved[0] = 0;
	c.reserved[1] = 0;
	/* Raw: libmkipc's create zeroes the structure it passes. */
	fd = raw_ioctl(self->dev, MKIPC_IOC_EP_CREATE, &c);
	ASSERT_LE(0, fd) TH_LOG("create: %s", strerror(-fd));
	EXPECT_EQ(fd, c.fd);
	id = c.id;
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, fcntl(fd, F_GETFL) & O_NONBLOCK);

	ASSERT_EQ(0, ep_info(fd, &info));
	EXPECT_EQ(id, info.id);
	EXPECT_EQ(MKIPC_RIGHT_SEND | MKIPC_RIGHT_RECV, info.rights);
	EXPECT_EQ(0, info.flags & ~BASELINE_FLAGS);
	EXPECT_EQ(MKIPC_EP_DEFAULT_MSGS, info.max_msgs);
	EXPECT_EQ(0, info.queued);
	EXPECT_EQ(0, info.dead);
	EXPECT_EQ(0, info.abandoned);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, info.reserved[i]);

	/* A dup shares the open file, and with it both rights. */
	fd2 = dup(fd);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, ep_info(fd2, &info));
	EXPECT_EQ(MKIPC_RIGHT_SEND | MKIPC_RIGHT_RECV, info.rights);
	close(fd2);

	/* A minted sender: same endpoint, send right only. */
	fd2 = mkipc_ep_sender(fd, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, ep_info(fd2, &info));
	EXPECT_EQ(id, info.id);
	EXPECT_EQ(MKIPC_RIGHT_SEND, info.rights);
	EXPECT_EQ(MKIPC_EP_DEFAULT_MSGS, info.max_msgs);
	close(fd2);

	/* Another endpoint has another number. */
	fd2 = mkipc_ep_create(self->dev, 0, 0, &c.id);
	ASSERT_LE(0, fd2);
	EXPECT_NE(id, c.id);
	close(fd2);
	close(fd);
}

TEST_F_TIMEOUT(ep, create_flags, T_SHORT)
{
	static const __u32 baselines[] = {
		MKIPC_EP_QUEUE_SPIN, MKIPC_EP_WAITQ_STOCK, MKIPC_EP_WAKE_PLAIN,
		MKIPC_EP_NO_DIRECT, MKIPC_EP_NO_RECYCLE, BASELINE_FLAGS,
	};
	static const __u32 bounds[] = { 1, 2, 1000, MKIPC_EP_MAX_MSGS };
	struct mkipc_ep_info info;
	int fd, s;
	size_t i;

	fd = mkipc_ep_create(self->dev, MKIPC_EP_CLOEXEC | MKIPC_EP_NONBLOCK,
			     0, NULL);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);

	/* The sender's flags are its own; its file is not the creator's. */
	s = mkipc_ep_sender(fd, 0);
	ASSERT_LE(0, s);
	EXPECT_FALSE(fcntl(s, F_GETFD) & FD_CLOEXEC);
	EXPECT_FALSE(fcntl(s, F_GETFL) & O_NONBLOCK);
	close(s);
	s = mkipc_ep_sender(fd, MKIPC_EP_CLOEXEC | MKIPC_EP_NONBLOCK);
	ASSERT_LE(0, s);
	EXPECT_TRUE(fcntl(s, F_GETFD) & FD_CLOEXEC);
	EXPECT_TRUE(fcntl(s, F_GETFL) & O_NONBLOCK);
	close(s);
	close(fd);

	for (i = 0; i < ARRAY_SIZE(baselines); i++) {
		fd = mkipc_ep_create(self->dev, baselines[i], 0, NULL);
		ASSERT_LE(0, fd) TH_LOG("flags %#x: %s", baselines[i],
					strerror(-fd));
		ASSERT_EQ(0, ep_info(fd, &info));
		EXPECT_EQ(baselines[i], info.flags & baselines[i])
			TH_LOG("asked %#x, info says %#x", baselines[i],
			       info.flags);
		/* And it works: a message goes through. */
		EXPECT_EQ(0, ep_send(fd, 7, NULL, 0, 0, 0));
		EXPECT_EQ(1, ep_queued(fd));
		close(fd);
	}

	for (i = 0; i < ARRAY_SIZE(bounds); i++) {
		fd = mkipc_ep_create(self->dev, 0, bounds[i], NULL);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ep_info(fd, &info));
		EXPECT_EQ(bounds[i], info.max_msgs);
		close(fd);
	}
}

TEST_F_TIMEOUT(ep, create_einval, T_SHORT)
{
	struct mkipc_ep_create c;
	int bit, before = next_fd();
	long live = mkipc_live_endpoints();

	for (bit = 0; bit < 32; bit++) {
		if (ALL_EP_FLAGS & (1U << bit))
			continue;
		EXPECT_EQ(-EINVAL,
			  mkipc_ep_create(self->dev, 1U << bit, 0, NULL))
			TH_LOG("flag bit %d accepted", bit);
	}
	EXPECT_EQ(-EINVAL, mkipc_ep_create(self->dev, 0,
					   MKIPC_EP_MAX_MSGS + 1, NULL));
	EXPECT_EQ(-EINVAL, mkipc_ep_create(self->dev, 0, UINT32_MAX, NULL));

	/* Raw: reserved fields libmkipc's create always zeroes. */
	memset(&c, 0, sizeof(c));
	c.reserved0 = 1;
	EXPECT_EQ(-EINVAL, raw_ioctl(self->dev, MKIPC_IOC_EP_CREATE, &c));
	memset(&c, 0, sizeof(c));
	c.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, raw_ioctl(self->dev, MKIPC_IOC_EP_CREATE, &c));
	memset(&c, 0, sizeof(c));
	c.reserved[1] = 1ULL << 63;
	EXPECT_EQ(-EINVAL, raw_ioctl(self->dev, MKIPC_IOC_EP_CREATE, &c));

	/* Nothing was made: no descriptor, no endpoint. */
	EXPECT_EQ(before, next_fd());
	EXPECT_EQ(live, mkipc_live_endpoints());
}

TEST_F_TIMEOUT(ep, create_efault, T_SHORT)
{
	struct pages *m = &self->mem;
	struct mkipc_ep_create c = { 0 };
	void *ptrs[] = {
		NULL, (void *)1, unmapped_addr(), KERNEL_ADDR, NONCANON_ADDR,
		m->none,
		/* readable, the out fields not writable */
		ro_put(m, 0, &c, sizeof(c)),
		/* straddles into read-only memory: fd and id not writable */
		m->rw + m->page - 8,
		/* straddles into inaccessible memory */
		m->ro + m->page - 8,
	};
	int before = next_fd();
	long live = mkipc_live_endpoints();
	size_t i;

	memset(m->rw + m->page - 8, 0, 8);
	for (i = 0; i < ARRAY_SIZE(ptrs); i++) {
		/* Raw: libmkipc's create passes a structure of its own. */
		EXPECT_EQ(-EFAULT, raw_ioctl(self->dev, MKIPC_IOC_EP_CREATE,
					     ptrs[i]))
			TH_LOG("pointer #%zu %p", i, ptrs[i]);
		/* A failed create leaves no descriptor behind. */
		EXPECT_EQ(before, next_fd())
			TH_LOG("pointer #%zu %p: a descriptor was installed",
			       i, ptrs[i]);
		if (next_fd() != before)
			close(before);
	}
	EXPECT_EQ(live, mkipc_wait_live_endpoints(live, 5000))
		TH_LOG("a failed create left an endpoint behind");
}

TEST_F_TIMEOUT(ep, create_and_sender_emfile, T_SHORT)
{
	struct rlimit rl;
	int fd, last = -1;

	rl.rlim_cur = 64;
	rl.rlim_max = 64;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	for (;;) {
		fd = open("/dev/null", O_RDONLY);
		if (fd < 0)
			break;
		last = fd;
	}
	ASSERT_EQ(EMFILE, errno);
	ASSERT_LE(0, last);
	EXPECT_EQ(-EMFILE, mkipc_ep_create(self->dev, 0, 0, NULL));
	EXPECT_EQ(-EMFILE, mkipc_ep_sender(self->rfd, 0));
	close(last);
	fd = mkipc_ep_create(self->dev, 0, 0, NULL);
	EXPECT_EQ(last, fd);
	EXPECT_EQ(-EMFILE, mkipc_ep_sender(fd, 0));
	close(fd);
	fd = mkipc_ep_sender(self->rfd, 0);
	EXPECT_EQ(last, fd);
}

/*
 * ENFILE: the system-wide file limit, which binds only tasks without
 * CAP_SYS_ADMIN. A child drops to nobody while fs.file-max is lowered to
 * just above the files in use; it changes a system setting, so only in a
 * test guest (MKIPC_GUEST, set by tools/vm/run-guest).
 */
TEST_F_TIMEOUT(ep, create_and_sender_enfile, T_SHORT)
{
	unsigned long max, nr;
	int sync[2], back[2], status;
	char buf[64], c;
	FILE *f;
	pid_t pid;

	if (geteuid() || !getenv("MKIPC_GUEST"))
		SKIP(return, "lowers fs.file-max: root in a test guest only");
	f = fopen("/proc/sys/fs/file-max", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%lu", &max));
	fclose(f);
	ASSERT_EQ(0, pipe(sync));
	ASSERT_EQ(0, pipe(back));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct rlimit rl = { 1 << 16, 1 << 16 };
		int fd, err, r1, r2;

		if (setrlimit(RLIMIT_NOFILE, &rl) || drop_to_nobody())
			_exit(10);
		if (write(sync[1], "r", 1) != 1 || read(back[0], &c, 1) != 1)
			_exit(11);
		do {
			fd = open("/dev/null", O_RDONLY);
		} while (fd >= 0);
		err = errno;
		r1 = mkipc_ep_create(self->dev, 0, 0, NULL);
		r2 = mkipc_ep_sender(self->rfd, 0);
		if (err != ENFILE)
			_exit(12);
		if (r1 != -ENFILE)
			_exit(13);
		_exit(r2 == -ENFILE ? 0 : 14);
	}
	ASSERT_EQ(1, read(sync[0], &c, 1));
	f = fopen("/proc/sys/fs/file-nr", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%lu", &nr));
	fclose(f);
	snprintf(buf, sizeof(buf), "%lu", nr + 64);
	f = fopen("/proc/sys/fs/file-max", "w");
	ASSERT_NE(NULL, f);
	fputs(buf, f);
	fclose(f);
	ASSERT_EQ(1, write(back[1], "g", 1));
	status = child_status(pid);
	/* Restore before any assertion can end the test. */
	snprintf(buf, sizeof(buf), "%lu", max);
	f = fopen("/proc/sys/fs/file-max", "w");
	if (f) {
		fputs(buf, f);
		fclose(f);
	}
	EXPECT_EQ(0, status)
		TH_LOG("10/11 setup, 12 open did not hit ENFILE, 13 create, 14 sender not ENFILE");
}

/* ==== descriptors of the wrong kind ==== */

/* The endpoint ioctls with arguments good enough to succeed elsewhere. */
static long ep_cmd_any(int fd, unsigned long cmd, __u64 token)
{
	struct mkipc_ep_info info;
	struct mkipc_ep_sender s = { 0 };
	struct mkipc_send snd = { .flags = MKIPC_F_NONBLOCK };
	struct mkipc_recv rcv = { .flags = MKIPC_F_NONBLOCK };
	struct mkipc_call call = { .flags = MKIPC_F_NONBLOCK,
				   .timeout_ns = 10 * MS };
	struct mkipc_reply rep = { .token = token };
	struct mkipc_reply_recv rr = {
		.reply.token = token,
		.recv.flags = MKIPC_F_NONBLOCK,
	};
	struct mkipc_ep_create c = { 0 };
	struct mkipc_version v;
	void *arg;

	switch (cmd) {
	case MKIPC_IOC_VERSION:
		arg = &v;
		break;
	case MKIPC_IOC_EP_CREATE:
		arg = &c;
		break;
	case MKIPC_IOC_EP_INFO:
		arg = &info;
		break;
	case MKIPC_IOC_EP_SENDER:
		arg = &s;
		break;
	case MKIPC_IOC_SEND:
		arg = &snd;
		break;
	case MKIPC_IOC_RECV:
		arg = &rcv;
		break;
	case MKIPC_IOC_CALL:
		arg = &call;
		break;
	case MKIPC_IOC_REPLY:
		arg = &rep;
		break;
	case MKIPC_IOC_REPLY_RECV:
		arg = &rr;
		break;
	default:
		arg = NULL;
		break;
	}
	/* Raw: any command number, libmkipc's or not. */
	return raw_ioctl(fd, cmd, arg);
}

static const unsigned long ep_cmds[] = {
	MKIPC_IOC_EP_INFO, MKIPC_IOC_EP_SENDER, MKIPC_IOC_EP_SHUTDOWN,
	MKIPC_IOC_SEND, MKIPC_IOC_RECV, MKIPC_IOC_CALL, MKIPC_IOC_REPLY,
	MKIPC_IOC_REPLY_RECV,
};

static const unsigned long all_cmds[] = {
	MKIPC_IOC_VERSION, MKIPC_IOC_EP_CREATE, MKIPC_IOC_EP_INFO,
	MKIPC_IOC_EP_SENDER, MKIPC_IOC_EP_SHUTDOWN, MKIPC_IOC_SEND,
	MKIPC_IOC_RECV, MKIPC_IOC_CALL, MKIPC_IOC_REPLY, MKIPC_IOC_REPLY_RECV,
};

TEST_F_TIMEOUT(ep, endpoint_ioctls_on_device_enotty, T_SHORT)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ep_cmds); i++) {
		EXPECT_EQ(-ENOTTY, ep_cmd_any(self->dev, ep_cmds[i], 1))
			TH_LOG("cmd %#lx", ep_cmds[i]);
		/* The argument is never looked at (raw: any number). */
		EXPECT_EQ(-ENOTTY, raw_ioctl(self->dev, ep_cmds[i], NULL))
			TH_LOG("cmd %#lx, NULL argument", ep_cmds[i]);
	}
}

TEST_F_TIMEOUT(ep, device_ioctls_on_endpoint_enotty, T_SHORT)
{
	const unsigned long near[] = {
		_IO(MKIPC_IOC_MAGIC, 0x13),
		_IO(MKIPC_IOC_MAGIC, 0x25),
		_IO(MKIPC_IOC_MAGIC, 0xff),
		_IOW(MKIPC_IOC_MAGIC, 0x20, __u32),	/* SEND, wrong size */
		_IOR(MKIPC_IOC_MAGIC, 0x20, struct mkipc_send),
		_IOWR(MKIPC_IOC_MAGIC, 0x20, struct mkipc_send),
		_IOW(MKIPC_IOC_MAGIC, 0x21, struct mkipc_recv),
		_IOR(MKIPC_IOC_MAGIC, 0x12, __u64),	/* SHUTDOWN with arg */
		_IOWR(MKIPC_IOC_MAGIC, 0x22, struct mkipc_send),
		_IOW(MKIPC_IOC_MAGIC + 1, 0x20, struct mkipc_send),
		_IOR(MKIPC_IOC_MAGIC, 0x10, struct mkipc_version),
	};
	int fds[2] = { self->rfd, self->sfd };
	char buf[512] = { 0 };
	size_t i, j;

	for (j = 0; j < 2; j++) {
		EXPECT_EQ(-ENOTTY, ep_cmd_any(fds[j], MKIPC_IOC_EP_CREATE, 0));
		/* Raw: numbers and arguments libmkipc has no call for. */
		EXPECT_EQ(-ENOTTY,
			  raw_ioctl(fds[j], MKIPC_IOC_EP_CREATE, NULL));
		EXPECT_EQ(-ENOTTY, ep_cmd_any(fds[j], MKIPC_IOC_VERSION, 0));
		for (i = 0; i < ARRAY_SIZE(near); i++) {
			EXPECT_EQ(-ENOTTY, raw_ioctl(fds[j], near[i], buf))
				TH_LOG("fd %d cmd %#lx", fds[j], near[i]);
		}
	}
	/* None of that queued anything or killed the endpoint. */
	EXPECT_EQ(0, ep_queued(self->rfd));
	EXPECT_EQ(0, ep_dead(self->rfd));
}

TEST_F_TIMEOUT(ep, mkipc_ioctls_on_other_files_enotty, T_SHORT)
{
	int p[2], sv[2], efd, null;
	int fds[5];
	size_t i, j;

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	efd = eventfd(0, 0);
	ASSERT_LE(0, efd);
	null = open("/dev/null", O_RDWR);
	ASSERT_LE(0, null);
	fds[0] = p[0];
	fds[1] = p[1];
	fds[2] = sv[0];
	fds[3] = efd;
	fds[4] = null;
	for (j = 0; j < ARRAY_SIZE(fds); j++)
		for (i = 0; i < ARRAY_SIZE(all_cmds); i++) {
			EXPECT_EQ(-ENOTTY, ep_cmd_any(fds[j], all_cmds[i], 1))
				TH_LOG("file #%zu cmd %#lx", j, all_cmds[i]);
		}
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	close(efd);
	close(null);
}

/* Everything that needs the receive right fails on a send-only fd. */
TEST_F_TIMEOUT(ep, send_only_fd_ebadf, T_SHORT)
{
	struct mkipc_reply_recv rr;
	struct mkipc_recv r;
	struct op caller;
	char buf[64];
	__u64 token;

	/* Sending works, receiving does not, and takes nothing. */
	ASSERT_EQ(0, ep_send(self->sfd, 11, "abc", 3, 0, 0));
	EXPECT_EQ(-EBADF, ep_recv(self->sfd, &r, buf, sizeof(buf),
				  MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(-EBADF, ep_recv(self->sfd, &r, buf, sizeof(buf), 0,
				  10 * MS));
	EXPECT_EQ(1, ep_queued(self->sfd));
	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, sizeof(buf),
			     MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(11, r.msg.label);

	/* A call from the send-only fd; only the receive fd may answer. */
	ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 12, 0,
			      WATCHDOG_NS));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	token = r.token;
	ASSERT_NE(0, token);
	EXPECT_EQ(-EBADF, ep_reply(self->sfd, token, 1, NULL, 0));
	EXPECT_EQ(-EBADF, ep_reply_recv(self->sfd, &rr, token, 1, NULL, 0,
					buf, sizeof(buf), MKIPC_F_NONBLOCK,
					0));
	EXPECT_EQ(-EBADF, mkipc_ep_shutdown(self->sfd));
	EXPECT_EQ(-EBADF, mkipc_ep_sender(self->sfd, 0));
	EXPECT_EQ(0, ep_dead(self->rfd));
	EXPECT_FALSE(atomic_load(&caller.done));
	/* The token survived all that. */
	EXPECT_EQ(0, ep_reply(self->rfd, token, echo_label(12), "ok", 2));
	ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
	EXPECT_EQ(0, caller.ret);
	EXPECT_EQ(echo_label(12), caller.call.rep.label);
	EXPECT_EQ(2, caller.call.rep.size);
}

/* ==== bad pointers ==== */

TEST_F_TIMEOUT(ep, argument_pointers_efault, T_SHORT)
{
	struct pages *m = &self->mem;
	void *bad[] = {
		NULL, (void *)1, unmapped_addr(), KERNEL_ADDR, NONCANON_ADDR,
		m->none, m->ro + m->page - 4,
	};
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(ep_cmds); i++) {
		if (ep_cmds[i] == MKIPC_IOC_EP_SHUTDOWN)
			continue;	/* takes no argument */
		for (j = 0; j < ARRAY_SIZE(bad); j++) {
			/* Raw: every command, one bad pointer each. */
			EXPECT_EQ(-EFAULT, raw_ioctl(self->rfd, ep_cmds[i],
						     bad[j]))
				TH_LOG("cmd %#lx pointer #%zu %p", ep_cmds[i],
				       j, bad[j]);
		}
	}
	EXPECT_EQ(0, ep_queued(self->rfd));
}

/* Out-parameters in memory the kernel may read but not write. */
TEST_F_TIMEOUT(ep, read_only_out_params_efault, T_SHORT)
{
	struct pages *m = &self->mem;
	struct mkipc_ep_info info = { 0 };
	struct mkipc_ep_sender snd = { 0 };
	struct mkipc_recv r;
	struct mkipc_send s;
	struct mkipc_reply rep;
	struct op caller;
	char buf[64];
	int before = next_fd();
	void *p;

	EXPECT_EQ(-EFAULT, mkipc_ep_info(self->rfd,
					 ro_put(m, 0, &info, sizeof(info))));
	/* Raw: libmkipc's sender passes a structure of its own. */
	EXPECT_EQ(-EFAULT, raw_ioctl(self->rfd, MKIPC_IOC_EP_SENDER,
				     ro_put(m, 0, &snd, sizeof(snd))));
	EXPECT_EQ(before, next_fd()) TH_LOG("failed sender left an fd");
	/* Half of it writable, the other half not. */
	p = m->rw + m->page - sizeof(info) / 2;
	memset(p, 0, sizeof(info) / 2);
	EXPECT_EQ(-EFAULT, mkipc_ep_info(self->rfd, p));

	/* SEND only reads its argument: read-only is fine. */
	memset(&s, 0, sizeof(s));
	s.msg.label = 21;
	EXPECT_EQ(0, mkipc_send(self->sfd, ro_put(m, 0, &s, sizeof(s))));
	ASSERT_EQ(0, ep_send(self->sfd, 22, "x", 1, 0, 0));

	/*
	 * RECV from a read-only argument cannot write label and size back:
	 * EFAULT, and the message stays first in line.
	 */
	recv_init(&r, buf, sizeof(buf), MKIPC_F_NONBLOCK, 0);
	EXPECT_EQ(-EFAULT, mkipc_recv(self->rfd, ro_put(m, 0, &r, sizeof(r))));
	/* Straddling: msg writable, sender and token not. */
	p = m->rw + m->page - sizeof(struct mkipc_msg);
	memcpy(p, &r, sizeof(struct mkipc_msg));
	ro_put(m, 0, (char *)&r + sizeof(struct mkipc_msg),
	       sizeof(r) - sizeof(struct mkipc_msg));
	EXPECT_EQ(-EFAULT, mkipc_recv(self->rfd, p));
	EXPECT_EQ(2, ep_queued(self->rfd));
	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, sizeof(buf),
			     MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(21, r.msg.label);
	EXPECT_EQ(0, r.msg.size);
	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, sizeof(buf),
			     MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(22, r.msg.label);

	/* REPLY only reads its argument too. */
	ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 23, 0,
			      WATCHDOG_NS));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	memset(&rep, 0, sizeof(rep));
	rep.token = r.token;
	rep.msg.label = echo_label(23);
	EXPECT_EQ(0, mkipc_reply(self->rfd, ro_put(m, 0, &rep, sizeof(rep))));
	ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
	EXPECT_EQ(0, caller.ret);
	EXPECT_EQ(echo_label(23), caller.call.rep.label);
}

/* A call whose argument is read-only: EFAULT, whenever it is noticed. */
TEST_F_TIMEOUT(ep, call_read_only_argument_efault, T_SHORT)
{
	struct pages *m = &self->mem;
	struct mkipc_call c;
	struct mkipc_recv r;
	struct op server;
	char buf[64];

	/*
	 * Serves the request if the call queues one: then the kernel fails
	 * to write the reply's label and size back, and the reply is lost.
	 */
	op_prep(&server, OP_SERVE, self->rfd, 0, 0, 2 * SEC);
	ASSERT_EQ(0, op_go(&server));
	memset(&c, 0, sizeof(c));
	c.req.label = 31;
	c.rep.data = (uintptr_t)buf;
	c.rep.size = sizeof(buf);
	c.timeout_ns = WATCHDOG_NS;
	EXPECT_EQ(-EFAULT, mkipc_call(self->sfd, ro_put(m, 0, &c, sizeof(c))));
	ASSERT_EQ(0, op_join(&server, WATCHDOG_MS));
	if (server.ret == 0)
		EXPECT_EQ(0, server.reply_ret);
	/* Nothing is left behind in the queue. */
	EXPECT_EQ(-EAGAIN, ep_recv(self->rfd, &r, buf, sizeof(buf),
				   MKIPC_F_NONBLOCK, 0));
}

TEST_F_TIMEOUT(ep, payload_pointers_efault, T_SHORT)
{
	struct pages *m = &self->mem;
	unsigned int seed = 1;
	char data[64], buf[64];
	struct mkipc_recv r;

	/* Send: nothing is queued from a payload the kernel cannot read. */
	EXPECT_EQ(-EFAULT, ep_send(self->sfd, 1, NULL, 8, 0, 0));
	EXPECT_EQ(-EFAULT, ep_send(self->sfd, 1, (void *)1, 8, 0, 0));
	EXPECT_EQ(-EFAULT, ep_send(self->sfd, 1, unmapped_addr(), 8, 0, 0));
	EXPECT_EQ(-EFAULT, ep_send(self->sfd, 1, KERNEL_ADDR, 8, 0, 0));
	EXPECT_EQ(-EFAULT, ep_send(self->sfd, 1, m->none, 8, 0, 0));
	EXPECT_EQ(-EFAULT, ep_send(self->sfd, 1, m->ro + m->page - 4, 8, 0,
				   0));
	EXPECT_EQ(-EFAULT, ep_send(self->sfd, 1, m->none - 1, MKIPC_MSG_MAX,
				   0, 0));
	EXPECT_EQ(0, ep_queued(self->rfd));
	/* Read-only payloads are fine to send; no payload needs no buffer. */
	fill_random(data, sizeof(data), &seed);
	EXPECT_EQ(0, ep_send(self->sfd, 2, ro_put(m, 256, data, 64), 64, 0,
			     0));
	EXPECT_EQ(0, ep_send(self->sfd, 3, NULL, 0, 0, 0));
	EXPECT_EQ(0, ep_send(self->sfd, 4, "tail", 4, 0, 0));

	/*
	 * Receive into buffers the kernel cannot write: EFAULT each time, and
	 * the message stays first in line, in front of the others.
	 */
	EXPECT_EQ(-EFAULT, ep_recv(self->rfd, &r, NULL, 64, MKIPC_F_NONBLOCK,
				   0));
	EXPECT_EQ(-EFAULT, ep_recv(self->rfd, &r, (void *)1, 64,
				   MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(-EFAULT, ep_recv(self->rfd, &r, KERNEL_ADDR, 64,
				   MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(-EFAULT, ep_recv(self->rfd, &r, m->ro, 64,
				   MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(-EFAULT, ep_recv(self->rfd, &r, m->none, 64,
				   MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(-EFAULT, ep_recv(self->rfd, &r, m->rw + m->page - 32, 64,
				   MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(3, ep_queued(self->rfd));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, sizeof(buf),
			     MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(2, r.msg.label);
	EXPECT_EQ(64, r.msg.size);
	EXPECT_EQ(0, memcmp(buf, data, 64));
	/* A message without payload needs no buffer. */
	ASSERT_EQ(0, ep_recv(self->rfd, &r, NULL, 0, MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(3, r.msg.label);
	EXPECT_EQ(0, r.msg.size);
	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, sizeof(buf),
			     MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(4, r.msg.label);
}

TEST_F_TIMEOUT(ep, call_payload_pointers_efault, T_SHORT)
{
	struct pages *m = &self->mem;
	struct mkipc_call c;
	struct op server;
	char buf[64];

	/* A request the kernel cannot read is not queued. */
	EXPECT_EQ(-EFAULT, ep_call(self->sfd, &c, 1, NULL, 8, buf, 64, 0,
				   WATCHDOG_NS));
	EXPECT_EQ(-EFAULT, ep_call(self->sfd, &c, 1, m->none, 8, buf, 64, 0,
				   WATCHDOG_NS));
	EXPECT_EQ(-EFAULT, ep_call(self->sfd, &c, 1, KERNEL_ADDR, 8, buf, 64,
				   0, WATCHDOG_NS));
	EXPECT_EQ(-EFAULT, ep_call(self->sfd, &c, 1, m->ro + m->page - 4, 8,
				   buf, 64, 0, WATCHDOG_NS));
	EXPECT_EQ(0, ep_queued(self->rfd));

	/*
	 * A reply buffer the kernel cannot write: the call fails with EFAULT
	 * and the reply is lost; the server's reply itself went through.
	 */
	ASSERT_EQ(0, op_serve(&server, self->rfd, 16));
	EXPECT_EQ(-EFAULT, ep_call(self->sfd, &c, 41, "req", 3, m->ro, 64, 0,
				   WATCHDOG_NS));
	ASSERT_EQ(0, op_join(&server, WATCHDOG_MS));
	EXPECT_EQ(0, server.ret);
	EXPECT_EQ(41, server.rcv.msg.label);
	EXPECT_EQ(0, server.reply_ret);

	ASSERT_EQ(0, op_serve(&server, self->rfd, 16));
	EXPECT_EQ(-EFAULT, ep_call(self->sfd, &c, 42, "req", 3,
				   m->rw + m->page - 8, 16, 0, WATCHDOG_NS));
	ASSERT_EQ(0, op_join(&server, WATCHDOG_MS));
	EXPECT_EQ(0, server.reply_ret);
	EXPECT_EQ(0, ep_queued(self->rfd));
}

TEST_F_TIMEOUT(ep, reply_pointers_efault_token_survives, T_SHORT)
{
	struct pages *m = &self->mem;
	struct mkipc_reply_recv rr;
	struct mkipc_recv r;
	struct op caller;
	char buf[64];
	__u64 token;

	ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 51, 0,
			      WATCHDOG_NS));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	token = r.token;
	ASSERT_NE(0, token);
	ASSERT_EQ(0, ep_send(self->sfd, 52, NULL, 0, 0, 0));

	EXPECT_EQ(-EFAULT, ep_reply(self->rfd, token, 1, NULL, 8));
	EXPECT_EQ(-EFAULT, ep_reply(self->rfd, token, 1, m->none, 8));
	EXPECT_EQ(-EFAULT, ep_reply(self->rfd, token, 1, KERNEL_ADDR, 8));
	EXPECT_EQ(-EFAULT, ep_reply(self->rfd, token, 1, m->ro + m->page - 4,
				    8));
	/* REPLY_RECV: a bad reply fails the ioctl before it receives. */
	EXPECT_EQ(-EFAULT, ep_reply_recv(self->rfd, &rr, token, 1, m->none,
					 8, buf, sizeof(buf),
					 MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(1, ep_queued(self->rfd)) TH_LOG("REPLY_RECV received");
	EXPECT_EQ(-EFAULT, mkipc_reply(self->rfd, NULL));
	EXPECT_FALSE(atomic_load(&caller.done));

	/* The token is still good: the caller gets this reply. */
	ASSERT_EQ(0, ep_reply_recv(self->rfd, &rr, token, echo_label(51),
				   "fine", 4, buf, sizeof(buf),
				   MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(0, rr.reply_err);
	EXPECT_EQ(52, rr.recv.msg.label);
	EXPECT_EQ(0, rr.recv.token);
	ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
	EXPECT_EQ(0, caller.ret);
	EXPECT_EQ(echo_label(51), caller.call.rep.label);
	EXPECT_EQ(4, caller.call.rep.size);
	EXPECT_EQ(0, memcmp(caller.rbuf, "fine", 4));
	/* Used up now. */
	EXPECT_EQ(-ENOENT, ep_reply(self->rfd, token, 1, NULL, 0));
}

TEST_F_TIMEOUT(ep, reply_recv_receive_buffer_efault, T_SHORT)
{
	struct pages *m = &self->mem;
	struct mkipc_reply_recv rr;
	char buf[64];

	ASSERT_EQ(0, ep_send(self->sfd, 61, "payload", 7, 0, 0));
	EXPECT_EQ(-EFAULT, ep_reply_recv(self->rfd, &rr, 0, 0, NULL, 0,
					 m->ro, 64, MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(-EFAULT, ep_reply_recv(self->rfd, &rr, 0, 0, NULL, 0,
					 NULL, 64, MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(1, ep_queued(self->rfd));
	ASSERT_EQ(0, ep_reply_recv(self->rfd, &rr, 0, 0, NULL, 0, buf,
				   sizeof(buf), MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(61, rr.recv.msg.label);
	EXPECT_EQ(7, rr.recv.msg.size);
	EXPECT_EQ(0, memcmp(buf, "payload", 7));
}

/* ==== sizes ==== */

TEST_F_TIMEOUT(ep, send_sizes, T_SHORT)
{
	static const __u32 sizes[] = { 0, 1, 7, 64, 4095, MKIPC_MSG_MAX };
	static char data[MKIPC_MSG_MAX + 64], buf[MKIPC_MSG_MAX];
	unsigned int seed = 7;
	struct mkipc_recv r;
	size_t i;

	fill_random(data, sizeof(data), &seed);
	EXPECT_EQ(-EINVAL, ep_send(self->sfd, 1, data, MKIPC_MSG_MAX + 1, 0,
				   0));
	EXPECT_EQ(-EINVAL, ep_send(self->sfd, 1, data, 1U << 31, 0, 0));
	EXPECT_EQ(-EINVAL, ep_send(self->sfd, 1, data, UINT32_MAX, 0, 0));
	EXPECT_EQ(0, ep_queued(self->rfd));
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ASSERT_EQ(0, ep_send(self->sfd, 100 + i, data + i, sizes[i],
				     0, 0));
		memset(buf, 0, sizeof(buf));
		ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, MKIPC_MSG_MAX,
				     MKIPC_F_NONBLOCK, 0));
		EXPECT_EQ(100 + i, r.msg.label);
		EXPECT_EQ(sizes[i], r.msg.size);
		EXPECT_EQ(0, memcmp(buf, data + i, sizes[i]))
			TH_LOG("payload of %u bytes differs", sizes[i]);
	}
	/* A capacity above MKIPC_MSG_MAX is refused; nothing is taken. */
	ASSERT_EQ(0, ep_send(self->sfd, 9, data, 10, 0, 0));
	EXPECT_EQ(-EINVAL, ep_recv(self->rfd, &r, data, MKIPC_MSG_MAX + 1,
				   MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(1, ep_queued(self->rfd));
}

TEST_F_TIMEOUT(ep, recv_emsgsize_keeps_message_first, T_SHORT)
{
	char data[100], buf[200];
	unsigned int seed = 3;
	struct mkipc_recv r;

	fill_random(data, sizeof(data), &seed);
	ASSERT_EQ(0, ep_send(self->sfd, 71, data, 100, 0, 0));
	ASSERT_EQ(0, ep_send(self->sfd, 72, "b", 1, 0, 0));

	EXPECT_EQ(-EMSGSIZE, ep_recv(self->rfd, &r, buf, 99,
				     MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(100, r.msg.size) TH_LOG("size needed not reported");
	EXPECT_EQ(-EMSGSIZE, ep_recv(self->rfd, &r, NULL, 0,
				     MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(100, r.msg.size);
	EXPECT_EQ(-EMSGSIZE, ep_recv(self->rfd, &r, buf, 1, 0, WATCHDOG_NS));
	EXPECT_EQ(100, r.msg.size);
	EXPECT_EQ(2, ep_queued(self->rfd));

	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, 100, MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(71, r.msg.label);
	EXPECT_EQ(100, r.msg.size);
	EXPECT_EQ(0, memcmp(buf, data, 100));
	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, 1, MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(72, r.msg.label);
}

TEST_F_TIMEOUT(ep, call_sizes, T_SHORT)
{
	static char req[MKIPC_MSG_MAX + 1], rep[MKIPC_MSG_MAX + 1];
	struct mkipc_reply_recv rr;
	struct mkipc_call c;
	struct mkipc_recv r;
	struct op caller;
	char buf[128];
	__u64 token;

	EXPECT_EQ(-EINVAL, ep_call(self->sfd, &c, 1, req, MKIPC_MSG_MAX + 1,
				   rep, 8, 0, WATCHDOG_NS));
	EXPECT_EQ(-EINVAL, ep_call(self->sfd, &c, 1, req, 8, rep,
				   MKIPC_MSG_MAX + 1, 0, WATCHDOG_NS));
	EXPECT_EQ(-EINVAL, ep_call(self->sfd, &c, 1, req, UINT32_MAX, rep, 8,
				   0, WATCHDOG_NS));
	EXPECT_EQ(0, ep_queued(self->rfd));

	/* The caller's buffer holds 64 bytes (struct op's rbuf). */
	ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 81, 0,
			      WATCHDOG_NS));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	token = r.token;
	EXPECT_EQ(64, r.msg.size);
	EXPECT_EQ(-EINVAL, ep_reply(self->rfd, token, 1, rep,
				    MKIPC_MSG_MAX + 1));
	EXPECT_EQ(-EMSGSIZE, ep_reply(self->rfd, token, 1, rep, 65));
	EXPECT_EQ(-EMSGSIZE, ep_reply(self->rfd, token, 1, rep,
				      MKIPC_MSG_MAX));
	ASSERT_EQ(0, ep_send(self->sfd, 82, NULL, 0, 0, 0));
	EXPECT_EQ(-EMSGSIZE, ep_reply_recv(self->rfd, &rr, token, 1, rep,
					   65, buf, sizeof(buf),
					   MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(1, ep_queued(self->rfd)) TH_LOG("REPLY_RECV received");
	EXPECT_FALSE(atomic_load(&caller.done));
	/* Token still valid; exactly the caller's capacity fits. */
	memset(rep, 'z', 64);
	EXPECT_EQ(0, ep_reply(self->rfd, token, echo_label(81), rep, 64));
	ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
	EXPECT_EQ(0, caller.ret);
	EXPECT_EQ(64, caller.call.rep.size);
	EXPECT_EQ(0, memcmp(caller.rbuf, rep, 64));
}

struct sized_server {
	int fd;
	const char *rep;
	__u32 size;
	long recv_ret;
	long reply_ret;
};

static void *serve_sized(void *arg)
{
	struct sized_server *sv = arg;
	struct mkipc_recv r;
	char buf[16];

	sv->recv_ret = ep_take(sv->fd, &r, buf, sizeof(buf));
	if (!sv->recv_ret)
		sv->reply_ret = ep_reply(sv->fd, r.token,
					 echo_label(r.msg.label), sv->rep,
					 sv->size);
	return NULL;
}

/* Replies of every size class arrive intact (up to 64 bytes: inline). */
TEST_F_TIMEOUT(ep, reply_sizes, T_SHORT)
{
	static const __u32 sizes[] = { 0, 1, 63, 64, 65, 200, 4095,
				       MKIPC_MSG_MAX };
	static char rep[MKIPC_MSG_MAX], got[MKIPC_MSG_MAX + 1];
	struct sized_server sv = { .fd = self->rfd, .rep = rep };
	unsigned int seed = 5;
	struct mkipc_call c;
	pthread_t thr;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		fill_random(rep, sizes[i], &seed);
		memset(got, 0xee, sizeof(got));
		sv.size = sizes[i];
		ASSERT_EQ(0, pthread_create(&thr, NULL, serve_sized, &sv));
		/* A buffer that fits exactly, then the largest there is. */
		EXPECT_EQ(0, ep_call(self->sfd, &c, 500 + i, NULL, 0, got,
				     i & 1 ? MKIPC_MSG_MAX : sizes[i], 0,
				     WATCHDOG_NS));
		pthread_join(thr, NULL);
		EXPECT_EQ(0, sv.recv_ret);
		EXPECT_EQ(0, sv.reply_ret);
		EXPECT_EQ(echo_label(500 + i), c.rep.label);
		EXPECT_EQ(sizes[i], c.rep.size);
		EXPECT_EQ(0, memcmp(got, rep, sizes[i]))
			TH_LOG("reply of %u bytes differs", sizes[i]);
		EXPECT_EQ((char)0xee, got[sizes[i]])
			TH_LOG("reply of %u bytes wrote past its size",
			       sizes[i]);
	}
}

/* ==== flags and reserved fields ==== */

TEST_F_TIMEOUT(ep, unknown_flags_einval, T_SHORT)
{
	struct mkipc_reply_recv rr;
	struct mkipc_recv r;
	struct mkipc_call c;
	char buf[64];
	int bit;

	ASSERT_EQ(0, ep_send(self->sfd, 1, NULL, 0, 0, 0));
	for (bit = 1; bit < 32; bit++) {
		__u32 f = 1U << bit;

		EXPECT_EQ(-EINVAL, ep_send(self->sfd, 2, NULL, 0, f, 0))
			TH_LOG("send flag bit %d", bit);
		EXPECT_EQ(-EINVAL, ep_recv(self->rfd, &r, buf, sizeof(buf),
					   f | MKIPC_F_NONBLOCK, 0))
			TH_LOG("recv flag bit %d", bit);
		EXPECT_EQ(-EINVAL, ep_call(self->sfd, &c, 3, NULL, 0, buf,
					   sizeof(buf), f, 10 * MS))
			TH_LOG("call flag bit %d", bit);
		EXPECT_EQ(-EINVAL, ep_reply_recv(self->rfd, &rr, 0, 0, NULL, 0,
						 buf, sizeof(buf),
						 f | MKIPC_F_NONBLOCK, 0))
			TH_LOG("reply_recv flag bit %d", bit);
	}
	for (bit = 0; bit < 32; bit++) {
		if ((1U << bit) & (MKIPC_EP_CLOEXEC | MKIPC_EP_NONBLOCK))
			continue;
		EXPECT_EQ(-EINVAL, mkipc_ep_sender(self->rfd, 1U << bit))
			TH_LOG("sender flag bit %d", bit);
	}
	/* Nothing queued, nothing taken. */
	EXPECT_EQ(1, ep_queued(self->rfd));
}

TEST_F_TIMEOUT(ep, reserved_fields_einval, T_SHORT)
{
	struct mkipc_ep_sender es;
	struct mkipc_reply_recv rr;
	struct mkipc_reply rep;
	struct mkipc_recv r;
	struct mkipc_send s;
	struct mkipc_call c;
	struct op caller;
	char buf[64];
	__u64 token;
	int i;

	/* send */
	for (i = 0; i < 4; i++) {
		memset(&s, 0, sizeof(s));
		s.msg.label = 1;
		if (i == 0)
			s.msg.reserved0 = 1;
		else if (i == 1)
			s.reserved0 = 1;
		else
			s.reserved[i - 2] = 1;
		EXPECT_EQ(-EINVAL, mkipc_send(self->sfd, &s))
			TH_LOG("send reserved #%d", i);
	}
	EXPECT_EQ(0, ep_queued(self->rfd));
	ASSERT_EQ(0, ep_send(self->sfd, 2, NULL, 0, 0, 0));

	/* recv: in-fields reserved; out-fields may hold anything */
	for (i = 0; i < 4; i++) {
		recv_init(&r, buf, sizeof(buf), MKIPC_F_NONBLOCK, 0);
		if (i == 0)
			r.msg.reserved0 = 1;
		else if (i == 1)
			r.reserved0 = 1;
		else
			r.reserved[i - 2] = 1;
		EXPECT_EQ(-EINVAL, mkipc_recv(self->rfd, &r))
			TH_LOG("recv reserved #%d", i);
	}
	EXPECT_EQ(1, ep_queued(self->rfd));
	recv_init(&r, buf, sizeof(buf), MKIPC_F_NONBLOCK, 0);
	r.msg.label = ~0ULL;
	memset(&r.sender, 0xff, sizeof(r.sender));
	r.token = ~0ULL;
	EXPECT_EQ(0, mkipc_recv(self->rfd, &r));
	EXPECT_EQ(2, r.msg.label);
	EXPECT_EQ(0, r.token);

	/* call */
	for (i = 0; i < 5; i++) {
		memset(&c, 0, sizeof(c));
		c.rep.data = (uintptr_t)buf;
		c.rep.size = sizeof(buf);
		c.timeout_ns = 10 * MS;
		if (i == 0)
			c.req.reserved0 = 1;
		else if (i == 1)
			c.rep.reserved0 = 1;
		else if (i == 2)
			c.reserved0 = 1;
		else
			c.reserved[i - 3] = 1;
		EXPECT_EQ(-EINVAL, mkipc_call(self->sfd, &c))
			TH_LOG("call reserved #%d", i);
	}
	EXPECT_EQ(0, ep_queued(self->rfd));

	/* reply and reply_recv, against a live token */
	ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 91, 0,
			      WATCHDOG_NS));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	token = r.token;
	for (i = 0; i < 3; i++) {
		memset(&rep, 0, sizeof(rep));
		rep.token = token;
		if (i == 0)
			rep.msg.reserved0 = 1;
		else
			rep.reserved[i - 1] = 1;
		EXPECT_EQ(-EINVAL, mkipc_reply(self->rfd, &rep))
			TH_LOG("reply reserved #%d", i);
	}
	for (i = 0; i < 8; i++) {
		memset(&rr, 0, sizeof(rr));
		rr.reply.token = token;
		rr.recv.flags = MKIPC_F_NONBLOCK;
		if (i == 0)
			rr.reply.msg.reserved0 = 1;
		else if (i < 3)
			rr.reply.reserved[i - 1] = 1;
		else if (i == 3)
			rr.recv.msg.reserved0 = 1;
		else if (i == 4)
			rr.recv.reserved0 = 1;
		else if (i < 7)
			rr.recv.reserved[i - 5] = 1;
		else
			rr.reserved0 = 1;
		EXPECT_EQ(-EINVAL, mkipc_reply_recv(self->rfd, &rr))
			TH_LOG("reply_recv reserved #%d", i);
	}
	EXPECT_EQ(-EINVAL, ep_reply(self->rfd, 0, 1, NULL, 0))
		TH_LOG("token 0");
	EXPECT_FALSE(atomic_load(&caller.done));
	/* reply_err is out: anything in it is ignored. */
	memset(&rr, 0, sizeof(rr));
	rr.reply.token = token;
	rr.reply.msg.label = echo_label(91);
	rr.recv.flags = MKIPC_F_NONBLOCK;
	rr.reply_err = -1;
	EXPECT_EQ(-EAGAIN, mkipc_reply_recv(self->rfd, &rr));
	EXPECT_EQ(0, rr.reply_err);
	ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
	EXPECT_EQ(0, caller.ret);
	EXPECT_EQ(echo_label(91), caller.call.rep.label);

	/* sender */
	for (i = 0; i < 2; i++) {
		memset(&es, 0, sizeof(es));
		es.reserved[i] = 1;
		/* Raw: reserved fields libmkipc's sender always zeroes. */
		EXPECT_EQ(-EINVAL,
			  raw_ioctl(self->rfd, MKIPC_IOC_EP_SENDER, &es));
	}
	memset(&es, 0, sizeof(es));
	es.fd = -12345;	/* out; raw, to see it written */
	i = raw_ioctl(self->rfd, MKIPC_IOC_EP_SENDER, &es);
	EXPECT_LE(0, i);
	EXPECT_EQ(i, es.fd);
	close(i);
}

/* ==== non-blocking ==== */

TEST_F_TIMEOUT(ep, nonblocking_recv_eagain, T_SHORT)
{
	struct mkipc_reply_recv rr;
	unsigned long long t0;
	struct mkipc_recv r;
	char buf[64];
	int fd, fl;

	EXPECT_EQ(-EAGAIN, ep_recv(self->rfd, &r, buf, sizeof(buf),
				   MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(-EAGAIN, ep_recv(self->rfd, &r, buf, sizeof(buf),
				   MKIPC_F_NONBLOCK, 10 * SEC));
	EXPECT_EQ(-EAGAIN, ep_reply_recv(self->rfd, &rr, 0, 0, NULL, 0, buf,
					 sizeof(buf), MKIPC_F_NONBLOCK, 0));

	/* Created non-blocking: every operation as if with the flag. */
	fd = mkipc_ep_create(self->dev, MKIPC_EP_NONBLOCK, 0, NULL);
	ASSERT_LE(0, fd);
	t0 = mkipc_now_ns();
	EXPECT_EQ(-EAGAIN, ep_recv(fd, &r, buf, sizeof(buf), 0, 0));
	EXPECT_EQ(-EAGAIN, ep_reply_recv(fd, &rr, 0, 0, NULL, 0, buf,
					 sizeof(buf), 0, 0));
	EXPECT_GT(t0 + 5 * SEC, mkipc_now_ns());
	close(fd);

	/* Set non-blocking with fcntl, then cleared again. */
	fl = fcntl(self->rfd, F_GETFL);
	ASSERT_EQ(0, fcntl(self->rfd, F_SETFL, fl | O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, ep_recv(self->rfd, &r, buf, sizeof(buf), 0, 0));
	ASSERT_EQ(0, fcntl(self->rfd, F_SETFL, fl & ~O_NONBLOCK));
	EXPECT_EQ(-ETIMEDOUT, ep_recv(self->rfd, &r, buf, sizeof(buf), 0,
				      20 * MS));
}

TEST_F_TIMEOUT(ep, nonblocking_send_eagain, T_SHORT)
{
	struct mkipc_call c;
	char buf[64];
	int fd, s, fl;

	fd = mkipc_ep_create(self->dev, 0, 2, NULL);
	ASSERT_LE(0, fd);
	s = mkipc_ep_sender(fd, MKIPC_EP_NONBLOCK);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, send_n(fd, 0, 2));
	EXPECT_EQ(-EAGAIN, ep_send(fd, 9, NULL, 0, MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(-EAGAIN, ep_send(fd, 9, NULL, 0, MKIPC_F_NONBLOCK,
				   10 * SEC));
	EXPECT_EQ(-EAGAIN, ep_send(s, 9, NULL, 0, 0, 0));
	EXPECT_EQ(-EAGAIN, ep_call(fd, &c, 9, NULL, 0, buf, sizeof(buf),
				   MKIPC_F_NONBLOCK, 10 * SEC));
	EXPECT_EQ(-EAGAIN, ep_call(s, &c, 9, NULL, 0, buf, sizeof(buf), 0,
				   10 * SEC));
	EXPECT_EQ(2, ep_queued(fd)) TH_LOG("EAGAIN queued something");
	close(s);

	/* O_NONBLOCK belongs to one open file: a separate sender blocks. */
	fl = fcntl(fd, F_GETFL);
	ASSERT_EQ(0, fcntl(fd, F_SETFL, fl | O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, ep_send(fd, 9, NULL, 0, 0, 0));
	s = mkipc_ep_sender(fd, 0);
	ASSERT_LE(0, s);
	EXPECT_EQ(-ETIMEDOUT, ep_send(s, 9, NULL, 0, 0, 20 * MS));
	ASSERT_EQ(0, fcntl(s, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, ep_send(s, 9, NULL, 0, 0, 0));
	EXPECT_EQ(2, ep_queued(fd));
	close(s);
	close(fd);
}

/* Non-blocking, a call still waits for its reply: only its send does not. */
TEST_F_TIMEOUT(ep, nonblocking_call_waits_for_reply, T_SHORT)
{
	struct mkipc_recv r;
	struct op caller;
	char buf[64];
	int fl;

	fl = fcntl(self->sfd, F_GETFL);
	ASSERT_EQ(0, fcntl(self->sfd, F_SETFL, fl | O_NONBLOCK));
	ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 101,
			      MKIPC_F_NONBLOCK, 0));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	ASSERT_EQ(0, op_wait_blocked(&caller))
		TH_LOG("non-blocking call returned %ld before its reply",
		       caller.ret);
	EXPECT_EQ(0, ep_reply(self->rfd, r.token, echo_label(101), "r", 1));
	ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
	EXPECT_EQ(0, caller.ret);
	EXPECT_EQ(echo_label(101), caller.call.rep.label);
}

/* ==== the queue bound ==== */

TEST_F_TIMEOUT(ep, full_queue, T_SHORT)
{
	unsigned long long t0, dt;
	struct mkipc_recv r;
	struct op blocked;
	char buf[64];
	int fd, s, i;

	fd = mkipc_ep_create(self->dev, 0, 4, NULL);
	ASSERT_LE(0, fd);
	s = mkipc_ep_sender(fd, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, send_n(s, 0, 4));
	EXPECT_EQ(4, ep_queued(fd));
	EXPECT_EQ(-EAGAIN, ep_send(s, 99, NULL, 0, MKIPC_F_NONBLOCK, 0));
	t0 = mkipc_now_ns();
	EXPECT_EQ(-ETIMEDOUT, ep_send(s, 99, NULL, 0, 0, 100 * MS));
	dt = mkipc_now_ns() - t0;
	EXPECT_LE(100 * MS, dt);
	EXPECT_GT(100 * MS + SLACK_NS, dt);

	/* A blocked sender goes on once a receive makes room. */
	ASSERT_EQ(0, op_start(&blocked, OP_SEND, s, 4, 0, 0));
	ASSERT_EQ(0, op_wait_blocked(&blocked))
		TH_LOG("send on a full queue returned %ld", blocked.ret);
	EXPECT_EQ(4, ep_queued(fd));
	ASSERT_EQ(0, ep_recv(fd, &r, buf, sizeof(buf), MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(0, r.msg.label);
	ASSERT_EQ(0, op_join(&blocked, WATCHDOG_MS));
	EXPECT_EQ(0, blocked.ret);
	EXPECT_EQ(4, ep_queued(fd));
	/* A blocked call too, and the order holds. */
	ASSERT_EQ(0, op_start(&blocked, OP_CALL, s, 5, 0, WATCHDOG_NS));
	ASSERT_EQ(0, op_wait_blocked(&blocked));
	for (i = 1; i <= 5; i++) {
		ASSERT_EQ(0, ep_take(fd, &r, buf, sizeof(buf)));
		EXPECT_EQ(i, r.msg.label);
	}
	EXPECT_NE(0, r.token);
	EXPECT_EQ(0, ep_reply(fd, r.token, echo_label(5), NULL, 0));
	ASSERT_EQ(0, op_join(&blocked, WATCHDOG_MS));
	EXPECT_EQ(0, blocked.ret);
	close(s);
	close(fd);
}

/* ==== tokens: ENOENT and ESRCH ==== */

TEST_F_TIMEOUT(ep, reply_unknown_token_enoent, T_SHORT)
{
	struct mkipc_reply_recv rr;
	struct mkipc_recv r;
	struct op caller;
	char buf[64];
	int other;

	EXPECT_EQ(-ENOENT, ep_reply(self->rfd, 0x5a5a5a5a5a5aULL, 1, NULL,
				    0));
	EXPECT_EQ(-ENOENT, ep_reply(self->rfd, 1, 1, NULL, 0));
	EXPECT_EQ(-ENOENT, ep_reply(self->rfd, ~0ULL, 1, NULL, 0));
	ASSERT_EQ(0, ep_send(self->sfd, 5, NULL, 0, 0, 0));
	EXPECT_EQ(-ENOENT, ep_reply_recv(self->rfd, &rr, 77, 1, NULL, 0, buf,
					 sizeof(buf), MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(1, ep_queued(self->rfd)) TH_LOG("REPLY_RECV received");
	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, sizeof(buf),
			     MKIPC_F_NONBLOCK, 0));

	/* A token names a call on one endpoint only. */
	ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 111, 0,
			      WATCHDOG_NS));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	other = mkipc_ep_create(self->dev, 0, 0, NULL);
	ASSERT_LE(0, other);
	EXPECT_EQ(-ENOENT, ep_reply(other, r.token, 1, NULL, 0));
	close(other);
	EXPECT_EQ(0, ep_reply(self->rfd, r.token, echo_label(111), NULL, 0));
	ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
	EXPECT_EQ(0, caller.ret);
	/* Replied once; twice is once too many. */
	EXPECT_EQ(-ENOENT, ep_reply(self->rfd, r.token, 1, NULL, 0));
}

#define HELD_CALLS 24

/*
 * A server holds more calls at once than the endpoint has call slots
 * (16), so that tokens come from both the slots and the table (and, with
 * MKIPC_EP_NO_RECYCLE, all from the table), and answers them last first:
 * every token is its own call's, works once, and then names nothing.
 */
TEST_F_TIMEOUT(ep, many_held_calls, T_SHORT)
{
	static const __u32 kinds[] = { 0, MKIPC_EP_NO_RECYCLE };
	__u64 token[HELD_CALLS], label[HELD_CALLS];
	struct op caller[HELD_CALLS];
	struct mkipc_ep_info info;
	struct mkipc_recv r;
	char buf[64];
	int fd, s, i, j, k;

	for (k = 0; k < (int)ARRAY_SIZE(kinds); k++) {
		fd = mkipc_ep_create(self->dev, kinds[k], 2 * HELD_CALLS, NULL);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ep_info(fd, &info));
		EXPECT_EQ(kinds[k], info.flags & MKIPC_EP_NO_RECYCLE);
		s = mkipc_ep_sender(fd, 0);
		ASSERT_LE(0, s);
		for (i = 0; i < HELD_CALLS; i++)
			ASSERT_EQ(0, op_start(&caller[i], OP_CALL, s, 500 + i, 0,
					      WATCHDOG_NS));
		for (i = 0; i < HELD_CALLS; i++) {
			ASSERT_EQ(0, ep_take(fd, &r, buf, sizeof(buf)));
			label[i] = r.msg.label;
			token[i] = r.token;
			EXPECT_NE(0, token[i]);
			for (j = 0; j < i; j++)
				EXPECT_NE(token[j], token[i])
					TH_LOG("kind %#x: calls %d and %d share a token",
					       kinds[k], j, i);
		}
		for (i = HELD_CALLS - 1; i >= 0; i--) {
			EXPECT_EQ(0, ep_reply(fd, token[i],
					      echo_label(label[i]), NULL, 0));
			EXPECT_EQ(-ENOENT, ep_reply(fd, token[i], 1, NULL, 0));
		}
		for (i = 0; i < HELD_CALLS; i++) {
			ASSERT_EQ(0, op_join(&caller[i], WATCHDOG_MS));
			EXPECT_EQ(0, caller[i].ret);
			EXPECT_EQ(echo_label(caller[i].label),
				  caller[i].call.rep.label);
		}
		/* Used-up tokens name nothing, slots reused or not. */
		for (i = 0; i < HELD_CALLS; i++)
			EXPECT_EQ(-ENOENT, ep_reply(fd, token[i], 1, NULL, 0));
		close(s);
		close(fd);
	}
}

TEST_F_TIMEOUT(ep, caller_gave_up_esrch, T_SHORT)
{
	struct mkipc_reply_recv rr;
	struct mkipc_recv r;
	struct op caller;
	char buf[64];
	int status;
	pid_t pid;

	/* Timeout after a server took the request. */
	ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 121, 0, 200 * MS));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
	EXPECT_EQ(-ETIMEDOUT, caller.ret);
	EXPECT_EQ(-ESRCH, ep_reply(self->rfd, r.token, 1, NULL, 0));
	EXPECT_EQ(-ENOENT, ep_reply(self->rfd, r.token, 1, NULL, 0))
		TH_LOG("ESRCH must use the token up");

	/* A signal after a server took the request, with and without
	 * SA_RESTART: a taken call never restarts.
	 */
	for (status = 0; status < 2; status++) {
		set_handler(SIGUSR1, status);
		ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 122, 0, 0));
		ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
		ASSERT_EQ(0, op_wait_blocked(&caller));
		ASSERT_EQ(0, op_signal(&caller, SIGUSR1));
		ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS))
			TH_LOG("taken call restarted after a signal (SA_RESTART %d)",
			       status);
		EXPECT_EQ(-EINTR, caller.ret);
		EXPECT_EQ(-ESRCH, ep_reply(self->rfd, r.token, 1, NULL, 0));
	}

	/* The calling process dies. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mkipc_call c;

		ep_call(self->sfd, &c, 123, NULL, 0, NULL, 0, 0, 0);
		_exit(1);
	}
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	EXPECT_EQ(pid, r.sender.pid);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(-ESRCH, ep_reply(self->rfd, r.token, 1, NULL, 0));

	/* REPLY_RECV reports ESRCH in reply_err and goes on receiving. */
	ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 124, 0, 100 * MS));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
	ASSERT_EQ(0, ep_send(self->sfd, 125, NULL, 0, 0, 0));
	EXPECT_EQ(0, ep_reply_recv(self->rfd, &rr, r.token, 1, NULL, 0, buf,
				   sizeof(buf), MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(ESRCH, rr.reply_err);
	EXPECT_EQ(125, rr.recv.msg.label);
}

/*
 * Issue 13, item 1: a server that takes calls and never answers, and a
 * caller that gives up on each. Before ABI 0.6 a taken call stopped
 * counting against max_msgs, so every call was taken and its record kept
 * until the endpoint died (20,000 such calls with 4 KiB payloads held
 * 157 MB). Now a taken call counts until its token is used up: the
 * server takes max_msgs of them, the next caller waits for room and
 * times out before any server sees its call.
 */
#define ABANDON_MAX	4

TEST_F_TIMEOUT(ep, abandoned_calls_bounded, T_SHORT)
{
	static const __u32 kinds[] = { 0, MKIPC_EP_NO_RECYCLE };
	__u64 token[3 * ABANDON_MAX];
	struct mkipc_ep_info info;
	struct mkipc_recv r;
	struct mkipc_call c;
	struct op caller;
	int fd, s, i, k, taken;
	char buf[64];

	for (k = 0; k < (int)ARRAY_SIZE(kinds); k++) {
		fd = mkipc_ep_create(self->dev, kinds[k], ABANDON_MAX, NULL);
		ASSERT_LE(0, fd);
		s = mkipc_ep_sender(fd, 0);
		ASSERT_LE(0, s);
		taken = 0;
		for (i = 0; i < 3 * ABANDON_MAX; i++) {
			ASSERT_EQ(0, op_start(&caller, OP_CALL, s, 700 + i, 0,
					      100 * MS));
			if (!ep_recv(fd, &r, buf, sizeof(buf), 0, 500 * MS))
				token[taken++] = r.token;
			ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
			EXPECT_EQ(-ETIMEDOUT, caller.ret);
		}
		EXPECT_EQ(ABANDON_MAX, taken)
			TH_LOG("kind %#x: %d calls taken and given up, max_msgs %d",
			       kinds[k], taken, ABANDON_MAX);
		ASSERT_EQ(0, ep_info(fd, &info));
		EXPECT_EQ(ABANDON_MAX, info.abandoned);
		EXPECT_EQ(0, info.queued);
		/* Full: a send waits for room (here: fails at once). */
		EXPECT_EQ(-EAGAIN, ep_send(s, 1, NULL, 0, MKIPC_F_NONBLOCK, 0));
		EXPECT_EQ(-EAGAIN, ep_call(s, &c, 2, NULL, 0, NULL, 0,
					   MKIPC_F_NONBLOCK, 100 * MS));
		/* An answer, even one that fails, makes room for one. */
		EXPECT_EQ(-ESRCH, ep_reply(fd, token[0], 1, NULL, 0));
		ASSERT_EQ(0, ep_info(fd, &info));
		EXPECT_EQ(ABANDON_MAX - 1, info.abandoned);
		EXPECT_EQ(0, ep_send(s, 3, NULL, 0, MKIPC_F_NONBLOCK, 0));
		EXPECT_EQ(-EAGAIN, ep_send(s, 4, NULL, 0, MKIPC_F_NONBLOCK, 0));
		EXPECT_EQ(0, ep_take(fd, &r, buf, sizeof(buf)));
		EXPECT_EQ(3, r.msg.label);
		for (i = 1; i < taken; i++)
			EXPECT_EQ(-ESRCH, ep_reply(fd, token[i], 1, NULL, 0));
		ASSERT_EQ(0, ep_info(fd, &info));
		EXPECT_EQ(0, info.abandoned);
		EXPECT_EQ(0, info.queued);
		close(s);
		close(fd);
	}
}

/*
 * Issue 13, item 1: the per-user limit on what a user's endpoints hold
 * (user_mem_max_kb). As nobody, with a limit of 512 KiB: 4 KiB messages
 * (8 KiB records) queued without a receiver fail with ENOBUFS once the
 * records and the endpoint reach the limit, and not before half of it; a
 * receive gives the room back; a new endpoint fails while the user is at
 * the limit and succeeds once the full one is closed. Root's endpoints
 * are not counted. Before ABI 0.6 nothing but max_msgs stopped the sends.
 */
#define USERMEM_PARAM	"/sys/module/mkipc/parameters/user_mem_max_kb"
#define USERMEM_KB	512

static int usermem_child(void)
{
	static char big[MKIPC_MSG_MAX];
	struct mkipc_recv r;
	int dev, fd, fd2, n, err;

	if (drop_to_nobody())
		return 10;
	dev = mkipc_open();
	if (dev < 0)
		return 11;
	fd = mkipc_ep_create(dev, 0, 1000, NULL);
	if (fd < 0)
		return 12;
	for (n = 0; n < 1000; n++) {
		err = ep_send(fd, n, big, sizeof(big), MKIPC_F_NONBLOCK, 0);
		if (err)
			break;
	}
	if (err != -ENOBUFS) {
		fprintf(stderr, "# %d sends of 4 KiB, then %d (want -ENOBUFS)\n",
			n, err);
		return 13;
	}
	fprintf(stderr, "# limit %d KiB: %d sends of 4 KiB, then ENOBUFS\n",
		USERMEM_KB, n);
	/* Records are 8 KiB in the slab: at most the limit, at least half. */
	if (n * 8 > USERMEM_KB || n * 8 < USERMEM_KB / 2)
		return 14;
	if (mkipc_ep_create(dev, 0, 1000, NULL) != -ENOBUFS)
		return 15;
	if (ep_recv(fd, &r, big, sizeof(big), MKIPC_F_NONBLOCK, 0) ||
	    r.msg.label != 0)
		return 16;
	if (ep_send(fd, n, big, sizeof(big), MKIPC_F_NONBLOCK, 0))
		return 17;
	if (ep_send(fd, n + 1, big, sizeof(big), MKIPC_F_NONBLOCK, 0) !=
	    -ENOBUFS)
		return 18;
	close(fd);
	fd2 = mkipc_ep_create(dev, 0, 1000, NULL);
	if (fd2 < 0) {
		fprintf(stderr, "# create after close: %d\n", fd2);
		return 19;
	}
	close(fd2);
	close(dev);
	return 0;
}

TEST_F_TIMEOUT(ep, user_mem_limit, T_SHORT)
{
	static char big[MKIPC_MSG_MAX];
	char old[32] = "", val[32];
	int pfd, fd, n, st;
	pid_t pid;
	ssize_t len;

	pfd = open(USERMEM_PARAM, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, pfd) TH_LOG("no %s: the module predates ABI 0.6",
				 USERMEM_PARAM);
	len = read(pfd, old, sizeof(old) - 1);
	close(pfd);
	ASSERT_LT(0, len);
	old[len] = 0;
	snprintf(val, sizeof(val), "%d", USERMEM_KB);
	ASSERT_EQ(0, mkipc_write_file(USERMEM_PARAM, val));

	/* Root's endpoint: twice the limit queued, nothing refused. */
	fd = mkipc_ep_create(self->dev, 0, 2 * USERMEM_KB / 8, NULL);
	ASSERT_LE(0, fd);
	for (n = 0; n < 2 * USERMEM_KB / 8; n++)
		if (ep_send(fd, n, big, sizeof(big), MKIPC_F_NONBLOCK, 0))
			break;
	EXPECT_EQ(2 * USERMEM_KB / 8, n);
	close(fd);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(usermem_child());
	st = child_status(pid);
	EXPECT_EQ(0, mkipc_write_file(USERMEM_PARAM, old));
	EXPECT_EQ(0, st) TH_LOG("the child failed at step %d", st);
}

/*
 * Issue 13, item 10: a server thread that takes calls and exits without
 * answering them, while the receive file stays open (another thread of
 * the process keeps it). Before ABI 0.6 their callers waited until their
 * timeouts (for ever without one); now each fails with EOWNERDEAD soon
 * after the thread exits, its token names nothing (ENOENT), and the
 * endpoint serves on. Both the call slots and the xarray (more than 16
 * held, and MKIPC_EP_NO_RECYCLE).
 */
#define TAKER_CALLS	20

struct taker {
	int fd;
	int n;
	__u64 token[TAKER_CALLS];
	int taken;
};

static void *taker_thread(void *arg)
{
	struct taker *tk = arg;
	struct mkipc_recv r;
	char buf[64];

	for (tk->taken = 0; tk->taken < tk->n; tk->taken++) {
		if (ep_take(tk->fd, &r, buf, sizeof(buf)))
			break;
		tk->token[tk->taken] = r.token;
	}
	return NULL;	/* exits holding every call it took */
}

TEST_F_TIMEOUT(ep, taker_exit_fails_calls, T_SHORT)
{
	static const __u32 kinds[] = { 0, MKIPC_EP_NO_RECYCLE };
	static const int counts[] = { 1, TAKER_CALLS };
	struct op caller[TAKER_CALLS], server;
	struct mkipc_version ver;
	unsigned long long gone;
	struct taker tk;
	pthread_t thr;
	int fd, s, i, k, c;

	ASSERT_EQ(0, mkipc_version(self->dev, &ver));
	EXPECT_TRUE(ver.features & MKIPC_FEAT_TAKER_EXIT)
		TH_LOG("the module does not fail calls whose taker exits");
	for (k = 0; k < (int)ARRAY_SIZE(kinds); k++) {
		for (c = 0; c < (int)ARRAY_SIZE(counts); c++) {
			fd = mkipc_ep_create(self->dev, kinds[k],
					     2 * TAKER_CALLS, NULL);
			ASSERT_LE(0, fd);
			s = mkipc_ep_sender(fd, 0);
			ASSERT_LE(0, s);
			for (i = 0; i < counts[c]; i++)
				ASSERT_EQ(0, op_start(&caller[i], OP_CALL, s,
						      900 + i, 0, 0));
			tk.fd = fd;
			tk.n = counts[c];
			ASSERT_EQ(0, pthread_create(&thr, NULL, taker_thread,
						    &tk));
			ASSERT_EQ(0, mkipc_join_ms(thr, WATCHDOG_MS));
			gone = mkipc_now_ns();
			ASSERT_EQ(counts[c], tk.taken);
			for (i = 0; i < counts[c]; i++) {
				ASSERT_EQ(0, op_join(&caller[i], WATCHDOG_MS))
					TH_LOG("kind %#x: caller %d still waits",
					       kinds[k], i);
				EXPECT_EQ(-EOWNERDEAD, caller[i].ret);
				/* Signed: it may return before "gone". */
				EXPECT_GT((long long)SLACK_NS,
					  (long long)(caller[i].t1 - gone));
			}
			for (i = 0; i < counts[c]; i++)
				EXPECT_EQ(-ENOENT, ep_reply(fd, tk.token[i], 1,
							    NULL, 0));
			/* The endpoint serves on, with another thread. */
			ASSERT_EQ(0, op_serve(&server, fd, 0));
			ASSERT_EQ(0, op_start(&caller[0], OP_CALL, s, 5, 0,
					      WATCHDOG_NS));
			ASSERT_EQ(0, op_join(&caller[0], WATCHDOG_MS));
			ASSERT_EQ(0, op_join(&server, WATCHDOG_MS));
			EXPECT_EQ(0, caller[0].ret);
			EXPECT_EQ(echo_label(5), caller[0].call.rep.label);
			close(s);
			close(fd);
		}
	}
}

/*
 * Issue 13, item 8: a stop must not fail a call. A caller process is
 * stopped (SIGSTOP, a ptrace stop, the cgroup freezer) while a server
 * holds its call, or before any takes it; once continued, it waits on for
 * the same reply, which the server may give while it is stopped. Before
 * ABI 0.6 the stop ended the call with EINTR and the reply with ESRCH.
 */
enum stop_how { STOP_SIGNAL, STOP_PTRACE_INTERRUPT, STOP_PTRACE_ATTACH,
		STOP_FREEZER };

static int stop_child_call(int sfd, __u64 timeout_ns)
{
	struct mkipc_call c;
	char rep[64];
	int r;

	r = ep_call(sfd, &c, 77, "stop", 4, rep, sizeof(rep), 0, timeout_ns);
	if (r)
		return -r < 100 ? -r : 99;
	return c.rep.label == echo_label(77) && c.rep.size == 2 &&
	       !memcmp(rep, "ok", 2) ? 0 : 100;
}

/* Waits until @pid is stopped or frozen (state T, t; or cgroup frozen). */
static int stop_wait(pid_t pid, const char *cg)
{
	char path[128], line[256];
	int i;

	for (i = 0; i < WATCHDOG_MS; i++) {
		FILE *f;

		if (cg)
			snprintf(path, sizeof(path), "%s/cgroup.events", cg);
		else
			snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		f = fopen(path, "r");
		if (!f)
			return -1;
		while (fgets(line, sizeof(line), f)) {
			char *st = strrchr(line, ')');

			if ((cg && !strcmp(line, "frozen 1\n")) ||
			    (!cg && st && (st[2] == 'T' || st[2] == 't'))) {
				fclose(f);
				return 0;
			}
		}
		fclose(f);
		usleep(1000);
	}
	return -1;
}

#define FREEZE_CG	"/sys/fs/cgroup/mkipc-freeze"

/* Stops @pid the way @how says; 0, or -1. */
static int stop_start(pid_t pid, enum stop_how how)
{
	char val[32];
	int st;

	switch (how) {
	case STOP_SIGNAL:
		if (kill(pid, SIGSTOP))
			return -1;
		return stop_wait(pid, NULL);
	case STOP_PTRACE_INTERRUPT:
		if (ptrace(PTRACE_SEIZE, pid, 0, 0) ||
		    ptrace(PTRACE_INTERRUPT, pid, 0, 0) ||
		    waitpid(pid, &st, __WALL) != pid || !WIFSTOPPED(st))
			return -1;
		return 0;
	case STOP_PTRACE_ATTACH:
		/* As strace -p and gdb -p do: a SIGSTOP the tracer sees. */
		if (ptrace(PTRACE_ATTACH, pid, 0, 0) ||
		    waitpid(pid, &st, __WALL) != pid || !WIFSTOPPED(st))
			return -1;
		return 0;
	case STOP_FREEZER:
		snprintf(val, sizeof(val), "%d", pid);
		if (mkipc_write_file(FREEZE_CG "/cgroup.procs", val) ||
		    mkipc_write_file(FREEZE_CG "/cgroup.freeze", "1"))
			return -1;
		return stop_wait(pid, FREEZE_CG);
	}
	return -1;
}

static int stop_end(pid_t pid, enum stop_how how)
{
	switch (how) {
	case STOP_SIGNAL:
		return kill(pid, SIGCONT);
	case STOP_PTRACE_INTERRUPT:
		return ptrace(PTRACE_DETACH, pid, 0, 0);
	case STOP_PTRACE_ATTACH:
		/* The SIGSTOP suppressed, as a debugger's "continue" does. */
		return ptrace(PTRACE_DETACH, pid, 0, 0);
	case STOP_FREEZER:
		return mkipc_write_file(FREEZE_CG "/cgroup.freeze", "0");
	}
	return -1;
}

FIXTURE_VARIANT(ep_stop) {
	enum stop_how how;
	bool taken;		/* a server holds the call during the stop */
	bool reply_stopped;	/* the reply comes while it is stopped */
	__u64 timeout_ns;
};

FIXTURE(ep_stop) {
	int dev, rfd, sfd;
};

FIXTURE_VARIANT_ADD(ep_stop, sigstop_taken) {
	.how = STOP_SIGNAL, .taken = true, .reply_stopped = true,
};

FIXTURE_VARIANT_ADD(ep_stop, sigstop_taken_timeout) {
	.how = STOP_SIGNAL, .taken = true, .timeout_ns = 20 * SEC,
};

FIXTURE_VARIANT_ADD(ep_stop, sigstop_queued_timeout) {
	.how = STOP_SIGNAL, .timeout_ns = 20 * SEC,
};

FIXTURE_VARIANT_ADD(ep_stop, ptrace_interrupt_taken) {
	.how = STOP_PTRACE_INTERRUPT, .taken = true, .reply_stopped = true,
};

FIXTURE_VARIANT_ADD(ep_stop, ptrace_attach_taken) {
	.how = STOP_PTRACE_ATTACH, .taken = true,
};

FIXTURE_VARIANT_ADD(ep_stop, freezer_taken) {
	.how = STOP_FREEZER, .taken = true, .reply_stopped = true,
};

FIXTURE_SETUP(ep_stop)
{
	self->dev = mkipc_open();
	ASSERT_LE(0, self->dev);
	self->rfd = mkipc_ep_create(self->dev, 0, 0, NULL);
	ASSERT_LE(0, self->rfd);
	self->sfd = mkipc_ep_sender(self->rfd, 0);
	ASSERT_LE(0, self->sfd);
	if (variant->how == STOP_FREEZER &&
	    mkdir(FREEZE_CG, 0755) && errno != EEXIST)
		SKIP(return, "no cgroup v2 at /sys/fs/cgroup (%s)",
		     strerror(errno));
}

FIXTURE_TEARDOWN(ep_stop)
{
	if (variant->how == STOP_FREEZER)
		rmdir(FREEZE_CG);
	close(self->sfd);
	close(self->rfd);
	close(self->dev);
}

TEST_F_TIMEOUT(ep_stop, call_waits_on, T_SHORT)
{
	struct mkipc_version ver;
	struct mkipc_recv r;
	int status, took = 0;
	char buf[64];
	pid_t pid;

	ASSERT_EQ(0, mkipc_version(self->dev, &ver));
	EXPECT_TRUE(ver.features & MKIPC_FEAT_STOP_RESUME)
		TH_LOG("the module ends a call on a stop");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(stop_child_call(self->sfd, variant->timeout_ns));
	if (variant->taken)
		took = ep_take(self->rfd, &r, buf, sizeof(buf));
	else
		usleep(50000);		/* queued, and waiting */
	ASSERT_EQ(0, took);
	ASSERT_EQ(0, stop_start(pid, variant->how))
		TH_LOG("could not stop the caller: %s", strerror(errno));
	usleep(100000);
	if (!variant->taken) {
		/* Still queued, once: the stop withdrew nothing. */
		EXPECT_EQ(1, ep_queued(self->rfd));
	} else if (variant->reply_stopped) {
		EXPECT_EQ(0, ep_reply(self->rfd, r.token, echo_label(77),
				      "ok", 2))
			TH_LOG("the reply to a stopped caller failed");
	}
	ASSERT_EQ(0, stop_end(pid, variant->how));
	if (!variant->taken)
		took = ep_take(self->rfd, &r, buf, sizeof(buf));
	ASSERT_EQ(0, took);
	if (!variant->reply_stopped) {
		usleep(50000);		/* waiting again */
		EXPECT_EQ(0, ep_reply(self->rfd, r.token, echo_label(77),
				      "ok", 2))
			TH_LOG("the reply after the stop failed");
	}
	ASSERT_EQ(pid, waitpid(pid, &status, __WALL));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("the caller's call ended with %s",
		       WEXITSTATUS(status) == 100 ? "a wrong reply" :
		       strerror(WEXITSTATUS(status)));
	/* Nothing sent twice. */
	EXPECT_EQ(-EAGAIN, ep_recv(self->rfd, &r, buf, sizeof(buf),
				   MKIPC_F_NONBLOCK, 0));
}

/*
 * A reply while the caller is stopped, then a signal with a handler: the
 * reply is not lost to the handler's EINTR, the call returns it after.
 */
static atomic_int stop_handler_ran;

static void stop_on_usr1(int sig)
{
	atomic_store(&stop_handler_ran, 1);
}

TEST_F_TIMEOUT(ep, reply_survives_handler_after_stop, T_SHORT)
{
	struct mkipc_recv r;
	char buf[64];
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct sigaction sa = { .sa_handler = stop_on_usr1 };
		int ret;

		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
		ret = stop_child_call(self->sfd, 0);
		_exit(ret ? ret : atomic_load(&stop_handler_ran) ? 0 : 101);
	}
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	ASSERT_EQ(0, stop_start(pid, STOP_SIGNAL));
	EXPECT_EQ(0, ep_reply(self->rfd, r.token, echo_label(77), "ok", 2));
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	ASSERT_EQ(0, kill(pid, SIGCONT));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("the caller: %s", WEXITSTATUS(status) == 101 ?
		       "the handler did not run" : strerror(WEXITSTATUS(status)));
}

/*
 * Killed while stopped with its call parked: the call is given up (the
 * reply fails with ESRCH) and nothing is left parked.
 */
TEST_F_TIMEOUT(ep, kill_while_stopped, T_SHORT)
{
	struct mkipc_recv r;
	char buf[64];
	long parked, resumed;
	pid_t pid;
	int i, ret;

	parked = mkipc_debugfs_value("stats", "calls_parked");
	resumed = mkipc_debugfs_value("stats", "calls_resumed");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(stop_child_call(self->sfd, 0));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	ASSERT_EQ(0, stop_start(pid, STOP_SIGNAL));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	/* Given up by the exit's work, soon after. */
	for (i = 0; i < WATCHDOG_MS; i++) {
		ret = ep_reply(self->rfd, r.token, echo_label(77), "ok", 2);
		if (ret != 0)
			break;
		usleep(1000);
	}
	EXPECT_EQ(-ESRCH, ret);
	if (parked >= 0) {
		EXPECT_EQ(parked + 1,
			  mkipc_debugfs_value("stats", "calls_parked"));
		EXPECT_EQ(resumed, mkipc_debugfs_value("stats", "calls_resumed"));
	}
}

/*
 * A call given up before any server took it is never delivered: it is no
 * longer a queued message, so it neither shows in the queue nor takes a
 * place in its bound nor makes the receive fd readable.
 */
TEST_F_TIMEOUT(ep, call_withdrawn_before_taken, T_SHORT)
{
	struct pollfd pfd;
	struct mkipc_recv r;
	struct mkipc_call c;
	struct op caller;
	char buf[64];
	int fd;

	EXPECT_EQ(-ETIMEDOUT, ep_call(self->sfd, &c, 131, NULL, 0, buf,
				      sizeof(buf), 0, 50 * MS));
	EXPECT_EQ(0, ep_queued(self->rfd));
	EXPECT_EQ(-EAGAIN, ep_recv(self->rfd, &r, buf, sizeof(buf),
				   MKIPC_F_NONBLOCK, 0));

	set_handler(SIGUSR1, 0);
	ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 132, 0, 0));
	ASSERT_EQ(0, op_wait_blocked(&caller));
	EXPECT_EQ(1, ep_queued(self->rfd));
	ASSERT_EQ(0, op_signal(&caller, SIGUSR1));
	ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
	EXPECT_EQ(-EINTR, caller.ret);
	EXPECT_EQ(0, ep_queued(self->rfd));
	EXPECT_EQ(-EAGAIN, ep_recv(self->rfd, &r, buf, sizeof(buf),
				   MKIPC_F_NONBLOCK, 0));

	/* With a bound of one, the withdrawn call must leave room. */
	fd = mkipc_ep_create(self->dev, 0, 1, NULL);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ETIMEDOUT, ep_call(fd, &c, 133, NULL, 0, buf, sizeof(buf),
				      0, 50 * MS));
	pfd.fd = fd;
	pfd.events = POLLIN | POLLOUT;
	pfd.revents = 0;
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLOUT, pfd.revents)
		TH_LOG("revents %#x: a withdrawn call still counts as queued",
		       pfd.revents);
	EXPECT_EQ(0, ep_send(fd, 134, NULL, 0, MKIPC_F_NONBLOCK, 0))
		TH_LOG("a withdrawn call still takes a place in the bound");
	EXPECT_EQ(0, ep_recv(fd, &r, buf, sizeof(buf), MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(134, r.msg.label);
	close(fd);
}

/* ==== death: shutdown and last close ==== */

struct doomed {
	int rfd, sfd;
	struct op taken;	/* a call a server took, not replied to */
	struct op queued;	/* a call still queued */
	struct op sender;	/* a send blocked on the full queue */
	__u64 token;
};

/* An endpoint of bound 3 with one call taken, 3 queued, a sender blocked. */
static int doomed_setup(struct doomed *d, int dev)
{
	struct mkipc_recv r;
	char buf[64];

	d->rfd = mkipc_ep_create(dev, 0, 3, NULL);
	if (d->rfd < 0)
		return -1;
	d->sfd = mkipc_ep_sender(d->rfd, 0);
	if (d->sfd < 0)
		return -2;
	if (op_start(&d->taken, OP_CALL, d->sfd, 1, 0, 0) ||
	    ep_take(d->rfd, &r, buf, sizeof(buf)))
		return -3;
	d->token = r.token;
	if (ep_send(d->sfd, 2, "x", 1, 0, 0) || ep_send(d->sfd, 3, "y", 1, 0, 0))
		return -4;
	if (op_start(&d->queued, OP_CALL, d->sfd, 4, 0, 0) ||
	    op_wait_blocked(&d->queued))
		return -5;
	if (op_start(&d->sender, OP_SEND, d->sfd, 5, 0, 0) ||
	    op_wait_blocked(&d->sender))
		return -6;
	if (ep_queued(d->rfd) != 3 || op_wait_blocked(&d->taken))
		return -7;
	return 0;
}

TEST_F_TIMEOUT(ep, shutdown_kills, T_SHORT)
{
	struct mkipc_reply_recv rr;
	struct mkipc_ep_info info;
	struct mkipc_recv r;
	struct mkipc_call c;
	struct doomed d;
	char buf[64];
	struct op rcv[2];
	int i, fd;

	ASSERT_EQ(0, doomed_setup(&d, self->dev));
	ASSERT_EQ(0, mkipc_ep_shutdown(d.rfd));
	ASSERT_EQ(0, op_join(&d.taken, WATCHDOG_MS));
	ASSERT_EQ(0, op_join(&d.queued, WATCHDOG_MS));
	ASSERT_EQ(0, op_join(&d.sender, WATCHDOG_MS));
	EXPECT_EQ(-EPIPE, d.taken.ret);
	EXPECT_EQ(-EPIPE, d.queued.ret);
	EXPECT_EQ(-EPIPE, d.sender.ret);

	ASSERT_EQ(0, ep_info(d.rfd, &info));
	EXPECT_EQ(1, info.dead);
	EXPECT_EQ(0, info.queued) TH_LOG("queued messages not discarded");
	ASSERT_EQ(0, ep_info(d.sfd, &info));
	EXPECT_EQ(1, info.dead);
	for (i = 0; i < 2; i++) {
		fd = i ? d.sfd : d.rfd;
		EXPECT_EQ(-EPIPE, ep_send(fd, 6, NULL, 0, 0, 0));
		EXPECT_EQ(-EPIPE, ep_send(fd, 6, NULL, 0, MKIPC_F_NONBLOCK, 0));
		EXPECT_EQ(-EPIPE, ep_call(fd, &c, 7, NULL, 0, buf, 64, 0, 0));
	}
	EXPECT_EQ(-EPIPE, ep_recv(d.rfd, &r, buf, sizeof(buf), 0, 0));
	EXPECT_EQ(-EPIPE, ep_recv(d.rfd, &r, buf, sizeof(buf),
				  MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(-EPIPE, mkipc_ep_sender(d.rfd, 0));
	EXPECT_EQ(-EPIPE, ep_reply_recv(d.rfd, &rr, 0, 0, NULL, 0, buf,
					sizeof(buf), 0, 0));
	/* The token died with the endpoint. */
	EXPECT_EQ(-ENOENT, ep_reply(d.rfd, d.token, 1, NULL, 0));
	EXPECT_EQ(0, mkipc_ep_shutdown(d.rfd)) TH_LOG("second shutdown");
	close(d.sfd);
	close(d.rfd);

	/* Blocked receivers return EPIPE too. */
	fd = mkipc_ep_create(self->dev, 0, 0, NULL);
	ASSERT_LE(0, fd);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, op_start(&rcv[i], OP_RECV, fd, 0, 0, 0));
		ASSERT_EQ(0, op_wait_blocked(&rcv[i]));
	}
	ASSERT_EQ(0, mkipc_ep_shutdown(fd));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, op_join(&rcv[i], WATCHDOG_MS));
		EXPECT_EQ(-EPIPE, rcv[i].ret);
	}
	close(fd);
}

TEST_F_TIMEOUT(ep, last_close_kills, T_SHORT)
{
	struct mkipc_ep_info info;
	struct mkipc_call c;
	struct doomed d;
	char buf[64];

	ASSERT_EQ(0, doomed_setup(&d, self->dev));
	ASSERT_EQ(0, close(d.rfd));
	ASSERT_EQ(0, op_join(&d.taken, WATCHDOG_MS));
	ASSERT_EQ(0, op_join(&d.queued, WATCHDOG_MS));
	ASSERT_EQ(0, op_join(&d.sender, WATCHDOG_MS));
	EXPECT_EQ(-EPIPE, d.taken.ret);
	EXPECT_EQ(-EPIPE, d.queued.ret);
	EXPECT_EQ(-EPIPE, d.sender.ret);
	ASSERT_EQ(0, ep_info(d.sfd, &info));
	EXPECT_EQ(1, info.dead);
	EXPECT_EQ(0, info.queued);
	EXPECT_EQ(-EPIPE, ep_send(d.sfd, 6, NULL, 0, 0, 0));
	EXPECT_EQ(-EPIPE, ep_call(d.sfd, &c, 7, NULL, 0, buf, 64, 0, 0));
	close(d.sfd);
}

/* A duplicate or another process holding the receive file keeps it alive. */
TEST_F_TIMEOUT(ep, receive_file_references, T_SHORT)
{
	struct mkipc_recv r;
	int dup_fd, p[2];
	char buf[64], c;
	pid_t pid;

	dup_fd = dup(self->rfd);
	ASSERT_LE(0, dup_fd);
	ASSERT_EQ(0, close(self->rfd));
	self->rfd = dup_fd;
	EXPECT_EQ(0, ep_dead(self->sfd));
	ASSERT_EQ(0, ep_send(self->sfd, 1, NULL, 0, 0, 0));
	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, sizeof(buf),
			     MKIPC_F_NONBLOCK, 0));

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(p[1]);
		/* Holds the inherited receive fd until the pipe closes. */
		_exit(read(p[0], &c, 1) == 0 ? 0 : 1);
	}
	close(p[0]);
	ASSERT_EQ(0, close(self->rfd));
	self->rfd = -1;
	EXPECT_EQ(0, ep_dead(self->sfd)) TH_LOG("the child's fd was ignored");
	EXPECT_EQ(0, ep_send(self->sfd, 2, NULL, 0, 0, 0));
	close(p[1]);
	EXPECT_EQ(0, child_status(pid));
	/* The child's exit put the last reference. */
	EXPECT_EQ(1, ep_dead(self->sfd));
	EXPECT_EQ(-EPIPE, ep_send(self->sfd, 3, NULL, 0, 0, 0));
}

/*
 * Closing the receive fd does not interrupt a receive blocked on it: that
 * ioctl holds the file, receives, and the endpoint dies when it returns.
 */
TEST_F_TIMEOUT(ep, close_during_blocked_recv, T_SHORT)
{
	struct op rcv;

	ASSERT_EQ(0, op_start(&rcv, OP_RECV, self->rfd, 0, 0, 0));
	ASSERT_EQ(0, op_wait_blocked(&rcv));
	ASSERT_EQ(0, close(self->rfd));
	self->rfd = -1;
	usleep(100000);
	EXPECT_EQ(0, op_wait_blocked(&rcv))
		TH_LOG("close interrupted the blocked receive (%ld)", rcv.ret);
	EXPECT_EQ(0, ep_dead(self->sfd));
	ASSERT_EQ(0, ep_send(self->sfd, 141, "late", 4, 0, 0));
	ASSERT_EQ(0, op_join(&rcv, WATCHDOG_MS));
	EXPECT_EQ(0, rcv.ret);
	EXPECT_EQ(141, rcv.rcv.msg.label);
	EXPECT_EQ(1, ep_dead(self->sfd));
	EXPECT_EQ(-EPIPE, ep_send(self->sfd, 142, NULL, 0, 0, 0));
}

/*
 * A message sent, or a call made, while no other message counts goes
 * through the mailbox, not the queue (debugfs direct); with
 * MKIPC_EP_NO_DIRECT, or behind another message, through the queue
 * (queued). Contents, sender and token arrive the same either way, and in
 * order.
 */
TEST_F_TIMEOUT(ep, direct_transfer, T_SHORT)
{
	struct mkipc_paths p;
	struct op rcv, caller;
	int fd, round;

	ASSERT_EQ(0, mkipc_paths_read(&p))
		TH_LOG("debugfs mkipc/stats unreadable (run_tests.sh runs as root)");
	for (round = 0; round < 2; round++) {
		fd = round ? mkipc_ep_create(self->dev, MKIPC_EP_NO_DIRECT, 8,
					     NULL) : self->rfd;
		ASSERT_LE(0, fd);
		mkipc_paths_read(&p);
		ASSERT_EQ(0, op_start(&rcv, OP_RECV, fd, 0, 0, WATCHDOG_NS));
		ASSERT_EQ(0, op_wait_blocked(&rcv));
		ASSERT_EQ(0, ep_send(fd, 301, "direct", 6, 0, 0));
		ASSERT_EQ(0, op_join(&rcv, WATCHDOG_MS));
		EXPECT_EQ(0, rcv.ret);
		EXPECT_EQ(301, rcv.rcv.msg.label);
		EXPECT_EQ(6, rcv.rcv.msg.size);
		EXPECT_EQ(0, memcmp(rcv.rbuf, "direct", 6));
		EXPECT_EQ(getpid(), rcv.rcv.sender.pid);
		EXPECT_EQ(gettid(), rcv.rcv.sender.tid);
		EXPECT_EQ(0, rcv.rcv.token);
		ASSERT_EQ(0, mkipc_paths_since(&p, round ? "no_direct send" :
					       "send"));
		EXPECT_EQ(round ? 0 : 1, p.direct);
		EXPECT_EQ(round ? 1 : 0, p.queued);

		/* A call to a waiting server, and its reply. */
		mkipc_paths_read(&p);
		ASSERT_EQ(0, op_serve(&rcv, fd, 3));
		ASSERT_EQ(0, op_wait_blocked(&rcv));
		ASSERT_EQ(0, op_start(&caller, OP_CALL, fd, 302, 0,
				      WATCHDOG_NS));
		ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
		ASSERT_EQ(0, op_join(&rcv, WATCHDOG_MS));
		EXPECT_EQ(0, caller.ret);
		EXPECT_EQ(echo_label(302), caller.call.rep.label);
		EXPECT_EQ(3, caller.call.rep.size);
		EXPECT_NE(0, rcv.rcv.token);
		EXPECT_EQ(caller.tid, rcv.rcv.sender.tid);
		EXPECT_EQ(0, rcv.reply_ret);
		ASSERT_EQ(0, mkipc_paths_since(&p, round ? "no_direct call" :
					       "call"));
		EXPECT_EQ(round ? 0 : 1, p.direct);
		EXPECT_EQ(round ? 1 : 0, p.queued);
		if (round)
			close(fd);
	}

	/*
	 * Nobody waiting: the first message still bypasses the queue, the
	 * next ones queue behind it; a receive takes them in order.
	 */
	mkipc_paths_read(&p);
	ASSERT_EQ(0, ep_send(self->sfd, 303, NULL, 0, 0, 0));
	ASSERT_EQ(0, ep_send(self->sfd, 304, NULL, 0, 0, 0));
	ASSERT_EQ(0, ep_send(self->sfd, 305, NULL, 0, 0, 0));
	EXPECT_EQ(3, ep_queued(self->rfd));
	for (round = 303; round <= 305; round++) {
		ASSERT_EQ(0, op_start(&rcv, OP_RECV, self->rfd, 0, 0,
				      WATCHDOG_NS));
		ASSERT_EQ(0, op_join(&rcv, WATCHDOG_MS));
		EXPECT_EQ(round, rcv.rcv.msg.label);
	}
	ASSERT_EQ(0, mkipc_paths_since(&p, "nobody waiting"));
	EXPECT_EQ(1, p.direct);
	EXPECT_EQ(2, p.queued);
}

/* ==== message contents ==== */

static void *send_from_thread(void *arg)
{
	int *fd = arg;
	long tid = gettid();

	ep_send(*fd, 151, &tid, sizeof(tid), 0, 0);
	return NULL;
}

TEST_F_TIMEOUT(ep, message_contents_and_sender, T_SHORT)
{
	static const __u64 labels[] = { 0, 1, ~0ULL, 0x8000000000000000ULL,
					0x0123456789abcdefULL };
	static char data[MKIPC_MSG_MAX], buf[MKIPC_MSG_MAX];
	unsigned int seed = 11;
	struct mkipc_recv r;
	pthread_t thr;
	size_t i;
	long tid;
	pid_t pid;

	for (i = 0; i < ARRAY_SIZE(labels); i++) {
		__u32 size = rand_r(&seed) % (MKIPC_MSG_MAX + 1);
		int fd = i & 1 ? self->sfd : self->rfd;

		fill_random(data, size, &seed);
		ASSERT_EQ(0, ep_send(fd, labels[i], data, size, 0, 0));
		memset(&r.sender, 0xff, sizeof(r.sender));
		ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, sizeof(buf),
				     MKIPC_F_NONBLOCK, 0));
		EXPECT_EQ(labels[i], r.msg.label);
		EXPECT_EQ(size, r.msg.size);
		EXPECT_EQ(0, memcmp(buf, data, size));
		EXPECT_EQ(0, r.token) TH_LOG("a sent message has a token");
		EXPECT_EQ(getpid(), r.sender.pid);
		EXPECT_EQ(gettid(), r.sender.tid);
		EXPECT_EQ(geteuid(), r.sender.uid);
		EXPECT_EQ(getegid(), r.sender.gid);
	}

	/* Another thread: same pid, its own tid. */
	ASSERT_EQ(0, pthread_create(&thr, NULL, send_from_thread, &self->sfd));
	pthread_join(thr, NULL);
	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, sizeof(buf),
			     MKIPC_F_NONBLOCK, 0));
	memcpy(&tid, buf, sizeof(tid));
	EXPECT_EQ(getpid(), r.sender.pid);
	EXPECT_EQ(tid, r.sender.tid);
	EXPECT_NE(gettid(), r.sender.tid);

	/* Another process. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(ep_send(self->sfd, 152, NULL, 0, 0, 0) ? 1 : 0);
	EXPECT_EQ(0, child_status(pid));
	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, sizeof(buf),
			     MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(152, r.msg.label);
	EXPECT_EQ(pid, r.sender.pid);
	EXPECT_EQ(pid, r.sender.tid);
}

TEST_F_TIMEOUT(ep, call_tokens_and_sender, T_SHORT)
{
	struct mkipc_recv r1, r2;
	struct op c1, c2;
	char buf[64];

	ASSERT_EQ(0, op_start(&c1, OP_CALL, self->sfd, 161, 0, WATCHDOG_NS));
	ASSERT_EQ(0, op_wait_blocked(&c1));
	ASSERT_EQ(0, op_start(&c2, OP_CALL, self->rfd, 162, 0, WATCHDOG_NS));
	ASSERT_EQ(0, op_wait_blocked(&c2));
	ASSERT_EQ(0, ep_take(self->rfd, &r1, buf, sizeof(buf)));
	ASSERT_EQ(0, ep_take(self->rfd, &r2, buf, sizeof(buf)));
	EXPECT_EQ(161, r1.msg.label);
	EXPECT_EQ(162, r2.msg.label);
	EXPECT_NE(0, r1.token);
	EXPECT_NE(0, r2.token);
	EXPECT_NE(r1.token, r2.token);
	EXPECT_EQ(c1.tid, r1.sender.tid);
	EXPECT_EQ(c2.tid, r2.sender.tid);
	EXPECT_EQ(getpid(), r1.sender.pid);
	EXPECT_EQ(sizeof(c1.buf), r1.msg.size);
	/* Replies out of order reach the right callers. */
	EXPECT_EQ(0, ep_reply(self->rfd, r2.token, echo_label(162), "two",
			      3));
	EXPECT_EQ(0, ep_reply(self->rfd, r1.token, echo_label(161), "one",
			      3));
	ASSERT_EQ(0, op_join(&c1, WATCHDOG_MS));
	ASSERT_EQ(0, op_join(&c2, WATCHDOG_MS));
	EXPECT_EQ(0, c1.ret);
	EXPECT_EQ(0, c2.ret);
	EXPECT_EQ(echo_label(161), c1.call.rep.label);
	EXPECT_EQ(echo_label(162), c2.call.rep.label);
	EXPECT_EQ(0, memcmp(c1.rbuf, "one", 3));
	EXPECT_EQ(0, memcmp(c2.rbuf, "two", 3));
}

struct fifo_sender {
	int fd;
	int id;
	int n;
	int errors;
};

static void *fifo_send(void *arg)
{
	struct fifo_sender *f = arg;
	int i;

	for (i = 0; i < f->n; i++)
		if (ep_send(f->fd, ((__u64)f->id << 32) | i, &i, sizeof(i), 0,
			    WATCHDOG_NS))
			f->errors++;
	return NULL;
}

TEST_F_TIMEOUT(ep, fifo_order, T_SHORT)
{
	int n = mkipc_ep_scaled(2000), fd, s, i, next[3] = { 0 };
	struct fifo_sender fs[3];
	pthread_t thr[3];
	struct mkipc_recv r;
	char buf[16];

	fd = mkipc_ep_create(self->dev, 0, 16, NULL);
	ASSERT_LE(0, fd);
	s = mkipc_ep_sender(fd, 0);
	ASSERT_LE(0, s);
	/* One sender: exactly the order sent. */
	ASSERT_EQ(0, send_n(fd, 0, 8));
	ASSERT_EQ(0, send_n(s, 8, 8));
	for (i = 0; i < 16; i++) {
		ASSERT_EQ(0, ep_recv(fd, &r, buf, sizeof(buf),
				     MKIPC_F_NONBLOCK, 0));
		EXPECT_EQ(i, r.msg.label);
	}
	/* Three concurrent senders: each one's order holds. */
	for (i = 0; i < 3; i++) {
		fs[i] = (struct fifo_sender){ .fd = s, .id = i, .n = n };
		ASSERT_EQ(0, pthread_create(&thr[i], NULL, fifo_send, &fs[i]));
	}
	for (i = 0; i < 3 * n; i++) {
		int id, seq;

		ASSERT_EQ(0, ep_take(fd, &r, buf, sizeof(buf)));
		id = r.msg.label >> 32;
		seq = (int)r.msg.label;
		ASSERT_LE(0, id);
		ASSERT_GT(3, id);
		ASSERT_EQ(next[id], seq) TH_LOG("sender %d out of order", id);
		next[id]++;
	}
	for (i = 0; i < 3; i++) {
		pthread_join(thr[i], NULL);
		EXPECT_EQ(0, fs[i].errors);
		EXPECT_EQ(n, next[i]);
	}
	close(s);
	close(fd);
}

/* The effective ids are reported, not the real or saved ones. */
TEST_F_TIMEOUT(ep, sender_effective_ids, T_SHORT)
{
	struct mkipc_recv r;
	char buf[16];
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to change ids");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(100, 200, 300) ||
		    setresuid(1000, 2000, 3000))
			_exit(2);
		_exit(ep_send(self->sfd, 171, NULL, 0, 0, 0) ? 1 : 0);
	}
	EXPECT_EQ(0, child_status(pid));
	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, sizeof(buf),
			     MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(2000, r.sender.uid);
	EXPECT_EQ(200, r.sender.gid);
	EXPECT_EQ(pid, r.sender.pid);
}

/*
 * An unprivileged user creates and uses endpoints of its own, and calls a
 * root server, which sees its ids.
 */
TEST_F_TIMEOUT(ep, unprivileged_user, T_SHORT)
{
	struct mkipc_recv r;
	char buf[64];
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to drop to nobody");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mkipc_recv cr;
		struct mkipc_call c;
		struct op server;
		int dev, fd, s;

		if (drop_to_nobody())
			_exit(2);
		dev = open(MKIPC_DEV_PATH, O_RDWR);
		if (dev < 0)
			_exit(3);
		fd = mkipc_ep_create(dev, 0, 0, NULL);
		if (fd < 0)
			_exit(4);
		s = mkipc_ep_sender(fd, 0);
		if (s < 0)
			_exit(5);
		if (ep_send(s, 1, "n", 1, 0, 0) ||
		    ep_recv(fd, &cr, buf, sizeof(buf), MKIPC_F_NONBLOCK, 0))
			_exit(6);
		if (cr.sender.uid != 65534 || cr.sender.gid != 65534 ||
		    cr.sender.pid != getpid())
			_exit(7);
		if (op_serve(&server, fd, 4) ||
		    ep_call(s, &c, 2, NULL, 0, buf, sizeof(buf), 0,
			    WATCHDOG_NS) ||
		    c.rep.label != echo_label(2) || op_join(&server, 30000) ||
		    server.reply_ret)
			_exit(8);
		if (mkipc_ep_shutdown(fd) ||
		    ep_send(s, 3, NULL, 0, 0, 0) != -EPIPE)
			_exit(9);
		/* And the root server's endpoint. */
		if (ep_call(self->sfd, &c, 181, NULL, 0, buf, sizeof(buf), 0,
			    WATCHDOG_NS) || c.rep.label != echo_label(181))
			_exit(10);
		_exit(0);
	}
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	EXPECT_EQ(181, r.msg.label);
	EXPECT_EQ(65534, r.sender.uid);
	EXPECT_EQ(65534, r.sender.gid);
	EXPECT_EQ(pid, r.sender.pid);
	EXPECT_EQ(0, ep_reply(self->rfd, r.token, echo_label(181), NULL, 0));
	EXPECT_EQ(0, child_status(pid))
		TH_LOG("2 drop, 3 open, 4 create, 5 sender, 6-7 send/recv, %s",
		       "8 call, 9 shutdown, 10 cross-user call");
}

/*
 * Pid namespaces: a sender in a child namespace shows with its pid in the
 * receiver's; a sender the receiver cannot see shows as pid 0.
 */
TEST_F_TIMEOUT(ep, sender_pid_namespace, T_SHORT)
{
	struct mkipc_recv r;
	int p[2], fd2, s2;
	char buf[16];
	pid_t pid, gc = 0;

	if (geteuid())
		SKIP(return, "needs root for a pid namespace");
	fd2 = mkipc_ep_create(self->dev, 0, 0, NULL);
	ASSERT_LE(0, fd2);
	s2 = mkipc_ep_sender(fd2, 0);
	ASSERT_LE(0, s2);
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t g;

		close(p[0]);
		if (unshare(CLONE_NEWPID))
			_exit(4);
		g = fork();
		if (g < 0)
			_exit(5);
		if (g == 0) {
			struct mkipc_recv cr;

			/* pid 1 of the new namespace */
			if (getpid() != 1 ||
			    ep_send(self->sfd, 191, NULL, 0, 0, 0))
				_exit(10);
			if (ep_recv(fd2, &cr, buf, sizeof(buf), 0, WATCHDOG_NS))
				_exit(11);
			if (cr.msg.label != 192 || cr.sender.pid != 0 ||
			    cr.sender.tid != 0)
				_exit(12);
			if (ep_send(s2, 193, NULL, 0, 0, 0) ||
			    ep_recv(fd2, &cr, buf, sizeof(buf), 0, WATCHDOG_NS) ||
			    cr.sender.pid != 1 || cr.sender.tid != 1)
				_exit(13);
			_exit(0);
		}
		if (write(p[1], &g, sizeof(g)) != sizeof(g))
			_exit(6);
		_exit(child_status(g));
	}
	close(p[1]);
	if (read(p[0], &gc, sizeof(gc)) != sizeof(gc)) {
		ASSERT_EQ(4, child_status(pid));
		SKIP(return, "unshare(CLONE_NEWPID) failed: no pid namespaces");
	}
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	EXPECT_EQ(191, r.msg.label);
	EXPECT_EQ(gc, r.sender.pid);
	EXPECT_EQ(gc, r.sender.tid);
	ASSERT_EQ(0, ep_send(s2, 192, NULL, 0, 0, 0));
	EXPECT_EQ(0, child_status(pid))
		TH_LOG("4-6 setup; 10 send, 11-12 parent not shown as pid 0, 13 own pid not 1");
	close(s2);
	close(fd2);
}

static long read_long(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * User namespaces: ids are translated into the receiver's namespace, and
 * an id it does not map shows as the overflow id.
 */
TEST_F_TIMEOUT(ep, sender_user_namespace, T_SHORT)
{
	long ouid = read_long("/proc/sys/kernel/overflowuid");
	long ogid = read_long("/proc/sys/kernel/overflowgid");
	int sync[2], back[2], fd2, s2, st;
	struct mkipc_recv r;
	char buf[64], c;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to map a user namespace");
	ASSERT_LE(0, ouid);
	fd2 = mkipc_ep_create(self->dev, 0, 0, NULL);
	ASSERT_LE(0, fd2);
	s2 = mkipc_ep_sender(fd2, 0);
	ASSERT_LE(0, s2);
	ASSERT_EQ(0, pipe(sync));
	ASSERT_EQ(0, pipe(back));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mkipc_recv cr;

		if (unshare(CLONE_NEWUSER)) {
			c = errno;
			if (write(sync[1], "s", 1) != 1 ||
			    write(sync[1], &c, 1) != 1)
				_exit(3);
			_exit(4);
		}
		c = 'u';
		if (write(sync[1], &c, 1) != 1 || read(back[0], &c, 1) != 1 ||
		    c != 'g')
			_exit(5);
		/* uid/gid 0 here is 1000 outside */
		if (setresgid(0, 0, 0) || setresuid(0, 0, 0))
			_exit(6);
		if (ep_send(self->sfd, 201, NULL, 0, 0, 0))
			_exit(7);
		if (ep_recv(fd2, &cr, buf, sizeof(buf), 0, WATCHDOG_NS) ||
		    cr.msg.label != 202)
			_exit(8);
		if (cr.sender.uid != ouid || cr.sender.gid != ogid)
			_exit(9);
		if (ep_send(s2, 203, NULL, 0, 0, 0) ||
		    ep_recv(fd2, &cr, buf, sizeof(buf), 0, WATCHDOG_NS) ||
		    cr.sender.uid != 0 || cr.sender.gid != 0)
			_exit(10);
		_exit(0);
	}
	close(sync[1]);
	close(back[0]);
	ASSERT_EQ(1, read(sync[0], &c, 1));
	if (c == 's') {
		ASSERT_EQ(1, read(sync[0], &c, 1));
		child_status(pid);
		/* EPERM in a chroot, as the test guest's init is. */
		SKIP(return, "unshare(CLONE_NEWUSER): %s", strerror(c));
	}
	snprintf(buf, sizeof(buf), "/proc/%d/uid_map", pid);
	ASSERT_EQ(0, mkipc_write_file(buf, "0 1000 1\n"));
	snprintf(buf, sizeof(buf), "/proc/%d/gid_map", pid);
	ASSERT_EQ(0, mkipc_write_file(buf, "0 1000 1\n"));
	ASSERT_EQ(1, write(back[1], "g", 1));
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	EXPECT_EQ(201, r.msg.label);
	EXPECT_EQ(1000, r.sender.uid);
	EXPECT_EQ(1000, r.sender.gid);
	ASSERT_EQ(0, ep_send(s2, 202, NULL, 0, 0, 0));
	st = child_status(pid);
	EXPECT_EQ(0, st)
		TH_LOG("5-7 setup, 8-9 root not shown as overflow id, 10 own ids not 0");
	close(s2);
	close(fd2);
}

/* ==== descriptors passed on ==== */

/* A send-only fd passed over a UNIX socket: it calls; it cannot serve. */
TEST_F_TIMEOUT(ep, scm_rights_send_fd, T_SHORT)
{
	struct mkipc_recv r;
	int sv[2], i;
	char buf[64];
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mkipc_ep_info info;
		struct mkipc_reply_recv rr;
		struct mkipc_call c;
		int fd;

		close(sv[0]);
		/* The fixture's fds came by fork; this one by socket only. */
		fd = recv_fd(sv[1]);
		if (fd < 0)
			_exit(2);
		if (ep_info(fd, &info) || info.rights != MKIPC_RIGHT_SEND)
			_exit(3);
		if (ep_recv(fd, &r, buf, sizeof(buf), MKIPC_F_NONBLOCK, 0) !=
		    -EBADF ||
		    ep_reply(fd, 1, 1, NULL, 0) != -EBADF ||
		    ep_reply_recv(fd, &rr, 0, 0, NULL, 0, buf, sizeof(buf),
				  MKIPC_F_NONBLOCK, 0) != -EBADF ||
		    mkipc_ep_shutdown(fd) != -EBADF ||
		    mkipc_ep_sender(fd, 0) != -EBADF)
			_exit(4);
		for (i = 0; i < 3; i++)
			if (ep_call(fd, &c, 211 + i, "q", 1, buf, sizeof(buf),
				    0, WATCHDOG_NS) ||
			    c.rep.label != echo_label(211 + i))
				_exit(5);
		_exit(0);
	}
	close(sv[1]);
	i = mkipc_ep_sender(self->rfd, 0);
	ASSERT_LE(0, i);
	ASSERT_EQ(0, send_fd(sv[0], i));
	close(i);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
		EXPECT_EQ(211 + i, r.msg.label);
		EXPECT_EQ(pid, r.sender.pid);
		EXPECT_EQ(0, ep_reply(self->rfd, r.token, echo_label(211 + i),
				      NULL, 0));
	}
	EXPECT_EQ(0, child_status(pid))
		TH_LOG("2 no fd, 3 rights, 4 receive right usable, 5 call");
	close(sv[0]);
}

/*
 * The receive fd passed to another process: it serves; once it is gone,
 * the endpoint is dead.
 */
TEST_F_TIMEOUT(ep, scm_rights_receive_fd, T_SHORT)
{
	struct mkipc_call c;
	int sv[2], i, fd;
	char buf[64];
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	/* Forked before the endpoint exists: it gets it only by socket. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mkipc_ep_info info;
		struct mkipc_recv r;

		close(sv[0]);
		fd = recv_fd(sv[1]);
		if (fd < 0)
			_exit(2);
		if (ep_info(fd, &info) ||
		    info.rights != (MKIPC_RIGHT_SEND | MKIPC_RIGHT_RECV))
			_exit(3);
		for (i = 0; i < 3; i++)
			if (ep_take(fd, &r, buf, sizeof(buf)) ||
			    ep_reply(fd, r.token, echo_label(r.msg.label),
				     NULL, 0))
				_exit(4);
		_exit(0);
	}
	close(sv[1]);
	fd = mkipc_ep_create(self->dev, 0, 0, NULL);
	ASSERT_LE(0, fd);
	i = mkipc_ep_sender(fd, 0);
	ASSERT_LE(0, i);
	ASSERT_EQ(0, send_fd(sv[0], fd));
	close(fd);
	fd = i;
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, ep_call(fd, &c, 221 + i, NULL, 0, buf,
				     sizeof(buf), 0, WATCHDOG_NS));
		EXPECT_EQ(echo_label(221 + i), c.rep.label);
	}
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(-EPIPE, ep_call(fd, &c, 224, NULL, 0, buf, sizeof(buf), 0,
				  WATCHDOG_NS));
	close(fd);
	close(sv[0]);
}

/* Descriptors are inherited across fork, rights and all. */
TEST_F_TIMEOUT(ep, fork_inherits, T_SHORT)
{
	struct mkipc_recv r;
	char buf[64];
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mkipc_call c;
		struct mkipc_recv cr;

		if (ep_call(self->sfd, &c, 231, NULL, 0, buf, sizeof(buf), 0,
			    WATCHDOG_NS) || c.rep.label != echo_label(231))
			_exit(2);
		/* The inherited receive fd receives. */
		if (ep_take(self->rfd, &cr, buf, sizeof(buf)) ||
		    cr.msg.label != 232)
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
	EXPECT_EQ(pid, r.sender.pid);
	EXPECT_EQ(0, ep_reply(self->rfd, r.token, echo_label(231), NULL, 0));
	ASSERT_EQ(0, ep_send(self->sfd, 232, NULL, 0, 0, 0));
	EXPECT_EQ(0, child_status(pid));
}

/* ==== readiness ==== */

static short poll_one(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

TEST_F_TIMEOUT(ep, poll_readiness, T_SHORT)
{
	struct mkipc_recv r;
	struct timeval tv = { 0 };
	fd_set rd, wr;
	char buf[64];
	int fd, s, i;

	fd = mkipc_ep_create(self->dev, 0, 2, NULL);
	ASSERT_LE(0, fd);
	s = mkipc_ep_sender(fd, 0);
	ASSERT_LE(0, s);
	EXPECT_EQ(POLLOUT, poll_one(fd, POLLIN | POLLOUT));
	EXPECT_EQ(POLLOUT, poll_one(s, POLLIN | POLLOUT));
	ASSERT_EQ(0, ep_send(s, 1, NULL, 0, 0, 0));
	EXPECT_EQ(POLLIN | POLLOUT, poll_one(fd, POLLIN | POLLOUT));
	/* Only the receive right sees messages. */
	EXPECT_EQ(POLLOUT, poll_one(s, POLLIN | POLLOUT));
	ASSERT_EQ(0, ep_send(s, 2, NULL, 0, 0, 0));
	EXPECT_EQ(POLLIN, poll_one(fd, POLLIN | POLLOUT));
	EXPECT_EQ(0, poll_one(s, POLLIN | POLLOUT));

	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(fd, &rd);
	FD_SET(fd, &wr);
	FD_SET(s, &wr);
	EXPECT_EQ(1, select(s > fd ? s + 1 : fd + 1, &rd, &wr, NULL, &tv));
	EXPECT_TRUE(FD_ISSET(fd, &rd));

	ASSERT_EQ(0, ep_recv(fd, &r, buf, sizeof(buf), MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(POLLIN | POLLOUT, poll_one(fd, POLLIN | POLLOUT));
	EXPECT_EQ(POLLOUT, poll_one(s, POLLIN | POLLOUT));
	for (i = 0; i < 2; i++)
		ep_recv(fd, &r, buf, sizeof(buf), MKIPC_F_NONBLOCK, 0);
	EXPECT_EQ(POLLOUT, poll_one(fd, POLLIN | POLLOUT));

	ASSERT_EQ(0, mkipc_ep_shutdown(fd));
	EXPECT_TRUE(poll_one(fd, POLLIN) & POLLHUP);
	EXPECT_TRUE(poll_one(s, POLLIN) & POLLHUP);
	close(s);
	close(fd);

	/* Dead by last close: the senders see the hang-up. */
	EXPECT_FALSE(poll_one(self->sfd, POLLIN) & POLLHUP);
	close(self->rfd);
	self->rfd = -1;
	EXPECT_TRUE(poll_one(self->sfd, POLLIN) & POLLHUP);
}

static int epoll_for(int fd, __u32 events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		return -1;
	return ep;
}

/* A thread asleep in epoll_wait wakes on the event and reports it. */
static int epoll_wakes(struct op *o, int epfd)
{
	op_prep(o, OP_EPOLL, -1, 0, 0, WATCHDOG_NS);
	o->epfd = epfd;
	if (op_go(o) || op_wait_blocked(o))
		return -1;
	return 0;
}

TEST_F_TIMEOUT(ep, epoll_wakeups, T_SHORT)
{
	struct mkipc_recv r;
	char buf[64];
	struct op w;
	int e, fd, s;

	/* EPOLLIN on a send. */
	e = epoll_for(self->rfd, EPOLLIN);
	ASSERT_LE(0, e);
	ASSERT_EQ(0, epoll_wakes(&w, e));
	ASSERT_EQ(0, ep_send(self->sfd, 1, NULL, 0, 0, 0));
	ASSERT_EQ(0, op_join(&w, WATCHDOG_MS));
	EXPECT_EQ(1, w.ret);
	EXPECT_TRUE(w.ev.events & EPOLLIN);
	EXPECT_GT(5 * SEC, w.t1 - w.t0);
	close(e);

	/* EPOLLOUT on a receive that makes room. */
	fd = mkipc_ep_create(self->dev, 0, 1, NULL);
	ASSERT_LE(0, fd);
	s = mkipc_ep_sender(fd, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, ep_send(s, 2, NULL, 0, 0, 0));
	e = epoll_for(s, EPOLLOUT);
	ASSERT_LE(0, e);
	ASSERT_EQ(0, epoll_wakes(&w, e));
	ASSERT_EQ(0, ep_recv(fd, &r, buf, sizeof(buf), MKIPC_F_NONBLOCK, 0));
	ASSERT_EQ(0, op_join(&w, WATCHDOG_MS));
	EXPECT_EQ(1, w.ret);
	EXPECT_TRUE(w.ev.events & EPOLLOUT);
	close(e);

	/* EPOLLHUP on shutdown (never asked for: always reported). */
	ASSERT_EQ(0, ep_send(s, 3, NULL, 0, 0, 0));
	e = epoll_for(s, EPOLLIN);
	ASSERT_LE(0, e);
	ASSERT_EQ(0, epoll_wakes(&w, e));
	ASSERT_EQ(0, mkipc_ep_shutdown(fd));
	ASSERT_EQ(0, op_join(&w, WATCHDOG_MS));
	EXPECT_EQ(1, w.ret);
	EXPECT_TRUE(w.ev.events & EPOLLHUP);
	close(e);
	close(s);
	close(fd);

	/* EPOLLHUP on the last close of the receive fd. */
	e = epoll_for(self->sfd, EPOLLIN);
	ASSERT_LE(0, e);
	ASSERT_EQ(0, epoll_wakes(&w, e));
	close(self->rfd);
	self->rfd = -1;
	ASSERT_EQ(0, op_join(&w, WATCHDOG_MS));
	EXPECT_EQ(1, w.ret);
	EXPECT_TRUE(w.ev.events & EPOLLHUP);
	close(e);
}

/*
 * Withdrawn calls fill a max_msgs=1 endpoint's queue (they leave the bound
 * but keep their queue places until a receive drops them): a sender sees
 * no room, waits in epoll for EPOLLOUT, and a receive that drops them,
 * finding nothing to deliver, must wake it. With and without the mailbox.
 */
TEST_F_TIMEOUT(ep, epollout_after_withdrawn_calls, T_SHORT)
{
	static const __u32 kinds[] = { 0, MKIPC_EP_NO_DIRECT };
	struct pollfd pfd;
	struct mkipc_recv r;
	struct mkipc_call c;
	char buf[64];
	int e, fd, s, i;
	struct op w;
	size_t k;

	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		fd = mkipc_ep_create(self->dev, kinds[k], 1, NULL);
		ASSERT_LE(0, fd);
		s = mkipc_ep_sender(fd, 0);
		ASSERT_LE(0, s);
		pfd.fd = s;
		pfd.events = POLLOUT;
		for (i = 0; i < 4; i++) {
			ASSERT_LE(0, poll(&pfd, 1, 0));
			if (!(pfd.revents & POLLOUT))
				break;
			EXPECT_EQ(-ETIMEDOUT, ep_call(s, &c, 10 + i, NULL, 0,
						      NULL, 0, 0, 20 * MS));
		}
		ASSERT_GT(4, i) TH_LOG("kind %#x: still room after 4 calls",
				       kinds[k]);
		EXPECT_EQ(-EAGAIN, ep_send(s, 1, NULL, 0, MKIPC_F_NONBLOCK, 0));
		e = epoll_for(s, EPOLLOUT);
		ASSERT_LE(0, e);
		ASSERT_EQ(0, epoll_wakes(&w, e));
		usleep(100 * 1000);
		EXPECT_EQ(-EAGAIN, ep_recv(fd, &r, buf, sizeof(buf),
					   MKIPC_F_NONBLOCK, 0));
		ASSERT_EQ(0, op_join(&w, WATCHDOG_MS));
		EXPECT_EQ(1, w.ret);
		EXPECT_TRUE(w.ev.events & EPOLLOUT);
		/* Woken by the receive, not by the watchdog's timeout. */
		EXPECT_GT(2 * SEC, w.t1 - w.t0)
			TH_LOG("kind %#x: EPOLLOUT after %llu ms", kinds[k],
			       (w.t1 - w.t0) / MS);
		EXPECT_EQ(0, ep_send(s, 1, NULL, 0, MKIPC_F_NONBLOCK, 0));
		close(e);
		close(s);
		close(fd);
	}
}

/* ==== timeouts ==== */

TEST_F_TIMEOUT(ep, timeouts, T_SHORT)
{
	static const __u64 t[] = { 1, 50 * MS, 300 * MS };
	struct mkipc_reply_recv rr;
	unsigned long long t0, dt;
	struct mkipc_recv r;
	struct mkipc_call c;
	int fd, full, i2;
	char buf[64];
	struct op o;
	size_t i;

	fd = mkipc_ep_create(self->dev, 0, 0, NULL);
	ASSERT_LE(0, fd);
	full = mkipc_ep_create(self->dev, 0, 1, NULL);
	ASSERT_LE(0, full);
	ASSERT_EQ(0, ep_send(full, 1, NULL, 0, 0, 0));
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		t0 = mkipc_now_ns();
		EXPECT_EQ(-ETIMEDOUT, ep_recv(fd, &r, buf, sizeof(buf), 0,
					      t[i]));
		dt = mkipc_now_ns() - t0;
		EXPECT_LE(t[i], dt) TH_LOG("recv timed out early");
		EXPECT_GT(t[i] + SLACK_NS, dt);

		t0 = mkipc_now_ns();
		EXPECT_EQ(-ETIMEDOUT, ep_reply_recv(fd, &rr, 0, 0, NULL, 0,
						    buf, sizeof(buf), 0,
						    t[i]));
		dt = mkipc_now_ns() - t0;
		EXPECT_LE(t[i], dt) TH_LOG("reply_recv timed out early");
		EXPECT_GT(t[i] + SLACK_NS, dt);

		/* No server: the call times out, and is withdrawn. */
		t0 = mkipc_now_ns();
		EXPECT_EQ(-ETIMEDOUT, ep_call(fd, &c, 1, NULL, 0, buf,
					      sizeof(buf), 0, t[i]));
		dt = mkipc_now_ns() - t0;
		EXPECT_LE(t[i], dt) TH_LOG("call timed out early");
		EXPECT_GT(t[i] + SLACK_NS, dt);
		EXPECT_EQ(-EAGAIN, ep_recv(fd, &r, buf, sizeof(buf),
					   MKIPC_F_NONBLOCK, 0));

		t0 = mkipc_now_ns();
		EXPECT_EQ(-ETIMEDOUT, ep_send(full, 3, NULL, 0, 0, t[i]));
		dt = mkipc_now_ns() - t0;
		EXPECT_LE(t[i], dt) TH_LOG("send timed out early");
		EXPECT_GT(t[i] + SLACK_NS, dt);
		EXPECT_EQ(1, ep_queued(full));
	}
	close(full);

	/* The call's timeout covers the wait for the reply as well. */
	ASSERT_EQ(0, op_start(&o, OP_CALL, fd, 4, 0, 300 * MS));
	ASSERT_EQ(0, ep_take(fd, &r, buf, sizeof(buf)));
	ASSERT_EQ(0, op_join(&o, WATCHDOG_MS));
	EXPECT_EQ(-ETIMEDOUT, o.ret);
	EXPECT_LE(300 * MS, o.t1 - o.t0);
	EXPECT_GT(300 * MS + SLACK_NS, o.t1 - o.t0);
	EXPECT_EQ(-ESRCH, ep_reply(fd, r.token, 1, NULL, 0));
	close(fd);

	/* The longest timeouts there are must not expire at once. */
	for (i2 = 0; i2 < 2; i2++) {
		__u64 tmo = i2 ? 1ULL << 63 : ~0ULL;

		fd = mkipc_ep_create(self->dev, 0, 0, NULL);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, op_start(&o, OP_RECV, fd, 0, 0, tmo));
		ASSERT_EQ(0, op_wait_blocked(&o))
			TH_LOG("timeout_ns %#llx returned %ld at once",
			       (unsigned long long)tmo, o.ret);
		usleep(100000);
		ASSERT_EQ(0, ep_send(fd, 5, NULL, 0, 0, WATCHDOG_NS));
		ASSERT_EQ(0, op_join(&o, WATCHDOG_MS));
		EXPECT_EQ(0, o.ret);
		ASSERT_EQ(0, op_start(&o, OP_CALL, fd, 6, 0, tmo));
		ASSERT_EQ(0, ep_take(fd, &r, buf, sizeof(buf)));
		usleep(100000);
		EXPECT_EQ(0, ep_reply(fd, r.token, echo_label(6), NULL, 0));
		ASSERT_EQ(0, op_join(&o, WATCHDOG_MS));
		EXPECT_EQ(0, o.ret);
		close(fd);
	}
}

/* ==== signals, one at a time ==== */

/*
 * Runs @o blocked, signals it with (@restart) or without SA_RESTART, and
 * reports whether it is still blocked after the handler ran.
 */
static int blocked_after_signal(struct op *o, int restart)
{
	set_handler(SIGUSR1, restart);
	if (op_wait_blocked(o) || op_signal(o, SIGUSR1))
		return -1;
	usleep(50000);
	return op_wait_blocked(o) ? 0 : 1;
}

TEST_F_TIMEOUT(ep, signal_restart_rules, T_SHORT)
{
	struct mkipc_recv r;
	char buf[64];
	struct op o;
	int fd, i;

	/* recv: SA_RESTART without timeout restarts ... */
	ASSERT_EQ(0, op_start(&o, OP_RECV, self->rfd, 0, 0, 0));
	EXPECT_EQ(1, blocked_after_signal(&o, 1)) TH_LOG("recv, SA_RESTART");
	ASSERT_EQ(0, ep_send(self->sfd, 241, NULL, 0, 0, 0));
	ASSERT_EQ(0, op_join(&o, WATCHDOG_MS));
	EXPECT_EQ(0, o.ret);
	EXPECT_EQ(241, o.rcv.msg.label);
	/* ... without SA_RESTART, or with a timeout, fails with EINTR. */
	ASSERT_EQ(0, op_start(&o, OP_RECV, self->rfd, 0, 0, 0));
	EXPECT_EQ(0, blocked_after_signal(&o, 0));
	ASSERT_EQ(0, op_join(&o, WATCHDOG_MS));
	EXPECT_EQ(-EINTR, o.ret);
	ASSERT_EQ(0, op_start(&o, OP_RECV, self->rfd, 0, 0, WATCHDOG_NS));
	EXPECT_EQ(0, blocked_after_signal(&o, 1));
	ASSERT_EQ(0, op_join(&o, WATCHDOG_MS));
	EXPECT_EQ(-EINTR, o.ret) TH_LOG("recv with timeout, SA_RESTART");
	/* Nothing was taken by the interrupted receives. */
	ASSERT_EQ(0, ep_send(self->sfd, 242, NULL, 0, 0, 0));
	ASSERT_EQ(0, ep_recv(self->rfd, &r, buf, sizeof(buf),
			     MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(242, r.msg.label);

	/* send blocked on a full queue: the same rules; EINTR queues nothing. */
	fd = mkipc_ep_create(self->dev, 0, 1, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ep_send(fd, 0, NULL, 0, 0, 0));
	ASSERT_EQ(0, op_start(&o, OP_SEND, fd, 1, 0, 0));
	EXPECT_EQ(1, blocked_after_signal(&o, 1)) TH_LOG("send, SA_RESTART");
	ASSERT_EQ(0, ep_recv(fd, &r, buf, sizeof(buf), MKIPC_F_NONBLOCK, 0));
	ASSERT_EQ(0, op_join(&o, WATCHDOG_MS));
	EXPECT_EQ(0, o.ret);
	ASSERT_EQ(0, op_start(&o, OP_SEND, fd, 2, 0, 0));
	EXPECT_EQ(0, blocked_after_signal(&o, 0));
	ASSERT_EQ(0, op_join(&o, WATCHDOG_MS));
	EXPECT_EQ(-EINTR, o.ret);
	ASSERT_EQ(0, op_start(&o, OP_SEND, fd, 3, 0, WATCHDOG_NS));
	EXPECT_EQ(0, blocked_after_signal(&o, 1));
	ASSERT_EQ(0, op_join(&o, WATCHDOG_MS));
	EXPECT_EQ(-EINTR, o.ret) TH_LOG("send with timeout, SA_RESTART");
	ASSERT_EQ(0, ep_recv(fd, &r, buf, sizeof(buf), MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(1, r.msg.label);
	EXPECT_EQ(-EAGAIN, ep_recv(fd, &r, buf, sizeof(buf),
				   MKIPC_F_NONBLOCK, 0))
		TH_LOG("an interrupted send queued its message");

	/* call not yet taken: SA_RESTART restarts it, delivered once. */
	ASSERT_EQ(0, op_start(&o, OP_CALL, fd, 4, 0, 0));
	EXPECT_EQ(1, blocked_after_signal(&o, 1)) TH_LOG("call, SA_RESTART");
	EXPECT_EQ(1, ep_queued(fd));
	ASSERT_EQ(0, ep_take(fd, &r, buf, sizeof(buf)));
	EXPECT_EQ(4, r.msg.label);
	EXPECT_EQ(0, ep_queued(fd)) TH_LOG("restarted call queued twice");
	EXPECT_EQ(0, ep_reply(fd, r.token, echo_label(4), NULL, 0));
	ASSERT_EQ(0, op_join(&o, WATCHDOG_MS));
	EXPECT_EQ(0, o.ret);
	EXPECT_EQ(echo_label(4), o.call.rep.label);
	/* A call with a timeout: EINTR, withdrawn. */
	ASSERT_EQ(0, op_start(&o, OP_CALL, fd, 5, 0, WATCHDOG_NS));
	EXPECT_EQ(0, blocked_after_signal(&o, 1));
	ASSERT_EQ(0, op_join(&o, WATCHDOG_MS));
	EXPECT_EQ(-EINTR, o.ret);
	EXPECT_EQ(0, ep_queued(fd));
	close(fd);

	/*
	 * reply_recv whose reply went out and whose receive then sleeps: a
	 * signal must not restart it with the same token (which would fail
	 * ENOENT): something was transferred, so EINTR.
	 */
	for (i = 0; i < 2; i++) {
		struct op caller;

		ASSERT_EQ(0, op_start(&caller, OP_CALL, self->sfd, 250 + i, 0,
				      WATCHDOG_NS));
		ASSERT_EQ(0, ep_take(self->rfd, &r, buf, sizeof(buf)));
		op_prep(&o, OP_REPLY_RECV, self->rfd, 250 + i, 0,
			i ? WATCHDOG_NS : 0);
		o.token = r.token;
		ASSERT_EQ(0, op_go(&o));
		ASSERT_EQ(0, op_join(&caller, WATCHDOG_MS));
		EXPECT_EQ(0, caller.ret);
		EXPECT_EQ(echo_label(250 + i), caller.call.rep.label);
		EXPECT_EQ(0, blocked_after_signal(&o, 1));
		ASSERT_EQ(0, ep_send(self->sfd, 260, NULL, 0, 0, 0));
		ASSERT_EQ(0, op_join(&o, WATCHDOG_MS));
		EXPECT_EQ(-EINTR, o.ret)
			TH_LOG("reply_recv after its reply, signal: %ld", o.ret);
		if (o.ret)
			ep_recv(self->rfd, &r, buf, sizeof(buf),
				MKIPC_F_NONBLOCK, 0);
	}
}

/*
 * A message a receive could not deliver goes back first in line: it is
 * still queued, and still counts against the queue's bound.
 */
TEST_F_TIMEOUT(ep, bound_holds_with_message_put_back, T_SHORT)
{
	struct mkipc_recv r;
	char buf[64];
	int fd;

	fd = mkipc_ep_create(self->dev, 0, 1, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ep_send(fd, 1, "12345678", 8, 0, 0));
	EXPECT_EQ(-EMSGSIZE, ep_recv(fd, &r, buf, 1, MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(1, ep_queued(fd));
	EXPECT_EQ(POLLIN, poll_one(fd, POLLIN | POLLOUT));
	EXPECT_EQ(-EAGAIN, ep_send(fd, 2, NULL, 0, MKIPC_F_NONBLOCK, 0))
		TH_LOG("bound 1 took a second message (EMSGSIZE put-back)");
	EXPECT_EQ(-EFAULT, ep_recv(fd, &r, NULL, 8, MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(-EAGAIN, ep_send(fd, 3, NULL, 0, MKIPC_F_NONBLOCK, 0))
		TH_LOG("bound 1 took a second message (EFAULT put-back)");
	ASSERT_EQ(0, ep_recv(fd, &r, buf, sizeof(buf), MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(1, r.msg.label);
	close(fd);
}

/*
 * A call restarted after a signal (SA_RESTART, no timeout, not yet taken)
 * queues again: its withdrawn first attempt must not fill the queue, or a
 * non-blocking call would fail with EAGAIN after it had been queued.
 */
TEST_F_TIMEOUT(ep, restarted_call_requeues, T_SHORT)
{
	struct mkipc_recv r;
	char buf[64];
	struct op o;
	int fd;

	fd = mkipc_ep_create(self->dev, 0, 1, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, op_start(&o, OP_CALL, fd, 7, MKIPC_F_NONBLOCK, 0));
	EXPECT_EQ(1, blocked_after_signal(&o, 1));
	if (atomic_load(&o.done)) {
		ASSERT_EQ(0, op_join(&o, WATCHDOG_MS));
		EXPECT_EQ(0, o.ret) TH_LOG("restarted call failed");
		close(fd);
		return;
	}
	ASSERT_EQ(0, ep_take(fd, &r, buf, sizeof(buf)));
	EXPECT_EQ(7, r.msg.label);
	EXPECT_EQ(0, ep_reply(fd, r.token, echo_label(7), NULL, 0));
	ASSERT_EQ(0, op_join(&o, WATCHDOG_MS));
	EXPECT_EQ(0, o.ret);
	close(fd);
}

/* ==== signal storms ==== */

/* What became of one call or message, as each side saw it. */
enum {
	OUT_NONE,
	OUT_OK,
	OUT_EINTR,
	OUT_ETIMEDOUT,
	OUT_EAGAIN,
	OUT_ESRCH,
	OUT_UNKNOWN,	/* a reply_recv interrupted: its reply went or not */
	OUT_OTHER,
};

static int outcome(long err)
{
	switch (err) {
	case 0:
		return OUT_OK;
	case -EINTR:
		return OUT_EINTR;
	case -ETIMEDOUT:
		return OUT_ETIMEDOUT;
	case -EAGAIN:
		return OUT_EAGAIN;
	case -ESRCH:
		return OUT_ESRCH;
	default:
		return OUT_OTHER;
	}
}

#define STORM_THREADS	8

struct storm {
	int rfd;
	int sfd;
	long per_client;
	int nclients;
	atomic_int clients_done;
	atomic_int stop_signals;
	atomic_int stopping;		/* the endpoint is being shut down */
	atomic_uchar *received;		/* per seq: times a server got it */
	unsigned char *client_out;	/* per seq: OUT_*, as its client saw */
	atomic_uchar *reply_out;	/* per seq: OUT_*, as its server saw */
	atomic_long bad_payloads;	/* a reply or message not as sent */
	atomic_long server_errors;	/* unexpected errors on the far side */
	atomic_long last_server_error;
	atomic_long order_errors;
	atomic_long signals_sent;
	pthread_t thr[STORM_THREADS];	/* every thread that gets signals */
	int nthr;
};

struct storm_thread {
	struct storm *st;
	int id;
};

static void *storm_signaller(void *arg)
{
	struct storm *st = arg;
	unsigned int seed = 4242;

	while (!atomic_load(&st->stop_signals)) {
		pthread_kill(st->thr[rand_r(&seed) % st->nthr],
			     rand_r(&seed) & 1 ? SIGUSR1 : SIGUSR2);
		atomic_fetch_add(&st->signals_sent, 1);
		usleep(rand_r(&seed) % 1500);
	}
	return NULL;
}

/* Calls, half of them with a timeout, a quarter non-blocking. */
static void *storm_caller(void *arg)
{
	struct storm_thread *t = arg;
	struct storm *st = t->st;
	long n;

	for (n = 0; n < st->per_client; n++) {
		__u64 seq = t->id * st->per_client + n;
		__u64 req[2] = { seq, ~seq }, rep[2] = { 0, 0 };
		__u32 flags = n % 4 == 3 ? MKIPC_F_NONBLOCK : 0;
		struct mkipc_call c;
		int r;

		r = ep_call(t->id & 1 ? st->sfd : st->rfd, &c, seq, req,
			    sizeof(req), rep, sizeof(rep), flags,
			    n % 2 ? 2 * SEC : 0);
		st->client_out[seq] = outcome(r);
		if (!r && (c.rep.label != echo_label(seq) ||
			   c.rep.size != sizeof(rep) ||
			   rep[0] != echo_label(seq) || rep[1] != seq))
			atomic_fetch_add(&st->bad_payloads, 1);
	}
	atomic_fetch_add(&st->clients_done, 1);
	return NULL;
}

static void storm_server_error(struct storm *st, long err)
{
	if (atomic_load(&st->stopping) &&
	    (err == -EPIPE || err == -ENOENT))
		return;
	atomic_fetch_add(&st->server_errors, 1);
	atomic_store(&st->last_server_error, err);
}

/* A request arrived: count it, and prepare its reply. */
static __u64 storm_took(struct storm *st, struct mkipc_recv *r, __u64 *req,
			__u64 *rep)
{
	__u64 seq = r->msg.label;

	if (seq >= (__u64)st->per_client * st->nclients || !r->token ||
	    r->msg.size != 16 || req[0] != seq || req[1] != ~seq) {
		atomic_fetch_add(&st->bad_payloads, 1);
		return ~0ULL;
	}
	atomic_fetch_add(&st->received[seq], 1);
	rep[0] = echo_label(seq);
	rep[1] = seq;
	return seq;
}

/*
 * Serves calls: id 0 with REPLY then RECV, others with REPLY_RECV. Every
 * request taken is replied to, and the reply's outcome recorded.
 */
static void *storm_server(void *arg)
{
	struct storm_thread *t = arg;
	struct storm *st = t->st;
	__u64 req[2], rep[2], token = 0, seq = 0;
	struct mkipc_reply_recv rr;
	struct mkipc_recv r;
	int ret, rret;

	for (;;) {
		if (t->id == 0) {
			if (token) {
				rret = ep_reply(st->rfd, token,
						echo_label(seq), rep,
						sizeof(rep));
				if (rret && rret != -ESRCH)
					storm_server_error(st, rret);
				st->reply_out[seq] = outcome(rret);
				token = 0;
			}
			ret = ep_recv(st->rfd, &r, req, sizeof(req), 0, 0);
		} else {
			ret = ep_reply_recv(st->rfd, &rr, token,
					    echo_label(seq), rep, sizeof(rep),
					    req, sizeof(req), 0, 0);
			if (token && ret == 0) {
				st->reply_out[seq] = rr.reply_err == 0 ?
					OUT_OK : rr.reply_err == ESRCH ?
					OUT_ESRCH : OUT_OTHER;
			} else if (token) {
				/*
				 * Failed: did the reply go? A plain reply
				 * settles it, unless the first one used the
				 * token up.
				 */
				rret = ep_reply(st->rfd, token,
						echo_label(seq), rep,
						sizeof(rep));
				st->reply_out[seq] = rret == -ENOENT ?
					OUT_UNKNOWN : outcome(rret);
				if (rret && rret != -ESRCH && rret != -ENOENT)
					storm_server_error(st, rret);
			}
			token = 0;
			r = rr.recv;
		}
		if (ret == -EINTR)
			continue;
		if (ret == -EPIPE && atomic_load(&st->stopping))
			break;
		if (ret) {
			storm_server_error(st, ret);
			if (ret == -EPIPE || ret == -EBADF)
				break;
			continue;
		}
		seq = storm_took(st, &r, req, rep);
		if (seq != ~0ULL)
			token = r.token;
	}
	return NULL;
}

static int storm_alloc(struct storm *st, long total)
{
	st->received = calloc(total, sizeof(*st->received));
	st->client_out = calloc(total, 1);
	st->reply_out = calloc(total, sizeof(*st->reply_out));
	return st->received && st->client_out && st->reply_out ? 0 : -1;
}

static void storm_free(struct storm *st)
{
	free(st->received);
	free(st->client_out);
	free(st->reply_out);
}

/* Waits (watchdog) for the clients to finish; 0, or -1 if they hung. */
static int storm_wait_clients(struct storm *st, long ms)
{
	while (atomic_load(&st->clients_done) < st->nclients && ms > 0) {
		usleep(10000);
		ms -= 10;
	}
	return atomic_load(&st->clients_done) < st->nclients ? -1 : 0;
}

/*
 * Calls flow from 3 clients to 2 servers while every one of those threads
 * gets signals at random intervals, with SA_RESTART (SIGUSR1) and without
 * (SIGUSR2). No request may be received twice; a call that succeeded got
 * its own reply, and its server was told so; a call given up was never
 * received, or its server's reply failed with ESRCH.
 */
TEST_F_TIMEOUT(ep, signal_storm_calls, T_LONG)
{
	long n[OUT_OTHER + 1] = { 0 }, rep_n[OUT_OTHER + 1] = { 0 };
	struct mkipc_paths paths;
	long dup = 0, lost = 0, unanswered = 0, phantom = 0, given_up = 0;
	struct storm_thread th[STORM_THREADS];
	struct storm st = { 0 };
	pthread_t sig;
	long seq, total;
	int i, nsrv = 2;

	st.nclients = 3;
	st.per_client = mkipc_ep_scaled(30000);
	total = st.per_client * st.nclients;
	ASSERT_EQ(0, storm_alloc(&st, total));
	mkipc_paths_read(&paths);
	st.rfd = mkipc_ep_create(self->dev, 0, 4, NULL);
	ASSERT_LE(0, st.rfd);
	st.sfd = mkipc_ep_sender(st.rfd, 0);
	ASSERT_LE(0, st.sfd);
	set_handler(SIGUSR1, 1);
	set_handler(SIGUSR2, 0);

	for (i = 0; i < nsrv + st.nclients; i++) {
		th[i].st = &st;
		th[i].id = i < nsrv ? i : i - nsrv;
		ASSERT_EQ(0, pthread_create(&st.thr[i], NULL,
					    i < nsrv ? storm_server :
					    storm_caller, &th[i]));
	}
	st.nthr = nsrv + st.nclients;
	ASSERT_EQ(0, pthread_create(&sig, NULL, storm_signaller, &st));
	ASSERT_EQ(0, storm_wait_clients(&st, 600000))
		TH_LOG("callers hung: %d of %d done",
		       atomic_load(&st.clients_done), st.nclients);
	atomic_store(&st.stop_signals, 1);
	pthread_join(sig, NULL);
	for (i = nsrv; i < st.nthr; i++)
		pthread_join(st.thr[i], NULL);
	atomic_store(&st.stopping, 1);
	ASSERT_EQ(0, mkipc_ep_shutdown(st.rfd));
	for (i = 0; i < nsrv; i++)
		pthread_join(st.thr[i], NULL);

	for (seq = 0; seq < total; seq++) {
		int rcv = atomic_load(&st.received[seq]);
		int co = st.client_out[seq];
		int ro = atomic_load(&st.reply_out[seq]);

		n[co]++;
		rep_n[ro]++;
		if (rcv > 1)
			dup++;
		if (co == OUT_OK && (rcv != 1 || ro == OUT_ESRCH ||
				     ro == OUT_OTHER))
			lost++;
		if ((co == OUT_EINTR || co == OUT_ETIMEDOUT) && rcv) {
			given_up++;
			if (ro == OUT_OK)
				phantom++;
		}
		if (co == OUT_EAGAIN && rcv)
			phantom++;
		if (rcv && ro == OUT_NONE)
			unanswered++;
	}
	ksft_print_msg("calls=%ld ok=%ld eintr=%ld etimedout=%ld eagain=%ld other=%ld\n",
		       total, n[OUT_OK], n[OUT_EINTR], n[OUT_ETIMEDOUT],
		       n[OUT_EAGAIN], n[OUT_OTHER] + n[OUT_NONE]);
	ksft_print_msg("given_up_after_taken=%ld replies_ok=%ld esrch=%ld unknown=%ld\n",
		       given_up, rep_n[OUT_OK], rep_n[OUT_ESRCH],
		       rep_n[OUT_UNKNOWN]);
	paths_check(_metadata, &paths, "signal_storm_calls", true);
	ksft_print_msg("signals_sent=%ld signals_handled=%d\n",
		       atomic_load(&st.signals_sent),
		       atomic_load(&signals_seen));
	fflush(stdout);
	EXPECT_EQ(0, n[OUT_OTHER] + n[OUT_NONE] + n[OUT_ESRCH])
		TH_LOG("calls failed with errors the storm cannot explain");
	EXPECT_EQ(0, dup) TH_LOG("requests received more than once");
	EXPECT_EQ(0, lost) TH_LOG("successful calls whose request or reply went astray");
	EXPECT_EQ(0, phantom)
		TH_LOG("calls given up whose reply was %s",
		       "delivered, or EAGAIN calls received");
	EXPECT_EQ(0, unanswered);
	EXPECT_EQ(0, atomic_load(&st.bad_payloads));
	EXPECT_EQ(0, atomic_load(&st.server_errors))
		TH_LOG("last server error %ld",
		       atomic_load(&st.last_server_error));
	EXPECT_EQ(0, rep_n[OUT_OTHER]);
	EXPECT_LT(0, atomic_load(&signals_seen));
	close(st.sfd);
	close(st.rfd);
	storm_free(&st);
}

static void *storm_sender(void *arg)
{
	struct storm_thread *t = arg;
	struct storm *st = t->st;
	long n;

	for (n = 0; n < st->per_client; n++) {
		__u64 seq = t->id * st->per_client + n;

		st->client_out[seq] = outcome(ep_send(st->sfd, seq, &seq,
						      sizeof(seq), 0,
						      n % 2 ? 2 * SEC : 0));
	}
	atomic_fetch_add(&st->clients_done, 1);
	return NULL;
}

static void *storm_receiver(void *arg)
{
	struct storm_thread *t = arg;
	struct storm *st = t->st;
	long last[STORM_THREADS];
	struct mkipc_recv r;
	__u64 seq, v;
	int ret, who;

	for (who = 0; who < STORM_THREADS; who++)
		last[who] = -1;
	for (;;) {
		ret = ep_recv(st->rfd, &r, &v, sizeof(v), 0, 0);
		if (ret == -EINTR)
			continue;
		if (ret) {
			if (ret != -EPIPE || !atomic_load(&st->stopping))
				storm_server_error(st, ret);
			break;
		}
		seq = r.msg.label;
		if (seq >= (__u64)st->per_client * st->nclients || v != seq ||
		    r.token) {
			atomic_fetch_add(&st->bad_payloads, 1);
			continue;
		}
		atomic_fetch_add(&st->received[seq], 1);
		who = seq / st->per_client;
		if ((long)(seq % st->per_client) <= last[who])
			atomic_fetch_add(&st->order_errors, 1);
		last[who] = seq % st->per_client;
	}
	return NULL;
}

/*
 * Messages flow from 2 senders through a queue of 4 to 1 receiver, all
 * three signalled at random: a send that succeeded is received exactly
 * once, in its sender's order; an interrupted one never.
 */
TEST_F_TIMEOUT(ep, signal_storm_messages, T_LONG)
{
	long n[OUT_OTHER + 1] = { 0 }, bad = 0, seq, total;
	struct mkipc_paths paths;
	struct storm_thread th[STORM_THREADS];
	struct storm st = { 0 };
	pthread_t sig;
	int i, w;

	st.nclients = 2;
	st.per_client = mkipc_ep_scaled(50000);
	total = st.per_client * st.nclients;
	ASSERT_EQ(0, storm_alloc(&st, total));
	mkipc_paths_read(&paths);
	st.rfd = mkipc_ep_create(self->dev, 0, 4, NULL);
	ASSERT_LE(0, st.rfd);
	st.sfd = mkipc_ep_sender(st.rfd, 0);
	ASSERT_LE(0, st.sfd);
	set_handler(SIGUSR1, 1);
	set_handler(SIGUSR2, 0);
	for (i = 0; i < 3; i++) {
		th[i].st = &st;
		th[i].id = i ? i - 1 : 0;
		ASSERT_EQ(0, pthread_create(&st.thr[i], NULL,
					    i ? storm_sender : storm_receiver,
					    &th[i]));
	}
	st.nthr = 3;
	ASSERT_EQ(0, pthread_create(&sig, NULL, storm_signaller, &st));
	ASSERT_EQ(0, storm_wait_clients(&st, 600000));
	atomic_store(&st.stop_signals, 1);
	pthread_join(sig, NULL);
	/* Let the receiver drain the queue before the endpoint dies. */
	for (w = 0; w < WATCHDOG_MS && ep_queued(st.rfd) > 0; w += 10)
		usleep(10000);
	EXPECT_EQ(0, ep_queued(st.rfd));
	atomic_store(&st.stopping, 1);
	ASSERT_EQ(0, mkipc_ep_shutdown(st.rfd));
	for (i = 0; i < 3; i++)
		pthread_join(st.thr[i], NULL);

	for (seq = 0; seq < total; seq++) {
		int rcv = atomic_load(&st.received[seq]);
		int co = st.client_out[seq];

		n[co]++;
		if (rcv > 1 || (co == OUT_OK && rcv != 1) ||
		    (co != OUT_OK && rcv))
			bad++;
	}
	ksft_print_msg("messages=%ld ok=%ld eintr=%ld etimedout=%ld other=%ld\n",
		       total, n[OUT_OK], n[OUT_EINTR], n[OUT_ETIMEDOUT],
		       total - n[OUT_OK] - n[OUT_EINTR] - n[OUT_ETIMEDOUT]);
	ksft_print_msg("signals_sent=%ld signals_handled=%d\n",
		       atomic_load(&st.signals_sent),
		       atomic_load(&signals_seen));
	paths_check(_metadata, &paths, "signal_storm_messages", true);
	fflush(stdout);
	EXPECT_EQ(total, n[OUT_OK] + n[OUT_EINTR] + n[OUT_ETIMEDOUT]);
	EXPECT_EQ(0, bad) TH_LOG("messages lost, duplicated or ghosted");
	EXPECT_EQ(0, atomic_load(&st.order_errors));
	EXPECT_EQ(0, atomic_load(&st.bad_payloads));
	EXPECT_EQ(0, atomic_load(&st.server_errors))
		TH_LOG("last receive error %ld",
		       atomic_load(&st.last_server_error));
	EXPECT_LT(0, atomic_load(&signals_seen));
	close(st.sfd);
	close(st.rfd);
	storm_free(&st);
}

/* ==== closes racing calls ==== */

enum { RACE_SHUTDOWN, RACE_SERVER_CLOSES, RACE_MAIN_CLOSES, RACE_MODES };

struct race {
	int rfd;
	int sfd;
	int mode;
	int close_after;		/* RACE_SERVER_CLOSES: replies first */
	atomic_long ok;
	atomic_long epipe;
	atomic_long orphaned;		/* EOWNERDEAD: its server thread left */
	atomic_long bad;		/* a reply not the call's own */
	atomic_long errors;		/* anything else */
	atomic_long last_error;
};

static void race_error(struct race *rc, long err)
{
	atomic_fetch_add(&rc->errors, 1);
	atomic_store(&rc->last_error, err);
}

static void *race_caller(void *arg)
{
	struct race *rc = arg;
	__u64 label, rep, n = 0;
	pid_t tid = gettid();
	struct mkipc_call c;
	int r;

	for (;;) {
		label = ((__u64)tid << 32) | n++;
		r = ep_call(rc->sfd, &c, label, &label, sizeof(label), &rep,
			    sizeof(rep), 0, WATCHDOG_NS);
		if (r == -EPIPE) {
			atomic_fetch_add(&rc->epipe, 1);
			return NULL;
		}
		/* The thread holding it exited: call again, as a client would. */
		if (r == -EOWNERDEAD) {
			atomic_fetch_add(&rc->orphaned, 1);
			continue;
		}
		if (r) {
			race_error(rc, r);
			return NULL;
		}
		atomic_fetch_add(&rc->ok, 1);
		if (c.rep.label != echo_label(label) || rep != label)
			atomic_fetch_add(&rc->bad, 1);
	}
}

static void *race_server(void *arg)
{
	struct race *rc = arg;
	struct mkipc_reply_recv rr;
	__u64 token = 0, label = 0, req;
	int r, served = 0;

	for (;;) {
		r = ep_reply_recv(rc->rfd, &rr, token, echo_label(label),
				  &label, sizeof(label), &req, sizeof(req), 0,
				  0);
		/* The endpoint died or the fd went: both end the round. */
		if (r == -EPIPE || r == -EBADF || (r == -ENOENT && token))
			return NULL;
		if (r) {
			race_error(rc, r);
			return NULL;
		}
		token = rr.recv.token;
		label = rr.recv.msg.label;
		if (rc->mode == RACE_SERVER_CLOSES &&
		    ++served == rc->close_after) {
			/* Gone without replying to the call it holds. */
			close(rc->rfd);
			return NULL;
		}
	}
}

/*
 * Callers call while the endpoint dies under them: shut down, its receive
 * fd closed by a server holding a call, or closed by another thread while
 * servers work on it. Every caller returns, with its own reply or EPIPE
 * (or EOWNERDEAD for a call a server thread held when it left, and calls
 * again); none hangs; and no endpoint is left when it is over.
 */
TEST_F_TIMEOUT(ep, close_races_calls, T_LONG)
{
	static const __u32 kinds[] = {
		0, MKIPC_EP_QUEUE_SPIN, MKIPC_EP_WAITQ_STOCK, BASELINE_FLAGS,
	};
	long rounds = mkipc_ep_scaled(60), ok = 0, epipe = 0, orphaned = 0;
	long live;
	unsigned int seed = 99;
	struct mkipc_paths paths;
	struct race rc;
	pthread_t c[4], s[2];
	int round, i, r;

	mkipc_paths_read(&paths);
	for (round = 0; round < rounds; round++) {
		memset(&rc, 0, sizeof(rc));
		rc.mode = round % RACE_MODES;
		rc.close_after = 1 + rand_r(&seed) % 20;
		rc.rfd = mkipc_ep_create(self->dev,
					 kinds[round / RACE_MODES % 4],
					 1 + rand_r(&seed) % 8, NULL);
		ASSERT_LE(0, rc.rfd);
		rc.sfd = mkipc_ep_sender(rc.rfd, 0);
		ASSERT_LE(0, rc.sfd);
		for (i = 0; i < 2; i++)
			ASSERT_EQ(0, pthread_create(&s[i], NULL, race_server,
						    &rc));
		for (i = 0; i < 4; i++)
			ASSERT_EQ(0, pthread_create(&c[i], NULL, race_caller,
						    &rc));
		usleep(rand_r(&seed) % 20000);
		r = 0;
		if (rc.mode == RACE_SHUTDOWN)
			r = mkipc_ep_shutdown(rc.rfd);
		else if (rc.mode == RACE_MAIN_CLOSES)
			r = close(rc.rfd);
		ASSERT_EQ(0, r);
		for (i = 0; i < 4; i++) {
			struct op j = { .thr = c[i] };

			ASSERT_EQ(0, op_join(&j, 60000))
				TH_LOG("round %d (mode %d): a caller hung",
				       round, rc.mode);
		}
		for (i = 0; i < 2; i++) {
			struct op j = { .thr = s[i] };

			ASSERT_EQ(0, op_join(&j, 60000))
				TH_LOG("round %d (mode %d): a server hung",
				       round, rc.mode);
		}
		EXPECT_EQ(0, atomic_load(&rc.errors))
			TH_LOG("round %d (mode %d): error %ld", round, rc.mode,
			       atomic_load(&rc.last_error));
		EXPECT_EQ(0, atomic_load(&rc.bad));
		EXPECT_EQ(4, atomic_load(&rc.epipe));
		ok += atomic_load(&rc.ok);
		epipe += atomic_load(&rc.epipe);
		orphaned += atomic_load(&rc.orphaned);
		if (rc.mode == RACE_SHUTDOWN)
			close(rc.rfd);
		close(rc.sfd);
	}
	ksft_print_msg("rounds=%ld calls_ok=%ld callers_epipe=%ld orphaned=%ld\n",
		       rounds, ok, epipe, orphaned);
	paths_check(_metadata, &paths, "close_races_calls", true);
	fflush(stdout);
	close(self->sfd);
	close(self->rfd);
	self->sfd = -1;
	self->rfd = -1;
	live = mkipc_wait_live_endpoints(0, 10000);
	if (live < 0 && geteuid())
		TH_LOG("endpoint count not checked: debugfs is root's");
	else
		EXPECT_EQ(0, live) TH_LOG("endpoints left behind");
}

/* ==== churn ==== */

TEST_F_TIMEOUT(ep, churn, T_LONG)
{
	static const __u32 kinds[] = {
		0, MKIPC_EP_QUEUE_SPIN, MKIPC_EP_WAITQ_STOCK, BASELINE_FLAGS,
	};
	long i, n = mkipc_ep_scaled(10000), errors = 0, peak = 0, live;
	int fd, s, r;

	close(self->sfd);
	close(self->rfd);
	self->sfd = -1;
	self->rfd = -1;
	if (mkipc_live_endpoints() < 0 && geteuid())
		TH_LOG("endpoint count not checked: debugfs is root's");
	else
		ASSERT_EQ(0, mkipc_wait_live_endpoints(0, 10000))
			TH_LOG("endpoints alive before the churn");
	for (i = 0; i < n; i++) {
		fd = mkipc_ep_create(self->dev, kinds[i % 4], 1 + i % 8, NULL);
		s = fd < 0 ? fd : mkipc_ep_sender(fd, 0);
		if (fd < 0 || s < 0) {
			errors++;
			close(fd);
			continue;
		}
		/* A message left queued, freed with the endpoint. */
		if (ep_send(s, i, &i, sizeof(i), MKIPC_F_NONBLOCK, 0))
			errors++;
		if (i & 1) {
			close(fd);
			r = ep_send(s, i, NULL, 0, MKIPC_F_NONBLOCK, 0);
			if (r != -EPIPE)
				errors++;
			close(s);
		} else {
			close(s);
			close(fd);
		}
		if (i % 1000 == 0) {
			live = mkipc_live_endpoints();
			if (live > peak)
				peak = live;
		}
	}
	live = mkipc_wait_live_endpoints(0, 10000);
	ksft_print_msg("churn cycles=%ld errors=%ld peak_live=%ld live_after=%ld\n",
		       n, errors, peak, live);
	fflush(stdout);
	EXPECT_EQ(0, errors);
	if (live < 0 && geteuid())
		return;		/* counts unreadable, as said above */
	EXPECT_GE(1, peak) TH_LOG("endpoints outlive their descriptors");
	EXPECT_EQ(0, live);
}

/* ==== out of memory (debug lanes: failslab) ==== */

/*
 * Only this thread's slab allocations fail, between faults_on() and
 * faults_off(); the file stays open (opening it would allocate).
 */
static int make_it_fail_fd = -1;

static void faults(int on)
{
	int tries;

	for (tries = 0; tries < 100; tries++)
		if (pwrite(make_it_fail_fd, on ? "1" : "0", 1, 0) == 1)
			return;
	if (!on)
		abort();	/* the rest would fail for no reason of ours */
}

FIXTURE(enomem) {
	int dev;
	int enabled;	/* 6.1's harness runs the body after a setup SKIP */
};

FIXTURE_SETUP(enomem)
{
	int fs;

	self->dev = mkipc_open();
	ASSERT_LE(0, self->dev);
	fs = mkipc_failslab_present();
	ASSERT_LE(0, fs) TH_LOG("MKIPC_REQUIRE_FAULT=1 but %s is missing",
				MKIPC_FAILSLAB);
	if (!fs)
		SKIP(return, "no %s (kernel without CONFIG_FAILSLAB)",
		     MKIPC_FAILSLAB);
	ASSERT_EQ(0, mkipc_failslab_arm());
	/* Caches flagged at boot (slub_debug=A...), as mkipc_fault_test. */
	ASSERT_EQ(0, mkipc_failslab_set("cache-filter", "Y"));
	make_it_fail_fd = open("/proc/thread-self/make-it-fail",
			       O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, make_it_fail_fd);
	self->enabled = 1;
}

FIXTURE_TEARDOWN(enomem)
{
	if (self->enabled) {
		faults(0);
		mkipc_failslab_set("probability", "0");
		mkipc_failslab_set("cache-filter", "N");
	}
	close(self->dev);
}

enum { NM_CREATE, NM_SENDER, NM_SEND, NM_RECV, NM_REPLY, NM_CALL, NM_NR };

static const char * const nm_names[NM_NR] = {
	"create", "sender", "send", "recv", "reply", "call",
};

/*
 * Slab allocations of this thread fail at random while it creates, mints,
 * sends, receives (two calls taken at once), replies and calls. Every
 * failure must be one the header lists for the operation (ENOMEM, where
 * it does) and leave things as they were: no descriptor made, nothing
 * queued, a message not received still first in line, a token still
 * valid. Then nothing may be left alive; run_tests.sh asks kmemleak.
 */
TEST_F_TIMEOUT(enomem, failures_are_documented_and_clean, T_LONG)
{
	static const char * const pct[] = { "5", "20", "50" };
	long ok[NM_NR] = { 0 }, nomem[NM_NR] = { 0 }, bad[NM_NR] = { 0 };
	long rounds = mkipc_ep_scaled(1000), i, lost = 0;
	struct op callers[2], server;
	struct mkipc_recv r;
	struct mkipc_call c;
	int fd, s, k, ret, before;
	char buf[64];
	__u64 tokens[2];

	if (!self->enabled)
		return;
	for (i = 0; i < rounds; i++) {
		ASSERT_EQ(0, mkipc_failslab_set("probability", pct[i % 3]));
		before = next_fd();
		faults(1);
		fd = mkipc_ep_create(self->dev, 0, 4, NULL);
		faults(0);
		if (fd < 0) {
			nomem[NM_CREATE] += fd == -ENOMEM;
			bad[NM_CREATE] += fd != -ENOMEM;
			if (next_fd() != before)
				lost++;
			continue;
		}
		ok[NM_CREATE]++;

		faults(1);
		s = mkipc_ep_sender(fd, 0);
		faults(0);
		if (s < 0) {
			nomem[NM_SENDER] += s == -ENOMEM;
			bad[NM_SENDER] += s != -ENOMEM;
			s = mkipc_ep_sender(fd, 0);
			ASSERT_LE(0, s);
		} else {
			ok[NM_SENDER]++;
		}

		/* send: ENOMEM queues nothing */
		faults(1);
		ret = ep_send(s, 1, "abc", 3, MKIPC_F_NONBLOCK, 0);
		faults(0);
		if (ret) {
			nomem[NM_SEND] += ret == -ENOMEM;
			bad[NM_SEND] += ret != -ENOMEM;
			lost += ep_queued(fd) != 0;
		} else {
			ok[NM_SEND]++;
			ASSERT_EQ(0, ep_recv(fd, &r, buf, sizeof(buf),
					     MKIPC_F_NONBLOCK, 0));
		}

		/*
		 * recv: two calls taken at once, so that the second token
		 * needs room the first did not. The header lists ENOMEM for a
		 * receive (no memory for the call's token); a failed one must
		 * leave the call queued, first in line.
		 */
		for (k = 0; k < 2; k++) {
			ASSERT_EQ(0, op_start(&callers[k], OP_CALL, s, 10 + k,
					      0, WATCHDOG_NS));
			ASSERT_EQ(0, op_wait_blocked(&callers[k]));
		}
		for (k = 0; k < 2; k++) {
			faults(1);
			ret = ep_recv(fd, &r, buf, sizeof(buf),
				      MKIPC_F_NONBLOCK, 0);
			faults(0);
			if (ret) {
				nomem[NM_RECV] += ret == -ENOMEM;
				bad[NM_RECV] += ret != -ENOMEM;
				ret = ep_recv(fd, &r, buf, sizeof(buf),
					      MKIPC_F_NONBLOCK, 0);
				ASSERT_EQ(0, ret) TH_LOG("the call was lost");
			} else {
				ok[NM_RECV]++;
			}
			tokens[k] = r.token;
		}

		/* reply: ENOMEM leaves the token valid */
		for (k = 0; k < 2; k++) {
			faults(1);
			ret = ep_reply(fd, tokens[k], 5, "rep", 3);
			faults(0);
			if (ret) {
				nomem[NM_REPLY] += ret == -ENOMEM;
				bad[NM_REPLY] += ret != -ENOMEM;
				ret = ep_reply(fd, tokens[k], 5, "rep", 3);
				EXPECT_EQ(0, ret) TH_LOG("token lost by ENOMEM");
			} else {
				ok[NM_REPLY]++;
			}
		}
		for (k = 0; k < 2; k++) {
			ASSERT_EQ(0, op_join(&callers[k], WATCHDOG_MS));
			EXPECT_EQ(0, callers[k].ret);
		}

		/* call: ENOMEM queues nothing; else it gets its reply */
		ASSERT_EQ(0, op_serve(&server, fd, 2));
		faults(1);
		ret = ep_call(s, &c, 20, "q", 1, buf, sizeof(buf), 0,
			      WATCHDOG_NS);
		faults(0);
		if (ret) {
			nomem[NM_CALL] += ret == -ENOMEM;
			bad[NM_CALL] += ret != -ENOMEM;
			/* nothing queued: let the server have one anyway */
			ASSERT_EQ(0, ep_send(s, 21, NULL, 0, 0, 0));
		} else {
			ok[NM_CALL]++;
		}
		ASSERT_EQ(0, op_join(&server, WATCHDOG_MS));
		EXPECT_EQ(0, server.ret);
		if (ret) {
			EXPECT_EQ(21, server.rcv.msg.label)
				TH_LOG("a call that failed ENOMEM was queued");
		}
		close(s);
		close(fd);
	}
	faults(0);
	ASSERT_EQ(0, mkipc_failslab_set("probability", "0"));
	for (k = 0; k < NM_NR; k++)
		ksft_print_msg("%s: ok=%ld enomem=%ld undocumented=%ld\n",
			       nm_names[k], ok[k], nomem[k], bad[k]);
	fflush(stdout);
	for (k = 0; k < NM_NR; k++) {
		EXPECT_EQ(0, bad[k])
			TH_LOG("%s failed with an errno its ioctl does not list",
			       nm_names[k]);
	}
	EXPECT_EQ(0, lost) TH_LOG("a failure left a descriptor or message behind");
	EXPECT_EQ(0, mkipc_wait_live_endpoints(0, 10000));
}

/* ==== conservation under load ==== */

#define LOAD_MAX_REP	256

struct load {
	int rfd;
	long per_client;
	long total;
	__u32 rep_size;			/* bytes, 16..LOAD_MAX_REP */
	atomic_uchar *seen;		/* per call: times a server took it */
	atomic_long calls;
	atomic_long replies_ok;
	atomic_long mismatches;		/* replies not the call's own */
	atomic_long errors;
	atomic_long last_error;
	atomic_long served;
	atomic_long reply_errs;		/* server side: reply failed */
};

struct load_thread {
	struct load *ld;
	int id;
	int fd;
};

#define LOAD_SALT	0x5851f42d4c957f2dULL

/* The reply a server makes to call @id: every word depends on @id. */
static void load_reply(__u64 *rep, __u32 size, __u64 id)
{
	__u32 k;

	rep[0] = ~(id * LOAD_SALT);
	rep[1] = echo_label(id);
	for (k = 2; k < size / 8; k++)
		rep[k] = id * k + LOAD_SALT;
}

static void *load_client(void *arg)
{
	struct load_thread *t = arg;
	struct load *ld = t->ld;
	__u64 req[2], rep[LOAD_MAX_REP / 8], want[LOAD_MAX_REP / 8], id;
	struct mkipc_call c;
	long n;
	int r;

	for (n = 0; n < ld->per_client; n++) {
		id = t->id * ld->per_client + n;
		req[0] = id;
		req[1] = id * LOAD_SALT;
		memset(rep, 0, ld->rep_size);
		r = ep_call(t->fd, &c, id, req, sizeof(req), rep, ld->rep_size,
			    0, WATCHDOG_NS);
		atomic_fetch_add_explicit(&ld->calls, 1, memory_order_relaxed);
		if (r) {
			atomic_fetch_add(&ld->errors, 1);
			atomic_store(&ld->last_error, r);
			continue;
		}
		/* The server's transformation of this call's own values. */
		load_reply(want, ld->rep_size, id);
		if (c.rep.label == echo_label(id) &&
		    c.rep.size == ld->rep_size &&
		    !memcmp(rep, want, ld->rep_size))
			atomic_fetch_add_explicit(&ld->replies_ok, 1,
						  memory_order_relaxed);
		else
			atomic_fetch_add(&ld->mismatches, 1);
	}
	return NULL;
}

/* id 0 and other even ids: REPLY_RECV; odd ids: REPLY, then RECV. */
static void *load_server(void *arg)
{
	struct load_thread *t = arg;
	struct load *ld = t->ld;
	__u64 req[2], rep[LOAD_MAX_REP / 8], token = 0, label = 0;
	struct mkipc_reply_recv rr;
	struct mkipc_recv *r = &rr.recv;
	int ret;

	for (;;) {
		if (t->id & 1) {
			if (token) {
				ret = ep_reply(ld->rfd, token, label, rep,
					       ld->rep_size);
				if (ret)
					atomic_fetch_add(&ld->reply_errs, 1);
			}
			ret = ep_recv(ld->rfd, r, req, sizeof(req), 0, 0);
		} else {
			ret = ep_reply_recv(ld->rfd, &rr, token, label, rep,
					    ld->rep_size, req, sizeof(req), 0,
					    0);
			if (!ret && rr.reply_err)
				atomic_fetch_add(&ld->reply_errs, 1);
		}
		token = 0;
		if (ret == -EPIPE)
			return NULL;
		if (ret) {
			atomic_fetch_add(&ld->errors, 1);
			atomic_store(&ld->last_error, ret);
			continue;
		}
		if (r->msg.label >= (__u64)ld->total || !r->token ||
		    r->msg.size != 16 || req[0] != r->msg.label ||
		    req[1] != r->msg.label * LOAD_SALT) {
			atomic_fetch_add(&ld->mismatches, 1);
			continue;
		}
		atomic_fetch_add_explicit(&ld->seen[r->msg.label], 1,
					  memory_order_relaxed);
		atomic_fetch_add_explicit(&ld->served, 1,
					  memory_order_relaxed);
		token = r->token;
		label = echo_label(r->msg.label);
		load_reply(rep, ld->rep_size, r->msg.label);
	}
}

FIXTURE(load) {
	int dev;
};

FIXTURE_VARIANT(load) {
	int clients;
	int servers;
	long calls;
	__u32 rep_size;
	__u32 ep_flags;
};

/*
 * 2 x 500000 calls: the 10^6 of the default lane; replies that travel
 * inline (up to 64 bytes) and replies that do not.
 */
FIXTURE_VARIANT_ADD(load, c4_s2) {
	.clients = 4, .servers = 2, .calls = 500000, .rep_size = 16,
};

FIXTURE_VARIANT_ADD(load, c2_s4_rep256) {
	.clients = 2, .servers = 4, .calls = 500000, .rep_size = 256,
};

/* The slow path alone: every call through the queue. */
FIXTURE_VARIANT_ADD(load, c4_s2_queued) {
	.clients = 4, .servers = 2, .calls = 100000, .rep_size = 16,
	.ep_flags = MKIPC_EP_NO_DIRECT,
};

/* The baselines, fewer calls: they are there to compare, not to load. */
FIXTURE_VARIANT_ADD(load, c2_s2_baselines) {
	.clients = 2, .servers = 2, .calls = 50000, .rep_size = 64,
	.ep_flags = BASELINE_FLAGS,
};

FIXTURE_SETUP(load)
{
	self->dev = mkipc_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(load)
{
	close(self->dev);
}

/*
 * M clients x N servers on one endpoint: every call gets exactly its own
 * reply (the server transforms values unique to the call, the client
 * checks them), every request is served exactly once.
 */
TEST_F_TIMEOUT(load, conservation, T_LONG)
{
	struct mkipc_paths paths;
	struct load_thread th[16];
	struct load ld = { 0 };
	pthread_t thr[16];
	long i, dup = 0, missing = 0, secs_x10;
	unsigned long long t0, dt;
	int sfd, n = variant->clients + variant->servers;

	ld.per_client = mkipc_ep_scaled(variant->calls) / variant->clients;
	ld.total = ld.per_client * variant->clients;
	ld.rep_size = variant->rep_size;
	ld.seen = calloc(ld.total, sizeof(*ld.seen));
	ASSERT_NE(NULL, ld.seen);
	ld.rfd = mkipc_ep_create(self->dev, variant->ep_flags, 0, NULL);
	ASSERT_LE(0, ld.rfd);
	sfd = mkipc_ep_sender(ld.rfd, 0);
	ASSERT_LE(0, sfd);

	mkipc_paths_read(&paths);
	t0 = mkipc_now_ns();
	for (i = 0; i < n; i++) {
		th[i].ld = &ld;
		th[i].id = i < variant->servers ? i : i - variant->servers;
		/* Clients call on both kinds of descriptor. */
		th[i].fd = th[i].id & 1 ? sfd : ld.rfd;
		ASSERT_EQ(0, pthread_create(&thr[i], NULL,
					    i < variant->servers ?
					    load_server : load_client, &th[i]));
	}
	for (i = variant->servers; i < n; i++)
		pthread_join(thr[i], NULL);
	dt = mkipc_now_ns() - t0;
	ASSERT_EQ(0, mkipc_ep_shutdown(ld.rfd));
	for (i = 0; i < variant->servers; i++)
		pthread_join(thr[i], NULL);

	for (i = 0; i < ld.total; i++) {
		int s = atomic_load(&ld.seen[i]);

		if (s > 1)
			dup++;
		if (!s)
			missing++;
	}
	secs_x10 = dt / (SEC / 10);
	ksft_print_msg("calls=%ld replies_ok=%ld mismatches=%ld served=%ld dup=%ld missing=%ld\n",
		       atomic_load(&ld.calls), atomic_load(&ld.replies_ok),
		       atomic_load(&ld.mismatches), atomic_load(&ld.served),
		       dup, missing);
	ksft_print_msg("clients=%d servers=%d rep_size=%u flags=%#x errors=%ld\n",
		       variant->clients, variant->servers, ld.rep_size,
		       variant->ep_flags, atomic_load(&ld.errors));
	ksft_print_msg("secs=%ld.%ld us_per_call=%.1f\n", secs_x10 / 10,
		       secs_x10 % 10, (double)dt / 1000 / ld.total);
	paths_check(_metadata, &paths, "conservation",
		    !(variant->ep_flags & MKIPC_EP_NO_DIRECT));
	fflush(stdout);
	EXPECT_EQ(ld.total, atomic_load(&ld.calls));
	EXPECT_EQ(ld.total, atomic_load(&ld.replies_ok));
	EXPECT_EQ(0, atomic_load(&ld.mismatches));
	EXPECT_EQ(0, atomic_load(&ld.errors))
		TH_LOG("last error %ld", atomic_load(&ld.last_error));
	EXPECT_EQ(ld.total, atomic_load(&ld.served));
	EXPECT_EQ(0, dup);
	EXPECT_EQ(0, missing);
	EXPECT_EQ(0, atomic_load(&ld.reply_errs));
	close(sfd);
	close(ld.rfd);
	free(ld.seen);
}

TEST_HARNESS_MAIN
