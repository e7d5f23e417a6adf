#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Finds kernel reports in a kernel log: WARN, BUG, oops, panic, lockdep,
# KASAN, KCSAN, UBSAN, kmemleak, hung tasks, lockups, RCU stalls. Prints
# each report (the line that opens it and what follows) and exits 1 if any
# is fatal, 0 if none is.
#
# Every report is fatal, except that with MKIPC_KCSAN_SCOPE=mkipc a KCSAN
# report is fatal only if mkipc made one of the racing accesses, or both
# came through mkipc:
#  - an access is mkipc's own if the top frame of its stack (the function
#    that made it, inlined helpers included) is "[mkipc]";
#  - an access came through mkipc if a "[mkipc]" frame is in its stack
#    above any interrupt entry. Both accesses coming through mkipc (two
#    mkipc threads racing inside a kernel function they call) is fatal;
#    one alone is not: a timer interrupt racing with hrtimer code that an
#    mkipc thread's sleep called is the core kernel's race, and so is a
#    timer interrupt landing in mkipc code (mkipc frames below the
#    asm_sysvec_* line);
#  - two accesses that the kernel's sleeping-lock code made itself (both
#    top frames in kernel/locking/mutex.c or rwsem.c: __mutex_lock,
#    __mutex_remove_waiter, ...) are that lock's race, whoever called the
#    lock: 6.1's __mutex_lock() reads the wait list without wait_lock
#    after it slept (__mutex_waiter_is_first()), racing with another
#    waiter's list_del(), on any contended mutex.
# Those are listed as "outside mkipc, tolerated": the KCSAN lane judges
# mkipc's races, not the whole kernel's.
#
# A report runs from its opening line for at most 45 lines, or to the next
# opening line; an opener in a report's first two lines belongs to it (a
# WARN's "cut here" line is followed by "WARNING: CPU:").
#
# usage: splat-scan.sh [LOGFILE]   (default: stdin)
set -u

awk -v scope="${MKIPC_KCSAN_SCOPE:-}" '
function flush() {
	if (!n)
		return
	fatal = 1
	if (scope == "mkipc" && first ~ /KCSAN:/ && !top[1] && !top[2] &&
	    (!(path[1] && path[2]) || (lockfn(topfn[1]) && lockfn(topfn[2]))))
		fatal = 0
	if (fatal)
		nfatal++
	if (fatal)
		printf "# kernel report:\n%s", block
	else
		printf "# outside mkipc, tolerated: %s\n", first
	n = 0
	block = ""
	access = 0
	delete top
	delete topfn
	delete path
}
# Whether function @f belongs to the mutex or rwsem implementation.
function lockfn(f) {
	return f ~ /^(__mutex_|mutex_|__rwsem_|rwsem_|osq_)/
}
/(-+\[ cut here \]-+|WARNING: CPU:|WARNING: possible|WARNING: suspicious|BUG:|Oops|Kernel panic|general protection fault|UBSAN:|KASAN:|KCSAN:|kmemleak: [0-9]+ new suspected|unreferenced object 0x|INFO: task .* blocked|soft lockup|hard LOCKUP|rcu_.* detected stalls|ODEBUG:)/ {
	if (n > 2)
		flush()
	if (!n) {
		n = 1
		first = $0
		block = "#   " $0 "\n"
		next
	}
}
# Per racing access in a KCSAN report: its top frame, and whether mkipc
# frames stand above any interrupt entry.
n && / (read|write)[^:]* (to|of) .* by (task|interrupt)/ {
	access++
	cut = 0
	want_top = 1
}
n && access && /asm_(sysvec|common_interrupt|exc)|<IRQ>|Reported by/ {
	cut = 1
}
n && access && want_top && /\+0x[0-9a-f]+\/0x[0-9a-f]+/ {
	top[access] = ($0 ~ /\[mkipc\]/)
	topfn[access] = $0
	sub(/\+0x.*/, "", topfn[access])
	sub(/.* /, "", topfn[access])
	want_top = 0
}
n && access && !cut && /\+0x[0-9a-f]+\/0x[0-9a-f]+ \[mkipc\]/ {
	path[access] = 1
}
n {
	block = block "#   " $0 "\n"
	if (++n > 45)
		flush()
}
END {
	flush()
	exit nfatal ? 1 : 0
}' "${1:-/dev/stdin}"
