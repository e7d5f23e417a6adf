/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/rcupdate.h> on liburcu's memb flavour, with the
 * ThreadSanitizer grace-period annotation described in kcompat.h.
 */
#ifndef _KCOMPAT_LINUX_RCUPDATE_H
#define _KCOMPAT_LINUX_RCUPDATE_H

/*
 * Without URCU_API_MAP, <urcu/urcu-memb.h> ends by #undef-ing the generic
 * rcu_* names it maps, which leaves them to the definitions below.
 */
#include <assert.h>		/* static_assert */
#include <urcu/urcu-memb.h>	/* also struct rcu_head */

#include <kcompat.h>

/* The token every reader releases into; see kcompat.h. */
extern char kcompat_rcu_gp;

static inline void rcu_read_lock(void)
{
	urcu_memb_read_lock();
}

static inline void rcu_read_unlock(void)
{
	/*
	 * Before the unlock: a grace period may end, and the callback acquire
	 * the token, as soon as this reader is out.
	 */
	kcompat_tsan_release(&kcompat_rcu_gp);
	urcu_memb_read_unlock();
}

/* Waits for every callback queued so far; kcompat.h says why it ignores. */
static inline void rcu_barrier(void)
{
	kcompat_tsan_ignore_thread_begin();
	urcu_memb_barrier();
	kcompat_tsan_ignore_thread_end();
}

/*
 * liburcu calls a callback with the rcu_head only, so the offset of the
 * rcu_head in its container picks the callback: one per pointer-aligned
 * offset below KCOMPAT_RCU_MAX_OFFSET (kcompat.c), checked at compile time.
 */
#define KCOMPAT_RCU_SLOTS	16
#define KCOMPAT_RCU_MAX_OFFSET	(KCOMPAT_RCU_SLOTS * sizeof(void *))

typedef void (*kcompat_rcu_cb_t)(struct rcu_head *head);
extern const kcompat_rcu_cb_t kcompat_rcu_free_cb[KCOMPAT_RCU_SLOTS];

/* Frees the object holding @ptr->@field after a grace period. */
#define kfree_rcu(ptr, field)						\
do {									\
	static_assert(offsetof(__typeof__(*(ptr)), field) %		\
		       sizeof(void *) == 0 &&				\
		       offsetof(__typeof__(*(ptr)), field) <		\
		       KCOMPAT_RCU_MAX_OFFSET,				\
		       "kfree_rcu: rcu_head offset not supported");	\
	urcu_memb_call_rcu(&(ptr)->field,				\
			   kcompat_rcu_free_cb[offsetof(__typeof__(*(ptr)), \
							field) /	\
					       sizeof(void *)]);	\
} while (0)

#endif /* _KCOMPAT_LINUX_RCUPDATE_H */
