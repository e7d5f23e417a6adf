// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc(tool): mkipc info, what the loaded module tells of itself: its
 * ABI version, features and limits, its version and its parameters.
 */
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libmkipc.h"
#include "mkipc_util.h"
#include "json.h"
#include "mkipc.h"
#include "module.h"

#define SYSFS_MODULE	"/sys/module/mkipc"

static const char info_help[] =
	"usage: mkipc info [--json]\n"
	"\n"
	"Prints what the loaded module reports through MKIPC_IOC_VERSION (its ABI\n"
	"version, feature bits by name, the largest message payload), its version,\n"
	"and every module parameter under " SYSFS_MODULE "/parameters/ (queue,\n"
	"waitq, handoff and the others present), with their current values.\n"
	"\n"
	"  --json    one JSON object on stdout\n"
	"  --help    this text\n";

void info_usage(FILE *f)
{
	fputs(info_help, f);
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct mkipc_version ver;
	char path[PATH_MAX], *val, *modver = NULL;
	char **names;
	bool json = false;
	size_t n, i;
	struct jw w = { .f = stdout };
	int c, dev;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			info_usage(stdout);
			return 0;
		default:
			info_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		info_usage(stderr);
		return EXIT_USAGE;
	}

	dev = open_mkipc(&ver);
	if (dev < 0)
		return 1;
	close(dev);
	if (mkipc_file_read_all(SYSFS_MODULE "/version", &modver) >= 0)
		mkipc_strip(modver);
	names = list_dir(SYSFS_MODULE "/parameters", &n);

	if (json) {
		jw_open(&w, NULL, '{');
		jw_str(&w, "command", "info");
		jw_str(&w, "device", MKIPC_DEV_PATH);
		jw_str(&w, "module_version", modver);
		jw_open(&w, "abi", '{');
		jw_u64(&w, "major", ver.abi_major);
		jw_u64(&w, "minor", ver.abi_minor);
		jw_close(&w, '}');
		jw_open(&w, "tool_abi", '{');
		jw_u64(&w, "major", MKIPC_ABI_MAJOR);
		jw_u64(&w, "minor", MKIPC_ABI_MINOR);
		jw_close(&w, '}');
		json_features(&w, ver.features);
		jw_u64(&w, "max_msg_size", ver.max_msg_size);
		jw_open(&w, "parameters", '{');
	} else {
		printf("device:        %s\n", MKIPC_DEV_PATH);
		printf("module:        mkipc %s\n", modver ? modver : "-");
		printf("abi:           %u.%u (this tool: %u.%u)\n",
		       ver.abi_major, ver.abi_minor, MKIPC_ABI_MAJOR,
		       MKIPC_ABI_MINOR);
		printf("features:      ");
		print_features(ver.features);
		printf("max message:   %u bytes\n", ver.max_msg_size);
		printf("parameters:    (%s/parameters)\n", SYSFS_MODULE);
	}
	for (i = 0; i < n; i++) {
		long r;

		snprintf(path, sizeof(path), "%s/parameters/%s", SYSFS_MODULE,
			 names[i]);
		r = mkipc_file_read_all(path, &val);
		if (json) {
			if (r < 0)
				jw_null(&w, names[i]);
			else
				jw_token(&w, names[i], mkipc_strip(val));
		} else if (r < 0) {
			printf("  %-12s (unreadable: %s)\n", names[i],
			       strerror(-r));
		} else {
			printf("  %-12s %s\n", names[i], mkipc_strip(val));
		}
		if (r >= 0)
			free(val);
	}
	if (json) {
		jw_close(&w, '}');
		jw_close(&w, '}');
	} else if (!n) {
		printf("  (none readable)\n");
	}
	free_list(names, n);
	free(modver);
	return 0;
}

