// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc(tool): mkipc stats, the module's debugfs files (counters, the
 * endpoint listing, the test jobs' results) as text or JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "mkipc_util.h"
#include "json.h"
#include "mkipc.h"

#define DEBUGFS_MAGIC	0x64626720	/* <linux/magic.h> */

static const char stats_help[] =
	"usage: mkipc stats [--json] [--file NAME]\n"
	"\n"
	"Prints the module's debugfs files under " DEBUGFS_DIR "/: the\n"
	"counters (stats), the endpoint listing (endpoints) and whatever else is\n"
	"there and readable (the test jobs' last results). Needs debugfs mounted\n"
	"and, as debugfs is, usually root. Exits 1 if debugfs is not mounted or\n"
	"the module's directory is missing.\n"
	"\n"
	"  --file NAME  only this file\n"
	"  --json       one JSON object on stdout, a member per file: its\n"
	"               leading 'name value' lines as \"counters\", then a\n"
	"               table (a header line and rows) or 'key=value' lines\n"
	"               as \"rows\" of objects, or anything else as \"lines\"\n"
	"  --help       this text\n";

void stats_usage(FILE *f)
{
	fputs(stats_help, f);
}

/* Splits @s at blanks in place; at most @max tokens. */
static size_t split_ws(char *s, char **tok, size_t max)
{
	size_t n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(s, " \t", &save); t && n < max;
	     t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	return n;
}

static bool is_int(const char *s)
{
	if (*s == '-')
		s++;
	return *s && strspn(s, "0123456789") == strlen(s);
}

#define STATS_MAXCOLS	32

/* What follows a debugfs file's leading "name value" counter lines. */
enum stats_rest {
	REST_NONE,	/* nothing */
	REST_TABLE,	/* a header line, then rows of as many columns */
	REST_KV,	/* lines of key=value tokens */
	REST_LINES,	/* anything else: shown as it is */
};

struct stats_file {
	char **lines;		/* the non-blank lines, in the text */
	size_t n;
	size_t ncounters;	/* the leading "name value" lines */
	enum stats_rest rest;
};

static bool stats_counter_line(const char *line)
{
	char copy[1024], *tok[3];

	snprintf(copy, sizeof(copy), "%s", line);
	return split_ws(copy, tok, 3) == 2 && is_int(tok[1]);
}

/* Splits @text into lines in place and works out its shape. */
static int stats_parse(char *text, struct stats_file *sf)
{
	char *line, *save = NULL, copy[1024], *tok[STATS_MAXCOLS], **nl;
	size_t cap = 0, i, j, n, cols = 0;
	bool kv = true, table = true;

	memset(sf, 0, sizeof(*sf));
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!line[strspn(line, " \t")])
			continue;
		if (sf->n == cap) {
			cap = cap ? 2 * cap : 64;
			nl = realloc(sf->lines, cap * sizeof(*nl));
			if (!nl)
				return -ENOMEM;
			sf->lines = nl;
		}
		sf->lines[sf->n++] = line;
	}
	while (sf->ncounters < sf->n &&
	       stats_counter_line(sf->lines[sf->ncounters]))
		sf->ncounters++;
	if (sf->ncounters == sf->n) {
		sf->rest = REST_NONE;
		return 0;
	}
	for (i = sf->ncounters; i < sf->n; i++) {
		snprintf(copy, sizeof(copy), "%s", sf->lines[i]);
		n = split_ws(copy, tok, STATS_MAXCOLS);
		for (j = 0; j < n; j++)
			if (!strchr(tok[j], '=') || tok[j][0] == '=')
				kv = false;
		if (i == sf->ncounters) {
			cols = n;
			for (j = 0; j < n; j++)
				if (is_int(tok[j]) || strchr(tok[j], '='))
					table = false;
		} else if (n != cols) {
			table = false;
		}
	}
	/*
	 * A lone line of words is a table header only under counters (the
	 * endpoint listing with no endpoint): alone, it is a sentence.
	 */
	if (sf->n - sf->ncounters == 1 && !sf->ncounters)
		table = false;
	if (kv)
		sf->rest = REST_KV;
	else if (table && cols >= 2)
		sf->rest = REST_TABLE;
	else
		sf->rest = REST_LINES;
	return 0;
}

static void stats_json_file(struct jw *w, const char *name,
			    struct stats_file *sf)
{
	char *tok[STATS_MAXCOLS], *hdr[STATS_MAXCOLS], *eq;
	size_t i, j, n, ncols;

