#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks tools/vm/splat-scan.sh's verdicts on made-up kernel reports, shaped
# as 6.1 prints them: what the KCSAN lane tolerates must stay narrow, and a
# race mkipc takes part in must stay fatal. Part of `make lint`; prints one
# line a case and exits 1 if any verdict is wrong.
#
# usage: splat-scan-test.sh
set -u
cd "$(dirname "$0")"

fail=0

# A KCSAN report of two racing accesses, each given as "TOP [CALLER...]"
# (frames innermost first; a frame ending in " [mkipc]" is mkipc's).
kcsan()
{
	local a=$1 b=$2 f i=0

	echo "[  100.000000] =================================================================="
	echo "[  100.000000] BUG: KCSAN: data-race in ${a%%,*} / ${b%%,*}"
	echo "[  100.000000] "
	for f in "$a" "$b"; do
		i=$((i + 1))
		echo "[  100.000000] write to 0xffff888005000000 of 4 bytes by task $((100 + i)) on cpu $i:"
		echo "$f" | tr ',' '\n' | sed 's/^ *//; s/^\([^ ]*\)/[  100.000000]  \1+0x10\/0x100/'
		echo "[  100.000000] "
	done
	echo "[  100.000000] Reported by Kernel Concurrency Sanitizer on:"
	echo "[  100.000000] =================================================================="
}

# expect NAME SCOPE VERDICT: splat-scan's verdict on stdin is VERDICT
# (fatal or tolerated) with MKIPC_KCSAN_SCOPE=SCOPE.
expect()
{
	local out rc got

	out=$(MKIPC_KCSAN_SCOPE=$2 ./splat-scan.sh)
	rc=$?
	got=tolerated
	[ $rc -ne 0 ] && got=fatal
	if [ "$got" = fatal ] && ! echo "$out" | tail -n 1 | grep -q '^# fatal report 1 of 1: '; then
		echo "not ok $1: fatal, but the last line names no fatal report"
		fail=1
	elif [ "$got" != "$3" ]; then
		echo "not ok $1: $got, expected $3"
		echo "$out" | sed 's/^/#   /'
		fail=1
	else
		echo "ok $1: $got"
	fi
}

MK=" [mkipc]"
IOCTL="mkipc_ep_ioctl$MK, __x64_sys_ioctl, do_syscall_64"

kcsan "mkipc_waitq_sleep$MK, $IOCTL" "hrtimer_wakeup, __hrtimer_run_queues" |
	expect "an mkipc top frame" mkipc fatal
kcsan "__list_add, mkipc_ep_queue$MK, $IOCTL" "__list_add, mkipc_ep_queue$MK, $IOCTL" |
	expect "two mkipc threads in a kernel helper" mkipc fatal
kcsan "hrtimer_active, mkipc_waitq_sleep$MK, $IOCTL" "__hrtimer_run_queues, hrtimer_interrupt" |
	expect "one access through mkipc" mkipc tolerated
kcsan "__mutex_lock, mkipc_prio_take$MK, $IOCTL" "__mutex_remove_waiter, __mutex_lock, mkipc_prio_take$MK, $IOCTL" |
	expect "6.1 mutex wait list, both through mkipc" mkipc tolerated
kcsan "__alloc_file, alloc_empty_file, mkipc_ep_open_fd$MK, $IOCTL" "__alloc_file, alloc_empty_file, mkipc_ep_open_fd$MK, $IOCTL" |
	expect "6.1 get_cred non_rcu, both through mkipc" mkipc tolerated
kcsan "rt_mutex_adjust_prio_chain.constprop.0, rt_mutex_adjust_pi, __sched_setscheduler, mkipc_pt_apply$MK, $IOCTL" "rt_mutex_slowlock_block.constprop.0, __rt_mutex_slowlock_locked.constprop.0, rt_mutex_lock_nested, mkipc_prio_take$MK, $IOCTL" |
	expect "6.1 rt_mutex waiter tree, both through mkipc" mkipc tolerated
kcsan "mark_wakeup_next_waiter, rt_mutex_unlock, mkipc_prio_take$MK, $IOCTL" "mkipc_prio_take$MK, $IOCTL" |
	expect "an rt_mutex update against mkipc's own access" mkipc fatal
kcsan "__alloc_file, alloc_empty_file, mkipc_ep_open_fd$MK, $IOCTL" "__mutex_lock, mkipc_prio_take$MK, $IOCTL" |
	expect "two different classes, both through mkipc" mkipc fatal
kcsan "__alloc_file, alloc_empty_file, mkipc_ep_open_fd$MK, $IOCTL" "__alloc_file, alloc_empty_file, mkipc_ep_open_fd$MK, $IOCTL" |
	expect "any KCSAN report, outside the KCSAN lane" "" fatal
{
	echo "[  100.000000] ------------[ cut here ]------------"
	echo "[  100.000000] WARNING: CPU: 0 PID: 1 at kernel/sched/core.c:1 f+0x1/0x2"
} | expect "a WARN" mkipc fatal
echo "[  100.000000] mkipc: loaded" | expect "a clean log" mkipc tolerated

exit $fail
