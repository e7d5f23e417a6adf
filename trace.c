// SPDX-License-Identifier: GPL-2.0
/*
 * The module's tracepoints (include/mkipc_trace.h), instantiated here
 * once, so that every unit that fires one only includes the header, and
 * a build without priority inheritance (MKIPC_PRIO=n) has them too.
 */
#include "prio_boost.h"

#define CREATE_TRACE_POINTS
#include "mkipc_trace.h"
