// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc: the command-line tool of the mkipc module.
 *
 *   mkipc info       ABI version, feature bits, limits, module parameters
 *   mkipc stats      the module's debugfs files (counters, endpoints)
 *   mkipc pingpong   round-trip benchmark of mkipc endpoints against
 *		      futex, sched_yield and pipe ping-pongs
 *   mkipc prio-inv   a SCHED_FIFO caller's latency through a SCHED_OTHER
 *		      server under real-time load: priority inheritance
 *   mkipc prio-wake  an IPC receiver's wake-to-run latency among CFS CPU
 *		      hogs: the IPC-completion boost
 *
 * Every subcommand takes --help and --json (one JSON object on stdout).
 * Exit status: 0 success, 1 failure, 2 usage error, 3 a ping-pong that
 * stalled (no round trip completed within --stall-timeout).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libmkipc.h"
#include "mkipc_util.h"
#include "mkipc_min.h"

#define SYSFS_MODULE	"/sys/module/mkipc"
#define DEBUGFS_ROOT	"/sys/kernel/debug"
#define DEBUGFS_DIR	DEBUGFS_ROOT "/mkipc"
#define DEBUGFS_MAGIC	0x64626720	/* <linux/magic.h> */

#define EXIT_USAGE	2
#define EXIT_STALL	3

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define STR_(x)		#x
#define STR(x)		STR_(x)

