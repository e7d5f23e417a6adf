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
# usage: suite.sh [--ko PATH]
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

die() { echo "suite: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (loads mkipc.ko)"
command -v perf >/dev/null || die "perf not found (Debian: linux-perf)"

echo "# mkipc benchmark suite"
echo "# date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "# kernel:  $(uname -r)"
echo "# cpu:     $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) CPUs online"
echo "# mode:    $MODE"
echo "# reps:    $REPS per benchmark; result = median, spread = min..max"
CLOCKSRC=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo unknown)
echo "# clock:   clocksource $CLOCKSRC$([ "$CLOCKSRC" = tsc ] || echo " (clock_gettime() may be a real syscall: every timed sample pays it)")"

[ -e /sys/module/mkipc ] && { rmmod mkipc || die "cannot unload the loaded mkipc"; }
insmod "$KO" || die "insmod $KO failed"
trap '[ -e /sys/module/mkipc ] && rmmod mkipc' EXIT
[ -c /dev/mkipc ] || die "/dev/mkipc missing after insmod"
echo "# module:  mkipc $(cat /sys/module/mkipc/version) loaded from $KO"
# The minimal ioctl hand-off baseline (tools/bench/minimal), beside it.
MINKO=$(dirname "$KO")/tools/bench/minimal/mkipc_min.ko
[ -n "${MKIPC_MIN_KO:-}" ] && MINKO=$MKIPC_MIN_KO
HAVE_MIN=0
[ -e /sys/module/mkipc_min ] && rmmod mkipc_min
if [ -f "$MINKO" ] && insmod "$MINKO"; then
	HAVE_MIN=1
	trap '[ -e /sys/module/mkipc ] && rmmod mkipc; [ -e /sys/module/mkipc_min ] && rmmod mkipc_min' EXIT
	echo "# baseline: mkipc_min loaded from $MINKO"
else
	echo "# baseline: no $MINKO: the minimal rows are left out"
fi

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

# mkipc's own IPC path, end to end from userspace: round trips of `mkipc
# pingpong` (tools/mkipc, built on the host by tools/make/bench.sh: nothing is
# built here) against the same ping-pong over futexes, over sched_yield()
# between two SCHED_FIFO peers on one CPU (the floor: two syscalls and two
# switches a round trip), over two pipes, and against perf bench sched pipe.
PP=$TOP/tools/mkipc/mkipc
# Binder's round trip (tools/bench/binder), where the kernel has Binder:
# Debian builds it as binder_linux, whose device is /dev/binder.
BINDER_PP=$TOP/tools/bench/binder/binder_pingpong
HAVE_BINDER=0
[ -e /dev/binder ] || modprobe binder_linux devices=binder 2> /dev/null
if [ -c /dev/binder ] && [ -x "$BINDER_PP" ]; then
	HAVE_BINDER=1
else
	echo "# no /dev/binder (or $BINDER_PP not built): no Binder rows"
fi
[ -x "$PP" ] || die "$PP missing: build it first (make tools; make bench does)"
if [ "${MKIPC_GUEST:-0}" = 1 ]; then
	# TCG: 5-25 us a round trip on one CPU (60-130 us across processes
	# or CPUs).
	PP_ITERS=$((20000 * SCALE))
	PP2_ITERS=$((10000 * SCALE))
else
	PP_ITERS=$((200000 * SCALE))
	PP2_ITERS=$((100000 * SCALE))
fi
PP_START=$SECONDS

PROWS=()	# name|params|p50 min|p50 median|p50 max|avg median (ns)
declare -A P50 PAVG PPARAMS

# The rows of one set run interleaved: round i runs every row once, in
# turn, so that drift in the host (large under emulation) falls on all of
# them alike rather than on whichever ran last.
declare -A PPS_P50 PPS_AVG PPS_KIND
PPS_ORDER=()

# ppadd NAME PARAMS KIND ARG...: a row of the next set; KIND pingpong
# (ARG... for `mkipc pingpong`), binder (ARG... for binder_pingpong) or
# perf (ARG... the perf command line).
ppadd()
{
	local name=$1 params=$2 kind=$3
	shift 3
	PPS_ORDER+=("$name")
	PPARAMS[$name]=$params
	PPS_KIND[$name]=$kind
	PPS_ARGS[$name]=$(printf '%q ' "$@")
	PPS_P50[$name]=
	PPS_AVG[$name]=
}
declare -A PPS_ARGS PPS_DIRECT PPS_QUEUED

