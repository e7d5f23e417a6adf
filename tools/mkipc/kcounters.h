/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkipc(tool): snapshots of the module's debugfs counters of priority
 * changes and delivery paths (kcounters.c), taken before and after a
 * benchmark's run, whose report gives their changes.
 */
#ifndef _MKIPC_KCOUNTERS_H
#define _MKIPC_KCOUNTERS_H

#include <stdbool.h>

struct jw;

#define KC_N	10	/* the counters, kcounters.c's kc_names[] */

struct kc_snap {
	bool ok;
	long long v[KC_N];	/* -1: not in the file */
};

/* Reads DEBUGFS_DIR/stats into @s (->ok false when unreadable). */
void kc_take(struct kc_snap *s);

/*
 * The changes from @a to @b: the text report's "# debugfs counters ..."
 * line, a SUMMARY line's " prio_raise=3 ...", the JSON "counters".
 */
void kc_print(const struct kc_snap *a, const struct kc_snap *b);
void kc_summary(const struct kc_snap *a, const struct kc_snap *b);
void kc_json(struct jw *w, const struct kc_snap *a, const struct kc_snap *b);

#endif /* _MKIPC_KCOUNTERS_H */
