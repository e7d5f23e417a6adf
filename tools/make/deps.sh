#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Installs what a mkipc job needs and is missing; safe to run every time.
#
#   deps.sh guest   kernel image + headers and QEMU for the guest lane
#   deps.sh host    what a host-mode run needs besides the running kernel
#   deps.sh lint    sparse and checkpatch
#   deps.sh ksrc    prints the kernel-source subset dir (kselftest, checkpatch)
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
# The guest kernel and its headers come in one command so that they match.
GUEST_PKGS=(linux-image-amd64 linux-headers-amd64 qemu-system-x86
	    busybox-static cpio)

# The few files mkipc uses from the kernel tree, extracted once from
# Debian's linux-source tarball into the cache.
ksrc()
{
	local tarball dir stamp

	mkipc_need_pkgs linux-source-6.1 xz-utils
	tarball=$(ls /usr/src/linux-source-6.1.tar.xz)
	dir=$MKIPC_CACHE/ksrc
	stamp=$dir/.stamp-$(stat -c %Y-%s "$tarball")
	if [ ! -e "$stamp" ]; then
		mkipc_log "extracting kselftest and checkpatch from $tarball"
		rm -rf "$dir"
		mkdir -p "$dir"
		tar -xJf "$tarball" -C "$dir" --strip-components=1 \
			linux-source-6.1/tools/testing/selftests/kselftest.h \
			linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
			linux-source-6.1/scripts/checkpatch.pl \
			linux-source-6.1/scripts/spelling.txt \
			linux-source-6.1/scripts/const_structs.checkpatch
		touch "$stamp"
	fi
	echo "$dir"
}

guest()
{
	mkipc_need_pkgs "${BUILD_PKGS[@]}" "${GUEST_PKGS[@]}" "${BENCH_PKGS[@]}"
	mkipc_guest_kver >/dev/null ||
		mkipc_die "no kernel with matching headers under /boot; " \
			  "apt-get install linux-image-amd64 linux-headers-amd64"
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
lint)	# sparse needs a kernel build tree: the host's, else the guest's.
	[ -f "/lib/modules/$(uname -r)/build/Makefile" ] || guest
	mkipc_need_pkgs sparse; ksrc >/dev/null ;;
ksrc)	ksrc ;;
user)	mkipc_need_pkgs "${BUILD_PKGS[@]}" "${USER_PKGS[@]}" ;;
all)	guest; mkipc_need_pkgs sparse "${USER_PKGS[@]}"; ksrc >/dev/null ;;
*)	echo "usage: $0 guest|host|lint|ksrc|user|all" >&2; exit 2 ;;
esac
