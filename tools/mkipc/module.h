/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkipc(tool): facts about the running module (module.c): its device,
 * ABI version and feature bits, as info and the benchmarks report them.
 */
#ifndef _MKIPC_MODULE_H
#define _MKIPC_MODULE_H

#include <stddef.h>

#include <linux/mkipc.h>

struct jw;

/*
 * Opens /dev/mkipc and reads its version into @ver: the descriptor, or
 * -errno having said why (warns of an ABI major this tool was not built
 * for).
 */
int open_mkipc(struct mkipc_version *ver);

/* "0.3" for @ver, "-" without one, into @buf. */
const char *abi_str(const struct mkipc_version *ver, char *buf, size_t size);

/* "endpoints call ... (0x3f)\n": the feature bits by name. */
void print_features(__u64 features);

/* "features" (their names) and "features_mask". */
void json_features(struct jw *w, __u64 features);

/*
 * "queue=lfq waitq=owaitq wake=sync direct=on recycle=on": what an
 * endpoint with MKIPC_IOC_EP_INFO's @flags runs on, into @buf.
 */
const char *ep_flags_str(__u32 flags, char *buf, size_t size);

/* "flags", and the same as "queue", "waitq", "wake", "direct", "recycle". */
void json_ep_flags(struct jw *w, __u32 flags);

/* "kernel", "abi" and "features" (null "abi" without @ver). */
void json_kernel(struct jw *w, const char *kernel,
		 const struct mkipc_version *ver);

#endif /* _MKIPC_MODULE_H */
