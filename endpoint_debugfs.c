// SPDX-License-Identifier: GPL-2.0
/* debugfs mkipc/endpoints: one line per live endpoint (endpoint.h). */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "endpoint.h"
#include "endpoint_int.h"
#include "stats.h"
#include "usermem.h"

int mkipc_ep_live_count(void)
{
	return atomic_read(&mkipc_ep_live);
}

static int mkipc_eps_show(struct seq_file *s, void *unused)
{
	struct mkipc_ep *ep;

	seq_printf(s, "live %d\n", atomic_read(&mkipc_ep_live));
	seq_puts(s, "id creator queue waitq handoff max_msgs queued hwm dead sent received calls replies errors direct recycle abandoned user_bytes\n");
	mutex_lock(&mkipc_eps_lock);
	list_for_each_entry(ep, &mkipc_eps, node) {
		s64 n = atomic64_read(&ep->nmsgs);

		seq_printf(s, "%llu %d %s %s %s %u %u %d %d %ld %ld %ld %ld %ld %ld %d %u %lu\n",
			   ep->id, ep->creator,
			   (ep->flags & MKIPC_EP_QUEUE_SPIN) ? "spin" : "lfq",
			   (ep->flags & MKIPC_EP_WAITQ_STOCK) ?
			   "stock" : "owaitq",
			   ep->sync ? "sync" : "plain", ep->max_msgs,
			   mkipc_nqueued(n),
			   atomic_read(&ep->hwm), READ_ONCE(ep->dead),
			   atomic_long_read(&ep->cnt[MKIPC_EPS_SENT]),
			   atomic_long_read(&ep->cnt[MKIPC_EPS_RECEIVED]),
			   atomic_long_read(&ep->cnt[MKIPC_EPS_CALLS]),
			   atomic_long_read(&ep->cnt[MKIPC_EPS_REPLIES]),
			   atomic_long_read(&ep->cnt[MKIPC_EPS_ERRORS]),
			   atomic_long_read(&ep->cnt[MKIPC_EPS_DIRECT]),
			   ep->recycle, (u32)(n >> 32),
			   mkipc_user_bytes(ep->user));
	}
	mutex_unlock(&mkipc_eps_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mkipc_eps);

/* Root only: it shows which processes created endpoints. */
void mkipc_ep_debugfs_init(struct dentry *dir)
{
	debugfs_create_file("endpoints", 0400, dir, NULL, &mkipc_eps_fops);
}
