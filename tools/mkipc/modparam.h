/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkipc(tool): the module parameters a benchmark sets for its run and
 * puts back after it (modparam.c): --priority-tracking and --boost-ns,
 * the same in pingpong, prio-inv and prio-wake.
 */
#ifndef _MKIPC_MODPARAM_H
#define _MKIPC_MODPARAM_H

#include <stdbool.h>

#define PRM_VALLEN	32
#define BOOST_NS_MAX	10000000UL	/* the module's largest boost_ns */

struct jw;

/* The priority parameters of a run: given on the command line or not. */
struct prm_prio {
	const char *tracking;		/* "Y", "N"; NULL: left alone */
	bool boost_set;
	unsigned long boost_ns;
	/* what the run ran with, read back once set */
	char tracking_now[PRM_VALLEN];
	char boost_now[PRM_VALLEN];
};

/* The getopt_long() values of the options setting them, in every command. */
enum {
	OPT_PRM_TRACKING = 512,	/* --priority-tracking */
	OPT_PRM_BOOST_NS,	/* --boost-ns */
};

/* Parses option @c (OPT_PRM_*) with argument @s: 0, or -1 having said why. */
int prm_parse_opt(int c, const char *s, struct prm_prio *p);

/*
 * Sets what @p asks for (libmkipc puts it back: mkipc_param_restore_all(),
 * also on SIGINT, SIGTERM and SIGHUP), then reads back what the run will
 * use: 0, or -1 having said why.
 */
int prm_apply(struct prm_prio *p);

/* The text report's line, a SUMMARY line's part, the JSON member. */
void prm_print(const struct prm_prio *p);
void prm_summary(const struct prm_prio *p);
void prm_json(struct jw *w, const struct prm_prio *p);

#endif /* _MKIPC_MODPARAM_H */
