/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkipc, the command-line tool: what its files share. Each subcommand is
 * a file of its own (info.c, stats.c, pingpong*.c, contend.c, prio_inv.c,
 * prio_wake.c, switch.c), main.c dispatches to them; the pieces they
 * share have their own files and headers (json.h, lat.h, kcounters.h,
 * module.h, modparam.h, prio_run.h). This header: exit codes, the few
 * macros, error messages, option numbers, and the helpers in util.c.
 */
#ifndef _MKIPC_TOOL_H
#define _MKIPC_TOOL_H

#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/types.h>

#define DEBUGFS_ROOT	"/sys/kernel/debug"
#define DEBUGFS_DIR	DEBUGFS_ROOT "/mkipc"

/* Exit status: 0 success, 1 failure, and these. */
#define EXIT_USAGE	2
#define EXIT_STALL	3	/* a ping-pong that stalled */

/* The label of the message that tells a peer (server, receiver) to end. */
#define STOP_LABEL	UINT64_MAX

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define STR_(x)		#x
#define STR(x)		STR_(x)

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* The subcommands, for main.c: each takes its argv from its name on. */
int cmd_info(int argc, char **argv);
void info_usage(FILE *f);
int cmd_stats(int argc, char **argv);
void stats_usage(FILE *f);
int cmd_pingpong(int argc, char **argv);
void pp_usage(FILE *f);
int cmd_prio_inv(int argc, char **argv);
void pi_usage(FILE *f);
int cmd_prio_wake(int argc, char **argv);
void pw_usage(FILE *f);
int cmd_switch(int argc, char **argv);
void switch_usage(FILE *f);
int cmd_contend(int argc, char **argv);
void ct_usage(FILE *f);

/* util.c */

/*
 * err_name (default "mkipc": another program linking util.c names
 * itself), ": " and the message on stderr, after stdout is flushed.
 */
extern const char *err_name;
__printf(1, 2) void err(const char *fmt, ...);

/*
 * Parses a decimal number in [min, max] for option --@opt into *@out: 0,
 * or -1 having said why.
 */
int parse_ulong(const char *opt, const char *s, unsigned long min,
		unsigned long max, unsigned long *out);
int parse_long(const char *opt, const char *s, long min, long max,
	       long *out);

/*
 * The names of the entries of @path (no dot files), sorted; NULL and
 * *@n = 0 when it cannot be read (errno says why). free_list() frees them.
 */
char **list_dir(const char *path, size_t *n);
void free_list(char **names, size_t n);

/* Closes *@fd unless it is < 0, and sets it to -1. */
void close_fd(int *fd);

/* --cpus @s (one, two or any) into *@out: 0, or -1 having said why. */
int parse_cpus(const char *s, const char **out);

/*
 * The client's and the server's CPU (-1: not pinned) for --cpus @cpus
 * ("one", "two" or "any"), then --cpu-a @want_a and --cpu-b @want_b if
 * >= 0; *@allowed: the CPUs the process may use. 0, or -1 having said
 * why.
 */
int pick_cpus(const char *cpus, long want_a, long want_b, int *cpu_a,
	      int *cpu_b, cpu_set_t *allowed);

/*
 * The scheduling helpers of libmkipc's mkipc_util.h, each saying why it
 * failed: 0, or -1 having said so.
 */
int pin_cpu(int cpu);			/* @cpu < 0: left unpinned */
int set_sched(int policy, int prio, int nice);	/* the calling thread */
int start_thread(pthread_t *t, void *(*fn)(void *), void *arg,
		 int policy, int prio, int cpu);

/*
 * The CPUs this process may run on into @allowed, and the first two of
 * them into *@first and *@second (-1: none): 0, or -1 having said why.
 */
int allowed_cpus(cpu_set_t *allowed, int *first, int *second);

#endif /* _MKIPC_TOOL_H */
