/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mkipc selftests. The module's parameters, a
 * thread's scheduling settings, small files and the clock come from
 * libmkipc's mkipc_util.h, as the mkipc tool has them; the ioctls from
 * mkipc_ep_util.h.
 */
#ifndef _MKIPC_TEST_H
#define _MKIPC_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mkipc_util.h"

/*
 * Iteration counts scale with MKIPC_TEST_SCALE, a percentage (default 100):
 * the debug-kernel lanes run about ten times slower and set it lower. The
 * assertions stay the same; only the number of rounds changes.
 */
static inline long mkipc_scaled_by(long n, const char *var)
{
	const char *s = getenv(var);
	long pct = s ? strtol(s, NULL, 10) : 100;

	if (pct <= 0)
		pct = 100;
	n = n * pct / 100;
	return n > 0 ? n : 1;
}

static inline long mkipc_scaled(long n)
{
	return mkipc_scaled_by(n, "MKIPC_TEST_SCALE");
}

/*
 * The endpoint tests and the fuzzer scale by MKIPC_EP_SCALE where it is
 * set, else by MKIPC_TEST_SCALE: the KCSAN lane sets it lower still, since
 * a call there costs about a millisecond.
 */
static inline long mkipc_ep_scaled(long n)
{
	if (getenv("MKIPC_EP_SCALE"))
		return mkipc_scaled_by(n, "MKIPC_EP_SCALE");
	return mkipc_scaled(n);
}

/* The number after " KEY=" in a one-line result, or -1 if it is absent. */
static inline long mkipc_field(const char *line, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	if (!p)
		return -1;
	return strtol(p + strlen(pat), NULL, 10);
}

/*
 * Runs one job through a debugfs job file (the module's in-kernel tests):
 * writes @cmd, which returns when the job is over, then reads the job's
 * one-line result into @buf. 0, or -errno of the step that failed.
 */
static inline int mkipc_job(const char *path, const char *cmd, char *buf,
			    size_t size)
{
	ssize_t n = -1;
	int fd, err = 0;

	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		err = -errno;
	if (!err && lseek(fd, 0, SEEK_SET))
		err = -errno;
	if (!err)
		n = read(fd, buf, size - 1);
	if (!err && n <= 0)
		err = n < 0 ? -errno : -EIO;
	close(fd);
	if (!err)
		buf[n] = '\0';
	return err;
}

/*
 * The number of live endpoints (created and not yet freed), from debugfs:
 * the "live N" line of mkipc/endpoints, else endpoints_live in mkipc/stats;
 * -1 if neither is there (debugfs not mounted, not root).
 */
#define MKIPC_DEBUGFS_DIR	"/sys/kernel/debug/mkipc"

static inline long mkipc_debugfs_value(const char *file, const char *name)
{
	char line[256], key[64];
	long v, found = -1;
	FILE *f = fopen(file, "r");

	if (!f)
		return -1;
	while (found < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", key, &v) == 2 &&
		    !strcmp(key, name))
			found = v;
	fclose(f);
	return found;
}

/*
 * How the module delivered messages so far: handed straight to a waiting
 * receiver (direct), or through the queue (queued); from debugfs
 * mkipc/stats. 0, or -1 if the counters cannot be read (not root, or no
 * debugfs).
 */
struct mkipc_paths {
	long direct, queued;
};

static inline int mkipc_paths_read(struct mkipc_paths *p)
{
	p->direct = mkipc_debugfs_value(MKIPC_DEBUGFS_DIR "/stats", "direct");
	p->queued = mkipc_debugfs_value(MKIPC_DEBUGFS_DIR "/stats", "queued");
	return p->direct < 0 || p->queued < 0 ? -1 : 0;
}

/* @p becomes what happened since it was read; printed as one line. */
static inline int mkipc_paths_since(struct mkipc_paths *p, const char *what)
{
	struct mkipc_paths now;

	if (p->direct < 0 || mkipc_paths_read(&now))
		return -1;
	p->direct = now.direct - p->direct;
	p->queued = now.queued - p->queued;
	ksft_print_msg("%s: delivered direct=%ld queued=%ld\n", what,
		       p->direct, p->queued);
	return 0;
}

static inline long mkipc_live_endpoints(void)
{
	long n = mkipc_debugfs_value(MKIPC_DEBUGFS_DIR "/endpoints", "live");

	if (n < 0)
		n = mkipc_debugfs_value(MKIPC_DEBUGFS_DIR "/stats",
					"endpoints_live");
	return n;
}

/*
 * Waits up to @ms for the live endpoint count to drop to @want (an
 * endpoint's memory may go after an RCU grace period, or after a file
 * another process held is put); returns the last count seen.
 */
static inline long mkipc_wait_live_endpoints(long want, int ms)
{
	long n = mkipc_live_endpoints();

	while (n > want && ms > 0) {
		usleep(10000);
		ms -= 10;
		n = mkipc_live_endpoints();
	}
	return n;
}

/* failslab's debugfs knobs (fault-injection.rst), for the ENOMEM tests. */
#define MKIPC_FAILSLAB	"/sys/kernel/debug/failslab"

static inline int mkipc_failslab_set(const char *knob, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), MKIPC_FAILSLAB "/%s", knob);
	return mkipc_file_write(path, val);
}

/*
 * Whether failslab is there: 1; 0 if not, and a test may skip; -1 if not
 * although MKIPC_REQUIRE_FAULT=1 says the kernel must have it (the debug
 * lanes), and a test must fail.
 */
static inline int mkipc_failslab_present(void)
{
	const char *req = getenv("MKIPC_REQUIRE_FAULT");

	if (!access(MKIPC_FAILSLAB, F_OK))
		return 1;
	return req && *req == '1' ? -1 : 0;
}

/*
 * failslab armed but idle: every slab allocation of a thread that writes
 * 1 to its /proc/thread-self/make-it-fail may fail (GFP_KERNEL ones too),
 * quietly, once the caller sets a probability. 0, or -1 if a knob failed.
 */
static inline int mkipc_failslab_arm(void)
{
	static const char *const knobs[][2] = {
		{ "probability", "0" }, { "interval", "1" },
		{ "times", "-1" }, { "space", "0" },
		/* Thousands of injected failures would flood the log. */
		{ "verbose", "0" }, { "task-filter", "Y" },
		/* By default GFP_KERNEL allocations are spared. */
		{ "ignore-gfp-wait", "N" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(knobs); i++)
		if (mkipc_failslab_set(knobs[i][0], knobs[i][1]))
			return -1;
	return 0;
}

/* Joins thread @thr if it returns within @ms: 0, else -1 (it hangs). */
static inline int mkipc_join_ms(pthread_t thr, int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_timedjoin_np(thr, NULL, &ts) ? -1 : 0;
}

/*
 * The system call thread @tid of this process sleeps in, from /proc: its
 * number, or -1 if it is running or gone.
 */
static inline long mkipc_thread_sleeping_in(pid_t tid)
{
	char path[64], buf[256];
	char state = 0, *p;
	long nr = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');
		if (p && p[1])
			state = p[2];
	}
	fclose(f);
	if (state != 'S')
		return -1;
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &nr) != 1)
		nr = -1;
	fclose(f);
	return nr;
}

#endif /* _MKIPC_TEST_H */
