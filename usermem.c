// SPDX-License-Identifier: GPL-2.0
/*
 * Per-user memory: what the endpoints a user created hold, bounded by the
 * module parameter user_mem_max_kb, as pipe-user-pages-hard bounds pipe
 * buffers and RLIMIT_MSGQUEUE message queues.
 *
 * What counts, charged to the endpoint's creator (its real uid) like a
 * pipe's buffers or a POSIX message queue: the endpoint and its queue's
 * nodes, from its creation to its free, and every message record it
 * holds, from its allocation to its free (a small record kept for reuse
 * stays charged while kept), at the slab size the allocator rounds it
 * to. A message record is allocated only when no spare is at hand: a
 * steady exchange charges nothing. An endpoint whose creator had
 * CAP_SYS_RESOURCE or CAP_SYS_ADMIN is not counted at all.
 *
 * A charge that would take the user past the limit fails, and so does
 * what needed it (ENOBUFS, see the uapi header); charges are added first
 * and taken back on failure, so the settled total never exceeds the limit
 * and a race only fails a charge that would have fit a moment later.
 *
 * Owners: the table holds each user while any endpoint of theirs does
 * (one reference per endpoint); the last put erases it under the table's
 * lock, which lookups take too, and frees it after.
 *
 * Locking. xa_lock(&mkipc_users), the xarray's own spinlock, not
 * irq-safe, guards the table and a user's ->ref going to 0: a lookup
 * takes its reference under it, and only under it does the last one go.
 * Process context: mkipc_user_get() and mkipc_user_put(), at an
 * endpoint's creation and free (endpoint.c, with no lock held: the free
 * puts the user after it let go of mkipc_eps_lock). A leaf: nothing is
 * taken and nothing sleeps under it (__xa_cmpxchg() lets go of it to
 * allocate). ->bytes needs no lock: an atomic count, added first and
 * taken back on failure. On PREEMPT_RT it is a sleeping lock, taken only
 * where the thread may sleep.
 */
#include <linux/cred.h>
#include <linux/moduleparam.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

#include "params.h"
#include "usermem.h"

struct mkipc_user {
	atomic_long_t bytes;		/* charged now */
	refcount_t ref;			/* endpoints */
	u32 uid;			/* the key, a kuid's value */
};

static DEFINE_XARRAY(mkipc_users);

static unsigned int mkipc_user_mem_max_kb = 64 * 1024;
module_param_cb(user_mem_max_kb, &mkipc_param_uint_ops,
		&mkipc_user_mem_max_kb, 0644);
MODULE_PARM_DESC(user_mem_max_kb,
		 "Most KiB the endpoints one unprivileged user created may hold, 0 for no limit (default: 65536)");

/*
 * The calling task's user, with a reference for a new endpoint; NULL for
 * a privileged creator (nothing counted); ERR_PTR(-ENOMEM).
 */
struct mkipc_user *mkipc_user_get(void)
{
	u32 uid = __kuid_val(current_uid());
	struct mkipc_user *u, *old;

	if (capable(CAP_SYS_RESOURCE) || capable(CAP_SYS_ADMIN))
		return NULL;
	xa_lock(&mkipc_users);
	u = xa_load(&mkipc_users, uid);
	if (u)
		refcount_inc(&u->ref);
	xa_unlock(&mkipc_users);
	if (u)
		return u;

	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u)
		return ERR_PTR(-ENOMEM);
	refcount_set(&u->ref, 1);
	u->uid = uid;
	xa_lock(&mkipc_users);
	old = __xa_cmpxchg(&mkipc_users, uid, NULL, u, GFP_KERNEL_ACCOUNT);
	if (old && !xa_is_err(old))
		refcount_inc(&old->ref);	/* another creator was first */
	xa_unlock(&mkipc_users);
	if (old) {
		kfree(u);
		return xa_is_err(old) ? ERR_PTR(xa_err(old)) : old;
	}
	return u;
}

void mkipc_user_put(struct mkipc_user *u)
{
	bool last;

	/* To 0 only under the lock that lookups take. */
	if (!u || refcount_dec_not_one(&u->ref))
		return;
	xa_lock(&mkipc_users);
	last = refcount_dec_and_test(&u->ref);
	if (last)
		__xa_erase(&mkipc_users, u->uid);
	xa_unlock(&mkipc_users);
	if (!last)
		return;
	WARN_ON_ONCE(atomic_long_read(&u->bytes));
	kfree(u);
}

/* Charges @bytes to @u (none if NULL): false if that would pass the limit. */
bool mkipc_user_charge(struct mkipc_user *u, size_t bytes)
{
	unsigned long max = (unsigned long)READ_ONCE(mkipc_user_mem_max_kb) << 10;

	if (!u)
		return true;
	/* Relaxed: a count, ordering nothing else. */
	if (atomic_long_add_return_relaxed(bytes, &u->bytes) > max && max) {
		atomic_long_sub(bytes, &u->bytes);
		return false;
	}
	return true;
}

void mkipc_user_uncharge(struct mkipc_user *u, size_t bytes)
{
	if (u)
		atomic_long_sub(bytes, &u->bytes);
}

/* What @u has charged now, for debugfs; 0 for NULL. */
unsigned long mkipc_user_bytes(struct mkipc_user *u)
{
	return u ? atomic_long_read(&u->bytes) : 0;
}

void mkipc_user_uninit(void)
{
	/* Every endpoint is gone before the module unloads. */
	WARN_ON_ONCE(!xa_empty(&mkipc_users));
	xa_destroy(&mkipc_users);
}