static __printf(1, 2) void err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("mkipc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Parses a decimal number in [min, max] for option @opt. */
static int parse_ulong(const char *opt, const char *s, unsigned long min,
		       unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max) {
		err("--%s: want a number from %lu to %lu, not '%s'", opt, min,
		    max, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* Parses a decimal number, perhaps negative, in [min, max]. */
static int parse_long(const char *opt, const char *s, long min, long max,
		      long *out)
{
	long v;
	char *end;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		err("--%s: want a number from %ld to %ld, not '%s'", opt, min,
		    max, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* ------------------------------------------------------------------ */
/* JSON output: a small streaming writer, indented two spaces a level. */

struct jw {
	FILE *f;
	int depth;
	bool need_comma;
};

static void jw_string(struct jw *w, const char *s)
{
	const unsigned char *p;

	fputc('"', w->f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(w->f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", w->f);
		else if (*p == '\t')
			fputs("\\t", w->f);
		else if (*p < 0x20)
			fprintf(w->f, "\\u%04x", *p);
		else
			fputc(*p, w->f);
	}
	fputc('"', w->f);
}

/* Starts a member (@key) or an array element (@key NULL). */
static void jw_key(struct jw *w, const char *key)
{
	if (w->depth) {
		fprintf(w->f, "%s\n%*s", w->need_comma ? "," : "",
			2 * w->depth, "");
	}
	if (key) {
		jw_string(w, key);
		fputs(": ", w->f);
	}
	w->need_comma = true;
}

static void jw_open(struct jw *w, const char *key, char c)
{
	jw_key(w, key);
	fputc(c, w->f);
	w->depth++;
	w->need_comma = false;
}

static void jw_close(struct jw *w, char c)
{
	w->depth--;
	/* need_comma still false: the container is empty, close it inline */
	if (w->need_comma)
		fprintf(w->f, "\n%*s", 2 * w->depth, "");
	fputc(c, w->f);
	w->need_comma = true;
	if (!w->depth)
		fputc('\n', w->f);
}

static void jw_str(struct jw *w, const char *key, const char *val)
{
	jw_key(w, key);
	if (val)
		jw_string(w, val);
	else
		fputs("null", w->f);
}

static void jw_u64(struct jw *w, const char *key, __u64 val)
{
	jw_key(w, key);
	fprintf(w->f, "%llu", val);
}

static void jw_i64(struct jw *w, const char *key, __s64 val)
{
	jw_key(w, key);
	fprintf(w->f, "%lld", val);
}

static void jw_double(struct jw *w, const char *key, double val)
{
	jw_key(w, key);
	fprintf(w->f, "%.1f", val);
}

static void jw_bool(struct jw *w, const char *key, bool val)
{
	jw_key(w, key);
	fputs(val ? "true" : "false", w->f);
}

static void jw_null(struct jw *w, const char *key)
{
	jw_key(w, key);
	fputs("null", w->f);
}

/*
 * A token as a JSON number when it is a plain decimal integer, else as a
 * string.
 */
static void jw_token(struct jw *w, const char *key, const char *tok)
{
	const char *p = tok;

	if (*p == '-')
		p++;
	if (*p && strspn(p, "0123456789") == strlen(p) &&
	    strlen(p) < 19 && (p[0] != '0' || !p[1])) {
		jw_key(w, key);
		fputs(tok, w->f);
	} else {
		jw_str(w, key, tok);
	}
}

/* ------------------------------------------------------------------ */
/* Facts about the running module, shared by info and pingpong. */

static const struct {
	__u64 bit;
	const char *name;
} feature_names[] = {
	{ MKIPC_FEAT_DEBUGFS_STATS,	"debugfs_stats" },
	{ MKIPC_FEAT_ENDPOINTS,		"endpoints" },
	{ MKIPC_FEAT_CALL,		"call" },
	{ MKIPC_FEAT_PRIO,		"prio" },
	{ MKIPC_FEAT_DIRECT,		"direct" },
	{ MKIPC_FEAT_RECYCLE,		"recycle" },
};

/* The name of feature bit @i ("bitN" for one this tool does not know). */
static const char *feature_name(unsigned int i, char *buf, size_t size)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(feature_names); k++)
		if (feature_names[k].bit == 1ULL << i)
			return feature_names[k].name;
	snprintf(buf, size, "bit%u", i);
	return buf;
}

static void print_features(__u64 features)
{
	char buf[16];
	unsigned int i;
	bool any = false;

	for (i = 0; i < 64; i++) {
		if (!(features & (1ULL << i)))
			continue;
		printf("%s%s", any ? " " : "", feature_name(i, buf, sizeof(buf)));
		any = true;
	}
	printf("%s(%#llx)\n", any ? " " : "", features);
}

static void json_features(struct jw *w, __u64 features)
{
	char buf[16];
	unsigned int i;

	jw_open(w, "features", '[');
	for (i = 0; i < 64; i++)
		if (features & (1ULL << i))
			jw_str(w, NULL, feature_name(i, buf, sizeof(buf)));
	jw_close(w, ']');
	jw_u64(w, "features_mask", features);
}

/* Opens /dev/mkipc and reads its version; prints why not on failure. */
/* "0.3" for @ver, "-" without one. */
static const char *abi_str(const struct mkipc_version *ver, char *buf,
			   size_t size)
{
	if (ver)
		snprintf(buf, size, "%u.%u", ver->abi_major, ver->abi_minor);
	else
		snprintf(buf, size, "-");
	return buf;
}

/* "kernel", "abi" and "features" (null "abi" without @ver). */
static void json_kernel(struct jw *w, const char *kernel,
			const struct mkipc_version *ver)
{
	char abi[32];

	jw_str(w, "kernel", kernel);
	if (!ver) {
		jw_null(w, "abi");
		return;
	}
	jw_str(w, "abi", abi_str(ver, abi, sizeof(abi)));
	json_features(w, ver->features);
}

static int open_mkipc(struct mkipc_version *ver)
{
	int dev, ret;

	dev = mkipc_open();
	if (dev < 0) {
		err("cannot open %s: %s%s", MKIPC_DEV_PATH, strerror(-dev),
		    dev == -ENOENT ? " (is mkipc.ko loaded?)" : "");
		return dev;
	}
	memset(ver, 0, sizeof(*ver));
	ret = mkipc_version(dev, ver);
	if (ret) {
		err("MKIPC_IOC_VERSION: %s", strerror(-ret));
		close(dev);
		return ret;
	}
	if (ver->abi_major != MKIPC_ABI_MAJOR)
		err("warning: module ABI %u.%u, this tool was built for %u.%u",
		    ver->abi_major, ver->abi_minor, MKIPC_ABI_MAJOR,
		    MKIPC_ABI_MINOR);
	return dev;
}

/* ------------------------------------------------------------------ */
/*
 * What the priority benchmarks share: the module parameters a run sets
 * and puts back after it (also when SIGINT, SIGTERM or SIGHUP ends it),
 * the debugfs counters it reports the change of, and scheduling helpers.
 */

#define PRM_VALLEN	32
#define BOOST_NS_MAX	10000000UL	/* the module's largest boost_ns */

/* Sets parameter @name to @val for this run; says why not on failure. */
static int prm_set(const char *name, const char *val)
{
	int ret;

	ret = mkipc_param_save(name);
	if (ret == -ENOSPC) {
		err("module parameter %s: too many set at once", name);
		return ret;
	}
	if (ret) {
		err("module parameter %s: %s%s", name, strerror(-ret),
		    ret == -ENOENT ?
		    " (mkipc not loaded, or built without it)" : "");
		return ret;
	}
	/* Put back also when SIGINT, SIGTERM or SIGHUP ends the run. */
	mkipc_param_restore_on_signals();
	ret = mkipc_param_write(name, val);
	if (ret) {
		err("setting module parameter %s to %s: %s%s", name, val,
		    strerror(-ret), ret == -EACCES || ret == -EPERM ?
		    " (root only)" : "");
		return ret;
	}
	return 0;
}

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

/*
 * Parses option @c (OPT_PRM_*), its argument @s: --priority-tracking
 * (Y or N; also y, n, 1, 0, on, off) or --boost-ns. 0, or -1 having said
 * why.
 */
static int prm_parse_opt(int c, const char *s, struct prm_prio *p)
{
	if (c == OPT_PRM_BOOST_NS) {
		if (parse_ulong("boost-ns", s, 0, BOOST_NS_MAX, &p->boost_ns))
			return -1;
		p->boost_set = true;
	} else if (!strcmp(s, "Y") || !strcmp(s, "y") || !strcmp(s, "1") ||
		   !strcmp(s, "on")) {
		p->tracking = "Y";
	} else if (!strcmp(s, "N") || !strcmp(s, "n") || !strcmp(s, "0") ||
		   !strcmp(s, "off")) {
		p->tracking = "N";
	} else {
		err("--priority-tracking: Y or N, not '%s'", s);
		return -1;
	}
	return 0;
}

/* Sets what @p asks for, then reads back what the run will use. */
static int prm_apply(struct prm_prio *p)
{
	char buf[PRM_VALLEN];

	if (p->tracking && prm_set("priority_tracking", p->tracking))
		return -1;
	if (p->boost_set) {
		snprintf(buf, sizeof(buf), "%lu", p->boost_ns);
		if (prm_set("boost_ns", buf))
			return -1;
	}
	if (mkipc_param_read("priority_tracking", p->tracking_now,
			     sizeof(p->tracking_now)))
		snprintf(p->tracking_now, sizeof(p->tracking_now), "-");
	if (mkipc_param_read("boost_ns", p->boost_now, sizeof(p->boost_now)))
		snprintf(p->boost_now, sizeof(p->boost_now), "-");
	return 0;
}

/* "priority_tracking=Y boost_ns=10000 (set by this run...)\n" and the like */
static void prm_print(const struct prm_prio *p)
{
	printf("priority_tracking=%s boost_ns=%s", p->tracking_now,
	       p->boost_now);
	if (p->tracking || p->boost_set)
		printf(" (%s%s%s set by this run, restored after)",
		       p->tracking ? "priority_tracking" : "",
		       p->tracking && p->boost_set ? " and " : "",
		       p->boost_set ? "boost_ns" : "");
	printf("\n");
}

/* " priority_tracking=Y boost_ns=10000" for a SUMMARY line */
static void prm_summary(const struct prm_prio *p)
{
	printf(" priority_tracking=%s boost_ns=%s", p->tracking_now,
	       p->boost_now);
}

static void prm_json(struct jw *w, const struct prm_prio *p)
{
	jw_open(w, "module_parameters", '{');
	jw_token(w, "priority_tracking", p->tracking_now);
	jw_token(w, "boost_ns", p->boost_now);
	jw_bool(w, "set_by_run", p->tracking || p->boost_set);
	jw_close(w, '}');
}

/*
 * The debugfs counters of priority changes, and of the delivery paths
 * (direct: through the mailbox, queued: through the queue), before and
 * after a run.
 */
static const char * const kc_names[] = {
	"prio_raise", "prio_restore", "prio_external", "prio_refused",
	"boosts", "boost_decays", "boost_limited", "direct", "queued",
};

#define KC_N	ARRAY_SIZE(kc_names)

struct kc_snap {
	bool ok;
	long long v[KC_N];	/* -1: not in the file */
};

static void kc_take(struct kc_snap *s)
{
	char *text, *line, *save = NULL, name[64];
	long long val;
	size_t k;

	memset(s, 0, sizeof(*s));
	for (k = 0; k < KC_N; k++)
		s->v[k] = -1;
	if (mkipc_file_read_all(DEBUGFS_DIR "/stats", &text) < 0)
		return;
	s->ok = true;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%63s %lld", name, &val) != 2)
			continue;
		for (k = 0; k < KC_N; k++)
			if (!strcmp(name, kc_names[k]))
				s->v[k] = val;
	}
	free(text);
}

/* Counter @k's change from @a to @b; -1 when unknown. */
static long long kc_delta(const struct kc_snap *a, const struct kc_snap *b,
			  size_t k)
{
	if (!a->ok || !b->ok || a->v[k] < 0 || b->v[k] < 0)
		return -1;
	return b->v[k] - a->v[k];
}

/* "# debugfs counters over the run: prio_raise +3 ..." */
static void kc_print(const struct kc_snap *a, const struct kc_snap *b)
{
	long long d;
	size_t k;

	if (!a->ok || !b->ok) {
		printf("# debugfs counters: %s unreadable (debugfs mounted? root?)\n",
		       DEBUGFS_DIR "/stats");
		return;
	}
	printf("# debugfs counters over the run (all of the module's threads):");
	for (k = 0; k < KC_N; k++) {
		d = kc_delta(a, b, k);
		if (d < 0)
			printf(" %s -", kc_names[k]);
		else
			printf(" %s +%lld", kc_names[k], d);
	}
	printf("\n");
}

/* " prio_raise=3 ..." for a SUMMARY line ("-" when unknown). */
static void kc_summary(const struct kc_snap *a, const struct kc_snap *b)
{
	long long d;
	size_t k;

	for (k = 0; k < KC_N; k++) {
		d = kc_delta(a, b, k);
		if (d < 0)
			printf(" %s=-", kc_names[k]);
		else
			printf(" %s=%lld", kc_names[k], d);
	}
}

static void kc_json(struct jw *w, const struct kc_snap *a,
		    const struct kc_snap *b)
{
	long long d;
	size_t k;

	if (!a->ok || !b->ok) {
		jw_null(w, "counters");
		return;
	}
	jw_open(w, "counters", '{');
	for (k = 0; k < KC_N; k++) {
		d = kc_delta(a, b, k);
		if (d < 0)
			jw_null(w, kc_names[k]);
		else
			jw_i64(w, kc_names[k], d);
	}
	jw_close(w, '}');
}

/* The calling thread's policy, priority and nice; says why not. */
static int pr_set_sched(int policy, int prio, int nice)
{
	struct mkipc_sched s = {
		.policy = policy, .prio = prio, .nice = nice,
	};
	int ret;

	ret = mkipc_sched_set(0, &s);
	if (ret)
		err("sched_setattr(%s %d, nice %d): %s%s",
		    mkipc_policy_name(policy), prio, nice, strerror(-ret),
		    ret == -EPERM || ret == -EACCES ?
		    " (root or CAP_SYS_NICE needed)" : "");
	return ret ? -1 : 0;
}

/*
 * A thread running @fn(@arg) on @cpu under @policy at @prio from its
 * first instruction (its nice level it sets itself: pthreads has none).
 */
static int pr_thread_create(pthread_t *t, void *(*fn)(void *), void *arg,
			    int policy, int prio, int cpu)
{
	int ret;

	ret = mkipc_thread_create(t, fn, arg, policy, prio, cpu);
	if (ret)
		err("pthread_create (%s %d on CPU %d): %s%s",
		    mkipc_policy_name(policy), prio, cpu, strerror(-ret),
		    ret == -EPERM ? " (root or CAP_SYS_NICE needed)" : "");
	return ret ? -1 : 0;
}

/* Spins until the calling thread has had @ns more of CPU time. */
static void pr_spin_cpu(__u64 ns)
{
	struct timespec ts;
	__u64 end;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	end = mkipc_ts_ns(&ts) + ns;
	do {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	} while (mkipc_ts_ns(&ts) < end);
}

/* Sleeps until CLOCK_MONOTONIC reads @t ns. */
static void pr_sleep_until(__u64 t)
{
	struct timespec ts = {
		.tv_sec = t / 1000000000ULL,
		.tv_nsec = t % 1000000000ULL,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

/* xorshift64*: the run's random intervals, reproducible from --seed. */
static __u64 pr_rand(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [lo, hi]. */
static __u64 pr_rand_range(__u64 *s, __u64 lo, __u64 hi)
{
	return lo + pr_rand(s) % (hi - lo + 1);
}

/* A seed from the clock and the pid when none is given; never 0. */
static __u64 pr_seed(void)
{
	__u64 s = mkipc_clock_ns() ^ ((__u64)getpid() << 32);

	return s ? s : 1;
}

/* The kernel's real-time throttling: runtime and period (us). */
static void pr_rt_limits(long *runtime, long *period)
{
	if (mkipc_file_read_long(MKIPC_RT_RUNTIME_PATH, runtime))
		*runtime = -2;
	if (mkipc_file_read_long(MKIPC_RT_PERIOD_PATH, period))
		*period = -2;
}

/* ------------------------------------------------------------------ */
/* mkipc info */

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

static void info_usage(FILE *f)
{
	fputs(info_help, f);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

/*
 * The names of the entries of @path (no dot files), sorted; NULL and
 * *@n = 0 when it cannot be read (errno says why). The caller frees each
 * name and the array.
 */
static char **list_dir(const char *path, size_t *n)
{
	char **names = NULL, **nn;
	size_t cap = 0;
	struct dirent *d;
	DIR *dir;

	*n = 0;
	dir = opendir(path);
	if (!dir)
		return NULL;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn)
				break;
			names = nn;
		}
		names[*n] = strdup(d->d_name);
		if (names[*n])
			(*n)++;
	}
	closedir(dir);
	if (*n)
		qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

static void free_list(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int cmd_info(int argc, char **argv)
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

/* ------------------------------------------------------------------ */
/* mkipc stats */

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

static void stats_usage(FILE *f)
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

static int cmd_stats(int argc, char **argv)
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

/* ------------------------------------------------------------------ */
/*
 * mkipc pingpong
 *
 * A client and a server (two threads, or a process and its forked child)
 * exchange ITERS round trips after WARMUP untimed ones. The client times
 * each round trip with clock_gettime(CLOCK_MONOTONIC) just before sending
 * the request and just after taking the reply, and keeps every sample.
 * Request n carries label n (n = 1, 2, ...) and, with a payload, first
 * byte (u8)n; the server answers label n + 1 and increments the byte, and
 * the client checks both (and the size) after every round trip.
 *
 * Transports:
 *  mkipc  call: the client calls (MKIPC_IOC_CALL) on a send-only
 *	   descriptor minted with MKIPC_IOC_EP_SENDER; the server loops on
 *	   MKIPC_IOC_REPLY_RECV answering the previous token. --no-call:
 *	   two endpoints, request and reply; the client sends on the first
 *	   and receives on the second, the server the other way round.
 *	   In procs mode the client process holds only send-only
 *	   descriptors of the request endpoint (and the receive side of
 *	   the reply endpoint); the receive right stays with the child.
 *  futex  two 32-bit words in a shared mapping, request and reply: the
 *	   writer stores the sequence number, FUTEX_WAKEs (always, without
 *	   checking for a waiter) and FUTEX_WAITs on the other word until
 *	   it changes. No spinning. Private futexes for threads.
 *  yield  the cost floor of a hand-off on one CPU: both sides SCHED_FIFO
 *	   at one priority on one CPU; the client stores the request and
 *	   calls sched_yield(), which runs the server; it stores the reply
 *	   and yields back. Two syscalls and two switches a round trip.
 *  pipe   two pipes; a message is the 8-byte label and the payload.
 *  minimal  the least an ioctl-based call costs: /dev/mkipc_min
 *	   (tools/bench/minimal, loaded by the benchmark), one word each
 *	   way, stored, a wake_up_interruptible_sync() and a
 *	   wait_event_interruptible(); no payloads.
 * Payloads: mkipc and pipe copy through the kernel; futex and yield copy
 * into and out of the shared mapping, so every transport copies each
 * payload twice each way.
 */

#define PP_STOP		UINT64_MAX	/* label of the mkipc stop message */
#define PP_FIFO_PRIO	10		/* yield: SCHED_FIFO priority */
#define PP_TIMER_PAIRS	1001		/* clock reads to time the clock */
#define PP_HIST_BUCKETS	64

enum pp_transport { PP_MKIPC, PP_FUTEX, PP_YIELD, PP_PIPE, PP_MINIMAL };
enum pp_mode { PP_THREADS, PP_PROCS };

static const char * const pp_transport_names[] = {
	[PP_MKIPC]	= "mkipc",
	[PP_FUTEX]	= "futex",
	[PP_YIELD]	= "yield",
	[PP_PIPE]	= "pipe",
	[PP_MINIMAL]	= "minimal",
};

static const char * const pp_mode_names[] = {
	[PP_THREADS]	= "threads",
	[PP_PROCS]	= "procs",
};

struct pp_opts {
	unsigned long iters;
	unsigned long warmup;
	bool warmup_set;
	enum pp_mode mode;
	enum pp_transport transport;
	const char *cpus;		/* one, two, any */
	long cpu_a, cpu_b;		/* -1: not given / not pinned */
	unsigned long size;
	bool call, lfq, owaitq, sync, direct, recycle; /* optimizations */
	bool opt_given;			/* any of --no-* or --naive */
	bool json, progress;
	const char *samples;		/* file for the raw samples */
	unsigned long stall_s;
	/* priority: the client's, the endpoint's flag, the module's */
	bool caller_nice_set;
	long caller_nice;
	unsigned long caller_fifo;	/* SCHED_FIFO priority; 0: none */
	bool inherit_rt;
	struct prm_prio prm;
};

/* What client and server share: a MAP_SHARED mapping, for procs too. */
struct pp_shared {
	/* futex, yield: the request number, and the server's stop flag */
	__u32 req ____cacheline_aligned;
	__u32 stop;
	/* futex, yield: the reply number, on a line of its own */
	__u32 rep ____cacheline_aligned;
	char req_buf[MKIPC_MSG_MAX] ____cacheline_aligned;
	char rep_buf[MKIPC_MSG_MAX] ____cacheline_aligned;
};

struct pp_ctx;
typedef int (*pp_rt_fn)(struct pp_ctx *c, __u64 seq);

struct pp_ctx {
	const struct pp_opts *o;
	struct pp_shared *sh;
	__u32 size;
	pp_rt_fn rt;			/* the client's round trip */
	int (*server)(struct pp_ctx *c);

	/* mkipc */
	struct mkipc_version ver;
	bool have_ver;
	int dev;
	int req_ep;		/* request endpoint, receive right: server */
	int req_snd;		/* its send-only descriptor: client */
	int rep_ep;		/* --no-call reply endpoint, receive: client */
	int rep_snd;		/* its send-only descriptor: server */
	struct mkipc_ep_info ep_info;	/* of req_ep */
	struct mkipc_ep_info snd_info;	/* of req_snd */
	struct mkipc_call call;		/* client, filled once */
	struct mkipc_send send;		/* client, --no-call */
	struct mkipc_recv recv;		/* client, --no-call */

	/* futex */
	int fwait, fwake;

	/* pipe */
	int req_pipe[2], rep_pipe[2];

	/* minimal */
	int min_fd;

	/* buffers, allocated before the run */
	char *cbuf;		/* client: request */
	char *cbuf_rep;		/* client: reply */
	char *sbuf;		/* server */
	size_t buflen;

	int cpu_a, cpu_b;		/* -1: not pinned */
	cpu_set_t allowed;		/* the CPUs we were started on */
	pid_t child;			/* procs: the server */
	pthread_t server_thread;	/* threads: the server */

	/* watchdog */
	unsigned long done;		/* round trips completed */
	unsigned long total;
	bool stopping;			/* the server is told to stop */
	bool finished;			/* and it has: watchdog, go */

	char detail[256];		/* a failed check, for the report */

	/* debugfs priority counters around the client's loop */
	struct kc_snap kc_before, kc_after;
};

static const char pp_help[] =
	"usage: mkipc pingpong [options]\n"
	"\n"
	"Round-trip benchmark: a client and a server exchange ITERS timed round\n"
	"trips (after WARMUP untimed ones); every sample is kept and the report\n"
	"gives min, avg, p50, p99, max in ns, a log2 histogram and every\n"
	"parameter. Each reply is checked against its request (label + 1).\n"
	"\n"
	"  --iters N          timed round trips (default 100000)\n"
	"  --warmup N         untimed round trips first (default 10% of iters)\n"
	"  --mode M           threads (default) or procs: the server is a forked\n"
	"                     child holding the inherited endpoint descriptor\n"
	"  --cpus C           one: both on one CPU (default); two: one CPU each;\n"
	"                     any: not pinned\n"
	"  --cpu-a N          pin the client to CPU N (overrides --cpus)\n"
	"  --cpu-b N          pin the server to CPU N (overrides --cpus)\n"
	"  --transport T      mkipc (default), futex, yield or pipe:\n"
	"                       mkipc  call/reply_recv on an endpoint\n"
	"                       futex  FUTEX_WAKE/FUTEX_WAIT on shared words\n"
	"                       yield  SCHED_FIFO peers on one CPU handing over\n"
	"                              with sched_yield(): the cost floor (root\n"
	"                              or CAP_SYS_NICE; one CPU only)\n"
	"                       pipe   two pipes\n"
	"                       minimal  /dev/mkipc_min: one word each way,\n"
	"                              a sync wake-up and a wait_event, the\n"
	"                              least an ioctl call costs (size 0 only;\n"
	"                              insmod tools/bench/minimal/mkipc_min.ko)\n"
	"  --size BYTES       payload each way (default 0, at most " STR(MKIPC_MSG_MAX) ")\n"
	"  --no-call          mkipc: send + recv over a request and a reply\n"
	"                     endpoint instead of call/reply_recv\n"
	"  --no-lfq           mkipc: MKIPC_EP_QUEUE_SPIN (spinlock queue)\n"
	"  --no-owaitq        mkipc: MKIPC_EP_WAITQ_STOCK (wait_queue_head_t)\n"
	"  --no-sync          mkipc: MKIPC_EP_WAKE_PLAIN (no WF_SYNC hand-off)\n"
	"  --no-direct        mkipc: MKIPC_EP_NO_DIRECT (every message through\n"
	"                     the queue)\n"
	"  --no-recycle       mkipc: MKIPC_EP_NO_RECYCLE (a new record a message,\n"
	"                     every token from the endpoint's table)\n"
	"  --naive            mkipc: all six of the above: the slow path\n"
	"  --caller-nice N    mkipc: the client runs SCHED_OTHER at nice N\n"
	"                     (-20..19), the server at nice 0: with N < 0 every\n"
	"                     call raises the server and its reply restores it\n"
	"  --caller-fifo P    mkipc: the client runs SCHED_FIFO at P (1..99), the\n"
	"                     server SCHED_OTHER nice 0 (root or CAP_SYS_NICE)\n"
	"  --inherit-rt       mkipc: the endpoint has MKIPC_EP_INHERIT_RT: the\n"
	"                     server inherits a SCHED_FIFO client's priority\n"
	"  --priority-tracking Y|N\n"
	"                     mkipc: set the module parameter for this run and\n"
	"                     put it back after (root)\n"
	"  --boost-ns N       mkipc: likewise the boost_ns parameter (0..10000000)\n"
	"  --stall-timeout S  fail (exit 3) when no round trip completes in S\n"
	"                     seconds (default 60; 0: never)\n"
	"  --samples FILE     write every timed round trip (ns), one a line, in\n"
	"                     the order they ran\n"
	"  --progress         progress on stderr about once a second (the\n"
	"                     default when stderr is a terminal)\n"
	"  --json             one JSON object on stdout\n"
	"  --help             this text\n"
	"\n"
	"The text report ends with one SUMMARY line holding every parameter and\n"
	"result as key=value. The mkipc transport's report gives the module's\n"
	"priority_tracking and boost_ns, and how debugfs's priority counters\n"
	"(prio_raise, boosts, ...) changed over the run, warm-up included.\n";

static void pp_usage(FILE *f)
{
	fputs(pp_help, f);
}

/* ---- pinning and scheduling ---- */

/* Pins the calling thread to @cpu (< 0: leaves it); says why not. */
static int pp_pin(int cpu)
{
	int ret;

	if (cpu < 0)
		return 0;
	ret = mkipc_pin_cpu(cpu);
	if (ret)
		err("cannot pin to CPU %d: %s", cpu, strerror(-ret));
	return ret ? -1 : 0;
}

static int pp_set_fifo(void)
{
	struct mkipc_sched s = {
		.policy = SCHED_FIFO, .prio = PP_FIFO_PRIO,
		.nice = MKIPC_NICE_KEEP,
	};
	int ret;

	ret = mkipc_sched_set(0, &s);
	if (ret)
		err("the yield transport needs SCHED_FIFO: %s%s",
		    strerror(-ret), ret == -EPERM ?
		    " (run as root or with CAP_SYS_NICE)" : "");
	return ret ? -1 : 0;
}

/* Resolves --cpus, --cpu-a and --cpu-b against the CPUs we may use. */
static int pp_pick_cpus(const struct pp_opts *o, struct pp_ctx *c)
{
	int cpu, first = -1, second = -1;

	if (sched_getaffinity(0, sizeof(c->allowed), &c->allowed)) {
		err("sched_getaffinity: %s", strerror(errno));
		return -1;
	}
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &c->allowed))
			continue;
		if (first < 0)
			first = cpu;
		else if (second < 0)
			second = cpu;
	}
	c->cpu_a = -1;
	c->cpu_b = -1;
	if (!strcmp(o->cpus, "one")) {
		c->cpu_a = first;
		c->cpu_b = first;
	} else if (!strcmp(o->cpus, "two")) {
		if (second < 0 && (o->cpu_a < 0 || o->cpu_b < 0)) {
			err("--cpus two: only CPU %d is available", first);
			return -1;
		}
		c->cpu_a = first;
		c->cpu_b = second;
	}
	if (o->cpu_a >= 0)
		c->cpu_a = o->cpu_a;
	if (o->cpu_b >= 0)
		c->cpu_b = o->cpu_b;
	if (c->cpu_a >= 0 && !CPU_ISSET(c->cpu_a, &c->allowed)) {
		err("CPU %d (client) is not available to this process",
		    c->cpu_a);
		return -1;
	}
	if (c->cpu_b >= 0 && !CPU_ISSET(c->cpu_b, &c->allowed)) {
		err("CPU %d (server) is not available to this process",
		    c->cpu_b);
		return -1;
	}
	if (o->transport == PP_YIELD &&
	    (c->cpu_a < 0 || c->cpu_a != c->cpu_b)) {
		err("the yield transport measures two peers taking turns on %s",
		    "ONE CPU: use --cpus one (or equal --cpu-a and --cpu-b)");
		return -1;
	}
	return 0;
}

/* ---- I/O helpers ---- */

/* Reads exactly @len bytes; 0 at end of file before any, else -errno. */
static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return got ? -EPIPE : 0;
		got += n;
	}
	return got;
}

static ssize_t write_full(int fd, const void *buf, size_t len)
{
	size_t put = 0;
	ssize_t n;

	while (put < len) {
		n = write(fd, (const char *)buf + put, len - put);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		put += n;
	}
	return put;
}

static long sys_futex(__u32 *uaddr, int op, __u32 val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

/* ---- the check every round trip ends with ---- */

static int pp_mismatch(struct pp_ctx *c, __u64 seq, __u64 label,
		       __u32 size, const char *buf)
{
	snprintf(c->detail, sizeof(c->detail),
		 "reply to request %llu does not match: label %llu (want %llu), size %u (want %u), first byte %d (want %d)",
		 seq, label, seq + 1, size, c->size,
		 size ? (unsigned char)buf[0] : -1,
		 c->size ? (__u8)(seq + 1) : -1);
	return -EPROTO;
}

static inline int pp_check(struct pp_ctx *c, __u64 seq, __u64 label,
			   __u32 size, const char *buf)
{
	if (label != seq + 1 || size != c->size ||
	    (size && (__u8)buf[0] != (__u8)(seq + 1)))
		return pp_mismatch(c, seq, label, size, buf);
	return 0;
}

/* ---- mkipc ---- */

static int pp_mkipc_call_rt(struct pp_ctx *c, __u64 seq)
{
	struct mkipc_call *a = &c->call;
	int ret;

	a->req.label = seq;
	a->rep.size = c->size;
	if (c->size)
		c->cbuf[0] = (char)seq;
	ret = mkipc_call(c->req_snd, a);
	if (ret)
		return ret;
	return pp_check(c, seq, a->rep.label, a->rep.size, c->cbuf_rep);
}

static int pp_mkipc_sendrecv_rt(struct pp_ctx *c, __u64 seq)
{
	int ret;

	c->send.msg.label = seq;
	if (c->size)
		c->cbuf[0] = (char)seq;
	ret = mkipc_send(c->req_snd, &c->send);
	if (ret)
		return ret;
	c->recv.msg.size = c->size;
	ret = mkipc_recv(c->rep_ep, &c->recv);
	if (ret)
		return ret;
	if (c->recv.token) {
		snprintf(c->detail, sizeof(c->detail),
			 "reply to request %llu came with a call token (%#llx)",
			 seq, (__u64)c->recv.token);
		return -EPROTO;
	}
	return pp_check(c, seq, c->recv.msg.label, c->recv.msg.size,
			c->cbuf_rep);
}

/* The server gives up: kill the endpoint, so that the client sees EPIPE. */
static int pp_mkipc_server_fail(struct pp_ctx *c)
{
	mkipc_ep_shutdown(c->req_ep);
	return 1;
}

static int pp_mkipc_call_server(struct pp_ctx *c)
{
	struct mkipc_reply_recv rr;
	int ret;

	memset(&rr, 0, sizeof(rr));
	mkipc_msg_init(&rr.reply.msg, 0, c->sbuf, c->size);
	for (;;) {
		mkipc_msg_init(&rr.recv.msg, 0, c->sbuf, c->size);
		ret = mkipc_reply_recv(c->req_ep, &rr);
		if (ret) {
			err("server: MKIPC_IOC_REPLY_RECV: %s", strerror(-ret));
			return pp_mkipc_server_fail(c);
		}
		if (rr.reply_err) {
			err("server: reply (token %#llx) failed: %s",
			    (__u64)rr.reply.token, strerror(rr.reply_err));
			return pp_mkipc_server_fail(c);
		}
		if (!rr.recv.token) {
			if (rr.recv.msg.label == PP_STOP)
				return 0;
			err("server: request %llu came without a token",
			    (__u64)rr.recv.msg.label);
			return pp_mkipc_server_fail(c);
		}
		if (rr.recv.msg.size != c->size) {
			err("server: request %llu has %u bytes, want %u",
			    (__u64)rr.recv.msg.label, rr.recv.msg.size,
			    c->size);
			return pp_mkipc_server_fail(c);
		}
		rr.reply.token = rr.recv.token;
		rr.reply.msg.label = rr.recv.msg.label + 1;
		if (c->size)
			c->sbuf[0]++;
	}
}

static int pp_mkipc_sendrecv_server(struct pp_ctx *c)
{
	struct mkipc_recv rv;
	struct mkipc_send sd;
	int ret;

	memset(&rv, 0, sizeof(rv));
	memset(&sd, 0, sizeof(sd));
	mkipc_msg_init(&sd.msg, 0, c->sbuf, c->size);
	for (;;) {
		mkipc_msg_init(&rv.msg, 0, c->sbuf, c->size);
		ret = mkipc_recv(c->req_ep, &rv);
		if (ret) {
			err("server: MKIPC_IOC_RECV: %s", strerror(-ret));
			return pp_mkipc_server_fail(c);
		}
		if (rv.msg.label == PP_STOP)
			return 0;
		if (rv.token || rv.msg.size != c->size) {
			err("server: request %llu: token %#llx, %u bytes (want no token, %u bytes)",
			    (__u64)rv.msg.label, (__u64)rv.token,
			    rv.msg.size, c->size);
			return pp_mkipc_server_fail(c);
		}
		sd.msg.label = rv.msg.label + 1;
		if (c->size)
			c->sbuf[0]++;
		ret = mkipc_send(c->rep_snd, &sd);
		if (ret) {
			err("server: MKIPC_IOC_SEND: %s", strerror(-ret));
			return pp_mkipc_server_fail(c);
		}
	}
}

static const char *pp_rights(__u32 rights, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s",
		 rights & MKIPC_RIGHT_RECV ? "recv" : "",
		 (rights & MKIPC_RIGHT_RECV) && (rights & MKIPC_RIGHT_SEND) ?
		 "," : "", rights & MKIPC_RIGHT_SEND ? "send" : "");
	if (!*buf)
		snprintf(buf, size, "none");
	return buf;
}

static int pp_mkipc_setup(struct pp_ctx *c)
{
	const struct pp_opts *o = c->o;
	__u32 flags = MKIPC_EP_CLOEXEC, want;
	char r1[16], r2[16];
	int ret;

	if (!c->have_ver)
		return -1;
	if (!(c->ver.features & MKIPC_FEAT_ENDPOINTS) ||
	    (o->call && !(c->ver.features & MKIPC_FEAT_CALL))) {
		err("the loaded module lacks %s (features %#llx)",
		    !(c->ver.features & MKIPC_FEAT_ENDPOINTS) ?
		    "endpoints" : "call/reply_recv (try --no-call)",
		    (__u64)c->ver.features);
		return -1;
	}
	if (c->size > c->ver.max_msg_size) {
		err("--size %u: the module's largest message is %u bytes",
		    c->size, c->ver.max_msg_size);
		return -1;
	}
	if (!o->lfq)
		flags |= MKIPC_EP_QUEUE_SPIN;
	if (!o->owaitq)
		flags |= MKIPC_EP_WAITQ_STOCK;
	if (!o->sync)
		flags |= MKIPC_EP_WAKE_PLAIN;
	if (!o->direct)
		flags |= MKIPC_EP_NO_DIRECT;
	if (!o->recycle)
		flags |= MKIPC_EP_NO_RECYCLE;
	if (o->inherit_rt)
		flags |= MKIPC_EP_INHERIT_RT;
	want = flags & ~MKIPC_EP_CLOEXEC;

	c->req_ep = mkipc_ep_create(c->dev, flags, 0, NULL);
	if (c->req_ep < 0) {
		err("MKIPC_IOC_EP_CREATE (flags %#x): %s", flags,
		    strerror(-c->req_ep));
		return -1;
	}
	c->req_snd = mkipc_ep_sender(c->req_ep, MKIPC_EP_CLOEXEC);
	if (c->req_snd < 0) {
		err("MKIPC_IOC_EP_SENDER: %s", strerror(-c->req_snd));
		return -1;
	}
	if (!o->call) {
		c->rep_ep = mkipc_ep_create(c->dev, flags, 0, NULL);
		if (c->rep_ep < 0) {
			err("MKIPC_IOC_EP_CREATE (reply endpoint): %s",
			    strerror(-c->rep_ep));
			return -1;
		}
		c->rep_snd = mkipc_ep_sender(c->rep_ep, MKIPC_EP_CLOEXEC);
		if (c->rep_snd < 0) {
			err("MKIPC_IOC_EP_SENDER (reply endpoint): %s",
			    strerror(-c->rep_snd));
			return -1;
		}
	}

	/* What the endpoint really runs on, and what each side may do. */
	memset(&c->ep_info, 0, sizeof(c->ep_info));
	memset(&c->snd_info, 0, sizeof(c->snd_info));
	ret = mkipc_ep_info(c->req_ep, &c->ep_info);
	if (!ret)
		ret = mkipc_ep_info(c->req_snd, &c->snd_info);
	if (ret) {
		err("MKIPC_IOC_EP_INFO: %s", strerror(-ret));
		return -1;
	}
	if ((c->ep_info.flags & want) != want) {
		err("endpoint %llu runs with flags %#x, asked for %#x",
		    (__u64)c->ep_info.id, c->ep_info.flags, want);
		return -1;
	}
	if (c->ep_info.rights != (MKIPC_RIGHT_SEND | MKIPC_RIGHT_RECV) ||
	    c->snd_info.rights != MKIPC_RIGHT_SEND ||
	    c->snd_info.id != c->ep_info.id) {
		err("wrong rights: creator's %s (endpoint %llu), minted %s (endpoint %llu)",
		    pp_rights(c->ep_info.rights, r1, sizeof(r1)),
		    (__u64)c->ep_info.id,
		    pp_rights(c->snd_info.rights, r2, sizeof(r2)),
		    (__u64)c->snd_info.id);
		return -1;
	}

	memset(&c->call, 0, sizeof(c->call));
	mkipc_msg_init(&c->call.req, 0, c->cbuf, c->size);
	mkipc_msg_init(&c->call.rep, 0, c->cbuf_rep, c->size);
	memset(&c->send, 0, sizeof(c->send));
	mkipc_msg_init(&c->send.msg, 0, c->cbuf, c->size);
	memset(&c->recv, 0, sizeof(c->recv));
	mkipc_msg_init(&c->recv.msg, 0, c->cbuf_rep, c->size);
	c->rt = o->call ? pp_mkipc_call_rt : pp_mkipc_sendrecv_rt;
	c->server = o->call ? pp_mkipc_call_server : pp_mkipc_sendrecv_server;
	return 0;
}

static void pp_mkipc_stop(struct pp_ctx *c)
{
	struct mkipc_send sd;
	int ret;

	memset(&sd, 0, sizeof(sd));
	sd.msg.label = PP_STOP;
	ret = mkipc_send(c->req_snd, &sd);
	if (!ret)
		return;
	err("sending the stop message: %s", strerror(-ret));
	/* Then the server must not wait for it: end it otherwise. */
	if (c->o->mode == PP_THREADS)
		mkipc_ep_shutdown(c->req_ep);
	else
		kill(c->child, SIGKILL);
}

/* ---- minimal ---- */

#define PP_MIN_STOP	MKIPC_MIN_WORD_MAX

static int pp_min_rt(struct pp_ctx *c, __u64 seq)
{
	long ret = ioctl(c->min_fd, MKIPC_MIN_CALL, (unsigned long)seq);

	if (ret < 0)
		return -errno;
	return pp_check(c, seq, ret, 0, NULL);
}

static int pp_min_server(struct pp_ctx *c)
{
	long req = ioctl(c->min_fd, MKIPC_MIN_RECV, 0);

	for (;;) {
		if (req < 0) {
			err("server: %s: %s", MKIPC_MIN_DEVICE,
			    strerror(errno));
			return 1;
		}
		if ((unsigned long)req == PP_MIN_STOP) {
			if (ioctl(c->min_fd, MKIPC_MIN_REPLY, PP_MIN_STOP) < 0) {
				err("server: %s: %s", MKIPC_MIN_DEVICE,
				    strerror(errno));
				return 1;
			}
			return 0;
		}
		req = ioctl(c->min_fd, MKIPC_MIN_REPLY_RECV,
			    (unsigned long)req + 1);
	}
}

static int pp_min_setup(struct pp_ctx *c)
{
	if (c->size) {
		err("--transport minimal: words only, no --size");
		return -1;
	}
	if (c->total + 1 >= PP_MIN_STOP) {
		err("--transport minimal: at most %lu round trips in all",
		    PP_MIN_STOP - 2);
		return -1;
	}
	c->min_fd = open("/dev/" MKIPC_MIN_DEVICE, O_RDWR | O_CLOEXEC);
	if (c->min_fd < 0) {
		err("/dev/%s: %s (insmod tools/bench/minimal/mkipc_min.ko)",
		    MKIPC_MIN_DEVICE, strerror(errno));
		return -1;
	}
	c->rt = pp_min_rt;
	c->server = pp_min_server;
	return 0;
}

static void pp_min_stop(struct pp_ctx *c)
{
	/* The server answers the stop word, then ends. */
	if (ioctl(c->min_fd, MKIPC_MIN_CALL, PP_MIN_STOP) < 0)
		err("stopping the server: %s", strerror(errno));
}

/* ---- futex ---- */

static int pp_futex_rt(struct pp_ctx *c, __u64 seq)
{
	struct pp_shared *sh = c->sh;
	__u32 want = (__u32)(seq + 1), v;

	if (c->size) {
		c->cbuf[0] = (char)seq;
		memcpy(sh->req_buf, c->cbuf, c->size);
	}
	__atomic_store_n(&sh->req, (__u32)seq, __ATOMIC_RELEASE);
	if (sys_futex(&sh->req, c->fwake, 1) < 0)
		return -errno;
	while ((v = __atomic_load_n(&sh->rep, __ATOMIC_ACQUIRE)) != want) {
		if (sys_futex(&sh->rep, c->fwait, v) < 0 &&
		    errno != EAGAIN && errno != EINTR)
			return -errno;
	}
	if (c->size)
		memcpy(c->cbuf_rep, sh->rep_buf, c->size);
	/* The word holds the label's low 32 bits; compare those. */
	return pp_check(c, seq, seq + 1 - want + v, c->size, c->cbuf_rep);
}

static int pp_futex_server(struct pp_ctx *c)
{
	struct pp_shared *sh = c->sh;
	__u32 last = 0, v;

	for (;;) {
		while ((v = __atomic_load_n(&sh->req, __ATOMIC_ACQUIRE)) ==
		       last) {
			if (sys_futex(&sh->req, c->fwait, last) < 0 &&
			    errno != EAGAIN && errno != EINTR) {
				err("server: FUTEX_WAIT: %s", strerror(errno));
				return 1;
			}
		}
		if (__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE))
			return 0;
		last = v;
		if (c->size) {
			memcpy(c->sbuf, sh->req_buf, c->size);
			c->sbuf[0]++;
			memcpy(sh->rep_buf, c->sbuf, c->size);
		}
		__atomic_store_n(&sh->rep, v + 1, __ATOMIC_RELEASE);
		if (sys_futex(&sh->rep, c->fwake, 1) < 0) {
			err("server: FUTEX_WAKE: %s", strerror(errno));
			return 1;
		}
	}
}

