/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel tests and benchmarks, built only with MKIPC_TESTS=y (the
 * check and bench targets set it; `make`, `make install` and DKMS do not).
 * Each is a debugfs job file, root only: a write of a command line runs
 * the job and returns when it is over (one job at a time per file; a
 * failed job's errno is the write's); a read shows the one-line result the
 * last job left. They reach the units only through the units' headers.
 */
#ifndef _MKIPC_KTESTS_H
#define _MKIPC_KTESTS_H

#include <linux/mutex.h>
#include <linux/types.h>

#define MKIPC_JOB_RESULT_LEN	640

struct mkipc_job {
	struct mutex lock;		/* one job at a time */
	int (*run)(char *cmd, char *result, size_t len);
	char result[MKIPC_JOB_RESULT_LEN];
};

#define MKIPC_JOB_INIT(name, fn) {					\
	.lock = __MUTEX_INITIALIZER(name.lock),				\
	.run = fn,							\
	.result = "no job run yet\n",					\
}

struct dentry;
void mkipc_debugfs_job(struct dentry *dir, const char *name,
		       struct mkipc_job *job);

/* lfqueue_test.c: the queue stress test, debugfs mkipc/queue_stress. */
void mkipc_lfqueue_test_init(struct dentry *dir);
/* owaitq_test.c: the wait queue tests and benchmarks, mkipc/waitq_test. */
void mkipc_owaitq_test_init(struct dentry *dir);
/* prio_guard_test.c: mkipc_prio_critical(), mkipc/prio_guard_test. */
#ifdef MKIPC_PRIO
void mkipc_prio_guard_test_init(struct dentry *dir);
#else
static inline void mkipc_prio_guard_test_init(struct dentry *dir) { }
#endif

#endif /* _MKIPC_KTESTS_H */