	jw_open(w, name, '{');
	if (sf->ncounters) {
		jw_open(w, "counters", '{');
		for (i = 0; i < sf->ncounters; i++) {
			split_ws(sf->lines[i], tok, 2);
			jw_token(w, tok[0], tok[1]);
		}
		jw_close(w, '}');
	}
	i = sf->ncounters;
	switch (sf->rest) {
	case REST_NONE:
		break;
	case REST_TABLE:
		ncols = split_ws(sf->lines[i++], hdr, STATS_MAXCOLS);
		jw_open(w, "rows", '[');
		for (; i < sf->n; i++) {
			n = split_ws(sf->lines[i], tok, STATS_MAXCOLS);
			jw_open(w, NULL, '{');
			for (j = 0; j < n && j < ncols; j++)
				jw_token(w, hdr[j], tok[j]);
			jw_close(w, '}');
		}
		jw_close(w, ']');
		break;
	case REST_KV:
		jw_open(w, "rows", '[');
		for (; i < sf->n; i++) {
			n = split_ws(sf->lines[i], tok, STATS_MAXCOLS);
			jw_open(w, NULL, '{');
			for (j = 0; j < n; j++) {
				eq = strchr(tok[j], '=');
				*eq = '\0';
				jw_token(w, tok[j], eq + 1);
			}
			jw_close(w, '}');
		}
		jw_close(w, ']');
		break;
	case REST_LINES:
		jw_open(w, "lines", '[');
		for (; i < sf->n; i++)
			jw_str(w, NULL, sf->lines[i]);
		jw_close(w, ']');
		break;
	}
	jw_close(w, '}');
}

/* Counters in two aligned columns; a table in aligned columns. */
static void stats_text_file(struct stats_file *sf)
{
	int width[STATS_MAXCOLS] = { 0 }, w = 0, len;
	char *tok[STATS_MAXCOLS], copy[1024];
	size_t i, j, n;

	for (i = 0; i < sf->ncounters; i++) {
		len = (int)strcspn(sf->lines[i], " \t");
		if (len > w)
			w = len;
	}
	for (i = 0; i < sf->ncounters; i++) {
		split_ws(sf->lines[i], tok, 2);
		printf("  %-*s %s\n", w, tok[0], tok[1]);
	}
	if (sf->rest != REST_TABLE) {
		for (i = sf->ncounters; i < sf->n; i++)
			printf("  %s\n", sf->lines[i]);
		return;
	}
	/* Two passes over the rows: the widths, then the rows. */
	for (i = sf->ncounters; i < sf->n; i++) {
		snprintf(copy, sizeof(copy), "%s", sf->lines[i]);
		n = split_ws(copy, tok, STATS_MAXCOLS);
		for (j = 0; j < n; j++) {
			len = (int)strlen(tok[j]);
			if (len > width[j])
				width[j] = len;
		}
	}
	for (i = sf->ncounters; i < sf->n; i++) {
		n = split_ws(sf->lines[i], tok, STATS_MAXCOLS);
		printf(" ");
		for (j = 0; j < n; j++)
			printf(" %*s", width[j], tok[j]);
		printf("\n");
	}
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *only = NULL;
	char path[PATH_MAX], **names, *text;
	struct jw w = { .f = stdout };
	struct stats_file sf;
	struct statfs sfs;
	struct stat st;
	bool json = false;
	size_t n, i, shown = 0;
	int c, ret = 0;
	long r;

	while ((c = getopt_long(argc, argv, "jf:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'f':
			only = optarg;
			break;
		case 'h':
			stats_usage(stdout);
			return 0;
		default:
			stats_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		stats_usage(stderr);
		return EXIT_USAGE;
	}

	if (statfs(DEBUGFS_ROOT, &sfs) || sfs.f_type != DEBUGFS_MAGIC) {
		err("debugfs is not mounted at %s (mount -t debugfs none %s)",
		    DEBUGFS_ROOT, DEBUGFS_ROOT);
		return 1;
	}
	if (stat(DEBUGFS_DIR, &st)) {
		err("%s: %s%s", DEBUGFS_DIR, strerror(errno),
		    errno == ENOENT ? " (is mkipc.ko loaded?)" :
		    errno == EACCES ? " (debugfs is usually root only)" : "");
		return 1;
	}
	names = list_dir(DEBUGFS_DIR, &n);
	if (!names && errno) {
		err("%s: %s", DEBUGFS_DIR, strerror(errno));
		return 1;
	}

	if (json) {
		jw_open(&w, NULL, '{');
		jw_str(&w, "command", "stats");
		jw_str(&w, "dir", DEBUGFS_DIR);
		jw_open(&w, "files", '{');
	}
	for (i = 0; i < n; i++) {
		if (only && strcmp(only, names[i]))
			continue;
		snprintf(path, sizeof(path), "%s/%s", DEBUGFS_DIR, names[i]);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		/* Write-only files are commands, not something to show. */
		if (!(st.st_mode & 0444))
			continue;
		r = mkipc_file_read_all(path, &text);
		shown++;
		if (r < 0) {
			if (json) {
				jw_open(&w, names[i], '{');
				jw_str(&w, "error", strerror(-r));
				jw_close(&w, '}');
			} else {
				printf("%s== %s: unreadable: %s\n",
				       shown > 1 ? "\n" : "", names[i],
				       strerror(-r));
			}
			ret = 1;
			continue;
		}
		if (stats_parse(text, &sf)) {
			err("out of memory");
			free(text);
			ret = 1;
			break;
		}
		if (json) {
			stats_json_file(&w, names[i], &sf);
		} else {
			printf("%s== %s\n", shown > 1 ? "\n" : "", names[i]);
			stats_text_file(&sf);
		}
		free(sf.lines);
		free(text);
	}
	if (json) {
		jw_close(&w, '}');
		jw_close(&w, '}');
	}
	free_list(names, n);
	if (only && !shown) {
		err("%s/%s: no such readable file", DEBUGFS_DIR, only);
		return 1;
	}
	return ret;
}

