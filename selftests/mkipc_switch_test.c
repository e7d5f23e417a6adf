// SPDX-License-Identifier: GPL-2.0
/*
 * MKIPC_IOC_SWITCH: every variant of the kernel-thread pair runs, takes as
 * many samples as asked, and its statistics hold together (min <= avg <=
 * max, the per-CPU table's histogram sums to its count); no mkipc_sw
 * thread is left after a run, also one cut short by a signal or by its
 * timeout; bad arguments get the documented errno; an unprivileged
 * caller gets EPERM, and nobody runs on a CPU outside the caller's set.
 *
 * Expects mkipc.ko loaded (run_tests.sh does that) and debugfs mounted.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mkipc.h>

#include "kselftest_harness.h"
#include "libmkipc.h"
#include "mkipc_test.h"

#define SW_STATS	"/sys/kernel/debug/mkipc/switch_stats"

static const char * const mech_names[] = {
	"direct", "waitq", "owaitq", "khandoff",
};

static const char * const mm_names[] = { "none", "same", "diff" };

/* Threads named mkipc_sw/... on the system now. */
static int sw_threads(void)
{
	char path[300], comm[32];
	struct dirent *d;
	int n = 0;
	DIR *dir = opendir("/proc");

	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		FILE *f;

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    !strncmp(comm, "mkipc_sw/", 9))
			n++;
		fclose(f);
	}
	closedir(dir);
	return n;
}

/*
 * The threads left after a run, once those on their way out are gone:
 * kthread_stop() returns when a thread has exited (the uapi header's
 * promise), but its /proc entry goes a moment later, when the task is
 * released, and a test on another CPU can look in between. A thread that
 * is still there after 5 s was left behind.
 */
static int sw_threads_left(void)
{
	int i, n = sw_threads();

	for (i = 0; i < 500 && n > 0; i++) {
		usleep(10000);
		n = sw_threads();
	}
	return n;
}

static void sw_init(struct mkipc_switch *a, int mech, int mm, __u32 flags,
		    __u64 iters)
{
	memset(a, 0, sizeof(*a));
	a->mech = mech;
	a->mm = mm;
	a->flags = flags;
	a->cpu = 0;
	a->cpu2 = 1;
	a->iters = iters;
}

static int ncpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	return CPU_ISSET(0, &set) && CPU_ISSET(1, &set) ? 2 : 1;
}

FIXTURE(sw) {
	int dev;
	pid_t peer;	/* a child whose mm the diff variants borrow */
	bool khandoff;	/* MKIPC_FEAT_KHANDOFF: a patched kernel */
};

FIXTURE_SETUP(sw)
{
	struct mkipc_version ver;

	self->peer = -1;
	self->dev = mkipc_open();
	ASSERT_LE(0, self->dev) TH_LOG("open /dev/mkipc: %s",
				       strerror(-self->dev));
	ASSERT_EQ(0, mkipc_version(self->dev, &ver));
	ASSERT_NE(0, ver.features & MKIPC_FEAT_SWITCH);
	self->khandoff = ver.features & MKIPC_FEAT_KHANDOFF;
	self->peer = fork();
	ASSERT_LE(0, self->peer);
	if (!self->peer) {
		pause();
		_exit(0);
	}
}

FIXTURE_TEARDOWN(sw)
{
	if (self->peer > 0) {
		kill(self->peer, SIGKILL);
		waitpid(self->peer, NULL, 0);
	}
	close(self->dev);
}

/*
 * Every mechanism, mm, FPU and prefetch choice, one CPU and across: 72
 * runs, 96 with the kernel's hand-off (a kernel with the companion patch;
 * elsewhere its variants must fail with EOPNOTSUPP). A hand-off costs
 * what a call does (about a millisecond across CPUs under KCSAN), so the
 * samples scale as the endpoint tests' do, and the test has the time the
 * slowest lane needs.
 */
