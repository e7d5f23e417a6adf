#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Throughput of lfqueue.c built for userspace against ck_fifo_mpmc and
# cds_lfq (uq_bench; its header comment says what is measured and how).
# Arguments go to uq_bench, e.g. bench.sh -i 200000 -r 3 --json out.json
set -u -o pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../common.sh
. "$DIR/../common.sh"

mkipc_need_pkgs gcc libc6-dev make liburcu-dev libck-dev
make -C "$DIR" -s uq_bench >&2 || mkipc_die "building uq_bench failed"
exec "$DIR/uq_bench" "$@"
