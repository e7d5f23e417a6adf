// SPDX-License-Identifier: GPL-2.0
/*
 * Priority inheritance across calls, as the "Priority" paragraph of
 * include/uapi/linux/mkipc.h promises it:
 *
 *  - a priority inversion (a server starved by a real-time hog) resolved
 *    by inheritance, and not resolved with priority_tracking off;
 *  - the server's exact settings (policy, priority, nice, reset-on-fork)
 *    while it holds a call and after the call ends in each way a call can
 *    end (reply, reply_recv, the caller's timeout, signal and death, the
 *    server's death, shutdown, last close), for a real-time caller on an
 *    MKIPC_EP_INHERIT_RT endpoint, a nice caller, and a real-time caller
 *    on an endpoint that passes on only the nice level;
 *  - settings changed by someone else while raised, kept or dropped;
 *  - chains of calls, and a chain that drops while it waits;
 *  - a server holding several calls at the highest of them;
 *  - the mkipc:mkipc_prio tracepoint.
 *
 * Unprivileged users, the completion boost and pi_stress are in
 * mkipc_prio_boost_test.c.
 *
 * Every test runs as root (it changes other threads' policies, module
 * parameters and sysctls, and reads debugfs) and restores what it changed,
 * also when it fails; settings are read with sched_getattr(2). After each
 * test the debugfs gauge prio_tasks must be back to 0.
 *
 * Expects mkipc.ko loaded and debugfs mounted (run_tests.sh does both).
 */
#define _GNU_SOURCE
#include "mkipc_prio_fixture.h"

/* ==== 1. a priority inversion ==== */

/*
 * On CPU 0: a SCHED_OTHER server waiting to receive on an INHERIT_RT
 * endpoint, a SCHED_FIFO 50 hog spinning for 2 s, and a SCHED_FIFO 80
 * caller that calls once the hog runs. The test coordinates from CPU 1 at
 * SCHED_FIFO 90, with RT throttling off so that the hog starves the
 * server completely. Returns the call's duration in ms, or -1 (after
 * logging) on a failure.
 */
static long inversion_ms(struct __test_metadata *_metadata, int dev,
			 const char *tracking)
{
	struct agent server, hog, caller;
	int rfd, sfd;
	long ms;

	if (mkipc_param_write("priority_tracking", tracking)) {
		TH_LOG("cannot set priority_tracking=%s", tracking);
		return -1;
	}
	rfd = mkipc_ep_create(dev, MKIPC_EP_INHERIT_RT | MKIPC_EP_CLOEXEC, 0,
			      NULL);
	sfd = rfd < 0 ? rfd : mkipc_ep_sender(rfd, MKIPC_EP_CLOEXEC);
	if (sfd < 0) {
		TH_LOG("endpoint: %s", strerror(-sfd));
		return -1;
	}

	agent_init(&server, fn_serve, rfd, &OTHER(0));
	server.cpu = 0;
	server.label = 2;		/* a warm-up call, then the one timed */
	agent_init(&caller, fn_call, sfd, &FIFO(80, 0));
	caller.cpu = 0;
	caller.timeout_ns = WATCHDOG_NS;
	agent_init(&hog, fn_hog, -1, &FIFO(50, 0));
	hog.cpu = 0;
	hog.timeout_ns = 2 * SEC;

	if (agent_start(&server) || agent_wait_blocked(&server)) {
		TH_LOG("server did not start");
		return -1;
	}
	/* Warm-up: the code paths faulted in, no hog yet. */
	if (agent_start(&caller) || agent_join(&caller, WATCHDOG_MS) ||
	    caller.ret) {
		TH_LOG("warm-up call failed: %s", strerror(-caller.ret));
		return -1;
	}
	if (agent_wait_blocked(&server)) {
		TH_LOG("server did not wait for the second call");
		return -1;
	}
	agent_init(&caller, fn_call_on_go, sfd, &FIFO(80, 0));
	caller.cpu = 0;
	caller.timeout_ns = WATCHDOG_NS;
	if (agent_start(&caller)) {
		TH_LOG("caller did not start");
		return -1;
	}
	if (agent_start(&hog) || wait_flag(&hog.taken, 1)) {
		TH_LOG("hog did not start");
		return -1;
	}
	usleep(20000);		/* the hog has CPU 0 to itself now */
	agent_go(&caller);
	if (agent_join(&caller, WATCHDOG_MS) || agent_join(&hog, WATCHDOG_MS) ||
	    agent_join(&server, WATCHDOG_MS)) {
		TH_LOG("a thread did not finish");
		return -1;
	}
	close(sfd);
	close(rfd);
	if (caller.ret || server.ret) {
		TH_LOG("call %s, server %s", strerror(-caller.ret),
		       strerror(-server.ret));
		return -1;
	}
	ms = (caller.t1 - caller.t0) / MS;
	NOTE("priority_tracking=%s: the call took %ld ms, %s the hog ended\n",
	     tracking, ms, caller.t1 < hog.t1 ? "before" : "after");
	return ms;
}

TEST_F_TIMEOUT(prio, inversion, T_TEST)
{
	long with, without;

	if (self->c.skip)
		return;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs 2 CPUs: one for the inversion, one to watch");
	ASSERT_EQ(0, mlockall(MCL_CURRENT | MCL_FUTURE));
	ASSERT_EQ(0, rt_starvation_allow())
		TH_LOG("cannot turn RT throttling and the fair server off");
	ASSERT_EQ(0, mkipc_pin_cpu(1));
	ASSERT_EQ(0, prio_set(0, &FIFO(90, 0)));

	with = inversion_ms(_metadata, self->c.dev, "Y");
	ASSERT_LE(0, with);
	without = inversion_ms(_metadata, self->c.dev, "N");
	ASSERT_LE(0, without);
	NOTE("inversion: with=%ld ms without=%ld ms\n", with,
	     without);
	EXPECT_GT(500, with)
		TH_LOG("tracking on, the server did not run before the hog");
	EXPECT_LE(1500, without)
		TH_LOG("tracking off, the server ran before the hog ended");
}

