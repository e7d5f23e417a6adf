/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcompat: just enough of the kernel API, mapped onto C11 __atomic
 * builtins, pthreads and liburcu, to compile ../../lfqueue.c unchanged in
 * userspace. Every <linux/...> shim in this directory includes it.
 *
 * Memory model contract (how the kernel primitives lfqueue.c relies on are
 * modelled, and what a userspace run can and cannot prove):
 *
 *  READ_ONCE(x)	__atomic_load_n(&x, __ATOMIC_ACQUIRE). lfqueue.c
 *			orders (B) by address dependency on READ_ONCE (the
 *			kernel's LKMM). C11 has no usable dependency ordering
 *			(compilers implement consume as acquire), and TSan
 *			only sees an edge it is told about, so acquire it is.
 *			This is stronger than the kernel: a userspace run
 *			cannot catch a READ_ONCE that the kernel code wrongly
 *			relies on for non-dependent ordering.
 *  WRITE_ONCE(x, v)	__atomic_store_n(&x, v, __ATOMIC_RELAXED). The
 *			kernel's WRITE_ONCE orders nothing (no tearing, no
 *			fusing, nothing more); release would add ordering the
 *			kernel does not have and so hide a missing barrier.
 *			lfqueue.c uses it only for ->taken_seen, a hint.
 *  cmpxchg(p, o, n)	__atomic_compare_exchange_n(..., __ATOMIC_SEQ_CST,
 *			__ATOMIC_SEQ_CST); returns the old value whether or not
 *			it stored. Fully ordered like the kernel's on success;
 *			on failure the kernel promises no ordering, this one
 *			does (stronger again).
 *  atomic_t		int under __ATOMIC_RELAXED builtins (atomic_read/set,
 *			atomic_inc_return_relaxed, atomic_inc/dec): none of those
 *			orders anything in the kernel either.
 *  data_race(x)	a relaxed atomic load of the lvalue x (so the compiler
 *			cannot tear or refetch it), bracketed by TSan's
 *			ignore-reads annotation: the same meaning as the
 *			kernel's data_race(), which tells KCSAN not to report
 *			that access. Needed because the writer side is a plain
 *			"q->len++" under the lock, and TSan reports a relaxed
 *			atomic load racing with a plain store (C11 calls that
 *			pair a data race too). lfqueue.c uses the value only as
 *			a hint and rechecks it under the lock; on x86-64 the
 *			aligned 32-bit store is a single instruction. Only the
 *			marked read is ignored: every other access to the same
 *			field is still checked.
 *  spinlock_t		pthread_mutex_t, PTHREAD_MUTEX_ADAPTIVE_NP (spins a
 *			little, then sleeps on a futex). A kernel spin_lock()
 *			disables preemption, so its holder is never descheduled;
 *			a userspace spinlock holder can be, and with more
 *			threads than CPUs the waiters would spin out whole time
 *			slices, measuring the scheduler rather than the queue.
 *			TSan sees the lock's happens-before edges either way.
 *  kmalloc/kfree	malloc/free; gfp flags are accepted and ignored.
 *  memcg		get_mem_cgroup_from_mm() gives NULL, mem_cgroup_put()
 *			and set_active_memcg() do nothing; current->mm is NULL.
 *  RCU			liburcu's memb flavour: rcu_read_lock/unlock are
 *			urcu_memb_read_lock/unlock, struct rcu_head is
 *			liburcu's, kfree_rcu(p, f) is urcu_memb_call_rcu() with
 *			a callback that frees the container. Every thread that
 *			enters a read-side section must have called
 *			urcu_memb_register_thread().
 *
 * RCU and ThreadSanitizer: liburcu is not instrumented, so TSan does not
 * see that a grace period separates a reader's last access to a node from
 * the callback that frees it, and would report that free as racing with
 * the access. rcu_read_unlock() therefore does a TSan release on one
 * global token (kcompat_rcu_gp) just before it leaves the read-side
 * section, and the kfree_rcu callback acquires the token before free().
 * That models the grace period: the callback runs after every reader that
 * could still hold the node's address has left its section, and each of
 * those released into the token first, so their accesses happen-before
 * the free. What TSan still reports: a free with no grace period at all
 * (kfree() for kfree_rcu()), and a callback that runs while a reader that
 * saw the node is still inside its section (a broken grace period): that
 * reader has not released yet. What it can miss: the token also collects
 * releases from sections that began after the kfree_rcu(), which the real
 * grace period does not wait for, so a node touched after the toucher's
 * rcu_read_unlock() is reported only if the free comes before that
 * thread's next rcu_read_unlock(). (Such an access is also safe in RCU
 * itself whenever the thread's next section starts before the grace
 * period does, so the bug only bites in a narrow window either way.) And,
 * as with any happens-before checker, only the interleavings that occur
 * are checked.
 *
 * rcu_barrier() (for the test programs; lfqueue.c does not use it) is
 * urcu_memb_barrier() with TSan ignoring the calling thread meanwhile:
 * liburcu allocates its barrier work items there with calloc() and its
 * call_rcu thread frees them after a handoff through its own uninstrumented
 * atomics and futex, which TSan would report as a race between calloc()
 * and free(). No code of ours runs in the caller during that window.
 */
#ifndef _KCOMPAT_H
#define _KCOMPAT_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__SANITIZE_THREAD__)
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);
#define kcompat_tsan_acquire(addr)	__tsan_acquire(addr)
#define kcompat_tsan_release(addr)	__tsan_release(addr)
#define kcompat_tsan_ignore_reads_begin() \
	AnnotateIgnoreReadsBegin(__FILE__, __LINE__)
#define kcompat_tsan_ignore_reads_end() \
	AnnotateIgnoreReadsEnd(__FILE__, __LINE__)
#define kcompat_tsan_ignore_thread_begin() __tsan_ignore_thread_begin()
#define kcompat_tsan_ignore_thread_end() __tsan_ignore_thread_end()
#else
static inline void kcompat_tsan_acquire(void *addr) { }
static inline void kcompat_tsan_release(void *addr) { }
static inline void kcompat_tsan_ignore_reads_begin(void) { }
static inline void kcompat_tsan_ignore_reads_end(void) { }
static inline void kcompat_tsan_ignore_thread_begin(void) { }
static inline void kcompat_tsan_ignore_thread_end(void) { }
#endif

#define READ_ONCE(x)	__atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define WRITE_ONCE(x, val) \
	__atomic_store_n(&(x), (val), __ATOMIC_RELAXED)

/* Only an lvalue, unlike the kernel's, which takes any expression. */
#define data_race(x)							\
({									\
	__typeof__(x) __kc_v;						\
									\
	kcompat_tsan_ignore_reads_begin();				\
	__kc_v = __atomic_load_n(&(x), __ATOMIC_RELAXED);		\
	kcompat_tsan_ignore_reads_end();				\
	__kc_v;								\
})

/* Says so on stderr, once per call site; run.sh fails a test that warns. */
#define WARN_ON_ONCE(cond)						\
({									\
	static int __kc_warned;						\
	bool __kc_c = !!(cond);						\
									\
	if (__kc_c && !__atomic_exchange_n(&__kc_warned, 1,		\
					   __ATOMIC_RELAXED))		\
		fprintf(stderr, "WARNING: WARN_ON_ONCE at %s:%d: %s\n", \
			__FILE__, __LINE__, #cond);			\
	__kc_c;								\
})

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#endif /* _KCOMPAT_H */
