#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prints facts about the kernel the guest runner boots by default.
#   guest-kernel.sh kver    its version (e.g. 6.1.0-56-amd64)
#   guest-kernel.sh kdir    its build tree, for KDIR=
#   guest-kernel.sh image   its bzImage
set -eu
. "$(dirname "$0")/../common.sh"

case "${1:-}" in
kver)	mkipc_guest_kver ;;
kdir)	mkipc_guest_kdir ;;
image)	echo "/boot/vmlinuz-$(mkipc_guest_kver)" ;;
*)	echo "usage: $0 kver|kdir|image" >&2; exit 2 ;;
esac
