#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lfqueue.c, built for userspace, under ThreadSanitizer: uq_stress on the
# lock-free queue and the spinlock baseline, P producers x C consumers for
# P, C in {1, 2, 4}, bound 1024. Prints KTAP (merged into larger reports
# by other scripts) and exits non-zero if any test failed.
#
# A test fails if uq_stress exits non-zero (a check failed, or TSan
# reported: TSAN_OPTIONS sets exitcode=66), if its stderr holds a
# "WARNING: ThreadSanitizer" report or a "WARNING: WARN_ON_ONCE" (the
# shim's WARN_ON_ONCE) whatever the exit status, or if it runs past the
# time limit. The first lines of the first report are kept as "# "
# comments.
#
# Environment: MKIPC_USERQ_ITEMS items per run (default 1000000), scaled
# by MKIPC_TEST_SCALE percent if set; MKIPC_USERQ_TIMEOUT seconds per run
# (default 120; a run takes about 1 s here at 10^6 items).
set -u -o pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../common.sh
. "$DIR/../common.sh"

KINDS=(lfq spin)
GRID=(1 2 4)
BOUND=1024
REPORT_LINES=25
ITEMS=${MKIPC_USERQ_ITEMS:-1000000}
TIMEOUT=${MKIPC_USERQ_TIMEOUT:-120}

case "$ITEMS" in
''|*[!0-9]*) mkipc_die "MKIPC_USERQ_ITEMS must be a number" ;;
esac
if [ -n "${MKIPC_TEST_SCALE:-}" ]; then
	case "$MKIPC_TEST_SCALE" in
	*[!0-9]*) mkipc_die "MKIPC_TEST_SCALE must be a percentage" ;;
	esac
	ITEMS=$((ITEMS * MKIPC_TEST_SCALE / 100))
fi
# Every producer needs at least one item.
[ "$ITEMS" -ge 4 ] || ITEMS=4

# libtsan2 is gcc-12's ThreadSanitizer runtime (pulled in by gcc on
# Debian 12; named so that a missing one is installed, not guessed at).
mkipc_need_pkgs gcc libc6-dev make libtsan2 liburcu-dev libck-dev

ntests=$(( ${#KINDS[@]} * ${#GRID[@]} * ${#GRID[@]} ))
build_log=$(mktemp)
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$build_log" "$out" "$err"' EXIT

build_ok=1
make -C "$DIR" -s >"$build_log" 2>&1 || build_ok=0

echo "KTAP version 1"
echo "1..$ntests"
echo "# userspace lfqueue under ThreadSanitizer: $(gcc --version | head -n 1)," \
	"liburcu $(dpkg-query -W -f='${Version}' liburcu-dev 2>/dev/null)," \
	"$(nproc) CPUs"
if [ $build_ok -eq 0 ]; then
	echo "# make -C $DIR failed:"
	sed 's/^/# /' "$build_log" | head -n 40
fi

export TSAN_OPTIONS="exitcode=66 halt_on_error=0 ${TSAN_OPTIONS:-}"
n=0
pass=0
fail=0
for kind in "${KINDS[@]}"; do
	for p in "${GRID[@]}"; do
		for c in "${GRID[@]}"; do
			n=$((n + 1))
			name=userq_tsan_${kind}_${p}p${c}c
			if [ $build_ok -eq 0 ]; then
				echo "not ok $n $name # build failed"
				fail=$((fail + 1))
				continue
			fi
			timeout "$TIMEOUT" "$DIR/uq_stress" "$kind" "$p" "$c" \
				"$ITEMS" "$BOUND" >"$out" 2>"$err"
			rc=$?
			reports=$(grep -c '^WARNING: ' "$err")
			if [ $rc -eq 0 ] && [ "$reports" -eq 0 ]; then
				echo "ok $n $name"
				pass=$((pass + 1))
			else
				echo "not ok $n $name"
				fail=$((fail + 1))
			fi
			sed 's/^/# /' "$out"
			[ $rc -eq 0 ] && [ "$reports" -eq 0 ] && continue
			case $rc in
			124) echo "# timed out after ${TIMEOUT}s" ;;
			66) echo "# exit status 66: ThreadSanitizer reported" ;;
			*) echo "# exit status $rc" ;;
			esac
			if [ "$reports" -gt 0 ]; then
				echo "# warnings (ThreadSanitizer, WARN_ON_ONCE): $reports; the first:"
				sed -n '/^WARNING: /,$p' "$err" |
					head -n $REPORT_LINES | sed 's/^/# /'
			else
				tail -n 10 "$err" | sed 's/^/# /'
			fi
		done
	done
done
echo "# totals: pass:$pass fail:$fail skip:0"
[ $fail -eq 0 ]
