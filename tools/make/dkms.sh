#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make dkms-install` and `make dkms-uninstall`: register mkipc's
# production sources (no ktests/) with DKMS under the module's one version
# (MKIPC_ABI_MAJOR.MINOR, passed in by make) and build and install them
# for the kernels given; installs dkms when it is missing.
#
#   dkms.sh install VERSION [KVER...]
#   dkms.sh uninstall VERSION
#
# Without KVER: the running kernel when its headers are installed, else
# every installed kernel mkipc knows by name (6.1, 6.12, 6.12-rt:
# tools/common.sh) that has headers. DKMS itself rebuilds the module for
# kernels installed later (AUTOINSTALL).
set -eu -o pipefail
. "$(dirname "$0")/../common.sh"
cd "$MKIPC_TOP"

[ $# -ge 2 ] || { echo "usage: $0 install|uninstall VERSION [KVER...]" >&2; exit 2; }
op=$1 ver=$2
shift 2
src=/usr/src/mkipc-$ver
[ "$(id -u)" -eq 0 ] || mkipc_die "DKMS installs into /usr/src and /lib/modules: run as root"
tools/make/deps.sh dkms

registered()
{
	[ -n "$(dkms status "mkipc/$ver" 2>/dev/null)" ]
}

case "$op" in
install)
	kvers=("$@")
	if [ ${#kvers[@]} -eq 0 ]; then
		if [ -f "/lib/modules/$(uname -r)/build/Makefile" ]; then
			kvers=("$(uname -r)")
		else
			for name in $MKIPC_KERNELS; do
				k=$(mkipc_kernel_kver "$name") && kvers+=("$k")
			done
		fi
	fi
	[ ${#kvers[@]} -gt 0 ] ||
		mkipc_die "no kernel with headers to build for; name one:" \
			  "make dkms-install DKMS_KVER=<version>"
	# A second install of the same version replaces the first.
	if registered; then
		mkipc_log "replacing the registered mkipc/$ver"
		dkms remove "mkipc/$ver" --all
	fi
	rm -rf "$src"
	mkdir -p "$src"
	cp -a Kbuild Makefile include "$src"/
	for f in *.c; do
		case "$f" in *.mod.c) continue ;; esac
		cp "$f" "$src"/
	done
	sed "s/@MKIPC_VERSION@/$ver/" dkms.conf > "$src/dkms.conf"
	dkms add "mkipc/$ver"
	for k in "${kvers[@]}"; do
		mkipc_log "building and installing mkipc/$ver for $k"
		dkms install "mkipc/$ver" -k "$k"
	done
	dkms status "mkipc/$ver"
	;;
uninstall)
	registered && dkms remove "mkipc/$ver" --all
	rm -rf "$src"
	;;
*)	echo "usage: $0 install|uninstall VERSION [KVER...]" >&2; exit 2 ;;
esac
