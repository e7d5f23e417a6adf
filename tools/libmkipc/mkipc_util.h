/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkipc_util: what the mkipc tool and the selftests both need around the
 * ioctls: the module's parameters (read, set, put back), a thread's
 * scheduling settings, CPU pinning, small files and the clock. Built into
 * libmkipc.a beside libmkipc.h's wrappers.
 *
 * As in libmkipc.h: every function that can fail returns 0 (or a length)
 * on success and -errno on failure, and prints nothing: the caller says
 * what went wrong, in its own words. The caller owns every structure.
 *
 * The only state is the list of saved values of mkipc_file_save() and
 * mkipc_param_save(), for mkipc_param_restore_all(): fill it from one
 * thread. A forked child inherits a copy; let one process put it back.
 */
#ifndef _MKIPC_UTIL_H
#define _MKIPC_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define MKIPC_PARAM_DIR		"/sys/module/mkipc/parameters"
#define MKIPC_RT_RUNTIME_PATH	"/proc/sys/kernel/sched_rt_runtime_us"
#define MKIPC_RT_PERIOD_PATH	"/proc/sys/kernel/sched_rt_period_us"

/* How many values mkipc_file_save() and mkipc_param_save() keep. */
#define MKIPC_SAVED_MAX		16
/* The longest value they keep, its NUL included. */
#define MKIPC_SAVED_VALLEN	64

/* ---- the clock ---- */

/* @ts in nanoseconds. */
static inline uint64_t mkipc_ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ULL + ts->tv_nsec;
}

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t mkipc_clock_ns(void);

/* ---- small files (sysfs, procfs, debugfs) ---- */

/* Strips trailing newlines and blanks of @s in place; returns @s. */
char *mkipc_strip(char *s);

/*
 * Reads all of @path into a NUL-terminated buffer, stored in *@out, that
 * the caller frees. Returns its length, or -errno (*@out untouched).
 */
long mkipc_file_read_all(const char *path, char **out);

/*
 * Reads @path into @buf (@size bytes, its NUL included) with its trailing
 * newlines and blanks stripped: 0, or -errno; -EOVERFLOW when it does not
 * fit. No allocation.
 */
int mkipc_file_read(const char *path, char *buf, size_t size);

/* Reads @path as one decimal number into *@val: 0, or -errno (-EINVAL). */
int mkipc_file_read_long(const char *path, long *val);

/*
 * Writes the string @val to @path in one write(): 0, or -errno (-EIO for
 * a short write). A sysfs or procfs file takes it whole or refuses it.
 */
int mkipc_file_write(const char *path, const char *val);

/* ---- module parameters, and putting things back ---- */

/* Module parameter @name (MKIPC_PARAM_DIR/@name), as mkipc_file_read(). */
int mkipc_param_read(const char *name, char *buf, size_t size);

/* Sets module parameter @name to @val, as mkipc_file_write(). */
int mkipc_param_write(const char *name, const char *val);

/*
 * Remembers the current value of @path for mkipc_param_restore_all(),
 * once: a path saved already keeps its first value (0). -ENOSPC past
 * MKIPC_SAVED_MAX, -ENAMETOOLONG for a long path, -EOVERFLOW for a long
 * value, else mkipc_file_read()'s errors; nothing is saved then.
 */
int mkipc_file_save(const char *path);

/* mkipc_file_save() of module parameter @name. */
int mkipc_param_save(const char *name);

/*
 * Writes every saved value back, newest first, and forgets them (a later
 * save reads the value anew). Errors are ignored; errno is preserved.
 *
 * Async-signal-safe: it only calls open(), write() and close() on what a
 * save stored before it counted it, so a signal handler may call it, also
 * one that interrupts a save or mkipc_param_restore_all() itself (a value
 * is then written twice). Its type fits atexit().
 */
void mkipc_param_restore_all(void);

/*
 * Makes SIGINT, SIGTERM and SIGHUP run mkipc_param_restore_all() and then
 * end the process as they would have (SA_RESETHAND, the signal raised
 * again). Replaces their handlers; calling it again is harmless. 0 or
 * -errno.
 */
int mkipc_param_restore_on_signals(void);

/* ---- scheduling ---- */

/* mkipc_sched.nice: leave the nice level as it is. */
#define MKIPC_NICE_KEEP		INT32_MIN

/* A thread's scheduling settings, as sched_getattr(2) tells them. */
struct mkipc_sched {
	int policy;		/* SCHED_OTHER, SCHED_FIFO, ... */
	int prio;		/* sched_priority: 0 unless real-time */
	/*
	 * -20..19. A real-time policy keeps it for a return to SCHED_OTHER,
	 * but sched_getattr(2) then tells 0.
	 */
	int nice;
	bool reset_on_fork;	/* SCHED_FLAG_RESET_ON_FORK */
};

/* Thread @tid's settings (0: the calling thread), by sched_getattr(2). */
int mkipc_sched_get(pid_t tid, struct mkipc_sched *s);

/*
 * Gives thread @tid (0: the calling thread) the settings @s by
 * sched_setattr(2): policy, priority, reset-on-fork and, for SCHED_OTHER,
 * SCHED_BATCH and SCHED_IDLE, the nice level in one step; under another
 * policy the nice level (kept for a later return to SCHED_OTHER) is set
 * after it, by setpriority(2). MKIPC_NICE_KEEP leaves it alone. 0 or
 * -errno (-EPERM without CAP_SYS_NICE for a real-time policy or a lower
 * nice level).
 */
int mkipc_sched_set(pid_t tid, const struct mkipc_sched *s);

/* "SCHED_FIFO" and the like; "SCHED_?" for a policy it does not know. */
const char *mkipc_policy_name(int policy);

/* Pins the calling thread to CPU @cpu: 0 or -errno (-EINVAL: bad @cpu). */
int mkipc_pin_cpu(int cpu);

/*
 * Starts thread *@t running @fn(@arg) under @policy at @prio and, with
 * @cpu >= 0, on CPU @cpu only, from its first instruction (not inherited
 * from the caller; set its nice level in @fn). 0 or -errno (-EPERM
 * without CAP_SYS_NICE for a real-time policy).
 */
int mkipc_thread_create(pthread_t *t, void *(*fn)(void *), void *arg,
			int policy, int prio, int cpu);

#endif /* _MKIPC_UTIL_H */
