// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc_util: module parameters, scheduling settings, pinning, small
 * files and the clock, for the mkipc tool and the selftests. See
 * mkipc_util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/types.h>

#include "mkipc_util.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#ifndef SCHED_FLAG_RESET_ON_FORK
#define SCHED_FLAG_RESET_ON_FORK	0x01
#endif

uint64_t mkipc_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return mkipc_ts_ns(&ts);
}

/* ---- small files ---- */

char *mkipc_strip(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/*
 * Reads from @fd into @buf until @len bytes or the end of the file: how
 * many it read, or -errno.
 */
static ssize_t mkipc_read_fd(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

long mkipc_file_read_all(const char *path, char **out)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *nbuf;
	ssize_t n;
	int fd, e;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = -errno;
		free(buf);
		return e;
	}
	/* Until a read stops short of the room left, the NUL's byte kept. */
	for (;;) {
		n = mkipc_read_fd(fd, buf + len, cap - len - 1);
		if (n < 0) {
			e = n;
			goto err_read;
		}
		len += n;
		if (len < cap - 1)
			break;
		nbuf = realloc(buf, cap * 2);
		if (!nbuf) {
			e = -ENOMEM;
			goto err_read;
		}
		buf = nbuf;
		cap *= 2;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	return len;

err_read:
	close(fd);
	free(buf);
	return e;
}

int mkipc_file_read(const char *path, char *buf, size_t size)
{
	char more;
	ssize_t n;
	int fd, e = 0;

	if (!size)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = mkipc_read_fd(fd, buf, size - 1);
	if (n < 0) {
		e = n;
		goto out;
	}
	buf[n] = '\0';
	/* Full: is that all of it? (Blanks past the end would be cut.) */
	if ((size_t)n == size - 1) {
		n = mkipc_read_fd(fd, &more, 1);
		if (n < 0)
			e = n;
		else if (n && more != '\n' && more != ' ' && more != '\t')
			e = -EOVERFLOW;
	}
out:
	close(fd);
	if (e)
		buf[0] = '\0';
	else
		mkipc_strip(buf);
	return e;
}

int mkipc_file_read_long(const char *path, long *val)
{
	char buf[32], *end;
	long v;
	int ret;

	ret = mkipc_file_read(path, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || *end)
		return -EINVAL;
	*val = v;
	return 0;
}

/* Writes @len bytes of @val to @path at once. Async-signal-safe. */
static int mkipc_write_len(const char *path, const char *val, size_t len)
{
	ssize_t n;
	int fd, e = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		e = -errno;
	else if ((size_t)n != len)
		e = -EIO;
	close(fd);
	return e;
}

int mkipc_file_write(const char *path, const char *val)
{
	return mkipc_write_len(path, val, strlen(val));
}

/* ---- module parameters, and putting things back ---- */

/* MKIPC_PARAM_DIR/@name into @buf: 0 or -ENAMETOOLONG. */
static int mkipc_param_path(const char *name, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", MKIPC_PARAM_DIR, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int mkipc_param_read(const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];
	int ret;

	ret = mkipc_param_path(name, path, sizeof(path));
	if (ret)
		return ret;
	return mkipc_file_read(path, buf, size);
}

int mkipc_param_write(const char *name, const char *val)
{
	char path[PATH_MAX];
	int ret;

	ret = mkipc_param_path(name, path, sizeof(path));
	if (ret)
		return ret;
	return mkipc_file_write(path, val);
}

struct mkipc_saved {
	char path[128];
	char val[MKIPC_SAVED_VALLEN];
	size_t len;
};

/*
 * The saved values. A save fills mkipc_saved[mkipc_nsaved] before it
 * stores the count one higher (release), and a restore reads the count
 * (acquire) before the entries below it: a signal handler's restore sees
 * only whole entries, whatever it interrupted.
 */
static struct mkipc_saved mkipc_saved[MKIPC_SAVED_MAX];
static int mkipc_nsaved;

int mkipc_file_save(const char *path)
{
	int i, n = __atomic_load_n(&mkipc_nsaved, __ATOMIC_RELAXED);
	struct mkipc_saved *s;
	int ret;

	for (i = 0; i < n; i++)
		if (!strcmp(mkipc_saved[i].path, path))
			return 0;
	if (n == MKIPC_SAVED_MAX)
		return -ENOSPC;
	s = &mkipc_saved[n];
	if (strlen(path) >= sizeof(s->path))
		return -ENAMETOOLONG;
	strcpy(s->path, path);
	ret = mkipc_file_read(path, s->val, sizeof(s->val));
	if (ret)
		return ret;
	s->len = strlen(s->val);
	__atomic_store_n(&mkipc_nsaved, n + 1, __ATOMIC_RELEASE);
	return 0;
}

int mkipc_param_save(const char *name)
{
	char path[PATH_MAX];
	int ret;

	ret = mkipc_param_path(name, path, sizeof(path));
	if (ret)
		return ret;
	return mkipc_file_save(path);
}

void mkipc_param_restore_all(void)
{
	int i, e = errno;

	for (i = __atomic_load_n(&mkipc_nsaved, __ATOMIC_ACQUIRE) - 1;
	     i >= 0; i--)
		mkipc_write_len(mkipc_saved[i].path, mkipc_saved[i].val,
				mkipc_saved[i].len);
	__atomic_store_n(&mkipc_nsaved, 0, __ATOMIC_RELAXED);
	errno = e;
}

/* SA_RESETHAND: the signal, raised again, then ends the process. */
static void mkipc_restore_signal(int sig)
{
	mkipc_param_restore_all();
	raise(sig);
}

int mkipc_param_restore_on_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = mkipc_restore_signal;
	sa.sa_flags = SA_RESETHAND;
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		if (sigaction(sigs[i], &sa, NULL))
			return -errno;
	return 0;
}

