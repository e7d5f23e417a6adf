// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc(tool): latency statistics and their printing, for pingpong,
 * prio-inv, prio-wake and tools/bench/binder. See lat.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mkipc_util.h"
#include "json.h"
#include "lat.h"
#include "mkipc.h"

int lat_cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static __u64 lat_pct(const __u64 *sorted, unsigned long n, unsigned int pct)
{
	unsigned long rank = (n * pct + 99) / 100;	/* nearest rank */

	return sorted[rank ? rank - 1 : 0];
}

/* Back-to-back clock reads, as every sample holds one such pair. */
void lat_timer_cost(struct lat_timer *t)
{
	__u64 d[LAT_TIMER_PAIRS];
	struct timespec a, b;
	int i;

	for (i = 0; i < LAT_TIMER_PAIRS; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		clock_gettime(CLOCK_MONOTONIC, &b);
		d[i] = mkipc_ts_ns(&b) - mkipc_ts_ns(&a);
	}
	qsort(d, LAT_TIMER_PAIRS, sizeof(d[0]), lat_cmp_u64);
	t->median = d[LAT_TIMER_PAIRS / 2];
	t->min = d[0];
}

void lat_timer_print(const struct lat_timer *t)
{
	printf("# timer: two back-to-back clock_gettime(CLOCK_MONOTONIC) cost %llu ns",
	       t->median);
	printf(" (median of %d; min %llu); every sample includes that once\n",
	       LAT_TIMER_PAIRS, t->min);
}

void lat_timer_json(struct jw *w, const struct lat_timer *t)
{
	jw_open(w, "timer_overhead_ns", '{');
	jw_u64(w, "median", t->median);
	jw_u64(w, "min", t->min);
	jw_u64(w, "pairs", LAT_TIMER_PAIRS);
	jw_close(w, '}');
}

/* The @n samples @s to @path, one a line, each with @flag[i] if given. */
int lat_write_samples(const char *path, const __u64 *s,
		      const __u8 *flag, unsigned long n)
{
	unsigned long i;
	FILE *f;

	f = fopen(path, "w");
	if (!f) {
		err("%s: %s", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (flag)
			fprintf(f, "%llu %u\n", s[i], flag[i]);
		else
			fprintf(f, "%llu\n", s[i]);
	}
	if (fclose(f)) {
		err("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void lat_analyze(__u64 *s, unsigned long n, struct lat_result *r)
{
	long double sum = 0;
	unsigned long i;
	int b;

	qsort(s, n, sizeof(*s), lat_cmp_u64);
	r->n = n;
	r->min = s[0];
	r->max = s[n - 1];
	r->p50 = lat_pct(s, n, 50);
	r->p99 = lat_pct(s, n, 99);
	memset(r->hist, 0, sizeof(r->hist));
	for (i = 0; i < n; i++) {
		sum += s[i];
		b = s[i] ? 63 - __builtin_clzll(s[i]) : 0;
		r->hist[b]++;
	}
	r->avg = (double)(sum / n);
}

/* "what (ns): min 1  avg 2.0  p50 2  p99 3  max 4  (5 calls)" */
void lat_print(const char *what, const struct lat_result *r,
	       const char *unit)
{
	if (!r->n) {
		printf("%s: none\n", what);
		return;
	}
	printf("%s (ns): min %llu  avg %.1f  p50 %llu  p99 %llu  max %llu",
	       what, r->min, r->avg, r->p50, r->p99, r->max);
	printf("  (%lu %s)\n", r->n, unit);
}

/* One line a bucket, [lo, hi), from the first used to the last. */
void lat_print_hist(const struct lat_result *r)
{
	unsigned long top = 0;
	int b, lo = -1, hi = -1, bar;

	for (b = 0; b < LAT_HIST_BUCKETS; b++) {
		if (!r->hist[b])
			continue;
		if (lo < 0)
			lo = b;
		hi = b;
		if (r->hist[b] > top)
			top = r->hist[b];
	}
	printf("histogram (ns, log2 buckets [lo, hi)):\n");
	for (b = lo; b >= 0 && b <= hi; b++) {
		bar = (int)((r->hist[b] * 40 + top - 1) / top);
		printf("  [%10llu, %10llu) %9lu %6.2f%% %.*s\n",
		       b ? 1ULL << b : 0ULL, 1ULL << (b + 1), r->hist[b],
		       100.0 * r->hist[b] / r->n, bar,
		       "########################################");
	}
}

/* " min_ns=1 avg_ns=2.0 p50_ns=2 p99_ns=3 max_ns=4" for a SUMMARY line */
void lat_summary(const struct lat_result *r)
{
	printf(" min_ns=%llu avg_ns=%.1f p50_ns=%llu p99_ns=%llu max_ns=%llu",
	       r->min, r->avg, r->p50, r->p99, r->max);
}

/* min, avg, p50, p99, max of @r as members of the open object. */
void lat_json(struct jw *w, const struct lat_result *r)
{
	jw_u64(w, "samples", r->n);
	if (!r->n)
		return;
	jw_u64(w, "min_ns", r->min);
	jw_double(w, "avg_ns", r->avg);
	jw_u64(w, "p50_ns", r->p50);
	jw_u64(w, "p99_ns", r->p99);
	jw_u64(w, "max_ns", r->max);
}

/* The used buckets of @r's histogram as the member "histogram". */
void lat_json_hist(struct jw *w, const struct lat_result *r)
{
	int b;

	jw_open(w, "histogram", '[');
	for (b = 0; b < LAT_HIST_BUCKETS; b++) {
		if (!r->hist[b])
			continue;
		jw_open(w, NULL, '{');
		jw_u64(w, "lo_ns", b ? 1ULL << b : 0);
		jw_u64(w, "hi_ns", 1ULL << (b + 1));
		jw_u64(w, "count", r->hist[b]);
		jw_close(w, '}');
	}
	jw_close(w, ']');
}