/*
 * ==== 1b. the raise of a waiting server: before it runs, moved to the
 * thread that takes the call, undone when the call ends untaken ====
 */

/* Receives once: the endpoint's shutdown is to end it (EPIPE). */
static long fn_recv_once(struct agent *a)
{
	struct mkipc_recv r;

	return ep_recv(a->fd, &r, NULL, 0, 0, WATCHDOG_NS);
}

/* Spins until the test says stop. */
static long fn_spin(struct agent *a)
{
	atomic_store(&a->taken, 1);
	while (!atomic_load(&a->stop))
		;
	return 0;
}

/*
 * A taker whose slab allocations fail while it receives (failslab, this
 * thread only): mkipc has no memory for its record, so it is not raised;
 * its settings, read right after the receive, are its own.
 */
static long fn_take_reply_nomem(struct agent *a)
{
	struct mkipc_recv r;
	int fd;
	long err;

	fd = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, "1", 1, 0) != 1) {
		close(fd);
		return -EIO;
	}
	err = ep_recv(a->fd, &r, NULL, 0, 0, WATCHDOG_NS);
	while (pwrite(fd, "0", 1, 0) != 1)
		;
	close(fd);
	if (err)
		return err;
	prio_get(0, &a->seen);
	atomic_store(&a->taken, 1);
	if (wait_flag(&a->go, 1))
		return -ETIMEDOUT;
	return ep_reply(a->fd, r.token, 1, NULL, 0);
}

enum claim_end { CLAIM_TAKEN, CLAIM_UNTAKEN, CLAIM_TAKEN_NOMEM };

/*
 * W1 (SCHED_OTHER nice 10) waits to receive on CPU 0; a SCHED_FIFO 90
 * spinner then holds CPU 0, so W1 cannot run; a SCHED_FIFO 80 caller on
 * CPU 1 calls. W1 must be raised at once, before it ever runs. With
 * CLAIM_TAKEN, a SCHED_FIFO 85 server on CPU 1 then takes the call, and
 * the raise must leave W1; with CLAIM_UNTAKEN, the call times out untaken,
 * and the raise must leave W1 with it; with CLAIM_TAKEN_NOMEM, a SCHED_OTHER
 * server on CPU 1 takes the call while mkipc cannot allocate its record
 * (failslab): no raise for it, and none left on W1 either. W1 still has
 * not run at any check.
 */
static void claim_case(struct __test_metadata *_metadata, int dev,
		       enum claim_end how)
{
	bool taker = how != CLAIM_UNTAKEN;
	struct agent w1, spin, caller, w2;
	int rfd, sfd;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs 2 CPUs: one held, one to call from");
	ASSERT_EQ(0, mlockall(MCL_CURRENT | MCL_FUTURE));
	ASSERT_EQ(0, rt_starvation_allow())
		TH_LOG("cannot turn RT throttling and the fair server off");
	ASSERT_EQ(0, mkipc_pin_cpu(1));
	ASSERT_EQ(0, prio_set(0, &FIFO(95, 0)));
	NEW_EP(dev, MKIPC_EP_INHERIT_RT, &rfd, &sfd);

	agent_init(&w1, fn_recv_once, rfd, &OTHER(10));
	w1.cpu = 0;
	START(&w1);
	BLOCKED(&w1);
	agent_init(&spin, fn_spin, -1, &FIFO(90, 0));
	spin.cpu = 0;
	START(&spin);
	ASSERT_EQ(0, wait_flag(&spin.taken, 1));

	agent_init(&caller, fn_call, sfd, &FIFO(80, 0));
	caller.cpu = 1;
	caller.timeout_ns = taker ? WATCHDOG_NS : UNTAKEN_NS;
	START(&caller);
	BLOCKED(&caller);
	EXPECT_PRIO(w1.tid, with_rof(FIFO(80, NICE_ANY)),
		    "waiting server woken by the call, before it ran");
	EXPECT_EQ(0, atomic_load(&w1.done));

	if (how == CLAIM_TAKEN_NOMEM) {
		ASSERT_EQ(0, mkipc_failslab_set("probability", "100"));
		agent_init(&w2, fn_take_reply_nomem, rfd, &OTHER(0));
		w2.cpu = 1;
		START(&w2);
		ASSERT_EQ(0, wait_flag(&w2.taken, 1))
			TH_LOG("taker: %s", strerror(-w2.ret));
		ASSERT_EQ(0, mkipc_failslab_set("probability", "0"));
		EXPECT_PRIO(w1.tid, OTHER(10),
			    "first server, once a taker without memory took the call");
		EXPECT_SEEN(w2.seen, OTHER(0), "the taker without memory");
	}
	if (how == CLAIM_TAKEN) {
		agent_init(&w2, fn_take_reply, rfd, &FIFO(85, 0));
		w2.cpu = 1;
		START(&w2);
		ASSERT_EQ(0, wait_flag(&w2.taken, 1));
		EXPECT_PRIO(w1.tid, OTHER(10),
			    "first server, once another took the call");
		EXPECT_SEEN(w2.seen, FIFO(85, NICE_ANY), "the taker");
	}
	if (taker) {
		agent_go(&w2);
		JOIN(&w2);
		EXPECT_EQ(0, w2.ret);
		JOIN(&caller);
		EXPECT_EQ(0, caller.ret);
	} else {
		JOIN(&caller);
		EXPECT_EQ(-ETIMEDOUT, caller.ret);
		EXPECT_PRIO(w1.tid, OTHER(10),
			    "waiting server, once the call timed out untaken");
	}
	EXPECT_EQ(0, atomic_load(&w1.done))
		TH_LOG("the first server ran while CPU 0 was held");

