#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: build mkipc.ko and the tools, boot one guest (or, with
# HOST=1, use the running kernel), run the benchmark suite there
# (tools/bench/suite.sh: every measurement of the run, raw output into
# results/bench-<time>/raw/), then write the report on this machine
# (tools/bench/report.py: the tables on the terminal, results.json,
# RESULTS.md and plots/ in the same folder).
#
# Environment: HOST=1 host mode; FULL=1 the full run (more rounds and
# iterations, every payload size, the two-CPU process set, and the
# userspace queue benchmark on this machine's CPUs); SUITES=ipc,ablation,
# contend,prio,switch,queue a subset; BENCH_REPS, BENCH_SCALE (see
# tools/bench/suite.sh); BENCH_TIMEOUT guest time limit (default 900,
# 3600 with FULL=1); KERNEL=6.1|6.12|6.12-rt the guest kernel (default
# 6.1), or KERNEL=<bzImage> with MODDIR= and KDIR=;
# MKIPC_HOST_DESC= a description of the machine for HOST=1 reports.
set -u -o pipefail
. "$(dirname "$0")/../common.sh"
cd "$MKIPC_TOP" || exit 1

FULL=${FULL:-0}
if [ "$FULL" = 1 ]; then
	TIMEOUT=${BENCH_TIMEOUT:-3600}
else
	TIMEOUT=${BENCH_TIMEOUT:-900}
fi
START=$(date +%s)
# A misspelt suite should cost nothing, not a guest boot.
for s in ${SUITES:+${SUITES//,/ }}; do
	case $s in
	ipc|ablation|contend|prio|switch|queue|kpatch) ;;
	*)	echo "bench: unknown suite '$s' in SUITES (ipc,ablation,contend,prio,switch,queue,kpatch)" >&2
		exit 2 ;;
	esac
done
mkipc_job_start bench

echo "# bench: building mkipc.ko against $KDIR"
make -s module KDIR="$KDIR" MKIPC_TESTS=y > "$RES/build.log" 2>&1 || {
	tail -n 40 "$RES/build.log"
	mkipc_die "build failed"
}

# The minimal ioctl hand-off baseline, a module of its own (not mkipc's).
echo "# bench: building tools/bench/minimal/mkipc_min.ko"
make -s -C tools/bench/minimal KDIR="$KDIR" >> "$RES/build.log" 2>&1 || {
	tail -n 40 "$RES/build.log"
	mkipc_die "building mkipc_min.ko failed"
}

# The guest sees this tree read-only and builds nothing: the tools are
# built here, now.
echo "# bench: building tools/mkipc and tools/bench/binder"
{ make -s tools && make -s -C tools/bench/binder; } >> "$RES/build.log" 2>&1 || {
	tail -n 40 "$RES/build.log"
	mkipc_die "building the tools failed"
}

envs=(-e "FULL=$FULL" -e "BENCH_SCALE=${BENCH_SCALE:-1}")
[ -n "${SUITES:-}" ] && envs+=(-e "SUITES=$SUITES")
[ -n "${BENCH_REPS:-}" ] && envs+=(-e "BENCH_REPS=$BENCH_REPS")
if [ "$HOST" = 1 ]; then
	[ "$(id -u)" -eq 0 ] || mkipc_die "host mode needs root"
	MKIPC_RESULTS=$RES tools/bench/suite.sh --ko "$MKIPC_TOP/mkipc.ko" \
		--out "$RES" 2>&1 | tee "$RES/output.log"
	rc=${PIPESTATUS[0]}
else
	# tsc=reliable: the emulated TSC is declared stable, so that
	# clock_gettime() is a vDSO read (73 ns) rather than an HPET
	# syscall (925 ns) in every timed sample (VM notes).
	echo "# bench: one guest boot runs every measurement (time limit ${TIMEOUT}s)"
	tools/vm/run-guest -o "$RES" -t "$TIMEOUT" "${envs[@]}" \
		-a "tsc=reliable ${BENCH_APPEND:-}" \
		${KERNEL:+-k "$KERNEL"} ${MODDIR:+-m "$MODDIR"} \
		-- tools/bench/suite.sh --ko "$MKIPC_TOP/mkipc.ko"
	rc=$?
fi

# The queue algorithm again, built for userspace and run on this
# machine's own cores against Concurrency Kit and liburcu (tools/userq):
# in the full run only (it measures the host, not the kernel under test).
if [ "$FULL" = 1 ]; then
	echo
	echo "# bench: userspace queues on this machine's CPUs (tools/userq/bench.sh)"
	tools/userq/bench.sh --json "$RES/userq-bench.json" |
		tee "$RES/userq-bench.log"
	[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
fi

if [ -f "$RES/raw/manifest.tsv" ]; then
	# The tree the run measured, for the report's header.
	echo "commit=$(git rev-parse --short HEAD 2> /dev/null || echo unknown)$(git diff --quiet HEAD 2> /dev/null || echo +changes)" \
		>> "$RES/raw/meta.env"
	echo
	python3 tools/bench/report.py "$RES" || rc=1
else
	echo "# bench: the suite left no raw/manifest.tsv: no report"
	rc=1
fi
echo "# bench: wall time $(( $(date +%s) - START ))s; results in $RES (make bench-report R=$RES writes the report again)"
exit "$rc"
