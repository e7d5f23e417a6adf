// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc(tool): the module's debugfs counters before and after a run. See
 * kcounters.h.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkipc_util.h"
#include "json.h"
#include "kcounters.h"
#include "mkipc.h"

/*
 * The debugfs counters of priority changes, of the delivery paths
 * (direct: through the mailbox, queued: through the queue), and of the
 * switches the kernel's direct hand-off made (khandoff: only with the
 * companion kernel patch), before and after a run.
 */
static const char * const kc_names[] = {
	"prio_raise", "prio_restore", "prio_external", "prio_refused",
	"boosts", "boost_decays", "boost_limited", "direct", "queued",
	"khandoff",
};

static_assert(ARRAY_SIZE(kc_names) == KC_N, "KC_N counts kc_names[]");

void kc_take(struct kc_snap *s)
{
	char *text, *line, *save = NULL, name[64];
	long long val;
	size_t k;

	memset(s, 0, sizeof(*s));
	for (k = 0; k < KC_N; k++)
		s->v[k] = -1;
	if (mkipc_file_read_all(DEBUGFS_DIR "/stats", &text) < 0)
		return;
	s->ok = true;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%63s %lld", name, &val) != 2)
			continue;
		for (k = 0; k < KC_N; k++)
			if (!strcmp(name, kc_names[k]))
				s->v[k] = val;
	}
	free(text);
}

/* Counter @k's change from @a to @b; -1 when unknown. */
static long long kc_delta(const struct kc_snap *a, const struct kc_snap *b,
			  size_t k)
{
	if (!a->ok || !b->ok || a->v[k] < 0 || b->v[k] < 0)
		return -1;
	return b->v[k] - a->v[k];
}

/* "# debugfs counters over the run: prio_raise +3 ..." */
void kc_print(const struct kc_snap *a, const struct kc_snap *b)
{
	long long d;
	size_t k;

	if (!a->ok || !b->ok) {
		printf("# debugfs counters: %s unreadable (debugfs mounted? root?)\n",
		       DEBUGFS_DIR "/stats");
		return;
	}
	printf("# debugfs counters over the run (all of the module's threads):");
	for (k = 0; k < KC_N; k++) {
		d = kc_delta(a, b, k);
		if (d < 0)
			printf(" %s -", kc_names[k]);
		else
			printf(" %s +%lld", kc_names[k], d);
	}
	printf("\n");
}

/* " prio_raise=3 ..." for a SUMMARY line ("-" when unknown). */
void kc_summary(const struct kc_snap *a, const struct kc_snap *b)
{
	long long d;
	size_t k;

	for (k = 0; k < KC_N; k++) {
		d = kc_delta(a, b, k);
		if (d < 0)
			printf(" %s=-", kc_names[k]);
		else
			printf(" %s=%lld", kc_names[k], d);
	}
}

void kc_json(struct jw *w, const struct kc_snap *a,
	     const struct kc_snap *b)
{
	long long d;
	size_t k;

	if (!a->ok || !b->ok) {
		jw_null(w, "counters");
		return;
	}
	jw_open(w, "counters", '{');
	for (k = 0; k < KC_N; k++) {
		d = kc_delta(a, b, k);
		if (d < 0)
			jw_null(w, kc_names[k]);
		else
			jw_i64(w, kc_names[k], d);
	}
	jw_close(w, '}');
}