	atomic_store(&spin.stop, 1);
	JOIN(&spin);
	ASSERT_EQ(0, mkipc_ep_shutdown(rfd));
	JOIN(&w1);
	EXPECT_EQ(-EPIPE, w1.ret);
	close(sfd);
	close(rfd);
}

TEST_F_TIMEOUT(prio, claim_moves_to_taker, T_TEST)
{
	if (!self->c.skip)
		claim_case(_metadata, self->c.dev, CLAIM_TAKEN);
}

TEST_F_TIMEOUT(prio, claim_ends_with_untaken_call, T_TEST)
{
	if (!self->c.skip)
		claim_case(_metadata, self->c.dev, CLAIM_UNTAKEN);
}

/*
 * Issue 13, item 11: what the raise of a waiting receiver costs when
 * another takes the call. Two servers at nice 0 serve two callers at nice
 * -5; each call raises the server that takes it, once, and more when the
 * raise moves. A receiver that a wake-up left with nothing used to go
 * back to the tail of the wait queue but keep its place in the idle list,
 * so that a call could raise one receiver and wake another; the two lines
 * now keep one order. A raise still moves when a server that did not
 * wait (it was replying) takes the call first: under TCG the rate of
 * raises a call ranged 1.002-1.056 before the change and 1.002-1.103
 * after, so that cause dominates. The bound is a guard against a call
 * raising every waiting receiver, not a measure of the order.
 */
struct raise_load {
	int rfd, sfd;
	atomic_int stop;
	atomic_long calls;
};

static void *raise_server(void *arg)
{
	struct raise_load *l = arg;
	struct mkipc_reply_recv rr;
	__u64 token = 0;

	while (!ep_reply_recv(l->rfd, &rr, token, 0, NULL, 0, NULL, 0, 0, 0))
		token = rr.recv.token;
	return NULL;
}

static void *raise_caller(void *arg)
{
	struct raise_load *l = arg;

	if (setpriority(PRIO_PROCESS, gettid(), -5))
		return NULL;
	while (!atomic_load(&l->stop))
		if (!ep_call(l->sfd, NULL, 1, NULL, 0, NULL, 0, 0, WATCHDOG_NS))
			atomic_fetch_add(&l->calls, 1);
	return NULL;
}

TEST_F_TIMEOUT(prio, one_raise_per_call, T_TEST)
{
	struct raise_load l = { 0 };
	pthread_t srv[2], cli[2];
	long r0, raises, calls;
	int i, ms;

	if (self->c.skip)
		return;
	NEW_EP(self->c.dev, 0, &l.rfd, &l.sfd);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&srv[i], NULL, raise_server, &l));
	usleep(100000);
	r0 = stat_get("prio_raise");
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&cli[i], NULL, raise_caller, &l));
	/*
	 * Two seconds, and longer (up to 20) until 200 calls are in: the
	 * KCSAN lane on a busy host once made only 73 in two.
	 */
	for (ms = 0; ms < 2000 || (atomic_load(&l.calls) < 200 && ms < 20000);
	     ms += 100)
		usleep(100000);
	atomic_store(&l.stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(cli[i], NULL);
	raises = stat_get("prio_raise") - r0;
	calls = atomic_load(&l.calls);
	ASSERT_EQ(0, mkipc_ep_shutdown(l.rfd));
	for (i = 0; i < 2; i++)
		pthread_join(srv[i], NULL);
	close(l.sfd);
	close(l.rfd);
	ksft_print_msg("servers=2@nice0 callers=2@nice-5 ms=%d calls=%ld raises=%ld rate=%.3f\n",
		       ms, calls, raises, calls ? (double)raises / calls : 0.0);
	fflush(stdout);
	ASSERT_LT(100, calls);
	EXPECT_LE(raises, calls + calls / 2)
		TH_LOG("calls raised receivers that did not take them");
}

/*
 * The move to a taker for which mkipc has no memory: failslab, for the
 * taker's thread only, in the caches flagged at boot (the debug lanes
 * boot with slub_debug=A;..., as mkipc_fault_test.c says).
 */
TEST_F_TIMEOUT(prio, claim_taker_without_memory, T_TEST)
{
	int fs;

	if (self->c.skip)
		return;
	fs = mkipc_failslab_present();
	ASSERT_LE(0, fs) TH_LOG("MKIPC_REQUIRE_FAULT=1 but %s is missing",
				MKIPC_FAILSLAB);
	if (!fs)
		SKIP(return, "no %s (kernel without CONFIG_FAILSLAB)",
		     MKIPC_FAILSLAB);
	ASSERT_EQ(0, mkipc_failslab_arm());
	ASSERT_EQ(0, mkipc_failslab_set("cache-filter", "Y"));
	claim_case(_metadata, self->c.dev, CLAIM_TAKEN_NOMEM);
	mkipc_failslab_set("probability", "0");
	mkipc_failslab_set("cache-filter", "N");
}

/* The scoped guard for kernel code, through its debugfs test job. */
TEST_F_TIMEOUT(prio, kernel_guard, T_TEST)
{
	const char *job = MKIPC_DEBUGFS_DIR "/prio_guard_test";
	char buf[256];

	if (self->c.skip)
		return;
	ASSERT_EQ(0, prio_set(0, &OTHER(0)));
	ASSERT_EQ(0, mkipc_file_write(job, "go"))
		TH_LOG("%s: %s", job, strerror(errno));
	ASSERT_EQ(0, mkipc_file_read(job, buf, sizeof(buf)));
	NOTE("%s\n", buf);
	EXPECT_EQ(0, strncmp(buf, "ok guard", 8)) TH_LOG("%s", buf);
	EXPECT_PRIO(0, OTHER(0), "the thread that ran the guard test");
}

/* ==== 2. the raise ends with the call, however the call ends ==== */

FIXTURE(restore) {
	struct common c;
	int rfd;
	int sfd;
};

