/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the priority test programs share: the scheduling settings as the
 * tests compare them, the module's knobs saved and put back, threads with
 * settings of their own (agents) and the operations they run, child
 * processes that report through a pipe, and the prio fixture.
 *
 *   mkipc_prio_test        inheritance: an inversion resolved, the raise
 *                          and its end however a call ends, settings
 *                          changed by someone else, chains, a server
 *                          holding several calls, the tracepoint
 *   mkipc_prio_boost_test  unprivileged users (no settings gained for
 *                          good, the boost's rate limit, reset-on-fork),
 *                          the completion boost, pi_stress next to an
 *                          IPC load
 *
 * A program defines _GNU_SOURCE and includes this header first.
 */
#ifndef _MKIPC_PRIO_FIXTURE_H
#define _MKIPC_PRIO_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mkipc.h>

#include "kselftest_harness.h"
#include "mkipc_test.h"
#include "mkipc_ep_util.h"
#include "mkipc_util.h"

#define STATS_PATH	MKIPC_DEBUGFS_DIR "/stats"
#define PI_STRESS	"/usr/bin/pi_stress"

/* Test timeout (s): generous, the guest runs under TCG. */
#define T_TEST		300

#define NOBODY		65534
/* A nice value that is not checked (an expectation's wildcard). */
#define NICE_ANY	INT_MIN

/* ---- scheduling settings ---- */

/* A thread's settings as these tests look at them. */
struct prio {
	int policy;	/* SCHED_OTHER, SCHED_FIFO, ... */
	int prio;	/* sched_priority: 0 for SCHED_OTHER */
	int nice;	/* NICE_ANY: not compared */
	int rof;	/* SCHED_FLAG_RESET_ON_FORK set; -1: not compared */
};

#define OTHER(n)	((struct prio){ SCHED_OTHER, 0, (n), 0 })
#define FIFO(p, n)	((struct prio){ SCHED_FIFO, (p), (n), 0 })

/* @p with reset-on-fork, as a raise gives it. */
static inline struct prio with_rof(struct prio p)
{
	p.rof = 1;
	return p;
}

/* Thread @tid's settings, by mkipc_sched_get(): 0 or -errno. */
static inline int prio_get(pid_t tid, struct prio *p)
{
	struct mkipc_sched s;
	int r = mkipc_sched_get(tid, &s);

	if (r)
		return r;
	p->policy = s.policy;
	p->prio = s.prio;
	p->nice = s.nice;
	p->rof = s.reset_on_fork;
	return 0;
}

/*
 * Gives thread @tid (0: the caller) the settings @p by mkipc_sched_set()
 * (NICE_ANY: the nice level as it is). 0 or -errno.
 */
static inline int prio_set(pid_t tid, const struct prio *p)
{
	struct mkipc_sched s = {
		.policy = p->policy,
		.prio = p->prio,
		.nice = p->nice == NICE_ANY ? MKIPC_NICE_KEEP : p->nice,
		.reset_on_fork = p->rof > 0,
	};

	return mkipc_sched_set(tid, &s);
}

static inline int prio_matches(const struct prio *got, const struct prio *want)
{
	return got->policy == want->policy && got->prio == want->prio &&
	       (want->nice == NICE_ANY || got->nice == want->nice) &&
	       (want->rof < 0 || got->rof == want->rof);
}

/* "SCHED_FIFO 30 nice 0 rof" and the like, in one of two rotating buffers. */
static const char *prio_str(const struct prio *p)
{
	static __thread char bufs[4][64];
	static __thread int next;
	char *b = bufs[next++ % 4];
	char nice[16] = "any";

	if (p->nice != NICE_ANY)
		snprintf(nice, sizeof(nice), "%d", p->nice);
	snprintf(b, sizeof(bufs[0]), "%s %d nice %s%s",
		 mkipc_policy_name(p->policy),
		 p->prio, nice, p->rof > 0 ? " rof" : p->rof ? " rof?" : "");
	return b;
}

/* Checks thread @tid's settings against @want; @what says when. */
#define EXPECT_PRIO(tid, want, what) do {				\
	struct prio _got, _want = (want);				\
	pid_t _tid = (tid);						\
	int _r = prio_get(_tid, &_got);					\
									\
	ASSERT_EQ(0, _r) TH_LOG("sched_getattr(%d): %s", _tid,		\
				strerror(-_r));				\
	EXPECT_TRUE(prio_matches(&_got, &_want))			\
		TH_LOG("%s: thread %d is %s, want %s", (what), _tid,	\
		       prio_str(&_got), prio_str(&_want));		\
} while (0)

