/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mkipc selftests.
 */
#ifndef _MKIPC_TEST_H
#define _MKIPC_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Iteration counts scale with MKIPC_TEST_SCALE, a percentage (default 100):
 * the debug-kernel lanes run about ten times slower and set it lower. The
 * assertions stay the same; only the number of rounds changes.
 */
static inline long mkipc_scaled_by(long n, const char *var)
{
	const char *s = getenv(var);
	long pct = s ? strtol(s, NULL, 10) : 100;

	if (pct <= 0)
		pct = 100;
	n = n * pct / 100;
	return n > 0 ? n : 1;
}

static inline long mkipc_scaled(long n)
{
	return mkipc_scaled_by(n, "MKIPC_TEST_SCALE");
}

/* The number after " KEY=" in a one-line result, or -1 if it is absent. */
static inline long mkipc_field(const char *line, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	if (!p)
		return -1;
	return strtol(p + strlen(pat), NULL, 10);
}

#endif /* _MKIPC_TEST_H */
