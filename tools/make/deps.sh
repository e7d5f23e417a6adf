#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Installs what a mkipc job needs and is missing; safe to run every time.
#
#   deps.sh guest   the guest kernel KERNEL= names (default 6.1: see
#                   tools/common.sh), its headers, and QEMU
#   deps.sh kernels every kernel mkipc knows by name, with headers
#   deps.sh headers their headers alone (what lint builds against)
#   deps.sh dkms    dkms, for make dkms-install
#   deps.sh host    what a host-mode run needs besides the running kernel
#   deps.sh lint    sparse and checkpatch
#   deps.sh ksrc    prints the kernel-source subset dir (kselftest, checkpatch,
#                   the files the companion patch changes)
#   deps.sh user    lfqueue in userspace (tools/userq): TSan, liburcu, ck
#   deps.sh all     everything above
set -eu
. "$(dirname "$0")/../common.sh"

BUILD_PKGS=(make gcc libc6-dev)
# python3: tools/trace/report.py, tools/bench/report.py and the trace
# selftest's order checker; gnuplot-nox: the benchmark report's plots.
BENCH_PKGS=(linux-perf trace-cmd rt-tests python3 gnuplot-nox)
# tools/userq: libtsan2 is gcc-12's ThreadSanitizer runtime.
USER_PKGS=(libtsan2 liburcu-dev libck-dev)
# The guest kernel and its headers come from mkipc_kernel_install, in one
# command so that they match; xz-utils unpacks 6.12's compressed modules.
GUEST_PKGS=(qemu-system-x86 busybox-static cpio xz-utils)

# The few files mkipc uses from the kernel tree, extracted once from
# Debian's linux-source tarball into the cache: the kselftest harness,
# checkpatch, and the files the companion patch series changes, as Debian
# ships them (tools/kernel-patch/apply-check.sh applies the series to a
# copy of them).
ksrc()
{
	local tarball dir stamp files

	mkipc_need_pkgs linux-source-6.1 xz-utils
	tarball=$(ls /usr/src/linux-source-6.1.tar.xz)
	dir=$MKIPC_CACHE/ksrc
	files=(tools/testing/selftests/kselftest.h
	       tools/testing/selftests/kselftest_harness.h
	       scripts/checkpatch.pl scripts/spelling.txt
	       scripts/const_structs.checkpatch)
	# Those a patch changes, less those an earlier one creates.
	# shellcheck disable=SC2207 # paths without blanks, one a line
	files+=($(awk '/^--- \/dev\/null/ { new = 1; next }
		       /^\+\+\+ b\// { if (new) made[substr($2, 3)] = 1; new = 0 }
		       /^--- a\// { old[substr($2, 3)] = 1 }
		       END { for (f in old) if (!(f in made)) print f }' \
		  "$MKIPC_TOP"/tools/kernel-patch/0*.patch | sort))
	stamp=$dir/.stamp-$(stat -c %Y-%s "$tarball")-$(printf '%s\n' "${files[@]}" |
							  sha256sum | cut -c1-12)
	if [ ! -e "$stamp" ]; then
		mkipc_log "extracting kselftest, checkpatch and the files tools/kernel-patch/ changes from $tarball"
		rm -rf "$dir"
		mkdir -p "$dir"
		tar -xJf "$tarball" -C "$dir" --strip-components=1 \
			"${files[@]/#/linux-source-6.1/}"
		touch "$stamp"
	fi
	echo "$dir"
}

guest()
{
	local name

	mkipc_need_pkgs "${BUILD_PKGS[@]}" "${GUEST_PKGS[@]}" "${BENCH_PKGS[@]}"
	# A kernel of one's own (a bzImage path) brings KDIR= and MODDIR=.
	case "${KERNEL:-}" in
	*/*)	return 0 ;;
	esac
	name=$(mkipc_kernel_name) || exit 1
	mkipc_kernel_install "$name"
}

# kernels [headers]
kernels()
{
	local name

	mkipc_need_pkgs "${BUILD_PKGS[@]}"
	for name in $MKIPC_KERNELS; do
		mkipc_kernel_install "$name" "${1:-}"
	done
}

host()
{
	mkipc_need_pkgs "${BUILD_PKGS[@]}" "${BENCH_PKGS[@]}"
	[ -f "/lib/modules/$(uname -r)/build/Makefile" ] ||
		mkipc_die "host mode needs the running kernel's headers" \
			  "(/lib/modules/$(uname -r)/build); on Debian:" \
			  "apt-get install linux-headers-$(uname -r)"
}

case "${1:-all}" in
guest)	guest ;;
host)	host ;;
kernels) kernels ;;
headers) kernels headers ;;
dkms)	mkipc_need_pkgs "${BUILD_PKGS[@]}" dkms ;;
lint)	# sparse and W=1 against every kernel mkipc knows by name.
	kernels headers
	mkipc_need_pkgs sparse; ksrc >/dev/null ;;
ksrc)	ksrc ;;
user)	mkipc_need_pkgs "${BUILD_PKGS[@]}" "${USER_PKGS[@]}" ;;
all)	guest; mkipc_need_pkgs sparse "${USER_PKGS[@]}"; ksrc >/dev/null ;;
*)	echo "usage: $0 guest|host|kernels|headers|dkms|lint|ksrc|user|all" >&2; exit 2 ;;
esac
