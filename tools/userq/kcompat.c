// SPDX-License-Identifier: GPL-2.0
/*
 * The out-of-line part of the kernel shims in include/: the RCU token
 * readers release into, and the kfree_rcu() callbacks that acquire it and
 * free the container. See include/kcompat.h.
 */
#include <linux/rcupdate.h>

char kcompat_rcu_gp;

/*
 * Runs in liburcu's call_rcu thread after a grace period: every reader
 * that could have held the object released into the token before leaving
 * its read-side section, so acquiring it orders their accesses before the
 * free (for TSan; liburcu's own ordering is invisible to it).
 */
static void kcompat_rcu_free(struct rcu_head *head, size_t offset)
{
	kcompat_tsan_acquire(&kcompat_rcu_gp);
	free((char *)head - offset);
}

#define KCOMPAT_RCU_FREE_CB(n)						\
static void kcompat_rcu_free_##n(struct rcu_head *head)		\
{									\
	kcompat_rcu_free(head, (n) * sizeof(void *));			\
}

KCOMPAT_RCU_FREE_CB(0)
KCOMPAT_RCU_FREE_CB(1)
KCOMPAT_RCU_FREE_CB(2)
KCOMPAT_RCU_FREE_CB(3)
KCOMPAT_RCU_FREE_CB(4)
KCOMPAT_RCU_FREE_CB(5)
KCOMPAT_RCU_FREE_CB(6)
KCOMPAT_RCU_FREE_CB(7)
KCOMPAT_RCU_FREE_CB(8)
KCOMPAT_RCU_FREE_CB(9)
KCOMPAT_RCU_FREE_CB(10)
KCOMPAT_RCU_FREE_CB(11)
KCOMPAT_RCU_FREE_CB(12)
KCOMPAT_RCU_FREE_CB(13)
KCOMPAT_RCU_FREE_CB(14)
KCOMPAT_RCU_FREE_CB(15)

const kcompat_rcu_cb_t kcompat_rcu_free_cb[KCOMPAT_RCU_SLOTS] = {
	kcompat_rcu_free_0, kcompat_rcu_free_1, kcompat_rcu_free_2,
	kcompat_rcu_free_3, kcompat_rcu_free_4, kcompat_rcu_free_5,
	kcompat_rcu_free_6, kcompat_rcu_free_7, kcompat_rcu_free_8,
	kcompat_rcu_free_9, kcompat_rcu_free_10, kcompat_rcu_free_11,
	kcompat_rcu_free_12, kcompat_rcu_free_13, kcompat_rcu_free_14,
	kcompat_rcu_free_15,
};
