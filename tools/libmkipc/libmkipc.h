/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libmkipc: thin wrappers over the mkipc ioctls (include/uapi/linux/mkipc.h
 * is the contract; read it for what each call does and every errno).
 *
 * Every function returns 0 (or a new descriptor, for those that make one)
 * on success and -errno on failure; errno itself is left as the ioctl set
 * it. There is no hidden state and nothing is allocated: the caller owns
 * every argument structure, and the message calls take the uapi structures
 * themselves, so a hot loop fills them once (zeroed: reserved fields must
 * be 0) and then only rewrites what the kernel writes back (a receive
 * buffer's capacity, say).
 */
#ifndef _LIBMKIPC_H
#define _LIBMKIPC_H

#include <stddef.h>
#include <stdint.h>

#include <linux/mkipc.h>

#define MKIPC_DEV_PATH	"/dev/" MKIPC_DEVICE_NAME

/* Opens /dev/mkipc read-write, close-on-exec: the descriptor or -errno. */
int mkipc_open(void);

/* MKIPC_IOC_VERSION on @dev into @ver. */
int mkipc_version(int dev, struct mkipc_version *ver);

/*
 * MKIPC_IOC_SWITCH on @dev: a kernel-thread pair's run, as @arg asks;
 * @arg holds what was measured also on -EINTR and -ETIMEDOUT.
 */
int mkipc_switch_run(int dev, struct mkipc_switch *arg);

/*
 * MKIPC_IOC_EP_CREATE on @dev: a new endpoint with both rights. Returns
 * its descriptor; stores its debugfs number in *@id when @id is not NULL.
 */
int mkipc_ep_create(int dev, __u32 flags, __u32 max_msgs,
		    __u64 *id);

/* MKIPC_IOC_EP_SENDER on @ep: a new send-only descriptor, returned. */
int mkipc_ep_sender(int ep, __u32 flags);

/* MKIPC_IOC_EP_INFO on @ep into @info. */
int mkipc_ep_info(int ep, struct mkipc_ep_info *info);

/* MKIPC_IOC_EP_SHUTDOWN on @ep. */
int mkipc_ep_shutdown(int ep);

/* The message operations: one ioctl each, on the caller's structure. */
int mkipc_send(int ep, struct mkipc_send *arg);
int mkipc_recv(int ep, struct mkipc_recv *arg);
int mkipc_call(int ep, struct mkipc_call *arg);
int mkipc_reply(int ep, struct mkipc_reply *arg);
int mkipc_reply_recv(int ep, struct mkipc_reply_recv *arg);

/*
 * Fills @msg; @buf may be NULL when @size is 0. For a receive buffer,
 * @size is its capacity and @label is ignored.
 */
static inline void mkipc_msg_init(struct mkipc_msg *msg, __u64 label,
				  const void *buf, __u32 size)
{
	msg->label = label;
	msg->data = (uintptr_t)buf;
	msg->size = size;
	msg->reserved0 = 0;
}

#endif /* _LIBMKIPC_H */
