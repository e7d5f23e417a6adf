#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Where a round trip's time goes: `perf record -g` over one `mkipc
# pingpong` run (client and server threads on CPU 0), then the top symbols
# by self time, with their share. Run on the kernel under test, as root:
# in a guest (tools/vm/run-guest -a tsc=reliable -- tools/bench/profile.sh)
# or on a host.
#
# usage: profile.sh [--ko PATH] [--top N] [-- PINGPONG-ARGS...]
# default pingpong arguments: --iters 100000 --cpus one
set -u -o pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
KO=$TOP/mkipc.ko
NTOP=15
while [ $# -gt 0 ]; do
	case "$1" in
	--ko)	KO=$2; shift 2 ;;
	--top)	NTOP=$2; shift 2 ;;
	--)	shift; break ;;
	*)	echo "usage: $0 [--ko PATH] [--top N] [-- PINGPONG-ARGS...]" >&2
		exit 2 ;;
	esac
done
[ $# -gt 0 ] || set -- --iters 100000 --cpus one

die() { echo "profile: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (loads mkipc.ko)"
command -v perf >/dev/null || die "perf not found (Debian: linux-perf)"

[ -e /sys/module/mkipc ] && { rmmod mkipc || die "cannot unload mkipc"; }
insmod "$KO" ${MKIPC_PARAMS:-} || die "insmod $KO failed"
[ -n "${MINKO:-}" ] && { [ -e /sys/module/mkipc_min ] || insmod "$MINKO"; }
trap 'rmmod mkipc 2>/dev/null' EXIT
DATA=$(mktemp -d)
# Kernel symbols of the module for perf report.
echo 0 > /proc/sys/kernel/kptr_restrict 2>/dev/null

echo "# profile: mkipc pingpong $*"
echo "# clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
perf record -q -g -e cpu-clock -o "$DATA/perf.data" -- \
	"$TOP/tools/mkipc/mkipc" pingpong "$@" > "$DATA/pp.out" 2>&1 ||
	{ cat "$DATA/pp.out"; die "pingpong failed"; }
grep '^SUMMARY' "$DATA/pp.out"
echo "# top $NTOP symbols by self time (perf report --no-children)"
perf report -q -i "$DATA/perf.data" --no-children --sort sym \
	--percent-limit 0 -g none 2>/dev/null | grep -v '^$' | head -n "$NTOP"
rm -rf "$DATA"