/*
 * @caller's settings call a server whose own settings are @server on an
 * endpoint created with @ep_flags; the server is raised to @raised
 * (reset-on-fork added).
 */
struct roles {
	struct prio caller;
	struct prio server;
	struct prio raised;
};

FIXTURE_VARIANT(restore) {
	__u32 ep_flags;
	struct roles r;
};

/* A SCHED_FIFO caller on an INHERIT_RT endpoint: its policy passes on. */
FIXTURE_VARIANT_ADD(restore, rt) {
	.ep_flags = MKIPC_EP_INHERIT_RT,
	.r = { .caller = FIFO(30, 0), .server = OTHER(0),
	       .raised = FIFO(30, 0) },
};

/* A nice -5 caller, a nice 10 server. */
FIXTURE_VARIANT_ADD(restore, nice) {
	.ep_flags = 0,
	.r = { .caller = OTHER(-5), .server = OTHER(10),
	       .raised = OTHER(-5) },
};

/* A SCHED_FIFO caller at nice -5 without INHERIT_RT: only its nice. */
FIXTURE_VARIANT_ADD(restore, rt_caller_nice_only) {
	.ep_flags = 0,
	.r = { .caller = FIFO(30, -5), .server = OTHER(10),
	       .raised = OTHER(-5) },
};

FIXTURE_SETUP(restore)
{
	common_setup(_metadata, &self->c);
	if (self->c.skip)
		return;
	NEW_EP(self->c.dev, variant->ep_flags, &self->rfd, &self->sfd);
	set_handler(SIGUSR1);
}

FIXTURE_TEARDOWN(restore)
{
	if (!self->c.skip) {
		close(self->sfd);
		close(self->rfd);
	}
	common_teardown(_metadata, &self->c);
}

/*
 * The test's thread as the server: its own settings, then a caller @a
 * with the variant's settings (and @timeout_ns) whose call it takes;
 * checks the raise. Returns the call's token.
 */
static __u64 serve_one(struct __test_metadata *_metadata, int rfd, int sfd,
		       const struct roles *v, struct agent *a,
		       __u64 timeout_ns)
{
	struct mkipc_recv r;

	ASSERT_EQ(0, prio_set(0, &v->server));
	EXPECT_PRIO(0, v->server, "server before the call");
	agent_init(a, fn_call, sfd, &v->caller);
	a->timeout_ns = timeout_ns;
	START(a);
	ASSERT_EQ(0, ep_recv(rfd, &r, NULL, 0, 0, WATCHDOG_NS));
	EXPECT_EQ(a->tid, r.sender.tid);
	EXPECT_PRIO(0, with_rof(v->raised), "server holding the call");
	/* The same flag, as sched_getscheduler(2) reports it. */
	EXPECT_TRUE(sched_getscheduler(0) & SCHED_RESET_ON_FORK)
		TH_LOG("raised, sched_getscheduler() is %#x",
		       sched_getscheduler(0));
	return r.token;
}

TEST_F_TIMEOUT(restore, reply, T_TEST)
{
	struct agent caller;
	__u64 token;

	if (self->c.skip)
		return;
	token = serve_one(_metadata, self->rfd, self->sfd, &variant->r,
			  &caller, 0);
	EXPECT_EQ(0, ep_reply(self->rfd, token, 1, NULL, 0));
	EXPECT_PRIO(0, variant->r.server, "server after REPLY returned");
	JOIN(&caller);
	EXPECT_EQ(0, caller.ret);
	EXPECT_PRIO(0, variant->r.server, "server after the caller returned");
}

TEST_F_TIMEOUT(restore, reply_recv, T_TEST)
{
	struct agent server, caller;

	if (self->c.skip)
		return;
	agent_init(&server, fn_take_reply, self->rfd, &variant->r.server);
	server.label = 1;		/* REPLY_RECV, then wait */
	server.linger = 1;
	START(&server);
	BLOCKED(&server);
	EXPECT_PRIO(server.tid, variant->r.server, "server waiting");

	agent_init(&caller, fn_call, self->sfd, &variant->r.caller);
	START(&caller);
	ASSERT_EQ(0, wait_flag(&server.taken, 1));
	EXPECT_SEEN(server.seen, with_rof(variant->r.raised),
		    "server right after its RECV took the call");
	EXPECT_PRIO(server.tid, with_rof(variant->r.raised),
		    "server holding the call");
	agent_go(&server);
	JOIN(&caller);
	EXPECT_EQ(0, caller.ret);
	/* The reply was delivered; the server waits for the next message. */
	ASSERT_EQ(0, agent_wait_blocked(&server))
		TH_LOG("REPLY_RECV returned %ld", server.ret);
	EXPECT_PRIO(server.tid, variant->r.server,
		    "server waiting in REPLY_RECV after its reply");
	ASSERT_EQ(0, ep_send(self->sfd, 7, NULL, 0, 0, 0));
	ASSERT_EQ(0, wait_flag(&server.done, 1));
	EXPECT_EQ(0, server.ret);
	EXPECT_PRIO(server.tid, variant->r.server, "server after REPLY_RECV");
	JOIN(&server);
}

TEST_F_TIMEOUT(restore, caller_timeout, T_TEST)
{
	struct agent caller;
	__u64 token;

	if (self->c.skip)
		return;
	token = serve_one(_metadata, self->rfd, self->sfd, &variant->r,
			  &caller, 2 * SEC);
	JOIN(&caller);
	EXPECT_EQ(-ETIMEDOUT, caller.ret);
	EXPECT_PRIO(0, variant->r.server, "server after the call timed out");
	EXPECT_EQ(-ESRCH, ep_reply(self->rfd, token, 1, NULL, 0));
	EXPECT_PRIO(0, variant->r.server, "server after its reply failed");
}