/* The same check on settings a thread saw of itself. */
#define EXPECT_SEEN(got, want, what) do {				\
	struct prio _got = (got), _want = (want);			\
									\
	EXPECT_TRUE(prio_matches(&_got, &_want))			\
		TH_LOG("%s: %s, want %s", (what), prio_str(&_got),	\
		       prio_str(&_want));				\
} while (0)

/* ---- module parameters, sysctls, debugfs ---- */

/* 6.12's fair deadline server of CPU 0 (absent before 6.12). */
#define FAIR_SERVER_CPU0	"/sys/kernel/debug/sched/fair_server/cpu0/runtime"

/* Module parameter boost_ns, in nanoseconds: 0 or -errno. */
static inline int boost_set(unsigned long long ns)
{
	char val[32];

	snprintf(val, sizeof(val), "%llu", ns);
	return mkipc_param_write("boost_ns", val);
}

/*
 * What the tests change, saved for mkipc_param_restore_all(). A test's
 * teardown puts them back; so does the program's exit, in case a test
 * was killed (harness timeout) before its teardown ran. The values kept
 * are the first ones seen: those the program found.
 */
static inline void knobs_save(void)
{
	mkipc_param_save("priority_tracking");
	mkipc_param_save("boost_ns");
	mkipc_file_save(MKIPC_RT_RUNTIME_PATH);
	if (!access(FAIR_SERVER_CPU0, W_OK))
		mkipc_file_save(FAIR_SERVER_CPU0);
}

/*
 * Lets a real-time thread on CPU 0 starve SCHED_OTHER threads there, as
 * the inversion tests need: RT throttling off (sched_rt_runtime_us -1)
 * and, from 6.12 on, CPU 0's fair deadline server off too. That server
 * (debugfs sched/fair_server/cpuN/runtime: 50 ms of every second by
 * default) runs starved fair tasks whatever RT throttling says; with it a
 * server the hog should starve for 2 s got its work done after 0.9 s on
 * 6.12-rt. 0 or -errno; the teardown puts both back (knobs_save()).
 */
static inline int rt_starvation_allow(void)
{
	int ret = mkipc_file_write(MKIPC_RT_RUNTIME_PATH, "-1");

	if (ret || access(FAIR_SERVER_CPU0, F_OK))
		return ret;
	return mkipc_file_write(FAIR_SERVER_CPU0, "0");
}

static pid_t main_pid;

static inline void knobs_at_exit(void)
{
	if (getpid() == main_pid)
		mkipc_param_restore_all();
}

static void __attribute__((constructor)) knobs_remember(void)
{
	main_pid = getpid();
	knobs_save();
	atexit(knobs_at_exit);
}

/*
 * A result line in the KTAP output ("# ..."), flushed: a test runs in a
 * child process that leaves with _exit().
 */
#define NOTE(fmt, ...) do {						\
	ksft_print_msg(fmt, ##__VA_ARGS__);				\
	fflush(stdout);							\
} while (0)

static inline long stat_get(const char *name)
{
	return mkipc_debugfs_value(STATS_PATH, name);
}

