#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# git apply --check of the companion patch series (the 0*.patch files
# beside this script) against Linux 6.1 as Debian's linux-source-6.1 ships
# it, printed as KTAP: one test a patch, each checked on top of the ones
# before it (git apply --check given several patches checks each against
# the original files, which a series touching one file twice fails). git
# apply's own -v output is kept as KTAP comments. The files come from the
# tarball (tools/make/deps.sh ksrc), copied to a scratch directory outside
# any git work tree, so that git apply works as on an unpacked tree.
#
# usage: apply-check.sh      exit 0 if every patch applies, 1 if not
set -u -o pipefail
. "$(dirname "$0")/../common.sh"

KSRC=$("$MKIPC_TOP"/tools/make/deps.sh ksrc) || exit 1
# cpio copies the files; make patch-check may run before any guest job.
mkipc_need_pkgs cpio
# shellcheck disable=SC2207 # paths without blanks, one a line
SERIES=($(mkipc_kpatch_series))

WORK=$(mktemp -d /tmp/mkipc-apply-check.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# A fresh copy of the pristine files into $WORK/$1.
pristine()
{
	mkdir -p "$WORK/$1"
	(cd "$KSRC" && find . -type f ! -name '.stamp-*' ! -path './tools/*' \
		! -path './scripts/*' -print0 |
		cpio -0 -pdm --quiet "$WORK/$1")
}

# git apply --check -v in $WORK/$1 of the rest of the arguments; output as
# KTAP comments; the status of git apply.
check()
{
	local dir=$WORK/$1 rc

	shift
	(cd "$dir" && git apply --check -v "$@") > "$WORK/out" 2>&1
	rc=$?
	sed 's/^/# /' "$WORK/out"
	return $rc
}

fail=0 n=0
echo "KTAP version 1"
echo "1..${#SERIES[@]}"
echo "# linux-source-6.1 $(dpkg-query -W -f='${Version}' linux-source-6.1), $(git --version)"
pristine step
for p in "${SERIES[@]}"; do
	n=$((n + 1))
	name=$(basename "$p" .patch)
	echo "# git apply --check -v $name.patch (on top of the patches before it)"
	if check step "$p"; then
		(cd "$WORK/step" && git apply "$p")
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		fail=1
		break
	fi
done
# Patches after a failed one are not checked: they would fail for its sake.
while [ "$n" -lt "${#SERIES[@]}" ]; do
	n=$((n + 1))
	echo "ok $n $(basename "${SERIES[$((n - 1))]}" .patch) # SKIP an earlier patch does not apply"
done
exit $fail
