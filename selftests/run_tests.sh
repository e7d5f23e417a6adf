#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs every mkipc selftest on the running kernel (a guest's or, in host
# mode, the machine's own) and prints KTAP: one top-level test per test
# program, its own KTAP nested and indented beneath, then a clean final
# unload, a kmemleak scan (debug kernels) and a check of the kernel log for
# warnings and checker reports. The last line is a KTAP comment with the
# totals over all leaf tests:  # totals: pass:N fail:N skip:N
#
# usage: run_tests.sh [--ko PATH] [--include NAME=FILE]...
#   --ko       the module (default: ../mkipc.ko beside this dir)
#   --include  KTAP that ran elsewhere (the userspace TSan run, on the
#              host), reported as one more top-level test NAME, counted
#              like a test program's
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
KO=$DIR/../mkipc.ko
INCLUDES=()
while [ $# -gt 0 ]; do
	case "$1" in
	--ko)		KO=${2:?--ko needs a path}; shift 2 ;;
	--include)	INCLUDES+=("${2:?--include needs NAME=FILE}"); shift 2 ;;
	*)		echo "run_tests.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
KO=$(realpath "$KO")
TIMEOUT=$(sed -n 's/^timeout=//p' "$DIR/settings")
PROGS=(mkipc_dev_test mkipc_module_test mkipc_fault_test mkipc_queue_test
       mkipc_waitq_test mkipc_ep_test mkipc_ep_msg_test mkipc_ep_life_test
       mkipc_ep_stress_test mkipc_fuzz_test mkipc_prio_test
       mkipc_prio_boost_test mkipc_switch_test mkipc_kswitch_test
       mkipc_trace_test.sh)

PASS=0 FAIL=0 SKIP=0 N=0

result()	# result ok|fail|skip NAME [REASON]
{
	N=$((N + 1))
	case "$1" in
	ok)	PASS=$((PASS + 1)); echo "ok $N $2" ;;
	skip)	SKIP=$((SKIP + 1)); echo "ok $N $2 # SKIP ${3:-}" ;;
	*)	FAIL=$((FAIL + 1)); echo "not ok $N $2${3:+ # $3}" ;;
	esac
}

echo "KTAP version 1"
echo "1..$(( ${#INCLUDES[@]} + ${#PROGS[@]} + 4 ))"

if [ "$(id -u)" -ne 0 ]; then
	echo "# must run as root (loads and unloads mkipc.ko)"
	exit 1
fi
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug

# Everything the kernel logs, and every leak, from here on is checked at
# the end (earlier kmemleak suspects are boot-time noise, not ours).
# "clear" only greys what a scan already reported, so scan first.
if [ -e /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak
	echo clear > /sys/kernel/debug/kmemleak
fi
MARK="mkipc-selftests-start-$$-$(date +%s%N)"
echo "$MARK" > /dev/kmsg

echo "# kernel $(uname -r), module $KO"
if [ -e /sys/module/mkipc ]; then
	rmmod mkipc || echo "# could not unload the mkipc already loaded"
fi
if out=$(insmod "$KO" 2>&1); then
	result ok module_load
else
	echo "# insmod: $out"
	result fail module_load "insmod failed"
fi

# KCSAN lane: denser sampling while mkipc's tests run (the boot keeps the
# default, which is much faster).
KCSAN_SW=/sys/module/kcsan/parameters/skip_watch
if [ -n "${MKIPC_KCSAN_SKIP_WATCH:-}" ] && [ -w $KCSAN_SW ]; then
	kcsan_sw_saved=$(cat $KCSAN_SW)
	echo "$MKIPC_KCSAN_SKIP_WATCH" > $KCSAN_SW
	echo "# kcsan skip_watch $kcsan_sw_saved -> $MKIPC_KCSAN_SKIP_WATCH"
fi

# report NAME LOG RC: LOG's KTAP indented, its leaves counted, then NAME.
report()
{
	local prog=$1 log=$2 rc=$3 p s f

	sed 's/^/    /' "$log"
	p=$(grep -cE '^ok [0-9]+' "$log" | head -n 1)
	s=$(grep -cE '^ok [0-9]+ .*# SKIP' "$log")
	f=$(grep -cE '^not ok [0-9]+' "$log")
	p=$((${p:-0} - ${s:-0})) s=${s:-0} f=${f:-0}
	PASS=$((PASS + p)) SKIP=$((SKIP + s)) FAIL=$((FAIL + f))
	# Leaf results are counted; the program's own line only adds a
	# failure when the program failed without reporting one.
	N=$((N + 1))
	if [ "$rc" = 0 ] && [ $f -eq 0 ] && [ $((p + s)) -gt 0 ]; then
		echo "ok $N $prog"
	else
		echo "not ok $N $prog # exit $rc"
		[ $f -eq 0 ] && FAIL=$((FAIL + 1))
	fi
}

for inc in "${INCLUDES[@]+"${INCLUDES[@]}"}"; do
	echo "# ${inc%%=*} (ran on the host: ${inc#*=})"
	if [ -r "${inc#*=}" ]; then
		report "${inc%%=*}" "${inc#*=}" "$(sed -n 's/^# exit status: //p' "${inc#*=}" | tail -n 1)"
	else
		report "${inc%%=*}" /dev/null "missing ${inc#*=}"
	fi
done

export MKIPC_KO=$KO
for prog in "${PROGS[@]}"; do
	echo "# $prog"
	log=$(mktemp)
	timeout -k 5 "$TIMEOUT" "$DIR/$prog" > "$log" 2>&1
	report "$prog" "$log" $?
	rm -f "$log"
done

# The module must unload cleanly at the end (no file left open, no leak
# visible to the unload path).
out=
if [ -e /sys/module/mkipc ] && out=$(rmmod mkipc 2>&1); then
	result ok module_unload
else
	echo "# rmmod: ${out:-module was not loaded}"
	result fail module_unload
fi

[ -n "${kcsan_sw_saved:-}" ] && echo "$kcsan_sw_saved" > $KCSAN_SW

# kmemleak (debug kernels): anything mkipc's tests leaked. Objects younger
# than 5 s are never reported, hence the wait before the scans.
if [ -e /sys/kernel/debug/kmemleak ]; then
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	echo scan > /sys/kernel/debug/kmemleak
	leaks=$(cat /sys/kernel/debug/kmemleak)
	if [ -n "$leaks" ]; then
		echo "$leaks" | head -n 60 | sed 's/^/# kmemleak: /'
		result fail kmemleak_clean
	else
		result ok kmemleak_clean
	fi
elif [ "${MKIPC_REQUIRE_KMEMLEAK:-0}" = 1 ]; then
	result fail kmemleak_clean "MKIPC_REQUIRE_KMEMLEAK=1 but no /sys/kernel/debug/kmemleak"
else
	result skip kmemleak_clean "kernel without CONFIG_DEBUG_KMEMLEAK"
fi

# The kernel log since this run began must hold no warning, bug or report.
if ! dmesg | grep -qF "$MARK"; then
	result fail kernel_log_clean "start marker not found in dmesg"
elif ! dmesg | sed -n "/$MARK/,\$p" | "$DIR/../tools/vm/splat-scan.sh"; then
	result fail kernel_log_clean
else
	result ok kernel_log_clean
fi

echo "# totals: pass:$PASS fail:$FAIL skip:$SKIP"
[ $FAIL -eq 0 ]
