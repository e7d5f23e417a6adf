#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds (once, then from the cache) a guest kernel of mkipc's own from
# Debian's linux-source-6.1: allnoconfig plus the fragments beside this
# script, the way WireGuard's QEMU harness does. Prints the build directory
# (bzImage at arch/x86/boot/bzImage; KDIR for mkipc.ko) on stdout.
#
#   build.sh debug    KASAN + lockdep + kmemleak + failslab (base, checkers, debug)
#   build.sh kcsan    KCSAN + the same checkers bar KASAN   (base, checkers, kcsan)
#   build.sh stock    no checkers: the baseline of make patch-bench (base)
#   build.sh patched  the same with tools/kernel-patch/ applied (base)
#   build.sh patched-debug  the debug kernel with the series applied
#                     (base, checkers, debug): the patch under lockdep
#                     and KASAN
#
# The cache key is the source package version and the fragments' contents
# (and for the patched lanes, the series' diffs), so editing either builds
# a new kernel beside the old. The patched lane applies the series to its own copy of
# the source; the pristine tree stays as Debian ships it.
set -eu -o pipefail
. "$(dirname "$0")/../../common.sh"

LANE=${1:-}
case "$LANE" in
debug|kcsan|stock|patched|patched-debug) ;;
*)	echo "usage: $0 debug|kcsan|stock|patched|patched-debug" >&2; exit 2 ;;
esac
HERE=$MKIPC_TOP/tools/vm/kernel
case "$LANE" in
debug|kcsan)
	FRAGS=("$HERE/base.config" "$HERE/checkers.config" "$HERE/$LANE.config") ;;
patched-debug)
	FRAGS=("$HERE/base.config" "$HERE/checkers.config" "$HERE/debug.config") ;;
*)	FRAGS=("$HERE/base.config") ;;
esac
PATCHES=()
if [[ "$LANE" == patched* ]]; then
	# shellcheck disable=SC2207 # paths without blanks, one a line
	PATCHES=($(mkipc_kpatch_series))
fi

mkipc_need_pkgs linux-source-6.1 xz-utils make gcc libc6-dev bc bison flex \
	libelf-dev libssl-dev cpio

SRCVER=$(dpkg-query -W -f='${Version}' linux-source-6.1)
SRC=$MKIPC_CACHE/src/linux-source-6.1-$SRCVER
if [ ! -e "$SRC/.mkipc-extracted" ]; then
	mkipc_log "extracting linux-source-6.1 $SRCVER"
	rm -rf "$SRC" "$SRC.tmp"
	mkdir -p "$SRC.tmp"
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$SRC.tmp" --strip-components=1
	touch "$SRC.tmp/.mkipc-extracted"
	mv "$SRC.tmp" "$SRC"
fi

# A patch's diffs, not its message: editing a message rebuilds nothing.
diffs()
{
	local p

	for p in "$@"; do
		sed -n '/^diff --git /,$p' "$p"
	done
}
KEY=$( (echo "$SRCVER"; cat "${FRAGS[@]}"; diffs ${PATCHES[@]+"${PATCHES[@]}"}) |
	sha256sum | cut -c1-12)
OUT=$MKIPC_CACHE/kernels/$LANE-$KEY
if [ -e "$OUT/.mkipc-built" ]; then
	echo "$OUT"
	exit 0
fi

if [ ${#PATCHES[@]} -gt 0 ]; then
	# A copy of the pristine tree, the series applied with git apply
	# (which refuses a patch that does not apply exactly); one for both
	# patched lanes, which build out of it (and their KDIRs point there).
	SKEY=$( (echo "$SRCVER"; diffs "${PATCHES[@]}") | sha256sum | cut -c1-12)
	PSRC=$MKIPC_CACHE/src/linux-source-6.1-$SRCVER-patched-$SKEY
	if [ ! -e "$PSRC/.mkipc-patched" ]; then
		mkipc_log "applying tools/kernel-patch/ to a copy of the source"
		rm -rf "$PSRC" "$PSRC.tmp"
		cp -a "$SRC" "$PSRC.tmp"
		(cd "$PSRC.tmp" && git apply -p1 "${PATCHES[@]}") ||
			mkipc_die "the series does not apply to linux-source-6.1 $SRCVER"
		touch "$PSRC.tmp/.mkipc-patched"
		mv "$PSRC.tmp" "$PSRC"
	fi
	for old in "$MKIPC_CACHE/src/linux-source-6.1-$SRCVER-patched-"*; do
		[ "$old" = "$PSRC" ] || rm -rf "$old"
	done
	SRC=$PSRC
fi

mkipc_log "building the $LANE kernel in $OUT (cold: several minutes)"
mkdir -p "$OUT"
cat "${FRAGS[@]}" > "$OUT/mkipc.config"
make -s -C "$SRC" O="$OUT" KCONFIG_ALLCONFIG="$OUT/mkipc.config" \
	allnoconfig >&2

# Kconfig drops an option whose dependencies are missing without a word:
# every line of the fragments must have survived.
bad=0
while read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qx "$line" "$OUT/.config" || {
			mkipc_log "fragment line lost: $line (now: $(grep "^${line%%=*}=" "$OUT/.config" || echo unset))"
			bad=1
		} ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		! grep -q "^$opt=" "$OUT/.config" || {
			mkipc_log "fragment line lost: $line"
			bad=1
		} ;;
	esac
done < "$OUT/mkipc.config"
[ $bad -eq 0 ] || mkipc_die "the $LANE config does not hold its fragments"

make -s -C "$SRC" O="$OUT" -j"$(( $(nproc) + 1 ))" bzImage modules >&2
make -s -C "$SRC" O="$OUT" modules_prepare >&2
touch "$OUT/.mkipc-built"
# Older builds of this lane (other fragments or source) are dead weight.
for old in "$MKIPC_CACHE/kernels/$LANE-"*; do
	[ "$old" = "$OUT" ] || rm -rf "$old"
done
echo "$OUT"
