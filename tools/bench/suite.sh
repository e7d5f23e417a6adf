#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The mkipc benchmark suite, run on the kernel under test (in a guest, or
# on the host with HOST=1). It plans every measurement, runs them and
# keeps each run's raw output in OUT/raw/: the tool's own --json where it
# has one, the text of perf and of the debugfs jobs otherwise, listed one
# run a line in OUT/raw/manifest.tsv, the run's machine in OUT/raw/meta.env.
# The terminal gets a progress line, not results: tools/bench/report.py
# turns the folder into the tables, results.json, plots and RESULTS.md.
#
# Under emulation (TCG) absolute times mean little: the report divides
# each row by a baseline measured in the same rounds of the same run.
#
# usage: suite.sh [--ko PATH] [--out DIR]
# environment:
#   FULL=1      more rounds and iterations, every payload size and the
#               two-CPU process set (the default is a quick run)
#   SUITES=     a comma-separated subset of ipc,ablation,contend,prio,
#               switch,queue (default: all), or kpatch, the rows of make
#               patch-bench (tools/kernel-patch/patch-bench.sh), which no
#               default run includes
#   BENCH_REPS  rounds of every row (quick 3, full 5)
#   BENCH_SCALE iteration multiplier (default 1)
set -u -o pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
KO=$TOP/mkipc.ko
OUT=${MKIPC_RESULTS:-${MKIPC_GUEST_OUT:-}}
while [ $# -gt 0 ]; do
	case $1 in
	--ko)	KO=$2; shift 2 ;;
	--out)	OUT=$2; shift 2 ;;
	*)	echo "suite: unknown argument $1" >&2; exit 2 ;;
	esac
done

die() { echo "suite: $*" >&2; exit 1; }
[ -n "$OUT" ] || die "no results folder: --out DIR (or MKIPC_RESULTS)"
[ "$(id -u)" -eq 0 ] || die "must run as root (loads mkipc.ko)"
command -v perf > /dev/null || die "perf not found (Debian: linux-perf)"

FULL=${FULL:-0}
SCALE=${BENCH_SCALE:-1}
if [ "$FULL" = 1 ]; then
	REPS=${BENCH_REPS:-5}
else
	REPS=${BENCH_REPS:-3}
fi
SUITES=${SUITES:-ipc,ablation,contend,prio,switch,queue}
for s in ${SUITES//,/ }; do
	case $s in
	ipc|ablation|contend|prio|switch|queue|kpatch) ;;
	*) die "unknown suite '$s' in SUITES (ipc,ablation,contend,prio,switch,queue,kpatch)" ;;
	esac
done
want() { [[ ",$SUITES," == *",$1,"* ]]; }

GUEST=${MKIPC_GUEST:-0}
if [ "$GUEST" = 1 ]; then
	case "${MKIPC_ACCEL:-}" in
	tcg)	MODE="guest, QEMU TCG (emulated CPU: ratios only)" ;;
	kvm)	MODE="guest, QEMU KVM (virtualized)" ;;
	*)	MODE="guest" ;;
	esac
	# TCG: iterations sized so that the quick run stays near 3 minutes.
	K=1
else
	MODE=host
	K=10
fi
# it N: N iterations, times K (host) and SCALE, times 2 for FULL=1.
it() { echo $(($1 * K * SCALE * (FULL == 1 ? 2 : 1))); }

