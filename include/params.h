/* SPDX-License-Identifier: GPL-2.0 */
/*
 * params: the run-time choice between each optimization and its baseline
 * (params.c), and the parameter ops other units use. The queue and wait
 * queue kinds are declared with their units (lfqueue.h, owaitq.h).
 */
#ifndef _MKIPC_PARAMS_H
#define _MKIPC_PARAMS_H

#include <linux/moduleparam.h>
#include <linux/types.h>

/* Synchronous hand-off on calls, module parameter "handoff". */
bool mkipc_handoff_default_sync(void);
/* Module parameter "direct": direct transfer on new endpoints. */
bool mkipc_direct_default(void);
/* Module parameter "recycle": spare records and call slots on new endpoints. */
bool mkipc_recycle_default(void);

/* bool and uint parameter ops whose store is WRITE_ONCE(). */
extern const struct kernel_param_ops mkipc_param_bool_ops;
extern const struct kernel_param_ops mkipc_param_uint_ops;

#endif /* _MKIPC_PARAMS_H */
