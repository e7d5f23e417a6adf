// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc(tool): mkipc switch, the kernel-thread pairs of switch_opt.c
 * (MKIPC_IOC_SWITCH): one variant, or every one, with their per-hand-off
 * cost in ns (the module converts nothing: cycles * 10^6 / tsc_khz here).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libmkipc.h"
#include "json.h"
#include "mkipc.h"
#include "module.h"

static const char * const sw_mechs[] = {
	"direct", "waitq", "owaitq", "khandoff",
};

static const char * const sw_mms[] = { "none", "same", "diff" };

static const char switch_help[] =
	"usage: mkipc switch [OPTIONS]\n"
	"\n"
	"Runs a pair of kernel threads that hand a CPU back and forth and times\n"
	"each hand-off with the TSC (MKIPC_IOC_SWITCH; root). One CPU: a sample\n"
	"is one hand-off; --cross: half a round trip, timed on one CPU.\n"
	"\n"
	"  --mech M      direct (wake_up_process), waitq (wait_queue_head_t),\n"
	"                owaitq, khandoff (wake_up_handoff: a kernel with the\n"
	"                companion patch), or all (default: direct; all leaves\n"
	"                khandoff out where the module lacks it)\n"
	"  --mm A        none (kernel threads), same (both in this process's\n"
	"                mm), diff (this process's and a child's), or all\n"
	"                (default: none)\n"
	"  --fpu         kernel_fpu_begin/end before each hand-off\n"
	"  --prefetch    prefetch the peer's task and stack top first\n"
	"  --cross       the threads on --cpu and --cpu2\n"
	"  --all         every variant: all mechanisms, mms, FPU and prefetch\n"
	"                on and off, one CPU and (with two CPUs) across\n"
	"  --cpu N       (default 0)   --cpu2 N   (default 1)\n"
	"  --iters N     samples a variant (default 20000)\n"
	"  --timeout-ms N  longest run of a variant (default 10000)\n"
	"  --json        one JSON object on stdout\n"
	"  --help        this text\n";

void switch_usage(FILE *f)
{
	fputs(switch_help, f);
}

struct sw_opts {
	int mech, mm;		/* -1: all */
	__u32 flags;
	bool all, json;
	long cpu, cpu2;
	unsigned long iters, timeout_ms;
};

static int sw_index(const char *opt, const char *s, const char * const *names,
		    int n, int *out)
{
	int i;

	if (!strcmp(s, "all")) {
		*out = -1;
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	}
	err("--%s: '%s' is not one of the choices", opt, s);
	return -1;
}

