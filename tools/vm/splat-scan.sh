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
#  - two accesses that one piece of core-kernel code made itself, on data
#    of its own, are its race, whoever called it (kernfn() below, one
#    class each, each seen in the KCSAN lane):
#     * "lock": both top frames in kernel/locking/mutex.c, rwsem.c or
#       rtmutex.c (__mutex_lock, __mutex_remove_waiter, ...,
#       rt_mutex_slowlock_block, rt_mutex_adjust_prio_chain,
#       mark_wakeup_next_waiter). 6.1's __mutex_lock() reads the wait list
#       without wait_lock after it slept (__mutex_waiter_is_first()),
#       racing with another waiter's list_del(), on any contended mutex;
#       6.1's rtmutex_spin_on_owner(), inlined in rt_mutex_slowlock_block(),
#       reads the waiter tree's leftmost node without wait_lock
#       (rt_mutex_waiter_is_top_waiter()), racing with the tree updates
#       that a PI chain walk or an unlock makes under it, on any contended
#       rt_mutex (mkipc_prio_lock is one);
#     * "cred": both top frames __alloc_file. 6.1's get_cred(), inlined
#       there, stores 0 to the shared cred's non_rcu with a plain write,
#       so any two threads of one process that create files at once race
#       (two threads making endpoint fds, in the fuzz test). The file it
#       fills in is fresh: no one else can write it.
# Those are counted, by title, as "outside mkipc, tolerated": the KCSAN
# lane judges mkipc's races, not the whole kernel's.
#
# The fatal reports are printed last, whole, then one line each: a log
# that is read from its tail (CI shows the end of a run) shows them even
# after hundreds of tolerated reports.
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
	    (!(path[1] && path[2]) ||
	     (kernfn(topfn[1]) != "" && kernfn(topfn[1]) == kernfn(topfn[2]))))
		fatal = 0
	title = first
	sub(/^\[ *[0-9.]+\] */, "", title)
	if (fatal) {
		nfatal++
		fblock[nfatal] = block
		ftitle[nfatal] = first
	} else {
		if (!(title in ntol))
			tol[++ntitles] = title
		ntol[title]++
	}
	n = 0
	block = ""
	access = 0
	delete top
	delete topfn
	delete path
}
# The class of core-kernel code function @f belongs to, or "" (above).
function kernfn(f) {
	if (f ~ /^(__mutex_|mutex_|__rwsem_|rwsem_|osq_|__rt_mutex_|rt_mutex_|rtmutex_|mark_wakeup_next_waiter|try_to_take_rt_mutex|task_blocks_on_rt_mutex)/)
		return "lock"
	if (f == "__alloc_file")
		return "cred"
	return ""
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
	for (i = 1; i <= ntitles; i++)
		printf "# outside mkipc, tolerated: %d x %s\n", ntol[tol[i]], tol[i]
	for (i = 1; i <= nfatal; i++)
		printf "# kernel report:\n%s", fblock[i]
	for (i = 1; i <= nfatal; i++)
		printf "# fatal report %d of %d: %s\n", i, nfatal, ftitle[i]
	exit nfatal ? 1 : 0
}' "${1:-/dev/stdin}"