/* Waits up to @ms for prio_tasks to be 0; returns the last value. */
static inline long prio_tasks_settle(int ms)
{
	long n = stat_get("prio_tasks");

	while (n != 0 && ms > 0) {
		usleep(10000);
		ms -= 10;
		n = stat_get("prio_tasks");
	}
	return n;
}

/* ---- threads with settings of their own ---- */

struct agent;

/*
 * A thread that pins itself (cpu >= 0), gives itself the settings @own
 * (own.policy < 0: none) and runs @fn. With @linger it stays alive after
 * @fn returned until released, so that its settings can still be read.
 */
struct agent {
	pthread_t thr;
	long (*fn)(struct agent *a);
	int cpu;
	struct prio own;
	int linger;
	int fd;
	int fd2;
	__u64 label;
	__u64 timeout_ns;
	long ret;
	long ret2;
	struct prio seen;		/* its settings, read by itself */
	char rbuf[64];			/* reply payload received */
	unsigned long long t0, t1;	/* around its operation */
	unsigned long long cpu_ns;	/* hog: CPU time it got */
	pid_t tid;
	int setup_err;
	atomic_int started;
	atomic_int taken;		/* a server took a call */
	atomic_int go;			/* counted up by the test */
	atomic_int done;
	atomic_int release;
	atomic_int stop;
	atomic_llong rounds;
	atomic_llong errors;
	long first_err;
	void *arg;
};

static inline void agent_init(struct agent *a, long (*fn)(struct agent *a),
			      int fd, const struct prio *own)
{
	memset(a, 0, sizeof(*a));
	a->fn = fn;
	a->fd = fd;
	a->fd2 = -1;
	a->cpu = -1;
	if (own)
		a->own = *own;
	else
		a->own.policy = -1;
}

static inline void *agent_main(void *arg)
{
	struct agent *a = arg;
	int err = 0;

	a->tid = gettid();
	if (a->cpu >= 0)
		err = mkipc_pin_cpu(a->cpu);
	if (!err && a->own.policy >= 0)
		err = prio_set(0, &a->own);
	if (err) {
		a->setup_err = err;
		atomic_store(&a->done, 1);
		atomic_store(&a->started, 1);
		return NULL;
	}
	atomic_store(&a->started, 1);
	a->ret = a->fn(a);
	atomic_store(&a->done, 1);
	while (a->linger && !atomic_load(&a->release))
		usleep(1000);
	return NULL;
}

/* Starts @a and waits until it runs: 0, or its setup's -errno. */
static inline int agent_start(struct agent *a)
{
	int i;

	if (pthread_create(&a->thr, NULL, agent_main, a))
		return -EAGAIN;
	for (i = 0; i < WATCHDOG_MS && !atomic_load(&a->started); i++)
		usleep(1000);
	if (!atomic_load(&a->started))
		return -ETIMEDOUT;
	return a->setup_err;
}

/* Waits until @flag is at least @n (within the watchdog): 0 or -1. */
static inline int wait_flag(atomic_int *flag, int n)
{
	int i;

	for (i = 0; i < WATCHDOG_MS * 2; i++) {
		if (atomic_load(flag) >= n)
			return 0;
		usleep(500);
	}
	return -1;
}

static inline void agent_go(struct agent *a)
{
	atomic_fetch_add(&a->go, 1);
}

/* Releases @a and joins it: 0 once it returned within @ms, else -1. */
static inline int agent_join(struct agent *a, int ms)
{
	atomic_store(&a->release, 1);
	return mkipc_join_ms(a->thr, ms);
}

/*
 * Whether thread @tid of this process sleeps in ioctl(2), from /proc:
 * then a call it made is queued, or it waits to receive.
 */
static inline int sleeping_in_ioctl(pid_t tid)
{
	return mkipc_thread_sleeping_in(tid) == SYS_ioctl;
}

/*
 * The timeout of a call a test lets run out untaken, after it has seen
 * the call queued (agent_wait_blocked()): the window for that sighting.
 * 300 ms once ran out in the KCSAN lane before the test looked again
 * (its watchpoints slow every thread there, the looking one included).
 */
