/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/spinlock.h>: an adaptive pthread mutex, not a
 * pthread spinlock; kcompat.h says why.
 */
#ifndef _KCOMPAT_LINUX_SPINLOCK_H
#define _KCOMPAT_LINUX_SPINLOCK_H

#include <pthread.h>

#include <linux/types.h>

typedef struct {
	pthread_mutex_t mutex;
} spinlock_t;

static inline void spin_lock_init(spinlock_t *lock)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
	pthread_mutex_init(&lock->mutex, &attr);
	pthread_mutexattr_destroy(&attr);
}

static inline void spin_lock(spinlock_t *lock)
{
	pthread_mutex_lock(&lock->mutex);
}

static inline void spin_unlock(spinlock_t *lock)
{
	pthread_mutex_unlock(&lock->mutex);
}

#endif /* _KCOMPAT_LINUX_SPINLOCK_H */