RAW=$OUT/raw
mkdir -p "$RAW" || die "cannot create $RAW"
rm -f "$RAW"/*
NCPU=$(nproc)
PP=$TOP/tools/mkipc/mkipc
BINDER_PP=$TOP/tools/bench/binder/binder_pingpong
[ -x "$PP" ] || die "$PP missing: build it first (make tools; make bench does)"

# --- the kernel under test ---
[ -e /sys/module/mkipc ] && { rmmod mkipc || die "cannot unload the loaded mkipc"; }
insmod "$KO" || die "insmod $KO failed"
trap '[ -e /sys/module/mkipc ] && rmmod mkipc; [ -e /sys/module/mkipc_min ] && rmmod mkipc_min' EXIT
[ -c /dev/mkipc ] || die "/dev/mkipc missing after insmod"
# The minimal ioctl hand-off baseline (tools/bench/minimal), beside it.
MINKO=${MKIPC_MIN_KO:-$(dirname "$KO")/tools/bench/minimal/mkipc_min.ko}
HAVE_MIN=0
[ -e /sys/module/mkipc_min ] && rmmod mkipc_min
[ -f "$MINKO" ] && insmod "$MINKO" && HAVE_MIN=1
# Binder (binder_linux; Debian builds it as a module, device /dev/binder).
# Debian 12's 6.1 has no binderfs: devices= names the device. A module
# loaded here is unloaded at the end.
HAVE_BINDER=0 BINDER_LOADED=0
if [ ! -e /dev/binder ] && [ ! -e /sys/module/binder_linux ] &&
   modprobe binder_linux devices=binder 2> /dev/null; then
	BINDER_LOADED=1
fi
[ -c /dev/binder ] && [ -x "$BINDER_PP" ] && HAVE_BINDER=1
DBG=/sys/kernel/debug/mkipc
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
PRM=/sys/module/mkipc/parameters

{
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "kernel=$(uname -r)"
	echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "ncpu=$NCPU"
	echo "mode=$MODE"
	echo "guest=$GUEST"
	echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2> /dev/null || echo unknown)"
	echo "cmdline=$(tr -s '\n\t' '  ' < /proc/cmdline)"
	echo "full=$FULL"
	echo "reps=$REPS"
	echo "scale=$SCALE"
	echo "suites=$SUITES"
	echo "mkipc_version=$(cat /sys/module/mkipc/version)"
	echo "have_minimal=$HAVE_MIN"
	echo "have_binder=$HAVE_BINDER"
	# Absolute times belong to a machine: name it on a host.
	if [ -n "${MKIPC_HOST_DESC:-}" ]; then
		echo "machine=$MKIPC_HOST_DESC"
	elif [ "$GUEST" != 1 ]; then
		echo "machine=$(hostname), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	fi
} > "$RAW/meta.env"

# --- the plan: one step a run, in the order they run ---
# A step: suite, row name, round, what runs it (json: a command whose
# stdout is JSON; text: a command whose stdout is kept as is; kjob: a
# debugfs job "FILE|LINE"), its parameters as key=value words, a weight
# (rough seconds under TCG, for the time left) and the command.
S_SUITE=() S_NAME=() S_REP=() S_KIND=() S_PARAMS=() S_W=() S_CMD=()
S_REPS=()	# the rounds of the step's row (contend has fewer)
NREPS=$REPS
step()
{
	S_SUITE+=("$1") S_NAME+=("$2") S_REP+=("$3") S_KIND+=("$4")
	S_PARAMS+=("$5") S_W+=("$6") S_REPS+=("$NREPS")
	shift 6
	S_CMD+=("$(printf '%q ' "$@")")
}

# --- ipc: round trips, mkipc beside every native peer ---
# The rows of one set run interleaved: round i runs every row once, in
# turn, so that drift in the host (large under emulation) falls on all of
# them alike. Size-0 rows keep every sample of their first round (--samples)
# for the latency distributions.
SET_ROWS=()	# name|kind|params|weight|cmd words (for the set being built)
row() { SET_ROWS+=("$1"$'\t'"$2"$'\t'"$3"$'\t'"$4"$'\t'"$5"); }
flush_set()	# flush_set SUITE
{
	local r j n=${#SET_ROWS[@]} line name kind params w cmd
	for ((r = 1; r <= REPS; r++)); do
		# Each round starts one row later, so that no row is always
		# first (or always right after another).
		for ((j = 0; j < n; j++)); do
			line=${SET_ROWS[$(((j + r - 1) % n))]}
			IFS=$'\t' read -r name kind params w cmd <<< "$line"
			if [ "$r" = 1 ] && [[ "$params" == *" size=0"* ]] &&
			   [ "$kind" = json ]; then
				cmd+=" --samples $RAW/$name.samples"
			fi
			eval "step \"\$1\" \"\$name\" $r \"\$kind\" \"\$params\" $w $cmd"
		done
	done
	SET_ROWS=()
}

ppset()	# ppset SET MODE CPUS
{
	local set=$1 mode=$2 cpus=$3 n t s w sizes=0
	local ppt=()

	if [ "$cpus" = one ]; then
		n=$(it 4000) w=2
	else
		n=$(it 1500) w=3
	fi
	[ "$mode" = procs ] && w=$((w + 1))
	if [ "$FULL" = 1 ] || [ "$set" = thr1 ]; then
		sizes="0 64 1024 4096"
	fi
	for s in $sizes; do
		for t in mkipc minimal futex yield pipe eventfd unix mq binder; do
			case $t in
			yield)	[ "$cpus" = one ] || continue ;;
			minimal) [ "$HAVE_MIN" = 1 ] || continue ;;
			binder)	if [ "$HAVE_BINDER" != 1 ] || [ "$mode" != procs ]; then
					continue
				fi ;;
			esac
			# Payload rows: the transports that carry one.
			if [ "$s" != 0 ]; then
				case $t in
				mkipc|pipe|unix|mq|binder) ;;
				*) continue ;;
				esac
			fi
			local p="set=$set transport=$t mode=$mode cpus=$cpus iters=$n size=$s"
			local nm=${set}_$t
			[ "$s" = 0 ] || nm+=_$s
			if [ "$t" = binder ]; then
				row "$nm" json "$p" "$w" "$BINDER_PP --cpus $cpus --iters $n --size $s --json"
			else
				row "$nm" json "$p" "$w" "$PP pingpong --mode $mode --cpus $cpus --transport $t --iters $n --size $s --json"
			fi
		done
	done
	# perf bench sched pipe: one CPU only (it cannot place two sides).
	if [ "$cpus" = one ]; then
		[ "$mode" = threads ] && ppt=(-T)
		row "${set}_perf_pipe" text \
			"set=$set transport=perf_pipe mode=$mode cpus=one iters=$n size=0" \
			"$w" "taskset -c 0 perf bench sched pipe ${ppt[*]} -l $n"
	fi
	flush_set ipc
}

if want ipc; then
	n=$(it 200000)
	for ((r = 1; r <= REPS; r++)); do
		step ipc syscall_null "$r" text "op=getppid loops=$n" 1 \
			perf bench syscall basic -l "$n"
	done
	ppset thr1 threads one
	ppset proc1 procs one
	if [ "$NCPU" -ge 2 ]; then
		ppset thr2 threads two
		[ "$FULL" = 1 ] && ppset proc2 procs two
	fi
fi

# --- ablation: each optimization off alone, then all (the slow path) ---
if want ablation; then
	n=$(it 4000)
	for opt in full naive no-direct no-recycle no-call no-lfq no-owaitq no-sync; do
		a=
		[ "$opt" = full ] || a=--$opt
		row "abl_${opt//-/_}" json \
			"set=abl transport=mkipc mode=threads cpus=one iters=$n size=0 opt=$opt" \
			2 "$PP pingpong --mode threads --cpus one --iters $n $a --json"
	done
	# The monolithic baseline the design's "5x -> 2.4x" divides by.
	row abl_futex json \
		"set=abl transport=futex mode=threads cpus=one iters=$n size=0" \
		2 "$PP pingpong --mode threads --cpus one --transport futex --iters $n --json"
	flush_set ablation
	if [ "$NCPU" -ge 2 ]; then
		n=$(it 1500)
		for opt in full naive; do
			a=
			[ "$opt" = full ] || a=--$opt
			row "abl2_$opt" json \
				"set=abl2 transport=mkipc mode=threads cpus=two iters=$n size=0 opt=$opt" \
				3 "$PP pingpong --mode threads --cpus two --iters $n $a --json"
		done
		flush_set ablation
	fi
fi

# --- contend: M clients and N servers on one endpoint, calls a second ---
if want contend; then
	ms=$((300 * (FULL == 1 ? 3 : 1)))
	creps=$(( REPS > 2 && FULL != 1 ? 2 : REPS ))
	NREPS=$creps
	for ((r = 1; r <= creps; r++)); do
		for m in 1 2 4 8; do
			for nsrv in 1 2 4 8; do
				opts="full no-lfq"
				((r % 2)) || opts="no-lfq full"
				for opt in $opts; do
					# The queue's comparison where calls wait in
					# it: 8 clients on 1 or 2 servers (the
					# mailbox holds one call).
					[ "$opt" = no-lfq ] && { [ "$m" != 8 ] ||
						[ "$nsrv" -gt 2 ]; } && continue
					a=
					[ "$opt" = full ] || a=--$opt
					step contend "contend_${m}x${nsrv}_${opt//-/_}" "$r" json \
						"clients=$m servers=$nsrv ms=$ms opt=$opt" 1 \
						"$PP" contend --clients "$m" --servers "$nsrv" \
						--ms "$ms" ${a:+"$a"} --json
				done
			done
		done
	done
fi

NREPS=$REPS

# --- prio: priority inheritance and the completion boost, on and off ---
# Each pair's two sides alternate which runs first, round by round.
if want prio && [ -e "$PRM/priority_tracking" ] && [ -e "$PRM/boost_ns" ] &&
   [ "$NCPU" -ge 2 ]; then
	PI_CALLS=$(it 700) PW_MSGS=$(it 500) PR_N=$(it 4000)
	PI="--cpu 0 --caller-prio 80 --load-threads 1 --load-prio 50 --load-spin-us 2000 --load-sleep-us 3000 --work-us 50 --interval-us 1000 --calls $PI_CALLS"
	PW="--cpu 0 --hogs 2 --hog-nice 0 --recv-nice 0 --interval-us 2000 --jitter-pct 10 --msgs $PW_MSGS"
	PWL="--cpu 0 --hogs 2 --hog-nice 0 --recv-nice 0 --interval-us 12000 --jitter-pct 8 --msgs $((PW_MSGS / 6))"
	PPA="--mode threads --cpus one --iters $PR_N"
	pair()	# pair REP W NAME_ON NAME_OFF PARAMS_ON PARAMS_OFF CMD_ON CMD_OFF
	{
		if (($1 % 2)); then
			eval "step prio $3 $1 json \"\$5\" $2 $7"
			eval "step prio $4 $1 json \"\$6\" $2 $8"
		else
			eval "step prio $4 $1 json \"\$6\" $2 $8"
			eval "step prio $3 $1 json \"\$5\" $2 $7"
		fi
	}
	for ((r = 1; r <= REPS; r++)); do
		pair "$r" 3 prio_inv_on prio_inv_off \
			"priority_tracking=Y" "priority_tracking=N" \
			"$PP prio-inv $PI --priority-tracking Y --json" \
			"$PP prio-inv $PI --priority-tracking N --json"
		pair "$r" 3 prio_wake_boost prio_wake_noboost \
			"boost_ns=10000 interval_us=2000" "boost_ns=0 interval_us=2000" \
			"$PP prio-wake $PW --priority-tracking Y --boost-ns 10000 --json" \
			"$PP prio-wake $PW --priority-tracking Y --boost-ns 0 --json"
		pair "$r" 3 prio_wake_boost100 prio_wake_noboost12 \
			"boost_ns=100000 interval_us=12000" "boost_ns=0 interval_us=12000" \
			"$PP prio-wake $PWL --priority-tracking Y --boost-ns 100000 --json" \
			"$PP prio-wake $PWL --priority-tracking Y --boost-ns 0 --json"
		pair "$r" 2 pp_track_boost pp_track_off \
			"priority_tracking=Y boost_ns=10000" "priority_tracking=N" \
			"$PP pingpong $PPA --priority-tracking Y --boost-ns 10000 --json" \
			"$PP pingpong $PPA --priority-tracking N --json"
		pair "$r" 2 pp_pi_fifo_on pp_pi_fifo_off \
			"caller=FIFO10 inherit_rt priority_tracking=Y" \
			"caller=FIFO10 inherit_rt priority_tracking=N" \
			"$PP pingpong $PPA --caller-fifo 10 --inherit-rt --priority-tracking Y --boost-ns 0 --json" \
			"$PP pingpong $PPA --caller-fifo 10 --inherit-rt --priority-tracking N --json"
	done
fi

# --- switch: kthread hand-offs (switch_opt.c) beside native hand-offs ---
if want switch; then
	SW_ITERS=$(it 2000)
	SW_TO=$((2000 * SCALE))
	n=$(it 2000)
	for ((r = 1; r <= REPS; r++)); do
		for t in yield futex; do
			step switch "sw_native_$t" "$r" json \
				"transport=$t mode=threads cpus=one iters=$n" 1 \
				"$PP" pingpong --mode threads --cpus one --transport "$t" \
				--iters "$n" --json
		done
		step switch sw_all "$r" json \
			"iters=$SW_ITERS timeout_ms=$SW_TO cpu=0 cpu2=1" 8 \
			"$PP" switch --all --cpu 0 --cpu2 1 --iters "$SW_ITERS" \
			--timeout-ms "$SW_TO" --json
	done
fi

# --- kpatch: the stock kernel against the patched one (make patch-bench) ---
# The same rows on both kernels, the floor (sched_yield) and futex beside
# mkipc; on a patched kernel (mkipc's kswitch_handoff parameter exists)
# mkipc once with the direct hand-off and once without, the switch
# variants with the kernel's prefetching on and off, and the kernel's own
# count of the cycles a switch spends in __switch_to_asm() (debugfs
# kswitch), prefetching on and off.
KSW=$DBG/kswitch
# kp_handoff Y|N|- CMD...: CMD with kswitch_handoff set (-: as it is).
kp_handoff()
{
	local v=$1

	shift
	if [ "$v" != - ]; then
		echo "$v" > "$PRM/kswitch_handoff" || return 1
	fi
	"$@"
}
# kp_prefetch on|off CMD...: CMD with the kernel's prefetching so.
kp_prefetch()
{
	local v=$1 rc

	shift
	echo "prefetch $v" > "$KSW" || return 1
	"$@"
	rc=$?
	echo "prefetch off" > "$KSW"
	return $rc
}
# kp_acct ITERS: the sched_yield ping-pong on CPU 0 with the switch
# accounting on; JSON of CPU 0's switches and their mean cycles.
kp_acct()
{
	local line cnt=0 sum=0 min=0 max=0

	echo "acct on" > "$KSW" && echo reset > "$KSW" || return 1
	"$PP" pingpong --mode threads --cpus one --transport yield \
		--iters "$1" --json > /dev/null || return 1
	# The guest has no /dev/fd: no process substitution here.
	line=$(awk '$1 == "0" { print $2, $3, $4, $5 }' "$KSW")
	echo "acct off" > "$KSW"
	read -r cnt sum min max <<< "$line"
	[ "${cnt:-0}" -gt 0 ] || return 1
	printf '{"command": "kswitch-acct", "results": {"switches": %s, "cycles_avg": %s, "cycles_min": %s, "cycles_max": %s}}\n' \
		"$cnt" "$((sum / cnt))" "$min" "$max"
}
if want kpatch; then
	KPATCHED=0
	[ -e "$PRM/kswitch_handoff" ] && KPATCHED=1
	echo "kpatched=$KPATCHED" >> "$RAW/meta.env"
	# Longer runs than the ipc suite's: the two kernels are compared across
	# boots, and one round is a fraction of a second at 4000.
	for mode in threads procs; do
		set=kp_thr1
		[ "$mode" = procs ] && set=kp_proc1
		n=$(it 20000)
		[ "$mode" = procs ] && n=$(it 8000)
		for t in yield futex mkipc; do
			kh=-
			[ "$t" = mkipc ] && [ "$KPATCHED" = 1 ] && kh=Y
			row "${set}_$t" json \
				"set=$set transport=$t mode=$mode cpus=one iters=$n size=0 kswitch_handoff=$kh" \
				2 "kp_handoff $kh $PP pingpong --mode $mode --cpus one --transport $t --iters $n --json"
		done
		if [ "$KPATCHED" = 1 ]; then
			row "${set}_mkipc_nokh" json \
				"set=$set transport=mkipc mode=$mode cpus=one iters=$n size=0 kswitch_handoff=N" \
				2 "kp_handoff N $PP pingpong --mode $mode --cpus one --transport mkipc --iters $n --json"
		fi
		flush_set kpatch
	done
	SW_ITERS=$(it 2000)
	SW_TO=$((2000 * SCALE))
	sw="$PP switch --all --cpu 0 --cpu2 1 --iters $SW_ITERS --timeout-ms $SW_TO --json"
	if [ "$KPATCHED" = 1 ]; then
		row kp_sw_all json "iters=$SW_ITERS timeout_ms=$SW_TO cpu=0 cpu2=1 kprefetch=off" 8 \
			"kp_prefetch off $sw"
		row kp_sw_all_kpf json "iters=$SW_ITERS timeout_ms=$SW_TO cpu=0 cpu2=1 kprefetch=on" 8 \
			"kp_prefetch on $sw"
		n=$(it 20000)
		row kp_acct json "transport=yield mode=threads cpus=one iters=$n kprefetch=off" 2 \
			"kp_prefetch off kp_acct $n"
		row kp_acct_kpf json "transport=yield mode=threads cpus=one iters=$n kprefetch=on" 2 \
			"kp_prefetch on kp_acct $n"
	else
		row kp_sw_all json "iters=$SW_ITERS timeout_ms=$SW_TO cpu=0 cpu2=1 kprefetch=off" 8 "$sw"
	fi
	flush_set kpatch
fi

# --- queue: the kernel queues and wake paths, kthreads through debugfs ---
if want queue; then
	QI=$(it 200000) WW=$(it 200000) WR=$(it 3000)
	for ((r = 1; r <= REPS; r++)); do
		for p in 1 2 4; do
			for c in 1 2 4; do
				kinds="lfq spin"
				((r % 2)) || kinds="spin lfq"
				for kind in $kinds; do
					step queue "queue_${kind}_${p}x$c" "$r" kjob \
						"queue=$kind producers=$p consumers=$c items=$QI" 1 \
						"queue_stress|$kind $p $c $QI $QI bench"
				done
			done
		done
		mechs="stock owaitq"
		((r % 2)) || mechs="owaitq stock"
		for m in $mechs; do
			step queue "wake_nosleeper_$m" "$r" kjob \
				"waitq=$m wakes=$WW" 1 "waitq_test|nosleeper $m $WW"
		done
		for cpus in same cross; do
			[ "$cpus" = cross ] && [ "$NCPU" -lt 2 ] && continue
			for w in plain sync; do
				for m in $mechs; do
					step queue "handoff_${m}_${cpus}_$w" "$r" kjob \
						"waitq=$m cpus=$cpus wake=$w round_trips=$WR" 1 \
						"waitq_test|handoff $m $WR $cpus $w"
				done
			done
		done
	done
fi

# --- run the plan ---
TOTAL=${#S_NAME[@]}
[ "$TOTAL" -gt 0 ] || die "nothing to run for SUITES=$SUITES"
WSUM=0
for w in "${S_W[@]}"; do WSUM=$((WSUM + w)); done
{
	printf 'suite\tname\trep\treps\tkind\tfile\trc\tsecs\tparams\n'
} > "$RAW/manifest.tsv"
echo "planned=$TOTAL" >> "$RAW/meta.env"
echo "# suite: $TOTAL runs ($SUITES), $REPS rounds, $([ "$FULL" = 1 ] && echo full || echo quick); raw output in $RAW"
START=$SECONDS LAST=-100 WDONE=0 LASTSUITE=
mmss() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }
for ((i = 0; i < TOTAL; i++)); do
	suite=${S_SUITE[$i]} name=${S_NAME[$i]} rep=${S_REP[$i]}
	el=$((SECONDS - START))
	if [ "$suite" != "$LASTSUITE" ] || [ $((el - LAST)) -ge 10 ]; then
		left='?'
		[ "$WDONE" -gt 0 ] && [ "$el" -gt 0 ] &&
			left=$(mmss $((el * (WSUM - WDONE) / WDONE)))
		echo "# [$i/$TOTAL] $suite: $name round $rep/${S_REPS[$i]}; $(mmss "$el") so far, about $left left"
		LAST=$el LASTSUITE=$suite
	fi
	eval "cmd=(${S_CMD[$i]})"
	t0=$SECONDS
	case ${S_KIND[$i]} in
	json)	f=$name.r$rep.json
		"${cmd[@]}" > "$RAW/$f" 2> "$RAW/$name.r$rep.err"
		rc=$? ;;
	text)	f=$name.r$rep.txt
		"${cmd[@]}" > "$RAW/$f" 2>&1
		rc=$? ;;
	kjob)	f=$name.r$rep.txt
		job=${cmd[0]}
		{ echo "${job#*|}" > "$DBG/${job%%|*}" && cat "$DBG/${job%%|*}"; } > "$RAW/$f" 2>&1
		rc=$? ;;
	esac
	[ -s "$RAW/$name.r$rep.err" ] || rm -f "$RAW/$name.r$rep.err"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$suite" "$name" "$rep" \
		"${S_REPS[$i]}" "${S_KIND[$i]}" "$f" "$rc" $((SECONDS - t0)) \
		"${S_PARAMS[$i]}" >> "$RAW/manifest.tsv"
	if [ "$rc" != 0 ]; then
		# mkipc switch --all exits 1 when a variant fails: the report
		# says which; anything else that fails is reported too.
		echo "# [$((i + 1))/$TOTAL] $name round $rep: exit $rc (kept in raw/$f)"
	fi
	WDONE=$((WDONE + S_W[i]))
done
echo "# suite: $TOTAL runs in $(mmss $((SECONDS - START)))"
echo "elapsed_s=$((SECONDS - START))" >> "$RAW/meta.env"

trap - EXIT
rmmod mkipc || die "mkipc did not unload"
[ -e /sys/module/mkipc_min ] && rmmod mkipc_min
[ "$BINDER_LOADED" = 1 ] && rmmod binder_linux 2> /dev/null
exit 0