# pprun: REPS rounds of the rows added, then each row's medians.
pprun()
{
	local i name out line v mn md mx amd
	local -a args

	for ((i = 1; i <= REPS; i++)); do
		for name in "${PPS_ORDER[@]}"; do
			eval "args=(${PPS_ARGS[$name]})"
			if [ "${PPS_KIND[$name]}" = perf ]; then
				out=$("${args[@]}" 2>&1) ||
					die "$name: '${args[*]}' failed: $out"
				v=$(echo "$out" | awk '/usecs\/op/ { print $1 * 1000; exit }')
				[ -n "$v" ] || die "$name: no usecs/op from: ${args[*]}"
				echo "SUMMARY bench=$name rep=$i/$REPS ${PPARAMS[$name]} avg_ns=$v"
				PPS_AVG[$name]+=" $v"
				continue
			fi
			if [ "${PPS_KIND[$name]}" = binder ]; then
				out=$("$BINDER_PP" "${args[@]}" 2>&1) ||
					die "$name: 'binder_pingpong ${args[*]}' failed: $out"
				line=$(echo "$out" | grep '^SUMMARY bench=binder ') ||
					die "$name: no SUMMARY line from 'binder_pingpong ${args[*]}'"
				line="SUMMARY bench=pingpong ${line#SUMMARY bench=binder }"
			else
				out=$("$PP" pingpong "${args[@]}" 2>&1) ||
					die "$name: 'mkipc pingpong ${args[*]}' failed: $out"
				line=$(echo "$out" | grep '^SUMMARY bench=pingpong ') ||
					die "$name: no SUMMARY line from 'mkipc pingpong ${args[*]}'"
			fi
			echo "SUMMARY bench=$name rep=$i/$REPS ${line#SUMMARY bench=pingpong }"
			PPS_P50[$name]+=" $(kfield "$line" p50_ns)"
			PPS_AVG[$name]+=" $(kfield "$line" avg_ns)"
			PPS_DIRECT[$name]=$(( ${PPS_DIRECT[$name]:-0} + $(kfield "$line" direct | tr -c -d 0-9) + 0 ))
			PPS_QUEUED[$name]=$(( ${PPS_QUEUED[$name]:-0} + $(kfield "$line" queued | tr -c -d 0-9) + 0 ))
		done
	done
	for name in "${PPS_ORDER[@]}"; do
		read -r _ amd _ <<< "$(printf '%s\n' ${PPS_AVG[$name]} | stats3)"
		PAVG[$name]=$amd
		if [ "${PPS_KIND[$name]}" = perf ]; then
			P50[$name]=-
			PROWS+=("$name|${PPARAMS[$name]}|-|-|-|$amd")
			continue
		fi
		read -r mn md mx <<< "$(printf '%s\n' ${PPS_P50[$name]} | stats3)"
		P50[$name]=$md
		PROWS+=("$name|${PPARAMS[$name]}|$mn|$md|$mx|$amd")
	done
	PPS_ORDER=()
}

# ppset SET MODE CPUS ITERS: mkipc and the baselines, one configuration.
ppset()
{
	local set=$1 mode=$2 cpus=$3 n=$4 t cpulist=0 perf_t=
	local common=(--mode "$mode" --cpus "$cpus" --iters "$n")

	[ "$cpus" = two ] && cpulist=0,1
	for t in mkipc minimal futex yield pipe; do
		[ "$t" = yield ] && [ "$cpus" != one ] && continue
		[ "$t" = minimal ] && [ "$HAVE_MIN" != 1 ] && continue
		ppadd "${set}_$t" \
			"transport=$t mode=$mode cpus=$cpulist iters=$n size=0" \
			pingpong "${common[@]}" --transport "$t"
	done
	# Binder (binder_linux), between two processes like procs mode.
	if [ "$mode" = procs ] && [ "$cpus" = one ] && [ "$HAVE_BINDER" = 1 ]; then
		ppadd "${set}_binder" \
			"transport=binder mode=procs cpus=0 iters=$n size=0" \
			binder --cpu 0 --iters "$n"
	fi
	# perf cannot put its two sides on two given CPUs: one CPU only.
	if [ "$cpus" = one ]; then
		[ "$mode" = threads ] && perf_t=-T
		ppadd "${set}_perf_pipe" \
			"perf bench sched pipe${perf_t:+ -T} cpus=0 loops=$n" \
			perf taskset -c 0 perf bench sched pipe $perf_t -l "$n"
	fi
}

# Each set with its ablation rows (threads): each optimization off alone,
# and all six off (--naive: the slow path), in the same rounds as the full
# path.
ppset thr1 threads one "$PP_ITERS"
for opt in naive no-direct no-recycle no-call no-lfq no-owaitq no-sync; do
	ppadd "thr1_mkipc_${opt//-/_}" \
		"transport=mkipc mode=threads cpus=0 iters=$PP_ITERS --$opt" \
		pingpong --mode threads --cpus one --iters "$PP_ITERS" --"$opt"
done
pprun
ppset proc1 procs one "$PP_ITERS"
pprun
if [ "$NCPU" -ge 2 ]; then
	ppset thr2 threads two "$PP2_ITERS"
	ppadd thr2_mkipc_naive \
		"transport=mkipc mode=threads cpus=0,1 iters=$PP2_ITERS --naive" \
		pingpong --mode threads --cpus two --iters "$PP2_ITERS" --naive
	pprun
fi
PP_SECS=$((SECONDS - PP_START))

# Context-switch hand-offs: `mkipc switch --all` (switch_opt.c, ioctl
# MKIPC_IOC_SWITCH), two kthreads handing a CPU back and forth, every
# hand-off timed with the TSC in the kernel; every variant (mechanism x
# mm x FPU x prefetch, on one CPU and across two) once a run, in turn, so
# that drift in the host falls on all of them alike. The table sets them
# beside the one-CPU round trips of the thr1 rows above, halved.
SW_START=$SECONDS
if [ "${MKIPC_GUEST:-0}" = 1 ]; then
	# TCG: 4-6 us a hand-off on one CPU (20-25 us with another mm),
	# 20-30 us a half round trip across CPUs: about 12 s a run of the
	# 72 variants, 60 s for 5 runs. The limit stops a variant whose
	# vCPUs the host leaves waiting (cross-CPU hand-offs were seen to
	# average 1 ms then): such a run keeps what it measured and is
	# counted as cut short.
	SW_ITERS=$((5000 * SCALE))
	SW_TIMEOUT_MS=$((2000 * SCALE))
else
	SW_ITERS=$((20000 * SCALE))
	SW_TIMEOUT_MS=$((10000 * SCALE))
fi
SW_ARGS=(--all --cpu 0 --cpu2 1 --iters "$SW_ITERS"
	 --timeout-ms "$SW_TIMEOUT_MS")
