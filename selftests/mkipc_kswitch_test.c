// SPDX-License-Identifier: GPL-2.0
/*
 * kswitch.c, mkipc's side of the companion kernel patch
 * (tools/kernel-patch/): debugfs kswitch says what the kernel has; on a
 * patched kernel, calls between two threads on one CPU switch through the
 * kernel's direct hand-off (the statistic khandoff counts every such
 * switch), and none do with the module parameter kswitch_handoff off; the
 * switch-path accounting counts switches while on and is cleared by a
 * reset; bad writes get EINVAL, and on a stock kernel the knobs ENODEV.
 *
 * On a stock kernel the hand-off tests skip, saying why; with
 * MKIPC_REQUIRE_HANDOFF=1 (make check-patched) they fail instead.
 *
 * Expects mkipc.ko loaded (run_tests.sh does that) and debugfs mounted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/mkipc.h>

#include "kselftest_harness.h"
#include "libmkipc.h"
#include "mkipc_test.h"
#include "mkipc_ep_util.h"

#define KSWITCH		MKIPC_DEBUGFS_DIR "/kswitch"
#define STATS		MKIPC_DEBUGFS_DIR "/stats"

/* What debugfs kswitch says of @what: "absent", "on" or "off"; or NULL. */
static const char *ks_state(const char *what, char *buf, size_t len)
{
	char line[256], key[64], avail[32], state[32];
	const char *r = NULL;
	FILE *f = fopen(KSWITCH, "r");

	if (!f)
		return NULL;
	while (!r && fgets(line, sizeof(line), f)) {
		int n = sscanf(line, "%63s %31s %31s", key, avail, state);

		if (n < 2 || strcmp(key, what))
			continue;
		snprintf(buf, len, "%s", n == 3 ? state : avail);
		r = buf;
	}
	fclose(f);
	return r;
}

/* A write to debugfs kswitch (mkipc_util.h): 0 or -errno. */
static int ks_write(const char *cmd)
{
	return mkipc_file_write(KSWITCH, cmd);
}

static int param_write(const char *val)
{
	return mkipc_param_write("kswitch_handoff", val);
}

