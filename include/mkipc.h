/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkipc internal interfaces between the module's units.
 *
 * Each unit has an init/uninit pair called from mkipc_main.c in order and
 * unwound in reverse; every non-static symbol carries the mkipc_ prefix.
 */
#ifndef _MKIPC_H
#define _MKIPC_H

#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/types.h>

/* stats.c: counters, summed over CPUs and shown in debugfs. */
enum mkipc_stat {
	MKIPC_STAT_OPEN,		/* successful opens of /dev/mkipc */
	MKIPC_STAT_RELEASE,		/* last closes of /dev/mkipc files */
	MKIPC_STAT_IOCTL,		/* ioctl calls, any outcome */
	MKIPC_STAT_ERR_NOTTY,		/* ioctls failed with ENOTTY */
	MKIPC_STAT_ERR_FAULT,		/* ioctls failed with EFAULT */
	MKIPC_STAT_WAKE_FAST,		/* owaitq wake-ups that found no sleeper */
	MKIPC_STAT_WAKE_LOCKED,		/* owaitq wake-ups that took the lock */
	MKIPC_STAT_EP_CREATED,		/* endpoints created */
	MKIPC_STAT_EP_DESTROYED,	/* endpoints freed */
	MKIPC_STAT_SENT,		/* messages sent (MKIPC_IOC_SEND) */
	MKIPC_STAT_RECEIVED,		/* messages and requests received */
	MKIPC_STAT_CALLS,		/* calls whose request was queued */
	MKIPC_STAT_REPLIES,		/* replies delivered to their caller */
	MKIPC_STAT_CALLS_ABANDONED,	/* calls given up after a server took them */
	MKIPC_STAT_CALLS_ORPHANED,	/* calls failed: the thread that took them exited */
	MKIPC_STAT_CALLS_PARKED,	/* calls kept across an interrupted wait */
	MKIPC_STAT_CALLS_RESUMED,	/* ... waited on for by the ioctl run again */
	MKIPC_STAT_ERR_AGAIN,		/* ioctls failed with EAGAIN ... */
	MKIPC_STAT_ERR_TIMEDOUT,
	MKIPC_STAT_ERR_INTR,		/* EINTR, or restarted (ERESTARTSYS) */
	MKIPC_STAT_ERR_PIPE,
	MKIPC_STAT_ERR_MSGSIZE,
	MKIPC_STAT_ERR_SRCH,
	MKIPC_STAT_ERR_NOENT,
	MKIPC_STAT_ERR_INVAL,
	MKIPC_STAT_ERR_BADF,
	MKIPC_STAT_ERR_NOMEM,
	MKIPC_STAT_ERR_OTHER,		/* any other errno */
	MKIPC_STAT_PRIO_RAISE,		/* inheritance changes applied */
	MKIPC_STAT_PRIO_RESTORE,	/* restores after inheritance */
	MKIPC_STAT_PRIO_EXTERNAL,	/* a raised thread changed by another */
	MKIPC_STAT_PRIO_REFUSED,	/* ... to what it had no right to */
	MKIPC_STAT_BOOSTS,		/* completion boosts */
	MKIPC_STAT_BOOST_DECAYS,	/* completion boosts ended */
	MKIPC_STAT_BOOST_LIMITED,	/* completion boosts refused: budget */
	MKIPC_STAT_DIRECT,		/* messages handed to a waiting receiver */
	MKIPC_STAT_QUEUED,		/* messages that went through the queue */
	MKIPC_STAT_NR
};

struct mkipc_stats {
	unsigned long cnt[MKIPC_STAT_NR];
};

DECLARE_PER_CPU(struct mkipc_stats, mkipc_counters);
extern bool mkipc_stats_enabled;

/* Cheap enough for any path: a per-CPU increment, no atomics, no sharing. */
static inline void mkipc_stat_inc(enum mkipc_stat stat)
{
	if (mkipc_stats_enabled)
		this_cpu_inc(mkipc_counters.cnt[stat]);
}

/* Counts a failed ioctl under its errno. */
void mkipc_stat_err(long err);

void mkipc_debugfs_init(void);
void mkipc_debugfs_uninit(void);
bool mkipc_stats_available(void);

/*
 * A debugfs job file (stats.c), for the in-kernel tests and benchmarks:
 * a write of a command line runs @run on it and returns when it is over
 * (one job at a time; a failed job's errno is the write's); a read shows
 * the one-line result the last job left in @result.
 */
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

/* lfqueue_test.c: the queue stress test, a file in debugfs. */
void mkipc_lfqueue_test_init(struct dentry *dir);
/* owaitq_test.c: the wait queue tests and benchmarks, in debugfs. */
void mkipc_owaitq_test_init(struct dentry *dir);

/* chardev.c: the /dev/mkipc misc device and its ioctls. */
int mkipc_chardev_init(void);
void mkipc_chardev_uninit(void);

/* endpoint.c: endpoints and their message operations. */
long mkipc_ep_create(void __user *uarg);
int mkipc_ep_init(void);
void mkipc_ep_uninit(void);
/* Whether a call whose taker thread exits fails (MKIPC_FEAT_TAKER_EXIT). */
bool mkipc_ep_taker_exit_seen(void);
/* Whether a stop lets a call wait on (MKIPC_FEAT_STOP_RESUME). */
bool mkipc_ep_stop_resumes(void);
int mkipc_ep_live_count(void);
void mkipc_ep_debugfs_init(struct dentry *dir);

/* usermem.c: what each unprivileged user's endpoints hold, bounded. */
struct mkipc_user;
struct mkipc_user *mkipc_user_get(void);
void mkipc_user_put(struct mkipc_user *u);
bool mkipc_user_charge(struct mkipc_user *u, size_t bytes);
void mkipc_user_uncharge(struct mkipc_user *u, size_t bytes);
unsigned long mkipc_user_bytes(struct mkipc_user *u);
void mkipc_user_uninit(void);

/* params.c: synchronous hand-off on calls, module parameter "handoff". */
bool mkipc_handoff_default_sync(void);
/* Module parameter "direct": direct transfer on new endpoints. */
bool mkipc_direct_default(void);
/* Module parameter "recycle": spare records and call slots on new endpoints. */
bool mkipc_recycle_default(void);

/* params.c: bool and uint parameter ops whose store is WRITE_ONCE(). */
extern const struct kernel_param_ops mkipc_param_bool_ops;
extern const struct kernel_param_ops mkipc_param_uint_ops;

#endif /* _MKIPC_H */
