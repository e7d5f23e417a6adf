// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc(tool): the small helpers every subcommand uses: error messages,
 * option numbers, directory listings, descriptors, the CPUs of a
 * two-sided benchmark, and the scheduling calls of libmkipc's
 * mkipc_util.h with the tool's error messages.
 */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mkipc_util.h"
#include "mkipc.h"

const char *err_name = "mkipc";

__printf(1, 2) void err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", err_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Parses a decimal number in [min, max] for option @opt. */
int parse_ulong(const char *opt, const char *s, unsigned long min,
		unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max) {
		err("--%s: want a number from %lu to %lu, not '%s'", opt, min,
		    max, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* Parses a decimal number, perhaps negative, in [min, max]. */
int parse_long(const char *opt, const char *s, long min, long max,
	       long *out)
{
	long v;
	char *end;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		err("--%s: want a number from %ld to %ld, not '%s'", opt, min,
		    max, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

/*
 * The names of the entries of @path (no dot files), sorted; NULL and
 * *@n = 0 when it cannot be read (errno says why). The caller frees each
 * name and the array.
 */
char **list_dir(const char *path, size_t *n)
{
	char **names = NULL, **nn;
	size_t cap = 0;
	struct dirent *d;
	DIR *dir;

	*n = 0;
	dir = opendir(path);
	if (!dir)
		return NULL;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn)
				break;
			names = nn;
		}
		names[*n] = strdup(d->d_name);
		if (names[*n])
			(*n)++;
	}
	closedir(dir);
	if (*n)
		qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

void free_list(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* --cpus's word: one, two or any. */
int parse_cpus(const char *s, const char **out)
{
	if (strcmp(s, "one") && strcmp(s, "two") && strcmp(s, "any")) {
		err("--cpus: one, two or any, not '%s'", s);
		return -1;
	}
	*out = s;
	return 0;
}

/*
 * --cpus @cpus against the CPUs we were started on (*@allowed): "one",
 * both sides on the first; "two", the client on the first and the server
 * on the second; "any", neither pinned. @want_a, @want_b (>= 0) then
 * override the client's and the server's.
 */
int pick_cpus(const char *cpus, long want_a, long want_b, int *cpu_a,
	      int *cpu_b, cpu_set_t *allowed)
{
	int first, second;

	if (allowed_cpus(allowed, &first, &second))
		return -1;
	*cpu_a = -1;
	*cpu_b = -1;
	if (!strcmp(cpus, "one")) {
		*cpu_a = first;
		*cpu_b = first;
	} else if (!strcmp(cpus, "two")) {
		if (second < 0 && (want_a < 0 || want_b < 0)) {
			err("--cpus two: only CPU %d is available", first);
			return -1;
		}
		*cpu_a = first;
		*cpu_b = second;
	}
	if (want_a >= 0)
		*cpu_a = want_a;
	if (want_b >= 0)
		*cpu_b = want_b;
	if (*cpu_a >= 0 && !CPU_ISSET(*cpu_a, allowed)) {
		err("CPU %d (client) is not available to this process",
		    *cpu_a);
		return -1;
	}
	if (*cpu_b >= 0 && !CPU_ISSET(*cpu_b, allowed)) {
		err("CPU %d (server) is not available to this process",
		    *cpu_b);
		return -1;
	}
	return 0;
}

/* Pins the calling thread to @cpu (< 0: leaves it); says why not. */
int pin_cpu(int cpu)
{
	int ret;

	if (cpu < 0)
		return 0;
	ret = mkipc_pin_cpu(cpu);
	if (ret)
		err("cannot pin to CPU %d: %s", cpu, strerror(-ret));
	return ret ? -1 : 0;
}

/* The calling thread's policy, priority and nice; says why not. */
int set_sched(int policy, int prio, int nice)
{
	struct mkipc_sched s = {
		.policy = policy, .prio = prio, .nice = nice,
	};
	int ret;

	ret = mkipc_sched_set(0, &s);
	if (ret)
		err("sched_setattr(%s %d, nice %d): %s%s",
		    mkipc_policy_name(policy), prio, nice, strerror(-ret),
		    ret == -EPERM || ret == -EACCES ?
		    " (root or CAP_SYS_NICE needed)" : "");
	return ret ? -1 : 0;
}

/*
 * A thread running @fn(@arg) on @cpu under @policy at @prio from its
 * first instruction (its nice level it sets itself: pthreads has none).
 */
int start_thread(pthread_t *t, void *(*fn)(void *), void *arg,
		 int policy, int prio, int cpu)
{
	int ret;

	ret = mkipc_thread_create(t, fn, arg, policy, prio, cpu);
	if (ret)
		err("pthread_create (%s %d on CPU %d): %s%s",
		    mkipc_policy_name(policy), prio, cpu, strerror(-ret),
		    ret == -EPERM ? " (root or CAP_SYS_NICE needed)" : "");
	return ret ? -1 : 0;
}

/* The CPUs we may use, and the first two of them (-1: none). */
int allowed_cpus(cpu_set_t *allowed, int *first, int *second)
{
	int cpu;

	*first = -1;
	*second = -1;
	if (sched_getaffinity(0, sizeof(*allowed), allowed)) {
		err("sched_getaffinity: %s", strerror(errno));
		return -1;
	}
	for (cpu = 0; cpu < CPU_SETSIZE && *second < 0; cpu++) {
		if (!CPU_ISSET(cpu, allowed))
			continue;
		if (*first < 0)
			*first = cpu;
		else
			*second = cpu;
	}
	return 0;
}
