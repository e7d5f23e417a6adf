/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/atomic.h>: atomic_t and cmpxchg() on __atomic
 * builtins. The ordering each one gets, and why, is in kcompat.h.
 */
#ifndef _KCOMPAT_LINUX_ATOMIC_H
#define _KCOMPAT_LINUX_ATOMIC_H

#include <linux/types.h>

typedef struct {
	int counter;
} atomic_t;

static inline int atomic_read(const atomic_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}

static inline void atomic_set(atomic_t *v, int i)
{
	__atomic_store_n(&v->counter, i, __ATOMIC_RELAXED);
}

static inline int atomic_inc_return_relaxed(atomic_t *v)
{
	return __atomic_add_fetch(&v->counter, 1, __ATOMIC_RELAXED);
}

static inline void atomic_inc(atomic_t *v)
{
	__atomic_add_fetch(&v->counter, 1, __ATOMIC_RELAXED);
}

static inline void atomic_dec(atomic_t *v)
{
	__atomic_sub_fetch(&v->counter, 1, __ATOMIC_RELAXED);
}

/*
 * atomic64_t: reads acquire (the kernel's are READ_ONCE, whose address
 * dependency orders what lfqueue.c reads through an index; acquire is the
 * portable spelling of that), plain stores relaxed, read-modify-writes
 * fully ordered, as the kernel's value-returning ones are.
 */
typedef struct {
	long long counter;
} atomic64_t;

static inline long long atomic64_read(const atomic64_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_ACQUIRE);
}

static inline long long atomic64_read_acquire(const atomic64_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_ACQUIRE);
}

static inline void atomic64_set(atomic64_t *v, long long i)
{
	__atomic_store_n(&v->counter, i, __ATOMIC_RELAXED);
}

static inline bool atomic64_try_cmpxchg(atomic64_t *v, u64 *old, u64 new)
{
	return __atomic_compare_exchange_n(&v->counter, (long long *)old,
					   new, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

static inline long long atomic64_cmpxchg(atomic64_t *v, long long old,
					 long long new)
{
	__atomic_compare_exchange_n(&v->counter, &old, new, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return old;
}

static inline long long atomic64_inc_return_relaxed(atomic64_t *v)
{
	return __atomic_add_fetch(&v->counter, 1, __ATOMIC_RELAXED);
}

static inline void atomic64_inc(atomic64_t *v)
{
	__atomic_add_fetch(&v->counter, 1, __ATOMIC_RELAXED);
}

static inline void atomic64_dec(atomic64_t *v)
{
	__atomic_sub_fetch(&v->counter, 1, __ATOMIC_RELAXED);
}

/* Fully ordered; the value *ptr held before, whether or not it stored. */
#define cmpxchg(ptr, old, new)						\
({									\
	__typeof__(*(ptr)) __kc_old = (old);				\
									\
	__atomic_compare_exchange_n((ptr), &__kc_old, (new), false,	\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
	__kc_old;							\
})

#endif /* _KCOMPAT_LINUX_ATOMIC_H */