TEST_F_TIMEOUT(restore, caller_signal, T_TEST)
{
	struct agent caller;
	int before;
	__u64 token;

	if (self->c.skip)
		return;
	token = serve_one(_metadata, self->rfd, self->sfd, &variant->r,
			  &caller, 0);
	BLOCKED(&caller);
	before = atomic_load(&signals_seen);
	ASSERT_EQ(0, pthread_kill(caller.thr, SIGUSR1));
	JOIN(&caller);
	EXPECT_LT(before, atomic_load(&signals_seen));
	EXPECT_EQ(-EINTR, caller.ret);
	EXPECT_PRIO(0, variant->r.server, "server after the call's EINTR");
	EXPECT_EQ(-ESRCH, ep_reply(self->rfd, token, 1, NULL, 0));
	EXPECT_PRIO(0, variant->r.server, "server after its reply failed");
}

TEST_F_TIMEOUT(restore, caller_death, T_TEST)
{
	struct mkipc_recv r;
	int status;
	pid_t pid;

	if (self->c.skip)
		return;
	ASSERT_EQ(0, prio_set(0, &variant->r.server));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (prio_set(0, &variant->r.caller))
			_exit(2);
		ep_call(self->sfd, NULL, 1, NULL, 0, NULL, 0, 0, 0);
		_exit(1);
	}
	ASSERT_EQ(0, ep_recv(self->rfd, &r, NULL, 0, 0, WATCHDOG_NS));
	EXPECT_EQ(pid, r.sender.pid);
	EXPECT_PRIO(0, with_rof(variant->r.raised), "server holding the call");
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("caller status %#x", status);
	EXPECT_PRIO(0, variant->r.server, "server after the caller was reaped");
	EXPECT_EQ(-ESRCH, ep_reply(self->rfd, r.token, 1, NULL, 0));
	EXPECT_PRIO(0, variant->r.server, "server after its reply failed");
}

/*
 * The server is a process holding the only receive file; it dies holding
 * the call. No thread stays counted, and the caller's call ends (EPIPE:
 * the endpoint died with the last receive file).
 */
TEST_F_TIMEOUT(restore, server_death, T_TEST)
{
	struct agent caller;
	struct prio seen;
	int p[2], status;
	long held;
	pid_t pid;

	if (self->c.skip)
		return;
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mkipc_recv r;

		close(p[0]);
		close(self->sfd);
		if (prio_set(0, &variant->r.server) ||
		    ep_recv(self->rfd, &r, NULL, 0, 0, WATCHDOG_NS) ||
		    prio_get(0, &seen))
			_exit(2);
		if (write(p[1], &seen, sizeof(seen)) != sizeof(seen))
			_exit(3);
		pause();
		_exit(4);
	}
	close(p[1]);
	close(self->rfd);
	self->rfd = -1;

	agent_init(&caller, fn_call, self->sfd, &variant->r.caller);
	caller.timeout_ns = 20 * SEC;
	START(&caller);
	ASSERT_EQ((ssize_t)sizeof(seen), read(p[0], &seen, sizeof(seen)))
		TH_LOG("the server process did not take the call");
	close(p[0]);
	EXPECT_SEEN(seen, with_rof(variant->r.raised), "server holding the call");
	EXPECT_PRIO(pid, with_rof(variant->r.raised), "server seen from outside");
	held = stat_get("prio_tasks");
	EXPECT_LE(1, held) TH_LOG("prio_tasks %ld with a raised server", held);

	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	held = prio_tasks_settle(1000);
	EXPECT_EQ(0, held) TH_LOG("prio_tasks %ld after the server died", held);
	JOIN(&caller);
	EXPECT_EQ(-EPIPE, caller.ret)
		TH_LOG("call ended with %s after %llu ms", strerror(-caller.ret),
		       (caller.t1 - caller.t0) / MS);
}

TEST_F_TIMEOUT(restore, shutdown, T_TEST)
{
	struct agent caller;

	if (self->c.skip)
		return;
	serve_one(_metadata, self->rfd, self->sfd, &variant->r, &caller, 0);
	ASSERT_EQ(0, mkipc_ep_shutdown(self->rfd));
	EXPECT_PRIO(0, variant->r.server, "server after EP_SHUTDOWN returned");
	JOIN(&caller);
	EXPECT_EQ(-EPIPE, caller.ret);
	EXPECT_PRIO(0, variant->r.server, "server after the caller's EPIPE");
}

TEST_F_TIMEOUT(restore, last_close, T_TEST)
{
	struct agent caller;

	if (self->c.skip)
		return;
	serve_one(_metadata, self->rfd, self->sfd, &variant->r, &caller, 0);
	ASSERT_EQ(0, close(self->rfd));
	self->rfd = -1;
	EXPECT_PRIO(0, variant->r.server,
		    "server after the last close of the receive fd");
	JOIN(&caller);
	EXPECT_EQ(-EPIPE, caller.ret);
	EXPECT_PRIO(0, variant->r.server, "server after the caller's EPIPE");
}

#define RESTORE_ROUNDS 300

/*
 * The restore after REPLY, many times over: the woken caller may detach
 * its donation on the other CPU while the server's REPLY is still on its
 * way out, and the server must be back at its own settings all the same
 * when REPLY returns, every time, not once the caller got round to it.
 */
