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
# environment: BENCH_REPS (default 5), BENCH_QREPS (runs of each kernel
# queue and wait-path job, default 3), BENCH_SCALE (loop multiplier, 1)
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

# The queues and wait queues, measured inside the kernel through debugfs:
# kthreads, no syscalls on the measured path.
DBG=/sys/kernel/debug/mkipc
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
if [ "${MKIPC_GUEST:-0}" = 1 ]; then
	Q_ITEMS=$((1000000 * SCALE))
	W_WAKES=$((1000000 * SCALE))
	W_ROUNDS=$((10000 * SCALE))
else
	Q_ITEMS=$((4000000 * SCALE))
	W_WAKES=$((20000000 * SCALE))
	W_ROUNDS=$((500000 * SCALE))
fi
QREPS=${BENCH_QREPS:-3}

# kjob FILE CMD: one debugfs job; prints its result line.
kjob()
{
	echo "$2" > "$DBG/$1" || die "'$2' > $DBG/$1 failed"
	cat "$DBG/$1"
}

# kfield LINE KEY
kfield() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# ratio A B: A / B to two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# median/min/max of numbers on stdin
stats3() { sort -g | awk '{ v[NR] = $1 } END { printf "%s %s %s", v[1], v[int((NR + 1) / 2)], v[NR] }'; }

QROWS=()	# P C kind min med max (Mops/s), then median enq/deq avg, p99 (ns)
declare -A QMED
for p in 1 2 4; do
	for c in 1 2 4; do
		for kind in lfq spin; do
			vals=() ea=() ep=() da=() dp=()
			for ((i = 1; i <= QREPS; i++)); do
				line=$(kjob queue_stress "$kind $p $c $Q_ITEMS $Q_ITEMS bench")
				[ "$(kfield "$line" lost)" = 0 ] &&
				[ "$(kfield "$line" timed_out)" = 0 ] ||
					die "queue run broke its checks: $line"
				ns=$(kfield "$line" ns)
				mops=$(awk -v n="$Q_ITEMS" -v t="$ns" 'BEGIN { printf "%.4f", n * 1000 / t }')
				vals+=("$mops")
				ea+=("$(kfield "$line" enq_avg_ns)")
				ep+=("$(kfield "$line" enq_p99_ns)")
				da+=("$(kfield "$line" deq_avg_ns)")
				dp+=("$(kfield "$line" deq_p99_ns)")
				echo "SUMMARY bench=queue rep=$i/$QREPS $line mops=$mops"
			done
			read -r mn md mx <<< "$(printf '%s\n' "${vals[@]}" | stats3)"
			QMED[$kind.$p.$c]=$md
			lat=
			for arr in ea ep da dp; do
				declare -n ref=$arr
				read -r _ v _ <<< "$(printf '%s\n' "${ref[@]}" | stats3)"
				lat+=" $v"
				unset -n ref
			done
			QROWS+=("$p $c $kind $mn $md $mx$lat")
		done
	done
done

WROWS=()	# name|params|vs|min|med|max  (ns)
declare -A WMED
# wjob NAME VS PARAMS CMD KEY
wjob()
{
	local name=$1 base=$2 params=$3 cmd=$4 key=$5 i line vals=() mn md mx

	for ((i = 1; i <= QREPS; i++)); do
		line=$(kjob waitq_test "$cmd")
		echo "SUMMARY bench=$name rep=$i/$QREPS $line"
		vals+=("$(kfield "$line" "$key")")
	done
	read -r mn md mx <<< "$(printf '%s\n' "${vals[@]}" | stats3)"
	WMED[$name]=$md
	WROWS+=("$name|$params|$base|$mn|$md|$mx")
}
NCPU=$(nproc)
wjob wake_nosleeper_stock - "wakes=$W_WAKES" \
	"nosleeper stock $W_WAKES" ns_per_wake
wjob wake_nosleeper_owaitq wake_nosleeper_stock "wakes=$W_WAKES" \
	"nosleeper owaitq $W_WAKES" ns_per_wake
for cpus in same cross; do
	[ "$cpus" = cross ] && [ "$NCPU" -lt 2 ] && continue
	for w in plain sync; do
		wjob "handoff_stock_${cpus}_$w" - \
			"round_trips=$W_ROUNDS cpus=$cpus wake=$w" \
			"handoff stock $W_ROUNDS $cpus $w" ns_per_round_trip
		wjob "handoff_owaitq_${cpus}_$w" "handoff_stock_${cpus}_$w" \
			"round_trips=$W_ROUNDS cpus=$cpus wake=$w" \
			"handoff owaitq $W_ROUNDS $cpus $w" ns_per_round_trip
	done
