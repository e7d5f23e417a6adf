#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make lint`: checkpatch.pl --strict over the given C sources and headers,
# sparse and W=1 over the module and the minimal baseline module against
# every kernel mkipc knows by name (6.1, 6.12, 6.12-rt) and against the
# kernel built with the companion patch (tools/kernel-patch/: the code that
# uses it compiles only there), checkpatch over that series, sparse over the
# mkipc tool and its
# library and over tools/bench/binder, tools/vm/splat-scan-test.sh (what the KCSAN lane tolerates), an
# SPDX line-1 check over every tracked file, that the module's version
# has one home, and that the production build leaves ktests/ out. Any finding fails.
#
# usage: lint.sh FILE...   (KDIR= adds one more kernel tree)
set -u -o pipefail
. "$(dirname "$0")/../common.sh"
cd "$MKIPC_TOP"

KSRC=$(tools/make/deps.sh ksrc) || exit 1
# The build trees: each named kernel's, and KDIR when given.
KDIRS=()
for name in $MKIPC_KERNELS; do
	kver=$(mkipc_kernel_kver "$name" headers) ||
		mkipc_die "no $name kernel headers (tools/make/deps.sh headers)"
	KDIRS+=("$(mkipc_kver_kdir "$kver")")
done
# The patched kernel: built once (about 5 minutes cold), then cached.
kp=$(tools/vm/kernel/build.sh patched) || mkipc_die "building the patched kernel failed"
KDIRS+=("$kp")
[ -n "${KDIR:-}" ] && KDIRS+=("$KDIR")
fail=0

echo "# lint: checkpatch.pl --strict"
# One file a run, as many runs at once as there are CPUs.
out=$(printf '%s\0' "$@" |
	xargs -0 -n 1 -P "$(nproc)" perl "$KSRC/scripts/checkpatch.pl" \
		--strict --no-tree --terse --no-summary -f 2>&1)
if [ -n "$out" ]; then
	echo "$out"
	fail=1
fi

echo "# lint: checkpatch.pl --strict over the companion patch series"
# shellcheck disable=SC2046 # paths without blanks
out=$(perl "$KSRC/scripts/checkpatch.pl" --strict --no-tree --terse \
	--no-summary $(mkipc_kpatch_series) 2>&1)
if [ -n "$out" ]; then
	echo "$out"
	fail=1
fi

for kdir in "${KDIRS[@]}"; do
	echo "# lint: sparse (C=2) and W=1 against $kdir, the in-kernel tests and tools/bench/minimal included"
	for d in "" tools/bench/minimal; do
		# Cleaned first, so that every unit compiles with W=1.
		out=$(make -s --no-print-directory -C "$kdir" M="$MKIPC_TOP${d:+/$d}" \
			MKIPC_TESTS=y clean 2>&1 &&
		      make -s --no-print-directory -j "$(nproc)" \
			-C "$kdir" M="$MKIPC_TOP${d:+/$d}" W=1 C=2 MKIPC_TESTS=y CHECK="sparse -Wsparse-error" \
			modules 2>&1 | grep -v '^Skipping BTF generation')
		if [ -n "$out" ]; then
			echo "$out"
			fail=1
		fi
	done
done

echo "# lint: the production module (no MKIPC_TESTS) has no test code"
# Kbuild's object list as make, make install and DKMS see it, without a
# second build of the module: no ktests/ object, and no unit outside
# ktests/ that reaches into it.
kbuild_objs()
{
	printf 'include Kbuild\nall:\n\t@echo $(mkipc-y)\n' |
		env -u MAKEFLAGS -u MKIPC_TESTS make -s --no-print-directory \
			-f - "$@" src=.
}
prod=$(kbuild_objs)
test=$(kbuild_objs MKIPC_TESTS=y)
if [[ " $prod " == *" ktests/"* ]] || [[ " $test " != *" ktests/"* ]]; then
	echo "Kbuild: ktests/ objects must come with MKIPC_TESTS=y only"
	echo "  without: $prod"
	echo "  with:    $test"
	fail=1
fi
out=$(grep -l 'ktests.h' -- *.c include/*.h 2>/dev/null)
if [ -n "$out" ]; then
	echo "production sources include ktests.h: $out"
	fail=1
fi

echo "# lint: sparse over the userspace tools (tools/mkipc, tools/libmkipc, tools/bench/binder)"
for d in tools/mkipc tools/bench/binder; do
	out=$(make -s --no-print-directory -C "$d" sparse 2>&1)
	if [ $? -ne 0 ] || [ -n "$out" ]; then
		echo "$out"
		fail=1
	fi
done

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
	# git format-patch output starts with its From line; the series is
	# GPL-2.0 like the kernel it patches (its cover letter says so).
	tools/kernel-patch/*.patch) continue ;;
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