TEST_F_TIMEOUT(restore, reply_many, T_TEST)
{
	int i, raised_bad = 0, restored_bad = 0;
	struct prio got, first_bad = {}, raised;
	struct agent caller;
	struct mkipc_recv r;

	if (self->c.skip)
		return;
	raised = with_rof(variant->r.raised);
	/* Apart, so that the woken caller runs while REPLY is on its way. */
	ASSERT_EQ(0, mkipc_pin_cpu(0));
	ASSERT_EQ(0, prio_set(0, &variant->r.server));
	agent_init(&caller, fn_ping, self->sfd, &variant->r.caller);
	caller.cpu = 1;
	START(&caller);
	for (i = 0; i < RESTORE_ROUNDS; i++) {
		ASSERT_EQ(0, ep_recv(self->rfd, &r, NULL, 0, 0, WATCHDOG_NS));
		ASSERT_EQ(0, prio_get(0, &got));
		if (!prio_matches(&got, &raised))
			raised_bad++;
		if (i == RESTORE_ROUNDS - 1)
			atomic_store(&caller.stop, 1);
		ASSERT_EQ(0, ep_reply(self->rfd, r.token, 1, NULL, 0));
		ASSERT_EQ(0, prio_get(0, &got));
		if (!prio_matches(&got, &variant->r.server) &&
		    !restored_bad++)
			first_bad = got;
	}
	/* The caller's last call, labelled 0. */
	ASSERT_EQ(0, ep_recv(self->rfd, &r, NULL, 0, 0, WATCHDOG_NS));
	EXPECT_EQ(0, r.msg.label);
	ASSERT_EQ(0, ep_reply(self->rfd, r.token, 1, NULL, 0));
	JOIN(&caller);
	EXPECT_EQ(0, caller.ret);
	EXPECT_EQ(0, atomic_load(&caller.errors))
		TH_LOG("caller's first error %ld", caller.first_err);
	EXPECT_EQ(0, raised_bad) TH_LOG("%d of %d rounds not raised on RECV",
					raised_bad, RESTORE_ROUNDS);
	EXPECT_EQ(0, restored_bad)
		TH_LOG("%d of %d replies returned still raised, first %s",
		       restored_bad, RESTORE_ROUNDS, prio_str(&first_bad));
}

/* ==== 3. settings changed by someone else while raised ==== */

/*
 * A server (own @own) raised by a @caller is set to @ext by the test
 * (root: a change the server could have made itself); after the reply it
 * keeps @ext, and prio_external counts the change.
 */
static void external_change(struct __test_metadata *_metadata, int dev,
			    __u32 ep_flags, struct prio own,
			    struct prio caller_prio, struct prio raised,
			    struct prio ext)
{
	long ext0, ref0, ext1, ref1;
	struct agent server, caller;
	int rfd, sfd, r;

	NEW_EP(dev, ep_flags, &rfd, &sfd);
	agent_init(&server, fn_take_reply, rfd, &own);
	server.linger = 1;
	START(&server);
	agent_init(&caller, fn_call, sfd, &caller_prio);
	START(&caller);
	ASSERT_EQ(0, wait_flag(&server.taken, 1));
	EXPECT_PRIO(server.tid, with_rof(raised), "server holding the call");

	ext0 = stat_get("prio_external");
	ref0 = stat_get("prio_refused");
	r = prio_set(server.tid, &ext);
	ASSERT_EQ(0, r) TH_LOG("sched_setattr: %s", strerror(-r));
	agent_go(&server);
	JOIN(&caller);
	EXPECT_EQ(0, caller.ret);
	ASSERT_EQ(0, wait_flag(&server.done, 1));
	EXPECT_EQ(0, server.ret);
	EXPECT_PRIO(server.tid, ext, "server after the reply");
	ext1 = stat_get("prio_external");
	ref1 = stat_get("prio_refused");
	EXPECT_LT(ext0, ext1) TH_LOG("prio_external %ld -> %ld", ext0, ext1);
	EXPECT_EQ(ref0, ref1) TH_LOG("prio_refused %ld -> %ld", ref0, ref1);
	JOIN(&server);
	close(sfd);
	close(rfd);
}

TEST_F_TIMEOUT(prio, external_nice_kept, T_TEST)
{
	if (self->c.skip)
		return;
	external_change(_metadata, self->c.dev, 0, OTHER(10), OTHER(-5),
			OTHER(-5), OTHER(3));
}

TEST_F_TIMEOUT(prio, external_fifo_kept, T_TEST)
{
	if (self->c.skip)
		return;
	external_change(_metadata, self->c.dev, MKIPC_EP_INHERIT_RT, OTHER(0),
			FIFO(30, 0), FIFO(30, 0), FIFO(10, 0));
}

/* ==== 4. chains ==== */

/*
 * The middle of a chain: takes a call on fd, calls fd2 and passes that
 * call's reply payload on as its own reply. ret2: the inner call.
 */
static long fn_chain_middle(struct agent *a)
{
	struct mkipc_recv r;
	long err;

	err = ep_recv(a->fd, &r, NULL, 0, 0, WATCHDOG_NS);
	if (err)
		return err;
	prio_get(0, &a->seen);
	atomic_store(&a->taken, 1);
	a->ret2 = ep_call(a->fd2, NULL, 2, NULL, 0, a->rbuf, sizeof(a->rbuf),
			  0, 0);
	if (a->ret2)
		return a->ret2;
	return ep_reply(a->fd, r.token, 1, a->rbuf, sizeof(struct prio));
}

/* The end of a chain: takes a call, waits for go, replies its settings. */
static long fn_chain_end(struct agent *a)
{
	struct mkipc_recv r;
	long err;

	err = ep_recv(a->fd, &r, NULL, 0, 0, WATCHDOG_NS);
	if (err)
		return err;
	prio_get(0, &a->seen);
	atomic_store(&a->taken, 1);
	if (wait_flag(&a->go, 1))
		return -ETIMEDOUT;
	return ep_reply(a->fd, r.token, 1, &a->seen, sizeof(a->seen));
}

/*
 * A (FIFO 80) calls B (own @b) on ep1; B calls C (own @c) on ep2; A's
 * call has @timeout_ns.
 */
struct chain {
	int rfd1, sfd1, rfd2, sfd2;
	struct agent a, b, c;
};

