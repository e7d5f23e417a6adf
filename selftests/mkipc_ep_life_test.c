// SPDX-License-Identifier: GPL-2.0
/*
 * Endpoints, as the user ABI (include/uapi/linux/mkipc.h) promises them,
 * lifecycle: what a user's endpoints may hold (user_mem_max_kb); calls
 * whose taker thread exits; calls across a stop (SIGSTOP, ptrace, the
 * freezer), parked and resumed; calls withdrawn before they are taken;
 * death by shutdown and by last close.
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
	ASSERT_EQ(0, mkipc_file_write(USERMEM_PARAM, val));

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
	EXPECT_EQ(0, mkipc_file_write(USERMEM_PARAM, old));
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
			gone = mkipc_clock_ns();
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
		if (mkipc_file_write(FREEZE_CG "/cgroup.procs", val) ||
		    mkipc_file_write(FREEZE_CG "/cgroup.freeze", "1"))
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
		return mkipc_file_write(FREEZE_CG "/cgroup.freeze", "0");
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

TEST_HARNESS_MAIN