# The native hand-offs the table divides by, measured again in each run,
# just before the switch variants: host load that comes and goes (under
# emulation, other work on the host's CPUs) then falls on both sides of a
# ratio, which the round-trip section's figures, minutes older, cannot
# promise.
SWN_ITERS=$((PP_ITERS / 5))
SWN_AVG_yield= SWN_AVG_futex=
swnative()	# swnative TRANSPORT REP
{
	local out line kv avg=
	out=$("$PP" pingpong --mode threads --cpus one --iters "$SWN_ITERS" \
		--transport "$1" 2>&1) ||
		die "switch: 'mkipc pingpong --transport $1' failed: $out"
	line=$(echo "$out" | grep '^SUMMARY bench=pingpong ') ||
		die "switch: no SUMMARY line from 'mkipc pingpong --transport $1'"
	for kv in $line; do
		[ "${kv%%=*}" = avg_ns ] && avg=${kv#*=}
	done
	echo "SUMMARY bench=sw_native_$1 rep=$2/$REPS transport=$1 mode=threads cpus=0 iters=$SWN_ITERS avg_ns=$avg"
	[ "$1" = yield ] && SWN_AVG_yield+=" $avg"
	[ "$1" = futex ] && SWN_AVG_futex+=" $avg"
}
SW_ORDER=()		# variant names, in the tool's order
declare -A SW_AVG SW_MIN SW_SHORT SW_PARAMS SWKV
for ((i = 1; i <= REPS; i++)); do
	swnative yield "$i"
	swnative futex "$i"
	out=$("$PP" switch "${SW_ARGS[@]}" 2>&1)
	rc=$? failed=0
	lines=$(echo "$out" | grep '^SUMMARY bench=switch ') ||
		die "switch: no SUMMARY line from 'mkipc switch ${SW_ARGS[*]}': $out"
	# Builtins only: 72 lines a run, and a process costs ms under TCG.
	while read -r line; do
		SWKV=()
		for kv in ${line#SUMMARY bench=switch }; do
			SWKV[${kv%%=*}]=${kv#*=}
		done
		name=sw_${SWKV[mech]}_${SWKV[mm]} cpus=0 count=${SWKV[count]}
		[ "${SWKV[fpu]}" = 1 ] && name+=_fpu
		[ "${SWKV[prefetch]}" = 1 ] && name+=_prefetch
		[ "${SWKV[cross]}" = 1 ] && name+=_cross cpus=0,1
		if [ "$count" = 0 ]; then
			# One CPU: the tool tries the cross variants all the
			# same, and the kernel refuses them.
			[ "$cpus" = 0,1 ] && [ "$NCPU" -lt 2 ] &&
				{ failed=1; continue; }
			die "switch: $name measured nothing (mkipc switch exit $rc): $out"
		fi
		echo "SUMMARY bench=$name rep=$i/$REPS ${line#SUMMARY bench=switch } timeout_ms=$SW_TIMEOUT_MS"
		if [ -z "${SW_PARAMS[$name]:-}" ]; then
			SW_ORDER+=("$name")
			SW_PARAMS[$name]="mech=${SWKV[mech]} mm=${SWKV[mm]} fpu=${SWKV[fpu]} prefetch=${SWKV[prefetch]} cpus=$cpus iters=$SW_ITERS"
			SW_SHORT[$name]=0
		fi
		SW_AVG[$name]+=" ${SWKV[avg_ns]}"
		SW_MIN[$name]+=" ${SWKV[min_ns]}"
		# Cut short by the time limit: fewer samples than asked.
		if [ "$count" -lt "$SW_ITERS" ]; then
			SW_SHORT[$name]=$((SW_SHORT[$name] + 1))
			failed=1
		fi
	done <<< "$lines"
	# It fails when a variant does: only in the two ways above.
	[ "$rc" = 0 ] || [ "$failed" = 1 ] ||
		die "switch: 'mkipc switch ${SW_ARGS[*]}' failed (exit $rc): $out"
done
SW_SECS=$((SECONDS - SW_START))

# Priority inheritance and the IPC-completion boost, each on and off in
# the same boot: `mkipc prio-inv` (priority_tracking Y against N),
# `mkipc prio-wake` (boost_ns 10000 against 0) and `mkipc pingpong` with a
# client priority that makes every call raise and restore the server. The
# tool sets each module parameter for its run and puts it back after. The
# two sides of a pair alternate run by run (on first in odd runs, off
# first in even ones), so that drift in the host falls on both.
PR_PARAMS=/sys/module/mkipc/parameters
PR_START=$SECONDS
if [ "${MKIPC_GUEST:-0}" = 1 ]; then
	PI_CALLS=$((2000 * SCALE))
	PW_MSGS=$((1500 * SCALE))
	PR_PP_ITERS=$((20000 * SCALE))
else
	PI_CALLS=$((5000 * SCALE))
	PW_MSGS=$((5000 * SCALE))
	PR_PP_ITERS=$((200000 * SCALE))
fi
# prio-inv: one CPU, a SCHED_FIFO 80 caller, a SCHED_OTHER server doing
# 50 us of CPU work a call, one SCHED_FIFO 50 load thread spinning 2 ms of
# every 5 ms (40 %: below real-time throttling's 95 %, which is left
# alone), calls 0.5 to 1.5 ms apart.
PI_ARGS="--cpu 0 --caller-prio 80 --load-threads 1 --load-prio 50 --load-spin-us 2000 --load-sleep-us 3000 --work-us 50 --interval-us 1000 --calls $PI_CALLS"
# prio-wake: receiver and two nice-0 hogs on CPU 0, the sender on CPU 1,
# a message every 1.8 to 2.2 ms: longer than the boost's rate limit, one
# per user per CPU per 100 * boost_ns = 1 ms.
PW_ARGS="--cpu 0 --hogs 2 --hog-nice 0 --recv-nice 0 --interval-us 2000 --jitter-pct 10 --msgs $PW_MSGS"
# The same with the boost ten times longer (100 us) and messages 6 times
# further apart (11-13 ms, over the longer boost's rate limit of 10 ms):
# under TCG a cross-CPU wake-up alone takes longer than 10 us, so the
# default boost may end before its thread runs; this pair tells whether
# the boost helps at all once it lasts that long.
PW_ARGS_LONG="--cpu 0 --hogs 2 --hog-nice 0 --recv-nice 0 --interval-us 12000 --jitter-pct 8 --msgs $((PW_MSGS / 6))"
PR_PP_ARGS="--mode threads --cpus one --iters $PR_PP_ITERS"
declare -A PRS		# NAME.KEY: the values of KEY in NAME's runs
declare -A PRP		# NAME: its parameters, for the tables
PR_SKIP=
if [ ! -e "$PR_PARAMS/priority_tracking" ] || [ ! -e "$PR_PARAMS/boost_ns" ]; then
	PR_SKIP="the module has no priority_tracking or boost_ns parameter"
elif [ "$NCPU" -lt 2 ]; then
	PR_SKIP="prio-wake needs two CPUs"
fi

# prrun NAME REP PARAMS SUBCOMMAND ARG...: `mkipc SUBCOMMAND ARG...` once;
# keeps every key=value of its SUMMARY line under NAME.
prrun()
{
	local name=$1 rep=$2 params=$3 out line kv
	shift 3

	out=$("$PP" "$@" 2>&1) || die "$name: 'mkipc $*' failed: $out"
	line=$(echo "$out" | grep '^SUMMARY bench=') ||
		die "$name: no SUMMARY line from 'mkipc $*'"
	echo "SUMMARY bench=$name rep=$rep/$REPS ${line#SUMMARY bench=* }"
	for kv in ${line#SUMMARY }; do
		PRS[$name.${kv%%=*}]+="${kv#*=} "
	done
	PRP[$name]=$params
}

# prpair REP ON OFF ON_PARAMS OFF_PARAMS SUBCOMMAND ARGS ON_ARGS OFF_ARGS:
# the two sides of a comparison, the order alternating with REP.
prpair()
{
	local rep=$1 on=$2 off=$3 onp=$4 offp=$5 sub=$6 args=$7
	local ona=$8 offa=$9

	if ((rep % 2)); then
		prrun "$on" "$rep" "$onp" $sub $args $ona
		prrun "$off" "$rep" "$offp" $sub $args $offa
	else
		prrun "$off" "$rep" "$offp" $sub $args $offa
		prrun "$on" "$rep" "$onp" $sub $args $ona
	fi
}

if [ -z "$PR_SKIP" ]; then
	for ((i = 1; i <= REPS; i++)); do
		prpair "$i" prio_inv_on prio_inv_off \
			"priority_tracking=Y inherit_rt" \
			"priority_tracking=N inherit_rt" prio-inv "$PI_ARGS" \
			"--priority-tracking Y" "--priority-tracking N"
		prpair "$i" prio_wake_boost prio_wake_noboost \
			"priority_tracking=Y boost_ns=10000" \
			"priority_tracking=Y boost_ns=0" prio-wake "$PW_ARGS" \
			"--priority-tracking Y --boost-ns 10000" \
			"--priority-tracking Y --boost-ns 0"
		prpair "$i" prio_wake_boost100 prio_wake_noboost12 \
			"priority_tracking=Y boost_ns=100000, 12 ms" \
			"priority_tracking=Y boost_ns=0, 12 ms" prio-wake \
			"$PW_ARGS_LONG" \
			"--priority-tracking Y --boost-ns 100000" \
			"--priority-tracking Y --boost-ns 0"
		# the unloaded round trip: tracking and boost, then tracking
		# alone, against neither
		prpair "$i" pp_track_boost pp_track_off \
			"priority_tracking=Y boost_ns=10000" \
			"priority_tracking=N" pingpong "$PR_PP_ARGS" \
			"--priority-tracking Y --boost-ns 10000" \
			"--priority-tracking N"
		prrun pp_track_noboost "$i" "priority_tracking=Y boost_ns=0" \
			pingpong $PR_PP_ARGS --priority-tracking Y --boost-ns 0
		# every call raises the server and its reply restores it
		prpair "$i" pp_pi_nice_on pp_pi_nice_off \
			"caller nice -5, server 0; tracking=Y boost_ns=0" \
			"caller nice -5, server 0; tracking=N" pingpong \
			"$PR_PP_ARGS --caller-nice -5" \
			"--priority-tracking Y --boost-ns 0" \
			"--priority-tracking N"
		prpair "$i" pp_pi_fifo_on pp_pi_fifo_off \
			"caller FIFO 10, inherit_rt; tracking=Y boost_ns=0" \
			"caller FIFO 10, inherit_rt; tracking=N" pingpong \
			"$PR_PP_ARGS --caller-fifo 10 --inherit-rt" \
			"--priority-tracking Y --boost-ns 0" \
			"--priority-tracking N"
	done
fi
PR_SECS=$((SECONDS - PR_START))

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


echo
echo "# mkipc IPC round trips (tools/mkipc/mkipc pingpong), ns per round trip."
echo "# A client and a server, both on CPU 0 unless cpus=0,1 (one each): mkipc"
echo "# call/reply_recv, minimal the least an ioctl call costs (mkipc_min: a"
echo "# word each way, a sync wake-up, a wait_event), futex FUTEX_WAKE/FUTEX_WAIT,"
echo "# yield two SCHED_FIFO peers taking turns with sched_yield() (the floor),"
echo "# pipe two pipes; perf_pipe:"
echo "# perf bench sched pipe (-T: threads), on CPU 0. Every reply is checked."
echo "# $REPS runs each; p50: min, median and max over the runs of each run's"
echo "# p50 (its clock_gettime() around each round trip included); avg: median"
echo "# of the runs' averages. perf gives only an average (usecs/op x 1000)."
echo "# Ratios use p50 against pingpong rows and avg against perf_pipe rows."
[ "${MKIPC_GUEST:-0}" = 1 ] &&
	echo "# Guest under emulation: compare ratios, not absolute times."
printf '%-20s %-58s %8s %8s %8s %9s\n' \
	benchmark parameters p50_min p50_med p50_max avg_med
for row in "${PROWS[@]}"; do
	IFS='|' read -r name params mn md mx amd <<< "$row"
	printf '%-20s %-58s %8s %8s %8s %9s\n' \
		"$name" "$params" "$mn" "$md" "$mx" "$amd"
	json_pp+=",
  {\"benchmark\": \"$name\", \"params\": \"$params\", \"reps\": $REPS, \"p50_ns_min\": $([ "$mn" = - ] && echo null || echo "$mn"), \"p50_ns_median\": $([ "$md" = - ] && echo null || echo "$md"), \"p50_ns_max\": $([ "$mx" = - ] && echo null || echo "$mx"), \"avg_ns_median\": $amd}"
done

# pratio SET WHAT NUM DEN BASIS TARGET: one ratio line and its verdict.
pratio()
{
	local set=$1 what=$2 num=$3 den=$4 basis=$5 target=$6 a b r verdict

	if [ "$basis" = avg ]; then
		a=${PAVG[$num]:-} b=${PAVG[$den]:-}
	else
		a=${P50[$num]:-} b=${P50[$den]:-}
	fi
	if [ -z "$a" ] || [ -z "$b" ]; then
		printf '%-8s %-18s %7s  <= %-5s %-7s %s\n' "$set" "$what" - \
			"$target" n/a "$basis"
		return
	fi
	r=$(ratio "$a" "$b")
	verdict=$(awk -v r="$r" -v t="$target" 'BEGIN { print (r <= t) ? "met" : "missed" }')
	printf '%-8s %-18s %7s  <= %-5s %-7s %s (%s / %s)\n' "$set" "$what" \
		"$r" "$target" "$verdict" "$basis" "$num" "$den"
	json_pp+=",
  {\"comparison\": \"$what\", \"set\": \"$set\", \"numerator\": \"$num\", \"denominator\": \"$den\", \"basis\": \"$basis\", \"value\": $r, \"target_max\": $target, \"verdict\": \"$verdict\"}"
}

echo
echo "# mkipc against the baselines: thr1 threads on one CPU, proc1 processes"
echo "# on one CPU (the client holds only a send descriptor), thr2 threads on"
echo "# two CPUs. The yield floor and perf exist on one CPU only. Targets: the"
echo "# call fast path's (one CPU; on two, the same, for reference)."
printf '%-8s %-18s %7s  %-8s %-7s %s\n' set ratio value target verdict basis
for set in thr1 proc1 thr2; do
	[ "$set" = thr2 ] && [ "$NCPU" -lt 2 ] && continue
	pratio "$set" mkipc/minimal "${set}_mkipc" "${set}_minimal" p50 1.10
	pratio "$set" mkipc/futex "${set}_mkipc" "${set}_futex" p50 1.05
	pratio "$set" mkipc/pipe "${set}_mkipc" "${set}_pipe" p50 0.75
	pratio "$set" mkipc/yield "${set}_mkipc" "${set}_yield" p50 2.20
	pratio "$set" mkipc/pipe-T "${set}_mkipc" "${set}_perf_pipe" avg 0.75
	pratio "$set" minimal/futex "${set}_minimal" "${set}_futex" p50 1.00
done

echo
echo "# Ablation (threads): full = call/reply_recv with direct transfer and"
echo "# recycled records and call slots, on lfq, owaitq, synchronous wake-ups;"
echo "# each row turns one off (--no-direct: every message through the queue;"
echo "# --no-recycle: a new record a message, charged to its sender, and every"
echo "# token from the endpoint's xarray; --no-call: send + recv over two"
echo "# endpoints; --no-lfq: spinlock queue; --no-owaitq: wait_queue_head_t;"
echo "# --no-sync: plain wake-ups, which only calls use); naive, the slow path:"
echo "# all six off."
echo "# vs_full = row p50 / full p50 (above 1: the optimization helps)."
printf '%-22s %-58s %8s %8s\n' benchmark parameters p50_med vs_full
for name in thr1_mkipc thr1_mkipc_naive thr1_mkipc_no_direct \
	    thr1_mkipc_no_recycle thr1_mkipc_no_call thr1_mkipc_no_lfq \
	    thr1_mkipc_no_owaitq thr1_mkipc_no_sync thr2_mkipc thr2_mkipc_naive; do
	[ -n "${P50[$name]:-}" ] || continue
	full=${name%%_mkipc*}_mkipc
	printf '%-22s %-58s %8s %8s\n' "$name" "${PPARAMS[$name]}" \
		"${P50[$name]}" "$(ratio "${P50[$name]}" "${P50[$full]}")"
done
echo "# Fast-path hits (debugfs direct against queued, summed over the runs,"
echo "# warm-up included): messages that went through the mailbox."
for name in thr1_mkipc proc1_mkipc thr2_mkipc thr1_mkipc_no_direct thr1_mkipc_naive; do
	[ -n "${PPS_DIRECT[$name]:-}" ] || continue
	d=${PPS_DIRECT[$name]} q=${PPS_QUEUED[$name]:-0}
	printf '%-22s direct=%s queued=%s hit_rate=%s\n' "$name" "$d" "$q" \
		"$(awk -v d="$d" -v q="$q" 'BEGIN { printf "%.4f", (d + q) ? d / (d + q) : 0 }')"
done
printf '%-8s %-18s %7s  %-8s %-7s %s\n' set ratio value target verdict basis
# The issue's fast/slow: the full path against the slow path (--naive).
pratio thr1 fast/slow thr1_mkipc thr1_mkipc_naive p50 0.65
[ "$NCPU" -ge 2 ] &&
	pratio thr2 fast/slow thr2_mkipc thr2_mkipc_naive p50 0.65
echo "# mkipc round trips: $PP_SECS s for this section"

# swbase NAME: the per-switch cost of NAME's round trip (avg / 2), or "-"
swbase()
{
	[ -n "${PAVG[$1]:-}" ] || { echo -; return; }
	awk -v a="${PAVG[$1]}" 'BEGIN { printf "%.1f", a / 2 }'
}

echo
echo "# Context-switch hand-offs (mkipc switch ${SW_ARGS[*]}; switch_opt.c):"
echo "# two kthreads hand a CPU back and forth, each hand-off timed with the"
echo "# TSC in the kernel, from the giver's store of the turn to the taker"
echo "# running. Both on CPU 0, or with _cross on CPUs 0 and 1 (a sample is"
echo "# half a round trip, timed on CPU 0). mech: direct wake_up_process(),"
echo "# waitq the kernel's wait_queue_head_t, owaitq mkipc's; mm: none"
echo "# (kthreads, lazy TLB), same (both in the tool's mm), diff (the tool's"
echo "# and a child's: a CR3 write each hand-off); _fpu kernel_fpu_begin/end"
echo "# each turn; _prefetch the peer's task and stack first."
echo "# $SW_ITERS samples a variant and run, $REPS runs (every variant once a"
echo "# run, in turn), at most $SW_TIMEOUT_MS ms a variant (short: runs cut"
echo "# short by it, their average kept); ns a hand-off: avg median, min and"
echo "# max over the runs of each run's average; min_med: median of the runs'"
echo "# shortest samples."
# swhalf "AVGS": half the median of the runs' averages
swhalf()
{
	printf '%s\n' $1 | sort -g |
		awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 2 }'
}
SW_PIPE=$(swbase thr1_perf_pipe) SW_FUTEX2=$(swbase thr2_futex)
SW_FUTEX=$(swhalf "$SWN_AVG_futex") SW_YIELD=$(swhalf "$SWN_AVG_yield")
echo "# Native hand-offs, ns per switch: a round trip on one CPU is two"
echo "# switches, so per switch = the round trip's avg_med / 2: futex"
echo "# $SW_FUTEX and yield $SW_YIELD (threads on CPU 0, $SWN_ITERS round trips,"
echo "# run just before each run of the variants: sw_native_*); pipeT"
echo "# $SW_PIPE (perf bench sched pipe -T on CPU 0, thr1_perf_pipe above);"
echo "# for the _cross rows also futex2 $SW_FUTEX2 (thr2_futex above, threads"
echo "# on CPUs 0 and 1: half a round trip). vs_X = avg_med / X (below 1:"
echo "# cheaper than that hand-off from userspace)."
[ "$NCPU" -lt 2 ] && echo "# One CPU online: no _cross rows."
[ "${MKIPC_GUEST:-0}" = 1 ] &&
	echo "# Guest under emulation: read the ratios. mm=diff is inflated by" &&
	echo "# the soft-TLB flush QEMU (TCG) does on every CR3 write; cross-CPU" &&
	echo "# hand-offs by the emulated wake-up of the other vCPU."
printf '%-32s %8s %8s %8s %8s %5s %8s %8s %8s %9s\n' variant avg_med \
	avg_min avg_max min_med short vs_pipeT vs_futex vs_yield vs_futex2
json_sw=",
  {\"benchmark\": \"switch_native\", \"basis\": \"avg round trip / 2\", \"reps\": $REPS, \"perf_pipe_half_ns\": $([ "$SW_PIPE" = - ] && echo null || echo "$SW_PIPE"), \"futex_half_ns\": $([ "$SW_FUTEX" = - ] && echo null || echo "$SW_FUTEX"), \"yield_half_ns\": $([ "$SW_YIELD" = - ] && echo null || echo "$SW_YIELD"), \"futex2_half_ns\": $([ "$SW_FUTEX2" = - ] && echo null || echo "$SW_FUTEX2")}"
for name in "${SW_ORDER[@]}"; do
	f2=-
	[ "${name%_cross}" != "$name" ] && f2=$SW_FUTEX2
	# One process a row: the runs' averages and minimums sorted, the
	# ratios for the table, and again with null for JSON.
	read -r mn md mx mnmd rp rf ry rf2 jp jf jy jf2 <<< "$(awk \
		-v a="${SW_AVG[$name]}" -v m="${SW_MIN[$name]}" \
		-v p="$SW_PIPE" -v f="$SW_FUTEX" -v y="$SW_YIELD" -v f2="$f2" '
		function sorted(s, v,   n, i, j, t) {
			n = split(s, v, " ")
			for (i = 2; i <= n; i++) {
				t = v[i]
				for (j = i - 1; j >= 1 && v[j] > t; j--)
					v[j + 1] = v[j]
				v[j + 1] = t
			}
			return n
		}
		function r(x, b) { return b == "-" ? "-" : sprintf("%.2f", x / b) }
		function j(x) { return x == "-" ? "null" : x }
		BEGIN {
			n = sorted(a, v)
			k = sorted(m, w)
			md = v[int((n + 1) / 2)]
			printf "%s %s %s %s", v[1], md, v[n], w[int((k + 1) / 2)]
			rp = r(md, p); rf = r(md, f); ry = r(md, y); rf2 = r(md, f2)
			printf " %s %s %s %s", rp, rf, ry, rf2
			printf " %s %s %s %s\n", j(rp), j(rf), j(ry), j(rf2)
		}')"
	printf '%-32s %8s %8s %8s %8s %5s %8s %8s %8s %9s\n' "$name" "$md" \
		"$mn" "$mx" "$mnmd" "${SW_SHORT[$name]}" "$rp" "$rf" "$ry" "$rf2"
	json_sw+=",
  {\"benchmark\": \"$name\", \"params\": \"${SW_PARAMS[$name]}\", \"reps\": $REPS, \"avg_ns_min\": $mn, \"avg_ns_median\": $md, \"avg_ns_max\": $mx, \"min_ns_median\": $mnmd, \"runs_cut_short\": ${SW_SHORT[$name]}, \"vs_perf_pipe_half\": $jp, \"vs_futex_half\": $jf, \"vs_yield_half\": $jy, \"vs_futex2_half\": $jf2}"
done
echo "# switch hand-offs: $SW_SECS s for this section"

# prmed NAME KEY: the median of KEY over NAME's runs ("-" if none).
prmed()
{
	local v=${PRS[$1.$2]:-}

	[ -n "$v" ] || { echo -; return; }
	printf '%s\n' $v | stats3 | awk '{ print $2 }'
}

# prpct A B: by how much A is below B, in per cent of B
prpct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", 100 * (b - a) / b }'; }

# prchange A B: "12.3 % lower" or "4.5 % higher", A against B
prchange()
{
	awk -v a="$1" -v b="$2" 'BEGIN {
		d = 100 * (a - b) / b
		printf "%.1f %% %s", d < 0 ? -d : d, d < 0 ? "lower" : "higher" }'
}

# prjson NAME KEY...: one bench.json row of the medians
prjson()
{
	local name=$1 k v row
	shift

	row="{\"benchmark\": \"$name\", \"params\": \"${PRP[$name]}\", \"reps\": $REPS"
	for k in "$@"; do
		v=$(prmed "$name" "$k")
		[ "$v" = - ] && v=null
		row+=", \"${k}_median\": $v"
	done
	json_pr+=",
  $row}"
}

echo
echo "# Priority inheritance and the IPC-completion boost, on against off in"
echo "# this boot; each pair's runs alternate. $REPS runs each; every figure is"
echo "# the median over the runs of that run's statistic. Read the ratios"
echo "# (on / off); absolute ns only beside them."
[ "${MKIPC_GUEST:-0}" = 1 ] &&
	echo "# Guest under emulation: absolute times are inflated; compare ratios."
if [ -n "$PR_SKIP" ]; then
	echo "# skipped: $PR_SKIP"
else
	echo
	echo "# mkipc prio-inv: $PI_ARGS"
	echo "# A SCHED_FIFO 80 caller, a SCHED_OTHER server (endpoint"
	echo "# MKIPC_EP_INHERIT_RT, 50 us of work a call), a SCHED_FIFO 50 load"
	echo "# spinning 2 of every 5 ms, all on CPU 0; latency of a call, ns."
	echo "# spin_*: the calls begun while the load spun; raised: calls the"
	echo "# server took at the caller's priority."
	printf '%-14s %-32s %9s %9s %9s %9s %9s %6s\n' benchmark parameters \
		p50 p99 max spin_p99 spin_max raised
	for name in prio_inv_on prio_inv_off; do
		printf '%-14s %-32s %9s %9s %9s %9s %9s %6s\n' "$name" \
			"${PRP[$name]}" "$(prmed $name p50_ns)" \
			"$(prmed $name p99_ns)" "$(prmed $name max_ns)" \
			"$(prmed $name spin_p99_ns)" "$(prmed $name spin_max_ns)" \
			"$(prmed $name raised)"
		prjson "$name" p50_ns p99_ns max_ns spin_p99_ns spin_max_ns \
			raised prio_raise
	done
	max_on=$(prmed prio_inv_on max_ns) max_off=$(prmed prio_inv_off max_ns)
	p99_on=$(prmed prio_inv_on p99_ns) p99_off=$(prmed prio_inv_off p99_ns)
	worst=$(prpct "$max_on" "$max_off")
	verdict=$(awk -v w="$worst" 'BEGIN { print (w >= 15) ? "met" : "missed" }')
	echo "prio-inv on/off: worst case (max) ratio $(ratio "$max_on" "$max_off"): $(prchange "$max_on" "$max_off") with inheritance (design claim: 15-25 % lower: $verdict)"
	echo "prio-inv on/off: p99 ratio $(ratio "$p99_on" "$p99_off"): $(prchange "$p99_on" "$p99_off")"
	[ "${MKIPC_GUEST:-0}" = 1 ] &&
		echo "# Under TCG a worst case also holds the emulator's stalls (a vCPU making no progress for some ms, on or off alike): p99 is the steadier figure."
	json_pr+=",
  {\"comparison\": \"prio_inv worst case on/off\", \"numerator\": \"prio_inv_on\", \"denominator\": \"prio_inv_off\", \"basis\": \"max\", \"value\": $(ratio "$max_on" "$max_off"), \"lower_pct\": $worst, \"claim_lower_pct\": \"15-25\", \"verdict\": \"$verdict\"},
  {\"comparison\": \"prio_inv p99 on/off\", \"numerator\": \"prio_inv_on\", \"denominator\": \"prio_inv_off\", \"basis\": \"p99\", \"value\": $(ratio "$p99_on" "$p99_off")}"

	echo
	echo "# mkipc prio-wake: $PW_ARGS"
	echo "# A SCHED_OTHER receiver blocked in RECV on CPU 0 beside two nice-0"
	echo "# CPU hogs; a message from CPU 1 every 1.8-2.2 ms (the boost's rate"
	echo "# limit, 100 * boost_ns = 1 ms, is shorter: every wake-up may be"
	echo "# boosted); wake-to-run latency, ns. fifo_seen: receives after which"
	echo "# the receiver still found itself SCHED_FIFO; boosts, limited: the"
	echo "# debugfs counters' change in a run."
	printf '%-18s %-44s %9s %9s %9s %8s %7s %7s\n' benchmark parameters \
		p50 p99 max fifo_seen boosts limited
	for name in prio_wake_boost prio_wake_noboost prio_wake_boost100 \
		    prio_wake_noboost12; do
		printf '%-18s %-44s %9s %9s %9s %8s %7s %7s\n' "$name" \
			"${PRP[$name]}" "$(prmed $name p50_ns)" \
			"$(prmed $name p99_ns)" "$(prmed $name max_ns)" \
			"$(prmed $name fifo_seen)" "$(prmed $name boosts)" \
			"$(prmed $name boost_limited)"
		prjson "$name" p50_ns p99_ns max_ns fifo_seen boosts boost_limited
	done
	p99_on=$(prmed prio_wake_boost p99_ns) p99_off=$(prmed prio_wake_noboost p99_ns)
	p50_on=$(prmed prio_wake_boost p50_ns) p50_off=$(prmed prio_wake_noboost p50_ns)
	max_on=$(prmed prio_wake_boost max_ns) max_off=$(prmed prio_wake_noboost max_ns)
	echo "prio-wake boost/no boost: p99 ratio $(ratio "$p99_on" "$p99_off"): $(prchange "$p99_on" "$p99_off") with the boost"
	echo "prio-wake boost/no boost: p50 ratio $(ratio "$p50_on" "$p50_off"), max ratio $(ratio "$max_on" "$max_off")"
	l99_on=$(prmed prio_wake_boost100 p99_ns) l99_off=$(prmed prio_wake_noboost12 p99_ns)
	l50_on=$(prmed prio_wake_boost100 p50_ns) l50_off=$(prmed prio_wake_noboost12 p50_ns)
	echo "prio-wake, 100 us boost, 12 ms apart ($PW_ARGS_LONG): p99 ratio $(ratio "$l99_on" "$l99_off"): $(prchange "$l99_on" "$l99_off") with the boost; p50 ratio $(ratio "$l50_on" "$l50_off")"
	json_pr+=",
  {\"comparison\": \"prio_wake p99 boost/noboost\", \"numerator\": \"prio_wake_boost\", \"denominator\": \"prio_wake_noboost\", \"basis\": \"p99\", \"value\": $(ratio "$p99_on" "$p99_off")},
  {\"comparison\": \"prio_wake max boost/noboost\", \"numerator\": \"prio_wake_boost\", \"denominator\": \"prio_wake_noboost\", \"basis\": \"max\", \"value\": $(ratio "$max_on" "$max_off")},
  {\"comparison\": \"prio_wake p50 boost/noboost\", \"numerator\": \"prio_wake_boost\", \"denominator\": \"prio_wake_noboost\", \"basis\": \"p50\", \"value\": $(ratio "$p50_on" "$p50_off")},
  {\"comparison\": \"prio_wake p99 boost100/noboost12\", \"numerator\": \"prio_wake_boost100\", \"denominator\": \"prio_wake_noboost12\", \"basis\": \"p99\", \"value\": $(ratio "$l99_on" "$l99_off")}"

	echo
	echo "# mkipc pingpong: $PR_PP_ARGS (client and server threads on CPU 0,"
	echo "# call/reply_recv); round trip, ns: p50 and avg as above. raise/rt and"
	echo "# boost/rt: debugfs prio_raise and boosts per round trip (warm-up in)."
	printf '%-17s %-48s %8s %8s %8s %8s\n' benchmark parameters p50 avg \
		raise/rt boost/rt
	for name in pp_track_off pp_track_boost pp_track_noboost \
		    pp_pi_nice_off pp_pi_nice_on pp_pi_fifo_off pp_pi_fifo_on; do
		n=$((PR_PP_ITERS + PR_PP_ITERS / 10))
		ra=$(prmed $name prio_raise) bo=$(prmed $name boosts)
		[ "$ra" = - ] || ra=$(awk -v a="$ra" -v n="$n" 'BEGIN { printf "%.3f", a / n }')
		[ "$bo" = - ] || bo=$(awk -v a="$bo" -v n="$n" 'BEGIN { printf "%.3f", a / n }')
		printf '%-17s %-48s %8s %8s %8s %8s\n' "$name" "${PRP[$name]}" \
			"$(prmed $name p50_ns)" "$(prmed $name avg_ns)" "$ra" "$bo"
		prjson "$name" p50_ns avg_ns prio_raise boosts
	done
	echo "# cost = on - off, ns a round trip, from p50 and from avg; ratio on/off (p50)"
	printf '%-34s %-17s %-17s %8s %8s %6s\n' what on off p50_cost \
		avg_cost ratio
	for cmp in "tracking + boost|pp_track_boost|pp_track_off" \
		   "tracking, no boost|pp_track_noboost|pp_track_off" \
		   "raise + restore, nice|pp_pi_nice_on|pp_pi_nice_off" \
		   "raise + restore, FIFO inherit_rt|pp_pi_fifo_on|pp_pi_fifo_off"; do
		IFS='|' read -r what on off <<< "$cmp"
		a50=$(prmed $on p50_ns) b50=$(prmed $off p50_ns)
		aav=$(prmed $on avg_ns) bav=$(prmed $off avg_ns)
		d50=$(awk -v a="$a50" -v b="$b50" 'BEGIN { printf "%.0f", a - b }')
		dav=$(awk -v a="$aav" -v b="$bav" 'BEGIN { printf "%.0f", a - b }')
		r=$(ratio "$a50" "$b50")
		printf '%-34s %-17s %-17s %8s %8s %6s\n' "$what" "$on" "$off" \
			"$d50" "$dav" "$r"
		json_pr+=",
  {\"comparison\": \"$what\", \"numerator\": \"$on\", \"denominator\": \"$off\", \"basis\": \"p50\", \"value\": $r, \"p50_cost_ns\": $d50, \"avg_cost_ns\": $dav}"
	done
fi
echo "# priority benchmarks: $PR_SECS s for this section"

json+=",$json_q${json_pp:-}${json_sw:-}${json_pr:-}
]"
if [ -n "$OUTDIR" ] && [ -d "$OUTDIR" ]; then
	echo "$json" > "$OUTDIR/bench.json"
fi