static void chain_start(struct __test_metadata *_metadata, int dev,
			struct chain *ch, struct prio b, struct prio c,
			__u64 timeout_ns)
{
	NEW_EP(dev, MKIPC_EP_INHERIT_RT, &ch->rfd1, &ch->sfd1);
	NEW_EP(dev, MKIPC_EP_INHERIT_RT, &ch->rfd2, &ch->sfd2);
	agent_init(&ch->c, fn_chain_end, ch->rfd2, &c);
	ch->c.linger = 1;
	START(&ch->c);
	agent_init(&ch->b, fn_chain_middle, ch->rfd1, &b);
	ch->b.fd2 = ch->sfd2;
	ch->b.linger = 1;
	START(&ch->b);
	agent_init(&ch->a, fn_call, ch->sfd1, &FIFO(80, 0));
	ch->a.timeout_ns = timeout_ns;
	START(&ch->a);
	ASSERT_EQ(0, wait_flag(&ch->c.taken, 1));
	BLOCKED(&ch->b);
}

static void chain_close(struct chain *ch)
{
	close(ch->sfd1);
	close(ch->rfd1);
	close(ch->sfd2);
	close(ch->rfd2);
}

TEST_F_TIMEOUT(prio, chain_of_three, T_TEST)
{
	struct prio reported;
	struct chain ch;

	if (self->c.skip)
		return;
	chain_start(_metadata, self->c.dev, &ch, OTHER(0), OTHER(0), 0);
	/* Whatever nice the raise gives: the policy and priority pass on. */
	EXPECT_SEEN(ch.b.seen, with_rof(FIFO(80, NICE_ANY)), "B right after its RECV");
	EXPECT_PRIO(ch.b.tid, with_rof(FIFO(80, NICE_ANY)), "B calling C");
	EXPECT_SEEN(ch.c.seen, with_rof(FIFO(80, NICE_ANY)), "C right after its RECV");
	EXPECT_PRIO(ch.c.tid, with_rof(FIFO(80, NICE_ANY)), "C holding B's call");
	agent_go(&ch.c);
	JOIN(&ch.a);
	EXPECT_EQ(0, ch.a.ret);
	memcpy(&reported, ch.a.rbuf, sizeof(reported));
	EXPECT_SEEN(reported, with_rof(FIFO(80, NICE_ANY)), "C's settings in its reply");
	ASSERT_EQ(0, wait_flag(&ch.b.done, 1));
	ASSERT_EQ(0, wait_flag(&ch.c.done, 1));
	EXPECT_EQ(0, ch.b.ret);
	EXPECT_EQ(0, ch.c.ret);
	EXPECT_PRIO(ch.b.tid, OTHER(0), "B after the chain");
	EXPECT_PRIO(ch.c.tid, OTHER(0), "C after the chain");
	JOIN(&ch.b);
	JOIN(&ch.c);
	chain_close(&ch);
}

/*
 * A's call times out while B waits for C: B loses A's priority and so
 * does C, down to what B passes on of its own (nice -3).
 */
TEST_F_TIMEOUT(prio, chain_drop, T_TEST)
{
	struct chain ch;

	if (self->c.skip)
		return;
	chain_start(_metadata, self->c.dev, &ch, OTHER(-3), OTHER(10),
		    3 * SEC);
	EXPECT_PRIO(ch.b.tid, with_rof(FIFO(80, NICE_ANY)), "B calling C");
	EXPECT_PRIO(ch.c.tid, with_rof(FIFO(80, NICE_ANY)), "C holding B's call");
	JOIN(&ch.a);
	ASSERT_EQ(-ETIMEDOUT, ch.a.ret);
	EXPECT_PRIO(ch.b.tid, OTHER(-3),
		    "B after A's call timed out, still calling C");
	EXPECT_PRIO(ch.c.tid, with_rof(OTHER(-3)),
		    "C after A's call timed out, holding B's call");
	agent_go(&ch.c);
	ASSERT_EQ(0, wait_flag(&ch.b.done, 1));
	ASSERT_EQ(0, wait_flag(&ch.c.done, 1));
	EXPECT_EQ(0, ch.c.ret);
	EXPECT_EQ(0, ch.b.ret2);
	EXPECT_EQ(-ESRCH, ch.b.ret);
	EXPECT_PRIO(ch.b.tid, OTHER(-3), "B after the chain");
	EXPECT_PRIO(ch.c.tid, OTHER(10), "C after the chain");
	JOIN(&ch.b);
	JOIN(&ch.c);
	chain_close(&ch);
}

/* ==== 5. a server holding several calls ==== */

/* Whether @x is strictly above @y (FIFO over OTHER, then prio or nice). */
static int prio_above(const struct prio *x, const struct prio *y)
{
	if (x->policy != y->policy)
		return x->policy == SCHED_FIFO;
	if (x->policy == SCHED_FIFO)
		return x->prio > y->prio;
	return x->nice < y->nice;
}

/* @own raised by the calls of @callers marked in @held. */
static struct prio prio_held(struct prio own, const struct prio *callers,
			     const int *held, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (held[i] && prio_above(&callers[i], &own))
			own = callers[i];
	return own;
}

/*
 * The test's thread (own @own) takes the calls of @n callers, queued in
 * order, then replies to them highest first; after each step it runs at
 * the highest of the calls it holds, then at its own settings.
 */
