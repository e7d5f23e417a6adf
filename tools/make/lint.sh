#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make lint`: checkpatch.pl --strict over the given C sources and headers,
# sparse over the module (kbuild C=2) and over the mkipc tool and its
# library, tools/vm/splat-scan-test.sh (what the KCSAN lane tolerates), an
# SPDX line-1 check over every tracked file, that the module's version
# has one home, and that the production build leaves ktests/ out. Any finding fails.
#
# usage: lint.sh FILE...   (KDIR= as for make)
set -u -o pipefail
. "$(dirname "$0")/../common.sh"
cd "$MKIPC_TOP"

KSRC=$(tools/make/deps.sh ksrc) || exit 1
KDIR=${KDIR:-$(make -s --no-print-directory -f Makefile print-kdir)}
fail=0

echo "# lint: checkpatch.pl --strict"
for f in "$@"; do
	out=$(perl "$KSRC/scripts/checkpatch.pl" --strict --no-tree --terse \
		--no-summary -f "$f" 2>&1)
	if [ -n "$out" ]; then
		echo "$out"
		fail=1
	fi
done

echo "# lint: sparse (C=2) against $KDIR, the in-kernel tests included"
out=$(make -s --no-print-directory module KDIR="$KDIR" C=2 MKIPC_TESTS=y \
	CHECK="sparse -Wsparse-error" 2>&1 | grep -v '^Skipping BTF generation')
if [ -n "$out" ]; then
	echo "$out"
	fail=1
fi

echo "# lint: the production module (no MKIPC_TESTS) has no test code"
out=$(make -s --no-print-directory module KDIR="$KDIR" 2>&1 |
	grep -v '^Skipping BTF generation')
if [ -n "$out" ]; then
	echo "$out"
	fail=1
elif modinfo -F parm mkipc.ko | grep -q '^stall_ms:' ||
     nm mkipc.ko | grep -q -E 'mkipc_(ktests_init|debugfs_job)$'; then
	echo "mkipc.ko built without MKIPC_TESTS=y carries the in-kernel tests"
	fail=1
fi

echo "# lint: sparse over the userspace tools (tools/mkipc, tools/libmkipc)"
out=$(make -s --no-print-directory -C tools/mkipc sparse 2>&1)
if [ $? -ne 0 ] || [ -n "$out" ]; then
	echo "$out"
	fail=1
fi

echo "# lint: splat-scan.sh's verdicts (tools/vm/splat-scan-test.sh)"
out=$(tools/vm/splat-scan-test.sh 2>&1)
if [ $? -ne 0 ]; then
	echo "$out"
	fail=1
fi

echo "# lint: SPDX-License-Identifier on line 1 (line 2 after a #!)"
for f in $(git ls-files); do
	case "$f" in
	*.json) continue ;;
	esac
	head -n 2 "$f" | grep -q 'SPDX-License-Identifier:' || {
		echo "$f: no SPDX-License-Identifier in its first lines"
		fail=1
	}
done

echo "# lint: one version, MKIPC_ABI_MAJOR.MINOR in the uapi header"
grep -q '^PACKAGE_VERSION="@MKIPC_VERSION@"$' dkms.conf || {
	echo "dkms.conf: PACKAGE_VERSION must be the placeholder @MKIPC_VERSION@"
	fail=1
}
grep -q '^MODULE_VERSION(__stringify(MKIPC_ABI_MAJOR) "." __stringify(MKIPC_ABI_MINOR));$' \
	mkipc_main.c || {
	echo "mkipc_main.c: MODULE_VERSION must be built from MKIPC_ABI_MAJOR/MINOR"
	fail=1
}
out=$(git grep -n -E 'MODULE_VERSION\(|PACKAGE_VERSION=' -- ':!tools/make/lint.sh' |
	grep -v -e '^mkipc_main.c:.*__stringify(MKIPC_ABI_MAJOR)' \
		-e '^dkms.conf:.*@MKIPC_VERSION@')
if [ -n "$out" ]; then
	echo "a second version: $out"
	fail=1
fi

if [ $fail -eq 0 ]; then
	echo "# lint: clean"
fi
exit $fail