static void pp_futex_stop(struct pp_ctx *c, __u64 seq)
{
	__atomic_store_n(&c->sh->stop, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&c->sh->req, (__u32)seq, __ATOMIC_RELEASE);
	if (c->o->transport == PP_FUTEX)
		sys_futex(&c->sh->req, c->fwake, 1);
}

/* ---- yield ---- */

static int pp_yield_rt(struct pp_ctx *c, __u64 seq)
{
	struct pp_shared *sh = c->sh;
	__u32 want = (__u32)(seq + 1), v;

	if (c->size) {
		c->cbuf[0] = (char)seq;
		memcpy(sh->req_buf, c->cbuf, c->size);
	}
	__atomic_store_n(&sh->req, (__u32)seq, __ATOMIC_RELEASE);
	do {
		sched_yield();
	} while ((v = __atomic_load_n(&sh->rep, __ATOMIC_ACQUIRE)) != want);
	if (c->size)
		memcpy(c->cbuf_rep, sh->rep_buf, c->size);
	return pp_check(c, seq, seq + 1 - want + v, c->size, c->cbuf_rep);
}

static int pp_yield_server(struct pp_ctx *c)
{
	struct pp_shared *sh = c->sh;
	__u32 last = 0, v;

	if (pp_set_fifo())
		return 1;
	for (;;) {
		while ((v = __atomic_load_n(&sh->req, __ATOMIC_ACQUIRE)) ==
		       last)
			sched_yield();
		if (__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE))
			return 0;
		last = v;
		if (c->size) {
			memcpy(c->sbuf, sh->req_buf, c->size);
			c->sbuf[0]++;
			memcpy(sh->rep_buf, c->sbuf, c->size);
		}
		__atomic_store_n(&sh->rep, v + 1, __ATOMIC_RELEASE);
	}
}

/* ---- pipe ---- */

static int pp_pipe_rt(struct pp_ctx *c, __u64 seq)
{
	size_t len = sizeof(__u64) + c->size;
	__u64 label;
	ssize_t n;

	memcpy(c->cbuf, &seq, sizeof(seq));
	if (c->size)
		c->cbuf[sizeof(seq)] = (char)seq;
	n = write_full(c->req_pipe[1], c->cbuf, len);
	if (n < 0)
		return n;
	n = read_full(c->rep_pipe[0], c->cbuf_rep, len);
	if (n <= 0)
		return n ? n : -EPIPE;
	memcpy(&label, c->cbuf_rep, sizeof(label));
	return pp_check(c, seq, label, c->size, c->cbuf_rep + sizeof(label));
}

static int pp_pipe_server(struct pp_ctx *c)
{
	size_t len = sizeof(__u64) + c->size;
	__u64 label;
	ssize_t n;

	for (;;) {
		n = read_full(c->req_pipe[0], c->sbuf, len);
		if (n == 0)
			return 0;	/* the client closed: stop */
		if (n < 0) {
			err("server: read: %s", strerror(-n));
			return 1;
		}
		memcpy(&label, c->sbuf, sizeof(label));
		label++;
		memcpy(c->sbuf, &label, sizeof(label));
		if (c->size)
			c->sbuf[sizeof(label)]++;
		n = write_full(c->rep_pipe[1], c->sbuf, len);
		if (n < 0) {
			err("server: write: %s", strerror(-n));
			return 1;
		}
	}
}

static void pp_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- running it ---- */

static bool pp_prio_given(const struct pp_opts *o)
{
	return o->caller_nice_set || o->caller_fifo;
}

/* The client's priority, as --caller-nice and --caller-fifo ask. */
static int pp_set_caller(const struct pp_opts *o)
{
	if (!pp_prio_given(o))
		return 0;
	return pr_set_sched(o->caller_fifo ? SCHED_FIFO : SCHED_OTHER,
			    o->caller_fifo, o->caller_nice);
}

/* "fifo10", "nice-5" or "default" (as the tool was started). */
static const char *pp_caller_desc(const struct pp_opts *o, char *buf,
				  size_t size)
{
	if (o->caller_fifo)
		snprintf(buf, size, "fifo%lu", o->caller_fifo);
	else if (o->caller_nice_set)
		snprintf(buf, size, "nice%ld", o->caller_nice);
	else
		snprintf(buf, size, "default");
	return buf;
}