#define UNTAKEN_NS	(2 * SEC)

/* Waits until @a sleeps in an ioctl: 0, or -1 if it finished instead. */
static inline int agent_wait_blocked(struct agent *a)
{
	int i;

	for (i = 0; i < WATCHDOG_MS; i++) {
		if (atomic_load(&a->done))
			return -1;
		if (sleeping_in_ioctl(a->tid))
			return 0;
		usleep(1000);
	}
	return -1;
}

/* One call with the agent's label and timeout. */
static inline long fn_call(struct agent *a)
{
	long r;

	a->t0 = mkipc_clock_ns();
	r = ep_call(a->fd, NULL, a->label, NULL, 0, a->rbuf, sizeof(a->rbuf),
		    0, a->timeout_ns);
	a->t1 = mkipc_clock_ns();
	return r;
}

/* One call once the test says go. */
static inline long fn_call_on_go(struct agent *a)
{
	if (wait_flag(&a->go, 1))
		return -ETIMEDOUT;
	return fn_call(a);
}

/*
 * A server that takes one call, notes its own settings, waits for go and
 * replies to it; with a label of 1 it replies with REPLY_RECV and then
 * waits (ret2) for one more message.
 */
static inline long fn_take_reply(struct agent *a)
{
	struct mkipc_reply_recv rr;
	struct mkipc_recv r;
	long err;

	err = ep_recv(a->fd, &r, NULL, 0, 0, WATCHDOG_NS);
	if (err)
		return err;
	prio_get(0, &a->seen);
	atomic_store(&a->taken, 1);
	if (wait_flag(&a->go, 1))
		return -ETIMEDOUT;
	if (a->label != 1)
		return ep_reply(a->fd, r.token, 1, NULL, 0);
	a->ret2 = ep_reply_recv(a->fd, &rr, r.token, 0, NULL, 0, NULL, 0, 0,
				WATCHDOG_NS);
	return a->ret2 ? a->ret2 : rr.reply_err;
}

/* Serves @label calls, REPLY then RECV. */
static inline long fn_serve(struct agent *a)
{
	struct mkipc_recv r;
	__u64 i;
	long err;

	for (i = 0; i < a->label; i++) {
		err = ep_recv(a->fd, &r, NULL, 0, 0, WATCHDOG_NS);
		if (err)
			return err;
		prio_get(0, &a->seen);
		err = ep_reply(a->fd, r.token, 1, NULL, 0);
		if (err)
			return err;
	}
	return 0;
}

/* Spins on its CPU for timeout_ns of wall time; notes its CPU time. */
static inline long fn_hog(struct agent *a)
{
	struct timespec ts;
	unsigned long long end;

	a->t0 = mkipc_clock_ns();
	end = a->t0 + a->timeout_ns;
	atomic_store(&a->taken, 1);
	do {
		a->t1 = mkipc_clock_ns();
	} while (a->t1 < end);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	a->cpu_ns = ts.tv_sec * SEC + ts.tv_nsec;
	return 0;
}

/* ---- processes ---- */

/*
 * A child process reports through a pipe: one line, a failure's
 * description or its results, then its exit status says which.
 */
static int report_fd = -1;

static inline void child_report(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (report_fd >= 0 && n > 0 && write(report_fd, buf, n) != n)
		_exit(3);
}

#define CHILD_CHECK(cond, fmt, ...) do {				\
	if (!(cond)) {							\
		child_report("line %d: " fmt, __LINE__, ##__VA_ARGS__);	\
		_exit(1);						\
	}								\
} while (0)

#define CHILD_PRIO(tid, want, what) do {				\
	struct prio _got, _want = (want);				\
	const char *_what = (what);					\
									\
	CHILD_CHECK(!prio_get((tid), &_got), "%s: sched_getattr: %s",	\
		    _what, strerror(errno));				\
	CHILD_CHECK(prio_matches(&_got, &_want), "%s: %s, want %s",	\
		    _what, prio_str(&_got), prio_str(&_want));		\
} while (0)

