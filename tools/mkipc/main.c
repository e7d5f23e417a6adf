// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc: the command-line tool of the mkipc module.
 *
 *   mkipc info       ABI version, feature bits, limits, module parameters
 *   mkipc stats      the module's debugfs files (counters, endpoints)
 *   mkipc pingpong   round-trip benchmark of mkipc endpoints against
 *		      futex, sched_yield, pipe, eventfd, UNIX socket and
 *		      POSIX message queue ping-pongs
 *   mkipc contend    M client threads calling and N server threads
 *		      serving on one endpoint: calls/s, fairness, latency
 *   mkipc prio-inv   a SCHED_FIFO caller's latency through a SCHED_OTHER
 *		      server under real-time load: priority inheritance
 *   mkipc prio-wake  an IPC receiver's wake-to-run latency among CFS CPU
 *		      hogs: the IPC-completion boost
 *
 * Every subcommand takes --help and --json (one JSON object on stdout).
 * Exit status: 0 success, 1 failure, 2 usage error, 3 a ping-pong that
 * stalled (no round trip completed within --stall-timeout).
 *
 * This file dispatches; each subcommand is a file of its own (mkipc.h
 * lists them all).
 */
#include <stdio.h>
#include <string.h>

#include <linux/mkipc.h>

#include "mkipc.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	void (*usage)(FILE *f);
	const char *what;
} commands[] = {
	{ "info", cmd_info, info_usage,
	  "ABI version, features, limits, module parameters" },
	{ "stats", cmd_stats, stats_usage,
	  "the module's debugfs counters and listings" },
	{ "pingpong", cmd_pingpong, pp_usage,
	  "round trips: mkipc against futex, yield, pipe, eventfd, unix, mq" },
	{ "contend", cmd_contend, ct_usage,
	  "M clients and N servers on one endpoint: calls/s, latency" },
	{ "prio-inv", cmd_prio_inv, pi_usage,
	  "priority inversion across a call, with and without inheritance" },
	{ "prio-wake", cmd_prio_wake, pw_usage,
	  "wake-to-run latency of an IPC receiver among CPU hogs: the boost" },
	{ "switch", cmd_switch, switch_usage,
	  "kernel-thread pairs: the cost of one hand-off, by variant" },
};

static void main_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: mkipc COMMAND [OPTIONS]   (mkipc COMMAND --help)\n\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "\nBuilt for mkipc ABI %u.%u (include/uapi/linux/mkipc.h).\n",
		MKIPC_ABI_MAJOR, MKIPC_ABI_MINOR);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	size_t i;

	if (!cmd) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "help")) {
		for (i = 0; argc > 2 && i < ARRAY_SIZE(commands); i++) {
			if (!strcmp(argv[2], commands[i].name)) {
				commands[i].usage(stdout);
				return 0;
			}
		}
		main_usage(stdout);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	err("unknown command '%s'", cmd);
	main_usage(stderr);
	return EXIT_USAGE;
}

