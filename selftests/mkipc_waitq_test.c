// SPDX-License-Identifier: GPL-2.0
/*
 * The wait queues under stress, in the kernel, through debugfs
 * mkipc/waitq_test (see ktests/owaitq_test.c): sleep/wake hand-offs between
 * kthreads, exclusive (wake one) and wake-all, on owaitq and on the stock
 * wait_queue_head_t. Plain runs add random delays after condition checks
 * (j), which widen lost-wake-up windows (a sleeper planted to check its
 * condition before setting its state stalled 4 times in 5 x 10^4 rounds
 * with them, never without); mixed runs bring in timeouts and signals
 * instead, which would themselves rescue a lost wake-up. The
 * kernel side's watchdog counts every stretch of stall_ms without a
 * hand-off as a stall (a lost wake-up); a run passes with none, with every
 * round and every ack accounted for.
 *
 * Hand-offs per run: 10^5 (excl: two a round; all: WAITERS + 1 a round),
 * times MKIPC_WAITQ_SCALE percent if set, else MKIPC_TEST_SCALE percent.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mkipc_test.h"

#define TEST_PATH	"/sys/kernel/debug/mkipc/waitq_test"
#define STATS_PATH	"/sys/kernel/debug/mkipc/stats"
#define PARAM_DIR	"/sys/module/mkipc/parameters/"
#define WAITERS		4

static long stat_value(const char *name)
{
	char line[128], key[64];
	long v, found = -1;
	FILE *f = fopen(STATS_PATH, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", key, &v) == 2 &&
		    !strcmp(key, name))
			found = v;
	fclose(f);
	return found;
}

static int param_write(const char *name, const char *val)
{
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int param_read(const char *name, char *buf, size_t size)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

FIXTURE(waitq) {
	char result[640];
};

FIXTURE_VARIANT(waitq) {
	const char *kind;
	const char *mode;
	const char *flags;
};

FIXTURE_VARIANT_ADD(waitq, owaitq_excl) {
	.kind = "owaitq", .mode = "excl", .flags = "j",
};

FIXTURE_VARIANT_ADD(waitq, owaitq_excl_sync) {
	.kind = "owaitq", .mode = "excl", .flags = "yj",
};

FIXTURE_VARIANT_ADD(waitq, owaitq_excl_timeouts_signals) {
	.kind = "owaitq", .mode = "excl", .flags = "ts",
};

FIXTURE_VARIANT_ADD(waitq, owaitq_all) {
	.kind = "owaitq", .mode = "all", .flags = "j",
};

FIXTURE_VARIANT_ADD(waitq, owaitq_all_timeouts_signals) {
	.kind = "owaitq", .mode = "all", .flags = "ts",
};

FIXTURE_VARIANT_ADD(waitq, stock_excl) {
	.kind = "stock", .mode = "excl", .flags = "j",
};

FIXTURE_VARIANT_ADD(waitq, stock_excl_timeouts_signals) {
	.kind = "stock", .mode = "excl", .flags = "ts",
};

FIXTURE_VARIANT_ADD(waitq, stock_all) {
	.kind = "stock", .mode = "all", .flags = "j",
};

FIXTURE_VARIANT_ADD(waitq, stock_all_timeouts_signals) {
	.kind = "stock", .mode = "all", .flags = "ts",
};

FIXTURE_SETUP(waitq)
{
	ASSERT_EQ(0, access(TEST_PATH, W_OK))
		TH_LOG("%s: %s (mkipc loaded? debugfs mounted? root?)",
		       TEST_PATH, strerror(errno));
}

FIXTURE_TEARDOWN(waitq)
{
}

TEST_F_TIMEOUT(waitq, handoffs, 1200)
{
	bool all = !strcmp(variant->mode, "all");
	bool mixed = strchr(variant->flags, 't');
	long rounds, acks, handoffs;
	char cmd[96];
	int err;

	rounds = getenv("MKIPC_WAITQ_SCALE") ?
		 mkipc_scaled_by(100000, "MKIPC_WAITQ_SCALE") :
		 mkipc_scaled(100000);
	rounds /= all ? WAITERS + 1 : 2;
	snprintf(cmd, sizeof(cmd), "stress %s %s %d %ld %s", variant->kind,
		 variant->mode, WAITERS, rounds, variant->flags);
	err = mkipc_job(TEST_PATH, cmd, self->result, sizeof(self->result));
	ASSERT_EQ(0, err) TH_LOG("'%s': %s", cmd, strerror(-err));
	TH_LOG("%s", strtok(self->result, "\n"));

	acks = all ? rounds * WAITERS : rounds;
	handoffs = mkipc_field(self->result, "acks") +
		   mkipc_field(self->result, "producer_rounds");
	TH_LOG("hand-offs: %ld", handoffs);
	EXPECT_EQ(0, mkipc_field(self->result, "stalls"))
		TH_LOG("a hand-off stalled for stall_ms: a lost wake-up");
	EXPECT_EQ(rounds, mkipc_field(self->result, "producer_rounds"));
	EXPECT_EQ(acks, mkipc_field(self->result, "acks"));
	EXPECT_EQ(0, mkipc_field(self->result, "tokens_left"));
	EXPECT_EQ(0, mkipc_field(self->result, "proto_errors"));
	if (mixed) {
		/* Proof that both were mixed in, not just asked for. */
		EXPECT_LT(0, mkipc_field(self->result, "timeouts_seen"));
		EXPECT_LT(0, mkipc_field(self->result, "signals_seen"));
		EXPECT_GE(mkipc_field(self->result, "signals_sent"),
			  mkipc_field(self->result, "signals_seen"));
	}
}

/* A wake-up with nobody waiting takes no lock: owaitq's counters say so. */
TEST(fast_path_takes_no_lock)
{
	long fast, locked, n = 100000;
	char buf[640], cmd[64];
	int err;

	fast = stat_value("wake_fast");
	locked = stat_value("wake_locked");
	if (fast < 0 || locked < 0)
		SKIP(return, "no statistics (stats=0 or no debugfs)");
	snprintf(cmd, sizeof(cmd), "nosleeper owaitq %ld", n);
	err = mkipc_job(TEST_PATH, cmd, buf, sizeof(buf));
	ASSERT_EQ(0, err) TH_LOG("'%s': %s", cmd, strerror(-err));
	TH_LOG("%s", strtok(buf, "\n"));
	EXPECT_EQ(fast + n, stat_value("wake_fast"));
	EXPECT_EQ(locked, stat_value("wake_locked"));
}

/* The baselines are chosen at run time; anything else is refused. */
TEST(kind_parameters)
{
	static const char * const good[][3] = {
		{ "queue", "spin", "lfq" }, { "waitq", "stock", "owaitq" },
	};
	char val[32];
	int i;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, param_read(good[i][0], val, sizeof(val)));
		EXPECT_STREQ(good[i][2], val) TH_LOG("%s default", good[i][0]);
		EXPECT_EQ(0, param_write(good[i][0], good[i][1]));
		ASSERT_EQ(0, param_read(good[i][0], val, sizeof(val)));
		EXPECT_STREQ(good[i][1], val);
		EXPECT_EQ(-EINVAL, param_write(good[i][0], "bogus"));
		EXPECT_EQ(-EINVAL, param_write(good[i][0], "\n"));
		ASSERT_EQ(0, param_read(good[i][0], val, sizeof(val)));
		EXPECT_STREQ(good[i][1], val) TH_LOG("changed by a bad write");
		EXPECT_EQ(0, param_write(good[i][0], good[i][2]));
	}
}

TEST_HARNESS_MAIN
