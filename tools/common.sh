# SPDX-License-Identifier: GPL-2.0
# Shared helpers for mkipc's scripts; sourced, not run.

MKIPC_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MKIPC_CACHE=${MKIPC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mkipc}

mkipc_die()
{
	echo "${0##*/}: $*" >&2
	exit 1
}

mkipc_log()
{
	echo "# ${0##*/}: $*" >&2
}

# mkipc_need_pkgs PKG...: apt-get install whichever are not installed.
mkipc_need_pkgs()
{
	local missing=() p

	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q ' installed$' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] ||
		mkipc_die "missing packages (${missing[*]}); run as root or install them"
	mkipc_log "installing: ${missing[*]}"
	apt-get update -q >&2 || mkipc_die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${missing[@]}" >&2 ||
		mkipc_die "apt-get install ${missing[*]} failed"
}

# The guest kernel: the newest version with both an image under /boot and
# a build tree (Debian's linux-image-amd64 + linux-headers-amd64 pair).
mkipc_guest_kver()
{
	local img ver best=

	for img in /boot/vmlinuz-*; do
		[ -e "$img" ] || continue
		ver=${img#/boot/vmlinuz-}
		[ -f "/lib/modules/$ver/build/Makefile" ] ||
			[ -f "/usr/src/linux-headers-$ver/Makefile" ] || continue
		best=$(printf '%s\n%s\n' "$best" "$ver" | sort -V | tail -n 1)
	done
	[ -n "$best" ] || return 1
	echo "$best"
}

mkipc_guest_kdir()
{
	local ver

	ver=$(mkipc_guest_kver) || return 1
	if [ -f "/usr/src/linux-headers-$ver/Makefile" ]; then
		echo "/usr/src/linux-headers-$ver"
	else
		echo "/lib/modules/$ver/build"
	fi
}

# mkipc_job_start NAME: the set-up `make bench` and `make trace` share.
# Sets HOST (0 unless the caller's environment says 1), RES (a new
# results/NAME-<time>/) and KDIR (the running kernel's tree with HOST=1,
# else the guest kernel's, unless the environment names one), and
# installs what a host or guest run needs.
mkipc_job_start()
{
	HOST=${HOST:-0}
	RES=$MKIPC_TOP/results/$1-$(date +%Y%m%d-%H%M%S)
	mkdir -p "$RES" || mkipc_die "cannot create $RES"
	if [ "$HOST" = 1 ]; then
		tools/make/deps.sh host || exit 1
		KDIR=${KDIR:-/lib/modules/$(uname -r)/build}
	else
		tools/make/deps.sh guest || exit 1
		KDIR=${KDIR:-$(mkipc_guest_kdir)}
	fi
}
