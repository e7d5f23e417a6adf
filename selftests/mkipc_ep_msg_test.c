// SPDX-License-Identifier: GPL-2.0
/*
 * Endpoints, as the user ABI (include/uapi/linux/mkipc.h) promises them,
 * delivery: the direct path and the queue; message contents and sender
 * identity (across pid and user namespaces, and for an unprivileged
 * user); descriptors passed over UNIX sockets and inherited across fork;
 * poll and epoll readiness; timeouts; signals, one at a time.
 *
 * The header is the contract: where the module disagrees with it, the test
 * fails and says which promise was broken.
 *
 * Counts scale with MKIPC_TEST_SCALE (percent); assertions do not.
 * Expects mkipc.ko loaded and debugfs mounted (run_tests.sh does both).
 */
#define _GNU_SOURCE
#include "mkipc_ep_fixture.h"

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

/* The number in @path, or -1 if it cannot be read. */
static long read_long(const char *path)
{
	long v;

	return mkipc_file_read_long(path, &v) ? -1 : v;
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
	ASSERT_EQ(0, mkipc_file_write(buf, "0 1000 1\n"));
	snprintf(buf, sizeof(buf), "/proc/%d/gid_map", pid);
	ASSERT_EQ(0, mkipc_file_write(buf, "0 1000 1\n"));
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
		t0 = mkipc_clock_ns();
		EXPECT_EQ(-ETIMEDOUT, ep_recv(fd, &r, buf, sizeof(buf), 0,
					      t[i]));
		dt = mkipc_clock_ns() - t0;
		EXPECT_LE(t[i], dt) TH_LOG("recv timed out early");
		EXPECT_GT(t[i] + SLACK_NS, dt);

		t0 = mkipc_clock_ns();
		EXPECT_EQ(-ETIMEDOUT, ep_reply_recv(fd, &rr, 0, 0, NULL, 0,
						    buf, sizeof(buf), 0,
						    t[i]));
		dt = mkipc_clock_ns() - t0;
		EXPECT_LE(t[i], dt) TH_LOG("reply_recv timed out early");
		EXPECT_GT(t[i] + SLACK_NS, dt);

		/* No server: the call times out, and is withdrawn. */
		t0 = mkipc_clock_ns();
		EXPECT_EQ(-ETIMEDOUT, ep_call(fd, &c, 1, NULL, 0, buf,
					      sizeof(buf), 0, t[i]));
		dt = mkipc_clock_ns() - t0;
		EXPECT_LE(t[i], dt) TH_LOG("call timed out early");
		EXPECT_GT(t[i] + SLACK_NS, dt);
		EXPECT_EQ(-EAGAIN, ep_recv(fd, &r, buf, sizeof(buf),
					   MKIPC_F_NONBLOCK, 0));

		t0 = mkipc_clock_ns();
		EXPECT_EQ(-ETIMEDOUT, ep_send(full, 3, NULL, 0, 0, t[i]));
		dt = mkipc_clock_ns() - t0;
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

TEST_HARNESS_MAIN
