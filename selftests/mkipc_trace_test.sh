#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkipc's tracepoints as trace-cmd and perf see them (run_tests.sh runs
# this with the module loaded): every event's format reads in words, a
# trace-cmd recording of a few calls holds each call's events in order,
# the wait events pair up, a switch run fires one sample per iteration,
# and perf stat counts one mkipc_call per call. KTAP on stdout.
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$DIR/.." && pwd)
MKIPC=$TOP/tools/mkipc/mkipc
TR=/sys/kernel/tracing
EVENTS="mkipc_send mkipc_call mkipc_recv mkipc_reply mkipc_call_done
	mkipc_wait_sleep mkipc_wait_woke mkipc_wait_wake mkipc_prio
	mkipc_switch_sample"
N=0 FAILED=0

echo "KTAP version 1"
echo "1..6"
ok()	# ok COND NAME [DIAG]
{
	N=$((N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $N $2"
	else
		[ -n "${3:-}" ] && echo "# $3"
		echo "not ok $N $2"
		FAILED=1
	fi
}

need=
for t in trace-cmd perf python3; do
	command -v $t > /dev/null || need="$need $t"
done
mountpoint -q $TR || mount -t tracefs tracefs $TR 2> /dev/null
[ -d $TR/events/mkipc ] || need="$need $TR/events/mkipc"
[ -x "$MKIPC" ] || need="$need $MKIPC"
if [ -n "$need" ]; then
	# Every lane installs these and boots a kernel with tracing: missing,
	# they are a failure, not a skip.
	for i in 1 2 3 4 5 6; do
		ok 1 "trace_$i" "missing:$need"
	done
	exit 1
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# 1. Every event exists, and its print format names no enum constant: an
# enum reaches trace-cmd and perf only through TRACE_DEFINE_ENUM(), and
# without it the field prints as a number (reason=0x2).
bad=
for e in $EVENTS; do
	f=$TR/events/mkipc/$e/format
	if [ ! -r "$f" ]; then
		bad="$bad $e(missing)"
	elif grep '^print fmt' "$f" | grep -qE '\bMKIPC_[A-Z_]+\b'; then
		bad="$bad $e($(grep -oE '\bMKIPC_[A-Z_]+\b' "$f" | head -n 1))"
	fi
done
ok "$([ -z "$bad" ]; echo $?)" trace_formats_in_words "unresolved:$bad"

# 2. A recording of 20 calls (two threads on one CPU): each call's
# mkipc_call, then the server's mkipc_recv and mkipc_reply of its token,
# then the client's mkipc_call_done of it, all "ok" on one endpoint.
CALLS=20
trace-cmd record -q -e mkipc -o "$TMP/t.dat" \
	"$MKIPC" pingpong --iters $CALLS --warmup 0 > "$TMP/pp.out" 2>&1
rc=$?
trace-cmd report -t -i "$TMP/t.dat" > "$TMP/t.txt" 2> /dev/null
python3 "$DIR/mkipc_trace_order.py" "$TMP/t.txt" $CALLS > "$TMP/order.out" 2>&1
r=$?
[ $rc = 0 ] || r=1
ok $r trace_call_order "$(head -n 5 "$TMP/order.out" "$TMP/pp.out" | tr '\n' ' ')"

# 3. Every thread's mkipc_wait_woke follows a mkipc_wait_sleep of its
# own, as many of each; and a wake-up named the thread it woke.
awk '
	match($0, /-[0-9]+ +\[/) {
		pid = substr($0, RSTART + 1, RLENGTH - 1) + 0
	}
	/ mkipc_wait_sleep:/ { if (asleep[pid]) bad++; asleep[pid] = 1; s++ }
	/ mkipc_wait_woke:/ { if (!asleep[pid]) bad++; asleep[pid] = 0; w++ }
	/ mkipc_wait_wake:.*woke=[1-9]/ { named++ }
	END {
		printf "sleep %d woke %d unpaired %d named wake-ups %d\n", s, w, bad, named
		exit !(s > 0 && s == w && !bad && named > 0)
	}' "$TMP/t.txt" > "$TMP/wait.out"
ok $? trace_wait_pairs "$(cat "$TMP/wait.out")"

# 4. Every result and path in words: no number where a word belongs.
bad=$(grep -E ' mkipc_(send|call|recv|reply|call_done):' "$TMP/t.txt" |
	grep -vE 'result=[A-Za-z]+ path=(slow|[a-z|]+)$' | head -n 2)
ok "$([ -z "$bad" ]; echo $?)" trace_fields_in_words "$bad"

# 5. A switch run of 10 iterations fires 10 samples of its variant.
trace-cmd record -q -e mkipc:mkipc_switch_sample -o "$TMP/s.dat" \
	"$MKIPC" switch --mech waitq --mm same --iters 10 > "$TMP/sw.out" 2>&1
rc=$?
n=$(trace-cmd report -i "$TMP/s.dat" 2> /dev/null |
	grep -c 'mkipc_switch_sample: *mech=waitq mm=same flags=none cycles=[0-9]')
ok "$([ $rc = 0 ] && [ "$n" = 10 ]; echo $?)" trace_switch_samples \
	"rc $rc, $n samples of mech=waitq mm=same, want 10"

# 6. perf stat counts one mkipc_call per call (-a: a server thread's
# events are counted too, wherever it runs).
perf stat -a -x, -e mkipc:mkipc_call -e mkipc:mkipc_call_done \
	-o "$TMP/stat.csv" -- "$MKIPC" pingpong --iters $CALLS --warmup 0 \
	> /dev/null 2>&1
rc=$?
calls=$(awk -F, '$3 == "mkipc:mkipc_call" { print $1 }' "$TMP/stat.csv")
dones=$(awk -F, '$3 == "mkipc:mkipc_call_done" { print $1 }' "$TMP/stat.csv")
ok "$([ $rc = 0 ] && [ "$calls" = $CALLS ] && [ "$dones" = $CALLS ]; echo $?)" \
	trace_perf_stat "rc $rc, mkipc_call $calls, mkipc_call_done $dones, want $CALLS"

exit $FAILED
