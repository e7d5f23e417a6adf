/* SPDX-License-Identifier: GPL-2.0 */
/*
 * debugfs: the mkipc directory (debugfs.c). It creates each unit's files
 * by calling that unit; no unit calls back into it.
 */
#ifndef _MKIPC_DEBUGFS_H
#define _MKIPC_DEBUGFS_H

void mkipc_debugfs_init(void);
void mkipc_debugfs_uninit(void);

struct dentry;
#ifdef MKIPC_TESTS
/* ktests/: the in-kernel tests' job files, in a build that has them. */
void mkipc_ktests_init(struct dentry *dir);
#else
static inline void mkipc_ktests_init(struct dentry *dir) { }
#endif

#endif /* _MKIPC_DEBUGFS_H */