TEST_F_TIMEOUT(sw, every_variant, 600)
{
	long iters = mkipc_ep_scaled(2000);
	int mech, mm, fl, runs = 0;

	for (fl = 0; fl < 8; fl++) {
		if ((fl & MKIPC_SW_CROSS) && ncpus() < 2)
			continue;
		for (mech = 0; mech < MKIPC_SW_NMECH; mech++) {
			for (mm = 0; mm < MKIPC_SW_NMM; mm++) {
				struct mkipc_switch a;
				__u64 avg;

				sw_init(&a, mech, mm, fl, iters);
				a.peer_pid = self->peer;
				/* The kernel's hand-off: patched kernels only. */
				if (mech == MKIPC_SW_KHANDOFF && !self->khandoff) {
					ASSERT_EQ(-EOPNOTSUPP,
						  mkipc_switch_run(self->dev, &a));
					continue;
				}
				ASSERT_EQ(0, mkipc_switch_run(self->dev, &a))
					TH_LOG("%s %s flags %#x", mech_names[mech],
					       mm_names[mm], fl);
				ASSERT_EQ((__u64)iters, a.count);
				avg = a.sum_cycles / a.count;
				ASSERT_LE(a.min_cycles, avg);
				ASSERT_LE(avg, a.max_cycles);
				ASSERT_LT(0, a.min_cycles);
				ASSERT_LT(0, a.tsc_khz);
				ASSERT_EQ(fl & MKIPC_SW_CROSS ? 1 : -1, a.cpu2);
				runs++;
			}
		}
	}
	ASSERT_EQ(0, sw_threads_left());
	TH_LOG("%d variants, %ld samples each", runs, iters);
}

/* The CPU's table after a reset: this run's count, a histogram to match. */
TEST_F(sw, table_matches_run)
{
	unsigned long long count, mn, avg, mx, sum = 0, n;
	char line[1024], *p;
	struct mkipc_switch a;
	int cpu, found = 0;
	FILE *f;

	ASSERT_EQ(0, mkipc_file_write(SW_STATS, "reset"));
	sw_init(&a, MKIPC_SW_OWAITQ, MKIPC_SW_MM_SAME, MKIPC_SW_PREFETCH,
		mkipc_scaled(3000));
	ASSERT_EQ(0, mkipc_switch_run(self->dev, &a));
	f = fopen(SW_STATS, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		char mech[16], mm[16];
		int fpu, pf, cross, off, b, first, last = -1;

		if (sscanf(line, "%d %15s %15s %d %d %d %llu %llu %llu %llu %*u %*u %*u%n",
			   &cpu, mech, mm, &fpu, &pf, &cross, &count, &mn,
			   &avg, &mx, &off) != 10)
			continue;
		found++;
		ASSERT_EQ(0, cpu);
		ASSERT_STREQ("owaitq", mech);
		ASSERT_STREQ("same", mm);
		ASSERT_EQ(0, fpu);
		ASSERT_EQ(1, pf);
		ASSERT_EQ(0, cross);
		ASSERT_EQ(a.count, count);
		ASSERT_EQ(a.min_cycles, mn);
		ASSERT_EQ(a.max_cycles, mx);
		ASSERT_EQ(a.sum_cycles / a.count, avg);
		first = -1;
		for (p = line + off; sscanf(p, " %d:%llu%n", &b, &n, &off) == 2;
		     p += off) {
			ASSERT_LT(b, 48);
			if (first < 0)
				first = b;
			last = b;
			sum += n;
		}
		ASSERT_EQ(count, sum);
		/* Bucket b holds [2^(b-1), 2^b): the first min, the last max. */
		ASSERT_EQ(64 - __builtin_clzll(mn), first);
		ASSERT_EQ(64 - __builtin_clzll(mx), last);
	}
	fclose(f);
	ASSERT_EQ(1, found) TH_LOG("one line after the reset, for this run");
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A signal ends a run: EINTR, what was measured, no thread left. */
TEST_F(sw, signal_ends_run)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct mkipc_switch a;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	sw_init(&a, MKIPC_SW_DIRECT, MKIPC_SW_MM_NONE, 0, MKIPC_SW_MAX_ITERS);
	a.timeout_ns = 120ULL * 1000000000ULL;
	alarm(1);
	ASSERT_EQ(-EINTR, mkipc_switch_run(self->dev, &a));
	alarm(0);
	ASSERT_LT(0, a.count);
	ASSERT_GT(MKIPC_SW_MAX_ITERS, a.count);
	ASSERT_EQ(0, sw_threads_left());
}

/* The run's own bound: ETIMEDOUT, what was measured, no thread left. */
TEST_F(sw, timeout_ends_run)
{
	struct mkipc_switch a;

	sw_init(&a, MKIPC_SW_WAITQ, MKIPC_SW_MM_DIFF, 0, MKIPC_SW_MAX_ITERS);
	a.peer_pid = self->peer;
	a.timeout_ns = 300000000ULL;
	ASSERT_EQ(-ETIMEDOUT, mkipc_switch_run(self->dev, &a));
	ASSERT_LT(0, a.count);
	ASSERT_GT(MKIPC_SW_MAX_ITERS, a.count);
	ASSERT_EQ(0, sw_threads_left());
}

