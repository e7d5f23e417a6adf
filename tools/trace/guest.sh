#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest's half of `make trace` (tools/make/trace.sh): one call
# followed through trace-cmd and through perf, perf stat's count of every
# mkipc event, then what the tracepoints cost (tools/trace/overhead.sh).
# Recordings go under MKIPC_GUEST_OUT (the results folder).
#
# usage: guest.sh --ko TRACED.ko --notrace-ko NOTRACE.ko
set -u -o pipefail

DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$DIR/../.." && pwd)
KO= NOKO=
while [ $# -gt 0 ]; do
	case "$1" in
	--ko)		KO=${2:?}; shift 2 ;;
	--notrace-ko)	NOKO=${2:?}; shift 2 ;;
	*)		echo "guest.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
OUT=${MKIPC_GUEST_OUT:-/tmp/mkipc-trace}
rc=0

echo "## trace-cmd: two threads on one CPU"
"$DIR/record.sh" --ko "$KO" -o "$OUT/trace-cmd" -- \
	pingpong --mode threads --cpus one --iters 200 || rc=1
echo
echo "## perf: two threads on two CPUs"
"$DIR/record.sh" --perf --ko "$KO" -o "$OUT/perf" -- \
	pingpong --mode threads --cpus two --iters 200 || rc=1
echo
echo "## perf stat -a -e 'mkipc:*' around 1000 calls and 1000 switch samples"
insmod "$KO" || exit 1
perf stat -a -e 'mkipc:*' -x, -o "$OUT/perf-stat.csv" -- sh -c \
	"$TOP/tools/mkipc/mkipc pingpong --iters 1000 --warmup 0 > /dev/null &&
	 $TOP/tools/mkipc/mkipc switch --iters 1000 > /dev/null" || rc=1
rmmod mkipc
awk -F, '$3 ~ /^mkipc:/ { printf "%10s  %s\n", $1, $3 }' "$OUT/perf-stat.csv"
echo
echo "## the tracepoints' cost"
"$DIR/overhead.sh" --ko "$KO" --notrace-ko "$NOKO" || rc=1
exit $rc
