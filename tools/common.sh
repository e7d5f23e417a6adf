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

# The guest kernels, by name (KERNEL=NAME in every make target), all
# Debian 12 packages with their headers:
#   6.1      Debian 12's own kernel (linux-image-amd64): the default
#   6.12     the 6.12 long-term kernel from Debian 12's security archive
#   6.12-rt  its PREEMPT_RT build
# Each name picks the newest installed version of its kind, never another
# kind: which kernels happen to be installed does not change what a lane
# tests. KERNEL= may instead name a bzImage of one's own, with MODDIR= and
# KDIR= (the debug lanes do that).
MKIPC_KERNELS="6.1 6.12 6.12-rt"
MKIPC_KERNEL_DEFAULT=6.1

# mkipc_kernel_regex NAME: the kernel versions (uname -r) of that kind.
mkipc_kernel_regex()
{
	case "$1" in
	6.1)	echo '^6\.1\.[0-9]+-[0-9]+-amd64$' ;;
	6.12)	echo '^6\.12\.[0-9]+\+deb12-amd64$' ;;
	6.12-rt) echo '^6\.12\.[0-9]+\+deb12-rt-amd64$' ;;
	*)	return 1 ;;
	esac
}

# mkipc_kernel_name: KERNEL's name, the default when unset; fails (with a
# message) for a name it does not know, and for a path.
mkipc_kernel_name()
{
	local name=${KERNEL:-$MKIPC_KERNEL_DEFAULT}

	mkipc_kernel_regex "$name" > /dev/null && { echo "$name"; return 0; }
	case "$name" in
	*/*)	echo "${0##*/}: KERNEL=$name is a path; pass KDIR= and MODDIR= with it" >&2 ;;
	*)	echo "${0##*/}: unknown KERNEL=$name (one of: $MKIPC_KERNELS, or a bzImage path)" >&2 ;;
	esac
	return 1
}

# mkipc_kernel_kver NAME [headers]: the newest installed version of that
# kind with both an image under /boot and a build tree; with "headers",
# the newest with a build tree alone (all a build needs).
mkipc_kernel_kver()
{
	local re dir ver best=

	re=$(mkipc_kernel_regex "$1") || return 1
	for dir in /usr/src/linux-headers-* /lib/modules/*/build; do
		[ -f "$dir/Makefile" ] || continue
		ver=${dir#/usr/src/linux-headers-}
		ver=${ver#/lib/modules/}
		ver=${ver%/build}
		[[ $ver =~ $re ]] || continue
		[ "${2:-}" = headers ] || [ -e "/boot/vmlinuz-$ver" ] || continue
		best=$(printf '%s\n%s\n' "$best" "$ver" | sort -V | tail -n 1)
	done
	[ -n "$best" ] || return 1
	echo "$best"
}

# mkipc_kernel_candidates REGEX: the versions of that kind whose headers
# the archive carries, oldest first.
mkipc_kernel_candidates()
{
	apt-cache search --names-only "^linux-headers-${1#^}" |
		sed 's/^linux-headers-\([^ ]*\) .*/\1/' | sort -V
}

# mkipc_kernel_install NAME [headers]: installs that kernel and its headers
# (with "headers": the headers alone, which spares the image's initramfs
# hook) unless a version of it is there. 6.1 comes through Debian's
# meta-packages; 6.12 has none in Debian 12, so the newest version whose
# image and headers the archive both carries is installed by its exact
# name (a glob would fetch every 6.12 release there).
mkipc_kernel_install()
{
	local re ver pkgs

	mkipc_kernel_kver "$1" "${2:-}" > /dev/null && return 0
	re=$(mkipc_kernel_regex "$1") || return 1
	if [ "$1" = 6.1 ]; then
		pkgs=(linux-headers-amd64)
		[ "${2:-}" = headers ] || pkgs+=(linux-image-amd64)
		mkipc_need_pkgs "${pkgs[@]}"
	else
		[ -n "$(mkipc_kernel_candidates "$re")" ] || apt-get update -q >&2
		for ver in $(mkipc_kernel_candidates "$re" | tac); do
			apt-cache show "linux-image-$ver" > /dev/null 2>&1 || continue
			pkgs=("linux-headers-$ver")
			[ "${2:-}" = headers ] || pkgs+=("linux-image-$ver")
			mkipc_need_pkgs "${pkgs[@]}"
			break
		done
	fi
	mkipc_kernel_kver "$1" "${2:-}" > /dev/null ||
		mkipc_die "no $1 kernel${2:+ $2} could be installed"
}

# The guest kernel a run boots when nothing else is named: KERNEL's (the
# default when unset).
mkipc_guest_kver()
{
	local name

	name=$(mkipc_kernel_name) || return 1
	mkipc_kernel_kver "$name"
}

mkipc_kver_kdir()
{
	if [ -f "/usr/src/linux-headers-$1/Makefile" ]; then
		echo "/usr/src/linux-headers-$1"
	else
		echo "/lib/modules/$1/build"
	fi
}

mkipc_guest_kdir()
{
	local ver

	ver=$(mkipc_guest_kver) || return 1
	mkipc_kver_kdir "$ver"
}

# mkipc_kernel_select: for a KERNEL name (or none), sets KERNEL_NAME, KVER,
# and KERNEL (the image), MODDIR and KDIR (unless given) for run-guest and
# the build; for a bzImage path leaves them as given (KERNEL_NAME=custom).
# Installs nothing: deps.sh guest has done that.
mkipc_kernel_select()
{
	case "${KERNEL:-}" in
	*/*)	KERNEL_NAME=custom KVER=custom
		[ -n "${KDIR:-}" ] ||
			mkipc_die "KERNEL=$KERNEL needs KDIR= (its build tree)"
		return 0 ;;
	esac
	KERNEL_NAME=$(mkipc_kernel_name) || exit 1
	KVER=$(mkipc_kernel_kver "$KERNEL_NAME") ||
		mkipc_die "no $KERNEL_NAME kernel with headers installed" \
			  "(tools/make/deps.sh guest installs it)"
	KERNEL=/boot/vmlinuz-$KVER
	MODDIR=${MODDIR:-/lib/modules/$KVER}
	KDIR=${KDIR:-$(mkipc_kver_kdir "$KVER")}
}

# mkipc_job_start NAME: the set-up `make bench` and `make trace` share.
# Sets HOST (0 unless the caller's environment says 1), RES (a new
# results/NAME-<time>/) and KDIR (the running kernel's tree with HOST=1,
# else the guest kernel's, unless the environment names one; in a guest
# also KERNEL, MODDIR, KVER, KERNEL_NAME: mkipc_kernel_select), and
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
		mkipc_kernel_select
	fi
}

# The companion kernel patch series (tools/kernel-patch/), in order: the
# patch files that carry a diff (the cover letter, 0000, does not).
mkipc_kpatch_series()
{
	local p

	for p in "$MKIPC_TOP"/tools/kernel-patch/0*.patch; do
		grep -q '^diff --git ' "$p" && echo "$p"
	done
}