static void several_callers(struct __test_metadata *_metadata, int dev,
			    __u32 ep_flags, struct prio own,
			    const struct prio *callers, int n)
{
	struct agent a[3];
	__u64 token[3];
	int held[3] = { 0 };
	int rfd, sfd, i, j, k, best;
	struct mkipc_recv r;
	struct prio want;
	char what[64];

	NEW_EP(dev, ep_flags, &rfd, &sfd);
	ASSERT_EQ(0, prio_set(0, &own));
	for (i = 0; i < n; i++) {
		agent_init(&a[i], fn_call, sfd, &callers[i]);
		START(&a[i]);
		BLOCKED(&a[i]);
	}
	/* Calls waiting to be taken raise nobody. */
	EXPECT_PRIO(0, own, "server with calls queued, none taken");
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, ep_recv(rfd, &r, NULL, 0, 0, WATCHDOG_NS));
		for (k = 0; k < n && a[k].tid != r.sender.tid; k++)
			;
		ASSERT_GT(n, k) TH_LOG("a call from an unknown thread");
		token[k] = r.token;
		held[k] = 1;
		want = prio_held(own, callers, held, n);
		snprintf(what, sizeof(what), "holding %d calls", i + 1);
		EXPECT_PRIO(0, with_rof(want), what);
	}
	/* Replies highest first: the server follows down. */
	for (i = 0; i < n; i++) {
		best = -1;
		for (j = 0; j < n; j++)
			if (held[j] && (best < 0 ||
					prio_above(&callers[j], &callers[best])))
				best = j;
		EXPECT_EQ(0, ep_reply(rfd, token[best], 1, NULL, 0));
		held[best] = 0;
		want = prio_held(own, callers, held, n);
		snprintf(what, sizeof(what), "after %d replies (to %s)", i + 1,
			 prio_str(&callers[best]));
		EXPECT_PRIO(0, i + 1 < n ? with_rof(want) : own, what);
	}
	for (i = 0; i < n; i++) {
		JOIN(&a[i]);
		EXPECT_EQ(0, a[i].ret);
	}
	close(sfd);
	close(rfd);
}

TEST_F_TIMEOUT(prio, several_callers_rt, T_TEST)
{
	const struct prio callers[] = { FIFO(10, 0), FIFO(30, 0), FIFO(20, 0) };

	if (self->c.skip)
		return;
	several_callers(_metadata, self->c.dev, MKIPC_EP_INHERIT_RT, OTHER(0),
			callers, 3);
}

TEST_F_TIMEOUT(prio, several_callers_nice, T_TEST)
{
	const struct prio callers[] = { OTHER(5), OTHER(-5), OTHER(0) };

	if (self->c.skip)
		return;
	several_callers(_metadata, self->c.dev, 0, OTHER(10), callers, 3);
}

/* ==== 6. the tracepoint ==== */

/* The tracefs directory, mounting tracefs if need be; NULL if none. */
static const char *tracefs_dir(void)
{
	struct stat st;

	if (!stat("/sys/kernel/tracing/events", &st))
		return "/sys/kernel/tracing";
	mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL);
	if (!stat("/sys/kernel/tracing/events", &st))
		return "/sys/kernel/tracing";
	if (!stat("/sys/kernel/debug/tracing/events", &st))
		return "/sys/kernel/debug/tracing";
	return NULL;
}

static int trace_write(const char *dir, const char *file, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return mkipc_file_write(path, val);
}

/* Empties the trace buffer (an open for writing with O_TRUNC). */
static int trace_clear(const char *dir)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/trace", dir);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* Whether a line of @text has "pid=@pid " and @reason. */
static int trace_has(const char *text, pid_t pid, const char *reason)
{
	char key[32];
	const char *line = text, *end;
	size_t klen, rlen = strlen(reason);

	klen = snprintf(key, sizeof(key), "pid=%d", pid);
	while (*line) {
		const char *k, *r;

		end = strchrnul(line, '\n');
		k = memmem(line, end - line, key, klen);
		r = memmem(line, end - line, reason, rlen);
		if (k && r && (k[klen] < '0' || k[klen] > '9') &&
		    (r[rlen] < 'a' || r[rlen] > 'z'))
			return 1;
		line = *end ? end + 1 : end;
	}
	return 0;
}

TEST_F_TIMEOUT(prio, tracepoint, T_TEST)
{
	static char text[1 << 16];
	const char *dir;
	struct agent caller;
	struct mkipc_recv r;
	char path[256];
	int rfd, sfd, fd;
	ssize_t n, len = 0;
	struct stat st;

	if (self->c.skip)
		return;
	dir = tracefs_dir();
	if (!dir)
		SKIP(return, "no tracefs (not mounted and cannot be)");
	snprintf(path, sizeof(path), "%s/events/mkipc/mkipc_prio", dir);
	ASSERT_EQ(0, stat(path, &st))
		TH_LOG("tracefs at %s, but no mkipc:mkipc_prio event", dir);

	NEW_EP(self->c.dev, 0, &rfd, &sfd);
	ASSERT_EQ(0, prio_set(0, &OTHER(10)));
	ASSERT_EQ(0, trace_write(dir, "tracing_on", "0"));
	ASSERT_EQ(0, trace_clear(dir));
	ASSERT_EQ(0, trace_write(dir, "events/mkipc/mkipc_prio/enable", "1"));
	ASSERT_EQ(0, trace_write(dir, "tracing_on", "1"));

	agent_init(&caller, fn_call, sfd, &OTHER(-5));
	START(&caller);
	EXPECT_EQ(0, ep_recv(rfd, &r, NULL, 0, 0, WATCHDOG_NS));
	EXPECT_PRIO(0, with_rof(OTHER(-5)), "server holding the call");
	EXPECT_EQ(0, ep_reply(rfd, r.token, 1, NULL, 0));
	EXPECT_PRIO(0, OTHER(10), "server after the reply");
	JOIN(&caller);

	trace_write(dir, "tracing_on", "0");
	trace_write(dir, "events/mkipc/mkipc_prio/enable", "0");
	snprintf(path, sizeof(path), "%s/trace", dir);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	while (len < (ssize_t)sizeof(text) - 1) {
		n = read(fd, text + len, sizeof(text) - 1 - len);
		if (n <= 0)
			break;
		len += n;
	}
	text[len] = '\0';
	close(fd);
	trace_write(dir, "tracing_on", "1");
	EXPECT_TRUE(trace_has(text, gettid(), "reason=inherit"))
		TH_LOG("no reason=inherit line for pid %d in:\n%s", gettid(),
		       text);
	EXPECT_TRUE(trace_has(text, gettid(), "reason=restore"))
		TH_LOG("no reason=restore line for pid %d in:\n%s", gettid(),
		       text);
	close(sfd);
	close(rfd);
}

TEST_HARNESS_MAIN
