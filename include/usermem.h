/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usermem: what each unprivileged user's endpoints hold, bounded by the
 * module parameter user_mem_max_kb (usermem.c).
 */
#ifndef _MKIPC_USERMEM_H
#define _MKIPC_USERMEM_H

#include <linux/types.h>

struct mkipc_user;
struct mkipc_user *mkipc_user_get(void);
void mkipc_user_put(struct mkipc_user *u);
bool mkipc_user_charge(struct mkipc_user *u, size_t bytes);
void mkipc_user_uncharge(struct mkipc_user *u, size_t bytes);
unsigned long mkipc_user_bytes(struct mkipc_user *u);
void mkipc_user_uninit(void);

#endif /* _MKIPC_USERMEM_H */
