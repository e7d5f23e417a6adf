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
static inline long mkipc_scaled(long n)
{
	const char *s = getenv("MKIPC_TEST_SCALE");
	long pct = s ? strtol(s, NULL, 10) : 100;

	if (pct <= 0)
		pct = 100;
	n = n * pct / 100;
	return n > 0 ? n : 1;
}

#endif /* _MKIPC_TEST_H */
