// SPDX-License-Identifier: GPL-2.0
/* The one entry point debugfs.c calls to create the tests' job files. */
#include "debugfs.h"
#include "ktests.h"

void mkipc_ktests_init(struct dentry *dir)
{
	mkipc_lfqueue_test_init(dir);
	mkipc_owaitq_test_init(dir);
	mkipc_prio_guard_test_init(dir);
}
