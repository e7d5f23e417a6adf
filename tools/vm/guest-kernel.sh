#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prints facts about the guest kernel KERNEL= names (6.1, 6.12, 6.12-rt;
# default 6.1: tools/common.sh), or about NAME when given.
#   guest-kernel.sh kver [NAME]    its version (e.g. 6.1.0-57-amd64)
#   guest-kernel.sh kdir [NAME]    its build tree, for KDIR=
#   guest-kernel.sh image [NAME]   its bzImage
set -eu
. "$(dirname "$0")/../common.sh"

[ $# -ge 2 ] && KERNEL=$2
case "${1:-}" in
kver)	mkipc_guest_kver ;;
kdir)	mkipc_guest_kdir ;;
image)	echo "/boot/vmlinuz-$(mkipc_guest_kver)" ;;
*)	echo "usage: $0 kver|kdir|image [NAME]" >&2; exit 2 ;;
esac
