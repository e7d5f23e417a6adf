#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make trace`: mkipc's tracepoints at work. Builds mkipc.ko twice, with
# the tracepoints and without (MKIPC_NOTRACE=y, in a copy of the sources
# under the results folder), boots a guest (or, with HOST=1, uses the
# running kernel) and runs tools/trace/guest.sh there: a ping-pong
# recorded with trace-cmd and with perf and reported call by call, perf
# stat's event counts, and the tracepoints' cost on the round trip.
# Everything stays in results/trace-<time>/.
#
# Environment: HOST=1 host mode; TRACE_TIMEOUT guest time limit (default
# 900); KERNEL=6.1|6.12|6.12-rt the guest kernel (default 6.1), or
# KERNEL=<bzImage> with MODDIR= and KDIR=.
set -u -o pipefail
. "$(dirname "$0")/../common.sh"
cd "$MKIPC_TOP"

mkipc_job_start trace

echo "# trace: building mkipc.ko and tools/mkipc against $KDIR"
{ make -s module KDIR="$KDIR" && make -s tools; } > "$RES/build.log" 2>&1 || {
	tail -n 40 "$RES/build.log"
	mkipc_die "build failed"
}
# The same sources, built apart so that neither build's objects mix.
NT=$RES/notrace-src
mkdir -p "$NT"
cp -a Kbuild ./*.c include ktests "$NT"/
echo "# trace: building the MKIPC_NOTRACE=y baseline in $NT"
make -s -C "$KDIR" M="$NT" MKIPC_NOTRACE=y modules >> "$RES/build.log" 2>&1 || {
	tail -n 40 "$RES/build.log"
	mkipc_die "the MKIPC_NOTRACE=y build failed"
}

args=(--ko "$MKIPC_TOP/mkipc.ko" --notrace-ko "$NT/mkipc.ko")
if [ "$HOST" = 1 ]; then
	[ "$(id -u)" -eq 0 ] || mkipc_die "host mode needs root"
	MKIPC_GUEST_OUT=$RES tools/trace/guest.sh "${args[@]}" |
		tee "$RES/output.log"
	rc=${PIPESTATUS[0]}
else
	# tsc=reliable: the trace clock and the tool's clock read the TSC
	# (VM notes), not the HPET.
	tools/vm/run-guest -o "$RES" -t "${TRACE_TIMEOUT:-900}" \
		-a "tsc=reliable" ${KERNEL:+-k "$KERNEL"} \
		${MODDIR:+-m "$MODDIR"} -- tools/trace/guest.sh "${args[@]}"
	rc=$?
fi
echo "# trace: recordings, reports and logs in $RES"
exit "$rc"
