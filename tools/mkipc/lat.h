/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkipc(tool): latency statistics of a benchmark's samples (lat.c): min,
 * avg, p50, p99, max and a log2 histogram, how the reports print them,
 * and what the clock itself costs. One rule for every round-trip
 * benchmark: mkipc pingpong and tools/bench/binder link this file.
 */
#ifndef _MKIPC_LAT_H
#define _MKIPC_LAT_H

#include <linux/types.h>

struct jw;

#define LAT_HIST_BUCKETS	64
#define LAT_TIMER_PAIRS		1001	/* clock reads to time the clock */

struct lat_result {
	unsigned long n;
	__u64 min, max, p50, p99;
	double avg;
	/* samples in [2^k, 2^(k+1)) ns; hist[0]: 0 and 1 */
	unsigned long hist[LAT_HIST_BUCKETS];
};

/*
 * Two back-to-back clock_gettime(CLOCK_MONOTONIC), as every sample holds
 * one such pair: the median and the least of LAT_TIMER_PAIRS, in ns.
 */
struct lat_timer {
	__u64 median, min;
};

/* qsort()'s comparison of two __u64. */
int lat_cmp_u64(const void *a, const void *b);

/* Sorts the @n (> 0) samples @s and sums them up in @r. */
void lat_analyze(__u64 *s, unsigned long n, struct lat_result *r);

/*
 * The @n samples @s to @path, one a line, each with @flag[i] if given: 0,
 * or -1 having said why.
 */
int lat_write_samples(const char *path, const __u64 *s, const __u8 *flag,
		      unsigned long n);

/* Times the clock into @t. */
void lat_timer_cost(struct lat_timer *t);

/* "# timer: ..." for a text report. */
void lat_timer_print(const struct lat_timer *t);

/* "timer_overhead_ns": { "median", "min", "pairs" } in the open object. */
void lat_timer_json(struct jw *w, const struct lat_timer *t);

/* "what (ns): min 1  avg 2.0  p50 2  p99 3  max 4  (5 @unit)" */
void lat_print(const char *what, const struct lat_result *r,
	       const char *unit);

/* " min_ns=1 avg_ns=2.0 p50_ns=2 p99_ns=3 max_ns=4" for a SUMMARY line */
void lat_summary(const struct lat_result *r);

/* The histogram's buckets from the first to the last used, with bars. */
void lat_print_hist(const struct lat_result *r);

/* "samples", then min, avg, p50, p99, max as members of the open object. */
void lat_json(struct jw *w, const struct lat_result *r);

/* "histogram": [ { "lo_ns", "hi_ns", "count" }, ... ], used buckets only. */
void lat_json_hist(struct jw *w, const struct lat_result *r);

#endif /* _MKIPC_LAT_H */
