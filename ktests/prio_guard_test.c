// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel test of mkipc_prio_critical() (prio_boost.h), debugfs
 * mkipc/prio_guard_test (root only): any write runs it from the writing
 * thread, which must run SCHED_NORMAL or SCHED_BATCH; it checks that the
 * block raises the thread to SCHED_FIFO 10 and that leaving it by return
 * and by break restores what the thread had. A read shows the result.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <uapi/linux/sched.h>

#include "ktests.h"
#include "prio_boost.h"

static int mkipc_guard_check(const struct mkipc_prio *want, char *res,
			     size_t len, const char *where)
{
	struct mkipc_prio now;

	mkipc_prio_current(&now);
	if (now.policy == want->policy && now.rt == want->rt &&
	    now.nice == want->nice)
		return 0;
	scnprintf(res, len, "FAIL %s: policy %u rt %u nice %d, want %u %u %d\n",
		  where, now.policy, now.rt, now.nice, want->policy, want->rt,
		  want->nice);
	return -EIO;
}

/* Leaves the guarded block by return: the guard must still act. */
static int mkipc_guard_early(const struct mkipc_prio *level,
			     const struct mkipc_prio *raised, char *res,
			     size_t len)
{
	mkipc_prio_critical(level) {
		return mkipc_guard_check(raised, res, len, "inside");
	}
	return -EINVAL;
}

static int mkipc_guard_test(char *cmd, char *res, size_t len)
{
	struct mkipc_prio base, raised, rt = { SCHED_FIFO, 10, 0 };
	int err, i;

	mkipc_prio_current(&base);
	if (base.policy != SCHED_NORMAL && base.policy != SCHED_BATCH)
		return -EINVAL;	/* run it from an ordinary thread */
	rt.nice = base.nice;
	raised = rt;
	for (i = 0; i < 2; i++) {
		err = mkipc_guard_early(&rt, &raised, res, len);
		if (err)
			return err;
		err = mkipc_guard_check(&base, res, len, "after return");
		if (err)
			return err;
	}
	err = -EINVAL;
	mkipc_prio_critical(&rt) {
		err = mkipc_guard_check(&raised, res, len, "in block");
		if (!err)
			break;
		err = -EIO;
	}
	if (err)
		return err;
	err = mkipc_guard_check(&base, res, len, "after break");
	if (err)
		return err;
	scnprintf(res, len,
		  "ok guard: SCHED_FIFO 10 inside, policy %u nice %d after return and break\n",
		  base.policy, base.nice);
	return 0;
}

static struct mkipc_job mkipc_guard_job =
	MKIPC_JOB_INIT(mkipc_guard_job, mkipc_guard_test);

void mkipc_prio_guard_test_init(struct dentry *dir)
{
	mkipc_debugfs_job(dir, "prio_guard_test", &mkipc_guard_job);
}