static int sw_parse(int argc, char **argv, struct sw_opts *o)
{
	static const struct option opts[] = {
		{ "mech", required_argument, NULL, 'M' },
		{ "mm", required_argument, NULL, 'm' },
		{ "fpu", no_argument, NULL, 'f' },
		{ "prefetch", no_argument, NULL, 'p' },
		{ "cross", no_argument, NULL, 'x' },
		{ "all", no_argument, NULL, 'a' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "cpu2", required_argument, NULL, 'C' },
		{ "iters", required_argument, NULL, 'n' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c, r = 0;

	*o = (struct sw_opts){ .cpu = 0, .cpu2 = 1, .iters = 20000,
			       .timeout_ms = 10000 };
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'M':
			r = sw_index("mech", optarg, sw_mechs, 3, &o->mech);
			break;
		case 'm':
			r = sw_index("mm", optarg, sw_mms, 3, &o->mm);
			break;
		case 'f':
			o->flags |= MKIPC_SW_FPU;
			break;
		case 'p':
			o->flags |= MKIPC_SW_PREFETCH;
			break;
		case 'x':
			o->flags |= MKIPC_SW_CROSS;
			break;
		case 'a':
			o->all = true;
			break;
		case 'c':
			r = parse_long("cpu", optarg, 0, 4095, &o->cpu);
			break;
		case 'C':
			r = parse_long("cpu2", optarg, 0, 4095, &o->cpu2);
			break;
		case 'n':
			r = parse_ulong("iters", optarg, 1, MKIPC_SW_MAX_ITERS,
					&o->iters);
			break;
		case 't':
			r = parse_ulong("timeout-ms", optarg, 1, 600000,
					&o->timeout_ms);
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			switch_usage(stdout);
			exit(0);
		default:
			switch_usage(stderr);
			return -1;
		}
		if (r)
			return -1;
	}
	if (optind < argc) {
		err("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (o->all) {
		o->mech = -1;
		o->mm = -1;
	}
	return 0;
}

static __u64 sw_ns(__u64 cycles, __u32 khz)
{
	return khz ? cycles * 1000000 / khz : 0;
}

/* One variant's run; 0, or -errno (the result is still in @a then). */
static int sw_run(int dev, const struct sw_opts *o, int mech, int mm,
		  __u32 flags, pid_t peer, struct mkipc_switch *a)
{
	memset(a, 0, sizeof(*a));
	a->mech = mech;
	a->mm = mm;
	a->flags = flags;
	a->cpu = o->cpu;
	a->cpu2 = o->cpu2;
	a->peer_pid = peer;
	a->iters = o->iters;
	a->timeout_ns = (__u64)o->timeout_ms * 1000000;
	return mkipc_switch_run(dev, a);
}

static void sw_print(const struct mkipc_switch *a, int ret, struct jw *w)
{
	__u64 avg = a->count ? a->sum_cycles / a->count : 0;
	bool fpu = a->flags & MKIPC_SW_FPU, pf = a->flags & MKIPC_SW_PREFETCH;
	bool cross = a->flags & MKIPC_SW_CROSS;

	if (w) {
		jw_open(w, NULL, '{');
		jw_str(w, "mech", sw_mechs[a->mech]);
		jw_str(w, "mm", sw_mms[a->mm]);
		jw_bool(w, "fpu", fpu);
		jw_bool(w, "prefetch", pf);
		jw_bool(w, "cross", cross);
		jw_i64(w, "cpu", a->cpu);
		jw_i64(w, "cpu2", a->cpu2);
		jw_u64(w, "iters", a->iters);
		jw_u64(w, "count", a->count);
		jw_u64(w, "tsc_khz", a->tsc_khz);
		jw_u64(w, "min_cycles", a->min_cycles);
		jw_u64(w, "avg_cycles", avg);
		jw_u64(w, "max_cycles", a->max_cycles);
		jw_u64(w, "min_ns", sw_ns(a->min_cycles, a->tsc_khz));
		jw_u64(w, "avg_ns", sw_ns(avg, a->tsc_khz));
		jw_u64(w, "max_ns", sw_ns(a->max_cycles, a->tsc_khz));
		if (ret)
			jw_str(w, "error", strerror(-ret));
		else
			jw_null(w, "error");
		jw_close(w, '}');
		return;
	}
	printf("%-7s %-5s %3d %8d %5d %8llu %9llu %9llu %9llu%s%s\n",
	       sw_mechs[a->mech], sw_mms[a->mm], fpu, pf, cross,
	       (unsigned long long)a->count,
	       (unsigned long long)sw_ns(a->min_cycles, a->tsc_khz),
	       (unsigned long long)sw_ns(avg, a->tsc_khz),
	       (unsigned long long)sw_ns(a->max_cycles, a->tsc_khz),
	       ret ? "  " : "", ret ? strerror(-ret) : "");
	printf("SUMMARY bench=switch mech=%s mm=%s fpu=%d prefetch=%d cross=%d",
	       sw_mechs[a->mech], sw_mms[a->mm], fpu, pf, cross);
	printf(" cpu=%d cpu2=%d iters=%llu count=%llu tsc_khz=%u",
	       a->cpu, a->cpu2, (unsigned long long)a->iters,
	       (unsigned long long)a->count, a->tsc_khz);
	printf(" min_ns=%llu avg_ns=%llu max_ns=%llu error=%s\n",
	       (unsigned long long)sw_ns(a->min_cycles, a->tsc_khz),
	       (unsigned long long)sw_ns(avg, a->tsc_khz),
	       (unsigned long long)sw_ns(a->max_cycles, a->tsc_khz),
	       ret ? strerrorname_np(-ret) ?: "unknown" : "none");
}

int cmd_switch(int argc, char **argv)
{
	struct jw w = { .f = stdout };
	struct mkipc_version ver;
	int dev, mech, mm, fl, ret, failed = 0;
	struct sw_opts o;
	pid_t peer = -1;

	if (sw_parse(argc, argv, &o))
		return EXIT_USAGE;
	dev = open_mkipc(&ver);
	if (dev < 0)
		return 1;
	if (!(ver.features & MKIPC_FEAT_SWITCH)) {
		err("the loaded module has no MKIPC_IOC_SWITCH");
		close(dev);
		return 1;
	}
	if (o.mm != MKIPC_SW_MM_NONE && o.mm != MKIPC_SW_MM_SAME) {
		/* The other mm: a child that waits to be killed. */
		peer = fork();
		if (peer < 0) {
			err("fork: %s", strerror(errno));
			close(dev);
			return 1;
		}
		if (!peer) {
			pause();
			_exit(0);
		}
	}
	if (o.json) {
		jw_open(&w, NULL, '{');
		jw_open(&w, "runs", '[');
	} else {
		printf("# mkipc switch: iters=%lu cpu=%ld cpu2=%ld;", o.iters,
		       o.cpu, o.cpu2);
		printf(" ns a hand-off (cross: half a round trip)\n");
		printf("%-7s %-5s %3s %8s %5s %8s %9s %9s %9s\n", "mech", "mm",
		       "fpu", "prefetch", "cross", "count", "min_ns", "avg_ns",
		       "max_ns");
	}
	/* --all: the cross variants only where there are two CPUs. */
	if (o.all && sysconf(_SC_NPROCESSORS_ONLN) < 2 && !o.json)
		printf("# one CPU online: no cross variants\n");
	for (fl = 0; fl < 8; fl++) {
		__u32 flags = fl;

		if (!o.all && flags != o.flags)
			continue;
		if (o.all && (flags & MKIPC_SW_CROSS) &&
		    sysconf(_SC_NPROCESSORS_ONLN) < 2)
			continue;
		for (mech = 0; mech < MKIPC_SW_NMECH; mech++) {
			if (o.mech >= 0 && mech != o.mech)
				continue;
			/* All: the kernel's hand-off where the module has it. */
			if (o.mech < 0 && mech == MKIPC_SW_KHANDOFF &&
			    !(ver.features & MKIPC_FEAT_KHANDOFF))
				continue;
			for (mm = 0; mm < MKIPC_SW_NMM; mm++) {
				struct mkipc_switch a;

				if (o.mm >= 0 && mm != o.mm)
					continue;
				ret = sw_run(dev, &o, mech, mm, flags, peer, &a);
				if (ret)
					failed = 1;
				sw_print(&a, ret, o.json ? &w : NULL);
			}
		}
	}
	if (o.json) {
		jw_close(&w, ']');
		jw_close(&w, '}');
		fputc('\n', stdout);
	}
	if (peer > 0) {
		kill(peer, SIGKILL);
		waitpid(peer, NULL, 0);
	}
	close(dev);
	return failed;
}
