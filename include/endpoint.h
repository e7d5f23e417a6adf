/* SPDX-License-Identifier: GPL-2.0 */
/*
 * endpoint: endpoints and their message operations (endpoint.c). The
 * user-visible rules are in include/uapi/linux/mkipc.h; endpoint.c says how
 * they are kept, its locks included.
 */
#ifndef _MKIPC_ENDPOINT_H
#define _MKIPC_ENDPOINT_H

#include <linux/compiler_types.h>
#include <linux/types.h>

/* MKIPC_IOC_EP_CREATE on /dev/mkipc: the new endpoint's descriptor. */
long mkipc_ep_create(void __user *uarg);
int mkipc_ep_init(void);
void mkipc_ep_uninit(void);
/* Whether a call whose taker thread exits fails (MKIPC_FEAT_TAKER_EXIT). */
bool mkipc_ep_taker_exit_seen(void);
/* Whether a stop lets a call wait on (MKIPC_FEAT_STOP_RESUME). */
bool mkipc_ep_stop_resumes(void);
int mkipc_ep_live_count(void);

struct dentry;
/* debugfs @dir/endpoints: one line per live endpoint. */
void mkipc_ep_debugfs_init(struct dentry *dir);

#endif /* _MKIPC_ENDPOINT_H */
