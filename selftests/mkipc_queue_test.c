// SPDX-License-Identifier: GPL-2.0
/*
 * lfqueue under stress, in the kernel: P producer and C consumer kthreads,
 * P and C each in {1, 2, 4}, on the lock-free queue and on the spinlock
 * baseline, through debugfs mkipc/queue_stress (see ktests/lfqueue_test.c).
 * Every run must lose nothing, duplicate nothing, keep each producer's
 * order, and conserve: enqueued == dequeued + drained == items.
 *
 * Items per run: 10^6, times MKIPC_QUEUE_SCALE percent if set (the KCSAN
 * lane, where dense sampling makes each item costly), else times
 * MKIPC_TEST_SCALE percent.
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

#define STRESS_PATH	"/sys/kernel/debug/mkipc/queue_stress"
#define BOUND		1024

FIXTURE(queue) {
	char result[512];
};

FIXTURE_VARIANT(queue) {
	const char *kind;
	int producers;
	int consumers;
};

FIXTURE_VARIANT_ADD(queue, lfq_p1_c1) {
	.kind = "lfq", .producers = 1, .consumers = 1,
};

FIXTURE_VARIANT_ADD(queue, lfq_p1_c2) {
	.kind = "lfq", .producers = 1, .consumers = 2,
};

FIXTURE_VARIANT_ADD(queue, lfq_p1_c4) {
	.kind = "lfq", .producers = 1, .consumers = 4,
};

FIXTURE_VARIANT_ADD(queue, lfq_p2_c1) {
	.kind = "lfq", .producers = 2, .consumers = 1,
};

FIXTURE_VARIANT_ADD(queue, lfq_p2_c2) {
	.kind = "lfq", .producers = 2, .consumers = 2,
};

FIXTURE_VARIANT_ADD(queue, lfq_p2_c4) {
	.kind = "lfq", .producers = 2, .consumers = 4,
};

FIXTURE_VARIANT_ADD(queue, lfq_p4_c1) {
	.kind = "lfq", .producers = 4, .consumers = 1,
};

FIXTURE_VARIANT_ADD(queue, lfq_p4_c2) {
	.kind = "lfq", .producers = 4, .consumers = 2,
};

FIXTURE_VARIANT_ADD(queue, lfq_p4_c4) {
	.kind = "lfq", .producers = 4, .consumers = 4,
};

FIXTURE_VARIANT_ADD(queue, spin_p1_c1) {
	.kind = "spin", .producers = 1, .consumers = 1,
};

FIXTURE_VARIANT_ADD(queue, spin_p1_c2) {
	.kind = "spin", .producers = 1, .consumers = 2,
};

FIXTURE_VARIANT_ADD(queue, spin_p1_c4) {
	.kind = "spin", .producers = 1, .consumers = 4,
};

FIXTURE_VARIANT_ADD(queue, spin_p2_c1) {
	.kind = "spin", .producers = 2, .consumers = 1,
};

FIXTURE_VARIANT_ADD(queue, spin_p2_c2) {
	.kind = "spin", .producers = 2, .consumers = 2,
};

FIXTURE_VARIANT_ADD(queue, spin_p2_c4) {
	.kind = "spin", .producers = 2, .consumers = 4,
};

FIXTURE_VARIANT_ADD(queue, spin_p4_c1) {
	.kind = "spin", .producers = 4, .consumers = 1,
};

FIXTURE_VARIANT_ADD(queue, spin_p4_c2) {
	.kind = "spin", .producers = 4, .consumers = 2,
};

FIXTURE_VARIANT_ADD(queue, spin_p4_c4) {
	.kind = "spin", .producers = 4, .consumers = 4,
};

FIXTURE_SETUP(queue)
{
	ASSERT_EQ(0, access(STRESS_PATH, W_OK))
		TH_LOG("%s: %s (mkipc loaded? debugfs mounted? root?)",
		       STRESS_PATH, strerror(errno));
}

FIXTURE_TEARDOWN(queue)
{
}

TEST_F_TIMEOUT(queue, stress, 900)
{
	long items, enq, deq, drained;
	char cmd[96];
	int err;

	items = getenv("MKIPC_QUEUE_SCALE") ?
		mkipc_scaled_by(1000000, "MKIPC_QUEUE_SCALE") :
		mkipc_scaled(1000000);
	snprintf(cmd, sizeof(cmd), "%s %d %d %ld %d", variant->kind,
		 variant->producers, variant->consumers, items, BOUND);
	err = mkipc_job(STRESS_PATH, cmd, self->result, sizeof(self->result));
	ASSERT_EQ(0, err) TH_LOG("'%s': %s", cmd, strerror(-err));
	/* The whole result line, parameters included, for the record. */
	TH_LOG("%s", strtok(self->result, "\n"));

	items = items / variant->producers * variant->producers;
	enq = mkipc_field(self->result, "enqueued");
	deq = mkipc_field(self->result, "dequeued");
	drained = mkipc_field(self->result, "drained");
	EXPECT_EQ(0, mkipc_field(self->result, "timed_out"));
	EXPECT_EQ(items, mkipc_field(self->result, "items"));
	EXPECT_EQ(items, enq);
	EXPECT_EQ(enq, deq + drained) TH_LOG("conservation broken");
	EXPECT_EQ(0, mkipc_field(self->result, "lost"));
	EXPECT_EQ(0, mkipc_field(self->result, "dup"));
	EXPECT_EQ(0, mkipc_field(self->result, "order_errors"));
}

/*
 * The bound holds against a producer that stored a value of the consumers'
 * count read 2^31 dequeues before (ktests/lfqueue_test.c sets the counters up as
 * such a stall leaves them): the queue holds its bound, and no more. The
 * node array's WARN_ON_ONCE, which the kernel log check catches, is the
 * backstop behind a bound test that passes where it should not.
 */
TEST(stale_seen)
{
	char result[256];
	int err;

	ASSERT_EQ(0, access(STRESS_PATH, W_OK))
		TH_LOG("%s: %s", STRESS_PATH, strerror(errno));
	err = mkipc_job(STRESS_PATH, "stale_seen", result, sizeof(result));
	ASSERT_EQ(0, err) TH_LOG("stale_seen: %s", strerror(-err));
	TH_LOG("%s", strtok(result, "\n"));
	EXPECT_EQ(mkipc_field(result, "bound"), mkipc_field(result, "held"));
	EXPECT_EQ(0, mkipc_field(result, "over_bound"));
}

TEST_HARNESS_MAIN
