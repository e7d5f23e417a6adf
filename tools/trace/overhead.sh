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
KO= NOKO= ROUNDS=20 ITERS=1000
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

declare -A P50 AVG SPREAD
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

# Per variant: the median and the best (lowest) of its rounds' p50 and
# avg, each over notrace's. The median answers "what does a run cost"; the
# best is the least disturbed by the host (under emulation, other work on
# the host's CPUs slows whole rounds).
stats()	# stats VALUES... -> "median min max"
{
	printf '%s\n' "$@" | sort -g |
		awk '{ v[NR] = $1 } END { printf "%s %s %s", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
declare -A MED BEST AMED ABEST
for v in "${VARIANTS[@]}"; do
	p=() a=()
	for r in $(seq 1 "$ROUNDS"); do
		p+=("${P50[$v,$r]}")
		a+=("${AVG[$v,$r]}")
	done
	read -r MED[$v] BEST[$v] hi <<< "$(stats "${p[@]}")"
	read -r AMED[$v] ABEST[$v] _ <<< "$(stats "${a[@]}")"
	SPREAD[$v]="${BEST[$v]}..$hi"
done
echo
printf '%-8s %22s %14s %12s %14s %12s\n' variant "p50 ns median" "(min..max)" \
	"p50 median" "p50 best" "avg median"
printf '%-8s %22s %14s %12s %14s %12s\n' "" "" "" "/notrace" "/notrace" "/notrace"
for v in "${VARIANTS[@]}"; do
	printf '%-8s %22.0f %14s %12s %14s %12s\n' "$v" "${MED[$v]}" "(${SPREAD[$v]})" \
		"$(div "${MED[$v]}" "${MED[notrace]}")" \
		"$(div "${BEST[$v]}" "${BEST[notrace]}")" \
		"$(div "${AMED[$v]}" "${AMED[notrace]}")"
	echo "SUMMARY bench=trace_overhead_total variant=$v rounds=$ROUNDS iters=$ITERS p50_median_ns=${MED[$v]} p50_best_ns=${BEST[$v]} avg_median_ns=${AMED[$v]} ratio_median=$(div "${MED[$v]}" "${MED[notrace]}") ratio_best=$(div "${BEST[$v]}" "${BEST[notrace]}")"
done
echo "# noise: notrace's own rounds span the range beside it; 'off' costs"
echo "# nothing measurable if its ratios are within that spread of 1"