/*
 * In the server (thread or child), before its loop. Given a client
 * priority, the server drops what it inherited from the client to
 * SCHED_OTHER at nice 0.
 */
static int pp_server_main(struct pp_ctx *c)
{
	if (pp_pin(c->cpu_b))
		return 1;
	if (pp_prio_given(c->o) && pr_set_sched(SCHED_OTHER, 0, 0))
		return 1;
	return c->server(c);
}

static void *pp_server_thread(void *arg)
{
	return (void *)(intptr_t)pp_server_main(arg);
}

/* procs: each side keeps only the descriptors its role needs. */
static void pp_split_fds(struct pp_ctx *c, bool server)
{
	if (server) {
		pp_close(&c->dev);
		pp_close(&c->req_snd);
		pp_close(&c->rep_ep);
		pp_close(&c->req_pipe[1]);
		pp_close(&c->rep_pipe[0]);
	} else {
		pp_close(&c->req_ep);
		pp_close(&c->rep_snd);
		pp_close(&c->req_pipe[0]);
		pp_close(&c->rep_pipe[1]);
	}
}

static int pp_start_server(struct pp_ctx *c)
{
	int ret;

	if (c->o->mode == PP_THREADS) {
		ret = pthread_create(&c->server_thread, NULL, pp_server_thread,
				     c);
		if (ret) {
			err("pthread_create: %s", strerror(ret));
			return -1;
		}
		return 0;
	}
	fflush(NULL);
	c->child = fork();
	if (c->child < 0) {
		err("fork: %s", strerror(errno));
		return -1;
	}
	if (c->child == 0) {
		/* The server dies with the client, whatever happens to it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(1);
		pp_split_fds(c, true);
		_exit(pp_server_main(c));
	}
	pp_split_fds(c, false);
	return 0;
}

/* Tells the server to stop and waits for it; 0 if it ended cleanly. */
static int pp_stop_server(struct pp_ctx *c, __u64 seq)
{
	int status, ret = 0;
	void *res;

	switch (c->o->transport) {
	case PP_MKIPC:
		pp_mkipc_stop(c);
		break;
	case PP_FUTEX:
	case PP_YIELD:
		pp_futex_stop(c, seq);
		break;
	case PP_PIPE:
		pp_close(&c->req_pipe[1]);
		break;
	case PP_MINIMAL:
		pp_min_stop(c);
		break;
	}
	if (c->o->mode == PP_THREADS) {
		pthread_join(c->server_thread, &res);
		ret = (int)(intptr_t)res;
		if (ret)
			err("the server thread failed");
		return ret;
	}
	while (waitpid(c->child, &status, 0) < 0) {
		if (errno != EINTR) {
			err("waitpid: %s", strerror(errno));
			return -1;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		err("the server process %s %d", WIFEXITED(status) ?
		    "exited with status" : "was killed by signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) :
		    WTERMSIG(status));
		return -1;
	}
	return 0;
}

/*
 * The watchdog: a thread of the client's process, unpinned and
 * SCHED_OTHER, that ends the run when no round trip completes for
 * --stall-timeout seconds (a lost wake-up would hang it forever), or when
 * the server process dies.
 */
static void *pp_watchdog(void *arg)
{
	struct timespec tick = { .tv_nsec = 100 * 1000 * 1000 };
	struct pp_ctx *c = arg;
	unsigned long last = 0, done;
	__u64 since = mkipc_clock_ns();
	siginfo_t si;

	for (;;) {
		nanosleep(&tick, NULL);
		if (__atomic_load_n(&c->finished, __ATOMIC_ACQUIRE))
			return NULL;
		done = __atomic_load_n(&c->done, __ATOMIC_RELAXED);
		if (done != last) {
			last = done;
			since = mkipc_clock_ns();
		} else if (c->o->stall_s &&
			   mkipc_clock_ns() - since > c->o->stall_s * 1000000000ULL) {
			if (__atomic_load_n(&c->stopping, __ATOMIC_ACQUIRE))
				err("stalled: the server did not stop in %lu s",
				    c->o->stall_s);
			else
				err("stalled: no round trip for %lu s, after %lu of %lu (%s, %s)",
				    c->o->stall_s, done, c->total,
				    pp_transport_names[c->o->transport],
				    pp_mode_names[c->o->mode]);
			_exit(EXIT_STALL);
		}
		if (c->o->mode == PP_PROCS &&
		    !__atomic_load_n(&c->stopping, __ATOMIC_ACQUIRE)) {
			memset(&si, 0, sizeof(si));
			if (!waitid(P_PID, c->child, &si,
				    WEXITED | WNOHANG | WNOWAIT) &&
			    si.si_pid == c->child &&
			    !__atomic_load_n(&c->stopping, __ATOMIC_ACQUIRE)) {
				err("the server process ended (%s %d) after %lu round trips",
				    si.si_code == CLD_EXITED ? "status" :
				    "signal", si.si_status, done);
				_exit(1);
			}
		}
	}
}

static int pp_start_watchdog(struct pp_ctx *c)
{
	struct sched_param sp = { .sched_priority = 0 };
	pthread_attr_t attr;
	pthread_t t;
	int ret;

	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_OTHER);
	pthread_attr_setschedparam(&attr, &sp);
	pthread_attr_setaffinity_np(&attr, sizeof(c->allowed), &c->allowed);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ret = pthread_create(&t, &attr, pp_watchdog, c);
	pthread_attr_destroy(&attr);
	if (ret) {
		err("pthread_create (watchdog): %s", strerror(ret));
		return -1;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Back-to-back clock reads, as every sample holds one such pair. */
static void pp_timer_cost(__u64 *median, __u64 *min)
{
	__u64 d[PP_TIMER_PAIRS];
	struct timespec a, b;
	int i;

	for (i = 0; i < PP_TIMER_PAIRS; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		clock_gettime(CLOCK_MONOTONIC, &b);
		d[i] = mkipc_ts_ns(&b) - mkipc_ts_ns(&a);
	}
	qsort(d, PP_TIMER_PAIRS, sizeof(d[0]), cmp_u64);
	*median = d[PP_TIMER_PAIRS / 2];
	*min = d[0];
}

static void pp_progress(struct pp_ctx *c, unsigned long i, __u64 start,
			bool tty, bool end)
{
	const struct pp_opts *o = c->o;
	double s = (mkipc_clock_ns() - start) / 1e9;

	fprintf(stderr, "%spingpong %s/%s: %lu/%lu round trips%s (%.0f%%), %.1f s%s",
		tty ? "\r" : "", pp_transport_names[o->transport],
		pp_mode_names[o->mode], i, c->total,
		i <= o->warmup ? " (warm-up)" : "", 100.0 * i / c->total, s,
		tty && !end ? "\033[K" : "\n");
}

/* The client's loop: WARMUP untimed, then ITERS timed round trips. */
static int pp_client(struct pp_ctx *c, __u64 *samples)
{
	const struct pp_opts *o = c->o;
	bool tty = isatty(STDERR_FILENO);
	bool progress = o->progress || tty;
	__u64 start = mkipc_clock_ns(), next = start + 1000000000ULL, t;
	struct timespec t0, t1;
	unsigned long i;
	int ret;

	for (i = 0; i < c->total; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ret = c->rt(c, i + 1);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (ret) {
			if (progress && tty)
				fputc('\n', stderr);
			if (ret == -EPROTO && c->detail[0])
				err("round trip %lu: %s", i + 1, c->detail);
			else
				err("round trip %lu (%s transport): %s%s",
				    i + 1, pp_transport_names[o->transport],
				    strerror(-ret), ret == -EPIPE ?
				    " (the server side is gone)" : "");
			return -1;
		}
		t = mkipc_ts_ns(&t1);
		if (i >= o->warmup)
			samples[i - o->warmup] = t - mkipc_ts_ns(&t0);
		__atomic_store_n(&c->done, i + 1, __ATOMIC_RELAXED);
		if (progress && t >= next) {
			pp_progress(c, i + 1, start, tty, false);
			next = t + 1000000000ULL;
		}
	}
	if (progress && mkipc_clock_ns() - start >= 1000000000ULL)
		pp_progress(c, i, start, tty, true);
	return 0;
}

struct pp_result {
	unsigned long n;
	__u64 min, max, p50, p99;
	double avg;
	__u64 timer_med, timer_min;
	unsigned long hist[PP_HIST_BUCKETS];	/* [2^k, 2^(k+1)) ns; 0: 0-1 */
};

static __u64 pp_pct(const __u64 *sorted, unsigned long n, unsigned int pct)
{
	unsigned long rank = (n * pct + 99) / 100;	/* nearest rank */

	return sorted[rank ? rank - 1 : 0];
}

/* The @n samples @s to @path, one a line, each with @flag[i] if given. */
static int pp_write_samples(const char *path, const __u64 *s,
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

static void pp_analyze(__u64 *s, unsigned long n, struct pp_result *r)
{
	long double sum = 0;
	unsigned long i;
	int b;

	qsort(s, n, sizeof(*s), cmp_u64);
	r->n = n;
	r->min = s[0];
	r->max = s[n - 1];
	r->p50 = pp_pct(s, n, 50);
	r->p99 = pp_pct(s, n, 99);
	memset(r->hist, 0, sizeof(r->hist));
	for (i = 0; i < n; i++) {
		sum += s[i];
		b = s[i] ? 63 - __builtin_clzll(s[i]) : 0;
		r->hist[b]++;
	}
	r->avg = (double)(sum / n);
}

/* "what (ns): min 1  avg 2.0  p50 2  p99 3  max 4  (5 calls)" */
static void pp_print_lat(const char *what, const struct pp_result *r,
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

/* " min_ns=1 avg_ns=2.0 p50_ns=2 p99_ns=3 max_ns=4" for a SUMMARY line */
static void pp_summary_lat(const struct pp_result *r)
{
	printf(" min_ns=%llu avg_ns=%.1f p50_ns=%llu p99_ns=%llu max_ns=%llu",
	       r->min, r->avg, r->p50, r->p99, r->max);
}

/* min, avg, p50, p99, max of @r as members of the open object. */
static void pp_json_lat(struct jw *w, const struct pp_result *r)
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

static const char *pp_onoff(bool b)
{
	return b ? "on" : "off";
}

static void pp_report_text(struct pp_ctx *c, const struct pp_result *r,
			   const char *kernel)
{
	const struct pp_opts *o = c->o;
	bool mk = o->transport == PP_MKIPC;
	unsigned long top = 0;
	char rights[16], abi[32], who[32];
	int b, lo = -1, hi = -1, bar;

	abi_str(c->have_ver ? &c->ver : NULL, abi, sizeof(abi));
	printf("# mkipc pingpong: transport=%s mode=%s cpus=%s (client CPU %d, server CPU %d)\n",
	       pp_transport_names[o->transport], pp_mode_names[o->mode],
	       o->cpus, c->cpu_a, c->cpu_b);
	printf("# iters=%lu warmup=%lu size=%u\n", o->iters, o->warmup,
	       c->size);
	if (mk) {
		printf("# optimizations: call=%s lfq=%s owaitq=%s sync=%s direct=%s recycle=%s\n",
		       pp_onoff(o->call), pp_onoff(o->lfq),
		       pp_onoff(o->owaitq), pp_onoff(o->sync),
		       pp_onoff(o->direct), pp_onoff(o->recycle));
		printf("# endpoint %llu: queue=%s waitq=%s wake=%s direct=%s",
		       (__u64)c->ep_info.id,
		       c->ep_info.flags & MKIPC_EP_QUEUE_SPIN ? "spin" : "lfq",
		       c->ep_info.flags & MKIPC_EP_WAITQ_STOCK ?
		       "stock" : "owaitq",
		       c->ep_info.flags & MKIPC_EP_WAKE_PLAIN ? "plain" : "sync",
		       c->ep_info.flags & MKIPC_EP_NO_DIRECT ? "off" : "on");
		printf(" recycle=%s max_msgs=%u",
		       c->ep_info.flags & MKIPC_EP_NO_RECYCLE ? "off" : "on",
		       c->ep_info.max_msgs);
		printf("%s;", c->ep_info.flags & MKIPC_EP_INHERIT_RT ?
		       " inherit_rt" : "");
		printf(" client descriptor rights=%s%s\n",
		       pp_rights(c->snd_info.rights, rights, sizeof(rights)),
		       o->call ? "" : " (request endpoint; reply endpoint alike)");
	} else {
		printf("# optimizations: n/a (%s transport)\n",
		       pp_transport_names[o->transport]);
	}
	if (mk) {
		if (o->caller_fifo)
			printf("# priority: client SCHED_FIFO %lu, server SCHED_OTHER nice 0;",
			       o->caller_fifo);
		else if (o->caller_nice_set)
			printf("# priority: client SCHED_OTHER nice %ld, server nice 0;",
			       o->caller_nice);
		else
			printf("# priority: both as started;");
		printf(" endpoint inherit_rt=%s; ",
		       o->inherit_rt ? "yes" : "no");
		prm_print(&o->prm);
		kc_print(&c->kc_before, &c->kc_after);
	}
	printf("# kernel %s, mkipc ABI %s", kernel, abi);
	if (c->have_ver)
		printf(" (features %#llx)", (__u64)c->ver.features);
	printf(", tool built for ABI %u.%u\n", MKIPC_ABI_MAJOR,
	       MKIPC_ABI_MINOR);
	printf("# timer: two back-to-back clock_gettime(CLOCK_MONOTONIC) cost %llu ns",
	       r->timer_med);
	printf(" (median of %d; min %llu); every sample includes that once\n",
	       PP_TIMER_PAIRS, r->timer_min);
	pp_print_lat("round trip", r, "samples");

	for (b = 0; b < PP_HIST_BUCKETS; b++) {
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
	printf("SUMMARY bench=pingpong transport=%s mode=%s cpus=%s",
	       pp_transport_names[o->transport], pp_mode_names[o->mode],
	       o->cpus);
	printf(" cpu_a=%d cpu_b=%d iters=%lu warmup=%lu size=%u", c->cpu_a,
	       c->cpu_b, o->iters, o->warmup, c->size);
	if (mk)
		printf(" call=%d lfq=%d owaitq=%d sync=%d direct=%d recycle=%d",
		       o->call, o->lfq, o->owaitq, o->sync, o->direct,
		       o->recycle);
	else
		printf(" call=- lfq=- owaitq=- sync=- direct=- recycle=-");
	if (mk) {
		printf(" caller=%s inherit_rt=%d",
		       pp_caller_desc(o, who, sizeof(who)), o->inherit_rt);
		prm_summary(&o->prm);
	} else {
		printf(" caller=- inherit_rt=- priority_tracking=- boost_ns=-");
	}
	printf(" kernel=%s abi=%s timer_ns=%llu", kernel, abi, r->timer_med);
	pp_summary_lat(r);
	if (mk)
		kc_summary(&c->kc_before, &c->kc_after);
	printf("\n");
}

static void pp_report_json(struct pp_ctx *c, const struct pp_result *r,
			   const char *kernel)
{
	const struct pp_opts *o = c->o;
	struct jw w = { .f = stdout };
	char rights[16], who[32];
	int b;

	jw_open(&w, NULL, '{');
	jw_str(&w, "command", "pingpong");
	jw_open(&w, "params", '{');
	jw_str(&w, "transport", pp_transport_names[o->transport]);
	jw_str(&w, "mode", pp_mode_names[o->mode]);
	jw_str(&w, "cpus", o->cpus);
	jw_i64(&w, "cpu_a", c->cpu_a);
	jw_i64(&w, "cpu_b", c->cpu_b);
	jw_u64(&w, "iters", o->iters);
	jw_u64(&w, "warmup", o->warmup);
	jw_u64(&w, "size", c->size);
	if (o->transport == PP_MKIPC) {
		jw_open(&w, "optimizations", '{');
		jw_bool(&w, "call", o->call);
		jw_bool(&w, "lfq", o->lfq);
		jw_bool(&w, "owaitq", o->owaitq);
		jw_bool(&w, "sync", o->sync);
		jw_bool(&w, "direct", o->direct);
		jw_bool(&w, "recycle", o->recycle);
		jw_close(&w, '}');
		jw_open(&w, "priority", '{');
		jw_str(&w, "caller", pp_caller_desc(o, who, sizeof(who)));
		jw_str(&w, "caller_policy", !pp_prio_given(o) ? NULL :
		       o->caller_fifo ? "SCHED_FIFO" : "SCHED_OTHER");
		if (o->caller_fifo)
			jw_u64(&w, "caller_priority", o->caller_fifo);
		else if (o->caller_nice_set)
			jw_i64(&w, "caller_nice", o->caller_nice);
		jw_str(&w, "server", pp_prio_given(o) ?
		       "SCHED_OTHER nice 0" : NULL);
		jw_bool(&w, "inherit_rt", o->inherit_rt);
		jw_close(&w, '}');
		prm_json(&w, &o->prm);
	} else {
		jw_null(&w, "optimizations");
	}
	json_kernel(&w, kernel, c->have_ver ? &c->ver : NULL);
	jw_close(&w, '}');
	if (o->transport == PP_MKIPC) {
		jw_open(&w, "endpoint", '{');
		jw_u64(&w, "id", c->ep_info.id);
		jw_u64(&w, "flags", c->ep_info.flags);
		jw_str(&w, "queue", c->ep_info.flags & MKIPC_EP_QUEUE_SPIN ?
		       "spin" : "lfq");
		jw_str(&w, "waitq", c->ep_info.flags & MKIPC_EP_WAITQ_STOCK ?
		       "stock" : "owaitq");
		jw_str(&w, "wake", c->ep_info.flags & MKIPC_EP_WAKE_PLAIN ?
		       "plain" : "sync");
		jw_u64(&w, "max_msgs", c->ep_info.max_msgs);
		jw_bool(&w, "inherit_rt",
			c->ep_info.flags & MKIPC_EP_INHERIT_RT);
		jw_str(&w, "client_rights",
		       pp_rights(c->snd_info.rights, rights, sizeof(rights)));
		jw_close(&w, '}');
	}
	if (o->transport == PP_MKIPC)
		kc_json(&w, &c->kc_before, &c->kc_after);
	jw_open(&w, "timer_overhead_ns", '{');
	jw_u64(&w, "median", r->timer_med);
	jw_u64(&w, "min", r->timer_min);
	jw_u64(&w, "pairs", PP_TIMER_PAIRS);
	jw_close(&w, '}');
	jw_open(&w, "results", '{');
	pp_json_lat(&w, r);
	jw_open(&w, "histogram", '[');
	for (b = 0; b < PP_HIST_BUCKETS; b++) {
		if (!r->hist[b])
			continue;
		jw_open(&w, NULL, '{');
		jw_u64(&w, "lo_ns", b ? 1ULL << b : 0);
		jw_u64(&w, "hi_ns", 1ULL << (b + 1));
		jw_u64(&w, "count", r->hist[b]);
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_close(&w, '}');
	jw_close(&w, '}');
}

static int pp_parse(int argc, char **argv, struct pp_opts *o)
{
	enum {
		OPT_ITERS = 256, OPT_WARMUP, OPT_MODE, OPT_CPUS, OPT_CPU_A,
		OPT_CPU_B, OPT_TRANSPORT, OPT_SIZE, OPT_NO_CALL, OPT_NO_LFQ,
		OPT_NO_OWAITQ, OPT_NO_SYNC, OPT_NO_DIRECT, OPT_NO_RECYCLE,
		OPT_NAIVE, OPT_STALL,
		OPT_PROGRESS, OPT_JSON, OPT_SAMPLES, OPT_CALLER_NICE,
		OPT_CALLER_FIFO, OPT_INHERIT_RT, OPT_HELP,
	};
	static const struct option opts[] = {
		{ "iters", required_argument, NULL, OPT_ITERS },
		{ "warmup", required_argument, NULL, OPT_WARMUP },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "cpu-a", required_argument, NULL, OPT_CPU_A },
		{ "cpu-b", required_argument, NULL, OPT_CPU_B },
		{ "transport", required_argument, NULL, OPT_TRANSPORT },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "no-call", no_argument, NULL, OPT_NO_CALL },
		{ "no-lfq", no_argument, NULL, OPT_NO_LFQ },
		{ "no-owaitq", no_argument, NULL, OPT_NO_OWAITQ },
		{ "no-sync", no_argument, NULL, OPT_NO_SYNC },
		{ "no-direct", no_argument, NULL, OPT_NO_DIRECT },
		{ "no-recycle", no_argument, NULL, OPT_NO_RECYCLE },
		{ "naive", no_argument, NULL, OPT_NAIVE },
		{ "stall-timeout", required_argument, NULL, OPT_STALL },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "samples", required_argument, NULL, OPT_SAMPLES },
		{ "caller-nice", required_argument, NULL, OPT_CALLER_NICE },
		{ "caller-fifo", required_argument, NULL, OPT_CALLER_FIFO },
		{ "inherit-rt", no_argument, NULL, OPT_INHERIT_RT },
		{ "priority-tracking", required_argument, NULL,
		  OPT_PRM_TRACKING },
		{ "boost-ns", required_argument, NULL, OPT_PRM_BOOST_NS },
		{ "help", no_argument, NULL, OPT_HELP },
		{ }
	};
	bool prio_given = false;
	unsigned long v;
	size_t k;
	int c;

	*o = (struct pp_opts) {
		.iters = 100000, .mode = PP_THREADS, .transport = PP_MKIPC,
		.cpus = "one", .cpu_a = -1, .cpu_b = -1, .call = true,
		.lfq = true, .owaitq = true, .sync = true, .direct = true,
		.recycle = true,
		.stall_s = 60,
	};
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ITERS:
			if (parse_ulong("iters", optarg, 1, ULONG_MAX / 16,
					&o->iters))
				return EXIT_USAGE;
			break;
		case OPT_WARMUP:
			if (parse_ulong("warmup", optarg, 0, ULONG_MAX / 16,
					&o->warmup))
				return EXIT_USAGE;
			o->warmup_set = true;
			break;
		case OPT_MODE:
			if (!strcmp(optarg, "threads")) {
				o->mode = PP_THREADS;
			} else if (!strcmp(optarg, "procs")) {
				o->mode = PP_PROCS;
			} else {
				err("--mode: threads or procs, not '%s'",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_CPUS:
			if (strcmp(optarg, "one") && strcmp(optarg, "two") &&
			    strcmp(optarg, "any")) {
				err("--cpus: one, two or any, not '%s'", optarg);
				return EXIT_USAGE;
			}
			o->cpus = optarg;
			break;
		case OPT_CPU_A:
		case OPT_CPU_B:
			if (parse_ulong(c == OPT_CPU_A ? "cpu-a" : "cpu-b",
					optarg, 0, CPU_SETSIZE - 1, &v))
				return EXIT_USAGE;
			*(c == OPT_CPU_A ? &o->cpu_a : &o->cpu_b) = v;
			break;
		case OPT_TRANSPORT:
			for (k = 0; k < ARRAY_SIZE(pp_transport_names); k++)
				if (!strcmp(optarg, pp_transport_names[k]))
					break;
			if (k == ARRAY_SIZE(pp_transport_names)) {
				err("--transport: mkipc, futex, yield, pipe or minimal, not '%s'",
				    optarg);
				return EXIT_USAGE;
			}
			o->transport = k;
			break;
		case OPT_SIZE:
			if (parse_ulong("size", optarg, 0, MKIPC_MSG_MAX,
					&o->size))
				return EXIT_USAGE;
			break;
		case OPT_NO_CALL:
			o->call = false;
			o->opt_given = true;
			break;
		case OPT_NO_LFQ:
			o->lfq = false;
			o->opt_given = true;
			break;
		case OPT_NO_OWAITQ:
			o->owaitq = false;
			o->opt_given = true;
			break;
		case OPT_NO_SYNC:
			o->sync = false;
			o->opt_given = true;
			break;
		case OPT_NO_DIRECT:
			o->direct = false;
			o->opt_given = true;
			break;
		case OPT_NO_RECYCLE:
			o->recycle = false;
			o->opt_given = true;
			break;
		case OPT_NAIVE:
			o->call = false;
			o->lfq = false;
			o->owaitq = false;
			o->sync = false;
			o->direct = false;
			o->recycle = false;
			o->opt_given = true;
			break;
		case OPT_STALL:
			if (parse_ulong("stall-timeout", optarg, 0, 86400,
					&o->stall_s))
				return EXIT_USAGE;
			break;
		case OPT_PROGRESS:
			o->progress = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_SAMPLES:
			o->samples = optarg;
			break;
		case OPT_CALLER_NICE:
			if (parse_long("caller-nice", optarg, -20, 19,
				       &o->caller_nice))
				return EXIT_USAGE;
			o->caller_nice_set = true;
			prio_given = true;
			break;
		case OPT_CALLER_FIFO:
			if (parse_ulong("caller-fifo", optarg, 1, 99,
					&o->caller_fifo))
				return EXIT_USAGE;
			prio_given = true;
			break;
		case OPT_INHERIT_RT:
			o->inherit_rt = true;
			prio_given = true;
			break;
		case OPT_PRM_TRACKING:
		case OPT_PRM_BOOST_NS:
			if (prm_parse_opt(c, optarg, &o->prm))
				return EXIT_USAGE;
			prio_given = true;
			break;
		case OPT_HELP:
		case 'h':
			pp_usage(stdout);
			return -1;
		default:
			pp_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		err("pingpong: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (!o->warmup_set)
		o->warmup = o->iters / 10;
	if (o->opt_given && o->transport != PP_MKIPC) {
		err("%s: for the mkipc transport only",
		    "--no-call, --no-lfq, --no-owaitq, --no-sync, --no-direct, --no-recycle, --naive");
		return EXIT_USAGE;
	}
	if (prio_given && o->transport != PP_MKIPC) {
		err("--caller-nice, --caller-fifo, --inherit-rt, %s",
		    "--priority-tracking, --boost-ns: for mkipc only");
		return EXIT_USAGE;
	}
	if (o->caller_fifo && o->caller_nice_set) {
		err("--caller-fifo and --caller-nice: one or the other");
		return EXIT_USAGE;
	}
	return 0;
}

static int cmd_pingpong(int argc, char **argv)
{
	/*
	 * Static: the detached watchdog may look at them until the process
	 * exits, after this function has returned.
	 */
	static struct pp_opts o;
	static struct pp_ctx c;
	struct pp_result r;
	struct utsname uts;
	__u64 *samples = NULL;
	int ret, rc = 1;

	ret = pp_parse(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : ret;

	memset(&c, 0, sizeof(c));
	c.o = &o;
	c.size = o.size;
	c.total = o.warmup + o.iters;
	c.dev = -1;
	c.req_ep = -1;
	c.req_snd = -1;
	c.rep_ep = -1;
	c.rep_snd = -1;
	c.min_fd = -1;
	c.req_pipe[0] = -1;
	c.req_pipe[1] = -1;
	c.rep_pipe[0] = -1;
	c.rep_pipe[1] = -1;
	if (uname(&uts))
		snprintf(uts.release, sizeof(uts.release), "unknown");
	signal(SIGPIPE, SIG_IGN);

	if (pp_pick_cpus(&o, &c))
		return 1;

	/*
	 * The ABI version goes into every report; only the mkipc transport
	 * needs the module.
	 */
	if (o.transport == PP_MKIPC) {
		c.dev = open_mkipc(&c.ver);
		c.have_ver = c.dev >= 0;
	} else {
		c.dev = mkipc_open();
		if (c.dev >= 0) {
			memset(&c.ver, 0, sizeof(c.ver));
			c.have_ver = !mkipc_version(c.dev, &c.ver);
		}
	}

	/* Everything the run touches is allocated and touched now. */
	c.buflen = sizeof(__u64) + MKIPC_MSG_MAX;
	c.cbuf = calloc(1, c.buflen);
	c.cbuf_rep = calloc(1, c.buflen);
	c.sbuf = calloc(1, c.buflen);
	samples = malloc(o.iters * sizeof(*samples));
	c.sh = mmap(NULL, sizeof(*c.sh), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!c.cbuf || !c.cbuf_rep || !c.sbuf || !samples ||
	    c.sh == MAP_FAILED) {
		err("out of memory for %lu samples", o.iters);
		c.sh = NULL;
		goto out;
	}
	memset(samples, 0, o.iters * sizeof(*samples));
	memset(c.sh, 0, sizeof(*c.sh));

	switch (o.transport) {
	case PP_MKIPC:
		if (prm_apply(&o.prm) || pp_mkipc_setup(&c))
			goto out;
		break;
	case PP_FUTEX:
		c.fwait = FUTEX_WAIT;
		c.fwake = FUTEX_WAKE;
		if (o.mode == PP_THREADS) {
			c.fwait |= FUTEX_PRIVATE_FLAG;
			c.fwake |= FUTEX_PRIVATE_FLAG;
		}
		c.rt = pp_futex_rt;
		c.server = pp_futex_server;
		break;
	case PP_YIELD:
		c.rt = pp_yield_rt;
		c.server = pp_yield_server;
		break;
	case PP_MINIMAL:
		if (pp_min_setup(&c))
			goto out;
		break;
	case PP_PIPE:
		if (pipe2(c.req_pipe, O_CLOEXEC) ||
		    pipe2(c.rep_pipe, O_CLOEXEC)) {
			err("pipe2: %s", strerror(errno));
			goto out;
		}
		c.rt = pp_pipe_rt;
		c.server = pp_pipe_server;
		break;
	}

	/*
	 * The client pins itself (and, for yield, turns SCHED_FIFO) before
	 * the server exists: a SCHED_FIFO client could otherwise starve a
	 * SCHED_OTHER server still on its way to its own setup on that CPU.
	 * The server inherits both and then pins itself to its own CPU.
	 */
	if (pp_pin(c.cpu_a) || pp_set_caller(&o))
		goto out;
	if (o.transport == PP_YIELD && pp_set_fifo())
		goto out;
	if (pp_start_server(&c))
		goto out;
	if (pp_start_watchdog(&c)) {
		c.stopping = true;
		pp_stop_server(&c, 1);
		goto out;
	}
	pp_timer_cost(&r.timer_med, &r.timer_min);

	kc_take(&c.kc_before);
	ret = pp_client(&c, samples);
	/* The watchdog still guards the stop, but a child may exit now. */
	__atomic_store_n(&c.stopping, true, __ATOMIC_RELEASE);
	if (ret) {
		__atomic_store_n(&c.finished, true, __ATOMIC_RELEASE);
		/*
		 * A server thread may still be blocked on what we would free:
		 * leave it all to the exit that follows. A server process
		 * is killed below.
		 */
		if (o.mode == PP_THREADS) {
			mkipc_param_restore_all();
			return 1;
		}
		goto out;
	}
	ret = pp_stop_server(&c, c.total + 1);
	__atomic_store_n(&c.finished, true, __ATOMIC_RELEASE);
	kc_take(&c.kc_after);
	if (ret)
		goto out;

	if (o.samples && pp_write_samples(o.samples, samples, NULL, o.iters))
		goto out;
	pp_analyze(samples, o.iters, &r);
	if (o.json)
		pp_report_json(&c, &r, uts.release);
	else
		pp_report_text(&c, &r, uts.release);
	rc = 0;
out:
	mkipc_param_restore_all();
	if (c.child > 0 && rc) {
		kill(c.child, SIGKILL);
		waitpid(c.child, NULL, 0);
	}
	pp_close(&c.req_snd);
	pp_close(&c.req_ep);
	pp_close(&c.rep_snd);
	pp_close(&c.rep_ep);
	pp_close(&c.dev);
	pp_close(&c.min_fd);
	pp_close(&c.req_pipe[0]);
	pp_close(&c.req_pipe[1]);
	pp_close(&c.rep_pipe[0]);
	pp_close(&c.rep_pipe[1]);
	if (c.sh)
		munmap(c.sh, sizeof(*c.sh));
	free(samples);
	free(c.cbuf);
	free(c.cbuf_rep);
	free(c.sbuf);
	return rc;
}

/* ------------------------------------------------------------------ */
/*
 * What prio-inv and prio-wake share: their common options and how they
 * are parsed, the module, endpoint and peer thread of a run.
 */

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define PR_MAX_OPTS	32	/* a command's options, its own and these */

struct pr_cmd;

/* The options of prio-inv and prio-wake both. */
struct pr_opts {
	const struct pr_cmd *cmd;	/* whose they are */
	unsigned long count;		/* timed calls or messages */
	unsigned long warmup, cpu;
	unsigned long interval_us;	/* mean time between two */
	unsigned long jitter_pct;	/* intervals uniform in +- this % */
	unsigned long timeout_ms;
	__u64 seed;
	struct prm_prio prm;
	bool json;
	const char *samples;
};

/* A command's own options take getopt_long() values from PR_OPT_OWN. */
enum {
	PR_OPT_COUNT = 256, PR_OPT_WARMUP, PR_OPT_CPU, PR_OPT_INTERVAL,
	PR_OPT_TIMEOUT, PR_OPT_SEED, PR_OPT_SAMPLES, PR_OPT_JSON,
	PR_OPT_HELP,
	PR_OPT_OWN = 300,
};

/* Before a command's own options; PR_OPT_COUNT takes its name. */
static const struct option pr_head_opts[] = {
	{ NULL, required_argument, NULL, PR_OPT_COUNT },
	{ "warmup", required_argument, NULL, PR_OPT_WARMUP },
	{ "cpu", required_argument, NULL, PR_OPT_CPU },
};

/* After them. */
static const struct option pr_tail_opts[] = {
	{ "interval-us", required_argument, NULL, PR_OPT_INTERVAL },
	{ "priority-tracking", required_argument, NULL, OPT_PRM_TRACKING },
	{ "boost-ns", required_argument, NULL, OPT_PRM_BOOST_NS },
	{ "timeout-ms", required_argument, NULL, PR_OPT_TIMEOUT },
	{ "seed", required_argument, NULL, PR_OPT_SEED },
	{ "samples", required_argument, NULL, PR_OPT_SAMPLES },
	{ "json", no_argument, NULL, PR_OPT_JSON },
	{ "help", no_argument, NULL, PR_OPT_HELP },
	{ }
};

/* --help: the lines of options pr_parse() parses, the same in both. */
#define PR_HELP_TRACKING \
	"  --priority-tracking Y|N  set the module parameter for this run and put\n" \
	"                         it back after\n"
#define PR_HELP_SEED \
	"  --seed N               seed of the intervals (default: from the clock)\n"
#define PR_HELP_END \
	"  --json                 one JSON object on stdout\n" \
	"  --help                 this text\n" \
	"\n" \
	"The text report ends with one SUMMARY line holding every parameter and\n" \
	"result as key=value.\n"

/* A command as pr_parse() sees it. */
struct pr_cmd {
	const char *name;		/* "prio-inv" */
	const char *count;		/* the option of pr_opts.count */
	unsigned long interval_min;	/* --interval-us: the least */
	unsigned long interval_us;	/* and the default */
	unsigned long jitter_pct;	/* the default */
	const struct option *opts;	/* its own, ending in { } */
	int (*opt)(struct pr_opts *o, int c);	/* one of them: 0 or -1 */
	void (*usage)(FILE *f);
};

/*
 * Parses the command line of @cmd into @o, whose own options the caller
 * has set to their defaults: 0, -1 after --help, else the exit status.
 */
static int pr_parse(const struct pr_cmd *cmd, int argc, char **argv,
		    struct pr_opts *o)
{
	struct option opts[PR_MAX_OPTS];
	size_t n = ARRAY_SIZE(pr_head_opts), k;
	unsigned long v;
	int c;

	memcpy(opts, pr_head_opts, sizeof(pr_head_opts));
	opts[0].name = cmd->count;
	for (k = 0; cmd->opts[k].name; k++)
		opts[n++] = cmd->opts[k];
	if (n + ARRAY_SIZE(pr_tail_opts) > ARRAY_SIZE(opts)) {
		err("%s: too many options for PR_MAX_OPTS", cmd->name);
		return 1;
	}
	memcpy(opts + n, pr_tail_opts, sizeof(pr_tail_opts));

	*o = (struct pr_opts) {
		.cmd = cmd, .count = 2000, .warmup = 20, .cpu = 0,
		.interval_us = cmd->interval_us,
		.jitter_pct = cmd->jitter_pct, .timeout_ms = 10000,
	};
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case PR_OPT_COUNT:
			if (parse_ulong(cmd->count, optarg, 1, 10000000,
					&o->count))
				return EXIT_USAGE;
			break;
		case PR_OPT_WARMUP:
			if (parse_ulong("warmup", optarg, 0, 1000000,
					&o->warmup))
				return EXIT_USAGE;
			break;
		case PR_OPT_CPU:
			if (parse_ulong("cpu", optarg, 0, CPU_SETSIZE - 1,
					&o->cpu))
				return EXIT_USAGE;
			break;
		case PR_OPT_INTERVAL:
			if (parse_ulong("interval-us", optarg,
					cmd->interval_min, 10000000,
					&o->interval_us))
				return EXIT_USAGE;
			break;
		case OPT_PRM_TRACKING:
		case OPT_PRM_BOOST_NS:
			if (prm_parse_opt(c, optarg, &o->prm))
				return EXIT_USAGE;
			break;
		case PR_OPT_TIMEOUT:
			if (parse_ulong("timeout-ms", optarg, 1, 3600000,
					&o->timeout_ms))
				return EXIT_USAGE;
			break;
		case PR_OPT_SEED:
			if (parse_ulong("seed", optarg, 1, ULONG_MAX, &v))
				return EXIT_USAGE;
			o->seed = v;
			break;
		case PR_OPT_SAMPLES:
			o->samples = optarg;
			break;
		case PR_OPT_JSON:
			o->json = true;
			break;
		case PR_OPT_HELP:
		case 'h':
			cmd->usage(stdout);
			return -1;
		default:
			if (c < PR_OPT_OWN) {
				cmd->usage(stderr);
				return EXIT_USAGE;
			}
			if (cmd->opt(o, c))
				return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		err("%s: unexpected argument '%s'", cmd->name, argv[optind]);
		return EXIT_USAGE;
	}
	if (!o->seed)
		o->seed = pr_seed();
	return 0;
}

/* A run of prio-inv or prio-wake: the module, its endpoint, its peer. */
struct pr_run {
	const struct pr_opts *o;
	struct mkipc_version ver;
	int dev, ep, snd;
	pthread_t peer;			/* the server, the receiver */
	bool peer_started;
	__u64 *lat;			/* the timed samples, ns */
	struct kc_snap kc_before, kc_after;
	struct utsname uts;		/* its release: the kernel's */
};

static void pr_init(struct pr_run *r, const struct pr_opts *o)
{
	memset(r, 0, sizeof(*r));
	r->o = o;
	r->dev = -1;
	r->ep = -1;
	r->snd = -1;
	if (uname(&r->uts))
		snprintf(r->uts.release, sizeof(r->uts.release), "unknown");
}

/*
 * Opens the module, which must do call/reply if @call, warns when it
 * lacks the priority feature (@lacks: what then goes missing), and
 * allocates the samples: 0, or -1 having said why.
 */
static int pr_open(struct pr_run *r, bool call, const char *lacks)
{
	__u64 features;

	r->dev = open_mkipc(&r->ver);
	if (r->dev < 0)
		return -1;
	features = r->ver.features;
	if (call && !(features & MKIPC_FEAT_CALL)) {
		err("the loaded module lacks call/reply (features %#llx)",
		    features);
		return -1;
	}
	if (!(features & MKIPC_FEAT_PRIO))
		err("warning: the module lacks %s (features %#llx)", lacks,
		    features);
	r->lat = calloc(r->o->count, sizeof(*r->lat));
	if (!r->lat) {
		err("out of memory for %lu samples", r->o->count);
		return -1;
	}
	return 0;
}

/* The endpoint, created with @flags, and a send-only descriptor of it. */
static int pr_endpoint(struct pr_run *r, __u32 flags)
{
	r->ep = mkipc_ep_create(r->dev, MKIPC_EP_CLOEXEC | flags, 0, NULL);
	if (r->ep < 0) {
		err("MKIPC_IOC_EP_CREATE: %s", strerror(-r->ep));
		return -1;
	}
	r->snd = mkipc_ep_sender(r->ep, MKIPC_EP_CLOEXEC);
	if (r->snd < 0) {
		err("MKIPC_IOC_EP_SENDER: %s", strerror(-r->snd));
		return -1;
	}
	return 0;
}

/* Starts the peer, @fn(@arg), SCHED_OTHER on --cpu. */
static int pr_start_peer(struct pr_run *r, void *(*fn)(void *), void *arg)
{
	if (pr_thread_create(&r->peer, fn, arg, SCHED_OTHER, 0, r->o->cpu))
		return -1;
	r->peer_started = true;
	return 0;
}

/*
 * Ends the peer with the stop message, or by shutting the endpoint down
 * after a failure or when the message cannot go: 0 if it ended cleanly.
 */
static int pr_stop_peer(struct pr_run *r, bool failed)
{
	struct mkipc_send sd;
	void *res = NULL;

	if (!r->peer_started)
		return 0;
	memset(&sd, 0, sizeof(sd));
	sd.msg.label = PP_STOP;
	if (failed || mkipc_send(r->snd, &sd))
		mkipc_ep_shutdown(r->ep);
	pthread_join(r->peer, &res);
	return res ? -1 : 0;
}

/* The times of a run's calls or messages, at random intervals. */
struct pr_pace {
	__u64 seed;
	__u64 lo, hi;		/* an interval's bounds, ns */
	__u64 next;		/* the next one's time */
};

/* Intervals uniform in --interval-us +- --jitter-pct, the first after @t. */
static void pr_pace_init(struct pr_pace *p, const struct pr_opts *o, __u64 t)
{
	p->seed = o->seed;
	p->lo = o->interval_us * (100 - o->jitter_pct) * 10ULL;
	p->hi = o->interval_us * (100 + o->jitter_pct) * 10ULL;
	p->next = t;
}

/* Sleeps until the next time, an interval after the last. */
static void pr_pace_wait(struct pr_pace *p)
{
	p->next += pr_rand_range(&p->seed, p->lo, p->hi);
	pr_sleep_until(p->next);
}

/* The next interval counts from @t if later: never two closer. */
static void pr_pace_from(struct pr_pace *p, __u64 t)
{
	if (t > p->next)
		p->next = t;
}

/* The shortest and the longest interval, us. */
static __u64 pr_min_interval_us(const struct pr_opts *o)
{
	return o->interval_us * (100 - o->jitter_pct) / 100;
}

static __u64 pr_max_interval_us(const struct pr_opts *o)
{
	return o->interval_us * (100 + o->jitter_pct) / 100;
}

/* "# calls=2000 warmup=20, intervals uniform in [500, 1500] us (seed 1)" */
static void pr_print_pace(const struct pr_opts *o)
{
	printf("# %s=%lu warmup=%lu, intervals uniform in [%llu, %llu] us",
	       o->cmd->count, o->count, o->warmup, pr_min_interval_us(o),
	       pr_max_interval_us(o));
	printf(" (seed %llu)", (__u64)o->seed);
}

/*
 * "# kernel 6.1.0, mkipc ABI 0.3 (features 0x3f)", what goes missing
 * without the priority feature (@without) said, and the counters' line.
 */
static void pr_print_kernel(const struct pr_run *r, const char *without)
{
	bool prio = r->ver.features & MKIPC_FEAT_PRIO;

	printf("# kernel %s, mkipc ABI %u.%u (features %#llx%s%s)\n",
	       r->uts.release, r->ver.abi_major, r->ver.abi_minor,
	       (__u64)r->ver.features, prio ? "" : ": no prio feature, no ",
	       prio ? "" : without);
	kc_print(&r->kc_before, &r->kc_after);
}

/* A SUMMARY line's start: "SUMMARY bench=prio-inv cpu=0" */
static void pr_summary_begin(const struct pr_run *r)
{
	printf("SUMMARY bench=%s cpu=%lu", r->o->cmd->name, r->o->cpu);
}

/* " calls=2000 warmup=20 seed=1" */
static void pr_summary_count(const struct pr_opts *o)
{
	printf(" %s=%lu warmup=%lu seed=%llu", o->cmd->count, o->count,
	       o->warmup, (__u64)o->seed);
}

/* " kernel=6.1.0 abi=0.3 min_ns=1 ... max_ns=4" */
static void pr_summary_result(const struct pr_run *r,
			      const struct pp_result *lat)
{
	char abi[32];

	printf(" kernel=%s abi=%s", r->uts.release,
	       abi_str(&r->ver, abi, sizeof(abi)));
	pp_summary_lat(lat);
}

/* The line's end: the counters' changes. */
static void pr_summary_end(const struct pr_run *r)
{
	kc_summary(&r->kc_before, &r->kc_after);
	printf("\n");
}

/* Opens the JSON report and its "params", the first "cpu". */
static void pr_json_begin(struct jw *w, const struct pr_run *r)
{
	jw_open(w, NULL, '{');
	jw_str(w, "command", r->o->cmd->name);
	jw_open(w, "params", '{');
	jw_u64(w, "cpu", r->o->cpu);
}

/* "calls" (or "msgs"), "warmup", "seed", "timeout_ms" */
static void pr_json_count(struct jw *w, const struct pr_opts *o)
{
	jw_u64(w, o->cmd->count, o->count);
	jw_u64(w, "warmup", o->warmup);
	jw_u64(w, "seed", o->seed);
	jw_u64(w, "timeout_ms", o->timeout_ms);
}

/* Ends "params" with the kernel's, has the counters, opens "results". */
static void pr_json_results(struct jw *w, const struct pr_run *r)
{
	json_kernel(w, r->uts.release, &r->ver);
	jw_close(w, '}');
	kc_json(w, &r->kc_before, &r->kc_after);
	jw_open(w, "results", '{');
}

/* "@key": { "samples": ..., "min_ns": ..., ... } */
static void pr_json_lat(struct jw *w, const char *key,
			const struct pp_result *lat)
{
	jw_open(w, key, '{');
	pp_json_lat(w, lat);
	jw_close(w, '}');
}

/* Ends "results" and the report. */
static void pr_json_end(struct jw *w)
{
	jw_close(w, '}');
	jw_close(w, '}');
}

/*
 * After the run: the samples to --samples, each with @flag[i] if given,
 * then sorted and summed up in @res. 0, or -1 having said why.
 */
static int pr_samples(struct pr_run *r, const __u8 *flag,
		      struct pp_result *res)
{
	const struct pr_opts *o = r->o;

	if (o->samples && pp_write_samples(o->samples, r->lat, flag, o->count))
		return -1;
	pp_analyze(r->lat, o->count, res);
	return 0;
}

/* Puts the module parameters back and closes what the run opened. */
static void pr_close(struct pr_run *r)
{
	mkipc_param_restore_all();
	pp_close(&r->snd);
	pp_close(&r->ep);
	pp_close(&r->dev);
	free(r->lat);
}

/* ------------------------------------------------------------------ */
/*
 * mkipc prio-inv: priority inversion across a call. A SCHED_FIFO caller
 * is served by a SCHED_OTHER server on one CPU while SCHED_FIFO load of a
 * priority between theirs spins there part of the time: without
 * inheritance a call that comes while the load spins waits for it to stop,
 * with it the server runs at the caller's priority and does not.
 */

#define PI_MAX_LOAD	16

enum {
	PI_OPT_CALLER_PRIO = PR_OPT_OWN, PI_OPT_LOAD_THREADS,
	PI_OPT_LOAD_PRIO, PI_OPT_LOAD_SPIN, PI_OPT_LOAD_SLEEP, PI_OPT_WORK,
	PI_OPT_NO_INHERIT_RT,
};

struct pi_opts {
	struct pr_opts pr;
	unsigned long caller_prio;
	unsigned long load_threads, load_prio, load_spin_us, load_sleep_us;
	unsigned long work_us;
	bool inherit_rt;
};

/* What the server replies: its scheduling settings when it took the call. */
struct pi_reply {
	__u32 policy;
	__u32 prio;
	__s32 nice;
	__u32 seen;		/* 1: sched_getattr worked */
};

struct pi_ctx;

struct pi_load {
	struct pi_ctx *c;
	unsigned int idx;
	pthread_t t;
	unsigned long periods;	/* spins done */
	unsigned long missed;	/* periods begun late, skipped */
};

struct pi_ctx {
	struct pr_run pr;	/* its peer: the server */
	const struct pi_opts *o;
	__u64 start_ns, period_ns;
	int spinning;		/* load threads spinning now */
	bool stop;		/* load threads, server: end */
	struct pi_load load[PI_MAX_LOAD];
	unsigned int nload;	/* started */
	/* the caller's results */
	unsigned long raised;	/* calls the server took at >= our priority */
	unsigned long seen;	/* calls the server could tell its settings */
	unsigned long spun;	/* calls begun while the load spun */
};

static const char pi_help[] =
	"usage: mkipc prio-inv [options]   (root)\n"
	"\n"
	"Priority inversion across an IPC call, and priority inheritance ending\n"
	"it. On one CPU: the caller (SCHED_FIFO, --caller-prio) calls a server\n"
	"(SCHED_OTHER, nice 0) on an endpoint created with MKIPC_EP_INHERIT_RT,\n"
	"which spends --work-us of CPU time on each call and replies; load\n"
	"threads (SCHED_FIFO, --load-prio, between the two) each spin\n"
	"--load-spin-us of CPU time every --load-spin-us + --load-sleep-us.\n"
	"Without inheritance a call that comes while the load spins waits for\n"
	"the spin to end; with it the server runs at the caller's priority.\n"
	"The caller makes --calls timed calls (after --warmup untimed ones) at\n"
	"random intervals, uniform in [interval/2, 3*interval/2], so that they\n"
	"fall at every phase of the load. Each reply is checked (label + 1) and\n"
	"says the server's policy when it took the call. The report gives min,\n"
	"p50, p99, max and avg of the call's latency (ns, from before the call\n"
	"to after it returned), the same over the calls begun while the load\n"
	"spun, and every parameter.\n"
	"\n"
	"Real-time throttling (sched_rt_runtime_us, by default 950000 of each\n"
	"1000000 us) is left alone: the load's share of the CPU must stay below\n"
	"it, which the tool checks. The server inherits a real-time priority\n"
	"only up to what it could set itself (RLIMIT_RTPRIO; any, as root).\n"
	"\n"
	"  --calls N              timed calls (default 2000)\n"
	"  --warmup N             untimed calls first (default 20)\n"
	"  --cpu N                the CPU of every thread (default 0)\n"
	"  --caller-prio P        the caller's SCHED_FIFO priority (default 80)\n"
	"  --load-threads N       load threads (default 1, at most "
	STR(PI_MAX_LOAD) "), their\n"
	"                         spins spread over the period\n"
	"  --load-prio P          their SCHED_FIFO priority (default 50)\n"
	"  --load-spin-us US      CPU time each spins a period (default 2000)\n"
	"  --load-sleep-us US     then sleeps (default 3000): the period is the\n"
	"                         sum, started on a fixed clock\n"
	"  --work-us US           the server's CPU time a call (default 50)\n"
	"  --interval-us US       mean time between calls (default 1000)\n"
	"  --no-inherit-rt        create the endpoint without MKIPC_EP_INHERIT_RT\n"
	"                         (the server then inherits nice levels only)\n"
	PR_HELP_TRACKING
	"  --boost-ns N           likewise boost_ns (0..10000000)\n"
	"  --timeout-ms MS        a call taking longer fails the run (default\n"
	"                         10000)\n"
	PR_HELP_SEED
	"  --samples FILE         every timed call's latency (ns), in order, one\n"
	"                         a line, with 1 after it if the load spun\n"
	PR_HELP_END;

static void pi_usage(FILE *f)
{
	fputs(pi_help, f);
}

/* The server: takes a call, notes its settings, works, replies. */
static void *pi_server_main(void *arg)
{
	struct pi_ctx *c = arg;
	struct mkipc_reply_recv rr;
	struct mkipc_sched sa;
	struct pi_reply rep;
	int ret;

	if (setpriority(PRIO_PROCESS, 0, 0)) {
		err("server: setpriority(nice 0): %s", strerror(errno));
		mkipc_ep_shutdown(c->pr.ep);
		return (void *)1;
	}
	memset(&rr, 0, sizeof(rr));
	mkipc_msg_init(&rr.reply.msg, 0, &rep, sizeof(rep));
	for (;;) {
		mkipc_msg_init(&rr.recv.msg, 0, NULL, 0);
		ret = mkipc_reply_recv(c->pr.ep, &rr);
		if (ret) {
			if (__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE))
				return NULL;
			err("server: MKIPC_IOC_REPLY_RECV: %s", strerror(-ret));
			break;
		}
		if (rr.reply_err) {
			err("server: reply (token %#llx) failed: %s",
			    (__u64)rr.reply.token, strerror(rr.reply_err));
			break;
		}
		if (!rr.recv.token) {
			if (rr.recv.msg.label == PP_STOP)
				return NULL;
			err("server: request %llu came without a token",
			    (__u64)rr.recv.msg.label);
			break;
		}
		memset(&rep, 0, sizeof(rep));
		if (!mkipc_sched_get(0, &sa)) {
			rep.policy = sa.policy;
			rep.prio = sa.prio;
			rep.nice = sa.nice;
			rep.seen = 1;
		}
		pr_spin_cpu(c->o->work_us * 1000ULL);
		rr.reply.token = rr.recv.token;
		rr.reply.msg.label = rr.recv.msg.label + 1;
	}
	mkipc_ep_shutdown(c->pr.ep);
	return (void *)1;
}

/* A load thread: spins its share of each period, on a fixed clock. */
static void *pi_load_main(void *arg)
{
	struct pi_load *l = arg;
	struct pi_ctx *c = l->c;
	__u64 spin = c->o->load_spin_us * 1000ULL, release, now, late;

	release = c->start_ns + l->idx * c->period_ns / c->o->load_threads;
	for (;;) {
		pr_sleep_until(release);
		if (__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE))
			return NULL;
		__atomic_add_fetch(&c->spinning, 1, __ATOMIC_RELAXED);
		pr_spin_cpu(spin);
		__atomic_sub_fetch(&c->spinning, 1, __ATOMIC_RELAXED);
		l->periods++;
		release += c->period_ns;
		now = mkipc_clock_ns();
		if (release < now) {
			late = (now - release) / c->period_ns + 1;
			l->missed += late;
			release += late * c->period_ns;
		}
	}
}

/* Stops the load threads and the server; 0 if the server ended cleanly. */
static int pi_stop(struct pi_ctx *c, bool failed)
{
	unsigned int i;
	int ret;

	__atomic_store_n(&c->stop, true, __ATOMIC_RELEASE);
	ret = pr_stop_peer(&c->pr, failed);
	for (i = 0; i < c->nload; i++)
		pthread_join(c->load[i].t, NULL);
	return ret;
}

/* One call: 0, or -1 having said why. */
static int pi_call(struct pi_ctx *c, struct mkipc_call *a,
		   struct pi_reply *rep, __u64 seq)
{
	int ret;

	a->req.label = seq;
	a->rep.size = sizeof(*rep);
	memset(rep, 0, sizeof(*rep));
	ret = mkipc_call(c->pr.snd, a);
	if (ret) {
		err("call %llu: %s%s", seq, strerror(-ret),
		    ret == -ETIMEDOUT ? " (--timeout-ms passed)" : "");
		return -1;
	}
	if (a->rep.label != seq + 1 || a->rep.size != sizeof(*rep)) {
		err("reply to call %llu: label %llu, %u bytes (want %llu, %zu)",
		    seq, (__u64)a->rep.label, a->rep.size, seq + 1,
		    sizeof(*rep));
		return -1;
	}
	return 0;
}

/* The caller's loop: WARMUP untimed calls, then CALLS timed ones. */
static int pi_caller(struct pi_ctx *c, __u8 *spun)
{
	const struct pi_opts *o = c->o;
	struct mkipc_call a;
	struct pi_reply rep;
	struct pr_pace pace;
	unsigned long i;
	__u64 t0, t1;
	bool in_spin;

	memset(&a, 0, sizeof(a));
	mkipc_msg_init(&a.req, 0, NULL, 0);
	mkipc_msg_init(&a.rep, 0, &rep, sizeof(rep));
	a.timeout_ns = o->pr.timeout_ms * 1000000ULL;
	/* the load threads have begun their first period by then */
	pr_pace_init(&pace, &o->pr, c->start_ns + c->period_ns);
	for (i = 0; i < o->pr.warmup + o->pr.count; i++) {
		pr_pace_wait(&pace);
		in_spin = __atomic_load_n(&c->spinning, __ATOMIC_RELAXED);
		t0 = mkipc_clock_ns();
		if (pi_call(c, &a, &rep, i + 1))
			return -1;
		t1 = mkipc_clock_ns();
		pr_pace_from(&pace, t1);
		if (i < o->pr.warmup)
			continue;
		c->pr.lat[i - o->pr.warmup] = t1 - t0;
		spun[i - o->pr.warmup] = in_spin;
		c->spun += in_spin;
		if (rep.seen) {
			c->seen++;
			if (rep.policy == SCHED_FIFO &&
			    rep.prio >= o->caller_prio)
				c->raised++;
		}
	}
	return 0;
}

/* An option of prio-inv's own. */
static int pi_opt(struct pr_opts *po, int c)
{
	struct pi_opts *o = container_of(po, struct pi_opts, pr);

	switch (c) {
	case PI_OPT_CALLER_PRIO:
		return parse_ulong("caller-prio", optarg, 2, 99,
				   &o->caller_prio);
	case PI_OPT_LOAD_THREADS:
		return parse_ulong("load-threads", optarg, 0, PI_MAX_LOAD,
				   &o->load_threads);
	case PI_OPT_LOAD_PRIO:
		return parse_ulong("load-prio", optarg, 1, 98, &o->load_prio);
	case PI_OPT_LOAD_SPIN:
		return parse_ulong("load-spin-us", optarg, 1, 1000000,
				   &o->load_spin_us);
	case PI_OPT_LOAD_SLEEP:
		return parse_ulong("load-sleep-us", optarg, 1, 10000000,
				   &o->load_sleep_us);
	case PI_OPT_WORK:
		return parse_ulong("work-us", optarg, 0, 1000000, &o->work_us);
	case PI_OPT_NO_INHERIT_RT:
		o->inherit_rt = false;
		return 0;
	}
	return -1;
}

static const struct pr_cmd pi_cmd = {
	.name = "prio-inv", .count = "calls",
	.interval_min = 2, .interval_us = 1000, .jitter_pct = 50,
	.opts = (const struct option []) {
		{ "caller-prio", required_argument, NULL, PI_OPT_CALLER_PRIO },
		{ "load-threads", required_argument, NULL,
		  PI_OPT_LOAD_THREADS },
		{ "load-prio", required_argument, NULL, PI_OPT_LOAD_PRIO },
		{ "load-spin-us", required_argument, NULL, PI_OPT_LOAD_SPIN },
		{ "load-sleep-us", required_argument, NULL,
		  PI_OPT_LOAD_SLEEP },
		{ "work-us", required_argument, NULL, PI_OPT_WORK },
		{ "no-inherit-rt", no_argument, NULL, PI_OPT_NO_INHERIT_RT },
		{ }
	},
	.opt = pi_opt,
	.usage = pi_usage,
};

static int pi_parse(int argc, char **argv, struct pi_opts *o)
{
	int ret;

	*o = (struct pi_opts) {
		.caller_prio = 80, .load_threads = 1, .load_prio = 50,
		.load_spin_us = 2000, .load_sleep_us = 3000, .work_us = 50,
		.inherit_rt = true,
	};
	ret = pr_parse(&pi_cmd, argc, argv, &o->pr);
	if (ret)
		return ret;
	if (o->load_prio >= o->caller_prio) {
		err("--load-prio %lu: must be below --caller-prio %lu",
		    o->load_prio, o->caller_prio);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * The load's share of the CPU against real-time throttling: -1 when it
 * would be throttled, having said so.
 */
static int pi_check_rt(const struct pi_opts *o, long *runtime, long *period)
{
	double share = (double)o->load_threads * o->load_spin_us /
		       (o->load_spin_us + o->load_sleep_us);

	pr_rt_limits(runtime, period);
	if (share >= 0.9) {
		err("the load would take %.0f%% of CPU %lu: keep it below 90%%",
		    100 * share, o->pr.cpu);
		return -1;
	}
	if (*runtime >= 0 && *period > 0 &&
	    share >= 0.9 * *runtime / *period) {
		err("the load would take %.0f%% of CPU %lu, %s %ld of %ld us: %s",
		    100 * share, o->pr.cpu, "real-time throttling allows",
		    *runtime, *period,
		    "lower it (sched_rt_runtime_us is left alone)");
		return -1;
	}
	return 0;
}

struct pi_result {
	struct pp_result all;
	struct pp_result spin;		/* n == 0: none */
	unsigned long periods, missed;
};

static void pi_report_text(const struct pi_ctx *c, const struct pi_result *r,
			   long runtime, long period)
{
	const struct pi_opts *o = c->o;
	__u64 per = o->load_spin_us + o->load_sleep_us;

	printf("# mkipc prio-inv: caller SCHED_FIFO %lu, server SCHED_OTHER",
	       o->caller_prio);
	printf(" nice 0, load SCHED_FIFO %lu, all on CPU %lu\n", o->load_prio,
	       o->pr.cpu);
	printf("# endpoint inherit_rt=%s; ", o->inherit_rt ? "yes" : "no");
	prm_print(&o->pr.prm);
	printf("# load: %lu thread(s), each spinning %lu us of CPU time",
	       o->load_threads, o->load_spin_us);
	printf(" every %llu us (%.1f%% of the CPU in all)\n", per,
	       100.0 * o->load_threads * o->load_spin_us / per);
	printf("# real-time throttling: %ld of %ld us (left alone)\n",
	       runtime, period);
	pr_print_pace(&o->pr);
	printf("\n");
	printf("# server work %lu us of CPU time a call, timeout %lu ms\n",
	       o->work_us, o->pr.timeout_ms);
	pr_print_kernel(&c->pr, "inheritance");
	printf("# load periods run %lu, begun late and skipped %lu\n",
	       r->periods, r->missed);
	printf("# the server was at SCHED_FIFO >= %lu when it took %lu",
	       o->caller_prio, c->raised);
	printf(" of %lu calls (%lu told)\n", o->pr.count, c->seen);
	pp_print_lat("call latency", &r->all, "calls");
	pp_print_lat("begun while the load spun", &r->spin, "calls");
	pr_summary_begin(&c->pr);
	printf(" caller_prio=%lu load_threads=%lu load_prio=%lu",
	       o->caller_prio, o->load_threads, o->load_prio);
	printf(" load_spin_us=%lu load_sleep_us=%lu work_us=%lu",
	       o->load_spin_us, o->load_sleep_us, o->work_us);
	printf(" interval_us=%lu", o->pr.interval_us);
	pr_summary_count(&o->pr);
	printf(" inherit_rt=%d", o->inherit_rt);
	prm_summary(&o->pr.prm);
	pr_summary_result(&c->pr, &r->all);
	printf(" spin_calls=%lu spin_p50_ns=%llu spin_p99_ns=%llu",
	       r->spin.n, r->spin.p50, r->spin.p99);
	printf(" spin_max_ns=%llu raised=%lu load_periods=%lu",
	       r->spin.max, c->raised, r->periods);
	printf(" load_missed=%lu", r->missed);
	pr_summary_end(&c->pr);
}

static void pi_report_json(const struct pi_ctx *c, const struct pi_result *r,
			   long runtime, long period)
{
	const struct pi_opts *o = c->o;
	struct jw w = { .f = stdout };

	pr_json_begin(&w, &c->pr);
	jw_u64(&w, "caller_fifo_prio", o->caller_prio);
	jw_str(&w, "server", "SCHED_OTHER nice 0");
	jw_u64(&w, "load_threads", o->load_threads);
	jw_u64(&w, "load_fifo_prio", o->load_prio);
	jw_u64(&w, "load_spin_us", o->load_spin_us);
	jw_u64(&w, "load_sleep_us", o->load_sleep_us);
	jw_u64(&w, "work_us", o->work_us);
	jw_u64(&w, "interval_us", o->pr.interval_us);
	pr_json_count(&w, &o->pr);
	jw_bool(&w, "inherit_rt", o->inherit_rt);
	prm_json(&w, &o->pr.prm);
	jw_i64(&w, "sched_rt_runtime_us", runtime);
	jw_i64(&w, "sched_rt_period_us", period);
	pr_json_results(&w, &c->pr);
	jw_u64(&w, "load_periods", r->periods);
	jw_u64(&w, "load_missed", r->missed);
	jw_u64(&w, "server_raised", c->raised);
	jw_u64(&w, "server_told", c->seen);
	pr_json_lat(&w, "latency", &r->all);
	pr_json_lat(&w, "latency_load_spinning", &r->spin);
	pr_json_end(&w);
}

static int cmd_prio_inv(int argc, char **argv)
{
	static struct pi_opts o;
	static struct pi_ctx c;
	__u64 *slat = NULL;
	__u8 *spun = NULL;
	struct mkipc_ep_info info;
	struct pi_result r;
	long runtime, period;
	unsigned long i, n;
	int ret, rc = 1;
	cpu_set_t set;

	ret = pi_parse(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	memset(&c, 0, sizeof(c));
	memset(&r, 0, sizeof(r));
	pr_init(&c.pr, &o.pr);
	c.o = &o;
	if (pi_check_rt(&o, &runtime, &period))
		return 1;
	if (sched_getaffinity(0, sizeof(set), &set) ||
	    !CPU_ISSET(o.pr.cpu, &set)) {
		err("CPU %lu is not available to this process", o.pr.cpu);
		return 1;
	}

	if (pr_open(&c.pr, true, "priority inheritance"))
		goto out;
	slat = calloc(o.pr.count, sizeof(*slat));
	spun = calloc(o.pr.count, sizeof(*spun));
	if (!slat || !spun) {
		err("out of memory for %lu samples", o.pr.count);
		goto out;
	}
	if (prm_apply(&o.pr.prm) ||
	    pr_endpoint(&c.pr, o.inherit_rt ? MKIPC_EP_INHERIT_RT : 0))
		goto out;
	memset(&info, 0, sizeof(info));
	ret = mkipc_ep_info(c.pr.ep, &info);
	if (ret) {
		err("MKIPC_IOC_EP_INFO: %s", strerror(-ret));
		goto out;
	}
	if ((c.pr.ver.features & MKIPC_FEAT_PRIO) &&
	    !(info.flags & MKIPC_EP_INHERIT_RT) != !o.inherit_rt) {
		err("endpoint %llu: flags %#x, %s MKIPC_EP_INHERIT_RT",
		    (__u64)info.id, info.flags, o.inherit_rt ?
		    "created with" : "created without");
		goto out;
	}

	/*
	 * The caller takes its CPU and priority first: the threads it
	 * starts cannot run ahead of it on that CPU, and the load threads
	 * sleep until start_ns.
	 */
	if (pp_pin(o.pr.cpu) || pr_set_sched(SCHED_FIFO, o.caller_prio, 0))
		goto out;
	if (pr_start_peer(&c.pr, pi_server_main, &c))
		goto out_stop;
	c.period_ns = (o.load_spin_us + o.load_sleep_us) * 1000ULL;
	c.start_ns = mkipc_clock_ns() + 20000000ULL;
	for (i = 0; i < o.load_threads; i++) {
		c.load[i].c = &c;
		c.load[i].idx = i;
		if (pr_thread_create(&c.load[i].t, pi_load_main, &c.load[i],
				     SCHED_FIFO, o.load_prio, o.pr.cpu))
			goto out_stop;
		c.nload++;
	}
	kc_take(&c.pr.kc_before);
	ret = pi_caller(&c, spun);
	if (pi_stop(&c, ret) || ret)
		goto out_sched;
	kc_take(&c.pr.kc_after);
	pr_set_sched(SCHED_OTHER, 0, 0);
	mkipc_param_restore_all();

	for (i = 0; i < c.nload; i++) {
		r.periods += c.load[i].periods;
		r.missed += c.load[i].missed;
	}
	for (i = 0, n = 0; i < o.pr.count; i++)
		if (spun[i])
			slat[n++] = c.pr.lat[i];
	if (pr_samples(&c.pr, spun, &r.all))
		goto out;
	if (n)
		pp_analyze(slat, n, &r.spin);
	if (o.pr.json)
		pi_report_json(&c, &r, runtime, period);
	else
		pi_report_text(&c, &r, runtime, period);
	rc = 0;
	goto out;

out_stop:
	pi_stop(&c, true);
out_sched:
	pr_set_sched(SCHED_OTHER, 0, 0);
out:
	pr_close(&c.pr);
	free(slat);
	free(spun);
	return rc;
}

/* ------------------------------------------------------------------ */
/*
 * mkipc prio-wake: the IPC-completion boost. A SCHED_OTHER receiver
 * blocked in RECV shares its CPU with CFS CPU hogs; a sender on another
 * CPU sends it a message now and then, carrying the time it was sent. The
 * receiver's wake-to-run latency is the receive's return less that time:
 * with the boost the receiver preempts the hogs at once.
 */

#define PW_MAX_HOGS	64

enum {
	PW_OPT_SENDER_CPU = PR_OPT_OWN, PW_OPT_HOGS, PW_OPT_HOG_NICE,
	PW_OPT_RECV_NICE, PW_OPT_JITTER,
};

struct pw_opts {
	struct pr_opts pr;
	unsigned long hogs;
	long sender_cpu;		/* -1: the first other CPU */
	long hog_nice, recv_nice;
};

struct pw_ctx {
	struct pr_run pr;		/* its peer: the receiver */
	const struct pw_opts *o;
	int sender_cpu;
	bool stop;			/* hogs: end */
	pthread_t hog[PW_MAX_HOGS];
	unsigned int nhog;		/* started */
	unsigned long fifo_seen;	/* receives it returned from FIFO */
	unsigned long told;		/* receives it could tell its policy */
	__u64 window_us;		/* the boost's rate limit; 0: no boost */
};

static const char pw_help[] =
	"usage: mkipc prio-wake [options]   (root for negative nice levels and\n"
	"                                    the module parameters)\n"
	"\n"
	"The IPC-completion boost: the wake-to-run latency of a receiver\n"
	"(SCHED_OTHER, --recv-nice) blocked in MKIPC_IOC_RECV on --cpu, which\n"
	"it shares with --hogs CFS threads spinning without pause (nice\n"
	"--hog-nice). A sender on --sender-cpu sends it --msgs timed messages\n"
	"(after --warmup untimed ones), one every --interval-us give or take\n"
	"--jitter-pct, each carrying its CLOCK_MONOTONIC time just before the\n"
	"send; the receiver takes the clock as its receive returns. Labels are\n"
	"checked: no message lost or reordered. The report gives min, p50, p99,\n"
	"max and avg of the latency (ns), how often the receiver found itself\n"
	"SCHED_FIFO right after its receive, and every parameter.\n"
	"\n"
	"The boost's rate limit, one per user per CPU per 100 * boost_ns (1 ms\n"
	"at the default boost_ns, 10000), must be shorter than the shortest\n"
	"interval, or some wake-ups go unboosted: the report says which.\n"
	"\n"
	"  --msgs N               timed messages (default 2000)\n"
	"  --warmup N             untimed messages first (default 20)\n"
	"  --cpu N                the receiver's and the hogs' CPU (default 0)\n"
	"  --sender-cpu N         the sender's (default: the first other CPU)\n"
	"  --hogs K               CPU hogs (default 2, at most "
	STR(PW_MAX_HOGS) ")\n"
	"  --hog-nice N           their nice level (default 0)\n"
	"  --recv-nice N          the receiver's (default 0)\n"
	"  --interval-us US       mean time between messages (default 2000)\n"
	"  --jitter-pct P         intervals uniform in +-P% of it (default 10)\n"
	PR_HELP_TRACKING
	"  --boost-ns N           likewise boost_ns (0..10000000; 0: no boost)\n"
	"  --timeout-ms MS        a receive waiting longer fails the run\n"
	"                         (default 10000)\n"
	PR_HELP_SEED
	"  --samples FILE         every timed latency (ns), in order, one a line\n"
	PR_HELP_END;

static void pw_usage(FILE *f)
{
	fputs(pw_help, f);
}

/* The receiver: takes each message and the time it took to arrive. */
static void *pw_recv_main(void *arg)
{
	struct pw_ctx *c = arg;
	const struct pw_opts *o = c->o;
	struct mkipc_sched sa;
	struct mkipc_recv rv;
	__u64 sent, t, want = 1;
	int ret;

	if (setpriority(PRIO_PROCESS, 0, o->recv_nice)) {
		err("receiver: setpriority(nice %ld): %s", o->recv_nice,
		    strerror(errno));
		goto fail;
	}
	memset(&rv, 0, sizeof(rv));
	rv.timeout_ns = o->pr.timeout_ms * 1000000ULL;
	for (;;) {
		mkipc_msg_init(&rv.msg, 0, &sent, sizeof(sent));
		ret = mkipc_recv(c->pr.ep, &rv);
		t = mkipc_clock_ns();
		if (ret) {
			err("receiver: MKIPC_IOC_RECV (message %llu): %s%s",
			    want, strerror(-ret), ret == -ETIMEDOUT ?
			    " (--timeout-ms passed)" : "");
			goto fail;
		}
		if (rv.msg.label == PP_STOP)
			return NULL;
		if (rv.msg.label != want || rv.msg.size != sizeof(sent) ||
		    rv.token) {
			err("receiver: got label %llu, %u bytes, token %#llx; %s %llu",
			    (__u64)rv.msg.label, rv.msg.size,
			    (__u64)rv.token, "want 8 bytes, no token, label",
			    want);
			goto fail;
		}
		if (want > o->pr.warmup) {
			if (!mkipc_sched_get(0, &sa)) {
				c->told++;
				c->fifo_seen += sa.policy == SCHED_FIFO;
			}
			c->pr.lat[want - 1 - o->pr.warmup] = t - sent;
		}
		want++;
	}
fail:
	mkipc_ep_shutdown(c->pr.ep);
	return (void *)1;
}

/* A CPU hog: spins until told to stop. */
static void *pw_hog_main(void *arg)
{
	struct pw_ctx *c = arg;

	if (setpriority(PRIO_PROCESS, 0, c->o->hog_nice)) {
		err("hog: setpriority(nice %ld): %s", c->o->hog_nice,
		    strerror(errno));
		return (void *)1;
	}
	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED))
		;
	return NULL;
}

/* Ends the receiver and the hogs; 0 if all ended cleanly. */
static int pw_stop(struct pw_ctx *c, bool failed)
{
	unsigned int i;
	void *res = NULL;
	int ret;

	ret = pr_stop_peer(&c->pr, failed);
	__atomic_store_n(&c->stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < c->nhog; i++) {
		pthread_join(c->hog[i], &res);
		if (res)
			ret = -1;
	}
	return ret;
}

/* The sender's loop, on its own CPU. */
static int pw_sender(struct pw_ctx *c)
{
	const struct pw_opts *o = c->o;
	struct mkipc_send sd;
	struct pr_pace pace;
	unsigned long i;
	__u64 sent;
	int ret;

	memset(&sd, 0, sizeof(sd));
	mkipc_msg_init(&sd.msg, 0, &sent, sizeof(sent));
	sd.timeout_ns = o->pr.timeout_ms * 1000000ULL;
	pr_pace_init(&pace, &o->pr, mkipc_clock_ns());
	for (i = 1; i <= o->pr.warmup + o->pr.count; i++) {
		pr_pace_wait(&pace);
		sd.msg.label = i;
		sent = mkipc_clock_ns();
		ret = mkipc_send(c->pr.snd, &sd);
		if (ret) {
			err("send %lu: %s%s", i, strerror(-ret),
			    ret == -EPIPE ? " (the receiver gave up)" : "");
			return -1;
		}
		pr_pace_from(&pace, sent);
	}
	return 0;
}

/* An option of prio-wake's own. */
static int pw_opt(struct pr_opts *po, int c)
{
	struct pw_opts *o = container_of(po, struct pw_opts, pr);
	unsigned long v;

	switch (c) {
	case PW_OPT_SENDER_CPU:
		if (parse_ulong("sender-cpu", optarg, 0, CPU_SETSIZE - 1, &v))
			return -1;
		o->sender_cpu = v;
		return 0;
	case PW_OPT_HOGS:
		return parse_ulong("hogs", optarg, 0, PW_MAX_HOGS, &o->hogs);
	case PW_OPT_HOG_NICE:
		return parse_long("hog-nice", optarg, -20, 19, &o->hog_nice);
	case PW_OPT_RECV_NICE:
		return parse_long("recv-nice", optarg, -20, 19,
				  &o->recv_nice);
	case PW_OPT_JITTER:
		return parse_ulong("jitter-pct", optarg, 0, 90,
				   &o->pr.jitter_pct);
	}
	return -1;
}

static const struct pr_cmd pw_cmd = {
	.name = "prio-wake", .count = "msgs",
	.interval_min = 1, .interval_us = 2000, .jitter_pct = 10,
	.opts = (const struct option []) {
		{ "sender-cpu", required_argument, NULL, PW_OPT_SENDER_CPU },
		{ "hogs", required_argument, NULL, PW_OPT_HOGS },
		{ "hog-nice", required_argument, NULL, PW_OPT_HOG_NICE },
		{ "recv-nice", required_argument, NULL, PW_OPT_RECV_NICE },
		{ "jitter-pct", required_argument, NULL, PW_OPT_JITTER },
		{ }
	},
	.opt = pw_opt,
	.usage = pw_usage,
};

static int pw_parse(int argc, char **argv, struct pw_opts *o)
{
	*o = (struct pw_opts) { .hogs = 2, .sender_cpu = -1 };
	return pr_parse(&pw_cmd, argc, argv, &o->pr);
}

/* The rate-limit line: does every wake-up get its boost? */
static void pw_print_window(const struct pw_ctx *c)
{
	__u64 lo = pr_min_interval_us(&c->o->pr);

	if (!c->window_us) {
		printf("# rate limit: none, boost_ns=%s: no boost\n",
		       c->o->pr.prm.boost_now);
		return;
	}
	printf("# rate limit: one boost per user per CPU per %llu us",
	       c->window_us);
	printf(" (100 * boost_ns); the shortest interval, %llu us, %s\n",
	       lo, lo > c->window_us ? "exceeds it" :
	       "does NOT: some wake-ups go unboosted");
}

static void pw_report_text(const struct pw_ctx *c, const struct pp_result *r)
{
	const struct pw_opts *o = c->o;

	printf("# mkipc prio-wake: receiver SCHED_OTHER nice %ld in RECV on CPU %lu",
	       o->recv_nice, o->pr.cpu);
	printf(" with %lu CFS hog(s) at nice %ld; sender on CPU %d\n",
	       o->hogs, o->hog_nice, c->sender_cpu);
	pr_print_pace(&o->pr);
	printf(", each carrying its send time\n");
	printf("# ");
	prm_print(&o->pr.prm);
	pw_print_window(c);
	pr_print_kernel(&c->pr, "boost");
	printf("# the receiver was SCHED_FIFO just after %lu of %lu receives",
	       c->fifo_seen, o->pr.count);
	printf(" (%lu told; a boost may end before it looks)\n", c->told);
	pp_print_lat("wake-to-run latency", r, "messages");
	pr_summary_begin(&c->pr);
	printf(" sender_cpu=%d hogs=%lu hog_nice=%ld recv_nice=%ld",
	       c->sender_cpu, o->hogs, o->hog_nice, o->recv_nice);
	printf(" interval_us=%lu jitter_pct=%lu", o->pr.interval_us,
	       o->pr.jitter_pct);
	pr_summary_count(&o->pr);
	prm_summary(&o->pr.prm);
	printf(" rate_window_us=%llu", c->window_us);
	pr_summary_result(&c->pr, r);
	printf(" fifo_seen=%lu", c->fifo_seen);
	pr_summary_end(&c->pr);
}

static void pw_report_json(const struct pw_ctx *c, const struct pp_result *r)
{
	const struct pw_opts *o = c->o;
	struct jw w = { .f = stdout };

	pr_json_begin(&w, &c->pr);
	jw_i64(&w, "sender_cpu", c->sender_cpu);
	jw_u64(&w, "hogs", o->hogs);
	jw_i64(&w, "hog_nice", o->hog_nice);
	jw_i64(&w, "recv_nice", o->recv_nice);
	jw_u64(&w, "interval_us", o->pr.interval_us);
	jw_u64(&w, "jitter_pct", o->pr.jitter_pct);
	jw_u64(&w, "min_interval_us", pr_min_interval_us(&o->pr));
	pr_json_count(&w, &o->pr);
	prm_json(&w, &o->pr.prm);
	jw_u64(&w, "rate_window_us", c->window_us);
	pr_json_results(&w, &c->pr);
	jw_u64(&w, "fifo_seen", c->fifo_seen);
	jw_u64(&w, "told", c->told);
	pr_json_lat(&w, "latency", r);
	pr_json_end(&w);
}

/* --sender-cpu, or the first CPU we may use other than --cpu. */
static int pw_pick_sender(struct pw_ctx *c)
{
	const struct pw_opts *o = c->o;
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set)) {
		err("sched_getaffinity: %s", strerror(errno));
		return -1;
	}
	if (!CPU_ISSET(o->pr.cpu, &set)) {
		err("CPU %lu is not available to this process", o->pr.cpu);
		return -1;
	}
	if (o->sender_cpu >= 0) {
		if (!CPU_ISSET(o->sender_cpu, &set)) {
			err("CPU %ld (sender) is not available to this process",
			    o->sender_cpu);
			return -1;
		}
		c->sender_cpu = o->sender_cpu;
		return 0;
	}
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (cpu != (int)o->pr.cpu && CPU_ISSET(cpu, &set)) {
			c->sender_cpu = cpu;
			return 0;
		}
	}
	err("the sender needs a CPU other than %lu (or --sender-cpu)",
	    o->pr.cpu);
	return -1;
}

static int cmd_prio_wake(int argc, char **argv)
{
	static struct pw_opts o;
	static struct pw_ctx c;
	struct timespec settle = { .tv_nsec = 50 * 1000 * 1000 };
	struct pp_result r;
	unsigned long i;
	int ret, rc = 1;

	ret = pw_parse(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	memset(&c, 0, sizeof(c));
	pr_init(&c.pr, &o.pr);
	c.o = &o;
	if (pw_pick_sender(&c))
		return 1;
	if (pr_open(&c.pr, false, "the completion boost") ||
	    prm_apply(&o.pr.prm))
		goto out;
	i = strtoul(o.pr.prm.boost_now, NULL, 10);
	c.window_us = (__u64)i * 100 / 1000;
	if (c.window_us >= pr_min_interval_us(&o.pr))
		err("warning: intervals from %llu us, rate limit %llu us: %s",
		    pr_min_interval_us(&o.pr), c.window_us,
		    "some wake-ups go unboosted");
	if (pr_endpoint(&c.pr, 0) || pp_pin(c.sender_cpu))
		goto out;
	for (i = 0; i < o.hogs; i++) {
		if (pr_thread_create(&c.hog[i], pw_hog_main, &c, SCHED_OTHER,
				     0, o.pr.cpu))
			goto out_stop;
		c.nhog++;
	}
	if (pr_start_peer(&c.pr, pw_recv_main, &c))
		goto out_stop;
	/* the hogs spin and the receiver waits when the first message goes */
	nanosleep(&settle, NULL);
	kc_take(&c.pr.kc_before);
	ret = pw_sender(&c);
	if (pw_stop(&c, ret) || ret)
		goto out;
	kc_take(&c.pr.kc_after);
	mkipc_param_restore_all();

	if (pr_samples(&c.pr, NULL, &r))
		goto out;
	if (o.pr.json)
		pw_report_json(&c, &r);
	else
		pw_report_text(&c, &r);
	rc = 0;
	goto out;

out_stop:
	pw_stop(&c, true);
out:
	pr_close(&c.pr);
	return rc;
}

/* ------------------------------------------------------------------ */

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
	  "round-trip benchmark: mkipc against futex, yield, pipe" },
	{ "prio-inv", cmd_prio_inv, pi_usage,
	  "priority inversion across a call, with and without inheritance" },
	{ "prio-wake", cmd_prio_wake, pw_usage,
	  "wake-to-run latency of an IPC receiver among CPU hogs: the boost" },
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
