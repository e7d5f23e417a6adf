#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: build mkipc.ko and the selftests, run every test in a guest
# (or, with HOST=1, on the running kernel), print KTAP and end with the line
#   N passed, N failed[, N skipped]
# Exits non-zero on any failed test, any kernel WARN/BUG/oops in the guest,
# or a timeout. Logs of the run stay in results/check-<time>/.
#
# Environment: HOST=1 host mode; KERNEL=, MODDIR= another guest kernel
# (tools/vm/run-guest -k/-m); KDIR= the build tree matching it;
# CHECK_TIMEOUT= guest time limit in seconds (default 900).
set -u -o pipefail
. "$(dirname "$0")/common.sh"
cd "$MKIPC_TOP"

HOST=${HOST:-0}
TIMEOUT=${CHECK_TIMEOUT:-900}
start=$(date +%s)
extra_fail=0

finish()
{
	local pass=0 fail=0 skip=0 totals

	totals=$(grep -E '^# totals: ' "$RES/output.log" 2>/dev/null | tail -n 1)
	if [ -n "$totals" ]; then
		pass=$(echo "$totals" | sed -n 's/.*pass:\([0-9]*\).*/\1/p')
		fail=$(echo "$totals" | sed -n 's/.*fail:\([0-9]*\).*/\1/p')
		skip=$(echo "$totals" | sed -n 's/.*skip:\([0-9]*\).*/\1/p')
	else
		echo "# check: the test run reported no totals"
		extra_fail=$((extra_fail + 1))
	fi
	fail=$((fail + extra_fail))
	echo "# check: wall time $(( $(date +%s) - start ))s, logs in $RES"
	if [ "$skip" -gt 0 ]; then
		echo "$pass passed, $fail failed, $skip skipped"
	else
		echo "$pass passed, $fail failed"
	fi
	[ "$fail" -eq 0 ]
	exit
}

RES=$MKIPC_TOP/results/check-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RES"

if [ "$HOST" = 1 ]; then
	lane=host
	KDIR=${KDIR:-/lib/modules/$(uname -r)/build}
else
	lane=guest
fi
if ! tools/deps.sh "$lane" || ! tools/deps.sh ksrc > /dev/null; then
	echo "# check: missing prerequisites (above)"
	extra_fail=1
	finish
fi
KDIR=${KDIR:-$(mkipc_guest_kdir)}

echo "# check: building mkipc.ko against $KDIR"
if ! make -s module KDIR="$KDIR" W=1 MKIPC_WERROR=y > "$RES/build.log" 2>&1 ||
   ! make -s selftests > "$RES/build-selftests.log" 2>&1; then
	cat "$RES/build.log" "$RES/build-selftests.log" 2>/dev/null | tail -n 40
	echo "# check: build failed"
	extra_fail=1
	finish
fi

if [ "$HOST" = 1 ]; then
	[ "$(id -u)" -eq 0 ] || mkipc_die "host mode needs root"
	echo "# check: host mode, kernel $(uname -r)"
	selftests/run_tests.sh --ko "$MKIPC_TOP/mkipc.ko" 2>&1 |
		tee "$RES/output.log"
	rc=${PIPESTATUS[0]}
	dmesg > "$RES/dmesg" 2>/dev/null
else
	tools/vm/run-guest -o "$RES" -t "$TIMEOUT" \
		${KERNEL:+-k "$KERNEL"} ${MODDIR:+-m "$MODDIR"} \
		-- selftests/run_tests.sh --ko "$MKIPC_TOP/mkipc.ko"
	rc=$?
	case $rc in
	124)	echo "# check: guest timed out after ${TIMEOUT}s"
		extra_fail=$((extra_fail + 1)) ;;
	125)	echo "# check: guest kernel crashed or reported a bug (see $RES/console.log)"
		extra_fail=$((extra_fail + 1)) ;;
	esac
fi
if [ "$rc" -ne 0 ] && ! grep -qE '^not ok' "$RES/output.log" 2>/dev/null &&
   [ "$extra_fail" -eq 0 ]; then
	echo "# check: test run exited $rc without a failed test"
	extra_fail=$((extra_fail + 1))
fi
finish
