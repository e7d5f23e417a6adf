// SPDX-License-Identifier: GPL-2.0
/*
 * libmkipc: thin wrappers over the mkipc ioctls. See libmkipc.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libmkipc.h"

/* An ioctl's result as 0, a descriptor, or -errno. */
static inline int mkipc_ret(int ret)
{
	return ret < 0 ? -errno : ret;
}

int mkipc_open(void)
{
	return mkipc_ret(open(MKIPC_DEV_PATH, O_RDWR | O_CLOEXEC));
}

int mkipc_version(int dev, struct mkipc_version *ver)
{
	return mkipc_ret(ioctl(dev, MKIPC_IOC_VERSION, ver));
}

int mkipc_switch_run(int dev, struct mkipc_switch *arg)
{
	return mkipc_ret(ioctl(dev, MKIPC_IOC_SWITCH, arg));
}

int mkipc_ep_create(int dev, __u32 flags, __u32 max_msgs,
		    __u64 *id)
{
	struct mkipc_ep_create arg;
	int ret;

	memset(&arg, 0, sizeof(arg));
	arg.flags = flags;
	arg.max_msgs = max_msgs;
	ret = mkipc_ret(ioctl(dev, MKIPC_IOC_EP_CREATE, &arg));
	if (ret >= 0 && id)
		*id = arg.id;
	return ret;
}

int mkipc_ep_sender(int ep, __u32 flags)
{
	struct mkipc_ep_sender arg;

	memset(&arg, 0, sizeof(arg));
	arg.flags = flags;
	return mkipc_ret(ioctl(ep, MKIPC_IOC_EP_SENDER, &arg));
}

int mkipc_ep_info(int ep, struct mkipc_ep_info *info)
{
	return mkipc_ret(ioctl(ep, MKIPC_IOC_EP_INFO, info));
}

int mkipc_ep_shutdown(int ep)
{
	return mkipc_ret(ioctl(ep, MKIPC_IOC_EP_SHUTDOWN));
}

int mkipc_send(int ep, struct mkipc_send *arg)
{
	return mkipc_ret(ioctl(ep, MKIPC_IOC_SEND, arg));
}

int mkipc_recv(int ep, struct mkipc_recv *arg)
{
	return mkipc_ret(ioctl(ep, MKIPC_IOC_RECV, arg));
}

int mkipc_call(int ep, struct mkipc_call *arg)
{
	return mkipc_ret(ioctl(ep, MKIPC_IOC_CALL, arg));
}

int mkipc_reply(int ep, struct mkipc_reply *arg)
{
	return mkipc_ret(ioctl(ep, MKIPC_IOC_REPLY, arg));
}

int mkipc_reply_recv(int ep, struct mkipc_reply_recv *arg)
{
	return mkipc_ret(ioctl(ep, MKIPC_IOC_REPLY_RECV, arg));
}
