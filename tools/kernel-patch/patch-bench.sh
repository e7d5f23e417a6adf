#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make patch-bench`: the companion kernel patch, built and measured. Builds
# (once, then from the cache) two guest kernels from Debian's
# linux-source-6.1 with the same configuration (tools/vm/kernel/base.config,
# no checkers): stock, and patched with the series beside this script. Then
# boots each in turn and runs the same rows there (make bench with
# SUITES=kpatch: tools/bench/suite.sh): the sched_yield floor, futex and
# mkipc round trips between threads and between processes on one CPU, on
# the patched kernel mkipc with its direct hand-off and without, the
# switch variants with the kernel's prefetching on and off, and the
# kernel's own switch-path cycles. Last, tools/kernel-patch/compare.py
# prints stock against patched, each figure as a ratio to the stock
# kernel's sched_yield round trip.
#
# Under TCG a ratio across the two boots carries the emulation's drift
# from one boot to the next; compare.py prints the ratios within each boot
# beside them.
#
# Environment: BENCH_REPS rounds of every row (default 7); BENCH_SCALE.
# Results: results/patch-bench-<time>/ (compare.txt, COMPARE.md, and the
# two runs' folders named in them).
set -u -o pipefail
. "$(dirname "$0")/../common.sh"
cd "$MKIPC_TOP" || exit 1

START=$(date +%s)
RES=$MKIPC_TOP/results/patch-bench-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RES" || mkipc_die "cannot create $RES"
# QEMU and the tools; the kernels are built here, none installed.
KERNEL=/nonexistent/bzImage tools/make/deps.sh guest || exit 1

declare -A KB
for k in stock patched; do
	t0=$(date +%s)
	echo "# patch-bench: the $k kernel (tools/vm/kernel/build.sh $k)"
	KB[$k]=$(tools/vm/kernel/build.sh "$k" 2> "$RES/kernel-build-$k.log") || {
		tail -n 40 "$RES/kernel-build-$k.log"
		mkipc_die "building the $k kernel failed"
	}
	echo "# patch-bench: $k kernel ${KB[$k]} ($(( $(date +%s) - t0 ))s to build or find)"
done

rc=0
declare -A RUN
for k in stock patched; do
	t0=$(date +%s)
	echo "# patch-bench: measuring the $k kernel"
	KERNEL=${KB[$k]}/arch/x86/boot/bzImage MODDIR=${KB[$k]} KDIR=${KB[$k]} \
		SUITES=kpatch BENCH_REPS=${BENCH_REPS:-7} tools/make/bench.sh \
		> "$RES/bench-$k.log" 2>&1 || rc=1
	RUN[$k]=$(sed -n 's/.*; results in \([^ ]*\) .*/\1/p' "$RES/bench-$k.log" | tail -n 1)
	grep -E '^# (bench|suite):' "$RES/bench-$k.log" | grep -v '^# \[' | tail -n 3
	echo "# patch-bench: $k kernel measured in $(( $(date +%s) - t0 ))s, results in ${RUN[$k]:-?}"
	if [ -z "${RUN[$k]}" ] || [ ! -f "${RUN[$k]}/results.json" ]; then
		mkipc_die "the $k run left no results.json (see $RES/bench-$k.log)"
	fi
done

python3 tools/kernel-patch/compare.py --md "$RES/COMPARE.md" \
	"${RUN[stock]}" "${RUN[patched]}" | tee "$RES/compare.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
echo "# patch-bench: wall time $(( $(date +%s) - START ))s; results in $RES"
exit "$rc"
