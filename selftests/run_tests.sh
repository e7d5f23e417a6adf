#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs every mkipc selftest on the running kernel (a guest's or, in host
# mode, the machine's own) and prints KTAP: one top-level test per test
# program, its own KTAP nested and indented beneath, then a kernel-log
# check and a final clean unload. The last line is a KTAP comment with the
# totals over all leaf tests:  # totals: pass:N fail:N skip:N
#
# usage: run_tests.sh [--ko PATH]   (default: ../mkipc.ko beside this dir)
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
KO=$DIR/../mkipc.ko
[ "${1:-}" = --ko ] && KO=$2
KO=$(realpath "$KO")
TIMEOUT=$(sed -n 's/^timeout=//p' "$DIR/settings")
PROGS=(mkipc_dev_test mkipc_module_test)

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
echo "1..$(( ${#PROGS[@]} + 3 ))"

if [ "$(id -u)" -ne 0 ]; then
	echo "# must run as root (loads and unloads mkipc.ko)"
	exit 1
fi
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug

# Everything the kernel logs from here on is checked at the end.
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

export MKIPC_KO=$KO
for prog in "${PROGS[@]}"; do
	echo "# $prog"
	log=$(mktemp)
	timeout -k 5 "$TIMEOUT" "$DIR/$prog" > "$log" 2>&1
	rc=$?
	sed 's/^/    /' "$log"
	p=$(grep -cE '^ok [0-9]+' "$log" | head -n 1)
	s=$(grep -cE '^ok [0-9]+ .*# SKIP' "$log")
	f=$(grep -cE '^not ok [0-9]+' "$log")
	rm -f "$log"
	p=$((p - s))
	PASS=$((PASS + p)) SKIP=$((SKIP + s)) FAIL=$((FAIL + f))
	# Leaf results are counted; the program's own line only adds a
	# failure when the program failed without reporting one.
	N=$((N + 1))
	if [ $rc -eq 0 ] && [ $f -eq 0 ] && [ $((p + s)) -gt 0 ]; then
		echo "ok $N $prog"
	else
		echo "not ok $N $prog # exit $rc"
		[ $f -eq 0 ] && FAIL=$((FAIL + 1))
	fi
done

# The module must unload cleanly at the end (no file left open, no leak
# visible to the unload path).
if [ -e /sys/module/mkipc ] && out=$(rmmod mkipc 2>&1); then
	result ok module_unload
else
	echo "# rmmod: ${out:-module was not loaded}"
	result fail module_unload
fi

# The kernel log since this run began must hold no warning, bug or report.
SPLAT_RE='(-+\[ cut here \]-+|WARNING: CPU:|WARNING: possible|BUG:|Oops|Kernel panic|general protection fault|Call Trace:|UBSAN:|KASAN:|KCSAN:|kmemleak: [0-9]+ new suspected|INFO: task .* blocked|soft lockup|hard LOCKUP|rcu_.* detected stalls)'
splats=$(dmesg | sed -n "/$MARK/,\$p" | grep -E -A 20 "$SPLAT_RE")
if [ -z "$(dmesg | grep -F "$MARK")" ]; then
	result fail kernel_log_clean "start marker not found in dmesg"
elif [ -n "$splats" ]; then
	echo "$splats" | sed 's/^/# dmesg: /'
	result fail kernel_log_clean
else
	result ok kernel_log_clean
fi

echo "# totals: pass:$PASS fail:$FAIL skip:$SKIP"
[ $FAIL -eq 0 ]
