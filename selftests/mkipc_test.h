/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mkipc selftests.
 */
#ifndef _MKIPC_TEST_H
#define _MKIPC_TEST_H

#include <stdlib.h>

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

#endif /* _MKIPC_TEST_H */
