#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What mkipc's tracepoints cost on the round trip: the same ping-pong with
# the module built without them (MKIPC_NOTRACE=y: every trace_mkipc_*()
# compiled out), with them built in but disabled (what every user runs),
# and with every mkipc event enabled and recorded to the ring buffer. The
# three alternate, in a rotating order, for ROUNDS rounds on one boot, so
# that drift spreads over all three; each round loads the module afresh.
#
# usage: overhead.sh --ko TRACED.ko --notrace-ko NOTRACE.ko
#                    [--rounds R] [--iters N]
set -u -o pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
KO= NOKO= ROUNDS=6 ITERS=2000
while [ $# -gt 0 ]; do
	case "$1" in
	--ko)		KO=${2:?}; shift 2 ;;
	--notrace-ko)	NOKO=${2:?}; shift 2 ;;
	--rounds)	ROUNDS=${2:?}; shift 2 ;;
	--iters)	ITERS=${2:?}; shift 2 ;;
	*)		echo "overhead.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
die() { echo "overhead.sh: $*" >&2; exit 1; }
[ -n "$KO" ] && [ -n "$NOKO" ] || die "--ko and --notrace-ko are needed"
[ "$(id -u)" -eq 0 ] || die "must run as root"
MKIPC=$TOP/tools/mkipc/mkipc
[ -x "$MKIPC" ] || die "$MKIPC not built (make tools)"
TR=/sys/kernel/tracing
mountpoint -q $TR || mount -t tracefs tracefs $TR 2> /dev/null
[ -e /sys/module/mkipc ] && { rmmod mkipc || die "cannot unload mkipc"; }

ARGS=(pingpong --mode threads --cpus one --iters "$ITERS")
echo "# tracepoint overhead: mkipc ${ARGS[*]}, $ROUNDS rounds, kernel $(uname -r)"
echo "# notrace: $NOKO (MKIPC_NOTRACE=y)"
echo "# off:     $KO (tracepoints built in, disabled)"
echo "# on:      the same, every mkipc event enabled into the ring buffer"

declare -A P50 AVG
VARIANTS=(notrace off on)
run()	# run VARIANT ROUND
{
	local v=$1 r=$2 ko=$KO line
	[ "$v" = notrace ] && ko=$NOKO
	insmod "$ko" || die "insmod $ko failed"
	if [ "$v" = on ]; then
		echo > $TR/trace
		echo 1 > $TR/events/mkipc/enable || die "cannot enable mkipc events"
	fi
	line=$("$MKIPC" "${ARGS[@]}" | grep '^SUMMARY') ||
		die "no SUMMARY from mkipc ${ARGS[*]}"
	[ "$v" = on ] && echo 0 > $TR/events/mkipc/enable
	rmmod mkipc || die "cannot unload mkipc"
	P50[$v,$r]=$(echo "$line" | tr ' ' '\n' | sed -n 's/^p50_ns=//p')
	AVG[$v,$r]=$(echo "$line" | tr ' ' '\n' | sed -n 's/^avg_ns=//p')
	echo "SUMMARY bench=trace_overhead variant=$v round=$r/$ROUNDS iters=$ITERS p50_ns=${P50[$v,$r]} avg_ns=${AVG[$v,$r]}"
}

for r in $(seq 1 "$ROUNDS"); do
	for k in 0 1 2; do
		run "${VARIANTS[$(((r + k) % 3))]}" "$r"
	done
done

# Per round, each variant's p50 over the same round's notrace p50; then
# the median and range of those ratios over the rounds.
stats()	# stats VALUES... -> "median min max"
{
	printf '%s\n' "$@" | sort -g |
		awk '{ v[NR] = $1 } END { printf "%.3f %.3f %.3f", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
echo
printf '%-8s %24s %24s %26s\n' variant "p50 ns" "p50 ratio to notrace" "avg ratio to notrace"
printf '%-8s %24s %24s %26s\n' "" "median (min..max)" "median (min..max)" "median (min..max)"
for v in "${VARIANTS[@]}"; do
	p=() a=() rp=() ra=()
	for r in $(seq 1 "$ROUNDS"); do
		p+=("${P50[$v,$r]}")
		rp+=("$(awk -v a="${P50[$v,$r]}" -v b="${P50[notrace,$r]}" 'BEGIN { print a / b }')")
		ra+=("$(awk -v a="${AVG[$v,$r]}" -v b="${AVG[notrace,$r]}" 'BEGIN { print a / b }')")
	done
	read -r pm plo phi <<< "$(stats "${p[@]}")"
	read -r m lo hi <<< "$(stats "${rp[@]}")"
	read -r am alo ahi <<< "$(stats "${ra[@]}")"
	printf '%-8s %24s %24s %26s\n' "$v" "$(printf '%.0f (%.0f..%.0f)' "$pm" "$plo" "$phi")" \
		"$m ($lo..$hi)" "$am ($alo..$ahi)"
done
echo "# noise: notrace's own p50 over the rounds spans the range beside it;"
echo "# 'off' costs nothing measurable if its ratio is within that spread"