done

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
		ratio=$(ratio "$med" "${MEDIAN[$base]}")
	fi
	printf '%-15s %-38s %9.3f %9.3f %9.3f  %-13s %7s\n' \
		"$name" "$params" "$min" "$med" "$max" "$base" "$ratio"
	json+="$([ "$json" = "[" ] || echo ,)
  {\"benchmark\": \"$name\", \"params\": \"$params\", \"reps\": $REPS, \"usecs_min\": $min, \"usecs_median\": $med, \"usecs_max\": $max, \"vs\": \"$base\", \"ratio\": $ratio}"
done

echo
echo "# Kernel queues: P producer and C consumer kthreads, $Q_ITEMS items a run"
echo "# (bound $Q_ITEMS: never full; counts checked, not each value), $QREPS runs."
echo "# Mops/s = items / wall time (an op: one item enqueued and dequeued);"
echo "# ns/item = 1000 / median. enq, deq: one operation in 16 timed with"
echo "# ktime_get_ns(), successful ones only: average and p99 (upper edge of"
echo "# its power-of-two bucket), ns, median over the runs; under TCG the"
echo "# clock reads cost much of it. lfq/spin = median lfq over median spin;"
echo "# target: lfq/spin >= 1.30 where P >= 2 and C >= 2."
printf '%-2s %-2s %-5s %9s %9s %9s %9s %8s %8s %8s %8s  %8s %s\n' \
	P C queue min median max ns/item enq_avg enq_p99 deq_avg deq_p99 \
	lfq/spin target
for row in "${QROWS[@]}"; do
	read -r p c kind mn md mx eavg ep99 davg dp99 <<< "$row"
	nsi=$(awk -v m="$md" 'BEGIN { printf "%.1f", 1000 / m }')
	ratio=- target=
	if [ "$kind" = lfq ]; then
		ratio=$(ratio "$md" "${QMED[spin.$p.$c]}")
		if [ "$p" -ge 2 ] && [ "$c" -ge 2 ]; then
			target=$(awk -v r="$ratio" 'BEGIN { print (r >= 1.3) ? "met" : "missed" }')
		fi
	fi
	printf '%-2s %-2s %-5s %9.3f %9.3f %9.3f %9s %8s %8s %8s %8s  %8s %s\n' \
		"$p" "$c" "$kind" "$mn" "$md" "$mx" "$nsi" "$eavg" "$ep99" \
		"$davg" "$dp99" "$ratio" "$target"
	json_q+="$([ -z "${json_q:-}" ] || echo ,)
  {\"benchmark\": \"queue_$kind\", \"producers\": $p, \"consumers\": $c, \"items\": $Q_ITEMS, \"reps\": $QREPS, \"mops_min\": $mn, \"mops_median\": $md, \"mops_max\": $mx, \"enq_avg_ns\": $eavg, \"enq_p99_ns\": $ep99, \"deq_avg_ns\": $davg, \"deq_p99_ns\": $dp99}"
done

echo
echo "# Wake path (ns): a wake-up nobody waits for; a round trip of two"
echo "# sleep/wake hand-offs between two kthreads on CPU 0 (same) or CPUs"
echo "# 0 and 1 (cross). $QREPS runs; ratio = median / median of 'vs'."
printf '%-26s %-38s %9s %9s %9s  %-24s %6s\n' \
	benchmark parameters min median max vs ratio
for row in "${WROWS[@]}"; do
	IFS='|' read -r name params base mn md mx <<< "$row"
	if [ "$base" = - ]; then
		ratio=1.00
	else
		ratio=$(ratio "$md" "${WMED[$base]}")
	fi
	printf '%-26s %-38s %9s %9s %9s  %-24s %6s\n' \
		"$name" "$params" "$mn" "$md" "$mx" "$base" "$ratio"
	json_q+=",
  {\"benchmark\": \"$name\", \"params\": \"$params\", \"reps\": $QREPS, \"ns_min\": $mn, \"ns_median\": $md, \"ns_max\": $mx, \"vs\": \"$base\", \"ratio\": $ratio}"
done

json+=",$json_q
]"
if [ -n "$OUTDIR" ] && [ -d "$OUTDIR" ]; then
	echo "$json" > "$OUTDIR/bench.json"
fi