/* ---- scheduling ---- */

/* sched_setattr(2)'s structure, first version (glibc may lack it). */
struct mkipc_sched_attr {
	__u32 size;
	__u32 sched_policy;
	__u64 sched_flags;
	__s32 sched_nice;
	__u32 sched_priority;
	__u64 sched_runtime;
	__u64 sched_deadline;
	__u64 sched_period;
};

int mkipc_sched_get(pid_t tid, struct mkipc_sched *s)
{
	struct mkipc_sched_attr a;

	memset(&a, 0, sizeof(a));
	if (syscall(SYS_sched_getattr, tid, &a, sizeof(a), 0))
		return -errno;
	s->policy = a.sched_policy & ~SCHED_RESET_ON_FORK;
	s->prio = a.sched_priority;
	s->nice = a.sched_nice;
	s->reset_on_fork = a.sched_flags & SCHED_FLAG_RESET_ON_FORK;
	return 0;
}

/* Whether @policy weighs threads by their nice level. */
static bool mkipc_fair_policy(int policy)
{
	return policy == SCHED_OTHER || policy == SCHED_BATCH ||
	       policy == SCHED_IDLE;
}

int mkipc_sched_set(pid_t tid, const struct mkipc_sched *s)
{
	bool fair = mkipc_fair_policy(s->policy);
	struct mkipc_sched_attr a;
	int nice;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.sched_policy = s->policy;
	a.sched_priority = s->prio;
	if (s->reset_on_fork)
		a.sched_flags = SCHED_FLAG_RESET_ON_FORK;
	if (fair) {
		a.sched_nice = s->nice;
		if (s->nice == MKIPC_NICE_KEEP) {
			/* what sched_getattr() reads 0 under real-time */
			errno = 0;
			nice = getpriority(PRIO_PROCESS, tid);
			if (nice == -1 && errno)
				return -errno;
			a.sched_nice = nice;
		}
	}
	if (syscall(SYS_sched_setattr, tid, &a, 0))
		return -errno;
	/* A real-time policy ignores sched_nice: set the nice level apart. */
	if (!fair && s->nice != MKIPC_NICE_KEEP &&
	    setpriority(PRIO_PROCESS, tid, s->nice))
		return -errno;
	return 0;
}

const char *mkipc_policy_name(int policy)
{
	switch (policy) {
	case SCHED_OTHER:
		return "SCHED_OTHER";
	case SCHED_FIFO:
		return "SCHED_FIFO";
	case SCHED_RR:
		return "SCHED_RR";
	case SCHED_BATCH:
		return "SCHED_BATCH";
	case SCHED_IDLE:
		return "SCHED_IDLE";
#ifdef SCHED_DEADLINE
	case SCHED_DEADLINE:
		return "SCHED_DEADLINE";
#endif
	default:
		return "SCHED_?";
	}
}

int mkipc_pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return -EINVAL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

int mkipc_thread_create(pthread_t *t, void *(*fn)(void *), void *arg,
			int policy, int prio, int cpu)
{
	struct sched_param sp = { .sched_priority = prio };
	pthread_attr_t attr;
	cpu_set_t set;
	int ret;

	if (cpu >= CPU_SETSIZE)
		return -EINVAL;
	ret = pthread_attr_init(&attr);
	if (ret)
		return -ret;
	ret = pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	if (!ret)
		ret = pthread_attr_setschedpolicy(&attr, policy);
	if (!ret)
		ret = pthread_attr_setschedparam(&attr, &sp);
	if (!ret && cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		ret = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	if (!ret)
		ret = pthread_create(t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return -ret;
}
