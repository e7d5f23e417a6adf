/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mkipc_min: the least an ioctl-based synchronous call can cost in this
 * kernel, as a baseline row for `mkipc pingpong --transport minimal`.
 * Not part of mkipc's ABI; built and loaded by the benchmark only.
 *
 * One client and one server share one open file of /dev/mkipc_min:
 *
 *   client:  reply = ioctl(fd, MKIPC_MIN_CALL, request);
 *   server:  request = ioctl(fd, MKIPC_MIN_RECV, 0);
 *            loop: request = ioctl(fd, MKIPC_MIN_REPLY_RECV, reply);
 *            last: ioctl(fd, MKIPC_MIN_REPLY, reply);
 *
 * Words are 0..MKIPC_MIN_WORD_MAX: the ioctl's return value carries them,
 * and ioctl(2) returns an int.
 * Errors: EINVAL (a word out of range), ERESTARTSYS/EINTR (a signal).
 */
#ifndef _MKIPC_MIN_H
#define _MKIPC_MIN_H

#include <linux/ioctl.h>

#define MKIPC_MIN_DEVICE	"mkipc_min"
#define MKIPC_MIN_WORD_MAX	0x7fffffffUL

#define MKIPC_MIN_MAGIC		0xE5
#define MKIPC_MIN_CALL		_IO(MKIPC_MIN_MAGIC, 0x00)
#define MKIPC_MIN_RECV		_IO(MKIPC_MIN_MAGIC, 0x01)
#define MKIPC_MIN_REPLY_RECV	_IO(MKIPC_MIN_MAGIC, 0x02)
#define MKIPC_MIN_REPLY		_IO(MKIPC_MIN_MAGIC, 0x03)

#endif /* _MKIPC_MIN_H */
