/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/list.h>: the few list_head operations lfqueue
 * uses, with the kernel's semantics (circular, doubly linked, list_del()
 * poisons the entry). Not safe without a lock, like the kernel's.
 */
#ifndef _KCOMPAT_LINUX_LIST_H
#define _KCOMPAT_LINUX_LIST_H

#include <linux/types.h>

/* Addresses that fault when a deleted entry is followed. */
#define LIST_POISON1	((struct list_head *)0x100)
#define LIST_POISON2	((struct list_head *)0x122)

static inline void INIT_LIST_HEAD(struct list_head *list)
{
	list->next = list;
	list->prev = list;
}

static inline bool list_empty(const struct list_head *head)
{
	return head->next == head;
}

static inline void list_add_tail(struct list_head *new,
				 struct list_head *head)
{
	struct list_head *prev = head->prev;

	new->next = head;
	new->prev = prev;
	prev->next = new;
	head->prev = new;
}

static inline void list_del(struct list_head *entry)
{
	entry->prev->next = entry->next;
	entry->next->prev = entry->prev;
	entry->next = LIST_POISON1;
	entry->prev = LIST_POISON2;
}

#define list_entry(ptr, type, member)	container_of(ptr, type, member)

#define list_first_entry_or_null(head, type, member)			\
({									\
	struct list_head *__kc_head = (head);				\
									\
	list_empty(__kc_head) ? NULL :					\
		list_entry(__kc_head->next, type, member);		\
})

#define list_next_entry(pos, member) \
	list_entry((pos)->member.next, __typeof__(*(pos)), member)

#define list_for_each_entry_safe(pos, n, head, member)			\
	for (pos = list_entry((head)->next, __typeof__(*pos), member),	\
	     n = list_next_entry(pos, member);				\
	     &pos->member != (head);					\
	     pos = n, n = list_next_entry(n, member))

#endif /* _KCOMPAT_LINUX_LIST_H */