/* Each documented EINVAL and ESRCH; nothing runs, no thread is left. */
TEST_F(sw, bad_arguments)
{
	struct mkipc_switch a;

	sw_init(&a, MKIPC_SW_NMECH, 0, 0, 10);
	EXPECT_EQ(-EINVAL, mkipc_switch_run(self->dev, &a));
	sw_init(&a, 0, MKIPC_SW_NMM, 0, 10);
	EXPECT_EQ(-EINVAL, mkipc_switch_run(self->dev, &a));
	sw_init(&a, 0, 0, MKIPC_SW_FLAGS + 1, 10);
	EXPECT_EQ(-EINVAL, mkipc_switch_run(self->dev, &a));
	sw_init(&a, 0, 0, 0, 0);
	EXPECT_EQ(-EINVAL, mkipc_switch_run(self->dev, &a));
	sw_init(&a, 0, 0, 0, MKIPC_SW_MAX_ITERS + 1ULL);
	EXPECT_EQ(-EINVAL, mkipc_switch_run(self->dev, &a));
	sw_init(&a, 0, 0, 0, 10);
	a.timeout_ns = MKIPC_SW_MAX_TIMEOUT_NS + 1;
	EXPECT_EQ(-EINVAL, mkipc_switch_run(self->dev, &a));
	sw_init(&a, 0, 0, 0, 10);
	a.reserved0 = 1;
	EXPECT_EQ(-EINVAL, mkipc_switch_run(self->dev, &a));
	sw_init(&a, 0, 0, 0, 10);
	a.reserved[3] = 1;
	EXPECT_EQ(-EINVAL, mkipc_switch_run(self->dev, &a));
	sw_init(&a, 0, 0, 0, 10);
	a.cpu = 4095;
	EXPECT_EQ(-EINVAL, mkipc_switch_run(self->dev, &a));
	sw_init(&a, 0, 0, 0, 10);
	a.cpu = -1;
	EXPECT_EQ(-EINVAL, mkipc_switch_run(self->dev, &a));
	sw_init(&a, 0, 0, MKIPC_SW_CROSS, 10);
	a.cpu2 = 0;
	EXPECT_EQ(-EINVAL, mkipc_switch_run(self->dev, &a));
	/* The peer must bring another mm: not the caller's own. */
	sw_init(&a, 0, MKIPC_SW_MM_DIFF, 0, 10);
	a.peer_pid = getpid();
	EXPECT_EQ(-EINVAL, mkipc_switch_run(self->dev, &a));
	sw_init(&a, 0, MKIPC_SW_MM_DIFF, 0, 10);
	a.peer_pid = 0x3fffffff;
	EXPECT_EQ(-ESRCH, mkipc_switch_run(self->dev, &a));
	/* A kernel thread has no mm to lend: kthreadd is pid 2. */
	sw_init(&a, 0, MKIPC_SW_MM_DIFF, 0, 10);
	a.peer_pid = 2;
	EXPECT_EQ(-ESRCH, mkipc_switch_run(self->dev, &a));
	ASSERT_EQ(0, sw_threads_left());
}

/* Not on a CPU the caller may not use itself. */
TEST_F(sw, only_allowed_cpus)
{
	struct mkipc_switch a;
	cpu_set_t one, old;

	if (ncpus() < 2)
		SKIP(return, "one CPU: nothing outside the caller's set");
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(old), &old));
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	sw_init(&a, 0, 0, 0, 10);
	a.cpu = 1;
	EXPECT_EQ(-EINVAL, mkipc_switch_run(self->dev, &a));
	sw_init(&a, 0, 0, MKIPC_SW_CROSS, 10);
	EXPECT_EQ(-EINVAL, mkipc_switch_run(self->dev, &a));
	sw_init(&a, 0, 0, 0, 10);
	EXPECT_EQ(0, mkipc_switch_run(self->dev, &a));
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(old), &old));
}

/* Unprivileged: EPERM, before anything runs. */
TEST_F(sw, unprivileged)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		struct mkipc_switch a;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		sw_init(&a, 0, 0, 0, 10);
		_exit(mkipc_switch_run(self->dev, &a) == -EPERM &&
		      a.count == 0 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
