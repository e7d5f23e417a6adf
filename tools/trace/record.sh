#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Records an IPC benchmark with mkipc's tracepoints and the scheduler's
# sched_switch and sched_wakeup, then prints where each call's time went
# (tools/trace/report.py). Runs on the kernel under test, as root: in a
# guest (`make trace`) or on the host.
#
# usage: record.sh [--perf] [--ko PATH] [-o DIR] [-- MKIPC-ARGS...]
#   --perf   record with perf record -a and read with perf script, instead
#            of trace-cmd record and trace-cmd report
#   --ko     load this mkipc.ko first if no mkipc is loaded (default: the
#            tree's, unloaded again at the end)
#   -o DIR   keep the recording and its text there (default: a temporary
#            directory, removed)
#   MKIPC-ARGS  the mkipc command to record (default: pingpong --iters 200,
#            two threads on one CPU)
set -u -o pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
KO=$TOP/mkipc.ko
TOOL=trace-cmd
OUT=
while [ $# -gt 0 ]; do
	case "$1" in
	--perf)	TOOL=perf; shift ;;
	--ko)	KO=${2:?--ko needs a path}; shift 2 ;;
	-o)	OUT=${2:?-o needs a directory}; shift 2 ;;
	--)	shift; break ;;
	*)	echo "record.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || set -- pingpong --iters 200
die() { echo "record.sh: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"
if [ "$TOOL" = perf ]; then
	command -v perf > /dev/null || die "perf not found (Debian: linux-perf)"
else
	command -v trace-cmd > /dev/null ||
		die "trace-cmd not found (Debian: trace-cmd)"
fi
command -v python3 > /dev/null || die "python3 not found"
MKIPC=$TOP/tools/mkipc/mkipc
[ -x "$MKIPC" ] || die "$MKIPC not built (make tools)"

mountpoint -q /sys/kernel/tracing ||
	mount -t tracefs tracefs /sys/kernel/tracing 2> /dev/null
LOADED=0
if [ ! -e /sys/module/mkipc ]; then
	insmod "$KO" || die "insmod $KO failed"
	LOADED=1
fi
if [ -z "$OUT" ]; then
	OUT=$(mktemp -d) || die "mktemp failed"
	trap 'rm -rf "$OUT"; [ $LOADED = 1 ] && rmmod mkipc' EXIT
else
	mkdir -p "$OUT" || die "cannot create $OUT"
	trap '[ $LOADED = 1 ] && rmmod mkipc' EXIT
fi

echo "# record.sh: $TOOL, events mkipc:* sched_switch sched_wakeup, on $(uname -r)"
echo "# record.sh: mkipc $*"
# The events fire in the recorded command's threads, and sched_* also in
# the idle task and others: record every CPU.
if [ "$TOOL" = perf ]; then
	perf record -q -a -e 'mkipc:*' \
		-e sched:sched_switch -e sched:sched_wakeup \
		-o "$OUT/perf.data" -- "$MKIPC" "$@" > "$OUT/mkipc.out" ||
		die "perf record failed"
	perf script --ns -i "$OUT/perf.data" > "$OUT/trace.txt" 2> /dev/null ||
		die "perf script failed"
else
	trace-cmd record -q -e mkipc -e sched:sched_switch \
		-e sched:sched_wakeup -o "$OUT/trace.dat" "$MKIPC" "$@" > "$OUT/mkipc.out" ||
		die "trace-cmd record failed"
	trace-cmd report -t -i "$OUT/trace.dat" > "$OUT/trace.txt" 2> /dev/null ||
		die "trace-cmd report failed"
fi
grep '^SUMMARY' "$OUT/mkipc.out"
python3 "$TOP/tools/trace/report.py" "$OUT/trace.txt"
