#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Finds kernel reports in a kernel log: WARN, BUG, oops, panic, lockdep,
# KASAN, KCSAN, UBSAN, kmemleak, hung tasks, lockups, RCU stalls. Prints
# each report (the line that opens it and what follows) and exits 1 if any
# is fatal, 0 if none is.
#
# Every report is fatal, except that with MKIPC_KCSAN_SCOPE=mkipc a KCSAN
# report none of whose stack frames is in mkipc ("func+0x../0x.. [mkipc]")
# is printed as "outside mkipc" and tolerated: the KCSAN lane judges
# mkipc's races, not the whole kernel's (they are still shown).
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
	if (scope == "mkipc" && first ~ /KCSAN:/ &&
	    block !~ /\+0x[0-9a-f]+\/0x[0-9a-f]+ \[mkipc\]/)
		fatal = 0
	if (fatal)
		nfatal++
	printf "%s kernel report:\n%s", fatal ? "#" : "# outside mkipc, tolerated:", block
	n = 0
	block = ""
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
n {
	block = block "#   " $0 "\n"
	if (++n > 45)
		flush()
}
END {
	flush()
	exit nfatal ? 1 : 0
}' "${1:-/dev/stdin}"
