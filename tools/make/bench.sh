#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: build mkipc.ko, boot a guest (or, with HOST=1, use the
# running kernel), run the benchmark suite and print its results tables;
# then the userspace queue benchmark on this machine's own CPUs. Logs, the
# tables, bench.json and userq-bench.json stay in results/bench-<time>/.
#
# Environment: HOST=1 host mode; BENCH_REPS, BENCH_SCALE (see
# tools/bench/suite.sh); BENCH_TIMEOUT guest time limit (default 1800);
# KERNEL=, MODDIR=, KDIR= another guest kernel.
set -u -o pipefail
. "$(dirname "$0")/../common.sh"
cd "$MKIPC_TOP"

TIMEOUT=${BENCH_TIMEOUT:-1800}
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

# The guest sees this tree read-only and builds nothing: the mkipc tool
# (mkipc pingpong, the IPC round-trip rows) is built here, now.
echo "# bench: building tools/mkipc and tools/bench/binder"
{ make -s tools && make -s -C tools/bench/binder; } >> "$RES/build.log" 2>&1 || {
	tail -n 40 "$RES/build.log"
	mkipc_die "building tools/mkipc failed"
}

envs=(-e "BENCH_REPS=${BENCH_REPS:-5}" -e "BENCH_SCALE=${BENCH_SCALE:-1}")
if [ "$HOST" = 1 ]; then
	[ "$(id -u)" -eq 0 ] || mkipc_die "host mode needs root"
	MKIPC_RESULTS=$RES tools/bench/suite.sh --ko "$MKIPC_TOP/mkipc.ko" |
		tee "$RES/output.log"
	rc=${PIPESTATUS[0]}
else
	# tsc=reliable: the emulated TSC is declared stable, so that
	# clock_gettime() is a vDSO read (73 ns) rather than an HPET
	# syscall (925 ns) in every timed sample (VM notes).
	tools/vm/run-guest -o "$RES" -t "$TIMEOUT" "${envs[@]}" \
		-a "tsc=reliable ${BENCH_APPEND:-}" \
		${KERNEL:+-k "$KERNEL"} ${MODDIR:+-m "$MODDIR"} \
		-- tools/bench/suite.sh --ko "$MKIPC_TOP/mkipc.ko"
	rc=$?
fi

# The queue algorithm again, built for userspace and run on this
# machine's own cores against Concurrency Kit and liburcu (tools/userq).
echo
echo "# bench: userspace queues on this machine's CPUs (tools/userq/bench.sh)"
tools/userq/bench.sh --json "$RES/userq-bench.json" |
	tee "$RES/userq-bench.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
echo "# bench: logs and bench.json in $RES"
exit "$rc"