/* CPU 0's switch count from the kernel's accounting, or -1. */
static long long ks_cpu0_switches(void)
{
	char line[256];
	long long n = -1, cnt;
	int cpu;
	FILE *f = fopen(KSWITCH, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %lld", &cpu, &cnt) == 2 && cpu == 0)
			n = cnt;
	fclose(f);
	return n;
}

static bool handoff_required(void)
{
	const char *v = getenv("MKIPC_REQUIRE_HANDOFF");

	return v && !strcmp(v, "1");
}

struct server {
	int fd;
	long calls;
	int err;
};

/* Answers calls with their own label until the endpoint's fd is closed. */
static void *serve(void *arg)
{
	struct server *s = arg;
	struct mkipc_reply_recv rr;
	__u64 token = 0, label = 0;
	int r;

	mkipc_pin_cpu(0);
	for (;;) {
		r = ep_reply_recv(s->fd, &rr, token, label, NULL, 0, NULL, 0,
				  0, WATCHDOG_NS);
		if (r) {
			s->err = r;
			return NULL;
		}
		token = rr.recv.token;
		label = rr.recv.msg.label;
		s->calls++;
	}
}

/* @n calls from this thread, pinned to CPU 0, to a server on CPU 0. */
static int pingpong(long n)
{
	struct server s = { 0 };
	pthread_t thr;
	long i;
	int dev, sfd, r = 0;

	dev = mkipc_open();
	if (dev < 0)
		return -errno;
	s.fd = mkipc_ep_create(dev, MKIPC_EP_CLOEXEC, 8, NULL);
	if (s.fd < 0) {
		close(dev);
		return s.fd;
	}
	sfd = mkipc_ep_sender(s.fd, MKIPC_EP_CLOEXEC);
	if (sfd < 0) {
		close(s.fd);
		close(dev);
		return sfd;
	}
	mkipc_pin_cpu(0);
	if (pthread_create(&thr, NULL, serve, &s)) {
		r = -EAGAIN;
	} else {
		for (i = 0; i < n && !r; i++) {
			struct mkipc_call c;

			r = ep_call(sfd, &c, i + 1, NULL, 0, NULL, 0, 0,
				    WATCHDOG_NS);
			if (!r && c.rep.label != (__u64)i + 1)
				r = -EBADMSG;
		}
		/* A server waiting in its receive gets EPIPE: it returns. */
		close(sfd);
		mkipc_ep_shutdown(s.fd);
		pthread_join(thr, NULL);
	}
	close(s.fd);
	close(dev);
	return r;
}

/* debugfs kswitch names all three parts, each absent, on or off. */
TEST(state)
{
	static const char * const parts[] = { "handoff", "acct", "prefetch" };
	char buf[32];
	const char *v;
	int i;

	for (i = 0; i < 3; i++) {
		v = ks_state(parts[i], buf, sizeof(buf));
		ASSERT_NE(NULL, v) TH_LOG("%s: no line for %s", KSWITCH, parts[i]);
		EXPECT_TRUE(!strcmp(v, "absent") || !strcmp(v, "on") ||
			    !strcmp(v, "off"))
			TH_LOG("%s: %s", parts[i], v);
		TH_LOG("%s %s", parts[i], v);
	}
	v = ks_state("handoff", buf, sizeof(buf));
	if (handoff_required())
		EXPECT_STRNE("absent", v)
			TH_LOG("MKIPC_REQUIRE_HANDOFF=1, but the module has no hand-off");
}

/*
 * On a patched kernel, a call between two threads on CPU 0 hands the CPU
 * to the server directly. The reply usually does not: the caller, handed
 * over before it blocked, is awake and not listed as a waiter, so the
 * reply wakes nobody (owaitq's fast path) and the server's next wait gives
 * the CPU back through the pick. One hand-off a call, then, of which
 * khandoff must count at least half (a tick may preempt the caller before
 * its wake-up, with no hand-off to make). With kswitch_handoff off it must
 * not grow at all.
 */
TEST(handoff_engaged)
{
	long n = mkipc_scaled(2000), before, after;
	char buf[32];
	const char *v = ks_state("handoff", buf, sizeof(buf));

	ASSERT_NE(NULL, v);
	if (!strcmp(v, "absent")) {
		if (handoff_required())
			ASSERT_TRUE(0) TH_LOG("hand-off required but absent");
		SKIP(return, "stock kernel: no wake_up_handoff() (tools/kernel-patch/)");
	}
	ASSERT_EQ(0, param_write("Y"));
	before = mkipc_debugfs_value(STATS, "khandoff");
	ASSERT_LE(0, before);
	ASSERT_EQ(0, pingpong(n));
	after = mkipc_debugfs_value(STATS, "khandoff");
	TH_LOG("%ld calls, %ld direct hand-offs", n, after - before);
	EXPECT_LE(n / 2, after - before);

	ASSERT_EQ(0, param_write("N"));
	before = mkipc_debugfs_value(STATS, "khandoff");
	EXPECT_EQ(0, pingpong(n));
	after = mkipc_debugfs_value(STATS, "khandoff");
	ASSERT_EQ(0, param_write("Y"));
	TH_LOG("kswitch_handoff=N: %ld calls, %ld direct hand-offs", n,
	       after - before);
	EXPECT_EQ(0, after - before);
}

/*
 * The switch-path accounting counts CPU 0's switches while on, stops
 * while off, and a reset clears it; on a stock kernel the knobs are
 * ENODEV. Bad input is EINVAL either way.
 */
TEST(acct_knobs)
{
	static const char * const bad[] = {
		"", "acct", "acct maybe", "bogus on", "reset now", "prefetch",
		NULL,
	};
	long n = mkipc_scaled(500);
	long long a, b;
	char buf[32];
	const char *v = ks_state("acct", buf, sizeof(buf));
	unsigned int i;

	ASSERT_NE(NULL, v);
	for (i = 0; bad[i]; i++) {
		const char *b = bad[i];

		EXPECT_EQ(-EINVAL, ks_write(b)) TH_LOG("'%s'", b);
	}
	if (!strcmp(v, "absent")) {
		EXPECT_EQ(-ENODEV, ks_write("acct on"));
		EXPECT_EQ(-ENODEV, ks_write("prefetch off"));
		EXPECT_EQ(-ENODEV, ks_write("reset"));
		if (handoff_required())
			ASSERT_TRUE(0) TH_LOG("patched kernel required, accounting absent");
		SKIP(return, "stock kernel: no switch-path accounting");
	}
	ASSERT_EQ(0, ks_write("acct on"));
	ASSERT_EQ(0, ks_write("reset"));
	a = ks_cpu0_switches();
	ASSERT_EQ(0, pingpong(n));
	b = ks_cpu0_switches();
	/* At least one switch a call: to the server, back on its wait. */
	TH_LOG("CPU 0: %lld switches counted over %ld calls", b - a, n);
	EXPECT_LE(n, b - a);
	EXPECT_STREQ("on", ks_state("acct", buf, sizeof(buf)));
	ASSERT_EQ(0, ks_write("acct off"));
	a = ks_cpu0_switches();
	ASSERT_EQ(0, pingpong(n));
	b = ks_cpu0_switches();
	EXPECT_EQ(a, b);
	ASSERT_EQ(0, ks_write("reset"));
	EXPECT_EQ(0, ks_cpu0_switches());
	/* Prefetching turns on and off; what it buys is patch-bench's. */
	ASSERT_EQ(0, ks_write("prefetch on"));
	EXPECT_STREQ("on", ks_state("prefetch", buf, sizeof(buf)));
	ASSERT_EQ(0, pingpong(mkipc_scaled(100)));
	ASSERT_EQ(0, ks_write("prefetch off"));
}

TEST_HARNESS_MAIN