/*
 * Runs @fn(@arg) in a child process; @fn returns to exit 0 and calls
 * _exit(1) through CHILD_CHECK on a failure. The child's report lands in
 * @msg. Returns the exit status, or -1 if the child did not exit.
 */
static inline int run_child(void (*fn)(void *arg), void *arg, char *msg,
			    size_t size)
{
	size_t len = 0;
	int p[2], status;
	ssize_t n;
	pid_t pid;

	msg[0] = '\0';
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		fn(arg);
		_exit(0);
	}
	close(p[1]);
	while (len < size - 1) {
		n = read(p[0], msg + len, size - 1 - len);
		if (n <= 0)
			break;
		len += n;
	}
	msg[len] = '\0';
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * Nobody, with real-time priorities up to @rtprio allowed (RLIMIT_RTPRIO)
 * and no lower nice level (RLIMIT_NICE 0).
 */
static inline int drop_to_nobody_rt(int rtprio)
{
	struct rlimit zero = { 0, 0 }, rt = { rtprio, rtprio };

	if (setrlimit(RLIMIT_RTPRIO, &rt) || setrlimit(RLIMIT_NICE, &zero))
		return -1;
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -1;
	return 0;
}

static inline int drop_to_nobody(void)
{
	return drop_to_nobody_rt(0);
}

/* ---- signals ---- */

static atomic_int signals_seen;

static inline void on_signal(int sig)
{
	atomic_fetch_add(&signals_seen, 1);
}

/* A handler without SA_RESTART: an interrupted call fails with EINTR. */
static inline void set_handler(int sig)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* ---- common setup ---- */

/*
 * Every fixture: /dev/mkipc with the priority feature, root, the knobs
 * saved; priority tracking on and the completion boost off, so that a
 * server's settings are the inherited ones only (the boost tests set
 * their own boost_ns).
 */
struct common {
	int dev;
	int skip;
};

static inline void common_setup(struct __test_metadata *_metadata,
				struct common *c)
{
	struct mkipc_version ver;

