#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The mkipc benchmark suite, run on the kernel under test (in a guest, or
# on the host with HOST=1). Loads mkipc.ko, runs every benchmark REPS
# times, prints one SUMMARY line per run with all parameters, then the
# results table. Writes bench.json beside the logs when MKIPC_RESULTS or
# MKIPC_GUEST_OUT names a directory.
#
# Under emulation (TCG) absolute times mean little: read the ratio column,
# each row against the baseline it names, all measured in the same run.
#
# usage: run_bench.sh [--ko PATH]
# environment: BENCH_REPS (default 5), BENCH_SCALE (loop multiplier, 1)
set -u -o pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
KO=$TOP/mkipc.ko
[ "${1:-}" = --ko ] && KO=$2
REPS=${BENCH_REPS:-5}
SCALE=${BENCH_SCALE:-1}
OUTDIR=${MKIPC_RESULTS:-${MKIPC_GUEST_OUT:-}}

if [ "${MKIPC_GUEST:-0}" = 1 ]; then
	# TCG: about 1 us per null syscall, 30-150 us per pipe round trip.
	SYSCALL_LOOPS=$((500000 * SCALE))
	PIPE_LOOPS=$((20000 * SCALE))
	case "${MKIPC_ACCEL:-}" in
	tcg)	MODE="guest, QEMU TCG (emulated CPU: ratios only)" ;;
	kvm)	MODE="guest, QEMU KVM (virtualized)" ;;
	*)	MODE="guest" ;;
	esac
else
	SYSCALL_LOOPS=$((10000000 * SCALE))
	PIPE_LOOPS=$((500000 * SCALE))
	MODE=host
fi

die() { echo "run_bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (loads mkipc.ko)"
command -v perf >/dev/null || die "perf not found (Debian: linux-perf)"

echo "# mkipc benchmark suite"
echo "# date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "# kernel:  $(uname -r)"
echo "# cpu:     $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) CPUs online"
echo "# mode:    $MODE"
echo "# reps:    $REPS per benchmark; result = median, spread = min..max"

[ -e /sys/module/mkipc ] && { rmmod mkipc || die "cannot unload the loaded mkipc"; }
insmod "$KO" || die "insmod $KO failed"
trap '[ -e /sys/module/mkipc ] && rmmod mkipc' EXIT
[ -c /dev/mkipc ] || die "/dev/mkipc missing after insmod"
echo "# module:  mkipc $(cat /sys/module/mkipc/version) loaded from $KO"

ROWS=()		# name|params|baseline|min|median|max
declare -A MEDIAN

# bench NAME BASELINE PARAMS CMD...: run CMD REPS times, parse "usecs/op".
bench()
{
	local name=$1 base=$2 params=$3 i v out vals=() sorted
	shift 3

	for ((i = 1; i <= REPS; i++)); do
		out=$("$@" 2>&1) || die "$name: '$*' failed: $out"
		v=$(echo "$out" | awk '/usecs\/op/ { print $1; exit }')
		[ -n "$v" ] || die "$name: no usecs/op from: $*"
		vals+=("$v")
		echo "SUMMARY bench=$name rep=$i/$REPS $params usecs_per_op=$v"
	done
	sorted=($(printf '%s\n' "${vals[@]}" | sort -g))
	MEDIAN[$name]=${sorted[$((REPS / 2))]}
	ROWS+=("$name|$params|$base|${sorted[0]}|${MEDIAN[$name]}|${sorted[$((REPS - 1))]}")
}

bench syscall_null - "op=getppid loops=$SYSCALL_LOOPS" \
	perf bench syscall basic -l "$SYSCALL_LOOPS"
bench pipe_rtt_1cpu syscall_null "threads=2 cpus=0 loops=$PIPE_LOOPS" \
	taskset -c 0 perf bench sched pipe -T -l "$PIPE_LOOPS"
bench pipe_rtt_2cpu pipe_rtt_1cpu "threads=2 cpus=any loops=$PIPE_LOOPS" \
	perf bench sched pipe -T -l "$PIPE_LOOPS"

trap - EXIT
rmmod mkipc || die "mkipc did not unload"

echo
echo "# Results (us per operation; one pipe operation is one round trip)."
echo "# ratio = this row's median / the median of the row named in 'vs'."
[ "${MKIPC_GUEST:-0}" = 1 ] &&
	echo "# Guest under emulation: compare ratios, not absolute times."
printf '%-15s %-38s %9s %9s %9s  %-13s %7s\n' \
	benchmark parameters min median max vs ratio
json="["
for row in "${ROWS[@]}"; do
	IFS='|' read -r name params base min med max <<< "$row"
	if [ "$base" = - ]; then
		ratio=1.00
	else
		ratio=$(awk -v a="$med" -v b="${MEDIAN[$base]}" \
			'BEGIN { printf "%.2f", a / b }')
	fi
	printf '%-15s %-38s %9.3f %9.3f %9.3f  %-13s %7s\n' \
		"$name" "$params" "$min" "$med" "$max" "$base" "$ratio"
	json+="$([ "$json" = "[" ] || echo ,)
  {\"benchmark\": \"$name\", \"params\": \"$params\", \"reps\": $REPS, \"usecs_min\": $min, \"usecs_median\": $med, \"usecs_max\": $max, \"vs\": \"$base\", \"ratio\": $ratio}"
done
json+="
]"
if [ -n "$OUTDIR" ] && [ -d "$OUTDIR" ]; then
	echo "$json" > "$OUTDIR/bench.json"
fi
