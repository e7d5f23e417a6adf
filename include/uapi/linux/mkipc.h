/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mkipc: microkernel-style IPC for Linux, user ABI.
 *
 * Userspace drives mkipc through ioctls on /dev/mkipc. This header is the
 * whole ABI: it includes only <linux/types.h> and <linux/ioctl.h>, every
 * field has a fixed width, user pointers travel as __u64, padding is named
 * and reserved fields must be zero. Ioctl numbers are never reused or
 * renumbered; a structure only grows by turning reserved space into fields
 * and raising MKIPC_ABI_MINOR.
 *
 * Ioctl type 0xE4 is unassigned in Documentation/userspace-api/ioctl/
 * ioctl-number.rst (Linux 6.1).
 */
#ifndef _UAPI_LINUX_MKIPC_H
#define _UAPI_LINUX_MKIPC_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define MKIPC_DEVICE_NAME	"mkipc"

/*
 * ABI version. MKIPC_ABI_MAJOR changes only on an incompatible change (never,
 * once released); MKIPC_ABI_MINOR counts compatible additions.
 */
#define MKIPC_ABI_MAJOR		0
#define MKIPC_ABI_MINOR		1

/*
 * Feature bits reported by MKIPC_IOC_VERSION. A bit is set only when the
 * running module implements the feature; userspace tests bits, not versions.
 * Bits are never reassigned. Later ABI revisions add: endpoints, call and
 * reply_recv, priority inheritance, IPC-completion boost, switch probes.
 */
#define MKIPC_FEAT_DEBUGFS_STATS	(1ULL << 0)	/* debugfs statistics */

/**
 * struct mkipc_version - reply of MKIPC_IOC_VERSION
 * @abi_major:	MKIPC_ABI_MAJOR of the running module
 * @abi_minor:	MKIPC_ABI_MINOR of the running module
 * @features:	MKIPC_FEAT_* bits the running module implements
 * @max_msg_size: largest inline payload in bytes; 0 while the module has
 *		no message operations
 * @reserved0:	padding, written as zero
 * @reserved:	written as zero by this ABI revision
 */
struct mkipc_version {
	__u32 abi_major;
	__u32 abi_minor;
	__u64 features;
	__u32 max_msg_size;
	__u32 reserved0;
	__u64 reserved[4];
};

#define MKIPC_IOC_MAGIC		0xE4

/*
 * MKIPC_IOC_VERSION - report the ABI version and feature bits.
 * Argument: pointer to struct mkipc_version, written by the kernel.
 * Errors:
 *   EFAULT	the argument does not point to writable memory of
 *		sizeof(struct mkipc_version) bytes
 *
 * Any ioctl number this header does not define fails with ENOTTY.
 */
#define MKIPC_IOC_VERSION	_IOR(MKIPC_IOC_MAGIC, 0x00, struct mkipc_version)

#endif /* _UAPI_LINUX_MKIPC_H */