	c->dev = -1;
	if (geteuid() != 0) {
		c->skip = 1;
		SKIP(return,
		     "needs root: other threads' policies, module parameters, debugfs");
	}
	knobs_save();
	c->dev = mkipc_open();
	ASSERT_LE(0, c->dev)
		TH_LOG("open %s: %s (is mkipc.ko loaded?)", MKIPC_DEV_PATH,
		       strerror(errno));
	memset(&ver, 0, sizeof(ver));
	ASSERT_EQ(0, mkipc_version(c->dev, &ver));
	ASSERT_TRUE(ver.features & MKIPC_FEAT_PRIO)
		TH_LOG("module without MKIPC_FEAT_PRIO (features %#llx)",
		       (unsigned long long)ver.features);
	ASSERT_EQ(0, mkipc_param_write("priority_tracking", "Y"))
		TH_LOG("cannot write " MKIPC_PARAM_DIR "/priority_tracking");
	ASSERT_EQ(0, boost_set(0))
		TH_LOG("cannot write " MKIPC_PARAM_DIR "/boost_ns");
	if (access(STATS_PATH, R_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	ASSERT_EQ(0, prio_tasks_settle(1000))
		TH_LOG("prio_tasks in %s not 0 before the test (debugfs mounted?)",
		       STATS_PATH);
}

static inline void common_teardown(struct __test_metadata *_metadata,
				   struct common *c)
{
	long n;

	if (c->skip)
		return;
	mkipc_param_restore_all();
	/*
	 * A failed ASSERT left the test through longjmp(): its agents still
	 * run, on a stack frame that is gone and that this teardown reuses.
	 * Waiting for them to settle would let one of them write there (a
	 * SIGSEGV that hid the assertion once); the harness aborts the
	 * process as soon as this returns.
	 */
	if (_metadata->aborted)
		return;
	if (c->dev >= 0)
		close(c->dev);
	n = prio_tasks_settle(1000);
	if (n)
		TH_LOG("prio_tasks still %ld a second after the test", n);
	EXPECT_EQ(0, n);
}

FIXTURE(prio) {
	struct common c;
};

FIXTURE_SETUP(prio)
{
	common_setup(_metadata, &self->c);
}

FIXTURE_TEARDOWN(prio)
{
	common_teardown(_metadata, &self->c);
}

/*
 * An endpoint with both rights in *@rfd and a send-only fd in *@sfd.
 * These helpers' ASSERTs end the test as they would in its body.
 */
static inline void new_ep(struct __test_metadata *_metadata, int dev, __u32 flags,
			  int *rfd, int *sfd)
{
	*rfd = mkipc_ep_create(dev, flags | MKIPC_EP_CLOEXEC, 0, NULL);
	ASSERT_LE(0, *rfd) TH_LOG("create: %s", strerror(-*rfd));
	*sfd = mkipc_ep_sender(*rfd, MKIPC_EP_CLOEXEC);
	ASSERT_LE(0, *sfd) TH_LOG("sender: %s", strerror(-*sfd));
}

#define NEW_EP(dev, flags, rfd, sfd)	new_ep(_metadata, dev, flags, rfd, sfd)

static inline void launch(struct __test_metadata *_metadata, struct agent *a)
{
	int e = agent_start(a);

	ASSERT_EQ(0, e) TH_LOG("thread start: %s", strerror(-e));
}

static inline void join(struct __test_metadata *_metadata, struct agent *a)
{
	ASSERT_EQ(0, agent_join(a, WATCHDOG_MS))
		TH_LOG("a thread did not finish within %d ms", WATCHDOG_MS);
}

/*
 * Waits until @a sleeps in an ioctl; if it ended first, says how and when,
 * so that a call that ran out its timeout before it was seen queued reads
 * as that and not as a bare -1.
 */
static inline void blocked(struct __test_metadata *_metadata,
			   struct agent *a, const char *name)
{
	ASSERT_EQ(0, agent_wait_blocked(a))
		TH_LOG("%s never seen sleeping in ioctl: done=%d ret=%ld after %lld ms",
		       name, atomic_load(&a->done), a->ret,
		       a->t1 > a->t0 ? (long long)((a->t1 - a->t0) / MS) : -1LL);
}

#define START(a)	launch(_metadata, a)
#define JOIN(a)		join(_metadata, a)
#define BLOCKED(a)	blocked(_metadata, a, #a)

/* Calls in a loop until stopped, then a call labelled 0 ends the server. */
static inline long fn_ping(struct agent *a)
{
	long err;

	while (!atomic_load(&a->stop)) {
		err = ep_call(a->fd, NULL, 1, NULL, 0, NULL, 0, 0, WATCHDOG_NS);
		if (err) {
			if (!atomic_fetch_add(&a->errors, 1))
				a->first_err = err;
		} else {
			atomic_fetch_add(&a->rounds, 1);
		}
	}
	return ep_call(a->fd, NULL, 0, NULL, 0, NULL, 0, 0, WATCHDOG_NS);
}

/* Answers calls with REPLY_RECV until one labelled 0. */
static inline long fn_pong(struct agent *a)
{
	struct mkipc_reply_recv rr;
	__u64 token = 0;
	long err;

	for (;;) {
		err = ep_reply_recv(a->fd, &rr, token, 0, NULL, 0, NULL, 0, 0,
				    0);
		if (err)
			return err;
		if (rr.recv.msg.label == 0)
			return ep_reply(a->fd, rr.recv.token, 1, NULL, 0);
		token = rr.recv.token;
	}
}

#endif /* _MKIPC_PRIO_FIXTURE_H */
